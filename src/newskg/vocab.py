"""Namespaces and the IRIs newskg mints: one place, so that every module agrees.

The ontology's namespace is fixed; the data's IRIs sit under a base IRI that a
project can change (`[project] base_iri` in newskg.toml).  IRIs are made from registry
ids and fact ids, never from counters, so they stay stable when facts are added.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from pyoxigraph import NamedNode, Quad

ONTOLOGY_IRI = "https://example.org/newskg/ontology"
NK = ONTOLOGY_IRI + "#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "http://schema.org/"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
OA = "http://www.w3.org/ns/oa#"
TIME = "http://www.w3.org/2006/time#"
ORG = "http://www.w3.org/ns/org#"
FOAF = "http://xmlns.com/foaf/0.1/"
SEM = "http://semanticweb.cs.vu.nl/2009/11/sem/"
WD = "http://www.wikidata.org/entity/"
WDT = "http://www.wikidata.org/prop/direct/"

STANDARD_PREFIXES: dict[str, str] = {
    "nk": NK,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "owl": OWL,
    "skos": SKOS,
    "schema": SCHEMA,
    "dcterms": DCTERMS,
    "prov": PROV,
    "oa": OA,
    "time": TIME,
    "org": ORG,
    "foaf": FOAF,
    "sem": SEM,
    "wd": WD,
    "wdt": WDT,
}

ENTITY_CATEGORY: dict[str, str] = {
    **dict.fromkeys(
        ["Person", "Organisation", "Company", "Nonprofit", "NewsOutlet", "Court", "Group",
         "Product"], "entity"),
    **dict.fromkeys(["Lawsuit", "Motion", "Event", "Meeting", "Interview"], "event"),
    **dict.fromkeys(["Document", "BlogPost", "Email", "EmailSet", "Memo", "Post"], "document"),
    "Place": "place",
}  # fmt: skip
"""Which part of the IRI space a registry type lives in: entity/, event/, document/, place/."""


def used_prefixes(quads: Iterable[Quad], table: dict[str, str]) -> dict[str, str]:
    """The prefixes of `table` that the quads use, so that a file declares what it needs.
    (A search in their N-Quads, which pyoxigraph writes in C: a walk over the terms in
    Python cost more than writing the file.  Written 20,000 quads at a time, so that a
    large graph is never held as text: the registry's alone is 31 MB as N-Quads.)"""
    from pyoxigraph import RdfFormat, serialize

    missing, pending = dict(table), iter(quads)
    while missing and (chunk := list(itertools.islice(pending, 20_000))):
        found = used_prefixes_in(serialize(chunk, format=RdfFormat.N_QUADS) or b"", missing)
        missing = {name: ns for name, ns in missing.items() if name not in found}
    return {name: ns for name, ns in table.items() if name not in missing}


def used_prefixes_in(nquads: bytes, table: dict[str, str]) -> dict[str, str]:
    """:func:`used_prefixes`, for quads already written as N-Quads."""
    return {name: ns for name, ns in table.items() if f"<{ns}".encode() in nquads}


@functools.cache  # terms are immutable: made once, not for every statement
def nk(local: str) -> NamedNode:
    """A term of the newskg ontology."""
    return NamedNode(NK + local)


@functools.cache
def iri(namespace: str, local: str) -> NamedNode:
    """A term of a standard vocabulary."""
    return NamedNode(namespace + local)


@dataclass(frozen=True)
class Minter:
    """Mints the data's IRIs under one base IRI."""

    base: str

    def prefixes(self) -> dict[str, str]:
        """The standard prefixes and the data's own, for readable Turtle and TriG."""
        own = {
            "ent": self.base + "id/entity/",
            "evt": self.base + "id/event/",
            "doc": self.base + "id/document/",
            "plc": self.base + "id/place/",
            "art": self.base + "id/article/",
            "fact": self.base + "id/fact/",
            "clm": self.base + "id/claim/",
            "ann": self.base + "id/evidence/",
            "tm": self.base + "id/time/",
            "src": self.base + "id/source/",
            "graph": self.base + "graph/",
        }
        return {**STANDARD_PREFIXES, **own}

    def entity(self, entity_id: str, entity_type: str) -> NamedNode:
        """A registry entry's IRI; its type decides the part of the IRI space."""
        return NamedNode(f"{self.base}id/{ENTITY_CATEGORY[entity_type]}/{entity_id}")

    def article(self, article_id: str) -> NamedNode:
        """An article; its IRI also names the graph of what it says in its own voice."""
        return NamedNode(f"{self.base}id/article/{article_id}")

    def fact(self, article_id: str, fact_id: str) -> NamedNode:
        """The resource a fact makes when it describes nothing from the registry."""
        return NamedNode(f"{self.base}id/fact/{article_id}.{fact_id}")

    def claim(self, article_id: str, fact_id: str) -> NamedNode:
        """A reported or alleged claim; its IRI also names the graph of its content."""
        return NamedNode(f"{self.base}id/claim/{article_id}.{fact_id}")

    def evidence(self, article_id: str, fact_id: str, suffix: str = "") -> NamedNode:
        """The annotation linking a fact to its words, and its target and selectors."""
        return NamedNode(f"{self.base}id/evidence/{article_id}.{fact_id}{suffix}")

    def time(self, article_id: str, fact_id: str, field: str) -> NamedNode:
        """A time expression of one fact's field."""
        return NamedNode(f"{self.base}id/time/{article_id}.{fact_id}.{field}")

    def source(self, path: str) -> NamedNode:
        """A source file of the project, by its project-relative path."""
        return NamedNode(f"{self.base}id/source/{path}")

    def graph(self, name: str) -> NamedNode:
        """A graph of the build's own: registry, build metadata."""
        return NamedNode(f"{self.base}graph/{name}")

    def owns(self, graph_iri: str) -> bool:
        """True for graphs newskg writes (under its base IRI, or the ontology's)."""
        return graph_iri.startswith(self.base) or graph_iri == ONTOLOGY_IRI
