"""The build at scale: the store loaded beside the mapping, stage timings, progress bars.

Timings are never asserted (they are the benchmark's job); what is asserted is that the
fast paths give the same store as the slow ones, and that the user sees what they should.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from benchmarks.generate import generate
from pyoxigraph import Quad, RdfFormat, Store, parse

import newskg
from newskg import freshness, parallel, pipeline
from newskg.loading import BULK_THRESHOLD, ConcatReader, load_files
from newskg.manifest_entries import COLUMNS
from newskg.pipeline import BuildDir
from newskg.registry_index import RegistryIndex

NEWSKG = str(Path(sys.executable).with_name("newskg"))
ARTICLES = 60  # more than BULK_THRESHOLD, so that a registry change bulk-loads


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("scale")
    generate(root, ARTICLES, seed=3)
    return root


def _store_quads(root: Path) -> set[Quad]:
    store = Store.read_only(str(root / "build" / "store"))
    try:
        return set(store)
    finally:
        del store


def _graph_file_quads(root: Path) -> set[Quad]:
    quads: set[Quad] = set()
    for path in sorted((root / "build" / "graphs").rglob("*.trig")):
        quads.update(parse(path=str(path), format=RdfFormat.TRIG))
    return quads


def test_the_store_loaded_beside_the_mapping_holds_the_graph_files(corpus: Path) -> None:
    result = newskg.build(corpus, full=True)
    assert len(result.built) == ARTICLES
    stored = _store_quads(corpus)
    assert len(stored) == result.quads
    assert stored == _graph_file_quads(corpus)
    assert not list(corpus.glob(".newskg-staging-*")), "the staging folder is left behind"
    names = [stage.name for stage in result.stages]
    assert names == ["map", "store load", "optimize", "commit"]  # bulk-loaded: compacted
    assert all(stage.peak_mb > 0 for stage in result.stages)


def test_the_same_store_from_one_process_and_from_two(corpus: Path, tmp_path: Path) -> None:
    """Articles mapped on the worker pool and in-process give the same statements."""
    newskg.build(corpus, full=True)
    pooled = _store_quads(corpus)
    newskg.build(corpus, full=True, workers=1)
    assert _store_quads(corpus) == pooled


def test_the_same_store_when_few_registry_entries_are_kept_unpickled(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process keeps RegistryIndex.KEPT registry entries unpickled at most, and reads
    an entry from the index again once it was let go."""
    newskg.build(corpus, full=True)
    before = _store_quads(corpus)
    monkeypatch.setattr(RegistryIndex, "KEPT", 3)
    registry = pipeline.cached_registry(corpus, [])
    assert isinstance(registry.entities, RegistryIndex)
    ids = sorted(registry.entities)
    assert len(ids) > 3
    assert [registry.entities[i].id for i in ids + ids] == ids + ids
    assert list(registry.entities._values) == ids[-3:]  # the last three asked for
    registry.entities[ids[-3]]  # asked again: now the most recent, and kept longest
    registry.entities[ids[0]]
    assert list(registry.entities._values) == [ids[-1], ids[-3], ids[0]]
    newskg.build(corpus, full=True, workers=1)  # in this process, where KEPT is 3
    assert _store_quads(corpus) == before == _graph_file_quads(corpus)


def test_a_registry_change_bulk_loads_into_the_existing_store(corpus: Path) -> None:
    """Every article uses registry entries, so renaming them all remaps them all (more than
    BULK_THRESHOLD): the store must come out as a fresh build makes it."""
    newskg.build(corpus, full=True)
    registry = corpus / "data" / "entities.yaml"
    before = registry.read_text(encoding="utf-8")
    try:
        changed = before.replace("label: ", "label: Changed ")
        assert changed != before
        registry.write_text(changed, encoding="utf-8")
        result = newskg.build(corpus)
        assert len(result.built) >= BULK_THRESHOLD
        incremental = _store_quads(corpus)
        newskg.build(corpus, full=True)
        assert incremental == _store_quads(corpus)
        assert incremental == _graph_file_quads(corpus)
    finally:
        registry.write_text(before, encoding="utf-8")
        newskg.build(corpus)


def test_concat_reader_streams_files_in_order_and_deletes_them(tmp_path: Path) -> None:
    parts = [b"<a:s> <a:p> <a:o1> .\n", b"", b"<a:s> <a:p> <a:o2> <a:g> .\n" * 3000]
    paths = []
    for index, data in enumerate(parts):
        path = tmp_path / f"{index}.nq"
        path.write_bytes(data)
        paths.append(path)
    with ConcatReader(paths, delete=True) as reader:
        assert reader.read() == b"".join(parts)
    assert not any(path.exists() for path in paths)


