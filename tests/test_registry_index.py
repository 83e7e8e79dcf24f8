"""The registry read entry by entry (newskg.registry_reader) into an index on disk
(newskg.registry_index): it must hold exactly what reading the whole file gives, refuse
whatever that reading has to report, and go in place only with a build that succeeded."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from benchmarks.generate import generate

import newskg
from newskg import pipeline, registry_index, registry_reader
from newskg.errors import EXIT_STORE, DataErrors, StoreError
from newskg.project import load_registry
from newskg.registry_index import RegistryIndex, open_index
from newskg.registry_reader import index_registry
from newskg.vocab import Minter

from .conftest import write
from .helpers import run_cli

REGISTRY = "data/entities.yaml"

UNUSUAL = """\
%YAML 1.1
---
# written the ways YAML allows: flow style, quotes, tags, comments, non-ASCII
"entities":
  - {id: zoe-alund, type: Person, label: "Zoë Ålund", description: 'Fictional: a test.'}
  - id: acme
    type: !!str Company
    label: Acme
    aliases:
      - ACME   # a comment
      - >-
        Acme
        Corporation
    description: |
      A company
      on two lines.
    wikidata: Q42
  - id: duo
    type: Group
    label: The duo
    description: Two people.
    members: [zoe-alund, a-b]
  - id: a-b
    type: Event
    label: A–B summit
    description: Sorts before acme as an id, after it as an IRI.
