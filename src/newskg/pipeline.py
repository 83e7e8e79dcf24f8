"""The one pipeline that the CLI and the API both call: data/ -> build/.

``build/`` holds one TriG file per article (its own graph and its claims' graphs),
the registry's and the build's graphs, an on-disk pyoxigraph store with every graph,
and a manifest of content hashes.  A build maps only the articles whose sources (or
registry entries they use) changed, replaces their graphs in the store, and drops the
graphs of articles that are gone, so that build/ stays in step with data/.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import heapq
import itertools
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from pyoxigraph import BlankNode, NamedNode, Quad, RdfFormat, Store, parse, serialize

from . import __version__
from .build_metadata import build_metadata_quads, source_quads
from .errors import DataErrors, Location, Problem, StoreError, UsageError
from .formats import atomic_output
from .freshness import Stats, mtime_size, scan_inputs
from .loading import BULK_THRESHOLD, BackgroundLoader, load_files, peak_mb
from .manifest_entries import EntryTable, in_id_order, open_manifest, stat_text
from .parallel import cores
from .pending import PendingGraphs, UnreadablePending, read_pending, write_pending

if TYPE_CHECKING:
    from .layout import ArticleInput

from .layout import (
    ARTICLES_DIR,
    BUILD_DIR,
    INPUTS_STAMP,
    MANIFEST,
    PENDING,
    REGISTRY_FILE,
    REGISTRY_INDEX,
    STORE_DIR,
    Project,
    RegistryInput,
    base_iri,
    file_sha256,
    find_root,
    orphan_text_warnings,
    read_config,
    relative,
    sha256,
)
from .progress import notice, progress
from .resources import ontology_path
from .standby import StandbyFailed, StandbyWorker
from .vocab import ONTOLOGY_IRI, Minter, used_prefixes, used_prefixes_in

T = TypeVar("T")
P = ParamSpec("P")

OLD_MANIFEST = "manifest.json"
"""Where earlier newskg kept the manifest, as JSON: a build removes it."""
GRAPHS_DIR = "graphs"


@dataclass
class BuildResult:
    """What a build did, for the summary the CLI prints."""

    project: Project
    build_dir: Path
    built: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    quads: int = 0
    graphs: int = 0
    facts: int = 0
    claims: int = 0
    articles: int = 0
    inferred: int = 0
    output: str | None = None
    stages: list[Stage] = field(default_factory=list)


@dataclass
class Stage:
    """How long one stage of a build took and the peak memory of its processes."""

    name: str
    seconds: float
    peak_mb: float
    note: str = ""

    def __str__(self) -> str:
        # two decimals under a second: the compaction of a small store took under 0.05 s,
        # and "0.0 s" said it took no time at all
        seconds = f"{self.seconds:.1f}" if self.seconds >= 1 else f"{self.seconds:.2f}"
        return f"{self.name}: {seconds} s, peak {self.peak_mb:.0f} MB" + (
            f" ({self.note})" if self.note else ""
        )


@dataclass
class ArticleOutcome:
    """What mapping one article gave: its problems, or its manifest entry (its files
    are in the staging folder); and the peak memory of the process that mapped it."""

    article_id: str
    problems: list[Problem]
    entry: dict[str, Any] | None = None
    pid: int = 0
    peak_mb: float = 0.0


# The registry and project settings the mapping workers read: set before the pool forks.
_SHARED: dict[str, Any] = {}


def _stat(yaml_path: Path | str, seen: Stats | None = None) -> list[int]:
    """Modification times and sizes of an article's two files: when they are as before,
    the files are taken as unchanged without being read (as git does).  On path strings,
    not Path objects: a build after one change at 10,000 articles does this 10,000 times,
    from the stats the build's inputs fingerprint took (`seen`) when it has them."""
    name = os.fspath(yaml_path)
    text_name = name.removesuffix(".yaml") + ".txt"
    found = seen or {}
    sheet = found.get(name) or mtime_size(name)
    text = found.get(text_name) or mtime_size(text_name)
    if sheet is None:
        raise FileNotFoundError(name)
    return [*sheet, *text] if text is not None else [*sheet]


def _registry_hash(path: Path) -> str:
    return _registry_hash_of(file_sha256(path))


def _registry_hash_of(file_digest: str) -> str:
    """The registry's hash as the manifest keeps it, from its file's."""
    return sha256(json.dumps([[REGISTRY_FILE, file_digest]]).encode())


def _cached_registry(
    root: Path,
    folder: BuildDir,
    problems: list[Problem],
    staging: Path | None = None,
    reuse: bool = True,
) -> RegistryInput:
    """The registry, from its index in build/ when data/entities.yaml has not changed
    since a build wrote it; otherwise read again.  With `staging`, a build's, a new
    index is written there (it goes in place with the build); a registry that has
    problems, or that other commands find changed, is read whole, into memory.  The
    registry's hash in the result (its `sources`) is that of the bytes read: a file
    saved while a build runs is not taken for what the build has read.  Without
    `reuse` (a --full build) the index is written again whatever it says."""
    from .registry_index import open_index, write_index
    from .registry_reader import index_registry

    path = root / REGISTRY_FILE
    if not path.is_file():
        return _load_registry(root, problems)
    index = open_index(folder.path / REGISTRY_INDEX, file_sha256(path)) if reuse else None
    if index is None and staging is not None:
        index = index_registry(path, REGISTRY_FILE, staging / REGISTRY_INDEX)
    if index is not None:
        return RegistryInput(index, {REGISTRY_FILE: index.file_digest}, index, index.locations)
    registry = _load_registry(root, problems)
    if staging is None or not registry.entities or any(p.severity == "error" for p in problems):
        return registry
    # read whole without a problem: a shape the entry-by-entry reader leaves alone
    entries = ((e, registry.locations[e.id]) for e in registry.entities.values())
    index = write_index(staging / REGISTRY_INDEX, entries, registry.sources[REGISTRY_FILE])
    assert index is not None, "a registry without problems has no duplicate id"
    return RegistryInput(index, registry.sources, index, index.locations)


def _load_registry(root: Path, problems: list[Problem]) -> RegistryInput:
    """The registry read whole: imported only then, since it loads the fact models (a
    build after one change maps its article on the standby worker, which has them)."""
    from .project import load_registry

    return load_registry(root, problems)


def cached_registry(root: Path, problems: list[Problem]) -> RegistryInput:
    """The registry as the last successful build indexed it, when data/entities.yaml
    has not changed since (each entry read from build/ when asked for); otherwise read
    and checked again.  Reading a registry of 33,000 entries takes seconds: a check, a
    query or an export that needs only a few of them should not."""
    return _cached_registry(root, BuildDir(root), problems)


def _keep_registry_index(folder: BuildDir, registry: RegistryInput, staging: Path) -> None:
    """After a build that succeeded: the index it wrote in `staging` goes to build/."""
    from .registry_index import RegistryIndex

    index = registry.entities
    if isinstance(index, RegistryIndex) and index.path.parent == staging:
        index.move(folder.path / REGISTRY_INDEX)
    (folder.path / "registry.pickle").unlink(missing_ok=True)  # an earlier newskg's cache


