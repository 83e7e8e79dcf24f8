"""The build's manifest on disk (newskg.manifest_entries): an SQLite table of entries by
article id, with the columns a build reads of every article, and the manifest's head."""

from __future__ import annotations

import json
import pickle
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from newskg.manifest_entries import COLUMNS, EntryTable
from newskg.pipeline import BuildDir


def _put_in_place(folder: BuildDir, head: dict[str, Any], entries: dict[str, Any]) -> None:
    folder.path.mkdir(parents=True, exist_ok=True)
    table = EntryTable(folder.path / "staged.sqlite", create=True)
    table.update(entries)
    folder.write_manifest(head, table)


HEAD = {"newskg": "0", "base_iri": "https://example.org/", "own_quads": {"g": 3}}


@pytest.mark.parametrize(
    "change",
    ["one entry", "first and last stats", "an article added", "an article gone", "all gone"],
)
def test_a_changed_copy_reads_as_the_entries_it_was_given(tmp_path: Path, change: str) -> None:
    """What a build after a change does: copy build/'s manifest, change the copy, put
    it in place. Read back, it is the entries as a dict would hold them, its columns
    agree with its entries, and the file it replaced is untouched for a reader that
    had it open."""
    entries = _entries(5)
    folder = BuildDir(tmp_path)
    _put_in_place(folder, HEAD, entries)
    previous = folder.read_manifest()["articles"]
    copy = previous.copy_to(tmp_path / "copy.sqlite")
    assert not copy.changed
    if change == "one entry":
        copy["a2"] = entries["a2"] = {**entries["a2"], "files": "changed"}
    elif change == "first and last stats":
        for key in ("a0", "a4"):
            copy.set_stat(key, [9, 9])
            entries[key] = {**entries[key], "stat": [9, 9]}
    elif change == "an article added":
        copy["a2b"] = entries["a2b"] = {**entries["a2"], "files": "new"}
    elif change == "an article gone":
        del copy["a-3"], entries["a-3"]
    else:
        for key in list(copy):
            del copy[key]
        entries = {}
    assert copy.changed
    folder.write_manifest({**HEAD, "sources": "x"}, copy)
    manifest = folder.read_manifest()
    table = manifest.pop("articles")
    assert manifest == {**HEAD, "sources": "x"}
    assert dict(table.items()) == entries and list(table.values()) == [
        entries[k] for k in sorted(entries)
    ]
    for row in table.columns(*COLUMNS):
        entry = entries[row[0]]
        assert row[1:4] == (json.dumps(entry["stat"]), entry["files"], entry["registry"])
        assert row[5] == 1 + len(entry["claim_graphs"].split())
        assert json.loads(row[8]) == entry["locals"]
    assert len(previous) == 5 and previous["a2"]["files"] == "f2"  # the file it opened
    with pytest.raises(ValueError, match="not columns"):
        next(table.columns("entry"))


@pytest.mark.parametrize("state", ["newskg's", "missing", "not SQLite", "other tables", "no head"])
def test_a_manifest_it_cannot_read_is_no_manifest(tmp_path: Path, state: str) -> None:
    """A build that finds no manifest it can read builds afresh: the head is {} then."""
    folder = BuildDir(tmp_path)
    folder.path.mkdir(parents=True)
    if state == "newskg's":
        _put_in_place(folder, HEAD, _entries(3))
    elif state == "not SQLite":
        folder.manifest_path.write_text('{"newskg": "0", "articles": {}}\n', encoding="utf-8")
    elif state == "other tables":
        sqlite3.connect(folder.manifest_path).executescript("CREATE TABLE t (x);")
    elif state == "no head":
        table = EntryTable(folder.manifest_path, create=True)
        table.update(_entries(2))
        table.close()
    head = folder.read_manifest_head()
    if state == "newskg's":
        assert head == HEAD
        assert set(folder.read_manifest()["articles"]) == set(_entries(3))
    elif state == "no head":
        assert head == {} and folder.read_manifest()["articles"] is not None
    else:
        assert head == {} and folder.read_manifest() == {}


def test_a_read_only_table_pickles_as_its_path(tmp_path: Path) -> None:
    """A check hands the manifest to a child process: the child opens the file itself."""
    folder = BuildDir(tmp_path)
    _put_in_place(folder, HEAD, _entries(3))
    table = folder.read_manifest()["articles"]
    again = pickle.loads(pickle.dumps(table))
    assert again.path == table.path and not again.writable
    assert dict(again.items()) == dict(table.items())


def _entries(count: int) -> dict[str, Any]:
    return {
        f"a-{n}" if n % 2 else f"a{n}": {
            "claim_graphs": " ".join(f"c{i}" for i in range(n)),
            "claims": n,
            "facts": 2 * n,
            "quads": 10 * n,
            "files": f"f{n}",
            "registry": f"r{n}",
            "locals": {"x": "data/articles/a.yaml:3:5"},
            "stat": [n, n],
            "label": "Zoë",
            "sources": {
                f"data/articles/{'a-' if n % 2 else 'a'}{n}.yaml": f"s{n}",
                f"data/articles/{'a-' if n % 2 else 'a'}{n}.txt": f"t{n}",
            },
        }
        for n in range(count)
    }


