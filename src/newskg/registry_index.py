"""The entity registry on disk, looked up by id.

A build's memory grew with the registry: data/entities.yaml read as one YAML document
took 290 MB at 33,000 entries (the node tree, the plain data and the checked models at
once), and every mapping worker was handed all of it pickled (20 MB each).  An article
uses a dozen entries.  So a build reads the registry one entry at a time (libyaml's
events, composed entry by entry), checks each, and keeps them in an SQLite file: by
id, the checked entry, where it stands in the file, its hash, and where its IRI sorts.
The workers, and the commands that need a few entries, open that file read-only and
ask for the ids they need.

A registry that has anything to report (a syntax error, an anchor, an entry the schema
refuses, a duplicate id, an unknown member) is not indexed here: the caller reads it
whole, as before, and reports every problem with its position.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import pickle
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyoxigraph import NamedNode

from . import __version__
from .errors import Location, StoreError
from .vocab import ENTITY_CATEGORY

if TYPE_CHECKING:  # the fact models take most of a second to import: not for a lookup
    from .facts import Entity

FORMAT = 1
"""The layout of the index file; an index of another layout, or written by another
version of newskg, is written again."""

ROWS_PER_BATCH = 2_000
"""Entries inserted per statement batch: enough to make the inserts cheap, few enough
that a batch is never a large share of memory."""


def entry_digest(entity: Entity) -> str:
    """A hash of one registry entry: an article whose entries' hashes changed is
    mapped again."""
    data = json.dumps(entity.model_dump(mode="json"), sort_keys=True).encode()
    return hashlib.sha256(data).hexdigest()


def iri_sort_key(entity_id: str, entity_type: str) -> str:
    """What orders entries as sorted_quads orders their IRIs: every IRI is the base,
    ``id/``, then this without the ``>``, which is there because sorted_quads compares
    terms as N-Triples writes them (``<…/x-y>`` before ``<…/x>``).  It is the order
    of the registry's graph file."""
    return f"{ENTITY_CATEGORY[entity_type]}/{entity_id}>"


class RegistryIndex(Mapping[str, "Entity"]):  # the models load only when needed
    """The checked registry entries in an index file, by id, read when asked for.

    Opened read-only and as immutable: an index is never changed in place (a new one
    replaces it by a rename), so SQLite needs neither locks nor a journal, and a
    process that has it open keeps reading the file it opened.  Pickled, it is its
    path: a worker process opens the file itself."""

    KEPT = 256
    """How many entries are kept unpickled, the least recently asked for going first:
    an article asks for a few dozen entries, many times each.  Few articles share many
    entries, so keeping more saved little (a miss costs 13 µs) and cost memory that
    grew with the registry: 4,096 entries took 7.5 MB in each worker."""

    KNOWN = 4096
    """How many answers of ``in`` are kept: an article asks whether each id it uses is an
    entry about twenty times (checking its references, then mapping), a query each
    (4% of an article's mapping).  A few bytes an answer, so many can be kept."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._connection: sqlite3.Connection | None = None
        self._pid = 0
        self._values: dict[str, Entity] = {}
        self._known: dict[str, bool] = {}

    def __reduce__(self) -> tuple[Any, ...]:
        return (RegistryIndex, (self.path,))

    def _db(self) -> sqlite3.Connection:
        if self._connection is None or self._pid != os.getpid():
            uri = self.path.resolve().as_uri() + "?mode=ro&immutable=1"
            self._connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
            self._pid = os.getpid()
        return self._connection

    def move(self, target: Path) -> None:
        """Rename the index file to `target` (an open connection keeps reading it)."""
        os.replace(self.path, target)
        self.path = target

    def close(self) -> None:
        if self._connection is not None and self._pid == os.getpid():
            self._connection.close()
        self._connection = None

    def _rows(self, sql: str, parameters: tuple[Any, ...] = ()) -> Iterator[Any]:
        """The rows of a query of the index (see _unreadable)."""
        try:
            yield from self._db().execute(sql, parameters)
        except sqlite3.DatabaseError as error:
            raise self._unreadable(error) from None

    def _row(self, sql: str, parameters: tuple[Any, ...] = ()) -> Any:
        """The first row of a query of the index, or None: a plain call, not a generator,
        since a worker asks for a registry entry about ten times per article."""
        try:
            return self._db().execute(sql, parameters).fetchone()
        except sqlite3.DatabaseError as error:
            raise self._unreadable(error) from None

    def _unreadable(self, error: sqlite3.DatabaseError) -> StoreError:
        """A file that SQLite cannot read (damaged on disk, say, under a label that
        still matches): an error that says how to write it again, not a traceback."""
        return StoreError(
            f"{self.path}: the registry's index cannot be read ({error})",
            "`newskg build --full` writes it again from data/entities.yaml",
        )

    def meta(self, key: str) -> str | None:
        row = self._row("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else str(row[0])

    def __getitem__(self, key: str) -> Entity:
        found = self._values.pop(key, None)  # put back last: the most recently asked for
        if found is None:
            row = self._row("SELECT entity FROM entries WHERE id = ?", (key,))
            if row is None:
                raise KeyError(key)
            found = pickle.loads(row[0])  # our own file, in build/
            if len(self._values) >= self.KEPT:
                del self._values[next(iter(self._values))]
        self._values[key] = found
        return found

    def __contains__(self, key: object) -> bool:
        if key in self._values:
            return True
        if not isinstance(key, str):
            return False
        known = self._known.get(key)
        if known is None:
            known = self._row("SELECT 1 FROM entries WHERE id = ?", (key,)) is not None
            if len(self._known) >= self.KNOWN:
                self._known.clear()  # the next articles' ids come in again at once
            self._known[key] = known
        return known

    def iri(self, entity_id: str, base: str) -> NamedNode | None:
        """An entry's IRI (as Minter.entity makes it), from its sort key alone: without
        unpickling the entry, and so without importing the fact models, which takes
        longer than a query about one entity (see iri_sort_key)."""
        row = self._row("SELECT sort_key FROM entries WHERE id = ?", (entity_id,))
        return None if row is None else NamedNode(f"{base}id/{str(row[0])[:-1]}")

    def __iter__(self) -> Iterator[str]:
        for (entity_id,) in self._rows("SELECT id FROM entries ORDER BY id"):
            yield entity_id

    def __len__(self) -> int:
        return int(self._row("SELECT count(*) FROM entries")[0])

    def in_iri_order(self) -> Iterator[Entity]:
        """Every entry, in the order of their IRIs, unpickled one at a time."""
        rows = self._rows("SELECT entity FROM entries ORDER BY sort_key")
        for (blob,) in rows:
            yield pickle.loads(blob)  # our own file, in build/

    @property
    def file_digest(self) -> str:
        """The SHA-256 of the registry file's bytes that the index was made from."""
        return self.meta("file") or ""

    @property
    def locations(self) -> Mapping[str, Location]:
        """Where each entry's id stands in data/entities.yaml."""
        return _Column(self, "location", _location)

    @property
    def digests(self) -> Mapping[str, str]:
        """Each entry's :func:`entry_digest`."""
        return _Column(self, "digest", str)


