"""The shapes compiled to SPARQL find what pyshacl, the reference, finds."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, Store

from newskg import build, shacl

from .conftest import FIRST_ARTICLE

BASE = "https://example.org/newskg/"
NK = BASE + "ontology#"
OA = "http://www.w3.org/ns/oa#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
A = FIRST_ARTICLE


def fact(local: str) -> NamedNode:
    return NamedNode(f"{BASE}id/fact/{A}.{local}")


def typed(value: str, datatype: str) -> Literal:
    return Literal(value, datatype=NamedNode(XSD + datatype))


PLANTED = [
    # minCount (and the evidence rule): a meeting with no participant and no annotation
    (fact("planted-meeting"), NamedNode(RDF_TYPE), NamedNode(NK + "Meeting")),
    # maxCount and class: a second speaker, who is a product
    (fact("memo-builder"), NamedNode(NK + "speaker"), NamedNode(f"{BASE}id/entity/chatgpt")),
    # datatype and maxCount: a second way of writing a time, without a language
    (
        NamedNode(f"{BASE}id/time/{A}.memo.dated"),
        NamedNode(NK + "asWritten"),
        Literal("last week"),
    ),
    # nodeKind: a URL as text
    (
        NamedNode(f"{BASE}id/article/{A}"),
        NamedNode("http://schema.org/url"),
        Literal("https://example.com/a"),
    ),
    # pattern: not a Wikidata item
    (
        NamedNode(f"{BASE}id/entity/chatgpt"),
        NamedNode("http://schema.org/sameAs"),
        NamedNode("http://www.wikidata.org/entity/X1"),
    ),
    # in: a position as a motion's status
    (
        NamedNode(f"{BASE}id/event/openai-motion-to-dismiss"),
        NamedNode(NK + "motionStatus"),
        NamedNode(NK + "Founder"),
    ),
    # minLength, minInclusive and lessThan on a quote's selectors
    (
        NamedNode(f"{BASE}id/evidence/{A}.chatgpt-flagship.1.quote"),
        NamedNode(OA + "exact"),
        Literal(""),
    ),
    (
        NamedNode(f"{BASE}id/evidence/{A}.musk-worried-about-ai-safety.1.position"),
        NamedNode(OA + "start"),
        typed("-5", "integer"),
    ),
    (
        NamedNode(f"{BASE}id/evidence/{A}.musk-worried-about-ai-safety.1.position"),
        NamedNode(OA + "start"),
        typed("100000", "integer"),
    ),
    # lessThanOrEquals and the SPARQL constraints on times
    (
        NamedNode(f"{BASE}id/time/{A}.planted"),
        NamedNode(RDF_TYPE),
        NamedNode(NK + "TimeExpression"),
    ),
    (
        NamedNode(f"{BASE}id/time/{A}.planted"),
        NamedNode(NK + "asWritten"),
        Literal("x", language="en"),
    ),
    (
        NamedNode(f"{BASE}id/time/{A}.planted"),
        NamedNode(NK + "earliest"),
        typed("2030-01-01", "date"),
    ),
    (
        NamedNode(f"{BASE}id/time/{A}.planted"),
        NamedNode(NK + "latest"),
        typed("2020-01-01", "date"),
    ),
    (
        NamedNode(f"{BASE}id/time/{A}.planted"),
        NamedNode(NK + "value"),
        typed("2020-05", "gYearMonth"),
    ),
    (
        NamedNode(f"{BASE}id/time/{A}.planted"),
        NamedNode(NK + "precision"),
        NamedNode("http://www.w3.org/2006/time#unitDay"),
    ),
    (NamedNode(f"{BASE}id/time/{A}.silent"), NamedNode(RDF_TYPE), NamedNode(NK + "TimeExpression")),
    (
        NamedNode(f"{BASE}id/time/{A}.silent"),
        NamedNode(NK + "asWritten"),
        Literal("y", language="en"),
    ),
    # or: a membership in a person
    (
        fact("swisher-journalist"),
        NamedNode(NK + "organisation"),
        NamedNode(f"{BASE}id/entity/greg-brockman"),
    ),
]


def test_sparql_shapes_find_what_pyshacl_finds(project: Path) -> None:
    build(project)
    store = Store(str(project / "build" / "store"))
    graph = NamedNode(f"{BASE}id/article/{A}")
    for s, p, o in PLANTED:
        store.add(Quad(s, p, o, graph))
    store.flush()
    shapes, ontology = shacl.load_graphs()
    graphs = [q.graph_name.value for q in store.quads_for_pattern(None, None, None, None)]
    unit = sorted({g for g in graphs if f"/{A}" in g} | {f"{BASE}graph/registry"})
    reference = shacl.validate_unit(shacl.unit_graph(store, unit), shapes, ontology)
    compiled = shacl.run_queries(store, shacl.compile_shapes(shapes, ontology))
    assert len(reference) > 15
    assert normal(compiled) == normal(reference)


def normal(results: Iterable[shacl.Result]) -> list[shacl.Result]:
    """Sorted, and sh:in's list sorted (pyshacl words it from a set)."""

    def sort_list(match: re.Match[str]) -> str:
        return str(sorted(ast.literal_eval(match.group(0))))

    return sorted(
        {replace(r, message=re.sub(r"\[.*\]$", sort_list, r.message)) for r in results},
        key=shacl.Result.key,
    )


def test_a_shape_the_compiler_does_not_know_is_refused_not_skipped() -> None:
    from rdflib import Graph

    from newskg.errors import UsageError

    shapes = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix nk: <https://example.org/newskg/ontology#> .
        nk:S a sh:NodeShape ; sh:targetClass nk:Meeting ;
            sh:property [ sh:path nk:participant ; sh:uniqueLang true ] .
        """,
        format="turtle",
    )
    with pytest.raises(UsageError, match="uniqueLang"):
        shacl.compile_shapes(shapes, Graph())


def test_the_shapes_terms_reach_a_query_only_as_values_blocks() -> None:
    """Each query is a fixed text of the compiler (or a SPARQL constraint's own SELECT);
    the shapes' IRIs, literals and counts go in only as VALUES blocks of terms."""
    shapes, ontology = shacl.load_graphs()
    queries = shacl.compile_shapes(shapes, ontology)
    own = [q for q in queries if q.path is None]
    assert len(own) == 4 and all("?targetType" in q.template for q in own)
    kinds = set(shacl.TEMPLATES.values())
    assert {q.template for q in queries if q.path is not None} <= kinds
    for query in queries:
        iris = set(re.findall(r"<[^\s<>]+>", query.template))
        assert iris == {f"<{RDF_TYPE}>"}, iris
        blocks = re.findall(r"VALUES \(\?\w+\) \{ (?:\([^()]*\) ?)*\}", query.sparql)
        assert len(blocks) == len(query.values)
        bare = re.sub(r"VALUES \(\?\w+\) \{ (?:\([^()]*\) ?)*\}", "", query.sparql)
        assert bare == re.sub(r"\$(\w+)", "", query.template).replace("$$", "$")


def test_a_values_block_refuses_what_is_not_a_variable_name() -> None:
    from newskg.errors import UsageError
    from newskg.sparql import values_block

    assert values_block(["x"], [[NamedNode("http://e/a")]]) == "VALUES (?x) { (<http://e/a>) }"
    with pytest.raises(UsageError, match="variable"):
        values_block(["x) {} } DROP ALL #"], [[NamedNode("http://e/a")]])
