"""Push the built dataset into a triple store, many graphs per request, sending only what
changed.

Each named graph newskg owns (under the project's base IRI, and the ontology's) is
*replaced* in the store, never added to, so that pushing twice gives the same store.
Graphs travel in batches of about :data:`BATCH_SIZE` triples: a store such as Oxigraph
slows down with every write transaction it commits (a PUT per graph took 20 ms at first,
400 ms a thousand graphs later), so the number of requests, not of triples, is what a
push of thousands of graphs pays for.  On the 1,000-article corpus (8,507 graphs) a PUT
and a record update per graph took 2.6 to 4 times one POST of all the N-Quads; batches
take about as long as that POST.  The next batch is read from the built store while the
store loads this one.

- ``gsp``, the SPARQL 1.1 Graph Store HTTP Protocol.  Graphs the store does not hold yet
  are POSTed together, as N-Quads, to the store URL (Oxigraph and Fuseki load a POST in
  one transaction); a POST is not idempotent, so after a transient failure its graphs are
  sent again one by one with ``PUT store?graph=<g>``.  A graph the store holds is
  replaced with a PUT, which replaces it in one request and is retried on transient
  failures.  A store URL that does not take N-Quads (``post_quads = false`` in the
  profile: GraphDB, Virtuoso) gets a PUT per graph.
- ``update``, SPARQL 1.1 Update, for stores without the Graph Store Protocol.  Where the
  store applies an update request in one transaction (``atomic_updates``: Oxigraph,
  Fuseki, GraphDB), a batch is one request: ``DROP SILENT GRAPH`` of each graph,
  ``INSERT DATA`` of all of them, and the push record; replaying it gives the same
  store, so it is retried.  Elsewhere each graph of a batch is loaded into a fresh
  temporary graph with INSERT DATA (in requests of at most ``chunk_size`` triples), the
  sizes are checked with one COUNT query, and the batch is swapped in with one request
  of ``MOVE``s, so that readers never see half a graph.  INSERT DATA is not idempotent:
  after a transient failure the temporary graphs are dropped and the batch loaded again
  from the start.

What was pushed is recorded in the store itself, in the graph ``{base}graph/push``: one
triple ``<graph> nk:contentHash "sha-256"`` per graph (the hash is over the graph's sorted
N-Triples), written with each batch: in the same request where the store applies an
update atomically, else by one update right after its graphs have landed.  A graph
whose hash matches and which the store still holds is not sent again.  A graph under the
base IRI that the store holds and the build does not (a deleted article's) is dropped;
every other graph (the user's own data) is never touched.

A re-push of unchanged data reads no triples: the digests are cached in
build/push-digests.json (see :class:`DigestCache`), so it costs a no-op build and two
queries, which run while the build does.  A first push hashes each graph as it sends it,
reading it once.

A failure stops the push at once; the error names the graphs that landed (a graph counts
as landed once the store holds it) and those that did not.  Nothing is lost (a graph is
replaced in one step, and its record follows it), and running the push again sends
exactly what did not land, and what landed without its record.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import queue
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pyoxigraph import DefaultGraph, Literal, NamedNode, RdfFormat, Store, serialize

from ..errors import StoreError
from ..profiles import Endpoint, credentials, resolve
from ..progress import enabled as progress_enabled
from ..progress import progress
from ..vocab import NK, Minter
from .http import Backoff, HttpClient, TransientError

log = logging.getLogger("newskg.push")

BATCH_SIZE = 20_000
"""Triples per batch of graphs (a graph larger than this travels alone).  Measured on the
1,000-article corpus against a local Oxigraph, each beside one POST of everything in the
same run: POSTs of 20,000 and 50,000 triples took 1.17 and 0.90 times that POST, of
100,000 1.5 times; SPARQL updates of 20,000, 50,000 and 200,000 took 1.33, 1.28 and 1.4
times (the machine was busy: about 30 % noise)."""
CHUNK_SIZE = 20_000
"""Triples per INSERT DATA request of the update protocol: a few megabytes, within any
store's request limits."""
SCAN_FROM = 500
"""From this many graphs to send, they are read in one pass over the built store (see
:func:`scan`) rather than one lookup each."""
CONTENT_HASH = NK + "contentHash"
PUSH_GRAPH = "graph/push"
TMP_GRAPH = "graph/push-tmp"
DIGESTS_FILE = "push-digests.json"
DEFAULT = "#default"
"""Suffix of the push record's subject that stands for the store's default graph."""
MANIFEST_KEY = "#manifest"
"""The digest cache's entry for the hash of the manifest it was written under."""


# -- the local side ------------------------------------------------------------------------