"""


def _index(root: Path, tmp_path: Path) -> RegistryIndex:
    index = index_registry(root / REGISTRY, REGISTRY, tmp_path / "index.sqlite")
    assert index is not None
    assert index.file_digest == hashlib.sha256((root / REGISTRY).read_bytes()).hexdigest()
    return index


def _assert_same(index: RegistryIndex, root: Path) -> None:
    problems: list[object] = []
    whole = load_registry(root, problems)  # type: ignore[arg-type]
    assert problems == []
    assert list(index) == sorted(whole.entities)
    assert len(index) == len(whole.entities)
    digests = pipeline._entry_digests(whole)
    for entity_id, entity in whole.entities.items():
        assert index[entity_id] == entity
        assert entity_id in index
        assert index.locations[entity_id] == whole.locations[entity_id]
        assert index.digests[entity_id] == digests[entity_id]
    assert "not-an-entry" not in index
    mint = Minter("https://example.org/")
    as_written = [str(mint.entity(e.id, e.type)) for e in index.in_iri_order()]
    assert as_written == sorted(as_written)  # as N-Triples writes and sorted_quads sorts
    for entity in whole.entities.values():  # the IRI without the entry unpickled
        assert index.iri(entity.id, mint.base) == mint.entity(entity.id, entity.type)
    assert index.iri("not-an-entry", mint.base) is None


def test_the_index_holds_what_reading_the_whole_file_gives(project: Path, tmp_path: Path) -> None:
    _assert_same(_index(project, tmp_path), project)


def test_the_index_of_a_generated_registry(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    generate(root, 20, seed=5)
    index = _index(root, tmp_path)
    assert len(index) > 100
    _assert_same(index, root)


def test_the_index_of_a_registry_written_in_unusual_ways(tmp_path: Path) -> None:
    root = tmp_path / "project"
    write(root / REGISTRY, UNUSUAL)
    index = _index(root, tmp_path)
    assert index["acme"].aliases == ["ACME", "Acme Corporation"]
    assert index["acme"].description == "A company\non two lines.\n"
    assert str(index.locations["a-b"]) == f"{REGISTRY}:23:9"
    assert [e.id for e in index.in_iri_order()] == ["acme", "duo", "zoe-alund", "a-b"]
    _assert_same(index, root)


BROKEN = {
    "duplicate id": UNUSUAL.replace("id: a-b", "id: acme"),
    "unknown member": UNUSUAL.replace("[zoe-alund, a-b]", "[zoe-alund, nobody]"),
    "anchor": UNUSUAL.replace("label: Acme\n", "label: &name Acme\n"),
    "duplicate key": UNUSUAL.replace("label: The duo\n", "label: The duo\n    label: Duo\n"),
    "schema": UNUSUAL.replace("    description: Two people.\n", ""),
    "unknown field": UNUSUAL.replace("wikidata: Q42", "wikidata: Q42\n    founded: 1900"),
    "a date for text": UNUSUAL.replace("description: Two people.", "description: 2024-03-05"),
    "syntax": UNUSUAL.replace("    label: Acme", "\tlabel: Acme"),
    "another top-level key": UNUSUAL + "version: 2\n",
    "not a list": '"entities": {}\n',
    "two documents": UNUSUAL + "---\nentities: []\n",
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_registry_with_problems_is_left_to_the_whole_file_reading(
    tmp_path: Path, case: str
) -> None:
    root = tmp_path / "project"
    write(root / REGISTRY, BROKEN[case])
    target = tmp_path / "index" / "index.sqlite"
    target.parent.mkdir()
    assert index_registry(root / REGISTRY, REGISTRY, target) is None
    assert list(target.parent.iterdir()) == []  # nothing half-written is left
    problems: list[object] = []
    load_registry(root, problems)  # type: ignore[arg-type]
    assert problems, "the whole-file reading reports what the index refused"


def test_a_registry_not_in_utf8_is_not_indexed(tmp_path: Path) -> None:
    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    (root / REGISTRY).write_bytes(UNUSUAL.encode("utf-8").replace("Zoë".encode(), b"Zo\xeb"))
    target = tmp_path / "index.sqlite"
    assert index_registry(root / REGISTRY, REGISTRY, target) is None
    assert not target.exists()


def test_an_index_is_used_only_for_the_registry_it_was_made_from(
    project: Path, tmp_path: Path
) -> None:
    path = tmp_path / "index.sqlite"
    assert index_registry(project / REGISTRY, REGISTRY, path) is not None
    digest = hashlib.sha256((project / REGISTRY).read_bytes()).hexdigest()
    assert open_index(path, "another file's") is None
    assert open_index(tmp_path / "none.sqlite", digest) is None
    found = open_index(path, digest)
    assert found is not None and "elon-musk" in found
    path.write_bytes(b"not a database")
    assert open_index(path, digest) is None


def test_a_full_build_indexes_the_registry_again(project: Path) -> None:
    """--full is the way out of a damaged build/: it must not trust the index it finds,
    even one that names the registry file as it is."""
    newskg.build(project)
    index = project / "build" / pipeline.REGISTRY_INDEX
    kept = RegistryIndex(index)
    wrong = [
        (
            e.model_copy(update={"label": "Wrong"}) if e.id == "elon-musk" else e,
            kept.locations[e.id],
        )
        for e in (kept[i] for i in kept)
    ]
    registry_index.write_index(index, wrong, kept.file_digest)
    assert pipeline.cached_registry(project, []).entities["elon-musk"].label == "Wrong"
    newskg.build(project, full=True)
    assert pipeline.cached_registry(project, []).entities["elon-musk"].label == "Elon Musk"
    registry_graph = (project / "build" / "graphs" / "registry.trig").read_text(encoding="utf-8")
    assert '"Wrong"' not in registry_graph and '"Elon Musk"' in registry_graph


def test_the_build_keeps_the_index_and_reads_it_again(project: Path) -> None:
    newskg.build(project)
    index = project / "build" / pipeline.REGISTRY_INDEX
    assert index.is_file()
    registry = pipeline.cached_registry(project, [])
    assert isinstance(registry.entities, RegistryIndex)
    assert registry.entities.path == index
    assert registry.entities["elon-musk"].label == "Elon Musk"
    (project / "build" / "registry.pickle").write_bytes(b"an earlier newskg's cache")
    registry_file = project / REGISTRY
    registry_file.write_text(
        registry_file.read_text(encoding="utf-8").replace("label: Elon Musk", "label: E. Musk"),
        encoding="utf-8",
    )
    stale = pipeline.cached_registry(project, [])  # not a build's: read whole, not indexed
    assert not isinstance(stale.entities, RegistryIndex)
    assert stale.entities["elon-musk"].label == "E. Musk"
    newskg.build(project)
    assert pipeline.cached_registry(project, []).entities["elon-musk"].label == "E. Musk"
    assert not (project / "build" / "registry.pickle").exists()


def test_a_failed_build_leaves_the_index_as_it_was(project: Path) -> None:
    newskg.build(project)
    index = project / "build" / pipeline.REGISTRY_INDEX
    before = hashlib.sha256(index.read_bytes()).hexdigest()
    registry_file = project / REGISTRY
    registry_file.write_text(
        registry_file.read_text(encoding="utf-8").replace("label: Elon Musk", "label: E. Musk"),
        encoding="utf-8",
    )
    article = next((project / "data" / "articles").glob("*.yaml"))
    text = article.read_text(encoding="utf-8")
    article.write_text(text.replace("publisher: ", "publisher: no-such-outlet-", 1), "utf-8")
    with pytest.raises(DataErrors):
        newskg.build(project)
    assert hashlib.sha256(index.read_bytes()).hexdigest() == before
    assert not list(project.glob(".newskg-staging-*"))
    article.write_text(text, encoding="utf-8")
    newskg.build(project)
    assert pipeline.cached_registry(project, []).entities["elon-musk"].label == "E. Musk"


def test_a_registry_the_index_reader_leaves_alone_is_indexed_from_the_whole_reading(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    newskg.build(project)
    graphs = {p.name: p.read_bytes() for p in (project / "build" / "graphs").rglob("*.trig")}
    monkeypatch.setattr(registry_reader, "index_registry", lambda *args: None)
    newskg.build(project, full=True)
    again = {p.name: p.read_bytes() for p in (project / "build" / "graphs").rglob("*.trig")}
    assert again == graphs
    registry = pipeline.cached_registry(project, [])
    assert isinstance(registry.entities, RegistryIndex)
    assert registry.entities["sam-altman"].label == "Sam Altman"


def _damage_table(index: Path, table: str) -> None:
    """Overwrite the root page of one table of an SQLite file with bytes SQLite refuses."""
    connection = sqlite3.connect(index)
    (page,) = connection.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,))
    (size,) = connection.execute("PRAGMA page_size").fetchone()
    connection.close()
    with index.open("r+b") as stream:
        stream.seek((page[0] - 1) * size)
        stream.write(b"\xff" * size)


def test_a_damaged_index_is_a_clear_error_until_a_full_build(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An index whose label still matches but whose entries SQLite cannot read: the
    commands that read it say so, and how to get out (`build --full`), with no
    traceback."""
    newskg.build(project)
    _damage_table(project / "build" / pipeline.REGISTRY_INDEX, "entries")
    sheet = next((project / "data" / "articles").glob("*.yaml"))
    sheet.write_text(sheet.read_text(encoding="utf-8") + "# changed\n", encoding="utf-8")
    capsys.readouterr()
    assert run_cli("build", "--project", str(project)) == EXIT_STORE
    error = capsys.readouterr().err
    assert "the registry's index cannot be read" in error and "build --full" in error
    assert "Traceback" not in error
    with pytest.raises(StoreError, match="malformed"):
        pipeline.cached_registry(project, []).entities["elon-musk"]
    assert run_cli("build", "--project", str(project), "--full") == 0
    assert pipeline.cached_registry(project, []).entities["elon-musk"].label == "Elon Musk"


