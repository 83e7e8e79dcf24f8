"""A whole-corpus export written from the build's graph files, on every core.

Reading the corpus back out of the on-disk store is slow: pyoxigraph looks up each
term's text in RocksDB, about 20 µs a statement on our two-core machine, so a dump of
10,000 articles (13.6 million statements) took 270-300 s.  The build already wrote
every graph in TriG (one file an article, one for the registry and each of its own
graphs), and re-serialising those files takes 59 s on one core and half that on two.

The files are checked against the build's manifest as they are read: each must be
the file the build wrote (its SHA-256, about 1 s of processor time for 770 MB at
10,000 articles, on the workers) and hold the number of statements the build wrote in
it.  When one does not (a file deleted or edited behind the build's back),
:class:`StaleFiles` is raised and the caller reads the store instead.

The order is the files' (articles in id order, then the registry and the build's own
graphs), each file's statements in the order the build wrote them: the same data gives
the same bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from pyoxigraph import (
    DefaultGraph,
    NamedNode,
    Quad,
    RdfFormat,
    Store,
    Triple,
    parse,
    serialize,
)

_FORMATS = {
    f.file_extension: f
    for f in (RdfFormat.N_QUADS, RdfFormat.TRIG, RdfFormat.TURTLE, RdfFormat.N_TRIPLES)
}
"""The syntaxes written, by the name a worker is told (pyoxigraph's formats do not pickle)."""


class StaleFiles(Exception):
    """A graph file is missing, does not parse, or does not hold what the build wrote."""


@dataclass(frozen=True)
class GraphFile:
    """A TriG file of the build and what the manifest says it holds."""

    path: str
    quads: int
    """The statements the build wrote in it."""
    digest: str | None = None
    """The SHA-256 of the file the build wrote ("" when the manifest has none, which no
    file matches; None: not checked)."""
    own_graph: str | None = None
    """An article's graph (its own voice), for a triples-only export; None for the
    registry and the build's own graphs."""


CHUNK = 25
"""Articles a worker re-serialises at a time (about 2 MB of TriG)."""

WINDOW = 3
"""Chunks handed to the pool per worker before the first of them is taken back."""

_WORKER: dict[str, Any] = {}
"""In a worker: the output syntax, the prefixes and the registry's subjects."""


def write_quads(
    files: Sequence[GraphFile],
    stream: IO[bytes],
    rdf_format: RdfFormat,
    prefixes: dict[str, str],
    workers: int,
) -> int:
    """Every statement of `files`, in a quads syntax (N-Quads, TriG); the number written."""
    settings = {"format": rdf_format.file_extension, "prefixes": prefixes, "shared": None}
    written = 0
    header = _header(rdf_format, prefixes)
    stream.write(header)
    for body, _, count in _converted(files, settings, workers):
        stream.write(body)
        written += count
    return written


def write_union(
    articles: Sequence[GraphFile],
    registry: GraphFile,
    stream: IO[bytes],
    rdf_format: RdfFormat,
    prefixes: dict[str, str],
    workers: int,
) -> int:
    """The union of the articles' own graphs and the registry, each triple once, in a
    triples syntax (Turtle, N-Triples); the number written.

    Each once, with only the registry's subjects in memory: a triple can be in two of
    these graphs only when its subject is a registry entry (every other subject is
    minted for one article).  The articles' triples about other subjects are written as
    they come; those about registry entries are kept in a small in-memory store with the
    registry's own, and written last (about 4% of the statements)."""
    registry_triples = [q.triple for q in _read(registry)]
    subjects = {t.subject.value for t in registry_triples if isinstance(t.subject, NamedNode)}
    shared = Store()
    shared.extend(Quad(t.subject, t.predicate, t.object) for t in registry_triples)
    settings = {"format": rdf_format.file_extension, "prefixes": prefixes, "shared": subjects}
    header = _header(rdf_format, prefixes)
    stream.write(header)
    written = 0
    for body, about_registry, count in _converted(articles, settings, workers):
        stream.write(body)
        written += count
        shared.load(about_registry, format=RdfFormat.N_TRIPLES)
    last = shared.dump(format=rdf_format, prefixes=prefixes, from_graph=DefaultGraph()) or b""
    stream.write(_without(header, last))
    return written + len(shared)


def _converted(
    files: Sequence[GraphFile], settings: dict[str, Any], workers: int
) -> Iterator[tuple[bytes, bytes, int]]:
    """Each file re-serialised (see :func:`_convert`), in the order given."""
    if workers <= 1 or len(files) < 2 * CHUNK:
        _setup(settings)
        yield from (_convert(f) for f in files)
        return
    from .parallel import in_order, process_pool

    with process_pool(workers, _setup, (settings,)) as pool:
        yield from in_order(pool, _convert_chunk, files, CHUNK, WINDOW * workers)


def _setup(settings: dict[str, Any]) -> None:
    _WORKER.update(settings)


def _convert_chunk(files: list[GraphFile]) -> list[tuple[bytes, bytes, int]]:
    return [_convert(f) for f in files]


def _convert(file: GraphFile) -> tuple[bytes, bytes, int]:
    """One file in the export's syntax, without its prefix lines: its body, its
    triples about registry entries as N-Triples (for a union), and the number of
    statements in the body."""
    rdf_format = _FORMATS[_WORKER["format"]]
    prefixes: dict[str, str] = _WORKER["prefixes"]
    shared: set[str] | None = _WORKER["shared"]
    quads = _read(file)
    if shared is None:
        body = _serialized(quads, rdf_format, prefixes)
        return body, b"", len(quads)
    assert file.own_graph is not None, "a union is made of articles' own graphs"
    own = NamedNode(file.own_graph)
    kept: list[Triple] = []
    about: list[Triple] = []
    for quad in quads:
        if quad.graph_name == own:
            subject = quad.subject
            (about if isinstance(subject, NamedNode) and subject.value in shared else kept).append(
                quad.triple
            )
    body = _serialized(kept, rdf_format, prefixes)
    return body, serialize(about, format=RdfFormat.N_TRIPLES) or b"", len(kept)


def read_graph_file(path: str, digest: str | None) -> bytes:
    """A graph file's bytes, if it is the file the build wrote (its SHA-256 is
    `digest`, when given); else :class:`StaleFiles`."""
    try:
        with open(path, "rb") as stream:
            data = stream.read()
    except OSError as error:
        raise StaleFiles(f"{path}: {error}") from None
    if digest is not None and hashlib.sha256(data).hexdigest() != digest:
        raise StaleFiles(f"{path}: not the file the build wrote (its SHA-256 differs)")
    return data


def _read(file: GraphFile) -> list[Quad]:
    """The statements of a graph file, checked against the build's digest and count."""
    data = read_graph_file(file.path, file.digest)
    try:
        quads = list(parse(data, format=RdfFormat.TRIG))
    except SyntaxError as error:
        raise StaleFiles(f"{file.path}: {error}") from None
    if len(quads) != file.quads:
        raise StaleFiles(f"{file.path}: {len(quads)} statements, the build wrote {file.quads}")
    return quads


def _serialized(items: Sequence[Any], rdf_format: RdfFormat, prefixes: dict[str, str]) -> bytes:
    if rdf_format in (RdfFormat.N_QUADS, RdfFormat.N_TRIPLES):
        return serialize(items, format=rdf_format) or b""
    data = serialize(items, format=rdf_format, prefixes=prefixes) or b""
    return _without(_header(rdf_format, prefixes), data)


def _header(rdf_format: RdfFormat, prefixes: dict[str, str]) -> bytes:
    """The prefix lines pyoxigraph writes at the start of a document in this syntax
    (every prefix given, used or not; none for an empty document): written once, at the
    start of the export, and taken off each file's part."""
    if rdf_format in (RdfFormat.N_QUADS, RdfFormat.N_TRIPLES):
        return b""
    key = (rdf_format.file_extension, tuple(prefixes.items()))
    if key not in _HEADERS:
        probe = Quad(NamedNode("urn:x:s"), NamedNode("urn:x:p"), NamedNode("urn:x:o"))
        item: Any = probe if rdf_format.supports_datasets else probe.triple
        data = serialize([item], format=rdf_format, prefixes=prefixes) or b""
        _HEADERS[key] = data[: data.index(b"<urn:x:s>")]
    return _HEADERS[key]


_HEADERS: dict[tuple[str, tuple[tuple[str, str], ...]], bytes] = {}


def _without(header: bytes, data: bytes) -> bytes:
    if not data:  # nothing to write: no prefix lines either
        return data
    if not data.startswith(header):
        raise AssertionError("pyoxigraph wrote other prefix lines than expected")
    return data[len(header) :]
