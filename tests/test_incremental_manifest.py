"""The manifest written after an incremental build: the lines it keeps from the file it
read must give the bytes that encoding every entry again gives."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from newskg.pipeline import BuildDir


def _manifest(articles: dict[str, Any]) -> dict[str, Any]:
    return {"newskg": "0", "base_iri": "https://example.org/", "articles": articles}


def _written_fresh(root: Path, manifest: dict[str, Any]) -> bytes:
    folder = BuildDir(root)
    folder.path.mkdir(parents=True)
    folder.write_manifest(manifest)
    return folder.manifest_path.read_bytes()


@pytest.mark.parametrize(
    "change",
    ["one entry", "first and last entries", "an article added", "an article gone", "all gone"],
)
def test_kept_lines_give_the_bytes_of_a_fresh_write(tmp_path: Path, change: str) -> None:
    entries = {f"a{n:02}": {"files": str(n), "graphs": [f"g{n}"], "stat": [n, n]} for n in range(5)}
    folder = BuildDir(tmp_path / "incremental")
    folder.path.mkdir(parents=True)
    folder.write_manifest(_manifest(entries))
    articles = dict(folder.read_manifest()["articles"])  # the very entries read
    if change == "one entry":
        articles["a02"] = {**articles["a02"], "files": "changed"}
    elif change == "first and last entries":
        articles["a00"] = {**articles["a00"], "stat": [9, 9]}
        articles["a04"] = {**articles["a04"], "stat": [9, 9]}
    elif change == "an article added":
        articles["a02b"] = {"files": "new", "graphs": [], "stat": [1, 1]}
    elif change == "an article gone":
        del articles["a03"]
    else:
        articles = {}
    folder.write_manifest(_manifest(articles))
    written = folder.manifest_path.read_bytes()
    assert written == _written_fresh(
        tmp_path / "fresh", _manifest(json.loads(json.dumps(articles)))
    )
    assert json.loads(written)["articles"] == articles


@pytest.mark.parametrize("layout", ["newskg's", "indented", "one line", "missing", "not JSON"])
def test_the_head_is_the_manifest_without_its_articles(tmp_path: Path, layout: str) -> None:
    """A fresh build reads the manifest's first line only; a manifest laid out otherwise
    (by hand, by an earlier newskg) is read whole for its head."""
    entries = {f"a{n}": {"files": str(n), "stat": [n, n]} for n in range(3)}
    manifest = {**_manifest(entries), "own_quads": {"g": 3}}
    folder = BuildDir(tmp_path)
    folder.path.mkdir(parents=True)
    if layout == "newskg's":
        folder.write_manifest(manifest)
    elif layout == "indented":
        folder.manifest_path.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    elif layout == "one line":
        folder.manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    elif layout == "not JSON":
        folder.manifest_path.write_text('{"newskg": "0", "articles": {\n', encoding="utf-8")
    head = folder.read_manifest_head()
    if layout == "missing":
        assert head == {}
    elif layout == "not JSON":  # a build that reads it whole finds nothing: it builds afresh
        assert head.get("articles") is None and folder.read_manifest() == {}
    else:
        assert head == {k: v for k, v in manifest.items() if k != "articles"}
        assert folder.read_manifest() == manifest


def _entries(count: int) -> dict[str, Any]:
    return {
        f"a-{n}" if n % 2 else f"a{n}": {
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
    from newskg.manifest_entries import EntryTable, in_id_order, json_lines

    entries = _entries(7)
    table = EntryTable(tmp_path / "entries.sqlite")
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
    assert list(json_lines(table)) == list(json_lines(entries))
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
    from newskg.manifest_entries import EntryTable

    entries = _entries(6)
    table = EntryTable(tmp_path / "entries.sqlite")
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
def test_the_sources_hash_is_the_one_the_whole_json_gives(
    count: int, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build's sources' hash, made a piece at a time, is the one an earlier newskg
    made of the whole JSON (the manifest keeps it: another would rewrite the metadata)."""
    from newskg import pipeline
    from newskg.layout import sha256
    from newskg.pipeline import _sources_hash

    monkeypatch.setattr(pipeline, "JSON_CHUNK", chunk)

    sources = dict(_sources(_entries(count)))
    assert _sources_hash(sorted(sources.items())) == sha256(
        json.dumps(sorted(sources.items())).encode()
    )


@pytest.mark.parametrize("chunk", [2, 2_000])
@pytest.mark.parametrize("count", [0, 1, 5])
def test_the_premises_hash_is_the_one_the_whole_json_gives(
    tmp_path: Path, count: int, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reasoning premises' hash is now made a piece at a time: it must stay the hash
    of the JSON an earlier newskg made whole, or every kept inferred graph goes stale."""
    from newskg import pipeline
    from newskg.layout import sha256
    from newskg.manifest_entries import EntryTable
    from newskg.pipeline import _premises

    monkeypatch.setattr(pipeline, "JSON_CHUNK", chunk)

    entries = _entries(count)
    table = EntryTable(tmp_path / "entries.sqlite")
    table.update(entries)
    whole = json.dumps(
        [sorted((a, e["files"], e["registry"]) for a, e in entries.items()), "reg", "ont"]
    )
    assert _premises(entries, "reg", "ont") == _premises(table, "reg", "ont")
    assert _premises(entries, "reg", "ont") == sha256(whole.encode())
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