def test_load_files_gives_the_same_store_by_transactions_and_by_bulk(tmp_path: Path) -> None:
    files = []
    for index in range(BULK_THRESHOLD + 1):
        path = tmp_path / f"{index}.nq"
        path.write_text(f'<urn:s{index}> <urn:p> "é {index}" <urn:g{index % 3}> .\n', "utf-8")
        files.append(path)
    few, many = Store(), Store()
    load_files(few, files[:3])
    load_files(many, files)
    assert len(few) == 3
    assert len(many) == BULK_THRESHOLD + 1
    assert set(few) <= set(many)


def test_build_timings_name_each_stage(corpus: Path) -> None:
    run = subprocess.run(
        [NEWSKG, "build", "--full", "--timings"],
        cwd=corpus,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = run.stderr.splitlines()
    assert any(line.startswith("map: ") and " MB " in line for line in lines), run.stderr
    assert any(line.startswith("store load: ") for line in lines), run.stderr


def _run_in_terminal(args: list[str], cwd: Path) -> str:
    """Run newskg with its stderr on a pseudo-terminal; what the terminal showed."""
    leader, follower = pty.openpty()
    env = {**os.environ, "NEWSKG_PROGRESS_DELAY": "0", "COLUMNS": "100"}
    process = subprocess.Popen(
        [NEWSKG, *args], cwd=cwd, stdout=subprocess.DEVNULL, stderr=follower, env=env
    )
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the process is gone
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    assert process.wait(timeout=300) == 0
    return shown.decode("utf-8", "replace")


def test_a_progress_bar_on_a_terminal_and_none_with_quiet_or_in_a_pipe(corpus: Path) -> None:
    shown = _run_in_terminal(["build", "--full"], corpus)
    assert "mapping" in shown and f"/{ARTICLES}" in shown, shown
    quiet = _run_in_terminal(["--quiet", "build", "--full"], corpus)
    assert "mapping" not in quiet and "\x1b[" not in quiet, quiet
    piped = subprocess.run(
        [NEWSKG, "build", "--full"],
        cwd=corpus,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "NEWSKG_PROGRESS_DELAY": "0"},
    )
    assert "mapping" not in piped.stderr and "\x1b[" not in piped.stderr


def test_an_export_shows_a_bar_on_a_terminal_and_writes_the_same_bytes(
    corpus: Path, tmp_path: Path
) -> None:
    newskg.build(corpus)
    for syntax, name in (("nquads", "all.nq"), ("turtle", "all.ttl")):
        shown = _run_in_terminal(["export", "--format", syntax, "-o", str(tmp_path / name)], corpus)
        assert f"export ({syntax})" in shown and "lines" in shown, shown
        quiet = tmp_path / f"quiet-{name}"
        said = _run_in_terminal(["--quiet", "export", "--format", syntax, "-o", str(quiet)], corpus)
        assert "export (" not in said and "\x1b[" not in said, said
        assert quiet.read_bytes() == (tmp_path / name).read_bytes()


def test_a_long_query_turns_a_spinner_on_a_terminal_and_answers_the_same(
    corpus: Path, tmp_path: Path
) -> None:
    newskg.build(corpus)
    slow = tmp_path / "slow.rq"  # 3,000 statements against every label: a second or so
    slow.write_text(
        "SELECT (COUNT(*) AS ?n) WHERE { { SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 3000 }"
        " GRAPH ?h { ?l <http://www.w3.org/2000/01/rdf-schema#label> ?name } }",
        encoding="utf-8",
    )
    answers = tmp_path / "shown.csv", tmp_path / "quiet.csv"
    shown = _run_in_terminal(
        ["query", "--file", str(slow), "--format", "csv", "-o", str(answers[0])], corpus
    )
    assert "query slow.rq" in shown and "0:00:0" in shown, shown
    said = _run_in_terminal(
        ["--quiet", "query", "--file", str(slow), "--format", "csv", "-o", str(answers[1])], corpus
    )
    assert "query slow.rq" not in said and "\x1b[" not in said, said
    assert answers[0].read_bytes() == answers[1].read_bytes()
    assert int(answers[0].read_text(encoding="utf-8").split()[1]) > 1_000_000


def _must_not_be_called(*args: object) -> None:
    raise AssertionError("the build metadata's file was written whole")


def _graph_files(root: Path) -> dict[str, bytes]:
    folder = root / "build" / "graphs"
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in files}


