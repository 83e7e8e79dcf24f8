"""Push the built dataset into a triple store, graph by graph, sending only what changed.

Each named graph newskg owns (under the project's base IRI, and the ontology's) is
*replaced* in the store, never added to, so that pushing twice gives the same store:

- ``gsp``, the SPARQL 1.1 Graph Store HTTP Protocol: ``PUT store?graph=<g>`` with the
  graph as N-Triples.  A PUT replaces the graph in one request and is idempotent, so it
  is retried on transient failures.
- ``update``, SPARQL 1.1 Update, for stores without the Graph Store Protocol: the graph
  is loaded into a fresh temporary graph with INSERT DATA in bounded chunks, its size is
  checked with a COUNT query, and it is swapped in with one ``MOVE``, so that readers
  never see half a graph.  INSERT DATA is not idempotent: after a transient failure the
  temporary graph is dropped and the graph loaded again from the start.

What was pushed is recorded in the store itself, in the graph ``{base}graph/push``: one
triple ``<graph> nk:contentHash "sha-256"`` per graph, written after the graph has landed
(the hash is over the graph's sorted N-Triples).  A graph whose hash matches and which
the store still holds is not sent again.  A graph under the base IRI that the store holds
and the build does not (a deleted article's) is dropped; every other graph (the user's
own data) is never touched.

A failure stops the push at once; the error names the graphs that landed and those that
did not.  Nothing is lost (a graph is replaced in one step, and its record follows it),
and running the push again sends exactly what did not land.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pyoxigraph import NamedNode, RdfFormat, Store, serialize

from ..errors import StoreError
from ..profiles import Endpoint, credentials, resolve
from ..vocab import NK, Minter
from .http import Backoff, HttpClient, HttpError, TransientError

log = logging.getLogger("newskg.push")

CHUNK_SIZE = 5000
"""Triples per INSERT DATA request: small enough for any store's request limits."""
CONTENT_HASH = NK + "contentHash"
PUSH_GRAPH = "graph/push"
TMP_GRAPH = "graph/push-tmp"
DIGESTS_FILE = "push-digests.json"
DEFAULT = "#default"
"""Suffix of the push record's subject that stands for the store's default graph."""


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


def _article_keys(folder: Path) -> dict[str, str]:
    """Each article graph's key in the digest cache: a hash of its article's whole entry
    in the build manifest (with newskg's version and the base IRI), which the build
    rewrites whenever it maps the article again -- whatever fields the entry holds."""
    from ..pipeline import BuildDir

    manifest = BuildDir(folder.parent).read_manifest()
    entries = manifest.get("articles", {})
    keys: dict[str, str] = {}
    for entry in entries.values() if isinstance(entries, dict) else ():
        if not isinstance(entry, dict) or not isinstance(entry.get("graphs"), list):
            continue
        stamp = [manifest.get("newskg"), manifest.get("base_iri"), entry]
        key = hashlib.sha256(json.dumps(stamp, sort_keys=True, default=str).encode())
        keys.update(dict.fromkeys(map(str, entry["graphs"]), key.hexdigest()))
    return keys


