"""Export: the built dataset, or one article's graphs, in any RDF syntax.

It reads what :func:`newskg.pipeline.build` keeps in step with data/, so an export
never maps an article itself: the whole corpus in N-Quads, TriG, Turtle or N-Triples
from the build's graph files (see newskg.file_export), anything else from the embedded
store.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

from pyoxigraph import (
    DefaultGraph,
    NamedNode,
    Quad,
    RdfFormat,
    Store,
    Triple,
    serialize,
)

from .errors import Problem, StoreError, UsageError
from .formats import Syntax, atomic_output, syntax_for, writes_in_place
from .manifest_entries import entry_columns
from .parallel import cores
from .pipeline import (
    GRAPHS_DIR,
    BuildDir,
    article_graphs,
    build,
    cached_registry,
    every_article_graphs,
    graph_quads,
)
from .progress import Advance, notice, progress
from .project import ARTICLES_DIR, Project, base_iri, find_root, read_config
from .quad_order import sort_key
from .vocab import ONTOLOGY_IRI, Minter, used_prefixes

if TYPE_CHECKING:
    from .file_export import GraphFile


def _require_article(manifest: dict[str, Any], article: str, root: Path) -> None:
    """A usage error, with the nearest id, for an article the build does not have."""
    import difflib

    known = sorted(manifest.get("articles", {}))
    if article not in known:
        close = difflib.get_close_matches(article, known, n=1)
        raise UsageError(
            f"no article {article!r} in {root / ARTICLES_DIR}",
            f"did you mean {close[0]!r}?" if close else "`newskg new` scaffolds one",
        )


def _dataset_graphs(project: Project, manifest: dict[str, Any], article: str | None) -> list[str]:
    """The graphs an export writes, in a fixed order."""
    if article is not None:
        _require_article(manifest, article, project.root)
        return article_graphs(manifest, article)
    mint = Minter(project.base_iri)
    own = [g for _, graphs in every_article_graphs(manifest) for g in graphs]
    inferred = [mint.graph("inferred").value] if manifest.get("inferred") else []
    return [*own, mint.graph("registry").value, *inferred, mint.graph("build").value, ONTOLOGY_IRI]


def _union_graphs(
    project: Project, manifest: dict[str, Any], article: str | None, include_inferred: bool
) -> list[str]:
    """For a triples-only syntax: the article graphs (own voice) and the registry, and
    the inferred graph only when asked for."""
    mint = Minter(project.base_iri)
    ids = [article] if article is not None else sorted(manifest.get("articles", {}))
    if article is not None:
        _require_article(manifest, article, project.root)
    inferred = (
        [mint.graph("inferred").value] if include_inferred and manifest.get("inferred") else []
    )
    return [mint.article(a).value for a in ids] + [mint.graph("registry").value, *inferred]


def export(
    output: str,
    syntax_name: str | None = None,
    *,
    root: Path | None = None,
    article: str | None = None,
    rebuild: bool = True,
    include_inferred: bool = False,
) -> tuple[Syntax, int]:
    """Write the dataset (or one article's graphs) in any RDF syntax; returns the
    syntax and the number of statements written.

    A triples-only syntax (Turtle, N-Triples, RDF/XML) gets the union of the article
    graphs and the registry: what the articles say in their own voice.  Claims' graphs
    stay out, since a file of triples cannot say whose claim a triple is; each
    claim is still described, with its text and source, in its article's graph.
    """
    syntax, compress = syntax_for(output, syntax_name)
    project_root = find_root(root)
    if rebuild:
        project = build(project_root).project
    else:
        problems: list[Problem] = []
        registry = cached_registry(project_root, problems)
        project = Project(
            project_root,
            base_iri(read_config(project_root)),
            registry.entities,
            [],
            registry.sources,
        )
    folder = BuildDir(project.root)
    manifest = folder.read_manifest()
    prefixes = Minter(project.base_iri).prefixes()
    if article is None:
        written = _from_files(
            folder, manifest, output, syntax, compress, prefixes, include_inferred
        )
        if written is not None:
            return syntax, written
    store = folder.open_store()
    try:
        if article is None and syntax.quads:
            graphs = _dataset_graphs(project, manifest, article)
            if _holds_exactly(store, graphs):
                with (
                    atomic_output(output, compress=compress) as stream,
                    _progress(manifest, syntax) as counted,
                ):
                    count = _dump_store(store, counted(stream), syntax, prefixes)
                return syntax, count
        if article is None and syntax.rdf_format in _STREAMED_TRIPLES:
            graphs = _union_graphs(project, manifest, article, include_inferred)
            own = Minter(project.base_iri).article("").value
            articles = [g for g in graphs if g.startswith(own)]
            others = [g for g in graphs if not g.startswith(own)]
            with (
                atomic_output(output, compress=compress) as stream,
                _progress(manifest, syntax) as counted,
            ):
                count = _write_union(store, articles, others, counted(stream), syntax, prefixes)
            return syntax, count
        if syntax.quads:
            graphs = _dataset_graphs(project, manifest, article)
            quads = [q for g in graphs for q in graph_quads(store, g)]
            items: list[Any] = quads
        else:
            graphs = _union_graphs(project, manifest, article, include_inferred)
            triples = {q.triple for g in graphs for q in graph_quads(store, g)}
            items = [
                q.triple
                for q in sorted(
                    (Quad(t.subject, t.predicate, t.object) for t in triples), key=sort_key
                )
            ]
    finally:
        del store
    with atomic_output(output, compress=compress) as stream:
        _serialize(items, stream, syntax, prefixes)
    return syntax, len(items)


# -- the whole corpus, from the build's graph files ------------------------------------------


def _from_files(
    folder: BuildDir,
    manifest: dict[str, Any],
    output: str,
    syntax: Syntax,
    compress: bool,
    prefixes: dict[str, str],
    include_inferred: bool,
) -> int | None:
    """The whole corpus written from build/graphs (see newskg.file_export): the number
    of statements written, or None when the syntax is not one it writes, or a file is
    not as the build left it (then the store is read instead)."""
    from .file_export import StaleFiles, write_quads, write_union

    union = syntax.rdf_format in _STREAMED_TRIPLES
    if syntax.rdf_format not in _STREAMED_QUADS and not union:
        return None
    if "base_iri" not in manifest:
        return None  # no build to read files from (an API call without one)
    if union and include_inferred and manifest.get("inferred"):
        return None  # the inferred graph describes every article's resources: the store's way
    articles, registry, own = _graph_files(folder, manifest)
    workers = cores()
    try:
        with (
            atomic_output(output, compress=compress) as stream,
            _progress(manifest, syntax) as counted,
        ):
            written = 0
            with contextlib.suppress(BrokenPipeError):  # `-o - | head`: not a failure
                if union:
                    written = write_union(
                        articles, registry, counted(stream), syntax.rdf_format, prefixes, workers
                    )
                else:
                    written = write_quads(
                        [*articles, registry, *own],
                        counted(stream),
                        syntax.rdf_format,
                        prefixes,
                        workers,
                    )
            return written
    except StaleFiles as stale:
        if writes_in_place(output):  # part of it is written already
            raise StoreError(
                f"the build's graph files are not as it left them ({stale})",
                "run `newskg build --full` to write build/ again",
            ) from None
        notice(f"{stale}: exporting from the store instead")
        return None


_STREAMED_QUADS = (RdfFormat.N_QUADS, RdfFormat.TRIG)


def _article_quads(manifest: dict[str, Any]) -> Iterator[tuple[str, int, str]]:
    """Each article of the manifest, in id order, the statements the build wrote for it
    and the SHA-256 of its graph file ("" if the manifest has none: no file matches it):
    from the manifest's columns, without 10,000 entries decoded (0.3 s)."""
    for article_id, quads, digest in entry_columns(manifest.get("articles", {}), "quads", "trig"):
        yield article_id, int(quads), str(digest)


def _graph_files(
    folder: BuildDir, manifest: dict[str, Any]
) -> tuple[list[GraphFile], GraphFile, list[GraphFile]]:
    """The articles' TriG files, in id order, the registry's, and the build's other
    graphs' (inferred, build metadata, ontology: the order of _dataset_graphs), each with
    the number of statements the manifest says it holds."""
    from .file_export import GraphFile

    mint = Minter(str(manifest["base_iri"]))
    articles = [
        GraphFile(str(folder.article_file(a)), n, digest, own_graph=mint.article(a).value)
        for a, n, digest in _article_quads(manifest)
    ]
    graphs = folder.path / GRAPHS_DIR
    quads = manifest.get("own_quads", {})
    digests: dict[str, str] = manifest.get("own_files", {})

    def own_file(name: str, statements: int) -> GraphFile:
        return GraphFile(str(graphs / name), statements, digests.get(name, ""))

    registry = own_file("registry.trig", int(quads.get(mint.graph("registry").value, 0)))
    own: list[GraphFile] = []
    if manifest.get("inferred"):
        own.append(own_file("inferred.trig", int(manifest.get("inferred_quads", 0))))
    own.append(own_file("build.trig", int(quads.get(mint.graph("build").value, 0))))
    own.append(own_file("ontology.trig", int(quads.get(ONTOLOGY_IRI, 0))))
    return articles, registry, own


# -- the whole corpus, written by pyoxigraph in the store's own order ------------------------
#
# Sorting 13 million statements in Python took minutes; the store already holds them in a
# fixed order: its indexes are sorted by the encoded terms, which are worked out from the
# terms themselves (hashes of long strings, short ones inline), not from when or in what
# order they were loaded.  So the same data gives the same bytes, run after run.

_STREAMED_TRIPLES = (RdfFormat.TURTLE, RdfFormat.N_TRIPLES)


def _holds_exactly(store: Store, graphs: list[str]) -> bool:
    """Whether the store holds these named graphs, no other, and nothing in its default
    graph: then a dump of the whole store is the dataset."""
    if next(iter(store.quads_for_pattern(None, None, None, DefaultGraph())), None) is not None:
        return False
    held = {g.value for g in store.named_graphs() if isinstance(g, NamedNode)}
    return held == set(graphs) and len(held) == sum(1 for _ in store.named_graphs())


def _dump_store(store: Store, stream: IO[bytes], syntax: Syntax, prefixes: dict[str, str]) -> int:
    """The whole store in a quads syntax, serialised by pyoxigraph; the number of quads."""
    with contextlib.suppress(BrokenPipeError):
        if syntax.rdf_format == RdfFormat.N_QUADS:
            store.dump(stream, RdfFormat.N_QUADS)
        else:
            store.dump(stream, syntax.rdf_format, prefixes=prefixes)
    return len(store)


def _write_union(
    store: Store,
    articles: list[str],
    others: list[str],
    stream: IO[bytes],
    syntax: Syntax,
    prefixes: dict[str, str],
) -> int:
    """The union of the article graphs and the `others` (registry, inferred) as triples,
    each once, serialised by pyoxigraph as they are read from the store; the number of
    triples.

    Each once, without a set of every triple (2.8 GB at 10,000 articles): a triple can be
    in two of these graphs only when its subject is described outside the articles' own
    graphs, in the registry (or the inferred graph); every other subject is minted for one
    article (its facts, claims, evidence, times, its own entities).  So the subjects of
    the registry are written first, each from the store's subject index, where the same
    triple in several graphs comes out in a row; then each article's graph without
    them.  The order is the store's, which the data alone decides."""
    wanted = {NamedNode(g) for g in (*articles, *others)}
    shared = dict.fromkeys(
        q.subject for g in others for q in store.quads_for_pattern(None, None, None, NamedNode(g))
    )

    def triples() -> Iterator[Triple]:
        for subject in shared:
            previous = None
            for quad in store.quads_for_pattern(subject, None, None, None):
                if quad.graph_name in wanted and quad.triple != previous:
                    previous = quad.triple
                    yield previous
        for graph in articles:
            for quad in store.quads_for_pattern(None, None, None, NamedNode(graph)):
                if quad.subject not in shared:
                    yield quad.triple

    written = 0

    def counted() -> Iterator[Triple]:
        nonlocal written
        for triple in triples():
            written += 1
            yield triple

    with contextlib.suppress(BrokenPipeError):
        if syntax.rdf_format == RdfFormat.N_TRIPLES:
            serialize(counted(), stream, RdfFormat.N_TRIPLES)
        else:
            serialize(counted(), stream, syntax.rdf_format, prefixes=prefixes)
    return written


class _Counting:
    """A binary stream that counts the lines written through it (and, for a progress
    bar, passes each count on)."""

    def __init__(self, stream: IO[bytes], advance: Advance | None = None) -> None:
        self.stream = stream
        self.lines = 0
        self.advance = advance

    def write(self, data: bytes) -> int:
        lines = data.count(b"\n")
        self.lines += lines
        if self.advance is not None:
            self.advance(lines)
        return self.stream.write(data)

    def flush(self) -> None:
        self.stream.flush()


@contextlib.contextmanager
def _progress(
    manifest: dict[str, Any], syntax: Syntax
) -> Iterator[Callable[[IO[bytes]], IO[bytes]]]:
    """A bar for a whole-corpus export (minutes at 10,000 articles), counted by lines
    written against the statements the build made: one line a statement in N-Quads and
    N-Triples, about one in Turtle and TriG (a subject's first line holds a statement
    too, prefix lines do not).  Yields what wraps the output stream."""
    total = sum(n for _, n, _ in _article_quads(manifest))
    total += sum(int(n) for n in manifest.get("own_quads", {}).values())
    with progress(f"export ({syntax.name})", total, "lines") as advance:
        yield lambda stream: cast(IO[bytes], _Counting(stream, advance))


def _serialize(
    items: list[Any], stream: IO[bytes], syntax: Syntax, prefixes: dict[str, str]
) -> None:
    with contextlib.suppress(BrokenPipeError):
        if syntax.rdf_format in (RdfFormat.N_TRIPLES, RdfFormat.N_QUADS):
            serialize(items, stream, syntax.rdf_format)
        else:
            quads = (
                i if isinstance(i, Quad) else Quad(i.subject, i.predicate, i.object) for i in items
            )
            serialize(items, stream, syntax.rdf_format, prefixes=used_prefixes(quads, prefixes))
