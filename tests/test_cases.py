"""Golden cases: each folder of tests/cases builds to the graph in its expected.trig.

A case folder holds `data/` (or, for the first article, uses the repository's) and
`expected.trig`.  Graphs are compared as sets of quads (the data has no blank nodes),
with a readable difference on failure.  To accept a deliberate change, run
``NEWSKG_UPDATE_GOLDEN=1 pytest tests/test_cases.py`` and review the diff in git.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from pyoxigraph import NamedNode, Quad, RdfFormat, Store, serialize

from newskg import build
from newskg.vocab import ONTOLOGY_IRI, Minter, used_prefixes

from .conftest import REPO
from .helpers import diff, read_quads

CASES = sorted(p for p in (REPO / "tests" / "cases").iterdir() if p.is_dir())


def _built_quads(case: Path, tmp_path: Path) -> set[Quad]:
    root = tmp_path / case.name
    shutil.copytree(case / "data" if (case / "data").is_dir() else REPO / "data", root / "data")
    build(root)
    store = Store.read_only(str(root / "build" / "store"))
    skip = {NamedNode(ONTOLOGY_IRI), Minter("https://example.org/newskg/").graph("build")}
    return {q for q in store if q.graph_name not in skip}


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_case_builds_to_expected_graph(case: Path, tmp_path: Path) -> None:
    actual = _built_quads(case, tmp_path)
    expected_path = case / "expected.trig"
    if os.environ.get("NEWSKG_UPDATE_GOLDEN"):
        ordered = sorted(
            actual,
            key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)),
        )
        prefixes = used_prefixes(ordered, Minter("https://example.org/newskg/").prefixes())
        expected_path.write_bytes(serialize(ordered, format=RdfFormat.TRIG, prefixes=prefixes))
    expected = read_quads(expected_path)
    assert actual == expected, diff(expected, actual)
