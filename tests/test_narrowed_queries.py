"""Narrowed query forms (`NAME.PARAMETER.rq`): the same rows as the main query asked
with that parameter, for many values, on a generated corpus; how the catalogue finds
them and refuses bad ones."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from benchmarks.generate import generate
from pyoxigraph import Literal, NamedNode, Store

from newskg import build
from newskg.errors import DataErrors
from newskg.pipeline import BuildDir
from newskg.queries import StoredQuery, catalogue, stored_query
from newskg.querying import open_context, run
from newskg.results import as_table
from newskg.sparql import with_values

from .conftest import REPO

ARTICLES = 12
VALUES_PER_PARAMETER = 8


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("narrowed")
    generate(root, ARTICLES, seed=11)
    build(root)
    return root


def _rows(store: Store, text: str) -> list[tuple[str, ...]]:
    """Every row as a tuple of terms, sorted: the multiset of the answer.  The parts of
    a GROUP_CONCAT are sorted too: SPARQL leaves their order to the engine's plan."""
    separators = re.findall(r'separator\s*=\s*"([^"]+)"', text)
    split = re.compile("|".join(map(re.escape, sorted(separators, key=len, reverse=True))))

    def cell(term: object) -> str:
        if isinstance(term, Literal) and separators:
            return " ".join(sorted(split.split(term.value))) + f"@{term.language}"
        return "" if term is None else str(term)

    solutions = store.query(text)
    names = [v.value for v in solutions.variables]
    return sorted(tuple(cell(row[n]) for n in names) for row in solutions)


def _values(store: Store, query: StoredQuery, parameter: str) -> list[NamedNode]:
    """Terms to ask about: the entities the corpus names most, and one it never names."""
    if parameter == "type":
        kinds = "SELECT DISTINCT ?v { GRAPH ?g { ?s a ?v } } ORDER BY ?v"
        return [row["v"] for row in store.query(kinds)][:VALUES_PER_PARAMETER]
    named = (
        "SELECT ?v (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?v } FILTER(isIRI(?v)"
        ' && CONTAINS(STR(?v), "/id/")) } GROUP BY ?v ORDER BY DESC(?n) ?v'
    )
    found = [row["v"] for row in store.query(named)][:VALUES_PER_PARAMETER]
    return [*found, NamedNode("https://example.org/nobody")]


def _narrowed_cases() -> list[tuple[str, str]]:
    return [
        (name, parameter)
        for name, query in catalogue().items()
        for parameter in sorted(query.narrowed)
    ]


def test_there_are_narrowed_forms() -> None:
    assert {"lawsuits", "timeline"} <= {name for name, _ in _narrowed_cases()}


@pytest.mark.parametrize(("name", "parameter"), _narrowed_cases())
def test_a_narrowed_form_gives_the_main_querys_rows(
    corpus: Path, name: str, parameter: str
) -> None:
    query = catalogue()[name]
    narrowed = query.narrowed[parameter]
    store = Store.read_only(str(BuildDir(corpus).path / "store"))
    answered = 0
    for value in _values(store, query, parameter):
        bindings = {parameter: value}
        expected = _rows(store, with_values(query.source, bindings))
        assert _rows(store, with_values(narrowed.source, bindings)) == expected, value
        answered += bool(expected)
    assert answered >= 2, "too few values with an answer to compare"


def test_the_engine_runs_the_narrowed_form_only_when_its_parameter_is_given(
    corpus: Path,
) -> None:
    context = open_context(corpus)
    query = stored_query("timeline", corpus)
    assert query.narrowed_for({}) is query
    assert query.narrowed_for({"entity"}).path.name == "timeline.entity.rq"
    store = Store.read_only(str(BuildDir(corpus).path / "store"))
    (value, *_) = _values(store, query, "entity")
    del store
    answer = run(query, {"entity": value.value}, context)
    table = as_table(answer)
    assert table.rows and all(row[table.columns.index("entity")] == value for row in table.rows)
    with answer.open() as stream:
        assert stream.read(1) == b"{"  # SPARQL Results JSON, as any other answer


def _project_with_queries(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "project"
    shutil.copytree(REPO / "data", root / "data")
    (root / "queries").mkdir()
    for name, text in files.items():
        (root / "queries" / name).write_text(text, encoding="utf-8")
    return root


HEADER = "# ---\n# title: T\n# ---\n"


def test_a_narrowed_form_without_its_query_or_parameter_is_refused(tmp_path: Path) -> None:
    root = _project_with_queries(tmp_path, {"nothing.entity.rq": HEADER + "SELECT * {}"})
    with pytest.raises(DataErrors) as caught:
        catalogue(root)
    problem = caught.value.problems[0]
    assert problem.location.path.endswith("nothing.entity.rq")
    assert "there is no nothing.rq" in problem.message

    root = _project_with_queries(tmp_path / "2", {"lawsuits.court.rq": HEADER + "SELECT * {}"})
    with pytest.raises(DataErrors, match="'lawsuits' has no parameter 'court'"):
        catalogue(root)


def test_a_narrowed_form_may_not_declare_parameters(tmp_path: Path) -> None:
    text = "# ---\n# title: T\n# parameters:\n#   x: {type: iri}\n# ---\nSELECT * {}"
    root = _project_with_queries(tmp_path, {"lawsuits.party.rq": text})
    with pytest.raises(DataErrors, match="takes its parameters from the main query"):
        catalogue(root)


def test_a_projects_own_query_drops_the_packaged_narrowed_forms(tmp_path: Path) -> None:
    own = catalogue()["lawsuits"].source
    root = _project_with_queries(tmp_path, {"lawsuits.rq": own})
    assert catalogue(root)["lawsuits"].narrowed == {}
    assert catalogue(root)["timeline"].narrowed  # the others keep theirs
