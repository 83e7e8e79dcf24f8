"""The one order newskg writes quads in: graph, subject, rdf:type first, then predicate
and object.  A module of its own, light to import: the mapping, the build's own graphs
and the export all sort by it, and the last two should not load the fact models (the
pydantic models take about 0.3 s to build) to do so.
"""

from __future__ import annotations

from collections.abc import Iterable

from pyoxigraph import Quad

from .vocab import RDF, iri

RDF_TYPE = iri(RDF, "type")


def sort_key(quad: Quad) -> tuple[str, str, int, str, str]:
    """Graph, subject, rdf:type first, then predicate and object: readable and stable."""
    return (
        str(quad.graph_name),
        str(quad.subject),
        quad.predicate != RDF_TYPE,
        str(quad.predicate),
        str(quad.object),
    )


def sorted_quads(quads: Iterable[Quad]) -> list[Quad]:
    """Quads in the one canonical order newskg writes, duplicates removed."""
    return sorted(set(quads), key=sort_key)
