"""`newskg check`: every check on data/, in one report, each finding located in YAML.

1. the fact sheets against their schema, and every evidence quote against its text;
2. the graph against the SHACL shapes (compiled to SPARQL, see :mod:`newskg.shacl`);
3. the ontology and the data together: the clashes derived from its axioms, and HermiT
   while the corpus is small enough (``--hermit-limit``);
4. the stored checks of queries/checks.

Checks 2 to 4 are remembered per article in ``build/check.json``, keyed by the hash of
the article's sources and of everything a finding can depend on beyond it (the registry,
the ontology, the shapes, the stored checks, newskg's version).  A check after one
article changed runs them on a small in-memory store of that article's graphs with the
registry and the ontology, and takes the other articles' findings from the file; from
scratch, they run once over the whole corpus, on both cores: the shapes a chunk of
articles' graph files at a time (:mod:`newskg.shape_chunks`), the consistency and the
stored checks in a child process on the embedded store, which then takes chunks too.
Each finding belongs to the article whose graphs describe the resource it names, else
to the registry.

It writes nothing outside build/ (it builds the embedded store it checks).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store, serialize

from . import __version__, shape_chunks
from .children import Child
from .consistency import HERMIT_LIMIT, Axioms, Clash, HermitRun, Triple, clashes
from .errors import DataErrors, Location, UsageError
from .findings import Finding, Report
from .formats import atomic_output
from .layout import BUILD_DIR
from .manifest_entries import entry_columns
from .project import find_root, orphan_text_warnings
from .provenance import Locator
from .queries import StoredQuery, catalogue
from .results import short
from .vocab import ONTOLOGY_IRI, Minter

DEFAULT_TIMEOUT = 120.0
CACHE = "check.json"
RULES = "check-rules.json"
BASE = "check-base.nq"
SMALL_RUN = 200
"""Up to this many changed articles are checked on a store of their own; more, and the
checks run over the whole embedded store."""

REGISTRY = ""
"""The unit of findings that belong to no article: the registry's."""


def check(
    root: Path | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    hermit_limit: int = HERMIT_LIMIT,
    quiet: bool = False,
    full: bool = False,
) -> Report:
    """Run every check on a project and return one report (progress bars on stderr
    when it is a terminal, unless `quiet` or ``newskg --quiet``).

    Only the articles changed since the last check are checked again, unless `full`.
    Their findings are exact for each article; a finding that two articles make
    together (say, two statuses of one lawsuit) belongs to the first of them and is
    not looked for again when only the second changes.  A full check looks at every
    article together."""
    from .pipeline import BuildDir, build

    report = Report()
    root = find_root(root)
    report.ran.append("schema and evidence")
    try:
        build(root)
    except DataErrors as errors:
        for problem in errors.problems:
            report.add(
                Finding(problem.severity, problem.location, problem.message, problem.hint, "schema")
            )
        report.notes.append("the graph checks did not run: fix the fact sheets first")
        return report
    for warning in orphan_text_warnings(root):
        report.add(
            Finding(warning.severity, warning.location, warning.message, warning.hint, "schema")
        )
    report.ran += ["SHACL shapes", "OWL consistency", "stored checks"]
    folder = BuildDir(root)
    manifest = folder.read_manifest()
    stored = catalogue(root, checks=True)
    rules = _rules_digest(manifest, stored)
    keys = {
        a: _digest([rules, files, registry])
        for a, files, registry in _sources(manifest.get("articles", {}))
    }
    keys[REGISTRY] = rules
    cache = {} if full else _read_cache(folder.path / CACHE, rules)
    stale = sorted(u for u, key in keys.items() if cache.get(u, {}).get("key") != key)
    locator = Locator(root, manifest)
    with _progress(quiet) as step:
        if stale:
            run = Run(root, manifest, locator, stored, timeout, step)
            whole = REGISTRY in stale or len(stale) > SMALL_RUN
            fresh = run.whole(folder, rules) if whole else run.some(folder, stale, rules)
            for unit in stale:
                cache[unit] = {"key": keys[unit], **fresh.get(unit, _Unit()).as_json()}
            cache = {u: cache[u] for u in keys}
            _write_cache(folder.path / CACHE, rules, cache)
        for unit in keys:
            for item in cache[unit]["findings"]:
                report.add(_finding(item))
        own = sum(int(cache[u]["own"]) for u in keys)
        _hermit(folder.path / "store", manifest, report, own, timeout, hermit_limit, step)
    return report