@dataclass(frozen=True)
class LocalGraph:
    """A graph of the build: its name (None: the default graph), hash and size."""

    iri: str | None
    digest: str
    count: int

    @property
    def label(self) -> str:
        """How messages name it."""
        return f"<{self.iri}>" if self.iri else "the default graph"


def _lines(store: Store, iris: Iterable[str]) -> list[bytes]:
    """The graphs' triples as sorted, distinct N-Triples lines: the same bytes for the
    same graph on every run, to hash and to send."""
    triples = [
        q.triple for iri in iris for q in store.quads_for_pattern(None, None, None, NamedNode(iri))
    ]
    data = serialize(triples, format=RdfFormat.N_TRIPLES) or b""
    return sorted({line for line in data.split(b"\n") if line})


def _body(lines: list[bytes]) -> bytes:
    return b"".join(line + b"\n" for line in lines)


def owned_graphs(store: Store, mint: Minter) -> list[str]:
    """The named graphs of the build that newskg owns, sorted."""
    names = (g.value for g in store.named_graphs() if isinstance(g, NamedNode))
    return sorted(n for n in names if mint.owns(n))


def _graph(iri: str | None, lines: list[bytes]) -> LocalGraph:
    return LocalGraph(iri, hashlib.sha256(_body(lines)).hexdigest(), len(lines))


def scannable(store: Store) -> bool:
    """Whether :func:`scan` can read the store: every quad in a graph named by an IRI
    (the build's are), so that an N-Quads line ends with its graph's IRI."""
    if next(iter(store.quads_for_pattern(None, None, None, DefaultGraph())), None):
        return False
    return all(isinstance(g, NamedNode) for g in store.named_graphs())


def scan(store: Store, wanted: set[str]) -> Iterator[tuple[str, list[bytes]]]:
    """The wanted graphs with their lines (as :func:`_lines` gives them), in the store's
    own order, from one N-Quads dump of a :func:`scannable` store streamed through a
    pipe.  One pass over the store's index costs a fraction of a lookup per graph (for
    the 8,507 graphs of 1,000 articles, 13 s of CPU against 50 s), and that CPU is the
    store server's to use while a push runs.  A graph's quads come out together; a
    wanted graph the dump did not name as expected is read on its own at the end."""
    readable, writable = os.pipe()
    failed: list[BaseException] = []

    def dump() -> None:
        try:
            with open(writable, "wb") as output:
                store.dump(output, format=RdfFormat.N_QUADS)
        except BrokenPipeError:
            pass  # the reader stopped: its own error tells why
        except BaseException as error:  # handed to the reader
            failed.append(error)

    writer = threading.Thread(target=dump, name="newskg-push-scan", daemon=True)
    writer.start()
    done: set[str] = set()
    current, lines = b"", list[bytes]()
    with open(readable, "rb", buffering=1 << 20) as stream:
        for line in stream:
            cut = line.rfind(b" <")
            graph = line[cut + 2 : line.rfind(b">")]
            if graph != current:
                if current and current.decode("utf-8") in wanted:
                    done.add(current.decode("utf-8"))
                    yield current.decode("utf-8"), sorted(set(lines))
                current, lines = graph, []
            lines.append(line[:cut] + b" .")
    writer.join()
    if failed:
        raise failed[0]
    if current and current.decode("utf-8") in wanted:
        done.add(current.decode("utf-8"))
        yield current.decode("utf-8"), sorted(set(lines))
    for name in sorted(wanted - done):
        yield name, _lines(store, [name])


def _prefetch(batches: Iterator[list[Loaded]]) -> Iterator[list[Loaded]]:
    """The batches, made one ahead in a thread: the next batch is read while the store
    loads this one.  An error in the thread comes out here."""
    ready: queue.Queue[tuple[list[Loaded] | None, BaseException | None]] = queue.Queue(1)
    stop = threading.Event()

    def offer(item: tuple[list[Loaded] | None, BaseException | None]) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def make() -> None:
        try:
            for batch in batches:
                if not offer((batch, None)):
                    return
            offer((None, None))
        except BaseException as error:  # handed to the consumer
            offer((None, error))
        finally:
            close = getattr(batches, "close", None)
            if close is not None:
                close()  # a scan stopped half-way lets go of its pipe

    maker = threading.Thread(target=make, name="newskg-push-read", daemon=True)
    maker.start()
    try:
        while True:
            batch, error = ready.get()
            if error is not None:
                raise error
            if batch is None:
                return
            yield batch
    finally:
        stop.set()