def _entry_digests(registry: RegistryInput) -> Mapping[str, str]:
    """A hash of each registry entry: the index's, or worked out here for a registry
    read whole."""
    from .registry_index import RegistryIndex, entry_digest

    if isinstance(registry.entities, RegistryIndex):
        return registry.entities.digests
    return {e.id: entry_digest(e) for e in registry.entities.values()}


def _registry_stub(root: Path, manifest: dict[str, Any]) -> RegistryInput:
    """The registry as the last build left it, when neither it nor any article changed."""
    return RegistryInput({}, dict(manifest.get("registry_sources", {})), set(), {})


def _files_hash(yaml_path: Path) -> str:
    """One hash of an article's two files."""
    text_path = yaml_path.with_suffix(".txt")
    text = text_path.read_bytes() if text_path.is_file() else b""
    return _files_digest(sha256(yaml_path.read_bytes()), sha256(text))


def _files_digest(sheet_digest: str, text_digest: str) -> str:
    """One hash of an article's two files, from theirs."""
    return sha256((sheet_digest + text_digest).encode())


def _entries_digest(refs: Iterable[str], digests: Mapping[str, str]) -> str:
    """A hash of the registry entries an article uses."""
    return sha256(json.dumps([[r, digests.get(r, "")] for r in sorted(refs)]).encode())


def _map_article(article_id: str) -> ArticleOutcome:
    """Read, check and map one article (in a worker process, or in this one).  Asked by
    id, not by path: a Path object of data/articles is ten times the size of its id, and
    a build holds the ids of every article it maps."""
    from .mapping import article_quads
    from .project import load_article

    root, registry, base, prefixes, digests = (
        _SHARED["root"],
        _SHARED["registry"],
        _SHARED["base"],
        _SHARED["prefixes"],
        _SHARED["digests"],
    )
    yaml_path = root / ARTICLES_DIR / f"{article_id}.yaml"
    problems: list[Problem] = []
    article = load_article(root, yaml_path, registry, {}, problems)
    if article is None or any(p.severity == "error" for p in problems) or not _SHARED["map"]:
        return ArticleOutcome(yaml_path.stem, problems, None, os.getpid(), peak_mb())
    project = Project(root, base, registry.entities, [article], registry.sources)
    quads = article_quads(project, article)
    refs = sorted({e for e in _used_entities(article) if e in registry.entities})
    entry = {
        "files": _files_digest(  # as _files_hash gives, without reading the files again
            article.sources[relative(root, yaml_path)],
            article.sources[relative(root, yaml_path.with_suffix(".txt"))],
        ),
        "stat": _stat(yaml_path),
        "quads": len(quads),
        "refs": " ".join(refs),
        "registry": _entries_digest(refs, digests),
        "claim_graphs": " ".join(_claim_graphs(base, article.id, quads)),
        "locals": {
            e.id: str(article.doc.location(("entities", i, "id")))
            for i, e in enumerate(article.sheet.entities)
        },
        "facts": len(article.sheet.facts),
        "claims": sum(1 for f in article.sheet.facts if f.according_to is not None),
        "sources": article.sources,
    }
    nquads = serialize(quads, format=RdfFormat.N_QUADS) or b""
    trig = serialize(quads, format=RdfFormat.TRIG, prefixes=used_prefixes_in(nquads, prefixes))
    entry["trig"] = sha256(trig or b"")  # what export and check trust the file by
    # written here, not sent to the parent: a third process copying every article's
    # statements would compete with the workers for the cores
    staging: Path = _SHARED["staging"]
    (staging / "articles" / f"{article.id}.trig").write_bytes(trig or b"")
    (staging / "nq" / f"{article.id}.nq").write_bytes(nquads)
    return ArticleOutcome(article.id, problems, entry, os.getpid(), peak_mb())


def _claim_graphs(base: str, article_id: str, quads: list[Quad]) -> list[str]:
    """The ids of the facts whose claims have graphs: what the manifest keeps of the
    article's graphs (see article_graphs)."""
    mint = Minter(base)
    named = {g.value for g in {q.graph_name for q in quads}}  # type: ignore[union-attr]
    claims = mint.claim(article_id, "").value
    kept = sorted(g[len(claims) :] for g in named if g.startswith(claims))
    if named != set(_graphs_of(mint, article_id, kept)):
        raise RuntimeError(f"article {article_id} has graphs other than its own and its claims'")
    return kept


def article_graphs(manifest: Mapping[str, Any], article_id: str) -> list[str]:
    """The graphs of one article of the manifest, sorted: its own and its claims'.

    The manifest keeps the claims' fact ids, not the graphs' IRIs: at 10,000 articles
    the IRIs were 6 of its 20 MB, which a build after one change reads and writes."""
    entry = manifest["articles"][article_id]
    return _graphs_of(Minter(manifest["base_iri"]), article_id, entry["claim_graphs"].split())


def every_article_graphs(manifest: Mapping[str, Any]) -> Iterator[tuple[str, list[str]]]:
    """Each article of the manifest and its graphs (as article_graphs gives them), in id
    order: from the manifest's claim_graphs column, without decoding the entries."""
    entries = manifest.get("articles", {})
    if not isinstance(entries, EntryTable):
        for article_id in sorted(entries):
            yield article_id, article_graphs(manifest, article_id)
        return
    mint = Minter(manifest["base_iri"])
    for article_id, claim_graphs in entries.columns("claim_graphs"):
        yield article_id, _graphs_of(mint, article_id, claim_graphs.split())


def entry_refs(entry: Mapping[str, Any]) -> list[str]:
    """The registry ids an article of the manifest uses."""
    refs: str = entry.get("refs", "")
    return refs.split()  # ids, which have no spaces, as one string: see _map_article


def _graphs_of(mint: Minter, article_id: str, claim_ids: Iterable[str]) -> list[str]:
    own = mint.article(article_id).value
    return [own, *(mint.claim(article_id, c).value for c in claim_ids)]


WORKER_NICENESS = 10
"""How much lower the workers' priority is than the loader's (Unix niceness), while a
fresh store loads beside the mapping: starved of the cores by the workers, the loader fell
behind, held more batches in memory (1.7 GB at 10,000 articles, against 1.2 GB) and spent
more processor time on them, and the build took 10% longer."""


def _init_worker(shared: dict[str, Any]) -> None:
    """In a worker: receive what _map_article reads, and yield the cores to the loader
    when there is one."""
    _SHARED.update(shared)
    if shared.get("niceness"):
        with contextlib.suppress(OSError, AttributeError):  # no priorities here: as we are
            os.nice(shared["niceness"])