# -- the cache ---------------------------------------------------------------------------------


def _digest(parts: Iterable[str]) -> str:
    """One hash of the parts, each prefixed with its length so that no two lists give
    the same bytes; a check takes one per article (json.dumps of each list took 0.2 s
    at 10,000 articles)."""
    hashed = hashlib.sha256()
    for part in parts:
        data = part.encode()
        hashed.update(b"%d:" % len(data))
        hashed.update(data)
    return hashed.hexdigest()


def _rules_digest(manifest: dict[str, Any], stored: dict[str, StoredQuery]) -> str:
    """What every article's findings depend on beyond its own sources."""
    from .shacl import shapes_path

    return _digest(
        [
            __version__,
            str(manifest.get("base_iri")),
            str(manifest.get("registry")),
            str(manifest.get("ontology")),
            hashlib.sha256(shapes_path().read_bytes()).hexdigest(),
            *(f"{name}:{q.source}" for name, q in stored.items()),
        ]
    )


def _sources(articles: Any) -> Iterator[tuple[str, str, str]]:
    """Each article's id and the hashes of its files and of the registry entries it
    uses, in id order: from the manifest's columns, without decoding every entry (0.3 s
    at 10,000 articles)."""
    yield from entry_columns(articles, "files", "registry")


def _read_cache(path: Path, rules: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("rules") != rules:
        return {}
    units = data.get("units")
    return units if isinstance(units, dict) else {}


def _write_cache(path: Path, rules: str, units: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"rules": rules, "units": units}, ensure_ascii=False), "utf-8")
    tmp.replace(path)


def _finding(item: dict[str, Any]) -> Finding:
    return Finding(
        item["severity"],
        Location(item["file"], item["line"], item["column"]),
        item["message"],
        item["hint"],
        item["check"],
    )


@dataclass
class _Unit:
    """What the graph checks found for one article (or the registry)."""

    findings: list[Finding] = field(default_factory=list)
    own: int = 0
    """How many statements it asserts in its own voice (HermiT's limit counts them)."""

    def as_json(self) -> dict[str, Any]:
        unique = sorted(set(self.findings))
        return {"own": self.own, "findings": [f.as_json() for f in unique]}


# -- progress ----------------------------------------------------------------------------------

Step = Callable[[str, Iterable[Any], int], Iterator[Any]]


@contextmanager
def _progress(quiet: bool) -> Iterator[Step]:
    """newskg's progress bars (on stderr, only when it is a terminal and the user did
    not ask for quiet, and only for a step that runs longer than a second)."""
    if quiet:
        yield _silent
        return
    from .progress import progress

    def step(label: str, items: Iterable[Any], total: int) -> Iterator[Any]:
        with progress(label, total) as advance:
            for item in items:
                yield item
                advance(1)

    yield step


def _silent(label: str, items: Iterable[Any], total: int) -> Iterator[Any]:
    yield from items


# -- one run of the graph checks ---------------------------------------------------------------


