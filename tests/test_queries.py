"""The stored queries, checked against what the article says; the same rows from a real
SPARQL server as from the embedded store; parameters that try to inject SPARQL; queries
that try to leave the store."""

from __future__ import annotations

import base64
import csv
import dataclasses
import io
import json
import re
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pyoxigraph import (
    Literal,
    NamedNode,
    QueryResultsFormat,
    RdfFormat,
    Store,
    parse,
    parse_query_results,
)

from newskg import build, export
from newskg.errors import DataErrors, UsageError
from newskg.project import load_project
from newskg.queries import catalogue
from newskg.querying import open_context, run, stored
from newskg.results import as_table

from .conftest import FIRST_ARTICLE, REPO
from .helpers import run_cli
from .servers import OxigraphServer, oxigraph_server
from .test_push import Proxy, Reply, Seen

BASE = "https://example.org/newskg/"
ENT = BASE + "id/entity/"
ARTICLE = BASE + "id/article/" + FIRST_ARTICLE
TEXT = (REPO / "data" / "articles" / f"{FIRST_ARTICLE}.txt").read_text(encoding="utf-8")
EXAMPLE_PARAMS: dict[str, dict[str, str]] = {
    "lawsuits": {"party": "openai"},
    "statements": {"speaker": "sam-altman"},
    "timeline": {"entity": "elon-musk"},
    "people": {"person": "elon-musk"},
    "attributions": {"source": "the-wall-street-journal"},
    "evidence": {"subject": "elon-musk"},
    "entities": {"type": "nk:Person"},
    "claims-about": {"entity": "elon-musk"},
    "articles": {"mentions": "microsoft"},
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("queries") / "project"
    shutil.copytree(REPO / "data", root / "data")
    build(root)
    return root


def value(term: Any) -> str:
    return "" if term is None else str(term.value)


def rows(
    root: Path, name: str, params: dict[str, str] | None = None, endpoint: str | None = None
) -> list[dict[str, str]]:
    context = open_context(root, endpoint)
    table = as_table(run(stored(name, context), params or {}, context))
    return [{c: value(t) for c, t in zip(table.columns, row, strict=True)} for row in table.rows]


# -- each query, against what the article says ----------------------------------------


def test_lawsuits_row_matches_the_article(built: Path) -> None:
    (row,) = rows(built, "lawsuits")
    assert row["suitLabel"] == "Musk v. OpenAI"
    assert (row["plaintiffLabel"], row["defendantLabel"]) == ("Elon Musk", "OpenAI")
    assert (row["filed"], row["filedAsWritten"]) == ("2024-03-01", "Friday")
    assert "abandoning its founding principles" in row["allegations"]
    assert '"capped-profit"' in row["allegations"]
    assert (row["voice"], row["assertedByLabel"], row["article"]) == (
        "article",
        "Business Insider",
        ARTICLE,
    )
    assert len(rows(built, "lawsuits", {"party": "openai"})) == 1
    assert len(rows(built, "lawsuits", {"party": "elon-musk"})) == 1
    assert rows(built, "lawsuits", {"party": "microsoft"}) == []


def test_statements_by_altman_are_his_quotes_in_the_article(built: Path) -> None:
    project = load_project(built)
    sheet = project.articles[0].sheet
    expected = sorted(
        f.quote
        for f in sheet.facts  # type: ignore[attr-defined]
        if f.kind == "statement" and f.speaker == "sam-altman"
    )  # type: ignore[attr-defined]
    found = rows(built, "statements", {"speaker": "sam-altman"})
    assert sorted(r["quote"] for r in found) == expected and len(expected) == 9
    for row in found:
        assert row["speakerLabel"] == "Sam Altman"
        assert row["paraphrase"] == "true" or row["quote"] in TEXT
    memo = [r for r in found if r["quote"] == "I miss the old Elon."]
    assert memo[0]["occasionLabel"] == "Altman's memo to OpenAI employees on Musk's lawsuit"
    about_openai = rows(built, "statements", {"about": "openai"})
    assert [r["quote"] for r in about_openai] == [
        "he expressed disappointment that Musk wasn't on OpenAI's side"
    ]


def test_timeline_is_in_order_with_precision(built: Path) -> None:
    found = rows(built, "timeline")
    earliest = [r["earliest"] for r in found]
    assert earliest == sorted(earliest)
    first = found[0]
    assert (first["date"], first["precision"], first["asWritten"]) == (
        "2015/2018",
        "year",
        "between 2015 and 2018",
    )
    filed = [r for r in found if r["role"] == "filed"]
    assert [(r["date"], r["precision"], r["asWritten"]) for r in filed] == [
        ("2024-03-01", "day", "Friday")
    ]
    weeks = [r for r in found if r["precision"] == "week"]
    assert [r["date"] for r in weeks] == ["2024-W09"]
    musk = rows(built, "timeline", {"entity": "elon-musk"})
    assert 0 < len(musk) < len(found)
    assert all(r["entity"] == ENT + "elon-musk" for r in musk)


def test_people_and_their_roles(built: Path) -> None:
    found = {
        (r["personLabel"], r["orgLabel"], r["position"], r["end"]) for r in rows(built, "people")
    }
    assert ("Elon Musk", "Tesla, Inc.", "chief executive officer", "") in found
    assert ("Elon Musk", "OpenAI", "founder", "2018") in found
    assert ("Greg Brockman", "OpenAI", "executive", "") in found
    assert {r["personLabel"] for r in rows(built, "people", {"person": "elon-musk"})} == {
        "Elon Musk"
    }


def test_attributions_name_who_claims_and_whom_they_cite(built: Path) -> None:
    found = rows(built, "attributions")
    assert len(found) == 7
    jealous = next(r for r in found if r["claim"].endswith(".musk-jealous"))
    assert jealous["assertedByLabel"] == "The Wall Street Journal"
    assert jealous["citedSourceLabel"] == "people close to Musk"
    assert jealous["claimType"] == "ReportedClaim"
    allegations = [r for r in found if r["claimType"] == "Allegation"]
    assert {r["assertedByLabel"] for r in allegations} == {"Elon Musk"}
    assert {r["madeInLabel"] for r in allegations} == {"Musk v. OpenAI"}
    assert len(rows(built, "attributions", {"source": "the-wall-street-journal"})) == 5


def test_evidence_positions_slice_the_text(built: Path) -> None:
    found = rows(built, "evidence", {"subject": "elon-musk"})
    assert len(found) > 20
    for row in found:
        assert TEXT[int(row["start"]) : int(row["end"])] == row["exact"]
    facts = {r["fact"] for r in found}
    assert {"lawsuit", "musk-jealous", "musk-tesla-ceo"} <= facts
    lawsuit = rows(built, "evidence", {"subject": BASE + "id/event/musk-v-openai"})
    assert {"lawsuit", "motion-to-dismiss", "capped-profit-breach"} <= {r["fact"] for r in lawsuit}


def test_entities_have_types_labels_and_wikidata(built: Path) -> None:
    found = {r["id"]: r for r in rows(built, "entities")}
    project = load_project(built)
    assert set(found) == set(project.entities)
    assert found["elon-musk"]["wikidata"] == "http://www.wikidata.org/entity/Q317521"
    assert found["elon-musk"]["type"] == BASE.replace("newskg/", "newskg/ontology#") + "Person"
    people = rows(built, "entities", {"type": "nk:Person"})
    assert {r["id"] for r in people} == {
        e.id for e in project.entities.values() if e.type == "Person"
    }


def test_entities_count_the_articles_that_name_them_anywhere(built: Path) -> None:
    """An entity counts the article when any statement of the article's graph or of
    its claims' graphs names it, in any position (a claim's content included)."""
    graphs = built / "build" / "graphs" / "articles" / f"{FIRST_ARTICLE}.trig"
    named = {
        term.value
        for quad in parse(path=str(graphs), format=RdfFormat.TRIG)
        for term in (quad.subject, quad.object)
        if isinstance(term, NamedNode)
    }
    counts = {r["entity"]: r["articles"] for r in rows(built, "entities")}
    assert {e for e, n in counts.items() if n == "1"} == named & set(counts)
    assert {n for e, n in counts.items() if e not in named} <= {"0"}
    claims_only = {
        quad.object.value
        for quad in parse(path=str(graphs), format=RdfFormat.TRIG)
        if quad.graph_name.value.startswith(BASE + "id/claim/")
    } & set(counts)
    outside = {
        q.object.value
        for q in parse(path=str(graphs), format=RdfFormat.TRIG)
        if q.graph_name.value == ARTICLE and q.predicate.value != "http://schema.org/mentions"
    }
    assert claims_only - outside, "the article names some entity only inside a claim"


def test_claims_about_musk_are_the_journals_and_never_the_articles(built: Path) -> None:
    found = rows(built, "claims-about", {"entity": "elon-musk"})
    assert {r["assertedByLabel"] for r in found} == {"The Wall Street Journal"}
    assert len(found) == 5 and all(r["claim"].startswith(BASE + "id/claim/") for r in found)
    jealous = next(r for r in found if r["claim"].endswith("musk-jealous"))
    assert jealous["citedSourceLabel"] == "people close to Musk"


def test_articles_count_their_facts_and_claims(built: Path) -> None:
    (row,) = rows(built, "articles")
    assert (row["headline"], row["publisherLabel"], row["published"]) == (
        "Sam Altman is done playing nice with Elon Musk",
        "Business Insider",
        "2024-03-06",
    )
    assert (row["facts"], row["claims"]) == ("50", "7")
    assert len(rows(built, "articles", {"mentions": "microsoft"})) == 1
    assert rows(built, "articles", {"mentions": "<https://example.org/nobody>"}) == []


def test_every_stored_query_has_example_parameters_here() -> None:
    assert sorted(EXAMPLE_PARAMS) == sorted(catalogue())


def test_every_parameter_is_projected_so_the_engine_can_bind_it() -> None:
    for query in catalogue().values():
        head = re.split(r"\nWHERE", query.source)[0]
        for name in query.parameters:
            assert f"?{name}" in head.split("SELECT", 1)[1], (query.name, name)
        assert query.title and query.description


# -- the same rows from a real SPARQL server ------------------------------------------


@pytest.fixture(scope="module", params=[False, True], ids=["plain", "union-default-graph"])
def server(
    request: pytest.FixtureRequest, built: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OxigraphServer]:
    dump = tmp_path_factory.mktemp("dump") / "all.nq"
    export(str(dump), "nquads", root=built)
    with oxigraph_server(
        tmp_path_factory.mktemp("oxigraph"), union_default_graph=request.param
    ) as running:
        running.load_nquads(dump.read_bytes())
        yield running


def _normalised(found: list[dict[str, str]]) -> list[tuple[tuple[str, str], ...]]:
    return sorted(tuple(sorted((k, v) for k, v in row.items())) for row in found)


@pytest.mark.parametrize("name", sorted(EXAMPLE_PARAMS))
def test_remote_endpoint_gives_the_same_rows(
    name: str, built: Path, server: OxigraphServer
) -> None:
    for params in ({}, EXAMPLE_PARAMS[name]):
        if name == "evidence" and not params:
            continue
        local = rows(built, name, params)
        remote = rows(built, name, params, endpoint=server.query_url)
        assert local, (name, params)
        assert _normalised(remote) == _normalised(local), (name, params)


def test_cli_against_an_endpoint(
    server: OxigraphServer, built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run_cli(
        "query",
        "lawsuits",
        "--project",
        str(built),
        "--endpoint",
        server.query_url,
        "--format",
        "csv",
    )
    out = capsys.readouterr().out
    assert code == 0 and "Elon Musk" in out and len(out.splitlines()) == 2


# -- injection ---------------------------------------------------------------------------

INJECTIONS = [
    'openai" || true || "',
    "<http://x> } ; DROP ALL ; {",
    "x>",
    "\\u0022 || true",
    "openai\n} UNION { ?s ?p ?o }",
    '"" } ; DROP ALL #',
    "ent:openai . <a> <b> <c>",
]


@pytest.mark.parametrize("payload", INJECTIONS)
def test_injected_parameters_are_refused_or_bound_as_plain_values(
    payload: str, built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run_cli(
        "query",
        "lawsuits",
        "--project",
        str(built),
        "--param",
        f"party={payload}",
        "--format",
        "csv",
    )
    captured = capsys.readouterr()
    if code == 0:
        assert captured.out.splitlines()[1:] == []  # bound as a value that matches nothing
    else:
        assert code == 2 and "--param party" in captured.err and "Traceback" not in captured.err


def test_a_string_parameter_carrying_quotes_is_one_literal(built: Path) -> None:
    context = open_context(built)
    query = stored("lawsuits", context)
    from newskg.sparql import bind_parameters, with_values

    bound = bind_parameters(
        query.__class__(
            **{
                **query.__dict__,
                "parameters": {
                    "party": dataclasses.replace(query.parameters["party"], type="string")
                },
            }
        ),
        {"party": 'a" } ; DROP ALL ; { "'},
        context.prefixes,
        context.resolve_id,
    )
    assert bound["party"] == Literal('a" } ; DROP ALL ; { "')
    text = with_values(query.source, bound)
    assert '"a\\" } ; DROP ALL ; { \\""' in text


# -- leaving the store ----------------------------------------------------------------


@pytest.fixture
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A socket on 127.0.0.1 that records whatever connects to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    received: list[bytes] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            with connection:
                connection.settimeout(1)
                try:
                    received.append(connection.recv(4096) or b"<connected>")
                except OSError:
                    received.append(b"<connected>")

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], received
    stop.set()
    thread.join()
    server.close()


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ OPTIONAL {{ SERVICE SILENT <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }} }}",
        "SELECT * WHERE {{ SERVIC\\u0045 <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
        "SELECT * FROM <http://127.0.0.1:{port}/graph> WHERE {{ ?s ?p ?o }}",
        "SELECT * FROM NAMED <http://127.0.0.1:{port}/graph> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    ],
)
def test_queries_that_would_leave_the_store_are_refused(
    template: str,
    built: Path,
    listener: tuple[int, list[bytes]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    port, received = listener
    code = run_cli("query", "--project", str(built), "--sparql", template.format(port=port))
    assert code == 2
    assert "--allow-network" in capsys.readouterr().err
    assert received == []


def test_the_listener_would_have_seen_a_service_call(
    built: Path, listener: tuple[int, list[bytes]]
) -> None:
    port, received = listener
    query = f"SELECT * WHERE {{ SERVICE SILENT <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
    run_cli(
        "query",
        "--project",
        str(built),
        "--sparql",
        query,
        "--allow-network",
        "--timeout",
        "5",
        "--format",
        "csv",
    )
    assert received, "pyoxigraph did not follow SERVICE: the refusal test proves nothing"


def test_updates_never_run(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("query", "--project", str(built), "--sparql", "LOAD <file:///etc/passwd>") != 0
    assert run_cli("query", "--project", str(built), "--sparql", "DROP ALL") != 0
    assert len(rows(built, "lawsuits")) == 1


def test_from_a_graph_in_the_store_is_allowed(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    query = f"SELECT (COUNT(*) AS ?n) FROM <{ARTICLE}> WHERE {{ ?s ?p ?o }}"
    assert run_cli("query", "--project", str(built), "--sparql", query, "--format", "csv") == 0
    assert int(capsys.readouterr().out.splitlines()[1]) > 500


# -- formats, ASK, errors -----------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "xml", "markdown", "table"])
def test_each_format_parses_back(fmt: str, built: Path, tmp_path: Path) -> None:
    out = tmp_path / "people.out"
    assert run_cli("query", "people", "--project", str(built), "--format", fmt, "-o", str(out)) == 0
    data = out.read_bytes()
    if fmt in {"json", "xml", "tsv"}:
        kind = {
            "json": QueryResultsFormat.JSON,
            "xml": QueryResultsFormat.XML,
            "tsv": QueryResultsFormat.TSV,
        }[fmt]
        assert len(list(parse_query_results(data, format=kind))) == 7  # type: ignore[arg-type]
    if fmt == "json":
        assert json.loads(data)["head"]["vars"][0] == "person"
    if fmt == "csv":
        table = list(csv.reader(io.StringIO(data.decode())))
        assert table[0][:2] == ["person", "personLabel"] and len(table) == 8
    if fmt == "markdown":
        lines = data.decode().splitlines()
        assert lines[0].startswith("| person | personLabel |") and len(lines) == 9
    if fmt == "table":
        assert "ent:elon-musk" in data.decode() and "7 rows" in data.decode()


def test_output_format_from_the_extension(built: Path, tmp_path: Path) -> None:
    out = tmp_path / "quotes.csv"
    assert (
        run_cli(
            "query",
            "statements",
            "--project",
            str(built),
            "--param",
            "speaker=sam-altman",
            "-o",
            str(out),
        )
        == 0
    )
    assert out.read_text(encoding="utf-8").startswith("statement,speaker,speakerLabel,quote")


def test_construct_writes_rdf(built: Path, tmp_path: Path) -> None:
    query = tmp_path / "musk.rq"
    query.write_text(
        f"CONSTRUCT {{ <{ENT}elon-musk> ?p ?o }} WHERE {{ GRAPH ?g {{ <{ENT}elon-musk> ?p ?o }} }}",
        encoding="utf-8",
    )
    out = tmp_path / "musk.ttl"
    assert run_cli("query", "--project", str(built), "--file", str(query), "-o", str(out)) == 0
    triples = list(parse(out.read_bytes(), format=RdfFormat.TURTLE))
    assert any(t.object == NamedNode("http://www.wikidata.org/entity/Q317521") for t in triples)


def test_ask_exits_0_when_true_and_1_when_false(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    yes = f"ASK {{ GRAPH ?g {{ ?s <{BASE}ontology#plaintiff> <{ENT}elon-musk> }} }}"
    no = f"ASK {{ GRAPH ?g {{ ?s <{BASE}ontology#plaintiff> <{ENT}microsoft> }} }}"
    assert run_cli("query", "--project", str(built), "--sparql", yes) == 0
    assert capsys.readouterr().out == "true\n"
    assert run_cli("query", "--project", str(built), "--sparql", no) == 1
    assert capsys.readouterr().out == "false\n"


def test_syntax_error_points_at_file_line_column(
    built: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    query = tmp_path / "bad.rq"
    query.write_text("SELECT ?s\nWHERE {\n  ?s ?p ?o .\n  FILTER(?s = )\n}\n", encoding="utf-8")
    # the user's query, not the data: a usage error (exit 1 is an ASK that said false)
    assert run_cli("query", "--project", str(built), "--file", str(query)) == 2
    err = capsys.readouterr().err
    assert re.search(rf"{re.escape(str(query))}:4:\d+: error: SPARQL syntax error", err), err
    assert err.endswith("newskg: 1 problem in the query\n")


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            "SELECT ?s WHERE {\n  ?s ?p ?o .\n",
            "<--sparql>:3:1: error: SPARQL syntax error at the end of the query"
            " (hint: is a closing } or ) missing?)",
        ),
        (
            "SELECT ?s WHERE { ?s foo:bar ?o }",
            "<--sparql>:1:29: error: a prefix that the query does not declare"
            " (hint: declare it: PREFIX name: <IRI>)",
        ),
        ("DROP ALL", "only SPARQL queries can run here, not updates"),
        ("LOAD <http://example.org/data.ttl>", "only SPARQL queries can run here, not updates"),
    ],
)
def test_a_bad_query_is_told_where_and_why_in_a_line(
    built: Path, capsys: pytest.CaptureFixture[str], text: str, said: str
) -> None:
    assert run_cli("query", "--project", str(built), "--sparql", text) == 2
    err = capsys.readouterr().err
    assert said in err, err
    assert "Traceback" not in err and "u{00B7}" not in err  # not pyoxigraph's grammar


def test_parameter_errors_name_the_querys_parameters(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli("query", "evidence", "--project", str(built)) == 2
    assert "needs --param subject" in capsys.readouterr().err
    assert run_cli("query", "lawsuits", "--project", str(built), "--param", "partyy=openai") == 2
    err = capsys.readouterr().err
    assert "no parameter 'partyy'" in err and "party (iri)" in err
    assert run_cli("query", "lawsuitz", "--project", str(built)) == 2
    assert "did you mean 'lawsuits'" in capsys.readouterr().err


def test_an_unknown_id_in_a_parameter_gets_the_nearest_known_one(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("query", "people", "--project", str(built), "--param")
    assert run_cli(*args, "person=elon-muks") == 2
    err = capsys.readouterr().err
    assert "'elon-muks' is neither a registry id nor an article id" in err
    assert "did you mean 'elon-musk'?" in err
    assert run_cli(*args, f"person={FIRST_ARTICLE[:-1]}") == 2  # article ids are known too
    assert f"did you mean {FIRST_ARTICLE!r}?" in capsys.readouterr().err
    assert run_cli("query", "entities", "--project", str(built), "--param", "type=Person") == 2
    assert "a prefixed name such as nk:Person" in capsys.readouterr().err


def test_union_default_graph_lets_a_pattern_outside_graph_see_every_graph(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every statement is in a named graph: the default graph is empty, unless asked for
    as the union of them all (as Oxigraph's own --union-default-graph)."""
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    args = ("query", "--project", str(built), "--format", "csv", "--sparql", count)
    assert run_cli(*args) == 0
    assert capsys.readouterr().out.split() == ["n", "0"]
    assert run_cli(*args, "--union-default-graph") == 0
    in_all = int(capsys.readouterr().out.split()[1])
    assert in_all == len(Store.read_only(str(built / "build" / "store")))  # every quad
    remote = ("--endpoint", "http://127.0.0.1:9/sparql", "--union-default-graph")
    assert run_cli(*args, *remote) == 2
    assert "--union-default-graph is for the embedded store" in capsys.readouterr().err


def test_unreachable_endpoint_is_one_line_with_exit_code_3(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from .servers import free_port

    url = f"http://127.0.0.1:{free_port()}/sparql"
    assert (
        run_cli("query", "lawsuits", "--project", str(built), "--endpoint", url, "--timeout", "5")
        == 3
    )
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot reach" in err and url in err


def test_credentials_in_an_endpoint_url_are_refused_and_never_shown(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from .servers import free_port

    url = f"http://reader:s3cret@127.0.0.1:{free_port()}/sparql"
    assert run_cli("query", "lawsuits", "--project", str(built), "--endpoint", url) == 2
    err = capsys.readouterr().err
    assert "s3cret" not in err and "***@127.0.0.1" in err and "refused" in err


# -- endpoint profiles and credentials ---------------------------------------------------------

USER, PASSWORD = "newskg-reader", "s3cret-Pa55"
BASIC = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()


@pytest.fixture
def guarded(built: Path, tmp_path: Path) -> Path:
    """A copy of the built project whose newskg.toml names a profile with Basic auth."""
    root = tmp_path / "project"
    shutil.copytree(built, root)
    return root


def _profile(root: Path, query_url: str) -> None:
    (root / "newskg.toml").write_text(
        f"""[endpoints.local]
query = "{query_url}"
update = "{query_url.rsplit("/", 1)[0]}/update"
user_env = "TEST_NEWSKG_QUERY_USER"
password_env = "TEST_NEWSKG_QUERY_PASSWORD"
""",
        encoding="utf-8",
    )


def _demand_basic(index: int, seen: Seen) -> Reply | None:
    if seen.headers.get("Authorization") != BASIC:
        return 401, {"WWW-Authenticate": 'Basic realm="store"'}, b"who are you?"
    return None


def test_a_profile_sends_its_credentials_and_gives_the_same_rows(
    guarded: Path,
    server: OxigraphServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TEST_NEWSKG_QUERY_USER", USER)
    monkeypatch.setenv("TEST_NEWSKG_QUERY_PASSWORD", PASSWORD)
    with Proxy(server.url, _demand_basic) as proxy:
        _profile(guarded, proxy.url + "/query")
        for name in ("lawsuits", "people"):
            assert _normalised(rows(guarded, name, endpoint="local")) == _normalised(
                rows(guarded, name)
            )
        code = run_cli("query", "lawsuits", "--project", str(guarded), "--endpoint", "local")
        out = capsys.readouterr().out
        assert code == 0 and "Elon Musk" in out
    assert proxy.seen and all(s.headers.get("Authorization") == BASIC for s in proxy.seen)


def test_wrong_credentials_are_a_store_error_that_never_shows_them(
    guarded: Path,
    server: OxigraphServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TEST_NEWSKG_QUERY_USER", USER)
    monkeypatch.setenv("TEST_NEWSKG_QUERY_PASSWORD", "not-" + PASSWORD)
    with Proxy(server.url, _demand_basic) as proxy:
        _profile(guarded, proxy.url + "/query")
        code = run_cli("query", "lawsuits", "--project", str(guarded), "--endpoint", "local")
    err = capsys.readouterr().err
    assert code == 3 and "401" in err and PASSWORD not in err
    monkeypatch.delenv("TEST_NEWSKG_QUERY_PASSWORD")
    assert run_cli("query", "lawsuits", "--project", str(guarded), "--endpoint", "local") == 2
    assert "TEST_NEWSKG_QUERY_PASSWORD" in capsys.readouterr().err


def test_an_unknown_profile_names_the_known_ones(
    guarded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _profile(guarded, "http://127.0.0.1:9/query")
    assert run_cli("query", "lawsuits", "--project", str(guarded), "--endpoint", "remote") == 2
    assert "profiles: local" in capsys.readouterr().err


def test_credentials_never_follow_a_redirect_to_another_port(
    guarded: Path,
    listener: tuple[int, list[bytes]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    port, received = listener
    monkeypatch.setenv("TEST_NEWSKG_QUERY_USER", USER)
    monkeypatch.setenv("TEST_NEWSKG_QUERY_PASSWORD", PASSWORD)

    def elsewhere(index: int, seen: Seen) -> Reply | None:
        return 307, {"Location": f"http://127.0.0.1:{port}/query"}, b""

    with Proxy("http://127.0.0.1:9", elsewhere) as proxy:
        _profile(guarded, proxy.url + "/query")
        code = run_cli("query", "lawsuits", "--project", str(guarded), "--endpoint", "local")
    assert code == 3 and "redirected to another host" in capsys.readouterr().err
    assert proxy.seen[0].headers.get("Authorization") == BASIC
    assert not any(BASIC.encode() in r for r in received) and received == []


def test_a_redirect_to_another_host_is_refused(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import http.server

    from .servers import free_port

    target = f"http://localhost:{free_port()}/sparql"

    class Redirect(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(307)
            self.send_header("Location", target)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Redirect)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/sparql"
    assert (
        run_cli("query", "lawsuits", "--project", str(built), "--endpoint", url, "--timeout", "5")
        == 3
    )
    assert "redirected to another host" in capsys.readouterr().err
    thread.join(5)
    server.server_close()


def test_a_long_query_is_stopped_at_the_timeout(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    slow = (
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?a { ?s ?p ?o } GRAPH ?b { ?s2 ?p2 ?o2 } "
        "GRAPH ?c { ?s3 ?p3 ?o3 } }"
    )
    assert run_cli("query", "--project", str(built), "--sparql", slow, "--timeout", "0.5") == 3
    assert "ran longer than 0.5 s" in capsys.readouterr().err


def test_usage_error_on_a_missing_query(built: Path) -> None:
    with pytest.raises(UsageError):
        stored("nope", open_context(built))


def test_a_query_once_parsed_is_known_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newskg.sparql import inspect_query

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("NEWSKG_NO_CACHE", raising=False)
    text = "SELECT * FROM NAMED <urn:g> WHERE { SERVICE <http://x/sparql> { ?s ?p ?o } }"
    first = inspect_query(text)
    (entry,) = (tmp_path / "newskg" / "sparql").iterdir()
    assert inspect_query(text) == first and first.services and first.named_graphs == ["urn:g"]
    entry.write_text("not json", encoding="utf-8")  # a damaged entry is parsed again
    assert inspect_query(text) == first
    with pytest.raises(DataErrors):  # what does not parse is refused every time, never kept
        inspect_query("SELECT * WHERE { ?s ?p }")
    assert len(list((tmp_path / "newskg" / "sparql").iterdir())) == 1


def test_a_query_header_once_validated_is_known_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newskg.queries import read_query

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("NEWSKG_NO_CACHE", raising=False)
    path = tmp_path / "q.rq"
    header = "# ---\n# title: T\n# parameters:\n#   who: {type: iri, required: true}\n# ---\n"
    path.write_text(header + "SELECT ?who WHERE { ?who ?p ?o }", encoding="utf-8")
    first = read_query(path)
    (entry,) = (tmp_path / "cache" / "newskg" / "query-header").iterdir()
    assert read_query(path) == first and first.parameters["who"].required
    for damaged in ("not json", '{"title": "T"}', "[1, 2]"):  # read again from the file
        entry.write_text(damaged, encoding="utf-8")
        assert read_query(path) == first
    path.write_text("# ---\n# title: T\n# colour: red\n# ---\nASK {}", encoding="utf-8")
    for _ in range(2):  # a bad header is refused every time, with its line, and never kept
        with pytest.raises(DataErrors) as caught:
            read_query(path)
        assert caught.value.problems[0].location.line == 3
    assert len(list(entry.parent.iterdir())) == 1


# -- a query on data changed since the last build ---------------------------------------


def test_a_query_answers_from_data_changed_since_the_last_build(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """newskg query judges whether build/ is up to date while the query runs, and asks
    again after a build when it was not: the answer, or an id that only the changed data
    has, must be the new data's."""
    build(project)
    registry = project / "data" / "entities.yaml"
    text = registry.read_text(encoding="utf-8")
    registry.write_text(
        text.replace("label: Microsoft\n", "label: Microsoft Corporation\n").replace(
            "entities:\n",
            "entities:\n  - id: ada-newcomer\n    type: Person\n    label: Ada Newcomer\n"
            "    description: Named by no article yet.\n",
            1,
        ),
        encoding="utf-8",
    )
    assert run_cli("query", "entities", "--project", str(project), "--format", "csv") == 0
    out = capsys.readouterr().out
    assert "Microsoft Corporation" in out and "Ada Newcomer" in out

    # an id that the last build did not know: resolved once the data is built again
    registry.write_text(
        registry.read_text(encoding="utf-8").replace("id: ada-newcomer", "id: ada-latecomer"),
        encoding="utf-8",
    )
    assert (
        run_cli(
            "query",
            "people",
            "--project",
            str(project),
            "--param",
            "person=ada-latecomer",
            "--format",
            "csv",
        )
        == 0
    ), capsys.readouterr().err
    assert capsys.readouterr().out.splitlines()[0].startswith("person,personLabel")
    assert run_cli("query", "people", "--project", str(project), "--param", "person=nobody") == 2
    assert "nobody" in capsys.readouterr().err


def test_a_query_on_data_unchanged_since_the_last_build_builds_nothing(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build(project)
    manifest = project / "build" / "manifest.sqlite"
    before = manifest.stat().st_mtime_ns
    args = ("query", "lawsuits", "--project", str(project), "--param", "party=openai")
    assert run_cli(*args, "--format", "csv") == 0
    assert "Musk v. OpenAI" in capsys.readouterr().out
    assert manifest.stat().st_mtime_ns == before


def test_a_query_on_data_broken_since_the_last_build_prints_the_error_not_old_rows(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build(project)
    sheet = project / "data" / "articles" / f"{FIRST_ARTICLE}.yaml"
    sheet.write_text(sheet.read_text(encoding="utf-8") + "\nfacts: [oops\n", encoding="utf-8")
    assert run_cli("query", "lawsuits", "--project", str(project), "--format", "csv") == 1
    captured = capsys.readouterr()
    assert captured.out == ""  # the old data's answer was not printed
    assert f"{FIRST_ARTICLE}.yaml" in captured.err


def test_a_query_on_a_store_that_cannot_be_read_says_so_in_one_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Its parameter's id is resolved from the store while the freshness of build/ is
    judged; the store's failure reaches the user as a StoreError, not a traceback."""
    build(project)
    store = project / "build" / "store"
    shutil.rmtree(store)
    store.mkdir()  # a store folder that RocksDB cannot open
    args = ("query", "people", "--project", str(project), "--param", "person=elon-musk")
    assert run_cli(*args, "--format", "csv") == 3
    err = capsys.readouterr().err
    assert "Traceback" not in err and "delete build/" in err


def test_a_query_with_a_broken_config_says_so_and_leaves_no_child(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The judging child starts before the config is read (beside the query's imports):
    a failure after it must stop it, and leave no process and no folder of it."""
    build(project)
    before, running = _child_folders(), _child_processes()
    (project / "newskg.toml").write_text('[project]\nbase_iri = "not an iri"\n', encoding="utf-8")
    assert run_cli("query", "lawsuits", "--project", str(project), "--format", "csv") == 1
    err = capsys.readouterr().err
    assert "newskg.toml" in err and "Traceback" not in err
    assert _child_processes() == running and _child_folders() == before


def test_a_query_that_fails_after_the_judging_child_started_leaves_none(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build(project)
    before, running = _child_folders(), _child_processes()
    assert run_cli("query", "no-such-query", "--project", str(project)) == 2
    assert "no-such-query" in capsys.readouterr().err
    bad_id = ("query", "people", "--project", str(project), "--param", "person=nobody")
    assert run_cli(*bad_id) == 2
    assert _child_processes() == running and _child_folders() == before
    assert run_cli("query", "lawsuits", "--project", str(project), "--format", "csv") == 0
    assert "Musk v. OpenAI" in capsys.readouterr().out
    assert _child_processes() == running and _child_folders() == before


def _child_processes() -> list[str]:
    """This process's children, reaped or not (a zombie is still listed)."""
    return [
        pid
        for task in Path("/proc/self/task").iterdir()
        for pid in (task / "children").read_text().split()
    ]


def _child_folders() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("newskg-child-*"))


_LIGHT_QUERY = """
import sys
from newskg.cli import main

try:
    main(["query", "people", "--project", sys.argv[1], "--param", "person=elon-musk",
          "--format", "csv", "-o", sys.argv[2]])
except SystemExit as stop:
    assert not stop.code, stop.code
heavy = ("yaml", "pydantic", "newskg.pipeline", "newskg.mapping", "rdflib")
print(" ".join(m for m in heavy if m in sys.modules))
"""


def test_a_query_on_an_up_to_date_build_imports_nothing_it_does_not_need(
    built: Path, tmp_path: Path
) -> None:
    """A query about one entity at 10,000 articles is mostly its process's start: the
    YAML parser, the fact models and the build's machinery are imported only when a
    query header is new to the cache or the data changed."""
    import os
    import subprocess
    import sys

    build(built)
    argv = [sys.executable, "-c", _LIGHT_QUERY, str(built), str(tmp_path / "people.csv")]
    env = {k: v for k, v in os.environ.items() if k != "NEWSKG_NO_CACHE"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    subprocess.run(argv, check=True, capture_output=True, env=env)  # headers into the cache
    second = subprocess.run(argv, check=True, capture_output=True, text=True, env=env)
    assert second.stdout.strip() == ""
    assert "Elon Musk" in (tmp_path / "people.csv").read_text(encoding="utf-8")
