"""The build metadata's graph (``{base}graph/build``): what made a build, newskg's
version and a hash of each source file, and no timestamps.

Apart from the mapping of facts: a build that changed one article patches this graph's
file, and should not load the fact models to do so (see newskg.quad_order).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping

from pyoxigraph import Literal, NamedNode, Quad

from . import __version__
from .quad_order import RDF_TYPE
from .vocab import ONTOLOGY_IRI, PROV, RDFS, Minter, iri, nk


def build_metadata_quads(
    mint: Minter, sources: Mapping[str, str] | Callable[[], Iterable[tuple[str, str]]]
) -> Iterator[Quad]:
    """What made this build: newskg's version and a hash of each source; no timestamps.
    Made as they are written (see pipeline._stage_graph): 80,000 statements at 10,000
    articles.  `sources` is each source's hash by path, or gives each source's path and
    hash in path order each time it is called (from a table on disk, in a fresh build)."""
    if isinstance(sources, Mapping):
        by_path = sources
        sources = lambda: sorted(by_path.items())  # noqa: E731
    graph = mint.graph("build")
    build = mint.graph("build")
    yield Quad(build, RDF_TYPE, iri(PROV, "Activity"), graph)
    yield Quad(build, iri(RDFS, "label"), Literal("newskg build", language="en"), graph)
    yield Quad(build, nk("newskgVersion"), Literal(__version__), graph)
    yield Quad(build, iri(PROV, "used"), NamedNode(ONTOLOGY_IRI), graph)
    # in the order of the paths, not sorted as quads: at 10,000 articles this graph has
    # 80,000 statements, and a build that changed one article writes it again
    for path, _ in sources():
        yield Quad(build, iri(PROV, "used"), mint.source(path), graph)
    for path, digest in sources():
        yield from source_quads(mint, path, digest)[1:]


def source_quads(mint: Minter, path: str, digest: str) -> list[Quad]:
    """The build metadata's statements about one source file."""
    graph = mint.graph("build")
    node = mint.source(path)
    return [
        Quad(graph, iri(PROV, "used"), node, graph),
        Quad(node, RDF_TYPE, nk("SourceFile"), graph),
        Quad(node, nk("path"), Literal(path), graph),
        Quad(node, nk("sha256"), Literal(digest), graph),
    ]