class DigestCache:
    """Digests of the build's graphs from an earlier push, valid while what made them is.

    Hashing means reading every triple, which takes seconds at the scale of a thousand
    articles.  build/push-digests.json keeps each graph's digest and size under a key:
    for an article's graphs, a hash of its article's whole entry in the build manifest
    (with newskg's version and the base IRI), which the build rewrites whenever it maps
    the article again, whatever fields the entry holds; for the other graphs (registry,
    build metadata, ontology), a hash of the manifest's bytes, which change with any
    change to the build.  The file also keeps that hash of the manifest it was written
    under: while the manifest is byte for byte the same, every digest in it holds as it
    is, and no key needs computing (a re-push of unchanged data reads the cache, and of
    the manifest only its claim-graph column: no entry is decoded)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.other = ""
        self.entries: dict[str, list[Any]] = {}
        self.found: dict[str, list[Any]] = {}
        self.same = False
        """The manifest is the one the cache was written under."""
        self._head: list[Any] = []
        self._articles: dict[str, str] = {}
        """The article of each article graph."""
        self._entries: Mapping[str, Any] = {}
        self._stamps: dict[str, str] = {}
        if folder is not None:
            self._read_manifest(folder)
            self.entries = _read_cache(folder)
            self.same = bool(self.other) and self.entries.get(MANIFEST_KEY) == [self.other]

    def _read_manifest(self, folder: Path) -> None:
        from ..layout import file_sha256
        from ..pipeline import BuildDir, every_article_graphs

        build = BuildDir(folder.parent)
        manifest = build.read_manifest()
        if not manifest:
            return
        try:  # the file a build replaces by a rename, and never changes in place
            self.other = file_sha256(build.manifest_path)
        except OSError:
            return
        self._entries = manifest["articles"]
        self._head = [manifest.get("newskg"), manifest.get("base_iri")]
        for article, graphs in every_article_graphs(manifest):
            for graph in graphs:
                self._articles[graph] = article

    def key(self, name: str) -> str:
        """What a graph's cached digest must have been made under ('' for none)."""
        article = self._articles.get(name)
        if article is None:
            return self.other
        if article not in self._stamps:
            self._stamps[article] = _stamp([*self._head, self._entries[article]])
        return self._stamps[article]

    def get(self, name: str, key: str | None = None) -> LocalGraph | None:
        """The graph's digest and size from the cache, if made under `key` (by default,
        the graph's own key, which holds without a look while the manifest is the same)."""
        hit = self.entries.get(name)
        if not (isinstance(hit, list) and len(hit) == 3 and hit[0]):
            return None
        trusted = key is None and self.same
        if not trusted and hit[0] != (self.key(name) if key is None else key):
            return None
        self.found[name] = hit
        return LocalGraph(name if name != DEFAULT else None, str(hit[1]), int(hit[2]))

    def put(self, name: str, graph: LocalGraph, key: str | None = None) -> None:
        """Remember a digest just computed."""
        key = self.key(name) if key is None else key
        if key:
            self.found[name] = [key, graph.digest, graph.count]

    def save(self) -> None:
        """Write the digests found or computed this time (nothing else: stale ones go)."""
        if self.folder is None:
            return
        if self.other:
            self.found[MANIFEST_KEY] = [self.other]
        if self.found != self.entries:
            from ..formats import atomic_output

            with atomic_output(self.folder / DIGESTS_FILE) as stream:
                stream.write(json.dumps(self.found, sort_keys=True).encode())