def _map_all(
    article_ids: list[str], workers: int, standby: StandbyWorker | None = None
) -> Iterator[ArticleOutcome]:
    """Map articles in the order given: a few on the `standby` worker, if there is one,
    else in this process; more on `workers` processes."""
    if workers <= 1 or len(article_ids) < POOL_FROM:
        if standby is not None and 0 < len(article_ids) < POOL_FROM:  # one job, one answer
            with contextlib.suppress(StandbyFailed):  # then mapped here, where it says why
                yield from standby.run(_map_on_standby, dict(_SHARED), article_ids)
                return
        yield from (_map_article(a) for a in article_ids)
        return
    from .parallel import in_order, process_pool

    with process_pool(workers, _init_worker, (dict(_SHARED),)) as pool:
        yield from in_order(pool, _map_chunk, article_ids, MAP_CHUNK, MAP_WINDOW * workers)


POOL_FROM = 16
"""Articles from which a build maps on a pool of workers: fewer are not worth its start."""

MAP_CHUNK = 8
"""Articles sent to a worker at a time."""

MAP_WINDOW = 4
"""Chunks handed to the pool per worker before the first of them is taken back."""


def _map_chunk(article_ids: list[str]) -> list[ArticleOutcome]:
    return [_map_article(a) for a in article_ids]


def _map_on_standby(shared: dict[str, Any], article_ids: list[str]) -> list[ArticleOutcome]:
    """On the standby worker, forked before _SHARED was set: as a pool worker does."""
    _init_worker(shared)
    return _map_chunk(article_ids)


def _used_entities(article: ArticleInput) -> Iterator[str]:
    from .project import fact_refs

    yield article.sheet.publisher
    for fact in article.sheet.facts:
        for _, target in fact_refs(fact):
            yield target


def _ontology_quads() -> list[Quad]:
    """The ontology as quads in its own graph, its blank nodes labelled in file order:
    the parser's own labels are random, and output must not change from run to run."""
    from .quad_order import sorted_quads

    graph = NamedNode(ONTOLOGY_IRI)
    labels: dict[BlankNode, BlankNode] = {}

    def stable(term: Any) -> Any:
        if isinstance(term, BlankNode):
            return labels.setdefault(term, BlankNode(f"b{len(labels)}"))
        return term

    with ontology_path().open("rb") as stream:
        triples = list(parse(stream, format=RdfFormat.TURTLE, base_iri=ONTOLOGY_IRI))
    return sorted_quads(
        Quad(stable(t.subject), t.predicate, stable(t.object), graph) for t in triples
    )


def _metadata_prefixes(mint: Minter, prefixes: dict[str, str]) -> dict[str, str]:
    """The prefixes the build metadata's file declares: those its vocabulary uses."""
    return used_prefixes(build_metadata_quads(mint, lambda: [(REGISTRY_FILE, "")]), prefixes)


def _patch_metadata(
    folder: BuildDir,
    mint: Minter,
    before: dict[str, str],
    after: dict[str, str],
    prefixes: dict[str, str],
    digest: str | None,
) -> bool:
    """Change the hashes of the sources that changed in the build metadata's file, in
    place, when no source came or went and the file is the one the last build wrote
    (its SHA-256 is `digest`); False (and nothing written) when it cannot.  At
    10,000 articles the file has 80,000 statements, and writing them all again took a
    fifth of a second of a build after one article changed.  Each source's block is
    written by the same writer as the whole file, so the patched file is byte for byte
    what writing it whole gives (tests compare the two)."""
    path = folder.path / GRAPHS_DIR / "build.trig"
    if before.keys() != after.keys() or not path.is_file():
        return False
    declared = _metadata_prefixes(mint, prefixes)
    text = path.read_bytes()
    if digest is None or sha256(text) != digest:  # edited since: written whole instead
        return False
    for source in sorted(after):
        if before[source] != after[source]:
            old = _source_block(mint, source, before[source], declared)
            if text.count(old) != 1:
                return False
            text = text.replace(old, _source_block(mint, source, after[source], declared))
    with atomic_output(path) as stream:
        stream.write(text)
    return True


def _source_block(mint: Minter, path: str, digest: str, prefixes: dict[str, str]) -> bytes:
    """One source's statements in the build metadata's file, as its writer lays them out."""
    written = (
        serialize(source_quads(mint, path, digest)[1:], None, RdfFormat.TRIG, prefixes=prefixes)
        or b""
    )
    return written[written.index(b"{\n") + 2 : written.rindex(b"}")]


def _write_trig(path: Path, quads: list[Quad], prefixes: dict[str, str]) -> None:
    with atomic_output(path) as stream:
        serialize(quads, stream, RdfFormat.TRIG, prefixes=used_prefixes(quads, prefixes))


class BuildDir:
    """The build folder: its manifest, its graph files and its store."""

    def __init__(self, root: Path) -> None:
        self.path = root / BUILD_DIR
        self.manifest_path = self.path / MANIFEST
        self.inputs_stamp = self.path / INPUTS_STAMP
        """The digest of build's inputs when the last successful build started."""
        self.old_manifest = self.path / OLD_MANIFEST
        """An earlier newskg's manifest, which a build replaces."""
        self.pending_path = self.path / PENDING

    def read_manifest(self) -> dict[str, Any]:
        """The manifest: its head, and its entries by article id (read from the file when
        asked for) under "articles"; {} when there is none, or none this newskg can read."""
        table = open_manifest(self.manifest_path)
        if table is None:
            return {}
        return {**table.head(), "articles": table}

    def read_manifest_head(self) -> dict[str, Any]:
        """The manifest without its articles' entries."""
        table = open_manifest(self.manifest_path)
        if table is None:
            return {}
        try:
            return table.head()
        finally:
            table.close()

    def write_manifest(self, head: Mapping[str, Any], entries: EntryTable) -> None:
        """Put `entries`, a table in the staging folder, in place as the manifest, with
        `head`; the table is closed."""
        entries.set_head(head)
        entries.close()
        os.replace(entries.path, self.manifest_path)
        self.old_manifest.unlink(missing_ok=True)

    def article_files(self) -> set[str]:
        """The names of the articles' graph files (one listing, not a stat per file)."""
        try:
            return set(os.listdir(self.path / GRAPHS_DIR / "articles"))
        except (FileNotFoundError, NotADirectoryError):
            return set()

    def article_file(self, article_id: str) -> Path:
        return self.path / GRAPHS_DIR / "articles" / f"{article_id}.trig"

    def open_store(self, path: Path | None = None) -> Store:
        """The embedded store, or the one at `path` (a fresh build's, in staging)."""
        self.path.mkdir(parents=True, exist_ok=True)
        path = path or self.path / STORE_DIR
        try:
            return Store(str(path))
        except OSError as exc:
            raise StoreError(
                f"cannot open the embedded store in {path}: {exc}",
                "is another newskg process using it? otherwise delete build/ and rebuild",
            ) from exc


