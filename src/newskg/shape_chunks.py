"""The SHACL shapes over a whole corpus, a few dozen articles at a time, on both cores.

A shape reads its focus node's statements and the types of the values it checks (see
:mod:`newskg.shacl`'s templates).  So the results split cleanly in two:

- about a resource an article mints (its facts, claims, annotations, times, itself; a
  blank node of its file): only that article's graphs state it, and its values are its
  own resources or shared ones, so the shapes run on a chunk of articles' graph files,
  with the types that the whole store gives the shared values (an article may type a
  registry entry, even in a claim's graph, and that type counts for every article that
  names it);
- about a shared resource (a registry entry, an article's own entity, a lawsuit several
  articles describe): every graph may state something about it, so the chunks collect
  those statements (with the types of their values that the chunks mint), and at the
  end the shapes run once over them and the registry.

One rule reads more: the evidence rule also reads the annotations and claims that point
at its focus, which only the focus's article makes.  It spares a resource with a
``dcterms:identifier``, and every shared resource has one (mapping.entity_quads gives
every registry entry and article's own entity theirs); a test holds the build to that.

Each result is then exactly the one a run over the whole corpus in one store gives (a
test compares them), and memory stays that of one chunk, where the whole corpus in one
in-memory store took 5.1 GB at 10,000 articles.  Chunks are claimed through files in a
shared folder, so that the process that does the other checks takes chunks too once it
is done.  What a build cannot make (a resource minted by an article the manifest does
not know, an article's value minted by another) may come out differently; graph files
that do not hold the store are not used at all (see newskg.check).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store, Variable, serialize

from . import shacl

CHUNK_BYTES = 2 << 20
"""Graph files per chunk: about 25 articles like the benchmark's.  Smaller stores are
faster per article (at 10,000 articles: 27 ms an article in chunks of 2 MB, 29 ms of
4 MB, 38 ms of 16 MB or of 0.5 MB, 40 ms of 40 MB), and the two processes share the
last chunks more evenly."""

RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
MINTED = ("fact", "claim", "evidence", "time", "article")
"""The parts of the IRI space where an article mints its own resources (as
:meth:`newskg.provenance.Locator.article_of` reads them)."""


SHARED = """SELECT ?s ?p ?o ?g ?fact ?claim ?evidence ?time ?article WHERE {
  GRAPH ?g { ?s ?p ?o }
  FILTER(isIRI(?s) && !STRSTARTS(STR(?s), ?fact) && !STRSTARTS(STR(?s), ?claim)
         && !STRSTARTS(STR(?s), ?evidence) && !STRSTARTS(STR(?s), ?time)
         && !STRSTARTS(STR(?s), ?article))
}"""
"""Every statement about a resource that no article mints (each variable of MINTED is
bound to its part of the IRI space, see :func:`_select`; pyoxigraph binds only selected
variables)."""

VALUES = """SELECT DISTINCT ?o ?fact ?claim ?evidence ?time ?article WHERE {
  GRAPH ?g { ?s ?p ?o }
  FILTER(isIRI(?o) && !STRSTARTS(STR(?o), ?fact) && !STRSTARTS(STR(?o), ?claim)
         && !STRSTARTS(STR(?o), ?evidence) && !STRSTARTS(STR(?o), ?time)
         && !STRSTARTS(STR(?o), ?article))
}"""
"""Every value that no article mints."""


def minted(base: str, iri: str) -> bool:
    """Whether `iri` lies where an article mints its own resources (the split that the
    queries below make)."""
    return any(iri.startswith(f"{base}id/{kind}/") for kind in MINTED)


def _select(store: Store, query: str, base: str) -> Any:
    """`query`'s rows, with the parts of the IRI space under the base IRI bound as terms
    (the base IRI is the user's: it never reaches the query's text)."""
    bound: dict[Variable, Any] = {Variable(k): Literal(f"{base}id/{k}/") for k in MINTED}
    return store.query(query, substitutions=bound)


@dataclass(frozen=True)
class Chunk:
    """Some articles and their graph files."""

    index: int
    articles: tuple[str, ...]
    paths: tuple[Path, ...]


@dataclass
class ChunkResults:
    """What the shapes found about a chunk's own resources, and the statements its
    graphs make about shared ones (N-Quads, with the types of their values that the
    chunk mints)."""

    results: list[shacl.Result]
    shared: bytes


def plan(folder: Path, articles: list[str], chunk_bytes: int = CHUNK_BYTES) -> list[Chunk]:
    """The articles in chunks of about `chunk_bytes` of graph files, in id order."""
    chunks: list[Chunk] = []
    ids: list[str] = []
    paths: list[Path] = []
    size = 0
    for article in articles:
        path = folder / f"{article}.trig"
        ids.append(article)
        paths.append(path)
        size += path.stat().st_size
        if size >= chunk_bytes:
            chunks.append(Chunk(len(chunks), tuple(ids), tuple(paths)))
            ids, paths, size = [], [], 0
    if ids:
        chunks.append(Chunk(len(chunks), tuple(ids), tuple(paths)))
    return chunks


def claim(claims: Path, chunk: Chunk) -> bool:
    """Whether this process takes the chunk (the first to create its file does)."""
    try:
        os.close(os.open(claims / str(chunk.index), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


def run(
    chunks: Iterable[Chunk],
    claims: Path,
    disk: Store,
    base: str,
    queries: list[shacl.ShapeQuery],
) -> Iterator[ChunkResults | None]:
    """Each chunk's results, for the chunks this process claims (None for the others,
    so that a progress bar can count every chunk)."""
    for chunk in chunks:
        yield one(chunk, disk, base, queries) if claim(claims, chunk) else None


def one(
    chunk: Chunk,
    disk: Store,
    base: str,
    queries: list[shacl.ShapeQuery],
) -> ChunkResults:
    """The shapes on one chunk's graph files (see the module's docstring)."""
    store = Store()
    for path in chunk.paths:  # newskg's own files, checked against the store's size
        store.load(path=str(path), format=RdfFormat.TRIG, lenient=True)
    shared = [Quad(row["s"], row["p"], row["o"], row["g"]) for row in _select(store, SHARED, base)]
    shared += [
        q
        for value in {q.object for q in shared if isinstance(q.object, NamedNode)}
        if minted(base, value.value)
        for q in store.quads_for_pattern(value, RDF_TYPE, None, None)
    ]
    values = [row["o"] for row in _select(store, VALUES, base)]
    store.extend(
        [q for value in values for q in disk.quads_for_pattern(value, RDF_TYPE, None, None)]
    )

    def keep(focus: Any) -> bool:
        return not isinstance(focus, NamedNode) or minted(base, focus.value)

    results = list(shacl.run_queries(store, queries, keep))
    return ChunkResults(results, serialize(shared, format=RdfFormat.N_QUADS) or b"")


def shared_results(
    registry: bytes,
    chunks: Iterable[ChunkResults],
    base: str,
    queries: list[shacl.ShapeQuery],
) -> tuple[Store, set[shacl.Result]]:
    """Every result: the chunks', and the shapes' over the shared resources (the
    registry's and ontology's graphs, `registry` as N-Quads, with what every chunk's
    graphs state about them); and the store of the shared resources, where a result's
    article is looked up."""
    store = Store()
    store.load(registry, format=RdfFormat.N_QUADS, lenient=True)
    results: set[shacl.Result] = set()
    for chunk in chunks:
        store.load(chunk.shared, format=RdfFormat.N_QUADS, lenient=True)
        results.update(chunk.results)

    def keep(focus: Any) -> bool:
        return isinstance(focus, NamedNode) and not minted(base, focus.value)

    results.update(shacl.run_queries(store, queries, keep))
    return store, results
