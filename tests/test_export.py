"""newskg export of a whole corpus: the dataset as the store holds it, the union of the
articles' own graphs and the registry as triples, byte for byte the same from two builds of
the same data made in a different order and under a different hash seed, and written
atomically."""

from __future__ import annotations

import gzip
import os
import shutil
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from benchmarks.generate import generate
from pyoxigraph import NamedNode, Quad, RdfFormat, Store, Triple, parse

from newskg import build, export

from .helpers import run_cli

ARTICLES = 6
BASE = "https://example.org/newskg/"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("export") / "corpus"
    generate(root, ARTICLES, seed=3)
    build(root)
    return root


def _export_in_a_fresh_process(root: Path, output: Path, seed: str) -> None:
    """`newskg export` as a user runs it, under a given PYTHONHASHSEED."""
    env = {**os.environ, "PYTHONHASHSEED": seed}
    newskg = Path(sys.executable).parent / "newskg"
    subprocess.run(
        [str(newskg), "export", "--project", str(root), "-o", str(output)],
        check=True,
        env=env,
        capture_output=True,
    )


def _store_quads(root: Path) -> set[Quad]:
    store = Store.read_only(str(root / "build" / "store"))
    try:
        return set(store)
    finally:
        del store


def test_nquads_are_the_whole_dataset(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.nq"
    used, count = export(str(out), root=corpus)
    quads = set(parse(path=str(out), format=RdfFormat.N_QUADS))
    assert used.name == "nquads" and count == len(quads) == len(_store_quads(corpus))
    assert quads == _store_quads(corpus)


def _in_union(root: Path) -> list[Triple]:
    """The triples of the articles' own graphs and the registry's, as often as they are
    stated there."""
    return [
        q.triple
        for q in _store_quads(root)
        if isinstance(q.graph_name, NamedNode)
        and (
            q.graph_name.value.startswith(BASE + "id/article/")
            or q.graph_name.value == BASE + "graph/registry"
        )
    ]


def test_turtle_is_the_union_of_the_articles_own_graphs_and_the_registry(
    corpus: Path, tmp_path: Path
) -> None:
    out = tmp_path / "all.ttl"
    _, count = export(str(out), root=corpus)
    written = [q.triple for q in parse(path=str(out), format=RdfFormat.TURTLE)]
    in_union = _in_union(corpus)
    own = set(in_union)
    assert len(in_union) > len(own), "some statement is in two of these graphs"
    assert len(written) == len(set(written)) == count == len(own)  # each written once
    assert set(written) == own
    claims = {q.triple for q in _store_quads(corpus) if "/id/claim/" in str(q.graph_name)}
    assert claims - own, "the claims' graphs hold statements of their own, left out here"


def test_trig_is_the_whole_dataset_too(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.trig"
    _, count = export(str(out), root=corpus)
    quads = list(parse(path=str(out), format=RdfFormat.TRIG))
    assert count == len(quads) and set(quads) == _store_quads(corpus)
    text = out.read_text(encoding="utf-8")
    assert text.count("@prefix nk: ") == 1, "one prefix block, at the start"


@pytest.mark.parametrize("name", ["all.nq", "all.trig", "all.ttl", "all.nt"])
def test_the_files_give_the_same_bytes_on_two_cores_as_on_one(
    corpus: Path, tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The corpus re-serialised from build/graphs in chunks of two articles by two worker
    processes: the same bytes as in one process, and the store's statements."""
    from newskg import exporting, file_export

    monkeypatch.setattr(exporting, "cores", lambda: 1)
    one = tmp_path / f"one-{name}"
    export(str(one), root=corpus, rebuild=False)
    monkeypatch.setattr(exporting, "cores", lambda: 2)
    monkeypatch.setattr(file_export, "CHUNK", 2)  # ARTICLES articles: three chunks
    two = tmp_path / f"two-{name}"
    export(str(two), root=corpus, rebuild=False)
    assert one.read_bytes() == two.read_bytes()
    if name.endswith((".nq", ".trig")):
        fmt = RdfFormat.N_QUADS if name.endswith(".nq") else RdfFormat.TRIG
        assert set(parse(path=str(two), format=fmt)) == _store_quads(corpus)


def _stale_copy(corpus: Path, tmp_path: Path, same_count: bool = False) -> tuple[Path, Path]:
    """A copy of the corpus whose first article's graph file was changed behind the
    build's back: a statement taken out, or (`same_count`) a headline reworded; the
    copy, and the file."""
    root = tmp_path / "stale"
    shutil.copytree(corpus, root)
    graph_file = sorted((root / "build" / "graphs" / "articles").glob("*.trig"))[0]
    text = graph_file.read_text(encoding="utf-8")
    if same_count:
        changed = text.replace('schema:headline "', 'schema:headline "Not ', 1)
    else:
        lines = text.splitlines(keepends=True)
        index = next(n for n, line in enumerate(lines) if line.rstrip().endswith(";"))
        changed = "".join(lines[:index] + lines[index + 1 :])
    assert changed != text
    graph_file.write_text(changed, encoding="utf-8")
    return root, graph_file


@pytest.mark.parametrize("same_count", [False, True], ids=["one-fewer", "same-count"])
def test_a_graph_file_changed_behind_the_builds_back_sends_the_export_to_the_store(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], same_count: bool
) -> None:
    root, graph_file = _stale_copy(corpus, tmp_path, same_count)
    for name, fmt in (("all.nq", RdfFormat.N_QUADS), ("all.ttl", RdfFormat.TURTLE)):
        out = tmp_path / name
        assert run_cli("export", "--project", str(root), "-o", str(out)) == 0
        err = capsys.readouterr().err
        assert graph_file.name in err and "exporting from the store instead" in err
        written = [
            q if fmt == RdfFormat.N_QUADS else q.triple for q in parse(path=str(out), format=fmt)
        ]
        expected = _store_quads(root) if fmt == RdfFormat.N_QUADS else set(_in_union(root))
        assert len(written) == len(expected) and set(written) == expected


def test_a_graph_file_edited_before_a_build_is_still_not_trusted(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The registry's file edited behind the build's back, then a build after an
    article changed: the build does not write the registry's file again, and must not
    take the edited one's hash for its own."""
    root = tmp_path / "edited"
    shutil.copytree(corpus, root)
    registry_file = root / "build" / "graphs" / "registry.trig"
    text = registry_file.read_text(encoding="utf-8")
    registry_file.write_text(text.replace('rdfs:label "', 'rdfs:label "Not ', 1), "utf-8")
    sheet = sorted((root / "data" / "articles").glob("*.yaml"))[0]
    sheet.write_text(sheet.read_text("utf-8").replace("headline: ", "headline: New ", 1), "utf-8")
    assert build(root).built == [sheet.stem]
    out = tmp_path / "all.nq"
    assert run_cli("export", "--project", str(root), "-o", str(out)) == 0
    err = capsys.readouterr().err
    assert "registry.trig" in err and "exporting from the store instead" in err
    assert set(parse(path=str(out), format=RdfFormat.N_QUADS)) == _store_quads(root)


def test_a_stale_graph_file_stops_an_export_to_standard_output(
    corpus: Path, tmp_path: Path
) -> None:
    """Standard output cannot be taken back: a stale file there is an error with a hint,
    not a half-written dataset followed by the store's."""
    root, graph_file = _stale_copy(corpus, tmp_path)
    newskg = str(Path(sys.executable).with_name("newskg"))
    args = [newskg, "export", "--project", str(root), "-o", "-", "--format", "nquads"]
    done = subprocess.run(args, capture_output=True, timeout=600)
    err = done.stderr.decode()
    assert done.returncode != 0 and "Traceback" not in err
    assert graph_file.name in err and "newskg build --full" in err


@pytest.mark.parametrize("name", ["all.nq", "all.ttl", "all.nq.gz"])
def test_two_builds_of_the_same_data_export_the_same_bytes(
    corpus: Path, tmp_path: Path, name: str
) -> None:
    # a second project with the same data, built on its own (two workers load the store
    # in whatever order they finish); each export under another hash seed
    other = tmp_path / "other"
    shutil.copytree(corpus / "data", other / "data")
    build(other)
    first, second = tmp_path / f"1-{name}", tmp_path / f"2-{name}"
    _export_in_a_fresh_process(corpus, first, "1")
    _export_in_a_fresh_process(other, second, "2")
    assert first.read_bytes() == second.read_bytes()


def test_a_failed_export_leaves_the_previous_file(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "all.nq"
    out.write_bytes(b"previous\n")
    # an unknown syntax fails before anything is written; the file stays as it was
    assert run_cli("export", "--project", str(corpus), "-o", str(out), "--format", "nope") != 0
    assert out.read_bytes() == b"previous\n"
    assert run_cli("export", "--project", str(corpus), "-o", str(out)) == 0
    assert out.read_bytes() != b"previous\n"
    assert [p.name for p in tmp_path.iterdir()] == ["all.nq"], "no temporary file left"


def test_one_article_is_still_sorted_as_its_graph_file(corpus: Path, tmp_path: Path) -> None:
    article = sorted((corpus / "data" / "articles").glob("*.yaml"))[0].stem
    out = tmp_path / "one.nq"
    export(str(out), root=corpus, article=article)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines and all(f"/{article}" in line.rsplit(" <", 1)[-1] for line in lines)


def test_output_to_a_device_or_a_pipe_is_written_in_place(tmp_path: Path) -> None:
    """`-o /dev/null` or a named pipe is written to, not renamed over: as root, the
    rename had replaced /dev/null with a regular file."""
    from newskg.formats import atomic_output

    before = os.stat(os.devnull)
    with atomic_output(os.devnull) as stream:
        stream.write(b"nothing")
    after = os.stat(os.devnull)
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()))
    reader.start()
    with atomic_output(pipe, compress=True) as stream:
        stream.write("Zoë".encode())
    reader.join(10)
    assert gzip.decompress(received[0]).decode() == "Zoë"
    assert stat.S_ISFIFO(pipe.stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]  # no temporary left


def test_output_to_dev_stdout_redirected_to_a_file(tmp_path: Path) -> None:
    """/dev/stdout is a link to the descriptor's file, a regular file when redirected:
    it is written through, not renamed over (the link would have been replaced)."""
    was_link = os.path.islink("/dev/stdout")
    code = (
        "from newskg.formats import atomic_output\n"
        "with atomic_output('/dev/stdout') as stream:\n"
        "    stream.write('Zoë\\n'.encode())\n"
    )
    redirected = tmp_path / "out.txt"
    with redirected.open("wb") as stream:
        subprocess.run([sys.executable, "-c", code], stdout=stream, check=True)
    assert redirected.read_text(encoding="utf-8") == "Zoë\n"
    assert os.path.islink("/dev/stdout") == was_link


@pytest.mark.parametrize("command", ["export", "build"])
def test_data_written_to_dev_stdout_gets_no_report_line_in_it(project: Path, command: str) -> None:
    """-o /dev/stdout is stdout by another name: the line that says what was written
    goes to stderr, as with -o -, and stdout holds the statements alone."""
    newskg = str(Path(sys.executable).with_name("newskg"))
    args = [newskg, command, "--project", str(project), "-o", "/dev/stdout", "--format", "nt"]
    done = subprocess.run(args, capture_output=True, timeout=600)
    assert done.returncode == 0, done.stderr
    triples = list(parse(done.stdout, format=RdfFormat.N_TRIPLES))  # nothing else in it
    assert triples
    assert f"wrote {len(triples)} statements as N-Triples to /dev/stdout" in done.stderr.decode()
    if command == "build":
        assert "built 1 article(s)" in done.stderr.decode()


@pytest.mark.parametrize("syntax", ["nquads", "turtle", "jsonld"])
def test_a_reader_that_stops_early_is_not_a_failure(corpus: Path, syntax: str) -> None:
    """`newskg export -o - | head -1`: the pipe closes after a line; the export stops
    quietly with exit code 0, as `cat` would."""
    newskg = str(Path(sys.executable).with_name("newskg"))
    with subprocess.Popen(
        [newskg, "export", "--project", str(corpus), "-o", "-", "--format", syntax],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as export_run:
        assert export_run.stdout is not None and export_run.stderr is not None
        first = export_run.stdout.readline()
        export_run.stdout.close()  # the reader leaves
        err = export_run.stderr.read().decode()
        assert export_run.wait(timeout=300) == 0, err
    assert first and "Traceback" not in err


def test_the_union_of_files_with_an_empty_registry(tmp_path: Path) -> None:
    """write_union straight from TriG files: each triple once, a registry entry's
    statements last, and no registry at all is no problem."""
    from newskg.file_export import GraphFile, write_union

    article = BASE + "id/article/a"
    (tmp_path / "a.trig").write_text(
        f'<{article}> {{ <{BASE}id/fact/a1> <{BASE}p> "Zoë" . }}\n'
        f'<{BASE}id/claim/c> {{ <{BASE}id/fact/a1> <{BASE}p> "claimed" . }}\n',
        encoding="utf-8",
    )
    (tmp_path / "registry.trig").write_bytes(b"")
    out = tmp_path / "out.ttl"
    with out.open("wb") as stream:
        count = write_union(
            [GraphFile(str(tmp_path / "a.trig"), 2, own_graph=article)],
            GraphFile(str(tmp_path / "registry.trig"), 0),
            stream,
            RdfFormat.TURTLE,
            {"fact": BASE + "id/fact/"},
            1,
        )
    triples = [q.triple for q in parse(path=str(out), format=RdfFormat.TURTLE)]
    assert count == 1 and [str(t.object) for t in triples] == ['"Zoë"']
    assert out.read_text(encoding="utf-8").startswith("@prefix fact: ")
