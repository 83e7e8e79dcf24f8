"""Building and exporting: determinism, round trips, merging articles, deletions, the CLI."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib
from pyoxigraph import Quad, RdfFormat, Store
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from newskg import __version__, build, export
from newskg.formats import SYNTAXES
from newskg.pipeline import BuildDir

from .conftest import FIRST_ARTICLE, REPO
from .helpers import diff, graph_of, read_quads, run_cli

SECOND = "wsj-2024-03-01-musk-sues-openai"
SMALL = REPO / "tests" / "cases" / "small-project" / "data"
BASE = "https://example.org/newskg/"


def add_second_article(root: Path) -> None:
    """Put the small project's article beside the first one; the registry has its entities."""
    for suffix in (".txt", ".yaml"):
        shutil.copy(SMALL / "articles" / f"{SECOND}{suffix}", root / "data" / "articles")


_EXPORT_ALL = """
import sys
from pathlib import Path
from newskg import build, export
root, out = Path(sys.argv[1]), Path(sys.argv[2])
build(root, full=True)
for name in ("turtle", "trig", "ntriples", "nquads", "jsonld", "rdfxml"):
    export(str(out / f"all.{name}"), name, root=root)
    export(str(out / f"one.{name}.gz"), name, root=root, article="bi-2024-03-06-altman-musk")
"""


def test_output_is_byte_identical_across_runs_and_hash_seeds(project: Path, tmp_path: Path) -> None:
    add_second_article(project)
    outputs = []
    for seed in ("0", "1", "4242"):
        out = tmp_path / f"seed-{seed}"
        out.mkdir()
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(
            [sys.executable, "-c", _EXPORT_ALL, str(project), str(out)], check=True, env=env
        )
        files = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
        files |= {
            f"build/{p.relative_to(project / 'build')}": p.read_bytes()
            for p in sorted((project / "build" / "graphs").rglob("*.trig"))
        }
        outputs.append(files)
    assert len(outputs[0]) == 12 + 5
    assert outputs[0] == outputs[1] == outputs[2]


def _rdflib_quads(path: Path, fmt: str) -> set[tuple[str, ...]]:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    dataset = rdflib.Dataset()
    dataset.parse(data=data, format=fmt)
    quads = set()
    for s, p, o, g in dataset.quads():
        graph = "" if g is None or g == DATASET_DEFAULT_GRAPH_ID else str(g)
        quads.add((s.n3(), p.n3(), o.n3(), graph))
    return quads


@pytest.mark.parametrize("name", list(SYNTAXES))
def test_every_syntax_round_trips_through_a_standard_parser(
    name: str, project: Path, tmp_path: Path
) -> None:
    syntax = SYNTAXES[name]
    out = tmp_path / f"graph{syntax.extension}.gz"
    export(str(out), None, root=project)
    reference = tmp_path / "reference.nq"
    export(str(reference), "nquads", root=project)
    rdflib_name = {
        "turtle": "turtle",
        "trig": "trig",
        "ntriples": "nt",
        "nquads": "nquads",
        "jsonld": "json-ld",
        "rdfxml": "xml",
    }[name]
    parsed = _rdflib_quads(out, rdflib_name)
    expected = _rdflib_quads(reference, "nquads")
    if not syntax.quads:
        article = f"<{BASE}id/article/{FIRST_ARTICLE}>"
        keep = {f"<{BASE}id/article/{FIRST_ARTICLE}>"[1:-1], f"{BASE}graph/registry"}
        expected = {(s, p, o, "") for s, p, o, g in expected if g in keep}
        assert article  # the union of the article graph and the registry, nothing else
    ontology_free = {q for q in expected if q[3] != "https://example.org/newskg/ontology"}
    assert {q for q in parsed if q[3] != "https://example.org/newskg/ontology"} == ontology_free
    assert len(parsed) > 1000