def _compare(
    root: Path, folder: BuildDir, previous: EntryTable, stems: list[str], seen: Stats
) -> tuple[list[str], list[str], dict[str, list[int]]]:
    """The articles to map (in the order listed), those gone since the last build, and
    those whose files were saved again unchanged (with their new times and sizes).

    The last build's entries are read a row at a time, in id order, beside the articles
    sorted by id, and only their files' times, sizes and hashes: an unchanged article
    costs a `stat` of its files (and a hash of them, when the times differ), and its
    entry is never decoded."""
    articles_dir = root / ARTICLES_DIR
    folder_name = os.fspath(articles_dir)
    graph_files = folder.article_files()
    changed: list[str] = []
    removed: list[str] = []
    restat: dict[str, list[int]] = {}
    rows = previous.columns("stat", "files")
    row = next(rows, None)
    for stem in sorted(stems):
        while row is not None and row[0] < stem:
            removed.append(row[0])
            row = next(rows, None)
        known = row if row is not None and row[0] == stem else None
        if known is not None:
            row = next(rows, None)
        stat = _stat(f"{folder_name}/{stem}.yaml", seen)
        same_stat = known is not None and known[1] == stat_text(stat)
        if (
            known is not None
            and f"{stem}.trig" in graph_files
            and (same_stat or known[2] == _files_hash(articles_dir / f"{stem}.yaml"))
        ):
            if not same_stat:
                restat[stem] = stat
        else:
            changed.append(stem)
    while row is not None:
        removed.append(row[0])
        row = next(rows, None)
    changed.sort(key=lambda a: f"{a}.yaml")  # as listed
    return changed, removed, restat


def _cyclic_gc_paused(function: Callable[P, T]) -> Callable[P, T]:
    """Run `function` with Python's cycle collector off (as it was after).

    A build holds millions of small objects it made itself (the manifest's entries, the
    registry), and the collector kept walking them all as they grew: 0.1 to 0.15 s of a
    build after one change at 10,000 articles (about 1 s).  They hold no cycles; reference
    counting still frees everything else, and the mapping workers are processes of
    their own with the collector on."""

    @functools.wraps(function)
    def paused(*args: P.args, **kwargs: P.kwargs) -> T:
        was_on = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if was_on:
                gc.enable()

    return paused


def build(
    root: Path | None = None,
    *,
    full: bool = False,
    reason: bool = False,
    reason_timeout: float = 600.0,
    workers: int | None = None,
    optimize: bool | None = None,
) -> BuildResult:
    """Bring build/ in step with data/ (see :func:`_build`), one build of a project at a
    time: a build that finds another one running waits for it (see newskg.locking)."""
    from .locking import project_lock

    root = find_root(root)
    with project_lock(
        root, lambda: notice(f"waiting for another build of {root} to finish")
    ) as alone:
        if alone:
            _remove_abandoned_staging(root)
        with _standby_mapper(root, full) as standby:
            return _build(
                root,
                full=full,
                reason=reason,
                reason_timeout=reason_timeout,
                workers=workers,
                optimize=optimize,
                standby=standby,
            )


@contextlib.contextmanager
def _standby_mapper(root: Path, full: bool) -> Iterator[StandbyWorker | None]:
    """A worker importing the mapping while the build finds out what changed, for a
    build that may map only a few articles (see newskg.standby); sent away at the end."""
    incremental = not full and (root / BUILD_DIR / STORE_DIR).is_dir()
    standby = StandbyWorker.start(["newskg.mapping"]) if incremental else None
    try:
        yield standby
    finally:
        if standby is not None:
            standby.close()


STAGING_PREFIX = ".newskg-staging-"
"""A build's staging folder, in the project folder beside build/ (see _build)."""


def _remove_abandoned_staging(root: Path) -> None:
    """Remove the staging folders of builds that were killed before they could (a
    fresh build's holds a whole store: gigabytes at 10,000 articles).  Only under the
    project's lock, held alone: then no other build is running, and none is its."""
    for folder in sorted(root.glob(f"{STAGING_PREFIX}*")):
        if folder.is_dir() and not folder.is_symlink():
            notice(f"removing {folder.name}, left behind by a build that was stopped")
            shutil.rmtree(folder, ignore_errors=True)


