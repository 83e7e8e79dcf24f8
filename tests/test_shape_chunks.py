"""The shapes a chunk of articles at a time find what they find over the whole corpus in
one store, with the same article for each finding, also where articles describe the
same resource."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from benchmarks.generate import generate
from pyoxigraph import RdfFormat, Store

from newskg import build, shape_chunks
from newskg.check import CACHE, Run, _silent, check
from newskg.pipeline import GRAPHS_DIR, BuildDir
from newskg.provenance import Locator
from newskg.shacl import Result, node, run_queries

BASE = "https://example.org/newskg/"
NK = BASE + "ontology#"
EVIDENCE_TARGETS = ("Event", "Situation", "Statement", "Claim")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four generated articles, built."""
    root = tmp_path_factory.mktemp("generated")
    generate(root, 4, seed=7)
    build(root)
    return root


@pytest.fixture(scope="module")
def corpus(generated: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The four articles' build, with what only the whole corpus gets right planted in
    their graph files: a lawsuit of the first article whose plaintiff is a product of
    the registry that a claim of the second article says is an organisation (so no
    finding), and a motion that the first article and a claim of the third give two
    statuses (so a finding, though each article alone gives one); and in each article a
    fact of its own without evidence."""
    root = tmp_path_factory.mktemp("planted") / "corpus"
    shutil.copytree(generated, root)
    files = sorted((root / "build" / GRAPHS_DIR / "articles").glob("*.trig"))
    first, second, third = (f.stem for f in files[:3])
    registry = Store()
    registry.load(path=str(root / "build" / GRAPHS_DIR / "registry.trig"), format=RdfFormat.TRIG)
    products = registry.query(f"SELECT ?p WHERE {{ GRAPH ?g {{ ?p a <{NK}Product> }} }} LIMIT 1")
    product = next(iter(products))["p"]  # type: ignore[call-overload]
    motion = f"<{BASE}id/event/planted-motion>"
    plant = {  # (article, whose voice): statements
        (first, "article"): f"<{BASE}id/fact/{first}.planted-suit> a <{NK}Lawsuit> ; "
        f"<{NK}plaintiff> {product} .\n{motion} a <{NK}Motion> ; "
        f'<{NK}motionType> "to dismiss"@en ; <{NK}motionStatus> <{NK}Granted> .',
        (second, "claim"): f"{product} a <{NK}Organisation> .",
        (third, "claim"): f"{motion} <{NK}motionStatus> <{NK}Denied> .",
    }
    for article in (f.stem for f in files):  # a finding about each article's own resource
        orphan = f"<{BASE}id/fact/{article}.planted-orphan> a <{NK}Meeting> ."
        plant[article, "article"] = plant.get((article, "article"), "") + "\n" + orphan
    for (article, voice), statements in plant.items():
        graph = f"{BASE}id/{voice}/{article}" + (".planted" if voice == "claim" else "")
        with (files[0].parent / f"{article}.trig").open("a", encoding="utf-8") as out:
            out.write(f"\n<{graph}> {{\n{statements}\n}}\n")
    return root


def _owned(run: Run, store: Store, results: set[Result]) -> set[tuple[Result, str]]:
    """Each result with the unit it belongs to, as the check decides it."""
    owned = set()
    for result in results:
        value = None if result.value is None else node(result.value)
        owned.add((result, run.owner(store, result.focus, result.path, value)))
    return owned


@pytest.mark.parametrize("chunk_bytes", [1, 150_000, 1 << 30], ids=["one", "two", "all"])
def test_chunks_find_what_one_store_finds(corpus: Path, chunk_bytes: int) -> None:
    folder = corpus / "build" / GRAPHS_DIR
    manifest = BuildDir(corpus).read_manifest()
    run = Run(corpus, manifest, Locator(corpus, manifest), {}, 60.0, _silent)
    queries = run.compiled()[0]
    everything = Store()
    for path in sorted(folder.rglob("*.trig")):
        everything.load(path=str(path), format=RdfFormat.TRIG)
    whole = _owned(run, everything, set(run_queries(everything, queries)))

    articles = sorted(manifest["articles"])
    chunks = shape_chunks.plan(folder / "articles", articles, chunk_bytes)
    assert [a for c in chunks for a in c.articles] == articles
    assert len(chunks) == {1: len(articles), 150_000: 2, 1 << 30: 1}[chunk_bytes]
    parts = [shape_chunks.one(c, everything, BASE, queries) for c in chunks]
    registry = Store()
    for name in ("registry", "ontology"):
        registry.load(path=str(folder / f"{name}.trig"), format=RdfFormat.TRIG)
    registry_nquads = registry.dump(format=RdfFormat.N_QUADS) or b""
    shared, results = shape_chunks.shared_results(registry_nquads, parts, BASE, queries)
    assert _owned(run, shared, results) == whole

    messages = {(r.focus.rsplit("/", 1)[-1], r.path) for r, _ in whole}
    assert ("planted-motion", NK + "motionStatus") in messages  # two articles, two statuses
    assert not any(r.path == NK + "plaintiff" for r, _ in whole)  # typed in another's claim
    two_statuses = [o for r, o in whole if r.focus.endswith("planted-motion")]
    assert two_statuses and set(two_statuses) <= set(articles)
    orphans = {o for r, o in whole if r.focus.endswith("planted-orphan")}
    assert orphans == set(articles)


def test_every_shared_resource_the_build_makes_is_spared_by_the_evidence_rule(
    generated: Path,
) -> None:
    """The evidence rule reads what points at its focus, which a chunk does not send to
    the shared store: the chunks give its results exactly only because it spares every
    shared resource, having a dcterms:identifier."""
    store = Store()
    for path in sorted((generated / "build" / GRAPHS_DIR).rglob("*.trig")):
        store.load(path=str(path), format=RdfFormat.TRIG)
    targets = " ".join(f"<{NK}{name}>" for name in EVIDENCE_TARGETS)
    rows = store.query(
        "SELECT DISTINCT ?s WHERE { VALUES ?target { " + targets + " } "
        "?s a ?type . ?type <http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?target . "
        "FILTER NOT EXISTS { ?s <http://purl.org/dc/terms/identifier> ?id } }",
        use_default_graph_as_union=True,
        default_graph=None,
    )
    spared_or_minted = [row["s"].value for row in rows]  # type: ignore[union-attr]
    assert spared_or_minted  # the facts that articles mint
    assert all(shape_chunks.minted(BASE, iri) for iri in spared_or_minted)


@pytest.fixture
def broken(generated: Path, tmp_path: Path) -> Path:
    """The four articles, each with a product of the registry as a lawsuit's plaintiff,
    built."""
    root = tmp_path / "broken"
    shutil.copytree(generated, root)
    registry = (root / "data" / "entities.yaml").read_text(encoding="utf-8")
    product = re.search(r"- id: (\S+)\n\s+type: Product\n", registry)
    assert product
    for sheet in sorted((root / "data" / "articles").glob("*.yaml")):
        text = sheet.read_text(encoding="utf-8")
        changed = re.sub(r"plaintiffs: \[[^\]]+\]", f"plaintiffs: [{product[1]}]", text, count=1)
        assert changed != text
        sheet.write_text(changed, encoding="utf-8")
    build(root)
    return root


def test_a_check_from_scratch_is_the_same_in_chunks_of_any_size_and_on_the_store(
    broken: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def from_scratch() -> list[str]:
        (broken / "build" / CACHE).unlink(missing_ok=True)
        return check(broken, quiet=True).json().splitlines()

    in_chunks = from_scratch()  # the four articles describe one lawsuit: one finding
    assert sum('"check": "shacl"' in line for line in in_chunks) == 1
    monkeypatch.setattr(shape_chunks, "CHUNK_BYTES", 1)  # four chunks, both processes
    assert from_scratch() == in_chunks
    monkeypatch.setattr(Run, "_chunks", lambda *args: None)  # as if a file did not parse
    assert from_scratch() == in_chunks
    assert not list((broken / "build").glob(".check-claims-*"))