class Run:
    """The graph checks over a store, with each finding given to its unit."""

    def __init__(
        self,
        root: Path,
        manifest: dict[str, Any],
        locator: Locator,
        stored: dict[str, StoredQuery],
        timeout: float,
        step: Step,
    ) -> None:
        self.root = root
        self.manifest = manifest
        self.locator = locator
        self.stored = stored
        self.timeout = timeout
        self.step = step
        self.wanted: set[str] = set()
        self.mint = Minter(manifest["base_iri"])
        self.prefixes = self.mint.prefixes()
        self.registry_graph = self.mint.graph("registry")
        self._compiled: tuple[list[Any], Axioms] | None = None
        self.described: set[str] | None = None
        """In a store of a few articles' graphs and the registry's, what those graphs
        state something about: anything else belongs to the registry (the stored checks
        give thousands of rows about it, each looked up in the store took 0.3 s)."""

    def compiled(self) -> tuple[list[Any], Axioms]:
        """The compiled shapes and the ontology's axioms (see :func:`_compiled`)."""
        if self._compiled is None:
            self._compiled = _compiled(self.root / BUILD_DIR)
        return self._compiled

    def whole(self, folder: Any, rules: str) -> dict[str, _Unit]:
        """Every unit, over the whole corpus (and the registry kept ready for the next
        check after a change): the consistency and the stored checks in a second
        process, which then helps this one with the shapes' chunks."""
        from .pipeline import GRAPHS_DIR

        store_path = folder.path / "store"
        disk = Store.read_only(str(store_path))
        registry = self._base(disk, folder.path / BASE, rules)
        units = [*sorted(self.manifest.get("articles", {})), REGISTRY]
        found, give = self._collect(units)
        queries = self.compiled()[0]
        chunks = shape_chunks.plan(
            folder.path / GRAPHS_DIR / "articles", units[:-1], shape_chunks.CHUNK_BYTES
        )
        with tempfile.TemporaryDirectory(prefix=".check-claims-", dir=folder.path) as name:
            claims = Path(name)
            other = Child(
                _other_core,
                *(self.root, self.manifest, self.stored, self.timeout, store_path, units),
                *(chunks, claims),
            )
            try:
                mine = self._chunks(chunks, claims, disk, queries)
                owl, located, theirs = _wait(other)
            except BaseException:
                other.stop()
                raise
        for unit, (own, clashes_found) in owl.items():
            found[unit].own = own
            found[unit].findings += clashes_found
        for unit, finding in located:
            give(unit, finding)
        if mine is None or theirs is None:  # the graph files do not hold the store
            store, results = disk, self._shacl(disk, queries)
        else:
            store, results = shape_chunks.shared_results(
                registry, [*mine, *theirs], self.mint.base, queries
            )
        self._locate_shacl(store, results, give)
        return found

    def _chunks(
        self, chunks: list[shape_chunks.Chunk], claims: Path, disk: Store, queries: list[Any]
    ) -> list[shape_chunks.ChunkResults] | None:
        """The results of the chunks this process claims; None when a graph file does
        not parse (changed behind the build's back: the store is checked instead)."""
        runs = shape_chunks.run(chunks, claims, disk, self.mint.base, queries)
        try:
            return [c for c in self.step("SHACL shapes", runs, len(chunks)) if c is not None]
        except (SyntaxError, OSError):
            return None

    def some(self, folder: Any, units: list[str], rules: str) -> dict[str, _Unit]:
        """Some articles, over an in-memory store of their graphs, the registry's and
        the ontology's."""
        from .pipeline import article_graphs

        disk = Store.read_only(str(folder.path / "store"))
        store = Store()
        base = self._base(disk, folder.path / BASE, rules)
        store.load(base, format=RdfFormat.N_QUADS, lenient=True)  # our own dump: 0.3 s less
        articles = self.manifest.get("articles", {})
        self.described = set()
        for unit in units:  # in bulk: copying quad by quad through Python took seconds
            names = article_graphs(self.manifest, unit) if unit in articles else []
            for name in names:
                graph = NamedNode(name)
                data = disk.dump(format=RdfFormat.N_TRIPLES, from_graph=graph) or b""
                store.load(data, format=RdfFormat.N_TRIPLES, to_graph=graph)
                self.described.update(s for s, _, _ in _iri_triples(data))
        del disk
        return self._units(store, units)

    def _base(self, disk: Store, path: Path, rules: str) -> bytes:
        """The registry's and the ontology's graphs as N-Quads, kept in build/ while the
        rules stay the same: reading them out of the store took seconds at 10,000
        articles, parsing the text takes a fraction of one."""
        head = f"# {rules}\n".encode()
        try:
            with path.open("rb") as stream:
                if stream.readline() == head:
                    return stream.read()
        except OSError:
            pass
        base = Store()
        for name in (self.registry_graph.value, ONTOLOGY_IRI):
            graph = NamedNode(name)
            data = disk.dump(format=RdfFormat.N_TRIPLES, from_graph=graph)
            base.load(data, format=RdfFormat.N_TRIPLES, to_graph=graph)
        data = base.dump(format=RdfFormat.N_QUADS) or b""
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(head + data)
        tmp.replace(path)
        return data

    def _units(self, store: Store, units: list[str]) -> dict[str, _Unit]:
        """Every check of a few units, in this process, on an in-memory store."""
        found, give = self._collect(units)
        self._consistency(store, units, found)
        self._stored_checks(store, None, give)
        results = self._shacl(self._around(store, units), self.compiled()[0])
        self._locate_shacl(store, results, give)
        return found

    def _collect(self, units: list[str]) -> tuple[dict[str, _Unit], Callable[[str, Finding], None]]:
        """The units' findings, empty, and how to give one a finding (those of other
        units are dropped, and not even located: see `wanted`)."""
        found: dict[str, _Unit] = {u: _Unit() for u in units}
        self.wanted = set(units)

        def give(unit: str, finding: Finding) -> None:
            if unit in found:
                found[unit].findings.append(finding)

        return found, give

    def _around(self, store: Store, units: list[str]) -> Store:
        """The units' graphs with the registry's statements about what they name: all
        that the shapes read of a result the units own.  A shape reads its focus node's
        statements and the types of the values it checks; the units own a result when
        their graphs state its focus (with its value, if it has one), so that value is
        named in them too.  The shapes read every target of their store: over the whole
        registry they took 2.3 s for one changed article at 10,000 articles, and the
        results about the registry's other entries were dropped."""
        from .pipeline import article_graphs

        if REGISTRY in units:
            return store
        graphs = [NamedNode(g) for u in units for g in article_graphs(self.manifest, u)]
        quads = [q for g in graphs for q in store.quads_for_pattern(None, None, None, g)]
        named = {t for q in quads for t in (q.subject, q.object) if not isinstance(t, Literal)}
        small = Store()
        small.extend(quads)
        small.extend(
            q for t in named for q in store.quads_for_pattern(t, None, None, self.registry_graph)
        )
        return small

    def owner(self, store: Store, iri: str, prop: str | None = None, value: Any = None) -> str:
        """The unit a finding about `iri` belongs to: the article its IRI names, else the
        first article whose graphs describe it (with that property and value, when
        given), else the registry."""
        article = self.locator.article_of(iri)
        if article is not None:
            return article
        if self.described is not None and iri not in self.described:
            return REGISTRY
        given = prop is not None and value is not None
        quads = store.quads_for_pattern(
            NamedNode(iri), NamedNode(prop) if given and prop else None, value if given else None
        )
        graphs = {q.graph_name.value for q in quads if isinstance(q.graph_name, NamedNode)}
        owners = sorted({a for g in graphs if (a := self.locator.article_of(g)) is not None})
        return owners[0] if owners else REGISTRY

    def _shacl(self, store: Store, queries: list[Any]) -> set[Any]:
        """The results of some compiled shapes over the union of the store's graphs."""
        from . import shacl

        results: set[shacl.Result] = set()
        for query in self.step("SHACL shapes", queries, len(queries)):
            results.update(shacl.run_queries(store, [query]))
        return results

    def _locate_shacl(
        self, store: Store, results: set[Any], give: Callable[[str, Finding], None]
    ) -> None:
        """Each SHACL result as a finding of the unit that owns its focus node."""

        from . import shacl

        for result in sorted(results, key=shacl.Result.key):
            value = None if result.value is None else shacl.node(result.value)
            unit = self.owner(store, result.focus, result.path, value)
            if unit not in self.wanted:
                continue
            article = unit or None
            fallback = None
            if article is not None and (sheet := self.locator.article(article)) is not None:
                fallback = sheet.doc.location(())
            for finding in shacl.findings([result], self.locator, article, self.prefixes, fallback):
                give(unit, finding)

    def _consistency(
        self, store: Store, units: list[str], found: dict[str, _Unit], files: Path | None = None
    ) -> int | None:
        """The clashes that the ontology's axioms derive, article by article: each
        article's own graph with the registry's entries it names (claims' graphs are
        someone else's voice, not premises).  With `files` (the build's graphs folder),
        each article's own graph is read from its TriG file, four times faster than
        out of the on-disk store (3 ms against 12 ms an article at 10,000 articles);
        returns how many statements those files hold (None if one could not be read),
        so that the caller can tell whether they still match the store."""
        axioms = self.compiled()[1]
        counted: int | None = 0
        digests = self._file_digests() if files else {}
        registry: dict[str, list[Triple]] = {}
        if REGISTRY in units or len(units) > SMALL_RUN:  # all of it, once
            for q in store.quads_for_pattern(None, None, None, self.registry_graph):
                if isinstance(q.subject, NamedNode):
                    registry.setdefault(q.subject.value, []).append(_plain(q))
        for unit in self.step("OWL consistency", units, len(units)):
            if unit == REGISTRY:
                triples = [t for ts in registry.values() for t in ts]
                found[unit].own = len(triples)
            else:
                graph = self.mint.article(unit)
                read = (
                    _own_triples(files / "articles" / f"{unit}.trig", graph, digests.get(unit, ""))
                    if files
                    else None
                )
                if read is None:
                    counted = None
                    data = store.dump(format=RdfFormat.N_TRIPLES, from_graph=graph)
                    triples = _iri_triples(data or b"")
                else:
                    triples, statements = read
                    counted = None if counted is None else counted + statements
                found[unit].own = len(triples)
                named = {t[0] for t in triples} | {t[2] for t in triples}
                if not registry:  # a few articles: only the entries they name
                    triples += [
                        _plain(q)
                        for iri in sorted(n for n in named if self.locator.entity_id(n))
                        for q in store.quads_for_pattern(
                            NamedNode(iri), None, None, self.registry_graph
                        )
                    ]
                else:
                    triples += [t for iri in sorted(named & registry.keys()) for t in registry[iri]]
            for clash in clashes(sorted(triples), axioms):  # the first reason, whatever the store
                found[unit].findings.append(_clash_finding(clash, self.locator, self.prefixes))
        return counted

    def _file_digests(self) -> dict[str, str]:
        """The SHA-256 of each article's graph file as the build wrote it, by article id
        (from the manifest's column: no entry decoded)."""
        return {a: d for a, d in entry_columns(self.manifest.get("articles", {}), "trig") if d}

    def _stored_checks(
        self, store: Store, store_path: Path | None, give: Callable[[str, Finding], None]
    ) -> None:
        """Each stored check: on the on-disk store with the timeout, else in memory."""
        for check in self.step("stored checks", self.stored.values(), len(self.stored)):
            severity = check.severity or "error"
            for row in _rows(store, store_path, check, self.timeout):
                iris = [t.value for t in row if isinstance(t, NamedNode)]
                ours = [i for i in iris if self.locator.article_of(i) or self.locator.entity_id(i)]
                unit = self.owner(store, ours[0]) if ours else REGISTRY
                if unit not in self.wanted:
                    continue
                origins = (self.locator.origin(i) for i in iris)
                first = next((o for o in origins if o is not None), None)
                where = first.location if first else Location(str(check.path.name))
                shown = ", ".join(short(t, self.prefixes) for t in row if t is not None)
                give(unit, Finding(severity, where, f"{check.title}: {shown}", "", check.name))