@_cyclic_gc_paused
def _build(
    root: Path,
    *,
    full: bool,
    reason: bool,
    reason_timeout: float,
    workers: int | None,
    optimize: bool | None,
    standby: StandbyWorker | None = None,
) -> BuildResult:
    """Bring build/ in step with data/: map changed articles, update the store.

    Articles whose files and registry entries did not change since the last build are
    not read at all; the others are read, checked and mapped on all cores, streamed to a
    staging folder, and only when every article is free of errors do they replace their
    graph files and their graphs in the store (a fresh store is bulk-loaded).  With
    `reason`, also materialise what the ontology lets a reasoner infer from the
    articles' own voice, into ``{base}graph/inferred``; without it, an inferred graph
    whose premises changed is dropped rather than left stale.  With `optimize`, compact
    the store afterwards (see :func:`optimize_store`); left at None, compact it when the
    build mapped BULK_THRESHOLD articles or more.  A fresh store is compacted before it
    goes in place; an existing one in place, after the commit."""
    folder = BuildDir(root)
    manifest = folder.read_manifest_head()  # build/'s: nothing of data/ is read before
    may_compare = (  # with the last build: the files' stats are kept for that
        not full and manifest.get("newskg") == __version__ and (folder.path / STORE_DIR).is_dir()
    )
    scan = scan_inputs(root, keep_stats=may_compare)  # before data/ is read: see up_to_date
    base = base_iri(read_config(root))
    problems: list[Problem] = []
    fresh = not may_compare or manifest.get("base_iri") != base
    previous: EntryTable | None = None  # the last build's entries, read when asked for
    pending: PendingGraphs | None = None
    if not fresh:
        manifest = folder.read_manifest()
        fresh = manifest.get("newskg") != __version__ or manifest.get("base_iri") != base
        previous = None if fresh else manifest.get("articles")
    if not fresh:
        pending, fresh = _recovered(folder, manifest)
        previous = None if fresh else previous
    registry_file = root / REGISTRY_FILE
    registry_same = (
        not fresh
        and registry_file.is_file()
        and manifest.get("registry") == _registry_hash(registry_file)
    )
    listing = scan.articles
    stems = [n.removesuffix(".yaml") for n in listing if n.endswith(".yaml")]
    if previous:  # without the registry: see registry_same
        changed, removed, restat = _compare(root, folder, previous, stems, scan.stats)
    else:  # nothing to compare with: every article is mapped
        changed, removed, restat = list(stems), [], {}
    if pending:  # mapped again, or taken away, whatever their hashes say
        listed = set(stems)
        again = {*changed, *(a for a in pending if a in listed)}
        changed = sorted(again, key=lambda a: f"{a}.yaml")  # as listed
        # gone from data/: those the manifest has are removed as any other (one that
        # the stopped build was adding loses its file and graphs in _commit all the same)
        gone = (a for a in pending if a not in listed and previous is not None and a in previous)
        removed = sorted({*removed, *gone})
        restat = {a: stat for a, stat in restat.items() if a not in pending}
    inputs = scan.fingerprint
    del scan  # 20,000 files' sizes and times at 10,000 articles, read by now
    registry_needed = fresh or not registry_same or bool(changed) or bool(removed)
    # beside build/, not in it: a build that fails must not create or change build/
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=root))
    loader: BackgroundLoader | None = None
    entries: MutableMapping[str, Any] = {}
    try:
        registry = (
            _cached_registry(root, folder, problems, staging, reuse=not full)
            if registry_needed
            else _registry_stub(root, manifest)
        )
        registry_ok = not any(p.severity == "error" for p in problems)
        if not registry_ok:  # nothing is mapped: the articles are checked against its ids
            registry = RegistryInput({}, registry.sources, registry.ids, {})
        digests = _entry_digests(registry)
        mint = Minter(base)
        prefixes = mint.prefixes()
        project = Project(
            root, base, registry.entities, [], registry.sources, [], registry.locations
        )
        result = BuildResult(project, folder.path)
        if not registry_ok:  # check every article against the ids as written, map none
            changed = stems
        elif previous and not (changed or removed or restat or not registry_same):
            entries = previous  # nothing in it changes: see _finish for its head
        elif previous:  # a copy of the last build's entries, the changed ones taken out
            entries = previous.copy_to(staging / "entries.sqlite")
            for article_id in [*removed, *changed]:
                if article_id in previous:
                    del entries[article_id]
            for article_id, stat in restat.items():
                entries.set_stat(article_id, stat)
            if not registry_same:  # an article whose registry entries changed is mapped again
                stale = [
                    a
                    for a, e in in_id_order(entries)
                    if e.get("registry") != _entries_digest(entry_refs(e), digests)
                ]
                for article_id in stale:
                    del entries[article_id]
                changed = sorted({*changed, *stale}, key=lambda a: f"{a}.yaml")  # as listed
        else:  # on disk as they come
            entries = EntryTable(staging / "entries.sqlite", create=True)
        result.unchanged = sorted(entries)
        result.removed = removed
        (staging / "articles").mkdir()
        (staging / "nq").mkdir()
        _SHARED.update(
            root=root,
            registry=registry,
            base=base,
            prefixes=prefixes,
            digests=digests,
            map=registry_ok,
            staging=staging,
            niceness=WORKER_NICENESS if fresh and registry_ok else 0,  # see the loader below
        )
        loader = BackgroundLoader(staging / STORE_DIR) if fresh and registry_ok else None
        started, peaks = time.monotonic(), {os.getpid(): peak_mb()}
        with progress("mapping", len(changed), "articles") as advance:
            for outcome in _map_all(changed, workers or cores(), standby):
                advance(1)
                peaks[outcome.pid] = max(peaks.get(outcome.pid, 0.0), outcome.peak_mb)
                problems.extend(outcome.problems)
                if outcome.entry is None:
                    continue
                entries[outcome.article_id] = outcome.entry
                result.built.append(outcome.article_id)
                if loader is not None:
                    loader.add(staging / "nq" / f"{outcome.article_id}.nq")
        peaks[os.getpid()] = peak_mb()
        result.stages.append(
            Stage(
                "map",
                time.monotonic() - started,
                sum(peaks.values()),
                f"{len(changed)} article(s), {len(peaks)} process(es)",
            )
        )
        problems.extend(_duplicate_locals(entries, registry))
        warnings = orphan_text_warnings(root, listing)
        if any(p.severity == "error" for p in problems):
            raise DataErrors(problems + warnings)
        project.warnings = [p for p in problems if p.severity != "error"] + warnings
        mapped, waited = time.monotonic(), 0.0

        def store_loaded(last: list[Path]) -> bool:
            """Wait for the store loaded beside the mapping, after it has taken the
            N-Quads files `last`; False when there is no such store.  The commit asks
            for it only once it has written what needs no store: the loader's last
            batches keep one core busy for 15-25 s at 10,000 articles, and the other
            core writes the commit's files meanwhile."""
            nonlocal loader, waited
            if loader is None:
                return False
            for path in last:
                loader.add(path)
            waiting = time.monotonic()
            seconds, peak = loader.finish()
            loader = None
            waited = time.monotonic() - waiting
            after = time.monotonic() - mapped
            note = f"pyoxigraph bulk_load beside the mapping, ending {after:.1f} s after it"
            result.stages.append(Stage("store load", seconds, peak, note))
            return True

        compact = optimize or (optimize is None and len(result.built) >= BULK_THRESHOLD)
        committing = time.monotonic()
        assert isinstance(entries, EntryTable), "a build that maps has its entries in a table"
        _commit(
            folder,
            fresh,
            previous,
            entries,
            staging,
            result,
            registry,
            project,
            prefixes,
            manifest,
            reason,
            reason_timeout,
            compact,
            store_loaded,
            pending or {},
        )
        compacting = sum(s.seconds for s in result.stages if s.name == "optimize")  # in staging
        result.stages.append(
            Stage(
                "commit",
                time.monotonic() - committing - compacting - waited,
                peak_mb(),  # this process's peak so far: the commit's, where it is the most
                "the registry's, ontology's and build's graphs, graph files, manifest",
            )
        )
    finally:
        for table in (entries, previous):
            if isinstance(table, EntryTable):
                table.close()
        if loader is not None:
            loader.cancel()
        shutil.rmtree(staging, ignore_errors=True)
        _SHARED.clear()
    if compact and not fresh:  # a fresh store was compacted in staging (see _commit)
        result.stages.append(optimize_store(folder.path / STORE_DIR))
    with atomic_output(str(folder.inputs_stamp)) as stream:
        stream.write(inputs.encode())
    return result


def optimize_store(path: Path) -> Stage:
    """Compact the store (RocksDB's full compaction, pyoxigraph's ``Store.optimize``).

    The bulk loader writes each batch of statements as sorted files of its own, and
    every lookup of a query then looks into each of them: on the store of a fresh
    10,000-article build, the stored queries asked about the whole corpus took 3 to 8
    times as long as after compaction (people 83 s against 12 s), and those asked about
    one entity 2 to 10 times.  Builds that change a few articles each leave small
    files too.  Compaction took 29-40 s at 10,000 articles.  It runs in a child process,
    so that this one starts no store threads (see newskg.children), and it is a stage of
    its own because it costs time that `oxigraph load`, the build's yardstick, does not
    spend (`oxigraph load` leaves it to `oxigraph optimize`)."""
    from .children import run_in_child

    started = time.monotonic()
    peak = run_in_child(_optimize_in_child, os.fspath(path))
    return Stage("optimize", time.monotonic() - started, peak, "RocksDB compaction")


def _optimize_in_child(path: str) -> float:
    store = Store(path)
    store.optimize()
    store.flush()
    del store
    return peak_mb()


