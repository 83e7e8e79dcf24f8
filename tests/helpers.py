"""Helpers the tests share: building a project in-process, reading its store and files."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pyoxigraph import NamedNode, Quad, RdfFormat, parse

from newskg.cli import main


def run_cli(*args: str) -> int:
    """Run the newskg command in-process; returns its exit code."""
    try:
        main(list(args))
    except SystemExit as stop:
        return int(stop.code or 0)
    return 0


def read_quads(path: Path, fmt: RdfFormat = RdfFormat.TRIG) -> set[Quad]:
    """Every quad of an RDF file (a triples syntax gives default-graph quads)."""
    with path.open("rb") as stream:
        return {
            q if isinstance(q, Quad) else Quad(q.subject, q.predicate, q.object)
            for q in parse(stream, format=fmt)
        }


def graph_of(quads: Iterable[Quad], graph: str) -> set[Quad]:
    """The quads of one named graph."""
    node = NamedNode(graph)
    return {q for q in quads if q.graph_name == node}


def diff(expected: set[Quad], actual: set[Quad], limit: int = 30) -> str:
    """A readable difference between two sets of quads, as N-Quads lines."""
    missing = sorted(str(q) for q in expected - actual)[:limit]
    extra = sorted(str(q) for q in actual - expected)[:limit]
    return "\nmissing:\n  " + "\n  ".join(missing) + "\nunexpected:\n  " + "\n  ".join(extra)
