"""The one pipeline that the CLI and the API both call: data/ -> build/.

``build/`` holds one TriG file per article (its own graph and its claims' graphs),
the registry's and the build's graphs, an on-disk pyoxigraph store with every graph,
and a manifest of content hashes.  A build maps only the articles whose sources (or
registry entries they use) changed, replaces their graphs in the store, and drops the
graphs of articles that are gone, so that build/ stays in step with data/.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from pyoxigraph import BlankNode, NamedNode, Quad, RdfFormat, Store, parse, serialize

from . import __version__
from .errors import StoreError, UsageError
from .formats import Syntax, atomic_output, syntax_for
from .mapping import article_quads, build_metadata_quads, registry_quads, sort_key, sorted_quads
from .project import ArticleInput, Project, find_root, load_project, sha256
from .resources import ontology_path
from .vocab import ONTOLOGY_IRI, Minter, used_prefixes

BUILD_DIR = "build"
MANIFEST = "manifest.json"
STORE_DIR = "store"
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
    inferred: int = 0
    output: str | None = None


def _article_hash(project: Project, article: ArticleInput) -> str:
    """A hash of everything an article's graph depends on: its files, the registry
    entries it uses, the base IRI and newskg's version."""
    used = sorted({e for e in _used_entities(article) if e in project.entities})
    entries = [project.entities[e].model_dump(mode="json") for e in used]
    payload = json.dumps(
        [sorted(article.sources.items()), entries, project.base_iri, __version__],
        sort_keys=True,
    )
    return sha256(payload.encode())


def _used_entities(article: ArticleInput) -> Iterator[str]:
    from .project import fact_refs

    yield article.sheet.publisher
    for fact in article.sheet.facts:
        for _, target in fact_refs(fact):
            yield target


def _ontology_quads() -> list[Quad]:
    """The ontology as quads in its own graph, its blank nodes labelled in file order:
    the parser's own labels are random, and output must not change from run to run."""
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


def _write_trig(path: Path, quads: list[Quad], prefixes: dict[str, str]) -> None:
    with atomic_output(path) as stream:
        serialize(quads, stream, RdfFormat.TRIG, prefixes=used_prefixes(quads, prefixes))


class BuildDir:
    """The build folder: its manifest, its graph files and its store."""

    def __init__(self, root: Path) -> None:
        self.path = root / BUILD_DIR
        self.manifest_path = self.path / MANIFEST

    def read_manifest(self) -> dict[str, Any]:
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return {}
        return data if isinstance(data, dict) else {}

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        with atomic_output(self.manifest_path) as stream:
            stream.write(json.dumps(manifest, indent=2, sort_keys=True).encode() + b"\n")

    def article_file(self, article_id: str) -> Path:
        return self.path / GRAPHS_DIR / "articles" / f"{article_id}.trig"

    def open_store(self) -> Store:
        self.path.mkdir(parents=True, exist_ok=True)
        try:
            return Store(str(self.path / STORE_DIR))
        except OSError as exc:
            raise StoreError(
                f"cannot open the embedded store in {self.path / STORE_DIR}: {exc}",
                "is another newskg process using it? otherwise delete build/ and rebuild",
            ) from exc