def _read_cache(folder: Path) -> dict[str, list[Any]]:
    try:
        data = json.loads((folder / DIGESTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_cache(folder: Path, cache: dict[str, list[Any]]) -> None:
    from ..formats import atomic_output

    if cache != _read_cache(folder):
        with atomic_output(folder / DIGESTS_FILE) as stream:
            stream.write(json.dumps(cache, sort_keys=True).encode())


def local_graphs(
    store: Store, mint: Minter, default_graph: bool, folder: Path | None = None
) -> dict[str, LocalGraph]:
    """Each owned graph with its hash, keyed by IRI; or, for --default-graph, their union
    under the key '#default'.

    Hashing means reading every triple, which takes seconds at the scale of a thousand
    articles, so with `folder` (build/) the digests of article graphs are cached in
    build/push-digests.json under their article's manifest entry: a re-push of unchanged
    data then reads only the registry's, the build's and the ontology's graphs."""
    names = owned_graphs(store, mint)
    keys = _article_keys(folder) if folder else {}
    cached = _read_cache(folder) if folder else {}
    found: dict[str, LocalGraph] = {}
    for name in names:
        hit = cached.get(name)
        if name in keys and isinstance(hit, list) and len(hit) == 3 and hit[0] == keys[name]:
            found[name] = LocalGraph(name, str(hit[1]), int(hit[2]))
        else:
            found[name] = _graph(name, _lines(store, [name]))
    cache = {n: [keys[n], g.digest, g.count] for n, g in found.items() if n in keys}
    result = found
    if default_graph:
        key = hashlib.sha256(json.dumps(sorted((n, g.digest) for n, g in found.items())).encode())
        hit = cached.get(DEFAULT)
        if isinstance(hit, list) and len(hit) == 3 and hit[0] == key.hexdigest():
            union = LocalGraph(None, str(hit[1]), int(hit[2]))
        else:
            union = _graph(None, _lines(store, names))
        cache[DEFAULT] = [key.hexdigest(), union.digest, union.count]
        result = {DEFAULT: union}
    if folder:
        _write_cache(folder, cache)
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


def read_remote(client: HttpClient, endpoint: Endpoint, mint: Minter) -> RemoteState:
    """The store's graphs under the base IRI, and the push record.

    ``GRAPH ?g {}`` lists the named graphs (SPARQL 1.1, section 13.3) without reading
    their triples: on Oxigraph it is twenty times faster than a DISTINCT over all quads.
    """
    record = mint.graph("push").value
    rows = client.select(endpoint.query, "SELECT ?g WHERE { GRAPH ?g {} }")
    graphs = {r["g"] for r in rows if "g" in r and mint.owns(r["g"])} - {record}
    hashes: dict[str, str] = {}
    query = f"SELECT ?g ?h WHERE {{ GRAPH {_term(record)} {{ ?g {_term(CONTENT_HASH)} ?h }} }}"
    for row in client.select(endpoint.query, query):
        graph, digest = row.get("g", ""), row.get("h", "")
        graph = DEFAULT if graph == record + DEFAULT else graph
        hashes[graph] = digest if hashes.get(graph, digest) == digest else ""
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
    """A rich progress bar on stderr in triples, with triples per second; silent (and
    rich not even imported) when stderr is not a terminal."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total = total
        self.enabled = enabled and total > 0
        self._advance: Callable[[int, str], None] = lambda triples, label: None

    @contextmanager
    def running(self) -> Iterator[None]:
        """Show the bar while the block runs."""
        if not self.enabled:
            yield
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("triples, {task.fields[rate]}/s"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        with bar:
            task = bar.add_task("push", total=self.total, rate="-")

            def advance(triples: int, label: str) -> None:
                bar.advance(task, triples)
                speed = next(t.speed for t in bar.tasks if t.id == task)
                rate = f"{speed:,.0f}" if speed else "-"
                short = label if len(label) <= 40 else "…" + label[-39:]
                bar.update(task, description=short, rate=rate)

            self._advance = advance
            try:
                yield
            finally:
                self._advance = lambda triples, label: None

    def advance(self, triples: int, label: str) -> None:
        """Count triples sent."""
        self._advance(triples, label)


# -- the push itself ----------------------------------------------------------------------------


class _Pusher:
    """Sends graphs one by one over the endpoint's protocol and keeps the record."""

    def __init__(
        self,
        client: HttpClient,
        endpoint: Endpoint,
        mint: Minter,
        store: Store,
        chunk_size: int,
    ) -> None:
        self.client = client
        self.endpoint = endpoint
        self.mint = mint
        self.store = store
        self.chunk_size = chunk_size
        self.record = mint.graph("push").value
        self.tmp = mint.graph("push-tmp").value
        self.progress = _Progress(0, False)

    # the record -------------------------------------------------------------------------

    def _subject(self, graph: LocalGraph | str) -> str:
        iri = graph.iri if isinstance(graph, LocalGraph) else graph
        return _term(iri or self.record + DEFAULT)

    def _unrecord(self, graph: LocalGraph | str) -> str:
        """An update that forgets a graph's hash (running it twice changes nothing)."""
        return (
            f"DELETE WHERE {{ GRAPH {_term(self.record)} "
            f"{{ {self._subject(graph)} {_term(CONTENT_HASH)} ?h }} }}"
        )

    def _recording(self, graph: LocalGraph) -> str:
        """An update that sets a graph's hash to the one just landed."""
        return (
            f"{self._unrecord(graph)} ;\nINSERT DATA {{ GRAPH {_term(self.record)} "
            f'{{ {self._subject(graph)} {_term(CONTENT_HASH)} "{graph.digest}" }} }}'
        )

    # sending ------------------------------------------------------------------------------

    def _store_url(self, graph: str | None) -> str:
        """The Graph Store Protocol URL of one graph (None: the default graph)."""
        store = self.endpoint.store or ""
        joiner = "&" if "?" in store else "?"
        return store + joiner + ("default" if graph is None else "graph=" + quote(graph, safe=""))

    def send(self, graph: LocalGraph) -> None:
        """Replace one graph in the store, then record its hash."""
        names = [graph.iri] if graph.iri else owned_graphs(self.store, self.mint)
        lines = _lines(self.store, names)
        if self.endpoint.protocol == "gsp":
            self.client.send(
                "PUT",
                self._store_url(graph.iri),
                _body(lines),
                {"Content-Type": "application/n-triples"},
                idempotent=True,
            )
            self.progress.advance(len(lines), graph.label)
            self.client.update(self.endpoint.update, self._recording(graph), idempotent=True)
        else:
            self._load_and_move(graph, lines)

    def _load_and_move(self, graph: LocalGraph, lines: list[bytes]) -> None:
        """Load into the temporary graph, check its size, MOVE it in with the record.

        The steps that are not idempotent (INSERT DATA, MOVE) are never retried alone:
        after a transient failure the whole load starts again from an empty temporary
        graph, a bounded number of times."""
        backoff = self.client.backoff
        attempt = 0
        while True:
            self.client.update(
                self.endpoint.update, f"DROP SILENT GRAPH {_term(self.tmp)}", idempotent=True
            )
            try:
                self._insert(graph, lines)
                self._check_size(graph)
                target = _term(graph.iri) if graph.iri else "DEFAULT"
                move = f"MOVE {_term(self.tmp)} TO {target} ;\n{self._recording(graph)}"
                self.client.update(self.endpoint.update, move, idempotent=False)
                return
            except TransientError as error:
                attempt += 1
                if attempt >= backoff.attempts:
                    raise
                log.info("%s; loading %s again (%d)", error.message, graph.label, attempt)
                backoff.wait(attempt - 1, error.retry_after)

    def _insert(self, graph: LocalGraph, lines: list[bytes]) -> None:
        """INSERT DATA into the temporary graph, chunk by chunk."""
        for chunk in chunks(lines, self.chunk_size):
            text = b"INSERT DATA { GRAPH %s {\n%s} }" % (_term(self.tmp).encode(), _body(chunk))
            self.client.update(self.endpoint.update, text.decode("utf-8"), idempotent=False)
            self.progress.advance(len(chunk), graph.label)

    def _check_size(self, graph: LocalGraph) -> None:
        """The temporary graph must hold every triple before it is swapped in."""
        query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {_term(self.tmp)} {{ ?s ?p ?o }} }}"
        rows = self.client.select(self.endpoint.query, query)
        held = int(rows[0].get("n", "0")) if rows else 0
        if held != graph.count:
            raise StoreError(
                f"the store holds {held} of the {graph.count} triples loaded for "
                f"{graph.label}; not swapped in",
                "does the store merge or change literals? see its log",
            )

    def drop(self, graph: str) -> None:
        """Remove a graph newskg owns and no longer builds, and forget its hash."""
        update = self.endpoint.update
        if self.endpoint.protocol == "gsp":
            try:
                self.client.send("DELETE", self._store_url(graph), idempotent=True)
            except HttpError as error:
                if error.status != 404:
                    raise
            self.forget(graph)
        else:
            text = f"DROP SILENT GRAPH {_term(graph)} ;\n{self._unrecord(graph)}"
            self.client.update(update, text, idempotent=True)

    def forget(self, graph: str) -> None:
        """Remove a graph's hash from the record (and nothing else)."""
        self.client.update(self.endpoint.update, self._unrecord(graph), idempotent=True)

    # the plan ----------------------------------------------------------------------------

    def run(self, local: dict[str, LocalGraph], report: PushReport, progress: bool) -> None:
        """Send what changed, then drop what is gone; stop at the first failure."""
        remote = read_remote(self.client, self.endpoint, self.mint)
        default = DEFAULT in local
        todo = [
            g
            for key, g in sorted(local.items())
            if remote.hashes.get(key) != g.digest or (not default and key not in remote.graphs)
        ]
        report.unchanged = [g.label for key, g in sorted(local.items()) if g not in todo]
        # remote.graphs holds only graphs newskg owns: nothing else is ever dropped
        stale = [] if default else sorted(remote.graphs - set(local) - {self.tmp})
        if self.tmp in remote.graphs:
            stale.insert(0, self.tmp)
        forgotten = sorted(set(remote.hashes) - set(local) - remote.graphs - {DEFAULT})
        report.not_landed = [g.label for g in todo]
        report.not_dropped = [f"<{g}>" for g in stale]
        self.progress = _Progress(sum(g.count for g in todo), progress)
        with self.progress.running():
            for graph in todo:
                self._step(graph.label, report, partial(self.send, graph))
                report.landed.append(report.not_landed.pop(0))
                report.triples += graph.count
            for name in stale:
                self._step(f"<{name}>", report, partial(self.drop, name))
                report.dropped.append(report.not_dropped.pop(0))
            for name in forgotten:  # records of graphs the store no longer holds
                self._step(f"the record of <{name}>", report, partial(self.forget, name))

    def _step(self, where: str, report: PushReport, action: Callable[[], None]) -> None:
        """Run one step; a failure becomes a PushFailed that tells the whole story."""
        try:
            action()
        except PushFailed:
            raise
        except StoreError as error:
            raise PushFailed(report.failure(where, error), report) from error