def _compiled(build: Path) -> tuple[list[Any], Axioms]:
    """The shapes compiled to SPARQL and the ontology's axioms (the same in every
    process), kept in build/ under a hash of the shapes, the ontology and newskg's
    version: compiling them takes rdflib and pyshacl, 0.3 to 0.8 s, a tenth of a check
    after one change at 10,000 articles.  A file that does not match is compiled again."""
    from . import shacl
    from .ontology import load_turtle
    from .resources import ontology_path

    hashed = hashlib.sha256(__version__.encode())
    for path in (shacl.shapes_path(), ontology_path()):
        hashed.update(hashlib.sha256(path.read_bytes()).digest())
    key = hashed.hexdigest()
    path = build / RULES
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["key"] == key:
            queries = [shacl.ShapeQuery.from_json(q) for q in data["queries"]]
            return queries, Axioms.from_json(data["axioms"])
    except (OSError, ValueError, KeyError, TypeError, SyntaxError):
        pass
    shapes, ontology = shacl.load_graphs()
    queries = shacl.compile_shapes(shapes, ontology)
    axioms = Axioms.from_ontology(load_turtle())
    data = {"key": key, "queries": [q.as_json() for q in queries], "axioms": axioms.as_json()}
    with contextlib.suppress(OSError, UsageError), atomic_output(path) as stream:
        stream.write(json.dumps(data, ensure_ascii=False, sort_keys=True).encode())
    return queries, axioms