def test_triples_only_export_leaves_out_claims_graphs(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "graph.ttl"
    assert run_cli("export", "--project", str(project), "-o", str(out)) == 0
    triples = read_quads(out, RdfFormat.TURTLE)
    text = out.read_text(encoding="utf-8")
    assert "nk:Meeting" not in text and "jealous of OpenAI's success" in text  # only as claim text
    assert len(triples) > 1000
    assert text.startswith("@prefix")
    assert "ns1:" not in text


def test_second_article_merges_into_the_same_person_and_lawsuit(project: Path) -> None:
    add_second_article(project)
    build(project)
    store = Store.read_only(str(project / "build" / "store"))
    rows = store.query(
        """PREFIX nk: <https://example.org/newskg/ontology#>
        SELECT ?g ?value WHERE { GRAPH ?g { ?suit nk:plaintiff ?who ; nk:filed ?t . ?t nk:value ?value } }
        ORDER BY ?g"""
    )
    filed = [(str(r["g"].value), str(r["value"].value)) for r in rows]  # type: ignore[index]
    assert filed == [
        (f"{BASE}id/article/{FIRST_ARTICLE}", "2024-03-01"),
        (f"{BASE}id/article/{SECOND}", "2024-02-29"),
    ]
    suits = store.query(
        "SELECT DISTINCT ?suit ?who WHERE { GRAPH ?g { ?suit <https://example.org/newskg/ontology#plaintiff> ?who } }"
    )
    assert [(str(r[0].value), str(r[1].value)) for r in suits] == [  # type: ignore[index]
        (f"{BASE}id/event/musk-v-openai", f"{BASE}id/entity/elon-musk")
    ]


def test_deleted_or_renamed_article_loses_its_graphs(project: Path, tmp_path: Path) -> None:
    add_second_article(project)
    build(project)
    graph_file = project / "build" / "graphs" / "articles" / f"{SECOND}.trig"
    assert graph_file.is_file()
    for suffix in (".txt", ".yaml"):
        (project / "data" / "articles" / f"{SECOND}{suffix}").unlink()
    result = build(project)
    assert result.removed == [SECOND] and result.built == []
    assert not graph_file.exists()
    store = Store.read_only(str(project / "build" / "store"))
    names = {g.value for g in store.named_graphs()}  # type: ignore[union-attr]
    assert not any(SECOND in name for name in names)
    del store
    out = tmp_path / "all.nq"
    export(str(out), root=project)
    assert SECOND.encode() not in out.read_bytes()


def test_unchanged_articles_are_not_mapped_again(project: Path) -> None:
    add_second_article(project)
    first = build(project)
    assert sorted(first.built) == [FIRST_ARTICLE, SECOND]
    again = build(project)
    assert again.built == [] and sorted(again.unchanged) == [FIRST_ARTICLE, SECOND]
    sheet = project / "data" / "articles" / f"{SECOND}.yaml"
    sheet.write_text(
        sheet.read_text(encoding="utf-8").replace("Elon Musk sues OpenAI", "Musk sues"),
        encoding="utf-8",
    )
    third = build(project)
    assert third.built == [SECOND] and third.unchanged == [FIRST_ARTICLE]
    assert third.quads == again.quads


def test_export_one_article_as_nquads_to_stdout(
    project: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    code = run_cli(
        "export",
        "--project",
        str(project),
        "--format",
        "nquads",
        "-o",
        "-",
        "--article",
        FIRST_ARTICLE,
    )
    out = capfd.readouterr().out
    assert code == 0
    graphs = {line.rsplit(" ", 2)[-2] for line in out.splitlines()}
    assert f"<{BASE}id/article/{FIRST_ARTICLE}>" in graphs
    assert all(FIRST_ARTICLE in g for g in graphs)
    assert len(graphs) == 8  # the article's graph and its seven claims' graphs


def test_build_with_output_writes_the_dataset(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "graph.trig"
    assert run_cli("build", "--project", str(project), "-o", str(out)) == 0
    quads = read_quads(out)
    assert graph_of(quads, f"{BASE}id/article/{FIRST_ARTICLE}")
    assert graph_of(quads, f"{BASE}graph/registry")
    assert f"wrote {len(quads)} statements as TriG" in capsys.readouterr().out


def test_gzip_output_has_no_timestamp(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "graph.nt.gz"
    export(str(out), root=project)
    assert out.read_bytes()[4:8] == b"\0\0\0\0"  # MTIME field of the gzip header
    assert gzip.decompress(out.read_bytes()).startswith(b"<")


def test_unknown_format_is_a_usage_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("export", "--project", str(project), "-o", "graph.xyz") == 2
    assert "cannot tell the RDF syntax of 'graph.xyz'" in capsys.readouterr().err
    assert not (Path.cwd() / "graph.xyz").exists()


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("--version") == 0
    assert capsys.readouterr().out == f"newskg, version {__version__}\n"


def test_new_scaffolds_a_fact_sheet_that_builds_once_filled(project: Path, tmp_path: Path) -> None:
    text = tmp_path / "article.txt"
    text.write_text("Musk and OpenAI\nMusk sued OpenAI on Friday.\n", encoding="utf-8")
    code = run_cli(
        "new",
        "wsj-2024-03-02-musk",
        "--project",
        str(project),
        "--text",
        str(text),
        "--url",
        "https://www.wsj.com/x",
        "--published",
        "2024-03-02",
    )
    assert code == 0
    sheet = project / "data" / "articles" / "wsj-2024-03-02-musk.yaml"
    content = sheet.read_text(encoding="utf-8")
    assert content.startswith("# yaml-language-server: $schema=../../schema/article.schema.json\n")
    assert "publisher: the-wall-street-journal\n" in content  # guessed from wsj.com
    assert (
        project / "data" / "articles" / "wsj-2024-03-02-musk.txt"
    ).read_bytes() == text.read_bytes()
    result = build(project)
    assert "wsj-2024-03-02-musk" in result.built
    sheet.write_text(
        content.replace(
            "facts: []",
            """facts:
  - id: suit
    kind: lawsuit
    subject: musk-v-openai
    filed: Friday
    evidence: Musk sued OpenAI on Friday.""",
        ),
        encoding="utf-8",
    )
    assert build(project).built == ["wsj-2024-03-02-musk"]
    assert (
        run_cli(
            "new",
            "wsj-2024-03-02-musk",
            "--project",
            str(project),
            "--text",
            str(text),
            "--url",
            "https://www.wsj.com/x",
            "--published",
            "2024-03-02",
        )
        == 2
    )


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        ("--url", "notaurl", "'notaurl' is not an http(s) URL"),
        ("--language", "english", "'english' is not a BCP 47 language tag"),
    ],
)
def test_new_refuses_what_the_next_build_would(
    project: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    option: str,
    value: str,
    said: str,
) -> None:
    """new writes nothing that the build would then reject: the fact sheet's own checks."""
    text = tmp_path / "article.txt"
    text.write_text("Musk and OpenAI\n", encoding="utf-8")
    args = ["new", "wsj-2024-03-02-musk", "--project", str(project), "--text", str(text)]
    args += ["--url", "https://www.wsj.com/x", "--published", "2024-03-02", option, value]
    assert run_cli(*args) == 2
    assert said in capsys.readouterr().err
    assert not list((project / "data" / "articles").glob("wsj-*"))


def test_build_summary_and_exit_code(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("build", "--project", str(project)) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "built 1 article(s): 1 mapped, 0 unchanged, 0 removed"
    assert "50 facts (7 attributed claims)" in out


def test_help_says_what_a_triples_only_syntax_holds(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("export", "--help") == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert "union of the article graphs" in help_text


def test_an_output_file_is_untouched_when_the_build_fails(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "graph.ttl"
    out.write_bytes(b"previous")
    sheet = project / "data" / "articles" / f"{FIRST_ARTICLE}.yaml"
    sheet.write_text(
        sheet.read_text(encoding="utf-8").replace("kind: meeting", "kind: meting"), encoding="utf-8"
    )
    assert run_cli("build", "--project", str(project), "-o", str(out)) == 1
    assert out.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".graph")] == []


def test_an_article_text_without_a_fact_sheet_is_a_warning_not_a_failure(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "data" / "articles" / "draft.txt").write_text("A draft.\n", encoding="utf-8")
    assert run_cli("build", "--project", str(project)) == 0
    err = capsys.readouterr().err
    assert "data/articles/draft.txt: warning: an article text without a fact sheet" in err


def assert_store_holds_the_graph_files(project: Path) -> set[Quad]:
    """The store's quads, once checked to be exactly those of build/graphs."""
    in_store = set(Store.read_only(str(project / "build" / "store")))
    in_files: set[Quad] = set()
    for path in sorted((project / "build" / "graphs").rglob("*.trig")):
        in_files |= read_quads(path)
    assert in_files == in_store, diff(in_store, in_files)
    return in_store


def test_graph_files_hold_exactly_what_the_store_holds(project: Path) -> None:
    """A store may canonicalise literals (Oxigraph writes xsd:nonNegativeInteger as
    xsd:integer): the graph files must say what every store will hold."""
    add_second_article(project)
    build(project)
    assert_store_holds_the_graph_files(project)


def test_graphs_added_beside_the_loader_are_what_the_graph_files_hold(project: Path) -> None:
    """A fresh store gets the registry's and the build's graphs from the bulk loader,
    and the ontology's, which has blank nodes, from the commit: the blank nodes must
    keep their labels, and the registry's graph replaced by a later build (loaded from
    its N-Quads file) must not leave anything behind."""
    add_second_article(project)
    build(project)
    registry = project / "data" / "entities.yaml"
    registry.write_text(
        registry.read_text(encoding="utf-8").replace("OpenAI's largest investor.", "an investor."),
        encoding="utf-8",
    )
    build(project)
    in_store = assert_store_holds_the_graph_files(project)
    described = {q.object.value for q in in_store if "description" in q.predicate.value}  # type: ignore[union-attr]
    assert "American technology company, an investor." in described


@pytest.mark.parametrize("damage", ["cut short", "not SQLite", "an earlier newskg's JSON"])
def test_a_manifest_it_cannot_read_makes_the_next_build_a_fresh_one(
    project: Path, damage: str
) -> None:
    """A manifest cut short, garbage, or the JSON an earlier newskg wrote in its place
    must not pass for a build with no articles: the next build maps every article."""
    add_second_article(project)
    build(project)
    manifest = project / "build" / "manifest.sqlite"
    old = project / "build" / "manifest.json"
    if damage == "cut short":
        manifest.write_bytes(manifest.read_bytes()[:2048])
    elif damage == "not SQLite":
        manifest.write_bytes(b"{}\n")
    else:
        manifest.unlink()
        old.write_text('{"newskg": "0.1.0", "articles": {}}\n', encoding="utf-8")
    result = build(project)
    assert sorted(result.built) == sorted(
        p.stem for p in (project / "data" / "articles").glob("*.yaml")
    )
    assert set(BuildDir(project).read_manifest()["articles"]) == set(result.built)
    assert not old.exists()
    assert_store_holds_the_graph_files(project)


def test_the_base_iri_is_the_projects_to_choose(project: Path, tmp_path: Path) -> None:
    (project / "newskg.toml").write_text(
        '[project]\nbase_iri = "https://news.example.com/kg/"\n', encoding="utf-8"
    )
    build(project)
    out = tmp_path / "graph.nq"
    export(str(out), root=project)
    text = out.read_text(encoding="utf-8")
    assert "<https://news.example.com/kg/id/entity/elon-musk>" in text
    assert "https://example.org/newskg/id/" not in text
    assert "<https://example.org/newskg/ontology#Person>" in text  # the vocabulary stays
    (project / "newskg.toml").write_text('[project]\nbase_iri = "not an iri"\n', encoding="utf-8")
    assert run_cli("build", "--project", str(project)) == 1


def test_a_registry_change_remaps_only_the_articles_that_use_the_entry(project: Path) -> None:
    add_second_article(project)
    build(project)
    registry = project / "data" / "entities.yaml"
    text = registry.read_text(encoding="utf-8")
    registry.write_text(
        text.replace(
            "American technology company, OpenAI's largest investor.",
            "American technology company.",
        ),
        encoding="utf-8",
    )
    result = build(project)  # Microsoft is in the first article only
    assert result.built == [FIRST_ARTICLE] and result.unchanged == [SECOND]
    store = Store.read_only(str(project / "build" / "store"))
    described = {
        q.object.value
        for q in store.quads_for_pattern(  # type: ignore[union-attr]
            None, None, None, None
        )
        if q.subject.value.endswith("/microsoft") and "description" in q.predicate.value
    }
    assert described == {"American technology company."}
    del store
    assert_store_holds_the_graph_files(project)


def test_nothing_changed_reads_no_fact_sheet(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import newskg.project

    build(project)
    read: list[str] = []
    real = newskg.project.load_article

    def counting(root: Path, path: Path, *args: object) -> object:
        read.append(path.stem)
        return real(root, path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(newskg.project, "load_article", counting)
    assert build(project).built == [] and read == []
    sheet = project / "data" / "articles" / f"{FIRST_ARTICLE}.yaml"
    sheet.write_text(sheet.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert build(project).built == [FIRST_ARTICLE] and read == [FIRST_ARTICLE]


def test_a_full_rebuild_of_unchanged_data_leaves_a_manifest(project: Path) -> None:
    """A --full build of the same data must still write the manifest it removed first,
    or the next build maps everything again."""
    build(project)
    build(project, full=True)
    assert (project / "build" / "manifest.sqlite").is_file()
    assert build(project).built == []


def test_a_build_leaves_the_cycle_collector_as_it_found_it(project: Path) -> None:
    """build pauses the cycle collector while it runs (see pipeline._cyclic_gc_paused)."""
    import gc

    from newskg.errors import DataErrors

    assert gc.isenabled()
    build(project)
    assert gc.isenabled()
    sheet = project / "data" / "articles" / f"{FIRST_ARTICLE}.yaml"
    sheet.write_text(
        sheet.read_text(encoding="utf-8").replace("kind: meeting", "kind: meting"), encoding="utf-8"
    )
    with pytest.raises(DataErrors):
        build(project)
    assert gc.isenabled()
    gc.disable()
    try:
        with pytest.raises(DataErrors):
            build(project)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_registry_graph_comes_in_the_one_order_newskg_writes(tmp_path: Path) -> None:
    """registry_quads sorts entries as subjects and then each entry's statements: that
    must be sorted_quads' order of the whole graph, where one IRI is a prefix of another
    (`<…/x>` sorts after `<…/x-y>`) and an entry repeats an alias."""
    from newskg.facts import Entity
    from newskg.layout import Project
    from newskg.mapping import registry_quads, sorted_quads

    entities = {
        e.id: e
        for e in (
            Entity(id="x", type="Person", label="X", aliases=["Ex", "Ex"], description="one"),
            Entity(id="x-y", type="Person", label="X Y", description="two"),
            Entity(id="a-court", type="Court", label="A court", description="three"),
            Entity(id="band", type="Group", label="Band", description="four", members=["x"]),
        )
    }
    project = Project(tmp_path, BASE, entities, [], {})
    quads = list(registry_quads(project))
    assert quads == sorted_quads(quads)
    assert len(quads) == len(set(quads))
    subjects = list(dict.fromkeys(q.subject.value for q in quads))
    assert subjects.index(f"{BASE}id/entity/x-y") < subjects.index(f"{BASE}id/entity/x")