def build(
    root: Path | None = None,
    *,
    full: bool = False,
    reason: bool = False,
    reason_timeout: float = 600.0,
) -> BuildResult:
    """Bring build/ in step with data/: map changed articles, update the store.

    With `reason`, also materialise what the ontology lets a reasoner infer from the
    articles' own voice, into ``{base}graph/inferred``; without it, an inferred graph
    whose premises changed is dropped rather than left stale."""
    project = load_project(root)
    folder = BuildDir(project.root)
    manifest = folder.read_manifest()
    fresh = (
        full
        or manifest.get("newskg") != __version__
        or manifest.get("base_iri") != project.base_iri
        or not (folder.path / STORE_DIR).is_dir()
    )
    if fresh:
        shutil.rmtree(folder.path / STORE_DIR, ignore_errors=True)
        shutil.rmtree(folder.path / GRAPHS_DIR, ignore_errors=True)
        manifest = {}
    previous: dict[str, Any] = manifest.get("articles", {})
    result = BuildResult(project, folder.path)
    mint = Minter(project.base_iri)
    prefixes = mint.prefixes()
    store = folder.open_store()
    try:
        articles: dict[str, Any] = {}
        current = {a.id for a in project.articles}
        for article_id in sorted(set(previous) - current):
            _remove_graphs(store, previous[article_id]["graphs"])
            folder.article_file(article_id).unlink(missing_ok=True)
            result.removed.append(article_id)
        for article in project.articles:
            digest = _article_hash(project, article)
            entry = previous.get(article.id)
            if entry and entry.get("hash") == digest and folder.article_file(article.id).is_file():
                articles[article.id] = entry
                result.unchanged.append(article.id)
                continue
            quads = article_quads(project, article)
            graphs = sorted({str(q.graph_name.value) for q in quads})  # type: ignore[union-attr]
            if entry:
                _remove_graphs(store, entry["graphs"])
            store.extend(quads)
            _write_trig(folder.article_file(article.id), quads, prefixes)
            articles[article.id] = {"hash": digest, "graphs": graphs}
            result.built.append(article.id)
        sources = dict(project.registry_sources)
        for article in project.articles:
            sources.update(article.sources)
        _replace_graph(
            store,
            folder.path / GRAPHS_DIR / "registry.trig",
            mint.graph("registry"),
            registry_quads(project),
            prefixes,
        )
        _replace_graph(
            store,
            folder.path / GRAPHS_DIR / "build.trig",
            mint.graph("build"),
            build_metadata_quads(mint, dict(sorted(sources.items()))),
            prefixes,
        )
        _replace_graph(
            store,
            folder.path / GRAPHS_DIR / "ontology.trig",
            NamedNode(ONTOLOGY_IRI),
            _ontology_quads(),
            prefixes,
        )
        premises = sha256(
            json.dumps(
                [sorted((a, e["hash"]) for a, e in articles.items()), sorted(sources.items())]
            ).encode()
        )
        inferred = _update_inferred(
            store,
            folder,
            project,
            articles,
            premises,
            manifest.get("inferred"),
            reason,
            reason_timeout,
            prefixes,
        )
        store.flush()
        result.quads = len(store)
        result.graphs = sum(1 for _ in store.named_graphs())
        result.inferred = inferred[1]
    finally:
        del store
    folder.write_manifest(
        {"newskg": __version__, "base_iri": project.base_iri, "articles": articles}
        | ({"inferred": inferred[0]} if inferred[0] else {})
    )
    for article in project.articles:
        result.facts += len(article.sheet.facts)
        result.claims += sum(1 for f in article.sheet.facts if f.according_to is not None)
    return result


def _update_inferred(
    store: Store,
    folder: BuildDir,
    project: Project,
    articles: dict[str, Any],
    premises: str,
    previous: str | None,
    reason: bool,
    timeout: float,
    prefixes: dict[str, str],
) -> tuple[str | None, int]:
    """(Re)materialise the inferred graph, keep it while its premises stand, or drop it.
    Returns the premises' hash it was made from (None when there is none) and its size."""
    from .reasoning import infer

    mint = Minter(project.base_iri)
    graph = mint.graph("inferred")
    path = folder.path / GRAPHS_DIR / "inferred.trig"
    if not reason:
        if previous == premises and path.is_file():
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
    return premises, len(quads)


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


# -- export ----------------------------------------------------------------------------------


def _dataset_graphs(project: Project, manifest: dict[str, Any], article: str | None) -> list[str]:
    """The graphs an export writes, in a fixed order."""
    entries = manifest.get("articles", {})
    if article is not None:
        project.article(article)
        return sorted(entries[article]["graphs"])
    mint = Minter(project.base_iri)
    own = [g for a in sorted(entries) for g in sorted(entries[a]["graphs"])]
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
        project.article(article)
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
    project = build(project_root).project if rebuild else load_project(project_root)
    folder = BuildDir(project.root)
    manifest = folder.read_manifest()
    prefixes = Minter(project.base_iri).prefixes()
    store = folder.open_store()
    try:
        if syntax.quads:
            graphs = _dataset_graphs(project, manifest, article)
            quads = [q for g in graphs for q in _graph_quads(store, g)]
            items: list[Any] = quads
        else:
            graphs = _union_graphs(project, manifest, article, include_inferred)
            triples = {q.triple for g in graphs for q in _graph_quads(store, g)}
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


def _graph_quads(store: Store, graph: str) -> list[Quad]:
    return sorted(store.quads_for_pattern(None, None, None, NamedNode(graph)), key=sort_key)


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


def require_built(root: Path | None) -> Path:
    """The build folder of a project, building first if needed."""
    folder = BuildDir(find_root(root))
    if not folder.manifest_path.is_file():
        raise UsageError("nothing built yet", "run `newskg build` first")
    return folder.path