def test_an_entry_table_is_the_mapping_a_dict_is(tmp_path: Path) -> None:
    from newskg.manifest_entries import in_id_order

    entries = _entries(7)
    table = EntryTable(tmp_path / "entries.sqlite", create=True)
    for key in reversed(list(entries)):  # not in id order: the table orders them
        table[key] = entries[key]
    table["a2"] = {**entries["a2"], "files": "changed"}
    entries["a2"] = {**entries["a2"], "files": "changed"}
    del table["a-3"], entries["a-3"]
    assert list(table) == sorted(entries)
    assert len(table) == len(entries)
    assert "a-1" in table and "a-3" not in table and 3 not in table
    assert table["a2"] == entries["a2"]
    assert list(in_id_order(table)) == list(in_id_order(entries)) == sorted(entries.items())
    assert list(table.json_lines()) == [
        (k, json.dumps(entries[k], sort_keys=True)) for k in sorted(entries)
    ]
    with pytest.raises(KeyError):
        table["a-3"]
    with pytest.raises(KeyError):
        del table["a-3"]
    table.close()


def _sources(entries: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted(p for e in entries.values() for p in e["sources"].items())


def test_an_entry_table_keeps_its_entries_sources_in_path_order(tmp_path: Path) -> None:
    """The build's metadata lists the sources in path order, which is not the ids'
    (``a-1.txt`` sorts before ``a1.txt``, ``a-1`` after ``a``)."""

    entries = _entries(6)
    table = EntryTable(tmp_path / "entries.sqlite", create=True)
    table.update(entries)
    assert list(table.sources_in_path_order()) == _sources(entries)
    changed = {**entries["a2"], "sources": {"data/articles/a2.yaml": "new"}}  # no text now
    table["a2"] = entries["a2"] = changed
    del table["a-3"], entries["a-3"]
    assert list(table.sources_in_path_order()) == _sources(entries)
    assert ("data/articles/a2.txt", "t2") not in _sources(entries)
    table.close()


@pytest.mark.parametrize("chunk", [2, 2_000])
@pytest.mark.parametrize("count", [0, 1, 5])
def test_the_tables_digests_are_those_of_their_lines_whatever_the_chunk(
    tmp_path: Path, count: int, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sources' and the premises' digests are made by SQLite a chunk of rows at a
    time: the same as hashing the whole text, in path order and in id order."""
    from newskg import manifest_entries
    from newskg.layout import sha256

    monkeypatch.setattr(manifest_entries, "DIGEST_ROWS", chunk)
    entries = _entries(count)
    table = EntryTable(tmp_path / "entries.sqlite", create=True)
    table.update(entries)
    sources = "".join(f"{p}\t{d}\n" for p, d in _sources(entries))
    premises = "".join(f"{a}\t{e['files']}\t{e['registry']}\n" for a, e in sorted(entries.items()))
    assert table.sources_digest() == sha256(sources.encode())
    assert table.premises_digest() == sha256(premises.encode())
    columns = list(table.columns("quads", "graphs", "facts", "claims"))
    assert table.totals() == tuple(sum(row[i] for row in columns) for i in range(1, 5))
    assert table.totals()[0] == sum(e["quads"] for e in entries.values())
    table.close()


def test_the_sources_and_premises_hashes_change_with_what_they_cover(tmp_path: Path) -> None:
    from newskg.pipeline import _premises, _sources_hash

    entries = _entries(5)
    table = EntryTable(tmp_path / "entries.sqlite", create=True)
    table.update(entries)
    registry = [("data/entities.yaml", "r1")]
    sources, premises = _sources_hash(registry, table), _premises(table, "reg", "ont")
    assert _sources_hash([("data/entities.yaml", "r2")], table) != sources
    assert {_premises(table, "reg2", "ont"), _premises(table, "reg", "ont2")}.isdisjoint({premises})
    table["a2"] = {**entries["a2"], "sources": {"data/articles/a2.yaml": "new"}}
    assert _premises(table, "reg", "ont") == premises  # its files' hash is the same
    assert _sources_hash(registry, table) != sources
    table["a2"] = {**entries["a2"], "files": "changed"}
    assert _premises(table, "reg", "ont") != premises
    table.close()


def test_the_build_metadata_from_a_dict_or_from_sources_in_path_order() -> None:
    """build_metadata_quads takes the sources by path, as it did, or from a callable
    that gives them in path order (a fresh build's table): the same statements."""
    from newskg.mapping import build_metadata_quads
    from newskg.vocab import Minter

    sources = dict(_sources(_entries(5)))
    mint = Minter("https://example.org/newskg/")
    from_dict = list(build_metadata_quads(mint, sources))
    assert from_dict == list(build_metadata_quads(mint, lambda: sorted(sources.items())))
    assert len(from_dict) == 4 + 4 * len(sources)


def test_every_article_graphs_reads_the_column_as_article_graphs_reads_entries(
    tmp_path: Path,
) -> None:
    """Push and export list every article's graphs from the claim_graphs column, without
    decoding the entries: the same graphs, in the same order, as entry by entry."""
    from newskg.pipeline import article_graphs, every_article_graphs

    entries = _entries(6)
    folder = BuildDir(tmp_path)
    _put_in_place(folder, HEAD, entries)
    manifest = folder.read_manifest()
    from_column = list(every_article_graphs(manifest))
    assert from_column == [(a, article_graphs(manifest, a)) for a in sorted(entries)]
    assert list(every_article_graphs({**HEAD, "articles": entries})) == from_column
    assert [len(g) for _, g in from_column] == [
        1 + len(entries[a]["claim_graphs"].split()) for a in sorted(entries)
    ]