def _wait(other: Child) -> Any:
    """The other core's findings; its failure (a stored check that ran past the
    timeout, say) as newskg's store error, as when it ran in this process."""
    from .children import ChildFailed
    from .errors import StoreError

    try:
        return other.wait()
    except ChildFailed as failed:
        raise StoreError(failed.message) from None


def _other_core(
    root: Path,
    manifest: dict[str, Any],
    stored: dict[str, StoredQuery],
    timeout: float,
    store_path: Path,
    units: list[str],
    chunks: list[shape_chunks.Chunk],
    claims: Path,
) -> tuple[
    dict[str, tuple[int, list[Finding]]],
    list[tuple[str, Finding]],
    list[shape_chunks.ChunkResults] | None,
]:
    """In a child, beside the parent's shapes: the consistency checks of every unit and
    the stored checks (on the on-disk store, each stopped at the timeout), then the
    shapes' chunks that the parent has not claimed.  None for those when the graph
    files do not hold the store: the parent then runs the shapes on the store."""
    from .pipeline import GRAPHS_DIR

    run = Run(root, manifest, Locator(root, manifest), stored, timeout, _silent)
    run.wanted = set(units)
    store = Store.read_only(str(store_path))
    found = {u: _Unit() for u in units}
    files = store_path.parent / GRAPHS_DIR
    counted = run._consistency(store, units, found, files)
    holds = _files_hold_the_store(files, counted, len(store), manifest.get("own_files", {}))
    if not holds:
        found = {u: _Unit() for u in units}  # the store changed behind the build's back
        run._consistency(store, units, found)
    located: list[tuple[str, Finding]] = []
    run._stored_checks(store, store_path, lambda unit, finding: located.append((unit, finding)))
    theirs = None
    if holds:
        queries = run.compiled()[0]
        runs = shape_chunks.run(chunks, claims, store, run.mint.base, queries)
        theirs = [c for c in runs if c is not None]
    return {u: (f.own, f.findings) for u, f in found.items()}, located, theirs


