"""newskg check, SHACL shapes, OWL consistency and reasoning, and the ontology's page."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from pyoxigraph import NamedNode, Quad, RdfFormat, Store, parse, serialize

from newskg import build, export
from newskg.consistency import hermit_consistent
from newskg.reasoning import materialise
from newskg.resources import ontology_path

from .conftest import FIRST_ARTICLE
from .helpers import read_quads, run_cli

BASE = "https://example.org/newskg/"
NK = BASE + "ontology#"
SHEET = f"data/articles/{FIRST_ARTICLE}.yaml"


def check_json(project: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    capsys.readouterr()
    code = run_cli("check", "--project", str(project), "--format", "json", *extra)
    return code, json.loads(capsys.readouterr().out)


def edit(project: Path, old: str, new: str) -> int:
    """Replace `old` once in the first article's sheet; return the line of the change."""
    path = project / SHEET
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def test_shipped_data_passes_every_check_and_writes_only_build(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = sorted(p.relative_to(project) for p in project.rglob("*"))
    code, report = check_json(project, capsys, "--fail-on", "info")
    assert code == 0, report
    assert report["findings"] == []
    assert report["checked"] == [
        "schema and evidence",
        "SHACL shapes",
        "OWL consistency",
        "stored checks",
    ]
    after = sorted(
        p.relative_to(project) for p in project.rglob("*") if p.parts[len(project.parts)] != "build"
    )
    assert after == [p for p in before if p.parts[0] != "build"]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "    plaintiffs: [elon-musk]\n",
            "    plaintiffs: [chatgpt]\n",
            "a plaintiff must be a person",
        ),
        (
            "    organisation: tesla\n",
            "    organisation: sam-altman\n",
            "a membership is in an organisation or a group",
        ),
        (
            "    occasion: swisher-interview\n    about: [elon-musk]\n    quote: jerk\n",
            "    occasion: kara-swisher\n    about: [elon-musk]\n    quote: jerk\n",
            "occasion is an event (an interview) or a document",
        ),
        (
            "    reporter: the-wall-street-journal\n",
            "    reporter: chatgpt\n",
            "Value does not have class nk:Agent",
        ),
        (
            "    documents: [musk-openai-emails-2015-2018]\n",
            "    documents: [elon-musk]\n",
            "Value does not have class nk:Document",
        ),
    ],
    ids=[
        "lawsuit-plaintiff",
        "membership-organisation",
        "statement-occasion",
        "report-reporter",
        "publication-document",
    ],
)
def test_each_shape_fails_on_a_sheet_broken_that_way(
    old: str, new: str, message: str, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check_json(project, capsys)[0] == 0
    line = edit(project, old, new)
    code, report = check_json(project, capsys)  # the changed article alone, on a small store
    assert code == 1
    (project / "build" / "check.json").unlink()
    assert check_json(project, capsys) == (code, report)  # from scratch: the same findings
    shacl = [f for f in report["findings"] if f["check"] == "shacl"]
    assert shacl, report
    assert any(
        message in f["message"] and f["file"] == SHEET and f["line"] == line for f in shacl
    ), shacl


def test_a_fact_resource_without_evidence_fails_the_evidence_rule(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build(project)
    store = Store(str(project / "build" / "store"))
    orphan = NamedNode(f"{BASE}id/fact/{FIRST_ARTICLE}.no-such-fact")
    store.add(
        Quad(
            orphan,
            NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            NamedNode(NK + "Meeting"),
            NamedNode(f"{BASE}id/article/{FIRST_ARTICLE}"),
        )
    )
    store.flush()
    del store
    code, report = check_json(project, capsys)
    assert code == 1
    assert any(
        "a fact without evidence" in f["message"] and f["file"] == SHEET for f in report["findings"]
    )
    assert any(
        f["check"] == "fact-evidence" and "no-such-fact" in f["message"] and f["file"] == SHEET
        for f in report["findings"]
    ), report


def test_a_person_used_as_an_organisation_is_caught_and_named(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = edit(project, "    plaintiffs: [elon-musk]\n", "    plaintiffs: [chatgpt]\n")
    code, report = check_json(project, capsys)
    owl = [f for f in report["findings"] if f["check"] == "owl"]
    assert code == 1 and len(owl) == 1
    assert owl[0]["message"].startswith(
        f"ent:chatgpt would be both nk:Agent (range of nk:plaintiff at {SHEET}:{line}:"
    )
    assert "nk:Product (asserted" in owl[0]["message"] and "disjoint" in owl[0]["message"]
    assert (owl[0]["file"], owl[0]["line"]) == (SHEET, line)


def test_a_clash_put_in_the_store_behind_the_builds_back_is_caught(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The consistency check reads the articles' graphs from their files only while the
    files hold what the store holds."""
    build(project)
    store = Store(str(project / "build" / "store"))
    store.add(
        Quad(
            NamedNode(f"{BASE}id/event/musk-v-openai"),
            NamedNode(NK + "plaintiff"),
            NamedNode(f"{BASE}id/entity/chatgpt"),
            NamedNode(f"{BASE}id/article/{FIRST_ARTICLE}"),
        )
    )
    store.flush()
    del store
    code, report = check_json(project, capsys)
    owl = [f for f in report["findings"] if f["check"] == "owl"]
    assert code == 1 and len(owl) == 1 and "ent:chatgpt would be both" in owl[0]["message"]


def test_a_clash_put_in_a_graph_file_with_the_same_count_is_not_believed(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A graph file edited behind the build's back, as many statements as before: the
    check must not take its word over the store's (the file's SHA-256 is not the one
    the build wrote)."""
    build(project)
    graph_file = project / "build" / "graphs" / "articles" / f"{FIRST_ARTICLE}.trig"
    text = graph_file.read_text(encoding="utf-8")
    planted = text.replace("nk:plaintiff ent:elon-musk ;", "nk:plaintiff ent:chatgpt ;", 1)
    assert planted != text
    graph_file.write_text(planted, encoding="utf-8")
    code, report = check_json(project, capsys, "--full")
    assert [f for f in report["findings"] if f["check"] == "owl"] == []
    assert code == 0


def test_hermit_itself_finds_that_clash(project: Path) -> None:
    build(project)
    store = Store.read_only(str(project / "build" / "store"))
    triples = [
        q.triple
        for q in store.quads_for_pattern(
            None, None, None, NamedNode(f"{BASE}id/article/{FIRST_ARTICLE}")
        )
    ]
    triples += [
        q.triple
        for q in store.quads_for_pattern(None, None, None, NamedNode(f"{BASE}graph/registry"))
    ]
    data = serialize(triples, format=RdfFormat.N_TRIPLES) or b""
    assert hermit_consistent(data, timeout=120) is True
    bad = (
        data
        + f"<{BASE}id/event/musk-v-openai> <{NK}plaintiff> <{BASE}id/entity/chatgpt> .\n".encode()
    )
    assert hermit_consistent(bad, timeout=120) is False


def test_warnings_pass_unless_fail_on_warning(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    registry = project / "data" / "entities.yaml"
    registry.write_text(
        registry.read_text(encoding="utf-8").replace("    wikidata: Q2283\n", ""), encoding="utf-8"
    )
    code, report = check_json(project, capsys)
    assert code == 0
    (warning,) = [f for f in report["findings"] if f["severity"] == "warning"]
    assert warning["check"] == "named-entities-wikidata" and warning["file"] == "data/entities.yaml"
    assert run_cli("check", "--project", str(project), "--fail-on", "warning") == 1
    assert "; 0 errors, 1 warning, 0 info\n" in capsys.readouterr().out  # not "1 warnings"


def test_schema_problems_are_findings_too(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(project, "    kind: meeting\n", "    kind: meting\n")
    code, report = check_json(project, capsys)
    assert code == 1 and report["findings"][0]["check"] == "schema"
    assert "the graph checks did not run" in report["notes"][0]


def test_text_report_groups_by_severity(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(project, "    plaintiffs: [elon-musk]\n", "    plaintiffs: [chatgpt]\n")
    assert run_cli("check", "--project", str(project)) == 1
    out = capsys.readouterr().out
    assert out.startswith("errors (2):\n  data/articles/")
    assert re.search(
        r"checked: schema and evidence, SHACL shapes, OWL consistency, stored checks; 2 errors", out
    )


# -- reasoning -------------------------------------------------------------------------------


def test_owl_rl_infers_domain_range_inverse_defined_class_and_wikidata() -> None:
    ontology = (
        serialize(
            list(
                parse(
                    ontology_path().read_bytes(),
                    format=RdfFormat.TURTLE,
                    base_iri="https://example.org/newskg/ontology",
                )
            ),
            format=RdfFormat.N_TRIPLES,
        )
        or b""
    )
    suit, who = f"{BASE}id/event/x", f"{BASE}id/entity/y"
    data = f"<{suit}> <{NK}plaintiff> <{who}> .\n".encode()
    inferred = materialise(ontology, data, BASE).decode()
    for expected in (
        f"<{suit}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{NK}LegalAction> .",
        f"<{who}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{NK}Agent> .",
        f"<{who}> <{NK}plaintiffIn> <{suit}> .",
        f"<{who}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{NK}LegalParty> .",
        f"<{suit}> <http://www.wikidata.org/prop/direct/P1620> <{who}> .",
        f"<{who}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/prov#Agent> .",
    ):
        assert expected in inferred.splitlines(), expected


def test_build_reason_writes_a_graph_of_its_own(project: Path, tmp_path: Path) -> None:
    plain = build(project)
    article_graph = {
        q
        for q in Store.read_only(str(project / "build" / "store"))
        if q.graph_name == NamedNode(f"{BASE}id/article/{FIRST_ARTICLE}")
    }
    result = build(project, reason=True)
    assert result.inferred > 100 and result.quads == plain.quads + result.inferred
    store = Store.read_only(str(project / "build" / "store"))
    inferred = NamedNode(f"{BASE}graph/inferred")
    quads = {q for q in store if q.graph_name == inferred}
    musk = NamedNode(f"{BASE}id/entity/elon-musk")
    types = {q.object.value for q in quads if q.subject == musk}  # type: ignore[union-attr]
    assert {
        NK + "LegalParty",
        "http://schema.org/Person",
        "http://www.w3.org/ns/prov#Person",
    } <= types
    assert any(q.predicate == NamedNode("http://www.wikidata.org/prop/direct/P1620") for q in quads)
    assert {
        q for q in store if q.graph_name == NamedNode(f"{BASE}id/article/{FIRST_ARTICLE}")
    } == article_graph
    meeting = NamedNode(f"{BASE}id/fact/{FIRST_ARTICLE}.hq-meeting")  # only in the Journal's claim
    assert [q for q in quads if q.subject == meeting] == []  # no type from nk:participant's domain
    del store
    out = tmp_path / "plain.nt"
    export(str(out), root=project)
    assert b"LegalParty" not in out.read_bytes()
    export(str(out), root=project, include_inferred=True)
    assert f"<{NK}LegalParty>".encode() in out.read_bytes()
    by_command = tmp_path / "by-command.nt"  # the same from the command line
    assert (
        run_cli("export", "--project", str(project), "-o", str(by_command), "--include-inferred")
        == 0
    )
    assert by_command.read_bytes() == out.read_bytes()
    assert run_cli("build", "--project", str(project), "--include-inferred") == 2  # without -o
    full = tmp_path / "all.nq"
    export(str(full), root=project)
    assert len(read_quads(full, RdfFormat.N_QUADS)) == result.quads
    # the inferred graph repeats statements of the articles' graphs: each is written once
    union = [
        Quad(q.subject, q.predicate, q.object)
        for q in read_quads(full, RdfFormat.N_QUADS)
        if str(q.graph_name.value).startswith(f"{BASE}id/article/")  # type: ignore[union-attr]
        or q.graph_name.value in (f"{BASE}graph/registry", f"{BASE}graph/inferred")  # type: ignore[union-attr]
    ]
    assert len(union) > len(set(union))
    written = out.read_bytes().splitlines()
    assert len(written) == len(set(written)) and read_quads(out, RdfFormat.N_TRIPLES) == set(union)


def test_inferred_graph_is_dropped_when_its_premises_change(project: Path) -> None:
    build(project, reason=True)
    assert build(project).inferred > 0  # unchanged premises: kept
    edit(project, "Sam Altman is done playing nice with Elon Musk", "Sam Altman and Elon Musk")
    assert build(project).inferred == 0
    assert not (project / "build" / "graphs" / "inferred.trig").exists()


# -- the ontology's page -------------------------------------------------------------------------


def test_docs_writes_a_page_that_names_every_class(tmp_path: Path) -> None:
    from rdflib import OWL, RDF, Graph, URIRef

    assert run_cli("docs", "-o", str(tmp_path / "site")) == 0
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    graph = Graph().parse(ontology_path(), format="turtle")
    classes = [
        str(c)
        for c in graph.subjects(RDF.type, OWL.Class)
        if isinstance(c, URIRef) and str(c).startswith(NK)
    ]
    assert len(classes) > 40
    assert [c for c in classes if c not in page] == []
    assert "<title>The newskg ontology</title>" in page
    if shutil.which("dot"):
        svg = (tmp_path / "site" / "classes.svg").read_text(encoding="utf-8")
        assert "<svg" in svg and "LegalAction" in svg and 'src="classes.svg"' in page


def test_an_ontology_that_does_not_parse_is_one_line_with_its_position(tmp_path: Path) -> None:
    from newskg.errors import DataErrors
    from newskg.ontology import load_turtle

    broken = tmp_path / "newskg.ttl"
    broken.write_text(
        '@prefix nk: <https://example.org/newskg/ontology#> .\n\nnk:A a nk:B ;\n  nk:c "open\n',
        encoding="utf-8",
    )
    with pytest.raises(DataErrors) as caught:
        load_turtle(broken)
    (problem,) = caught.value.problems
    assert str(problem).startswith(f"{broken}:4:")
    assert "Turtle syntax error" in str(problem)


def test_a_check_after_one_change_finds_what_a_check_from_scratch_finds(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check_json(project, capsys)[0] == 0
    cache = project / "build" / "check.json"
    assert cache.is_file()
    line = edit(project, "    plaintiffs: [elon-musk]\n", "    plaintiffs: [chatgpt]\n")
    code, again = check_json(project, capsys)  # only the changed article is checked again
    assert code == 1
    assert {f["check"] for f in again["findings"]} >= {"shacl", "owl"}
    assert any(f["line"] == line for f in again["findings"])
    cache.unlink()
    assert check_json(project, capsys) == (1, again)
    edit(project, "    plaintiffs: [chatgpt]\n", "    plaintiffs: [elon-musk]\n")
    assert check_json(project, capsys)[1]["findings"] == []


def test_progress_stays_off_stderr_when_it_is_not_a_terminal(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli("check", "--project", str(project)) == 0
    assert capsys.readouterr().err == ""


def test_compiled_rules_are_kept_and_read_back(tmp_path: Path) -> None:
    from newskg.check import RULES, _compiled

    queries, axioms = _compiled(tmp_path)
    kept = (tmp_path / RULES).read_text(encoding="utf-8")
    again, axioms_again = _compiled(tmp_path)
    assert (again, axioms_again) == (queries, axioms)
    assert all(q.names is None for q in again) and all(q.names is not None for q in queries)
    (tmp_path / RULES).write_text('{"key": "another ontology"}', encoding="utf-8")
    assert _compiled(tmp_path) == (queries, axioms)
    assert (tmp_path / RULES).read_text(encoding="utf-8") == kept


def test_full_checks_every_article_again(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A check reports what it remembers of unchanged articles; --full looks again (and
    remembers what it found)."""
    assert check_json(project, capsys)[0] == 0
    cache = project / "build" / "check.json"
    remembered = json.loads(cache.read_text(encoding="utf-8"))
    planted = {
        "severity": "error", "file": SHEET, "line": 1, "column": 1,
        "message": "planted in check.json", "hint": "", "check": "shacl",
    }  # fmt: skip
    remembered["units"][FIRST_ARTICLE]["findings"].append(planted)
    cache.write_text(json.dumps(remembered), encoding="utf-8")
    code, report = check_json(project, capsys)
    assert code == 1 and [f["message"] for f in report["findings"]] == ["planted in check.json"]
    code, report = check_json(project, capsys, "--full")
    assert code == 0 and report["findings"] == []
    assert "planted" not in cache.read_text(encoding="utf-8")