class _Column(Mapping[str, Any]):
    """One column of the index, by id."""

    def __init__(self, index: RegistryIndex, column: str, convert: Any) -> None:
        self._index, self._column, self._convert = index, column, convert

    def __reduce__(self) -> tuple[Any, ...]:
        return (_Column, (self._index, self._column, self._convert))

    def __getitem__(self, key: str) -> Any:
        query = f"SELECT {self._column} FROM entries WHERE id = ?"  # a column of ours
        row = self._index._row(query, (key,))
        if row is None:
            raise KeyError(key)
        return self._convert(row[0])

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)


def _location(text: str) -> Location:
    path, line, column = text.rsplit(":", 2)
    return Location(path, int(line), int(column))


def open_index(path: Path, file_digest: str) -> RegistryIndex | None:
    """The index at `path` when it was made, by this version of newskg, from the
    registry file whose bytes have the SHA-256 `file_digest`."""
    if not path.is_file():
        return None
    index = RegistryIndex(path)
    try:
        same = (
            index.meta("format") == str(FORMAT)
            and index.meta("newskg") == __version__
            and index.file_digest == file_digest
        )
    except StoreError:  # not an index SQLite can read: written again
        same = False
    if not same:
        index.close()
        return None
    return index


class NotIndexed(Exception):
    """The registry has something to report: it is read whole instead (raised by the
    reader of its entries, newskg.registry_reader, and here)."""


def write_index(
    target: Path, entries: Iterable[tuple[Entity, Location]], file_digest: str | Callable[[], str]
) -> RegistryIndex | None:
    """Write the entries into a new index file at `target`; None when two have one id
    or a group has a member that is not among them.

    `file_digest` is the SHA-256 of the registry file's bytes the entries come from
    (or gives it, once they have all been read).  The file is complete or absent: it
    is written beside `target` and renamed."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    connection = sqlite3.connect(temporary, isolation_level=None)
    # A small page cache, and the sort index made with the table rather than after it:
    # made after, SQLite sorted the 33,000 keys of a 10,000-article registry in memory,
    # and the build's main process peaked 4 MB higher than at 1,000 (no slower so).
    try:
        connection.executescript(
            """
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            PRAGMA cache_size = -256;
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE entries (
                id TEXT PRIMARY KEY, entity BLOB NOT NULL, location TEXT NOT NULL,
                digest TEXT NOT NULL, sort_key TEXT NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX by_sort_key ON entries (sort_key);
            """
        )
        connection.execute("BEGIN")
        members: list[str] = []  # few: only groups have them
        rows = _rows(entries, members)
        while batch := list(itertools.islice(rows, ROWS_PER_BATCH)):
            connection.executemany("INSERT INTO entries VALUES (?, ?, ?, ?, ?)", batch)
        lookup = "SELECT 1 FROM entries WHERE id = ?"
        if any(connection.execute(lookup, (m,)).fetchone() is None for m in members):
            raise NotIndexed  # an unknown member: the whole-file reader says which
        connection.executemany(
            "INSERT INTO meta VALUES (?, ?)",
            [
                ("format", str(FORMAT)),
                ("newskg", __version__),
                ("file", file_digest if isinstance(file_digest, str) else file_digest()),
            ],
        )
        connection.execute("COMMIT")
    except (sqlite3.IntegrityError, NotIndexed):  # a duplicate id, an unknown member
        connection.close()
        temporary.unlink(missing_ok=True)
        return None
    except BaseException:
        connection.close()
        temporary.unlink(missing_ok=True)
        raise
    connection.close()
    os.replace(temporary, target)
    return RegistryIndex(target)


def _rows(
    entries: Iterable[tuple[Entity, Location]], members: list[str]
) -> Iterator[tuple[str, bytes, str, str, str]]:
    """The index's row of each entry; the groups' members are added to `members`."""
    for entity, location in entries:
        members.extend(entity.members)
        yield (
            entity.id,
            pickle.dumps(entity, protocol=pickle.HIGHEST_PROTOCOL),
            str(location),
            entry_digest(entity),
            iri_sort_key(entity.id, entity.type),
        )
