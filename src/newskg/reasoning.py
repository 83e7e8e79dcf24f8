"""What follows from the ontology and from what the articles assert in their own voice.

OWL 2 RL materialisation with owlrl, on the ontology, the article graphs and the
registry -- never the claims' graphs, which are someone's claims, not premises.  The new
statements about the data's own resources go into a graph of their own,
``{base}graph/inferred``, never into an article's graph.  HermiT (see
:mod:`newskg.consistency`) is for classification and consistency; owlrl is for
materialising, and still took 270 s and 1.9 GB for a million statements here, so large
corpora should reason in a triple store (see the README).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pyoxigraph import NamedNode, Quad, RdfFormat, Triple, parse, serialize

from .errors import StoreError

OWL = "http://www.w3.org/2002/07/owl#"
_TRIVIAL_TYPES = {
    OWL + "Thing",
    OWL + "NamedIndividual",
    "http://www.w3.org/2000/01/rdf-schema#Resource",
}


def materialise(ontology_nt: bytes, data_nt: bytes, base: str) -> bytes:
    """The new statements (N-Triples, sorted) about resources under `base`."""
    import owlrl
    from rdflib import OWL as O
    from rdflib import RDF, Graph, Literal, URIRef

    graph = Graph()
    graph.parse(data=ontology_nt, format="nt")
    graph.parse(data=data_nt, format="nt")
    before = set(graph)
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(graph)
    kept = []
    for s, p, o in set(graph) - before:
        if not isinstance(s, URIRef) or not str(s).startswith(base) or p == O.sameAs:
            continue
        if p == RDF.type and str(o) in _TRIVIAL_TYPES:
            continue
        if isinstance(o, URIRef) or (isinstance(o, Literal) and o.language):
            kept.append(f"{s.n3()} {p.n3()} {o.n3()} .")  # datatype rules' literals add nothing
    return ("\n".join(sorted(kept)) + "\n").encode() if kept else b""


def infer(
    ontology: Iterable[Triple], data: Iterable[Triple], base: str, graph: NamedNode, timeout: float
) -> list[Quad]:
    """Materialise in a child process that is stopped at `timeout` (owlrl has no timeout)."""
    from .children import ChildFailed, ChildTimeout, run_in_child

    ontology_nt = serialize(list(ontology), format=RdfFormat.N_TRIPLES) or b""
    data_nt = serialize(list(data), format=RdfFormat.N_TRIPLES) or b""
    try:
        inferred = run_in_child(materialise, ontology_nt, data_nt, base, timeout=timeout)
    except ChildTimeout:
        raise StoreError(
            f"reasoning did not finish within {timeout:g} s and was stopped",
            "raise --timeout, or reason in a triple store for a corpus this size",
        ) from None
    except ChildFailed as failed:
        raise StoreError(f"reasoning failed: {failed.kind}: {failed.message}") from None
    result: Any = parse(inferred, format=RdfFormat.N_TRIPLES)
    return [Quad(t.subject, t.predicate, t.object, graph) for t in result]
