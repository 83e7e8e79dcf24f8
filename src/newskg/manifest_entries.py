"""The manifest's entries of a fresh build's articles, on disk while the build runs.

A build keeps, for every article, what the manifest says of it: its files' hashes, its
graphs, the registry entries it uses, its sources (about 1.3 KB of JSON).  At 10,000
articles, held as dicts in the main process, that was 28 MB, and it grew with the
corpus; a fresh build now puts each entry in an SQLite table in its staging folder as
the article's outcome arrives, and reads them back in id order, one at a time, for
what needs them all (the check of article-local ids, the build's sources, the
manifest).  Each entry's sources (its two files' paths and hashes) also go into a table
by path: the build's metadata lists every source in path order, and their 20,000 paths
held in a dict were 6 MB more for the build at 10,000 articles than at 1,000.  A build
that is not fresh keeps its entries in a dict: it has read the previous manifest's anyway.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite3

Entry = dict[str, Any]


class EntryTable(MutableMapping[str, Entry]):
    """Manifest entries by article id, in an SQLite file that nothing else opens."""

    def __init__(self, path: Path) -> None:
        import sqlite3  # here: every command imports this module, few make a table

        self.path = path
        # each change as it comes, in autocommit: nothing else opens the file
        self._db: sqlite3.Connection = sqlite3.connect(path, isolation_level=None)
        self._db.executescript(
            """
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            CREATE TABLE entries (id TEXT PRIMARY KEY, entry TEXT NOT NULL) WITHOUT ROWID;
            CREATE TABLE sources (path TEXT PRIMARY KEY, digest TEXT NOT NULL) WITHOUT ROWID;
            """
        )

    def close(self) -> None:
        self._db.close()

    def __setitem__(self, key: str, entry: Entry) -> None:
        text = json.dumps(entry, sort_keys=True)
        self._forget_sources(key)
        self._db.execute("INSERT OR REPLACE INTO entries VALUES (?, ?)", (key, text))
        sources = entry.get("sources", {}).items()
        self._db.executemany("INSERT OR REPLACE INTO sources VALUES (?, ?)", sources)

    def _forget_sources(self, key: str) -> None:
        """Remove the sources of the entry `key`, if there is one."""
        row = self._db.execute("SELECT entry FROM entries WHERE id = ?", (key,)).fetchone()
        if row is not None:
            paths = [(path,) for path in json.loads(row[0]).get("sources", {})]
            self._db.executemany("DELETE FROM sources WHERE path = ?", paths)

    def __getitem__(self, key: str) -> Entry:
        row = self._db.execute("SELECT entry FROM entries WHERE id = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        found: Entry = json.loads(row[0])
        return found

    def __delitem__(self, key: str) -> None:
        self._forget_sources(key)
        if self._db.execute("DELETE FROM entries WHERE id = ?", (key,)).rowcount == 0:
            raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        query = "SELECT 1 FROM entries WHERE id = ?"
        return isinstance(key, str) and self._db.execute(query, (key,)).fetchone() is not None

    def __iter__(self) -> Iterator[str]:
        for (key,) in self._db.execute("SELECT id FROM entries ORDER BY id"):
            yield key

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM entries").fetchone()[0])

    def json_lines(self) -> Iterator[tuple[str, str]]:
        """Each article id and its entry as JSON with sorted keys, in id order."""
        yield from self._db.execute("SELECT id, entry FROM entries ORDER BY id")

    def sources_in_path_order(self) -> Iterator[tuple[str, str]]:
        """Every entry's sources, path and hash, in the order of the paths."""
        yield from self._db.execute("SELECT path, digest FROM sources ORDER BY path")


def in_id_order(entries: Mapping[str, Entry]) -> Iterator[tuple[str, Entry]]:
    """Each article id and its entry, in id order, one at a time from an EntryTable."""
    if isinstance(entries, EntryTable):
        for key, text in entries.json_lines():
            yield key, json.loads(text)
    else:
        yield from sorted(entries.items())


def json_lines(entries: Mapping[str, Entry]) -> Iterator[tuple[str, str]]:
    """Each article id and its entry as JSON with sorted keys, in id order: an
    EntryTable's as it keeps them, without decoding and encoding them again."""
    if isinstance(entries, EntryTable):
        yield from entries.json_lines()
    else:
        for key in sorted(entries):
            yield key, json.dumps(entries[key], sort_keys=True)