def _stamp(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def _read_cache(folder: Path) -> dict[str, list[Any]]:
    try:
        data = json.loads((folder / DIGESTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def digest(store: Store, name: str, cache: DigestCache | None = None) -> LocalGraph:
    """One graph's digest and size: from the cache, or read and hashed (and cached)."""
    found = cache.get(name) if cache else None
    if found is None:
        found = _graph(name, _lines(store, [name]))
        if cache:
            cache.put(name, found)
    return found


def local_graphs(
    store: Store, mint: Minter, default_graph: bool, folder: Path | None = None
) -> dict[str, LocalGraph]:
    """Each owned graph with its hash, keyed by IRI; or, for --default-graph, their union
    under the key '#default'.  With `folder` (build/), digests come from and go to the
    :class:`DigestCache`."""
    names = owned_graphs(store, mint)
    cache = DigestCache(folder) if folder else None
    found = {name: digest(store, name, cache) for name in names}
    result = found
    if default_graph:
        key = _stamp(sorted((n, g.digest) for n, g in found.items()))
        union = cache.get(DEFAULT, key) if cache else None
        if union is None:
            union = _graph(None, _lines(store, names))
        if cache:
            cache.put(DEFAULT, union, key)
        result = {DEFAULT: union}
    if cache:
        cache.save()
    return result


_BLANK = re.compile(rb"_:[A-Za-z0-9_][A-Za-z0-9_.\-]*")


def chunks(lines: list[bytes], size: int) -> list[list[bytes]]:
    """Lines packed into chunks of at most `size`, never splitting the triples that share
    a blank node: each INSERT DATA makes fresh blank nodes, so a blank node's triples
    must travel in one request.  (A literal that looks like a label can only join
    groups, never split one.)"""
    parent: dict[bytes, bytes] = {}

    def find(label: bytes) -> bytes:
        while parent.setdefault(label, label) != label:
            parent[label] = parent[parent[label]]
            label = parent[label]
        return label

    for line in lines:
        labels = _BLANK.findall(line)
        for other in labels[1:]:
            parent[find(other)] = find(labels[0])
    groups: dict[bytes, list[bytes]] = {}
    for index, line in enumerate(lines):
        labels = _BLANK.findall(line)
        key = find(labels[0]) if labels else b"#%d" % index
        groups.setdefault(key, []).append(line)
    packed: list[list[bytes]] = []
    for group in groups.values():
        if packed and len(packed[-1]) + len(group) <= size:
            packed[-1].extend(group)
        else:
            packed.append(list(group))
    return packed


# -- the remote side -------------------------------------------------------------------------


@dataclass
class RemoteState:
    """What the store holds of newskg's: its graphs, and the hashes last recorded."""

    graphs: set[str]
    hashes: dict[str, str]


def _term(iri: str) -> str:
    """An IRI as SPARQL; pyoxigraph has checked it, and writes it escaped."""
    return str(NamedNode(iri))


# The push record's queries: fixed texts, the record graph and the property bound by a
# VALUES block of validated terms (sparql.values_block, as for every query newskg builds).
RECORD_QUERY = "SELECT ?g ?h WHERE { GRAPH ?record { ?g ?hashed ?h } }"
UNRECORD = "DELETE { GRAPH ?record { ?g ?hashed ?h } } WHERE { GRAPH ?record { ?g ?hashed ?h } }"
RECORD = "INSERT { GRAPH ?record { ?g ?hashed ?h } } WHERE { }"
SIZES = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


def _bound(text: str, names: list[str], rows: list[list[Any]]) -> str:
    """A fixed query or update with the rows bound at the start of its WHERE group."""
    from ..sparql import values_block, where_brace

    brace = where_brace(text)
    return f"{text[: brace + 1]} {values_block(names, rows)} {text[brace + 1 :]}"


def read_remote(client: HttpClient, endpoint: Endpoint, mint: Minter) -> RemoteState:
    """The store's graphs under the base IRI, and the push record.

    ``GRAPH ?g {}`` lists the named graphs (SPARQL 1.1, section 13.3) without reading
    their triples: on Oxigraph it is twenty times faster than a DISTINCT over all quads.
    """
    record = mint.graph("push").value
    rows = client.select(endpoint.query, "SELECT ?g WHERE { GRAPH ?g {} }")
    graphs = {r["g"] for r in rows if "g" in r and mint.owns(r["g"])} - {record}
    hashes: dict[str, str] = {}
    bound = [[NamedNode(record), NamedNode(CONTENT_HASH)]]
    query = _bound(RECORD_QUERY, ["record", "hashed"], bound)
    for row in client.select(endpoint.query, query):
        graph, found = row.get("g", ""), row.get("h", "")
        graph = DEFAULT if graph == record + DEFAULT else graph
        hashes[graph] = found if hashes.get(graph, found) == found else ""
    return RemoteState(graphs, hashes)


# -- the report --------------------------------------------------------------------------------


@dataclass
class PushReport:
    """What a push did, and, if it failed, what did not happen."""

    endpoint: str
    protocol: str
    landed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    not_landed: list[str] = field(default_factory=list)
    not_dropped: list[str] = field(default_factory=list)
    triples: int = 0
    notes: list[str] = field(default_factory=list)
    """What newskg derived itself (URLs of a bare --endpoint)."""

    def summary(self) -> str:
        """One line for the terminal."""
        return (
            f"pushed to {self.endpoint} ({self.protocol}): {len(self.landed)} graph(s) replaced "
            f"({self.triples} statements), {len(self.unchanged)} unchanged, "
            f"{len(self.dropped)} dropped"
        )

    def failure(self, where: str, error: StoreError) -> str:
        """The whole truth about a failed push: what landed, what did not."""
        lines = [f"push to {self.endpoint} stopped at {where}: {error.message}"]
        for title, items in (
            ("landed", self.landed),
            ("dropped", self.dropped),
            ("not landed", self.not_landed),
            ("not dropped", self.not_dropped),
        ):
            if items:
                lines.append(f"{title}: {len(items)} graph(s)")
                lines.extend(f"  {item}" for item in items)
        return "\n".join(lines)


class PushFailed(StoreError):
    """A push that stopped; `report` says what landed and what did not."""

    def __init__(self, message: str, report: PushReport) -> None:
        super().__init__(
            message, "nothing is lost: run newskg push again to send what did not land"
        )
        self.report = report


# -- progress ---------------------------------------------------------------------------------


class _Progress:
    """The push's bar (newskg.progress): triples sent, with triples per second."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total = total
        self.enabled = enabled and total > 0
        self._advance: Callable[..., None] = lambda triples, label=None: None

    @contextmanager
    def running(self) -> Iterator[None]:
        """Show the bar while the block runs."""
        if not self.enabled:
            yield
            return
        with progress("push", self.total, "triples") as advance:
            self._advance = advance
            try:
                yield
            finally:
                self._advance = lambda triples, label=None: None

    def advance(self, triples: int, label: str) -> None:
        """Count triples sent."""
        self._advance(triples, label)


# -- the plan -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    """A graph to send: its name, whether the store holds it now, and its size if known
    (from the digest cache; None: it will be read when sent)."""

    iri: str | None
    held: bool
    count: int | None

    @property
    def label(self) -> str:
        """How messages name it."""
        return f"<{self.iri}>" if self.iri else "the default graph"


@dataclass(frozen=True)
class Loaded:
    """A graph read for sending: its lines and its digest."""

    item: Outgoing
    lines: list[bytes]
    graph: LocalGraph


def batches(todo: Sequence[Outgoing], size: int, guess: int) -> list[list[Outgoing]]:
    """Graphs in sending order, cut into batches of about `size` triples (`guess` for a
    graph whose size is not known yet); a graph never spans two batches."""
    packed: list[list[Outgoing]] = []
    filled = size
    for item in todo:
        count = item.count if item.count is not None else guess
        if not packed or (filled > 0 and filled + count > size):
            packed.append([])
            filled = 0
        packed[-1].append(item)
        filled += count
    return packed


def _label(batch: Sequence[Outgoing | str]) -> str:
    """A batch's name in messages: its first graph, and how many more."""
    first = batch[0] if isinstance(batch[0], str) else batch[0].label
    return first if len(batch) == 1 else f"{first} and {len(batch) - 1} more graph(s)"


# -- the push itself ----------------------------------------------------------------------------


class _Pusher:
    """Sends batches of graphs over the endpoint's protocol and keeps the record."""

    def __init__(
        self,
        client: HttpClient,
        endpoint: Endpoint,
        mint: Minter,
        store: Store,
        chunk_size: int,
        batch_size: int,
        cache: DigestCache | None = None,
    ) -> None:
        self.client = client
        self.endpoint = endpoint
        self.mint = mint
        self.store = store
        self.chunk_size = chunk_size
        self.batch_size = batch_size
        self.cache = cache
        self.record = mint.graph("push").value
        self.tmp = mint.graph("push-tmp").value
        self.progress = _Progress(0, False)
        self.on_landed: Callable[[Loaded], None] = lambda graph: None

    # the record -------------------------------------------------------------------------

    def _subject(self, graph: str | None) -> NamedNode:
        return NamedNode(graph or self.record + DEFAULT)

    def _record_row(self) -> list[Any]:
        return [NamedNode(self.record), NamedNode(CONTENT_HASH)]

    def _unrecord(self, graphs: Sequence[str | None]) -> str:
        """An update that forgets graphs' hashes (running it twice changes nothing)."""
        rows = [[*self._record_row(), self._subject(g)] for g in graphs]
        return _bound(UNRECORD, ["record", "hashed", "g"], rows)

    def _recording(self, graphs: Sequence[LocalGraph]) -> str:
        """An update that sets graphs' hashes to the ones just landed."""
        rows = [[*self._record_row(), self._subject(g.iri), Literal(g.digest)] for g in graphs]
        return (
            f"{self._unrecord([g.iri for g in graphs])} ;\n"
            f"{_bound(RECORD, ['record', 'hashed', 'g', 'h'], rows)}"
        )

    def _write(self, text: str, *, idempotent: bool) -> None:
        """One SPARQL update to the update URL."""
        self.client.update(self.endpoint.update, text, idempotent=idempotent)

    # reading ------------------------------------------------------------------------------

    def load(self, batch: Sequence[Outgoing]) -> list[Loaded]:
        """Read a batch's graphs, hash them, and cache the digests."""
        loaded = []
        for item in batch:
            names = [item.iri] if item.iri else owned_graphs(self.store, self.mint)
            loaded.append(self._loaded(item, _lines(self.store, names)))
        return loaded

    def _loaded(self, item: Outgoing, lines: list[bytes]) -> Loaded:
        graph = _graph(item.iri, lines)
        if self.cache and item.iri:
            self.cache.put(item.iri, graph)
        return Loaded(item, lines, graph)

    def read(self, todo: Sequence[Outgoing], guess: int) -> Iterator[list[Loaded]]:
        """The graphs to send, read and cut into batches: many in one pass over the
        store (see :func:`scan`), in batches of exactly known size; few one by one, in
        the order of their names."""
        named = {g.iri: g for g in todo if g.iri}
        if len(named) < SCAN_FROM or len(named) < len(todo) or not scannable(self.store):
            for batch in batches(todo, self.batch_size, guess):
                yield self.load(batch)
            return
        packed: list[Loaded] = []
        filled = 0
        for name, lines in scan(self.store, set(named)):
            packed.append(self._loaded(named[name], lines))
            filled += len(lines)
            if filled >= self.batch_size:
                yield packed
                packed, filled = [], 0
        if packed:
            yield packed

    # sending ------------------------------------------------------------------------------

    def _store_url(self, graph: str | None) -> str:
        """The Graph Store Protocol URL of one graph (None: the default graph)."""
        store = self.endpoint.store or ""
        joiner = "&" if "?" in store else "?"
        return store + joiner + ("default" if graph is None else "graph=" + quote(graph, safe=""))

    def _landed(self, graph: Loaded, sent: bool = True) -> None:
        """A graph is in the store (its record may follow): count it, and tell run()."""
        if sent:
            self.progress.advance(graph.graph.count, graph.item.label)
        self.on_landed(graph)

    def send(self, batch: list[Loaded]) -> None:
        """Replace a batch's graphs in the store, then record their hashes; each graph is
        reported landed as soon as the store holds it."""
        if self.endpoint.protocol == "gsp":
            self._gsp(batch)
        elif self.endpoint.atomic_updates:
            self._replace(batch)
        else:
            self._load_and_move(batch)

    def _replace(self, batch: list[Loaded]) -> None:
        """Drop the batch's graphs, insert them again and record their hashes, all in one
        update request: where the store applies a request in one transaction, each graph
        is replaced atomically and the record changes with it.  Running it twice gives the
        same store, so it is retried on transient failures."""
        drops = [
            f"DROP SILENT GRAPH {_term(g.item.iri)}" if g.item.iri else "DROP SILENT DEFAULT"
            for g in batch
        ]
        data = b"".join(
            b"GRAPH %s {\n%s}\n" % (_term(g.item.iri).encode(), _body(g.lines))
            if g.item.iri
            else _body(g.lines)
            for g in batch
        )
        record = self._recording([g.graph for g in batch])
        steps = [*drops, "INSERT DATA {\n" + data.decode("utf-8") + "}", record]
        text = " ;\n".join(steps)
        self._write(text, idempotent=True)
        for graph in batch:
            self._landed(graph)

    def _gsp(self, batch: list[Loaded]) -> None:
        """POST the graphs the store does not hold as N-Quads in one request (where the
        store takes them), PUT the others; then record the hashes in one update."""
        fresh = [g for g in batch if not g.item.held and g.item.iri]
        if not self.endpoint.post_quads or len(fresh) < 2:
            fresh = []
        if fresh:
            body = b"".join(
                line[:-1] + _term(g.item.iri or "").encode() + b" .\n"
                for g in fresh
                for line in g.lines
            )
            try:
                self.client.send(
                    "POST",
                    self.endpoint.store or "",
                    body,
                    {"Content-Type": "application/n-quads"},
                    idempotent=False,
                )
                for graph in fresh:
                    self._landed(graph)
            except TransientError as error:  # it may have landed: PUT replaces either way
                log.info(
                    "%s; sending %s again graph by graph",
                    error.message,
                    _label([g.item for g in batch]),
                )
                fresh = []
        for graph in batch:
            if graph not in fresh:
                self.client.send(
                    "PUT",
                    self._store_url(graph.item.iri),
                    _body(graph.lines),
                    {"Content-Type": "application/n-triples"},
                    idempotent=True,
                )
                self._landed(graph)
        self._write(self._recording([g.graph for g in batch]), idempotent=True)

    def _tmp(self, index: int) -> str:
        return f"{self.tmp}/{index}"

    def _load_and_move(self, batch: list[Loaded]) -> None:
        """Load the batch into temporary graphs, check their sizes, MOVE them in with the
        record, in one update.

        The steps that are not idempotent (INSERT DATA, MOVE) are never retried alone:
        after a transient failure the whole batch starts again from empty temporary
        graphs, a bounded number of times."""
        backoff = self.client.backoff
        tmps = [self._tmp(i) for i in range(len(batch))]
        attempt = 0
        while True:
            self._write(" ;\n".join(f"DROP SILENT GRAPH {_term(t)}" for t in tmps), idempotent=True)
            try:
                self._insert(batch, tmps)
                self._check_sizes(batch, tmps)
                moves = [
                    f"MOVE {_term(t)} TO {_term(g.item.iri) if g.item.iri else 'DEFAULT'}"
                    for t, g in zip(tmps, batch, strict=True)
                ]
                moves.append(self._recording([g.graph for g in batch]))
                self._write(" ;\n".join(moves), idempotent=False)
                for graph in batch:
                    self._landed(graph, sent=False)  # counted chunk by chunk
                return
            except TransientError as error:
                attempt += 1
                if attempt >= backoff.attempts:
                    raise
                log.info(
                    "%s; loading %s again (%d)",
                    error.message,
                    _label([g.item for g in batch]),
                    attempt,
                )
                backoff.wait(attempt - 1, error.retry_after)

    def _insert(self, batch: list[Loaded], tmps: list[str]) -> None:
        """INSERT DATA into the temporary graphs, at most chunk_size triples a request."""
        parts: list[bytes] = []
        filled = 0
        for tmp, graph in zip(tmps, batch, strict=True):
            for chunk in chunks(graph.lines, self.chunk_size):
                if parts and filled + len(chunk) > self.chunk_size:
                    self._insert_data(parts, filled, graph.item.label)
                    parts, filled = [], 0
                parts.append(b"GRAPH %s {\n%s}\n" % (_term(tmp).encode(), _body(chunk)))
                filled += len(chunk)
        if parts:
            self._insert_data(parts, filled, batch[-1].item.label)

    def _insert_data(self, parts: list[bytes], count: int, label: str) -> None:
        text = b"INSERT DATA {\n%s}" % b"".join(parts)
        self._write(text.decode("utf-8"), idempotent=False)
        self.progress.advance(count, label)

    def _check_sizes(self, batch: list[Loaded], tmps: list[str]) -> None:
        """The temporary graphs must hold every triple before they are swapped in."""
        query = _bound(SIZES, ["g"], [[NamedNode(t)] for t in tmps])
        held = {
            r.get("g", ""): int(r.get("n", "0"))
            for r in self.client.select(self.endpoint.query, query)
        }
        for tmp, graph in zip(tmps, batch, strict=True):
            if held.get(tmp, 0) != graph.graph.count:
                raise StoreError(
                    f"the store holds {held.get(tmp, 0)} of the {graph.graph.count} triples "
                    f"loaded for {graph.item.label}; not swapped in",
                    "does the store merge or change literals? see its log",
                )

    def drop(self, graphs: Sequence[str]) -> None:
        """Remove graphs newskg owns and no longer builds, and forget their hashes, in
        one update (running it twice changes nothing)."""
        drops = [f"DROP SILENT GRAPH {_term(g)}" for g in graphs]
        self._write(" ;\n".join([*drops, self._unrecord(graphs)]), idempotent=True)

    def forget(self, graphs: Sequence[str]) -> None:
        """Remove graphs' hashes from the record (and nothing else)."""
        self._write(self._unrecord(graphs), idempotent=True)

    # the plan ----------------------------------------------------------------------------

    def plan(self, names: Sequence[str], remote: RemoteState, report: PushReport) -> list[Outgoing]:
        """What to send: each graph the store does not hold, or holds under another hash.
        Only the graphs the store holds with a recorded hash are hashed here (most often
        from the cache); the others are hashed as they are read to be sent."""
        todo: list[Outgoing] = []
        for name in names:
            held = name in remote.graphs
            recorded = remote.hashes.get(name)
            if held and recorded:
                graph = digest(self.store, name, self.cache)
                if graph.digest == recorded:
                    report.unchanged.append(graph.label)
                    continue
                todo.append(Outgoing(name, True, graph.count))
            else:
                known = self.cache.get(name) if self.cache else None
                todo.append(Outgoing(name, held, known.count if known else None))
        return todo

    def run(
        self,
        names: Sequence[str],
        report: PushReport,
        progress: bool,
        default: LocalGraph | None = None,
        remote: RemoteState | None = None,
    ) -> None:
        """Send what changed, then drop what is gone; stop at the first failure.
        `remote`: what the store holds, if read already."""
        if remote is None:
            remote = read_remote(self.client, self.endpoint, self.mint)
        if default is not None:
            todo = []
            if remote.hashes.get(DEFAULT) != default.digest:
                todo = [Outgoing(None, True, default.count)]
            else:
                report.unchanged.append(default.label)
            stale: list[str] = []
        else:
            todo = self.plan(names, remote, report)
            # remote.graphs holds only graphs newskg owns: nothing else is ever dropped
            stale = sorted(remote.graphs - set(names))
        forgotten = sorted(set(remote.hashes) - set(names) - remote.graphs - {DEFAULT})
        report.not_landed = [g.label for g in todo]
        report.not_dropped = [f"<{g}>" for g in stale]
        known = [g.count for g in todo if g.count is not None]
        guess = self._average(names, todo)
        total = sum(known) + guess * (len(todo) - len(known))
        self.progress = _Progress(total, progress)

        def landed(graph: Loaded) -> None:
            report.not_landed.remove(graph.item.label)
            report.landed.append(graph.item.label)
            report.triples += graph.graph.count

        self.on_landed = landed
        with self.progress.running():
            for loaded in _prefetch(self.read(todo, guess)):
                where = _label([g.item for g in loaded])
                self._step(where, report, partial(self.send, loaded))
            for batch_names in _cut(stale, max(1, self.batch_size // 100)):
                self._step(
                    _label([f"<{n}>" for n in batch_names]), report, partial(self.drop, batch_names)
                )
                for _ in batch_names:
                    report.dropped.append(report.not_dropped.pop(0))
            for batch_names in _cut(forgotten, max(1, self.batch_size // 100)):
                where = "the record of " + _label([f"<{n}>" for n in batch_names])
                self._step(where, report, partial(self.forget, batch_names))

    def _average(self, names: Sequence[str], todo: Sequence[Outgoing]) -> int:
        """A guess at the size of a graph not read yet: the store's average."""
        if all(g.count is not None for g in todo) or not names:
            return 0
        return max(1, len(self.store) // len(names))

    def _step(self, where: str, report: PushReport, action: Callable[[], Any]) -> Any:
        """Run one step; a failure becomes a PushFailed that tells the whole story."""
        try:
            return action()
        except PushFailed:
            raise
        except StoreError as error:
            raise PushFailed(report.failure(where, error), report) from error


def _cut(items: Sequence[str], size: int) -> list[list[str]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def push(
    endpoint: str,
    root: Path | None = None,
    *,
    protocol: str | None = None,
    default_graph: bool = False,
    timeout: float | None = None,
    chunk_size: int = CHUNK_SIZE,
    batch_size: int = BATCH_SIZE,
    backoff: Backoff | None = None,
    progress: bool | None = None,
    environ: Mapping[str, str] | None = None,
    on_request: Callable[[str, str], None] | None = None,
    say: Callable[[str], None] | None = None,
) -> PushReport:
    """Build the project if its data changed, then bring the store in step with the build.

    `endpoint` is a profile of newskg.toml or a URL (see :mod:`newskg.profiles`).
    `batch_size` bounds the triples of a batch of graphs, `chunk_size` those of one
    INSERT DATA (update protocol).  `progress` None shows a progress bar when stderr is
    a terminal; `say` hears what newskg derived from a bare URL, before anything is sent.
    Raises :class:`PushFailed` (a StoreError, exit code 3) naming what landed and what
    did not.
    """
    from ..layout import find_root
    from ..pipeline import BuildDir, build

    project_root = find_root(root)
    target = resolve(endpoint, project_root, protocol)
    for note in target.derived:
        (say or log.info)(f"{target.name}: derived the {note}")
    client = HttpClient(
        credentials(target, environ),
        timeout=timeout or target.timeout,
        backoff=backoff or Backoff(),
        on_request=on_request,
    )
    # the store is asked what it holds while the build runs: both take a fraction of a
    # second, which is most of a re-push of unchanged data
    base = BuildDir(project_root).read_manifest().get("base_iri")
    with ThreadPoolExecutor(1) as asking:
        early = asking.submit(read_remote, client, target, Minter(base)) if base else None
        project = build(project_root).project
        mint = Minter(project.base_iri)
        remote = early.result() if early and base == project.base_iri else None
    report = PushReport(target.name, target.protocol, notes=list(target.derived))
    folder = BuildDir(project.root).path
    store = Store.read_only(str(folder / "store"))
    show = progress_enabled() if progress is None else progress
    if default_graph:
        union = local_graphs(store, mint, True, folder)[DEFAULT]
        pusher = _Pusher(client, target, mint, store, max(1, chunk_size), max(1, batch_size))
        pusher.run([], report, show, default=union, remote=remote)
        return report
    cache = DigestCache(folder)
    pusher = _Pusher(client, target, mint, store, max(1, chunk_size), max(1, batch_size), cache)
    try:
        pusher.run(owned_graphs(store, mint), report, show, remote=remote)
    finally:
        cache.save()
    return report