def _files_hold_the_store(
    files: Path, in_articles: int | None, statements: int, digests: dict[str, str]
) -> bool:
    """Whether the graph files are those the build wrote (the build's own files'
    `digests`, by name: a file without one is not) and hold as many statements as the
    store, given how many the articles' files hold."""
    if in_articles is None:
        return False
    others = [
        _own_triples(f, None, digests.get(f.name, ""))
        for f in files.rglob("*.trig")
        if f.parent.name != "articles"
    ]
    counts = [read[1] for read in others if read is not None]
    return len(counts) == len(others) and in_articles + sum(counts) == statements


def _iri_triples(ntriples: bytes) -> list[Triple]:
    """The triples with an IRI subject, from N-Triples, a literal object as ''.  Reading
    the text Oxigraph writes is several times faster than a Python object per quad."""
    triples = []
    for line in ntriples.decode().splitlines():
        if not line.startswith("<"):
            continue
        s, p, o = line.split(" ", 2)
        triples.append((s[1:-1], p[1:-1], o[1 : o.index(">")] if o.startswith("<") else ""))
    return triples


def _own_triples(
    path: Path, graph: NamedNode | None, digest: str | None
) -> tuple[list[Triple], int] | None:
    """The triples with an IRI subject of one graph of a TriG file (a literal or blank
    object as ''), and how many statements the whole file holds; None if it cannot be
    read, or is not the file the build wrote (its SHA-256 is not `digest`)."""
    from pyoxigraph import parse

    from .file_export import StaleFiles, read_graph_file

    triples: list[Triple] = []
    statements = 0
    try:
        data = read_graph_file(str(path), digest)
    except StaleFiles:
        return None
    try:
        for quad in parse(data, format=RdfFormat.TRIG):
            statements += 1
            if quad.graph_name == graph and isinstance(quad.subject, NamedNode):
                value = quad.object.value if isinstance(quad.object, NamedNode) else ""
                triples.append((quad.subject.value, quad.predicate.value, value))
    except SyntaxError:
        return None
    return triples, statements