def _duplicate_locals(entries: Mapping[str, Any], registry: RegistryInput) -> list[Problem]:
    """An article-local entity id may be used by no other article and not be in the registry."""
    problems: list[Problem] = []
    owner: dict[str, str] = {}
    for _, found in _locals_in_id_order(entries):
        for entity_id, where in sorted(found.items()):
            path, _, position = where.partition(":")
            line, _, column = position.partition(":")
            location = Location(path, int(line or 0), int(column or 0))
            if entity_id in registry.entities:
                problems.append(
                    Problem(
                        location,
                        f"entity id {entity_id!r} is already in {REGISTRY_FILE}",
                        "use the registry's entry, or rename this one",
                    )
                )
            elif entity_id in owner:
                problems.append(
                    Problem(
                        location,
                        f"duplicate id {entity_id!r}: {owner[entity_id]} defines it too",
                        f"move it to {REGISTRY_FILE} so that both articles share it",
                    )
                )
            owner.setdefault(entity_id, path)
    return problems


def _locals_in_id_order(entries: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, str]]]:
    """Each article's own entities (id and where it is defined), for the articles that
    have any, in id order: from an EntryTable's column, decoding only those."""
    if not isinstance(entries, EntryTable):
        yield from ((a, e.get("locals", {})) for a, e in in_id_order(entries))
        return
    for article_id, text in entries.columns("locals"):
        if text != "{}":
            yield article_id, json.loads(text)


def _mapping() -> ModuleType:
    """The mapping module, imported only by a build that changes something: it loads the
    pydantic fact models, most of a second that a build with nothing to do (and so every
    query and push, which build first) should not pay."""
    from . import mapping

    return mapping


def _commit(
    folder: BuildDir,
    fresh: bool,
    previous: EntryTable | None,
    entries: EntryTable,
    staging: Path,
    result: BuildResult,
    registry: RegistryInput,
    project: Project,
    prefixes: dict[str, str],
    manifest: dict[str, Any],
    reason: bool,
    reason_timeout: float,
    compact: bool = False,
    store_loaded: Callable[[list[Path]], bool] = lambda last: False,
    pending: PendingGraphs | None = None,
) -> None:
    """Put what the staging folder holds in place: graph files, store, manifest.

    A fresh store is finished in the staging folder, compacted there when `compact`,
    and only then moved in place: no other process ever opens it half-written or while
    RocksDB rewrites its files, and an interrupted compaction leaves no build behind.
    A fresh build's graph files are written into the staging folder first, and
    `store_loaded` is called only then: the store is still being loaded beside this.
    The loader also takes the registry's graph (164,000 statements at 10,000 articles)
    and the build's, written as N-Quads files as they were made (see _stage_graph), so
    that their memory is its own, not this process's; the ontology's, which has blank
    nodes (the loader would relabel them), goes in from here.  Until it has
    succeeded, build/ is as the previous build left it."""
    mint = Minter(project.base_iri)
    graphs = staging / GRAPHS_DIR if fresh else folder.path / GRAPHS_DIR
    if fresh:  # every article's file is in the staging folder: it moves as one folder
        graphs.mkdir()
        os.replace(staging / "articles", graphs / "articles")
    registry_digest = registry.sources.get(REGISTRY_FILE)  # of the bytes this build read
    registry_hash = _registry_hash_of(registry_digest) if registry_digest else ""
    ontology_hash = sha256(ontology_path().read_bytes())
    counts: dict[str, int] = dict(manifest.get("own_quads", {})) if not fresh else {}
    own: list[tuple[Path, NamedNode, list[Quad]]] = []
    staged: list[StagedGraph] = []  # the large ones, written as they are made
    if fresh or manifest.get("registry") != registry_hash:
        quads = _mapping().registry_quads(project)
        staged.append(_stage_graph(mint.graph("registry"), quads, staging, prefixes))
    if fresh or manifest.get("ontology") != ontology_hash:
        own.append((graphs / "ontology.trig", NamedNode(ONTOLOGY_IRI), _ontology_quads()))
    sources = {REGISTRY_FILE: registry_hash} if registry_hash else {}
    if registry.sources:
        sources = dict(registry.sources)
    elif manifest.get("registry_sources"):
        sources = dict(manifest["registry_sources"])
    registry_sources = sorted(sources.items())

    def in_path_order() -> Iterable[tuple[str, str]]:  # the articles' are in its table
        return heapq.merge(registry_sources, entries.sources_in_path_order())

    sources_hash = _sources_hash(registry_sources, entries)
    delta: tuple[list[Quad], list[Quad]] | None = None
    before: dict[str, str] = {}
    after: dict[str, str] = {}
    if fresh or not manifest.get("sources"):
        staged.append(_stage_metadata(mint, in_path_order, staging, prefixes))
    elif manifest.get("sources") != sources_hash:  # only the sources that changed
        # those of the registry and of the articles mapped or gone: an unchanged
        # article's sources are as they were
        before = dict(manifest.get("registry_sources", {}))
        after = dict(sources)
        for article_id in [*result.removed, *result.built]:
            if previous is not None and article_id in previous:
                before.update(previous[article_id]["sources"])
        for article_id in result.built:
            after.update(entries[article_id]["sources"])
        delta = (
            [q for p, d in before.items() if after.get(p) != d for q in source_quads(mint, p, d)],
            [q for p, d in after.items() if before.get(p) != d for q in source_quads(mint, p, d)],
        )
    written: set[str] = set()  # the build's own graph files that this build writes
    if fresh:  # while the store loads
        written |= _write_own_files(own, staged, graphs, prefixes)
    idle = (
        not fresh
        and not result.built
        and not result.removed
        and not own
        and not staged
        and delta is None
        and not reason
        and _inferred_stands(manifest, entries, registry_hash, ontology_hash)
    )
    if idle:  # nothing to change: leave the store closed (opening a large one takes seconds)
        kept = manifest.get("inferred")
        inferred: tuple[str | None, int] = (
            kept,
            int(manifest.get("inferred_quads", 0)) if kept else 0,
        )
    else:
        # a fresh store was loaded beside the mapping, into the staging folder
        loaded = {s.graph.value: s.nquads for s in staged} if fresh else {}
        if not store_loaded(list(loaded.values())):
            loaded = {}
        changing: PendingGraphs = {}
        if not fresh:  # from here on build/ changes in place: see newskg.pending
            changing = _changing(manifest, previous, entries, result, pending or {})
            folder.inputs_stamp.unlink(missing_ok=True)
            write_pending(folder.pending_path, changing)
            _replace_article_files(folder, staging, result, changing)
        store = folder.open_store(staging / STORE_DIR if fresh else None)
        try:
            if not fresh:
                for graphs_of_article in changing.values():
                    _remove_graphs(store, graphs_of_article)
                load_files(store, [staging / "nq" / f"{a}.nq" for a in result.built])
            if delta is not None:
                for quad in delta[0]:
                    store.remove(quad)
                store.extend(delta[1])
                known = mint.graph("build").value in counts
                digest = manifest.get("own_files", {}).get("build.trig")
                written.add("build.trig")
                if not known or not _patch_metadata(folder, mint, before, after, prefixes, digest):
                    metadata = _stage_metadata(mint, in_path_order, staging, prefixes)
                    os.replace(metadata.trig, graphs / "build.trig")
                    counts[metadata.graph.value] = metadata.statements
            for _, graph, quads in own:
                if graph.value not in loaded:
                    _remove_graphs(store, [graph.value])
                    store.extend(quads)
                counts[graph.value] = len(quads)
            for graph_files in staged:
                if graph_files.graph.value not in loaded:
                    _remove_graphs(store, [graph_files.graph.value])
                    store.bulk_load(path=graph_files.nquads, format=RdfFormat.N_QUADS)
                counts[graph_files.graph.value] = graph_files.statements
            if not fresh:  # after the store, as the articles' files were
                written |= _write_own_files(own, staged, graphs, prefixes)
            if reason:
                written.add("inferred.trig")
            inferred = _update_inferred(
                store,
                graphs,
                project,
                entries,
                lambda: _premises(entries, registry_hash, ontology_hash),
                manifest.get("inferred"),
                reason,
                reason_timeout,
                prefixes,
            )
            store.flush()
        finally:
            del store
    own_files = _own_file_digests(
        graphs, {} if fresh else manifest.get("own_files", {}), written, bool(inferred[0])
    )
    if fresh:
        if compact:
            result.stages.append(optimize_store(staging / STORE_DIR))
        # only now does build/ change: a half-built store must never pass for a built one
        folder.manifest_path.unlink(missing_ok=True)
        _replace_graph_files(folder, graphs, staging / "graphs-before")
        shutil.rmtree(folder.path / STORE_DIR, ignore_errors=True)
        os.replace(staging / STORE_DIR, folder.path / STORE_DIR)
    result.inferred = inferred[1]
    # before the manifest: once it is in place nothing is pending, and a query looks ids
    # up in the index (a build that is then idle would never put a new one in place)
    _keep_registry_index(folder, registry, staging)
    _finish(
        folder,
        staging,
        project,
        result,
        entries,
        counts,
        registry,
        manifest,
        (registry_hash, ontology_hash, sources_hash),
        inferred[0],
        own_files,
    )