def push(
    endpoint: str,
    root: Path | None = None,
    *,
    protocol: str | None = None,
    default_graph: bool = False,
    timeout: float | None = None,
    chunk_size: int = CHUNK_SIZE,
    backoff: Backoff | None = None,
    progress: bool | None = None,
    environ: Mapping[str, str] | None = None,
    on_request: Callable[[str, str], None] | None = None,
    say: Callable[[str], None] | None = None,
) -> PushReport:
    """Build the project if its data changed, then bring the store in step with the build.

    `endpoint` is a profile of newskg.toml or a URL (see :mod:`newskg.profiles`).
    `progress` None shows a progress bar when stderr is a terminal; `say` hears what
    newskg derived from a bare URL, before anything is sent.  Raises
    :class:`PushFailed` (a StoreError, exit code 3) naming what landed and what did not.
    """
    from ..pipeline import BuildDir, build
    from ..project import find_root

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
    project = build(project_root).project
    mint = Minter(project.base_iri)
    report = PushReport(target.name, target.protocol, notes=list(target.derived))
    folder = BuildDir(project.root).path
    store = Store.read_only(str(folder / "store"))
    pusher = _Pusher(client, target, mint, store, max(1, chunk_size))
    local = local_graphs(store, mint, default_graph, folder)
    pusher.run(local, report, sys.stderr.isatty() if progress is None else progress)
    return report
