"""The shapes a chunk of articles at a time find what they find over the whole corpus in
one store, with the same article for each finding, also where articles describe the
same resource."""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmarks.generate import generate
from pyoxigraph import RdfFormat, Store, parse

from newskg import build, shape_chunks
from newskg.check import Run, _silent
from newskg.pipeline import GRAPHS_DIR, BuildDir
from newskg.provenance import Locator
from newskg.shacl import Result, run_queries

BASE = "https://example.org/newskg/"
NK = BASE + "ontology#"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four generated articles, built, and then two things planted in their graph files
    that only the whole corpus gets right: a lawsuit of the first article whose plaintiff
    is a product of the registry that the second article says is an organisation (so no
    finding), and a motion that the first and the third articles give two statuses (so
    a finding, though each article alone gives one)."""
    root = tmp_path_factory.mktemp("chunks")
    generate(root, 4, seed=7)
    build(root)
    files = sorted((root / "build" / GRAPHS_DIR / "articles").glob("*.trig"))
    first, second, third = (f.stem for f in files[:3])
    everything = Store()
    everything.load(path=str(root / "build" / GRAPHS_DIR / "registry.trig"), format=RdfFormat.TRIG)
    product = next(
        iter(everything.query(f"SELECT ?p WHERE {{ GRAPH ?g {{ ?p a <{NK}Product> }} }} LIMIT 1"))  # type: ignore[call-overload]
    )["p"]
    motion = f"<{BASE}id/event/planted-motion>"
    plant = {
        first: f"<{BASE}id/fact/{first}.planted-suit> a <{NK}Lawsuit> ; <{NK}plaintiff> {product} .\n"
        f'{motion} a <{NK}Motion> ; <{NK}motionType> "to dismiss"@en ; '
        f"<{NK}motionStatus> <{NK}Granted> .",
        second: f"{product} a <{NK}Organisation> .",
        third: f"{motion} <{NK}motionStatus> <{NK}Denied> .",
    }
    for article, statements in plant.items():
        path = files[0].parent / f"{article}.trig"
        with path.open("a", encoding="utf-8") as out:
            out.write(f"\n<{BASE}id/article/{article}> {{\n{statements}\n}}\n")
    return root


def _owned(run: Run, store: Store, results: set[Result]) -> set[tuple[Result, str]]:
    """Each result with the unit it belongs to, as the check decides it."""
    owned = set()
    for result in results:
        value = None
        if result.value is not None:
            statement = f"<x:s> <x:p> {result.value} ."
            value = next(iter(parse(statement, format=RdfFormat.N_TRIPLES))).object
        owned.add((result, run.owner(store, result.focus, result.path, value)))
    return owned


def test_chunks_find_what_one_store_finds(corpus: Path) -> None:
    folder = corpus / "build" / GRAPHS_DIR
    manifest = BuildDir(corpus).read_manifest()
    run = Run(corpus, manifest, Locator(corpus, manifest), {}, 60.0, _silent)
    queries = run.compiled()[0]
    everything = Store()
    for path in sorted(folder.rglob("*.trig")):
        everything.load(path=str(path), format=RdfFormat.TRIG)
    whole = _owned(run, everything, set(run_queries(everything, queries)))

    articles = sorted(manifest["articles"])
    chunks = shape_chunks.plan(folder / "articles", articles, chunk_bytes=1)
    assert [c.articles for c in chunks] == [(a,) for a in articles]
    parts = [shape_chunks.one(c, everything, BASE, run.locator.article_of, queries) for c in chunks]
    registry = Store()
    for name in ("registry", "ontology"):
        registry.load(path=str(folder / f"{name}.trig"), format=RdfFormat.TRIG)
    shared, results = shape_chunks.shared_results(
        registry.dump(format=RdfFormat.N_QUADS) or b"", parts, run.locator.article_of, queries
    )
    assert _owned(run, shared, results) == whole

    messages = {(r.focus.rsplit("/", 1)[-1], r.path) for r, _ in whole}
    assert ("planted-motion", NK + "motionStatus") in messages  # two articles, two statuses
    assert not any(r.path == NK + "plaintiff" for r, _ in whole)  # typed by another article
    two_statuses = [o for r, o in whole if r.focus.endswith("planted-motion")]
    assert two_statuses and set(two_statuses) <= set(articles)


def test_each_chunk_is_taken_once(tmp_path: Path, corpus: Path) -> None:
    folder = corpus / "build" / GRAPHS_DIR / "articles"
    chunks = shape_chunks.plan(folder, sorted(p.stem for p in folder.glob("*.trig")), 1)
    taken = [c.index for c in chunks if shape_chunks.claim(tmp_path, c)]
    assert taken == list(range(len(chunks)))
    assert not any(shape_chunks.claim(tmp_path, c) for c in chunks)