@dataclass(frozen=True)
class StagedGraph:
    """A large graph of the build's own, written in the staging folder as N-Quads (what
    the store loads) and as TriG (its graph file)."""

    graph: NamedNode
    nquads: Path
    trig: Path
    statements: int


STAGED_CHUNK = 2_000
"""Statements made and written at a time (see _stage_graph): at 10,000 articles, the
registry's graph in chunks of 20,000 left the process 27 MB larger, in chunks of 2,000
3 MB, and took no less time."""


def _stage_graph(
    graph: NamedNode,
    quads: Iterable[Quad],
    staging: Path,
    prefixes: dict[str, str],
    declared: dict[str, str] | None = None,
) -> StagedGraph:
    """Write a graph STAGED_CHUNK statements at a time as N-Quads, then as TriG from that
    file, declaring `declared` or else the prefixes it uses: the registry's graph has
    164,000 statements at 10,000 articles and the build's 80,000, which as lists of
    quads were the largest things a build held."""
    name = graph.value.rstrip("/").rsplit("/", 1)[-1]
    staged = StagedGraph(graph, staging / "nq" / f".{name}.nq", staging / f"{name}.trig", 0)
    pending, used, statements = iter(quads), set[str](), 0
    with staged.nquads.open("wb") as stream:  # no article's id starts with a dot
        while chunk := list(itertools.islice(pending, STAGED_CHUNK)):
            if any(
                isinstance(q.subject, BlankNode) or isinstance(q.object, BlankNode) for q in chunk
            ):
                raise RuntimeError(f"{graph} has blank nodes, which the bulk loader relabels")
            nquads = serialize(chunk, format=RdfFormat.N_QUADS) or b""
            stream.write(nquads)
            if declared is None:
                used.update(used_prefixes_in(nquads, prefixes))
            statements += len(chunk)
    if declared is None:
        declared = {name: ns for name, ns in prefixes.items() if name in used}
    with staged.trig.open("wb") as stream:  # statement by statement from the file
        quads_read = parse(path=staged.nquads, format=RdfFormat.N_QUADS)
        serialize(quads_read, stream, RdfFormat.TRIG, prefixes=declared)
    return dataclasses.replace(staged, statements=statements)


def _sources_hash(registry_sources: list[tuple[str, str]], entries: EntryTable) -> str:
    """One hash of every source's path and hash, the registry's and the articles' (these
    hashed by the table: see EntryTable.sources_digest)."""
    return sha256(json.dumps([registry_sources, entries.sources_digest()]).encode())


def _stage_metadata(
    mint: Minter,
    sources: Callable[[], Iterable[tuple[str, str]]],
    staging: Path,
    prefixes: dict[str, str],
) -> StagedGraph:
    """The build metadata's graph (see _stage_graph), with the prefixes its file declares."""
    quads = build_metadata_quads(mint, sources)
    return _stage_graph(
        mint.graph("build"), quads, staging, prefixes, _metadata_prefixes(mint, prefixes)
    )


def _recovered(folder: BuildDir, manifest: dict[str, Any]) -> tuple[PendingGraphs | None, bool]:
    """What the last build left pending (see newskg.pending), with the manifest's
    hashes of the registry, ontology, sources and inferred graph taken out so that
    this build makes those graphs again; and whether build/ must be built afresh (the
    list cannot be read)."""
    try:
        pending = read_pending(folder.pending_path)
    except UnreadablePending as error:
        notice(f"{error}: building afresh")
        return None, True
    if pending is not None:
        notice(
            f"the last build was stopped before it finished: {len(pending)} article(s) "
            "and the build's own graphs are made again"
        )
        for key in ("registry", "ontology", "sources", "inferred"):
            manifest.pop(key, None)
    return pending, False


def _changing(
    manifest: Mapping[str, Any],
    previous: EntryTable | None,
    entries: EntryTable,
    result: BuildResult,
    pending: PendingGraphs,
) -> PendingGraphs:
    """The articles this build changes in place, each with every graph it had (in the
    last manifest, or in a stopped build's list) or is to have."""
    mint = Minter(manifest["base_iri"])
    changing: PendingGraphs = {a: list(g) for a, g in pending.items()}
    for article_id in [*result.removed, *result.built]:
        graphs = changing.setdefault(article_id, [])
        if previous is not None and article_id in previous:
            graphs += article_graphs(manifest, article_id)
        if article_id in result.built:
            graphs += _graphs_of(mint, article_id, entries[article_id]["claim_graphs"].split())
    return {a: sorted(set(g)) for a, g in changing.items()}


OWN_FILES = ("registry.trig", "build.trig", "ontology.trig", "inferred.trig")
"""The build's graph files other than the articles', in build/graphs."""


