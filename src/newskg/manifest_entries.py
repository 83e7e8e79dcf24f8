"""The build's manifest on disk: an SQLite file of one row per article, and its head.

A build keeps, for every article, what the manifest says of it: its files' hashes and
times, its graphs, the registry entries it uses, its sources (about 1.3 KB of JSON).
At 10,000 articles that is 13.5 MB of JSON, 44 MB decoded, and a build after one change
read and decoded all of it, and wrote it all again: a third of a second, and memory that
grew with the corpus.  The entries are rows of a table instead, each with the few fields
that a build reads of every article in columns of their own (its files' times and
hashes, its counts), so that a build after one change reads those columns, a row at a
time (the whole entries are in a table of their own, so that reading the columns does
not read them too), and decodes only the entries of the articles that changed.  Each entry's sources
(its two files' paths and hashes) are also in a table by path: the build's metadata
lists every source in path order.  The head (the hashes of the registry, the ontology
and all sources, the counts of the build's own graphs) is one row of JSON.

A build never changes build/'s file: it writes a new one in its staging folder (a fresh
build) or changes a copy there, and the file goes in place by a rename when the build
succeeds.  So a reader opens it read-only and immutable, needing neither locks nor a
journal, and a process that has it open keeps reading the file it opened.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from collections.abc import ItemsView, Iterator, Mapping, MutableMapping, ValuesView
from pathlib import Path
from typing import Any

Entry = dict[str, Any]

_SCHEMA = """
    CREATE TABLE head (json TEXT NOT NULL);
    CREATE TABLE entries (
        id TEXT PRIMARY KEY,
        stat TEXT NOT NULL,
        files TEXT NOT NULL,
        registry TEXT NOT NULL,
        quads INTEGER NOT NULL,
        graphs INTEGER NOT NULL,
        facts INTEGER NOT NULL,
        claims INTEGER NOT NULL,
        locals TEXT NOT NULL,
        claim_graphs TEXT NOT NULL,
        trig TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE bodies (id TEXT PRIMARY KEY, entry TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE sources (path TEXT PRIMARY KEY, digest TEXT NOT NULL) WITHOUT ROWID;
"""

COLUMNS = (
    "stat",
    "files",
    "registry",
    "quads",
    "graphs",
    "facts",
    "claims",
    "locals",
    "claim_graphs",
    "trig",
)
"""The fields of an entry that are columns too: what a build reads of every article."""


DIGEST_ROWS = 2_000
"""Rows hashed at a time by EntryTable's digests."""


class ManifestError(Exception):
    """The file is not a manifest this newskg can read (another layout, or damaged)."""


class EntryTable(MutableMapping[str, Entry]):
    """Manifest entries by article id, in an SQLite file.

    Made new (`create`), or opened to be changed (a build's copy in its staging folder,
    which nothing else opens), or opened read-only (build/'s).  Pickled, it is its path
    and mode: a child process opens the file itself (SQLite connections must not cross
    a fork)."""

    def __init__(self, path: Path, *, create: bool = False, writable: bool = False) -> None:
        self.path = Path(path)
        self.writable = create or writable
        self._connection: sqlite3.Connection | None = None
        self._pid = 0
        self.changed = create
        """Whether an entry was set or deleted since the table was made or opened."""
        if create:
            self._db().executescript(_SCHEMA)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_reopened, (self.path, self.writable))

    def _db(self) -> sqlite3.Connection:
        if self._connection is None or self._pid != os.getpid():
            if self.writable:
                # each change as it comes, in autocommit: nothing else opens the file
                connection = sqlite3.connect(self.path, isolation_level=None)
                connection.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
            else:
                uri = self.path.resolve().as_uri() + "?mode=ro&immutable=1"
                connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
            self._connection, self._pid = connection, os.getpid()
        return self._connection

    def _execute(self, sql: str, parameters: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        try:
            return self._db().execute(sql, parameters)
        except sqlite3.DatabaseError as error:
            raise ManifestError(f"{self.path}: {error}") from None

    def close(self) -> None:
        if self._connection is not None and self._pid == os.getpid():
            self._connection.close()
        self._connection = None

    # -- the head -----------------------------------------------------------------------

    def head(self) -> dict[str, Any]:
        """The manifest without its entries ({} when it has none yet)."""
        row = self._execute("SELECT json FROM head").fetchone()
        found = json.loads(row[0]) if row is not None else {}
        if not isinstance(found, dict):
            raise ManifestError(f"{self.path}: its head is not an object")
        return found

    def set_head(self, head: Mapping[str, Any]) -> None:
        self._execute("DELETE FROM head")
        self._execute("INSERT INTO head VALUES (?)", (json.dumps(head, sort_keys=True),))

    # -- the entries --------------------------------------------------------------------

    def __setitem__(self, key: str, entry: Entry) -> None:
        self.changed = True
        self._forget_sources(key)
        self._execute(
            "INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (key, *_columns(entry)),
        )
        self._execute(
            "INSERT OR REPLACE INTO bodies VALUES (?, ?)", (key, json.dumps(entry, sort_keys=True))
        )
        sources = list(entry.get("sources", {}).items())
        try:
            self._db().executemany("INSERT OR REPLACE INTO sources VALUES (?, ?)", sources)
        except sqlite3.DatabaseError as error:
            raise ManifestError(f"{self.path}: {error}") from None

    def set_stat(self, key: str, stat: list[int]) -> None:
        """Change an entry's files' times and sizes alone (the files were saved again,
        unchanged)."""
        entry = self[key]
        entry["stat"] = stat
        self[key] = entry

    def _forget_sources(self, key: str) -> None:
        """Remove the sources of the entry `key`, if there is one."""
        row = self._execute("SELECT entry FROM bodies WHERE id = ?", (key,)).fetchone()
        if row is not None:
            paths = [(path,) for path in json.loads(row[0]).get("sources", {})]
            self._db().executemany("DELETE FROM sources WHERE path = ?", paths)

    def __getitem__(self, key: str) -> Entry:
        row = self._execute("SELECT entry FROM bodies WHERE id = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        found: Entry = json.loads(row[0])
        return found

    def __delitem__(self, key: str) -> None:
        self.changed = True
        self._forget_sources(key)
        self._execute("DELETE FROM bodies WHERE id = ?", (key,))
        if self._execute("DELETE FROM entries WHERE id = ?", (key,)).rowcount == 0:
            raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        query = "SELECT 1 FROM entries WHERE id = ?"
        return isinstance(key, str) and self._execute(query, (key,)).fetchone() is not None

    def __iter__(self) -> Iterator[str]:
        for (key,) in self._execute("SELECT id FROM entries ORDER BY id"):
            yield key

    def __len__(self) -> int:
        return int(self._execute("SELECT count(*) FROM entries").fetchone()[0])

    def items(self) -> ItemsView[str, Entry]:
        return _Items(self)

    def values(self) -> ValuesView[Entry]:
        return _Values(self)

    def json_lines(self) -> Iterator[tuple[str, str]]:
        """Each article id and its entry as JSON with sorted keys, in id order."""
        yield from self._execute("SELECT id, entry FROM bodies ORDER BY id")

    def columns(self, *names: str) -> Iterator[tuple[Any, ...]]:
        """Each article id and the named COLUMNS of its entry, in id order, without the
        entries decoded."""
        unknown = set(names) - set(COLUMNS)
        if unknown:
            raise ValueError(f"not columns of the manifest: {sorted(unknown)}")
        yield from self._execute(
            _SELECT_COLUMNS[names] if names in _SELECT_COLUMNS else _select(names)
        )

    def sources_in_path_order(self) -> Iterator[tuple[str, str]]:
        """Every entry's sources, path and hash, in the order of the paths."""
        yield from self._execute("SELECT path, digest FROM sources ORDER BY path")

    def totals(self) -> tuple[int, int, int, int]:
        """The sums of the quads, graphs, facts and claims columns, added by SQLite (a
        loop over 10,000 rows in Python took 0.03 s of a build after one change)."""
        row = self._execute(
            "SELECT total(quads), total(graphs), total(facts), total(claims) FROM entries"
        ).fetchone()
        return int(row[0]), int(row[1]), int(row[2]), int(row[3])

    def sources_digest(self) -> str:
        """The SHA-256 of every entry's sources, a line of path and hash each, in path
        order: what a build compares to know whether its metadata's graph changes."""
        return self._lines_digest("SELECT path || char(9) || digest FROM sources ORDER BY path")

    def premises_digest(self) -> str:
        """The SHA-256 of each article's id, files' hash and registry entries' hash, a
        line each, in id order: what reasoning starts from, of the articles."""
        return self._lines_digest(
            "SELECT id || char(9) || files || char(9) || registry FROM entries ORDER BY id"
        )

    def _lines_digest(self, sql: str) -> str:
        """The SHA-256 of the rows of `sql` (one text each), each followed by a newline:
        made by SQLite a row at a time and hashed DIGEST_ROWS at a time, so that memory
        stays flat however many rows there are."""
        digest = hashlib.sha256()
        cursor = self._execute(sql)
        while rows := cursor.fetchmany(DIGEST_ROWS):
            digest.update("".join(f"{text}\n" for (text,) in rows).encode())
        return digest.hexdigest()

    def copy_to(self, target: Path) -> EntryTable:
        """A copy of this file at `target`, opened to be changed."""
        shutil.copyfile(self.path, target)
        return EntryTable(target, writable=True)


def _select(names: tuple[str, ...]) -> str:
    """The query of `names`, all of them COLUMNS: its text is made of the COLUMNS
    constant's own strings, never of the caller's (no value is ever in it; SQLite
    cannot bind a column's name)."""
    return (
        "SELECT id"
        + "".join(", " + COLUMNS[COLUMNS.index(n)] for n in names)
        + (" FROM entries ORDER BY id")
    )


_SELECT_COLUMNS = {
    names: _select(names)
    for names in [
        ("stat", "files"),
        ("quads", "trig"),
        ("locals",),
        ("claim_graphs",),
    ]
}
"""The queries a build, push and export run, made once."""


class _Items(ItemsView[str, Entry]):
    """An EntryTable's items in id order, read in one pass (not a lookup per id)."""

    _mapping: EntryTable

    def __iter__(self) -> Iterator[tuple[str, Entry]]:
        for key, text in self._mapping.json_lines():
            yield key, json.loads(text)


class _Values(ValuesView[Entry]):
    """An EntryTable's entries in id order, read in one pass."""

    _mapping: EntryTable

    def __iter__(self) -> Iterator[Entry]:
        for _, text in self._mapping.json_lines():
            yield json.loads(text)


def _reopened(path: Path, writable: bool) -> EntryTable:
    return EntryTable(path, writable=writable)


def stat_text(stat: list[int] | None) -> str:
    """The `stat` column's text: the JSON of the files' times and sizes (a list of ints),
    made without json's encoder, which took half of comparing 10,000 articles."""
    return "null" if stat is None else "[" + ", ".join(map(str, stat)) + "]"


def _columns(entry: Mapping[str, Any]) -> tuple[Any, ...]:
    """The values of an entry's COLUMNS."""
    claim_graphs: str = entry.get("claim_graphs", "")
    # what pipeline.article_graphs gives: its own graph and one per claim (ids are kept
    # as one string, separated by spaces)
    graphs = 1 + len(claim_graphs.split())
    return (
        stat_text(entry.get("stat")),
        str(entry.get("files", "")),
        str(entry.get("registry", "")),
        int(entry.get("quads", 0)),
        graphs,
        int(entry.get("facts", 0)),
        int(entry.get("claims", 0)),
        json.dumps(entry.get("locals", {}), sort_keys=True),
        claim_graphs,
        str(entry.get("trig", "")),
    )


def open_manifest(path: Path) -> EntryTable | None:
    """build/'s manifest, read-only; None when there is none, or when it is not one
    this newskg wrote (an earlier newskg's, a damaged file): the build then starts
    afresh."""
    if not path.is_file():
        return None
    table = EntryTable(path)
    try:
        table.head()
        table._execute("SELECT " + ", ".join(COLUMNS) + " FROM entries LIMIT 1").fetchall()
        table._execute("SELECT id, entry FROM bodies LIMIT 1").fetchall()
    except ManifestError:
        table.close()
        return None
    return table


def entry_columns(entries: Mapping[str, Entry], *names: str) -> Iterator[tuple[Any, ...]]:
    """:meth:`EntryTable.columns` of any mapping of entries (a plain dict, from an API
    call or a test): each id and the named COLUMNS, in id order, as the table keeps them."""
    if isinstance(entries, EntryTable):
        yield from entries.columns(*names)
        return
    unknown = set(names) - set(COLUMNS)
    if unknown:
        raise ValueError(f"not columns of the manifest: {sorted(unknown)}")
    for key in sorted(entries):
        row = _columns(entries[key])
        yield (key, *(row[COLUMNS.index(name)] for name in names))


def in_id_order(entries: Mapping[str, Entry]) -> Iterator[tuple[str, Entry]]:
    """Each article id and its entry, in id order, one at a time from an EntryTable."""
    if isinstance(entries, EntryTable):
        for key, text in entries.json_lines():
            yield key, json.loads(text)
    else:
        yield from sorted(entries.items())