def test_a_query_resolves_ids_from_the_index_as_from_the_store(project: Path) -> None:
    """A query's registry ids come from the build's index (no child process); the
    store still answers for article ids, and for every id when the index is gone or
    damaged: the IRIs are the same each way."""
    from newskg.querying import _id_in_store, open_context

    newskg.build(project)
    folder = project / "build"
    article = next((project / "data" / "articles").glob("*.yaml")).stem
    ids = [*pipeline.cached_registry(project, []).entities, article, "no-such-id"]

    def resolved(indexed: bool) -> dict[str, str | None]:
        context = open_context(project)
        assert context.base_iri is not None
        assert (context._from_index("elon-musk") is not None) == indexed
        assert context._from_index(article) is None  # an article: the store says
        found = {i: context.resolve_id(i) for i in ids}
        in_store = {i: _id_in_store(str(folder / "store"), context.base_iri, i) for i in ids}
        assert {i: None if n is None else n.value for i, n in found.items()} == in_store
        return in_store

    from_index = resolved(indexed=True)
    assert from_index["elon-musk"] and from_index[article] and not from_index["no-such-id"]
    _damage_table(folder / pipeline.REGISTRY_INDEX, "entries")
    assert resolved(indexed=False) == from_index
    (folder / pipeline.REGISTRY_INDEX).unlink()
    assert resolved(indexed=False) == from_index


def test_in_asks_the_file_once_per_id(project: Path, tmp_path: Path) -> None:
    """An article asks whether each id it uses is an entry many times: the file is asked
    once per id (entry or not), and the answers stay right past the memo's size."""
    index = _index(project, tmp_path)
    entry = next(iter(index))
    statements: list[str] = []
    index._db().set_trace_callback(statements.append)
    for _ in range(5):
        assert entry in index and "not-an-entry" not in index
    assert len(statements) == 2
    index.KNOWN = 3  # type: ignore[misc]
    ids = [*list(index)[:5], "nope-1", "nope-2"]
    for _ in range(3):
        assert [i in index for i in ids] == [True] * 5 + [False] * 2