def _own_file_digests(
    graphs: Path, kept: Mapping[str, str], written: set[str], inferred: bool
) -> dict[str, str]:
    """The SHA-256 of each of the build's own graph files, by name, as the manifest
    keeps them: an export or a check reads a file only if it is still the one the
    build wrote.  The files this build wrote (`written`) are hashed (14 MB at 10,000
    articles when all of them are); the others keep the hash the last build took, so
    that a file edited behind the build's back is never taken for the build's.  The
    inferred graph's goes when there is no inferred graph."""
    found = {name: kept[name] for name in OWN_FILES if name in kept}
    for name in sorted(written):
        found[name] = sha256((graphs / name).read_bytes())
    if not inferred:
        found.pop("inferred.trig", None)
    return found


def _replace_article_files(
    folder: BuildDir, staging: Path, result: BuildResult, changing: PendingGraphs
) -> None:
    """Put the changed articles' graph files in place, and remove those of the others
    being changed (gone from data/)."""
    (folder.path / GRAPHS_DIR / "articles").mkdir(parents=True, exist_ok=True)
    built = set(result.built)
    for article_id in changing:
        if article_id not in built:
            folder.article_file(article_id).unlink(missing_ok=True)
    for article_id in result.built:
        os.replace(staging / "articles" / f"{article_id}.trig", folder.article_file(article_id))


def _write_own_files(
    own: list[tuple[Path, NamedNode, list[Quad]]],
    staged: list[StagedGraph],
    graphs: Path,
    prefixes: dict[str, str],
) -> set[str]:
    """The own graphs' files: the ontology's, written here, and the large graphs'; the
    names of the files written."""
    for staged_graph in staged:
        os.replace(staged_graph.trig, graphs / staged_graph.trig.name)
    for path, _, quads in own:
        _write_trig(path, quads, prefixes)
    return {s.trig.name for s in staged} | {path.name for path, _, _ in own}


def _replace_graph_files(folder: BuildDir, graphs: Path, old: Path) -> None:
    """A fresh build's graph files, written in the staging folder, in place of
    build/graphs as a whole: one rename, not one per article (10,000 took 1.5-2.6 s).
    The old folder goes to `old`, in the staging folder, deleted with it."""
    target = folder.path / GRAPHS_DIR
    if target.is_dir():
        os.replace(target, old)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(graphs, target)


def _inferred_stands(
    manifest: dict[str, Any], entries: EntryTable, registry_hash: str, ontology_hash: str
) -> bool:
    """Whether the last build's inferred graph, if it made one, still follows from its
    premises (hashed only when there is one)."""
    kept = manifest.get("inferred")
    return kept is None or kept == _premises(entries, registry_hash, ontology_hash)


def _premises(entries: EntryTable, registry_hash: str, ontology_hash: str) -> str:
    """A hash of what reasoning starts from: every article, the registry, the ontology
    (the articles hashed by the table: see EntryTable.premises_digest)."""
    return sha256(json.dumps([entries.premises_digest(), registry_hash, ontology_hash]).encode())


def _finish(
    folder: BuildDir,
    staging: Path,
    project: Project,
    result: BuildResult,
    entries: EntryTable,
    counts: dict[str, int],
    registry: RegistryInput,
    manifest: dict[str, Any],
    hashes: tuple[str, str, str],
    inferred: str | None,
    own_files: dict[str, str],
) -> None:
    """Count what the store holds and what the articles say (from the manifest's
    columns, not by scanning the store), and put the manifest in place."""
    registry_hash, ontology_hash, sources_hash = hashes
    quads, graphs, facts, claims = entries.totals()
    result.facts += facts
    result.claims += claims
    result.articles = len(entries)
    result.quads = quads + sum(counts.values()) + result.inferred
    result.graphs = graphs + len(counts) + (1 if result.inferred else 0)
    head = {
        "newskg": __version__,
        "base_iri": project.base_iri,
        "registry": registry_hash,
        "registry_sources": dict(registry.sources or manifest.get("registry_sources", {})),
        "ontology": ontology_hash,
        "sources": sources_hash,
        "own_quads": counts,
        "own_files": own_files,
    } | ({"inferred": inferred, "inferred_quads": result.inferred} if inferred else {})
    # a build that changed nothing leaves the manifest alone (a fresh one removed it)
    last = {k: v for k, v in manifest.items() if k != "articles"}
    if not folder.manifest_path.is_file() or entries.changed or head != last:
        if not entries.writable:  # the last build's entries, unchanged, under a new head
            entries = entries.copy_to(staging / "entries.sqlite")
        folder.write_manifest(head, entries)
    folder.pending_path.unlink(missing_ok=True)  # build/ is whole again


def _update_inferred(
    store: Store,
    graphs: Path,
    project: Project,
    articles: Mapping[str, Any],
    premises_of: Callable[[], str],
    previous: str | None,
    reason: bool,
    timeout: float,
    prefixes: dict[str, str],
) -> tuple[str | None, int]:
    """(Re)materialise the inferred graph, keep it while its premises stand, or drop it.
    Returns the premises' hash it was made from (None when there is none) and its size.
    The premises are hashed only when there is an inferred graph, kept or made."""
    from .quad_order import sorted_quads
    from .reasoning import infer

    mint = Minter(project.base_iri)
    graph = mint.graph("inferred")
    path = graphs / "inferred.trig"  # a fresh build's are in the staging folder
    if not reason:
        if previous is not None and previous == premises_of() and path.is_file():
            return previous, sum(1 for _ in store.quads_for_pattern(None, None, None, graph))
        _remove_graphs(store, [graph.value])
        path.unlink(missing_ok=True)
        return None, 0
    sources = [mint.article(a).value for a in sorted(articles)] + [mint.graph("registry").value]
    data = [
        q.triple for g in sources for q in store.quads_for_pattern(None, None, None, NamedNode(g))
    ]
    ontology = [q.triple for q in _ontology_quads()]
    quads = sorted_quads(infer(ontology, data, project.base_iri, graph, timeout))
    _replace_graph(store, path, graph, quads, prefixes)
    return premises_of(), len(quads)


def _remove_graphs(store: Store, graphs: Iterable[str]) -> None:
    for graph in graphs:
        node = NamedNode(graph)
        if store.contains_named_graph(node):
            store.remove_graph(node)


def _replace_graph(
    store: Store, path: Path, graph: NamedNode, quads: list[Quad], prefixes: dict[str, str]
) -> None:
    _remove_graphs(store, [graph.value])
    store.extend(quads)
    _write_trig(path, quads, prefixes)


def require_built(root: Path | None) -> Path:
    """The build folder of a project, building first if needed."""
    folder = BuildDir(find_root(root))
    if not folder.manifest_path.is_file():
        raise UsageError("nothing built yet", "run `newskg build` first")
    return folder.path


def graph_quads(store: Store, graph: str) -> list[Quad]:
    """One graph of the store, sorted: the order every graph file is written in."""
    from .quad_order import sort_key

    return sorted(store.quads_for_pattern(None, None, None, NamedNode(graph)), key=sort_key)