def _plain(q: Quad) -> Triple:
    return (str(getattr(q.subject, "value", "")), q.predicate.value, getattr(q.object, "value", ""))


def _rows(store: Store, store_path: Path | None, check: StoredQuery, timeout: float) -> list[Any]:
    if store_path is not None:
        from .results import as_table
        from .stores.embedded import query_embedded

        answer = query_embedded(store_path, check.source, {}, "SELECT", timeout, str(check.path))
        return as_table(answer).rows
    solutions: Any = store.query(check.source)
    names = [v.value for v in solutions.variables]
    return [[row[n] for n in names] for row in solutions]


def _hermit(
    store_path: Path,
    manifest: dict[str, Any],
    report: Report,
    own: int,
    timeout: float,
    limit: int,
    step: Step,
) -> None:
    """HermiT on the ontology with every statement the articles and the registry make
    in their own voice, while there are at most `limit` of them."""
    if own > limit:
        report.notes.append(
            f"HermiT skipped: {own} statements exceed --hermit-limit {limit}; "
            "the checks derived from the ontology's axioms ran instead"
        )
        return
    mint = Minter(manifest["base_iri"])
    graphs = [mint.article(a) for a in sorted(manifest.get("articles", {}))]
    store = Store.read_only(str(store_path))
    triples = [
        q.triple
        for g in [*graphs, mint.graph("registry")]
        for q in store.quads_for_pattern(None, None, None, g)
    ]
    del store
    verdict = HermitRun(serialize(triples, format=RdfFormat.N_TRIPLES) or b"").verdict(timeout)
    if verdict is None:
        report.add(
            Finding(
                "error",
                Location("ontology/newskg.ttl"),
                f"HermiT did not finish within {timeout:g} s: consistency unknown",
                "raise --timeout, or lower --hermit-limit to use the derived checks",
                "owl",
            )
        )
    elif not verdict and not any(f.check == "owl" for f in report.findings):
        report.add(
            Finding(
                "error",
                Location("ontology/newskg.ttl"),
                "HermiT finds the data inconsistent with the ontology, and no "
                "disjointness or range clash explains it",
                "look for a new kind of axiom in the ontology",
                "owl",
            )
        )


def _clash_finding(clash: Clash, locator: Locator, prefixes: dict[str, str]) -> Finding:
    def name(iri: str) -> str:
        return " or ".join(short(NamedNode(part), prefixes) for part in iri.split(" or "))

    def why(reason: Any) -> tuple[str, Location | None]:
        s, p, o = reason.triple
        origin = locator.origin(s, p, o)
        where = origin.location if origin is not None else None
        text = "asserted" if reason.how == "asserted" else reason.how.replace(p, name(p))
        return f"{text}{f' at {where}' if where else ''}", where

    first, first_where = why(clash.first_reason)
    second, second_where = why(clash.second_reason)
    # point at the use that conflicts (a role), not at where the type was stated
    where = first_where if clash.second_reason.how == "asserted" else second_where
    message = (
        f"{name(clash.individual)} would be both {name(clash.first)} ({first}) and "
        f"{name(clash.second)} ({second}), which the ontology says are disjoint"
    )
    return Finding(
        "error",
        where or Location("ontology/newskg.ttl"),
        message,
        "use an entity of the right kind in that role",
        "owl",
    )
