"""Validating the graph against ontology/shapes.ttl with pyshacl.

Each article is validated as one unit -- its own graph, its claims' graphs and the
registry, with the ontology mixed in so that sh:class sees the class hierarchy -- so
that a finding belongs to one article and a changed article is validated alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode, RdfFormat, Store, serialize

from .errors import Location
from .findings import Finding
from .provenance import Locator
from .resources import resource_dir
from .results import short

SH = "http://www.w3.org/ns/shacl#"
_SEVERITY = {SH + "Violation": "error", SH + "Warning": "warning", SH + "Info": "info"}


def shapes_path() -> Path:
    """The SHACL shapes shipped with newskg."""
    return resource_dir("ontology") / "shapes.ttl"


def load_graphs() -> tuple[Any, Any]:
    """The shapes and the ontology as rdflib graphs (parsed once per run)."""
    from .ontology import load_turtle

    return load_turtle(shapes_path()), load_turtle()


def unit_graph(store: Store, graphs: Iterable[str]) -> Any:
    """An rdflib graph with the triples of some named graphs of the store."""
    from rdflib import Graph

    triples = [
        q.triple for g in graphs for q in store.quads_for_pattern(None, None, None, NamedNode(g))
    ]
    data = serialize(triples, format=RdfFormat.N_TRIPLES) or b""
    return Graph().parse(data=data, format="nt")


def validate_unit(data: Any, shapes: Any, ontology: Any) -> Any:
    """Run pyshacl; return its results graph."""
    from pyshacl import validate

    _, results, _ = validate(
        data, shacl_graph=shapes, ont_graph=ontology, inference="none", allow_warnings=True
    )
    return results


def findings(
    results: Any,
    locator: Locator,
    article: str | None,
    prefixes: dict[str, str],
    fallback: Location,
) -> Iterator[Finding]:
    """The findings of a results graph, each located in the fact sheets."""
    from pyoxigraph import Literal as OxLiteral
    from rdflib import RDF, URIRef
    from rdflib import Literal as RdfLiteral

    def show(term: Any) -> str:
        if isinstance(term, URIRef):
            return short(NamedNode(str(term)), prefixes)
        if isinstance(term, RdfLiteral):
            return repr(short(OxLiteral(str(term)), prefixes))
        return "" if term is None else str(term)

    for result in results.subjects(RDF.type, URIRef(SH + "ValidationResult")):

        def value(name: str, node: Any = result) -> Any:
            return results.value(node, URIRef(SH + name))

        focus, path, found = value("focusNode"), value("resultPath"), value("value")
        severity = _SEVERITY.get(str(value("resultSeverity")), "error")
        origin = locator.origin(
            str(focus),
            str(path) if path is not None else None,
            str(found) if isinstance(found, URIRef) else None,
            article,
        )
        where = origin.location if origin is not None else fallback
        what = f"{show(focus)}"
        if path is not None:
            what += f" {show(path)}"
        if found is not None:
            what += f" = {show(found)}"
        message = str(value("resultMessage") or "does not conform to its shape")
        shape = value("sourceShape")
        hint = f"shape {show(shape)}" if isinstance(shape, URIRef) else ""
        yield Finding(severity, where, f"{what}: {message}", hint, "shacl")