def _manifest(root: Path) -> tuple[Any, ...]:
    """What the manifest holds: its head, its entries, their sources and columns."""
    manifest = BuildDir(root).read_manifest()
    table = manifest.pop("articles")
    return (
        manifest,
        dict(table.items()),
        list(table.sources_in_path_order()),
        list(table.columns(*COLUMNS)),
    )


def test_an_incremental_build_writes_the_bytes_a_fresh_one_writes(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    newskg.build(corpus)
    sheet = sorted((corpus / "data" / "articles").glob("*.yaml"))[7]
    before = sheet.read_text(encoding="utf-8")
    try:
        sheet.write_text(before.replace("headline: ", "headline: Changed ", 1), "utf-8")
        with monkeypatch.context() as patch:  # the metadata's file is patched, not rewritten
            patch.setattr(pipeline, "_stage_metadata", _must_not_be_called)
            result = newskg.build(corpus)
        assert result.built == [sheet.stem]
        incremental, stored = _graph_files(corpus), _store_quads(corpus)
        written = _manifest(corpus)  # a copy of the last one, one entry changed
        assert b"Changed " in incremental[f"articles/{sheet.stem}.trig"]
        newskg.build(corpus, full=True)
        assert _graph_files(corpus) == incremental
        assert _manifest(corpus) == written
        assert _store_quads(corpus) == stored
    finally:
        sheet.write_text(before, encoding="utf-8")
        newskg.build(corpus)


_STOPPED_BUILD = """
import os, sys
from pathlib import Path
import newskg
from newskg import pipeline

def stop(*args, **kwargs):  # as if killed after the store changed, before the manifest
    os._exit(9)

if __name__ == "__main__":
    pipeline._finish = stop
    newskg.build(Path(sys.argv[1]))
"""


def test_a_build_stopped_half_way_is_finished_by_the_next_one(corpus: Path) -> None:
    """A build killed after it changed build/ in place, before its manifest: the fact
    sheet is then put back as it was, times included, so that its hash is the one the
    manifest holds.  The next build must still undo what the stopped one did (its
    file, its graphs in the store, a claim graph that only it had)."""
    newskg.build(corpus)
    sheet = sorted((corpus / "data" / "articles").glob("*.yaml"))[11]
    before, times = sheet.read_bytes(), os.stat(sheet)
    assert before.count(b"first-allegation") == 1  # a claim's fact: its graph is named by it
    try:
        sheet.write_bytes(before.replace(b"first-allegation", b"first-allegation-renamed"))
        stopped = subprocess.run([sys.executable, "-c", _STOPPED_BUILD, str(corpus)], check=False)
        assert stopped.returncode == 9
        folder = BuildDir(corpus)
        assert folder.pending_path.is_file() and not folder.inputs_stamp.is_file()
        assert b"first-allegation-renamed" in folder.article_file(sheet.stem).read_bytes()
        assert not freshness.up_to_date(corpus)
        sheet.write_bytes(before)
        os.utime(sheet, ns=(times.st_atime_ns, times.st_mtime_ns))
        result = newskg.build(corpus)
        assert sheet.stem in result.built
        assert not folder.pending_path.exists() and freshness.up_to_date(corpus)
        recovered = (_graph_files(corpus), _store_quads(corpus), _manifest(corpus))
        newskg.build(corpus, full=True)
        assert recovered[0] == _graph_files(corpus)
        assert recovered[1] == _store_quads(corpus)
        assert recovered[2] == _manifest(corpus)
        assert not any("first-allegation-renamed" in q.graph_name.value for q in recovered[1])
    finally:
        sheet.write_bytes(before)
        newskg.build(corpus)


def test_a_build_stopped_after_a_registry_change_leaves_the_new_registry_index(
    corpus: Path,
) -> None:
    """The registry index goes in place before the manifest: a build stopped between
    the two would otherwise leave the old index under the new manifest, where queries
    look ids up, and the next build, idle, would never replace it."""
    newskg.build(corpus)
    registry = corpus / "data" / "entities.yaml"
    before = registry.read_bytes()
    try:
        registry.write_bytes(before.replace(b"label: ", b"label: Renamed ", 1))
        stopped = subprocess.run([sys.executable, "-c", _STOPPED_BUILD, str(corpus)], check=False)
        assert stopped.returncode == 9
        index = RegistryIndex(corpus / "build" / "registry.sqlite")
        try:
            assert any(e.label.startswith("Renamed ") for e in index.values())
        finally:
            index.close()
    finally:
        registry.write_bytes(before)
        newskg.build(corpus)


def test_an_unreadable_list_of_pending_changes_makes_the_build_start_afresh(
    corpus: Path,
) -> None:
    newskg.build(corpus)
    folder = BuildDir(corpus)
    folder.pending_path.write_text("{not json", encoding="utf-8")
    result = newskg.build(corpus)
    assert len(result.built) == ARTICLES
    assert not folder.pending_path.exists()


def test_a_query_builds_first_only_when_an_input_changed(corpus: Path) -> None:
    """up_to_date judges by sizes and modification times, without the manifest; every
    kind of change that a build would see makes it false."""
    from newskg.querying import open_context

    newskg.build(corpus)
    assert freshness.up_to_date(corpus)
    sheet = next((corpus / "data" / "articles").glob("*.yaml"))
    text = sheet.with_suffix(".txt")
    registry = corpus / "data" / "entities.yaml"
    for changed in (sheet, text, registry):
        stat = changed.stat()
        os.utime(changed, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
        assert not freshness.up_to_date(corpus), changed.name
        open_context(corpus)  # builds
        assert freshness.up_to_date(corpus)
    extra = corpus / "data" / "articles" / "zz-extra.yaml"
    extra.write_bytes(sheet.read_bytes())
    try:
        assert not freshness.up_to_date(corpus)
    finally:
        extra.unlink()
    assert freshness.up_to_date(corpus)  # the same files as when it was built
    (corpus / "build" / "inputs.sha256").write_text("damaged", encoding="utf-8")
    assert not freshness.up_to_date(corpus)
    newskg.build(corpus)
    assert freshness.up_to_date(corpus)


def test_the_inputs_scan_is_the_fingerprint_hashed_a_file_at_a_time(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scan hashes its lines in batches: the stamp is that of every input file's
    line hashed in walk order (as newskg wrote it before), batch boundaries included;
    and its listing of data/articles is the layout's."""
    import hashlib

    from newskg.layout import article_files
    from newskg.resources import ontology_path

    def one_line_at_a_time() -> str:
        digest = hashlib.sha256(newskg.__version__.encode())
        paths = []
        for top, folders, files in os.walk(corpus / "data", followlinks=True):
            folders.sort()
            paths += [os.path.join(top, name) for name in sorted(files)]
        for path in [*paths, str(corpus / "newskg.toml"), str(ontology_path())]:
            try:
                found = os.stat(path)
            except FileNotFoundError:
                digest.update(f"\n{path}\t-".encode())
                continue
            digest.update(f"\n{path}\t{found.st_size}\t{found.st_mtime_ns}".encode())
        return digest.hexdigest()

    scan = freshness.scan_inputs(corpus, keep_stats=True)
    assert scan.fingerprint == one_line_at_a_time() == freshness.inputs_fingerprint(corpus)
    assert list(scan.articles) == list(article_files(corpus))
    sheet = next((corpus / "data" / "articles").glob("*.yaml"))
    assert scan.stats[str(sheet)] == (sheet.stat().st_mtime_ns, sheet.stat().st_size)
    assert not freshness.scan_inputs(corpus, keep_stats=False).stats
    monkeypatch.setattr(freshness, "FINGERPRINT_BATCH", 7)  # many batches, one left over
    assert freshness.inputs_fingerprint(corpus) == scan.fingerprint
    dangling = corpus / "data" / "notes" / "gone.md"  # listed, but no file behind it
    dangling.parent.mkdir()
    dangling.symlink_to(corpus / "nowhere")
    try:
        assert freshness.inputs_fingerprint(corpus) == one_line_at_a_time() != scan.fingerprint
    finally:
        dangling.unlink()
        dangling.parent.rmdir()


def test_after_a_failed_build_a_query_builds_again(corpus: Path) -> None:
    newskg.build(corpus)
    sheet = next((corpus / "data" / "articles").glob("*.yaml"))
    before = sheet.read_bytes()
    try:
        sheet.write_bytes(before + b"\nfacts: [oops\n")
        with pytest.raises(newskg.DataErrors):
            newskg.build(corpus)
        assert not freshness.up_to_date(corpus)
    finally:
        sheet.write_bytes(before)
    newskg.build(corpus)
    assert freshness.up_to_date(corpus)


def test_a_build_compacts_the_store_when_it_bulk_loaded_unless_told_not_to(corpus: Path) -> None:
    """A build that mapped BULK_THRESHOLD articles or more compacts the store by default;
    --no-optimize leaves it as the bulk loader wrote it, and a build that mapped fewer
    leaves it too unless --optimize asks."""

    def stages(*args: str, mapped: int) -> list[str]:
        run = subprocess.run(
            [NEWSKG, "build", "--timings", *args], cwd=corpus, capture_output=True, text=True
        )
        assert run.returncode == 0, run.stderr
        assert f"{mapped} mapped" in run.stdout, run.stdout
        return [line.split(":")[0] for line in run.stderr.splitlines() if ": " in line]

    assert "optimize" in stages("--full", mapped=ARTICLES)
    assert "optimize" not in stages("--full", "--no-optimize", mapped=ARTICLES)
    sheet = sorted((corpus / "data" / "articles").glob("*.yaml"))[0]
    before = sheet.read_text(encoding="utf-8")
    try:
        sheet.write_text(before + "# one article changed\n", encoding="utf-8")
        assert "optimize" not in stages(mapped=1)
        assert "optimize" in stages("--optimize", mapped=0)  # asked for, nothing to map
    finally:
        sheet.write_text(before, encoding="utf-8")
    assert _store_quads(corpus) == _graph_file_quads(corpus)


def test_an_optimized_store_holds_the_same_statements(corpus: Path) -> None:
    newskg.build(corpus, full=True, optimize=False)
    before = _store_quads(corpus)
    result = newskg.build(corpus, optimize=True)
    assert [stage.name for stage in result.stages][-1] == "optimize" and not result.built
    assert _store_quads(corpus) == before
    assert freshness.up_to_date(corpus)


def _build_files(root: Path) -> dict[Path, bytes]:
    """What build/ holds besides the store: the manifest, the stamp, the graph files."""
    folder = root / "build"
    return {
        path.relative_to(folder): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "store" not in path.relative_to(folder).parts
    }


def test_a_fresh_build_whose_store_load_fails_leaves_the_previous_build(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The commit writes a fresh build's graph files while the store still loads beside
    it: they must replace the previous build's only once the load has succeeded."""
    from newskg.errors import StoreError
    from newskg.loading import BackgroundLoader

    newskg.build(corpus)
    before = _build_files(corpus)

    def fails(self: BackgroundLoader) -> tuple[float, float]:
        raise StoreError("loading the embedded store failed (exit 1)", "run it again")

    monkeypatch.setattr(BackgroundLoader, "finish", fails)
    with pytest.raises(StoreError):
        newskg.build(corpus, full=True)
    assert _build_files(corpus) == before
    assert freshness.up_to_date(corpus)
    assert not list(corpus.glob(".newskg-staging-*")), "the staging folder is left behind"


def test_a_fresh_build_whose_reasoning_fails_leaves_the_previous_build(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reasoning (and compaction) run after the store load: a fresh build that fails
    there must leave build/ as it was too, its manifest included."""
    from newskg import reasoning
    from newskg.errors import StoreError

    newskg.build(corpus)
    before = _build_files(corpus)

    def fails(*args: object, **kwargs: object) -> None:
        raise StoreError("reasoning did not finish within 1 s and was stopped", "raise it")

    monkeypatch.setattr(reasoning, "infer", fails)
    with pytest.raises(StoreError):
        newskg.build(corpus, full=True, reason=True)
    assert _build_files(corpus) == before
    assert freshness.up_to_date(corpus)
    assert not list(corpus.glob(".newskg-staging-*")), "the staging folder is left behind"


def test_a_stage_under_a_second_is_not_written_as_no_time() -> None:
    assert str(pipeline.Stage("optimize", 0.043, 38.0)) == "optimize: 0.04 s, peak 38 MB"
    assert str(pipeline.Stage("map", 12.345, 166.2, "3 processes")).startswith("map: 12.3 s, ")


def _doubled(chunk: list[str]) -> list[str]:
    return [item * 2 for item in chunk]


def test_articles_are_handed_to_the_pool_a_window_at_a_time() -> None:
    """The results come back in order, and the pool never holds more than the window's
    chunks (Executor.map would submit all of them at once)."""
    submitted: list[list[str]] = []

    class Counting(ThreadPoolExecutor):
        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
            submitted.append(args[0])
            return super().submit(fn, *args, **kwargs)

    items = [f"a{n}" for n in range(20)]
    received: list[str] = []
    with Counting(2) as pool:
        for result in parallel.in_order(pool, _doubled, items, 3, 2):
            received.append(result)
            taken_back = -(-len(received) // 3)  # chunks taken back so far
            assert len(submitted) <= taken_back + 1
    assert received == [item * 2 for item in items]
    assert submitted == [items[n : n + 3] for n in range(0, 20, 3)]
