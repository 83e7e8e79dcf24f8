"""The benchmark runner (issue 6) on a tiny corpus: every record has its keys and figures.

No timing is asserted: only that the runner measures, records and survives failures.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from benchmarks.generate import generate
from benchmarks.measure import measure, rdflib_anchor, rdflib_dataset
from benchmarks.run import (
    STORE_LOAD,
    Bench,
    Options,
    first_article_sheet,
    main,
    parse_options,
    query_cases,
    registry_entries,
    touch_article,
)

ARTICLES = 3
REQUIRED = ("task", "articles", "median_s", "peak_rss_mb")
ANCHORED = ("anchor", "anchor_median_s", "anchor_peak_rss_mb", "ratio")


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bench")
    generate(folder / f"corpus-{ARTICLES}", ARTICLES, seed=1)
    return folder


@pytest.fixture(scope="module")
def records(corpora: Path) -> list[dict[str, Any]]:
    """One run of the runner: one stored query, no check, no rdflib (both slow)."""
    options = Options(
        sizes=(ARTICLES,),
        runs=1,
        out=corpora / "bench.json",
        corpora=corpora,
        rdflib=False,
        check=False,
        startup_runs=1,
        queries=("people",),
    )
    with (corpora / "table.txt").open("w", encoding="utf-8") as stream:
        Bench(options, stream).run()
    data = json.loads((corpora / "bench.json").read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data


def _by_task(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["task"]: r for r in records}


def test_the_json_is_a_list_of_records_with_the_required_keys(
    records: list[dict[str, Any]],
) -> None:
    for record in records:
        for key in REQUIRED:
            assert key in record, (key, record)
    tasks = [r["task"] for r in records]
    assert tasks[0] == "machine"
    expected = {
        "startup", "query:first-article", "build", "build:store-load", "export:nquads",
        "export:turtle", "build:optimize", "query:people", "query-all:people", "rebuild-one",
    }  # fmt: skip
    assert expected <= set(tasks)


def test_the_machine_record(records: list[dict[str, Any]]) -> None:
    machine = records[0]
    assert machine["cores"] >= 1
    assert machine["cpu"]
    assert machine["python"].count(".") == 2
    assert machine["newskg"] not in ("", "unknown")


def test_every_task_has_positive_figures(records: list[dict[str, Any]]) -> None:
    for record in records[1:]:
        if record["task"] == "build:store-load":  # no separate stage: only its anchor
            continue
        assert "note" not in record or "exit code" not in record["note"], record
        assert record["median_s"] > 0, record
        assert record["peak_rss_mb"] > 0, record
        assert record["runs"] >= 1
        if record["task"] != "startup":
            assert record["articles"] >= 1


def test_anchored_tasks_have_an_anchor_and_a_ratio(records: list[dict[str, Any]]) -> None:
    tasks = _by_task(records)
    for task in ("build", "export:turtle", "export:nquads"):
        record = tasks[task]
        for key in ANCHORED:
            assert key in record, (task, key)
        assert record["anchor_median_s"] > 0
        assert record["anchor_peak_rss_mb"] > 0
        assert record["ratio"] > 0
    store_load = tasks["build:store-load"]
    assert store_load["anchor"] == "oxigraph load"
    assert store_load["anchor_peak_rss_mb"] > 0
    assert "note" in store_load


def test_the_build_reports_its_own_stages_and_the_store_load_apart(
    records: list[dict[str, Any]],
) -> None:
    tasks = _by_task(records)
    build, load = tasks["build"], tasks["build:store-load"]
    assert "own stages" in build["note"]
    assert build["peak_rss_mb"] > 0
    assert load["median_s"] is not None and load["median_s"] > 0
    assert load["peak_rss_mb"] is not None and load["peak_rss_mb"] > 0
    assert load["anchor"] == "oxigraph load"


def test_the_push_tasks_against_one_post(records: list[dict[str, Any]]) -> None:
    tasks = _by_task(records)
    for task in ("push", "repush", "push:update"):
        assert tasks[task]["median_s"] is not None and tasks[task]["median_s"] > 0, tasks[task]
    assert tasks["push"]["anchor"] and tasks["push"]["ratio"] is not None


def test_queries_count_rows(records: list[dict[str, Any]]) -> None:
    tasks = _by_task(records)
    assert tasks["query:people"]["rows"] > 0  # the entity is one the corpus speaks of
    every = tasks["query-all:people"]
    assert every["rows"] >= tasks["query:people"]["rows"]
    assert every["rows_per_s"] > 0


def test_the_table_is_printed_and_the_corpus_is_left_as_it_was(
    records: list[dict[str, Any]], corpora: Path
) -> None:
    table = (corpora / "table.txt").read_text(encoding="utf-8")
    for column in ("task", "median_s", "peak_rss_mb", "anchor_median_s", "ratio"):
        assert column in table
    assert "rebuild-one" in table
    root = corpora / f"corpus-{ARTICLES}"
    assert "headline: " in first_article_sheet(root).read_text(encoding="utf-8")
    assert not first_article_sheet(root).read_text(encoding="utf-8").count("  \n")
    assert not (corpora / f"work-{ARTICLES}").exists()


def test_rdflib_anchor_times_a_query_and_gives_up_on_a_slow_one(
    corpora: Path, tmp_path: Path
) -> None:
    dump = tmp_path / "tiny.nq"
    dump.write_text(
        "<urn:a> <urn:p> <urn:b> <urn:g> .\n<urn:b> <urn:p> <urn:c> <urn:g> .\n", encoding="utf-8"
    )
    patterns = " . ".join(f"?s{i} ?p{i} ?o{i}" for i in range(24))  # 2**24 rows
    spec = {
        "runs": 2,
        "timeout": 1.5,
        "budget": 60,
        "queries": [
            {
                "task": "query:p",
                "text": "SELECT ?b WHERE { GRAPH ?g { ?a <urn:p> ?b } }",
                "bindings": {"a": "<urn:a>"},
            },
            {"task": "query:broken", "text": "SELECT WHERE", "bindings": {}},
            {
                "task": "query:slow",
                "text": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ {patterns} }} }}",
                "bindings": {},
            },
        ],
    }
    out = tmp_path / "figures.json"
    rdflib_anchor(dump, spec, out)
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["load_s"] >= 0
    answered = figures["queries"]["query:p"]
    assert answered["rows"] == 1
    assert 1 <= len(answered["seconds"]) <= 2
    assert answered["peak_rss_kb"] > 0
    assert "rdflib failed" in figures["queries"]["query:broken"]["note"]
    slow = figures["queries"]["query:slow"]
    assert slow["seconds"] == []
    assert slow["gave_up_after"] == 1.5
    assert "gave up" in slow["note"]


def test_measure_reports_time_memory_and_timeouts(tmp_path: Path) -> None:
    fine = measure([sys.executable, "-c", "x = bytearray(50_000_000); print('ok')"], timeout=60)
    assert fine.ok
    assert fine.stdout.strip() == "ok"
    assert fine.seconds > 0
    assert fine.peak_rss_kb > 40_000
    slow = measure([sys.executable, "-c", "import time; time.sleep(30)"], timeout=0.5)
    assert slow.timed_out
    assert slow.seconds < 20
    assert "timed out" in slow.problem(0.5)
    failed = measure([sys.executable, "-c", "raise SystemExit('broken')"], timeout=60)
    assert failed.returncode == 1
    assert "broken" in failed.problem(60)


def test_measure_adds_up_worker_processes() -> None:
    code = (
        "import multiprocessing as mp, time\n"
        "def work(_):\n"
        "    x = bytearray(80_000_000); time.sleep(1.0); return len(x)\n"
        "if __name__ == '__main__':\n"
        "    with mp.get_context('fork').Pool(2) as pool: print(sum(pool.map(work, range(2))))\n"
    )
    result = measure([sys.executable, "-c", code], timeout=60)
    assert result.ok, result.stderr
    assert result.peak_rss_kb > 150_000  # two workers of 80 MB each, counted together
    # unsampled (a command that reports its processes' peaks itself): ru_maxrss alone,
    # the largest process the command waited for
    alone = measure([sys.executable, "-c", code], timeout=60, sample=False)
    assert alone.ok, alone.stderr
    assert 80_000 < alone.peak_rss_kb < 150_000


def test_helpers(corpora: Path, tmp_path: Path) -> None:
    root = corpora / f"corpus-{ARTICLES}"
    entries = registry_entries(root)
    assert any(e.type == "Person" for e in entries)
    cases = {c.task: c for c in query_cases(root)}
    assert "query:evidence" in cases
    assert "query-all:evidence" not in cases  # its parameter is required
    assert cases["query:entities"].params == {"type": "nk:Person"}
    sheet = tmp_path / "a.yaml"
    sheet.write_text("id: a\nheadline: A headline\nfacts: []\n", encoding="utf-8")
    touch_article(sheet)
    assert sheet.read_text(encoding="utf-8") == "id: a\nheadline: A headline \nfacts: []\n"
    found = STORE_LOAD.search("stages: parse 3.1 s; store load: 12.5 s, peak 812 MB")
    assert found is not None
    assert (found["s"], found["mb"]) == ("12.5", "812")


def test_main_rejects_bad_arguments() -> None:
    with pytest.raises(SystemExit):
        main(["--runs", "0"])


def test_a_stopped_run_keeps_what_it_measured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def stopped(self: Bench, size: int) -> None:
        self.record("build", size, [measure([sys.executable, "-c", "pass"], timeout=60)])
        raise KeyboardInterrupt

    monkeypatch.setattr(Bench, "corpus_tasks", stopped)
    out = tmp_path / "bench.json"
    options = Options(sizes=(5,), out=out, corpora=tmp_path, startup=False)
    with (tmp_path / "table.txt").open("w", encoding="utf-8") as stream:
        Bench(options, stream).run()
    records = json.loads(out.read_text(encoding="utf-8"))
    assert "interrupted" in records[0]["note"]
    assert records[1]["task"] == "build"
    assert records[1]["median_s"] > 0


def test_the_report_is_a_markdown_table_of_the_json(records: list[dict[str, Any]]) -> None:
    from benchmarks.report import markdown

    table = markdown(records).splitlines()
    rows = [line for line in table if line.startswith("| ") and not line.startswith("| task")]
    assert len(rows) == sum(1 for r in records if r["task"] != "machine")
    build = next(line for line in rows if line.startswith("| build |"))
    assert f"| {ARTICLES} |" in build


def test_rdflib_dataset_is_the_dataset_rdflib_parses(tmp_path: Path) -> None:
    """The anchor's dataset, loaded through pyoxigraph's parser, is rdflib's own parse
    of the same N-Quads: every graph, the default one, literals of each kind, blank
    nodes (up to their labels, which rdflib makes anew either way)."""
    from rdflib import Dataset
    from rdflib.compare import isomorphic

    dump = tmp_path / "kinds.nq"
    dump.write_text(
        "<urn:a> <urn:p> <urn:b> <urn:g> .\n"
        '<urn:a> <urn:p> "plain" <urn:g> .\n'
        '<urn:a> <urn:p> "été"@fr <urn:g> .\n'
        '<urn:a> <urn:p> "7"^^<http://www.w3.org/2001/XMLSchema#integer> <urn:h> .\n'
        "<urn:a> <urn:p> _:x <urn:h> .\n"
        '_:x <urn:q> "in a blank node" <urn:h> .\n'
        "<urn:d> <urn:p> <urn:e> .\n",
        encoding="utf-8",
    )
    parsed = Dataset()
    parsed.parse(str(dump), format="nquads")
    loaded = rdflib_dataset(dump)
    names = sorted(str(g.identifier) for g in parsed.graphs())
    assert names == sorted(str(g.identifier) for g in loaded.graphs())
    assert len(names) == 3  # urn:g, urn:h and the default graph
    for name in names:
        assert isomorphic(parsed.graph(name), loaded.graph(name)), name
    assert sum(1 for _ in loaded.quads()) == 7


def test_quick_is_the_first_corpus_without_push_update() -> None:
    quick, full = parse_options(["--quick"]), parse_options([])
    assert (quick.sizes, quick.push_update, quick.push_runs) == ((1_000,), False, 1)
    assert (full.sizes, full.push_update) == ((1_000, 10_000), True)
