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
