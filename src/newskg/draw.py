"""Pictures of part of the graph, drawn by Graphviz: an entity's neighbourhood, a whole
article, or what a CONSTRUCT query makes.

A picture is made in two steps.  The first reads the store and writes DOT text: pure and
deterministic (nodes, clusters and edges sorted; a node's id is its prefixed name), so
that it can be tested, diffed and kept under version control.  The second hands the DOT
to Graphviz's ``dot`` program for SVG or PNG; only that step needs Graphviz installed,
and ``--format dot`` always works without it.

The picture keeps the graph's main promise visible: what an article says in its own
voice is drawn with solid edges, and what it reports a source claiming (the triples of a
claim's graph) with dashed edges of another colour, grouped per claim in a box labelled
with the claim's source.  Web Annotation resources, time expressions, ``rdf:type``
statements and literals are left out: they are the graph's bookkeeping, and an event's
date goes into its node's label instead.
"""

from __future__ import annotations

import difflib
import re
import shutil
import subprocess
import textwrap
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store, Triple, parse

from .errors import EXIT_USAGE, NewsKGError, StoreError, UsageError
from .formats import atomic_output
from .project import DEFAULT_BASE_IRI
from .results import short
from .vocab import DCTERMS, NK, OA, ONTOLOGY_IRI, PROV, RDF, RDFS, Minter

FORMATS = ("svg", "png", "dot")
_EXTENSIONS = {".svg": "svg", ".png": "png", ".dot": "dot", ".gv": "dot"}
DEFAULT_TIMEOUT = 60.0

_TYPE = RDF + "type"
_MENTIONS = "http://schema.org/mentions"
"""An article's index of the entities its facts name: the facts' own edges show them."""
_LABEL = RDFS + "label"
_IDENTIFIER = DCTERMS + "identifier"
_TITLE = DCTERMS + "title"
_ATTRIBUTED = PROV + "wasAttributedTo"
_CITED = NK + "citedSource"
_REPORTED_IN = NK + "reportedIn"
_ARTICLE = NK + "NewsArticle"
_TIME = NK + "TimeExpression"
_DATES = (NK + "date", NK + "filed")
_VALUE = NK + "value"
_SUBCLASS = RDFS + "subClassOf"

_FONT = "Helvetica"
_OWN_VOICE = "#495057"
_CLAIMED = "#c2255c"
_LABEL_WIDTH = 28
_LABEL_LINES = 4


# -- errors ----------------------------------------------------------------------------------


class GraphvizError(NewsKGError):
    """Graphviz is missing or failed: a matter of the machine's setup, not of the data,
    so it exits 2 like other requests the command cannot carry out as asked."""

    exit_code = EXIT_USAGE


class GraphvizMissing(GraphvizError):
    """No ``dot`` program: SVG and PNG cannot be drawn, DOT text still can."""

    def __init__(self, executable: str = "dot") -> None:
        super().__init__(
            f"Graphviz's {executable!r} program is not installed (or not on PATH), so "
            "newskg cannot draw SVG or PNG",
            "install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install "
            "graphviz), or write the DOT text, which needs nothing: --format dot",
        )


# -- class families ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Family:
    """How a kind of resource is drawn, and whether a neighbourhood goes through it."""

    name: str
    fill: str
    shape: str
    style: str
    spreads: bool
    """True for n-ary resources (events, claims, situations, documents): a neighbourhood
    reaching one also takes their other participants, which is what makes them useful."""


_PEOPLE = Family("people", "#ffd8a8", "ellipse", "filled", False)
_ORGANISATIONS = Family("organisations", "#a5d8ff", "box", "filled", False)
_GROUPS = Family("groups", "#d0bfff", "box", "filled,rounded", False)
_EVENTS = Family("events", "#b2f2bb", "box", "filled,rounded", True)
_LEGAL = Family("legal actions", "#ffc9c9", "box", "filled,rounded,bold", True)
_DOCUMENTS = Family("documents", "#fff3bf", "note", "filled", True)
_CLAIMS = Family("claims", "#fcc2d7", "box", "filled,rounded,dashed", True)
_SITUATIONS = Family("situations", "#c3fae8", "box", "filled,rounded", True)
_OTHERS = Family("others", "#e9ecef", "box", "filled,rounded", False)

_ROOTS: tuple[tuple[str, Family], ...] = (
    (NK + "LegalAction", _LEGAL),  # before Event, of which it is a subclass
    (NK + "Event", _EVENTS),
    (NK + "Statement", _EVENTS),  # a speech act: a speaker, an occasion, a date
    (NK + "Person", _PEOPLE),
    (NK + "Organisation", _ORGANISATIONS),
    (NK + "Group", _GROUPS),
    (NK + "Claim", _CLAIMS),
    (NK + "Document", _DOCUMENTS),
    (NK + "Situation", _SITUATIONS),
)
"""The ontology's classes that decide a family, the most specific first."""

FAMILIES = (_PEOPLE, _ORGANISATIONS, _GROUPS, _EVENTS, _LEGAL, _DOCUMENTS, _CLAIMS,
            _SITUATIONS, _OTHERS)  # fmt: skip


# -- reading the store ------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Edge:
    """One statement to draw; `claim` names the claim graph it comes from ('' when it is
    the article's own voice or the registry's), so that claims are drawn apart."""

    subject: str
    predicate: str
    object: str
    claim: str = ""


def _pick(literals: Iterable[Literal]) -> str | None:
    """One label among several, the same every time: English first, then untagged."""
    ranked = sorted(
        (0 if t.language == "en" else 1 if not t.language else 2, t.value) for t in literals
    )
    return ranked[0][1] if ranked else None


def _iris(statement: Quad | Triple) -> tuple[str, str, str] | None:
    """A statement's subject, predicate and object IRIs, when it links two resources."""
    subject, obj = statement.subject, statement.object
    if isinstance(subject, NamedNode) and isinstance(obj, NamedNode):
        return subject.value, statement.predicate.value, obj.value
    return None


def _graph(quad: Quad) -> str:
    return quad.graph_name.value if isinstance(quad.graph_name, NamedNode) else ""


def _tail(value: str) -> str:
    """The last part of an IRI or prefixed name, to suggest the id that was meant."""
    return re.split(r"[/#:]", value.strip("<>"))[-1]


class _View:
    """The store, read through the questions a picture asks of it.

    The graphs drawn are the article graphs, their claims' graphs and the registry; the
    ontology graph only names properties and classes, and the build graph is left out.
    Labels, types and dates are looked up in every graph: a picture names things
    whichever graph describes them.
    """

    def __init__(self, store: Store, base: str) -> None:
        self.store = store
        self.prefixes = Minter(base).prefixes()
        self.registry = Minter(base).graph("registry").value
        self.articles = self._articles()
        self.claims = self._claims()
        self.graphs = {*self.articles, *self.claims, self.registry}
        self._types: dict[str, frozenset[str]] = {}
        self._supers: dict[str, frozenset[str]] = {}
        self._neighbours: dict[str, frozenset[str]] = {}

    def objects(self, subject: str, predicate: str, graph: str | None = None) -> list[object]:
        """The objects of (subject, predicate), in one graph or any."""
        named = NamedNode(graph) if graph is not None else None
        quads = self.store.quads_for_pattern(NamedNode(subject), NamedNode(predicate), None, named)
        return [q.object for q in quads]

    def _articles(self) -> dict[str, str]:
        """Article IRIs (which also name their graphs) and their ids."""
        found: dict[str, str] = {}
        for quad in self.store.quads_for_pattern(None, NamedNode(_TYPE), NamedNode(_ARTICLE)):
            iri = _graph(quad)
            if iri and quad.subject == NamedNode(iri):
                ids = [
                    t.value for t in self.objects(iri, _IDENTIFIER, iri) if isinstance(t, Literal)
                ]
                found[iri] = min(ids) if ids else _tail(iri)
        return found

    def _claims(self) -> dict[str, str]:
        """Claim graphs and their articles: a graph G such that some article's graph says
        ``G nk:reportedIn`` that article."""
        found: dict[str, str] = {}
        for quad in self.store.quads_for_pattern(None, NamedNode(_REPORTED_IN), None):
            ends = _iris(quad)
            if ends is None:
                continue
            graph, _, article = ends
            said_by_article = article in self.articles and _graph(quad) == article
            if said_by_article and self.store.contains_named_graph(NamedNode(graph)):
                found[graph] = article
        return found

    # -- what a resource is

    def types(self, iri: str) -> frozenset[str]:
        if iri not in self._types:
            found = self.objects(iri, _TYPE)
            self._types[iri] = frozenset(t.value for t in found if isinstance(t, NamedNode))
        return self._types[iri]

    def superclasses(self, cls: str) -> frozenset[str]:
        """The class and its superclasses in the ontology, so that new subclasses find
        their family without a change here."""
        if cls not in self._supers:
            seen, todo = {cls}, [cls]
            while todo:
                for parent in self.objects(todo.pop(), _SUBCLASS, ONTOLOGY_IRI):
                    if isinstance(parent, NamedNode) and parent.value not in seen:
                        seen.add(parent.value)
                        todo.append(parent.value)
            self._supers[cls] = frozenset(seen)
        return self._supers[cls]

    def family(self, iri: str) -> Family:
        classes = {c for t in self.types(iri) for c in self.superclasses(t)}
        return next((family for root, family in _ROOTS if root in classes), _OTHERS)

    def skipped(self, iri: str) -> bool:
        """Web Annotation resources and time expressions: bookkeeping, not news."""
        if iri.startswith(OA):
            return True
        return any(t.startswith(OA) or t == _TIME for t in self.types(iri))

    def described(self, iri: str) -> bool:
        """Whether the store says anything of this resource: a Wikidata item or a web
        page it only points to is not drawn as a bare IRI."""
        return bool(self.types(iri)) or bool(self.objects(iri, _LABEL))

    def spreads(self, iri: str) -> bool:
        """A neighbourhood goes through events, claims, situations and documents, never
        through an article (every claim of it would follow) or an ontology term."""
        return self.family(iri).spreads and iri not in self.articles and not iri.startswith(NK)

    # -- names

    def name(self, iri: str) -> str:
        """The prefixed name: a node's stable id, and its label when it has none."""
        return short(NamedNode(iri), self.prefixes)

    def label(self, iri: str) -> str:
        found = _pick(t for t in self.objects(iri, _LABEL) if isinstance(t, Literal))
        return found if found is not None else self.name(iri)

    def title(self, iri: str) -> str:
        """A picture's title: the label, else a title (an article has a headline, not a
        label), else the prefixed name."""
        for predicate in (_LABEL, _TITLE):
            found = _pick(t for t in self.objects(iri, predicate) if isinstance(t, Literal))
            if found is not None:
                return found
        return self.name(iri)

    def property_label(self, iri: str) -> str:
        """A property's label from the ontology graph, else its prefixed name."""
        found = self.objects(iri, _LABEL, ONTOLOGY_IRI)
        picked = _pick(t for t in found if isinstance(t, Literal))
        return picked if picked is not None else self.name(iri)

    def dates(self, iri: str) -> list[str]:
        """The values of an event's date (nk:date, nk:filed), as every article gives it."""
        values: set[str] = set()
        for field in _DATES:
            for time in self.objects(iri, field):
                if isinstance(time, NamedNode):
                    values.update(
                        v.value for v in self.objects(time.value, _VALUE) if isinstance(v, Literal)
                    )
        return sorted(values)

    def claim_title(self, claim: str) -> str:
        """A claim's cluster label: whose claim it is, and whom they cite."""
        sources = self._labels_of(claim, _ATTRIBUTED)
        cited = self._labels_of(claim, _CITED)
        title = "claim of " + " and ".join(sources) if sources else "claim"
        return title + ("\nciting " + " and ".join(cited) if cited else "")

    def _labels_of(self, subject: str, predicate: str) -> list[str]:
        found = self.objects(subject, predicate, self.claims.get(subject))
        return sorted(self.label(t.value) for t in found if isinstance(t, NamedNode))

    # -- statements

    def drawable(self, subject: str, predicate: str, obj: str, *, strict: bool) -> bool:
        """Whether a statement between two resources is drawn: not rdf:type nor an
        article's schema:mentions, not touching an annotation or a time expression;
        `strict` also leaves out resources the store does not describe (for pictures
        newskg chooses, not a user's query)."""
        if predicate in (_TYPE, _MENTIONS) or predicate.startswith(OA):
            return False
        if self.skipped(subject) or self.skipped(obj):
            return False
        return not strict or (self.described(subject) and self.described(obj))

    def edges_in(self, quads: Iterable[Quad]) -> Iterator[Edge]:
        """The drawable statements among quads of the drawn graphs, as edges."""
        for quad in quads:
            graph, ends = _graph(quad), _iris(quad)
            if graph in self.graphs and ends and self.drawable(*ends, strict=True):
                yield Edge(*ends, graph if graph in self.claims else "")

    def edges_about(self, iri: str) -> Iterator[Edge]:
        """Drawable statements with the resource as subject or object."""
        node = NamedNode(iri)
        yield from self.edges_in(self.store.quads_for_pattern(node, None, None))
        yield from self.edges_in(self.store.quads_for_pattern(None, None, node))

    def neighbours(self, iri: str) -> frozenset[str]:
        if iri not in self._neighbours:
            edges = list(self.edges_about(iri))
            ends = {e.subject for e in edges} | {e.object for e in edges}
            self._neighbours[iri] = frozenset(ends - {iri})
        return self._neighbours[iri]

    def identified(self, iri: str) -> bool:
        """Registry and article-local entities carry their id: they are shared, so they
        are never drawn inside one claim's box."""
        return bool(self.objects(iri, _IDENTIFIER))

    # -- ids people type

    def entity_ids(self, only: str | None = None) -> dict[str, str]:
        """Registry and article-local ids and their IRIs (articles and annotations,
        which carry ids too, left out); with `only`, just that id (a lookup, not a scan
        of every identifier: half a million at 10,000 articles)."""
        ids: dict[str, str] = {}
        value = Literal(only) if only is not None else None
        for quad in sorted(
            self.store.quads_for_pattern(None, NamedNode(_IDENTIFIER), value), key=str
        ):
            subject, graph = quad.subject, quad.graph_name
            if (
                isinstance(subject, NamedNode)
                and isinstance(quad.object, Literal)
                and isinstance(graph, NamedNode)
                and (graph.value == self.registry or graph.value in self.articles)
                and subject.value not in self.articles
                and not self.skipped(subject.value)
            ):
                ids.setdefault(quad.object.value, subject.value)
        return ids

    def expand(self, value: str) -> str | None:
        """An IRI written as <IRI>, a bare absolute IRI or a prefixed name."""
        if value.startswith("<") and value.endswith(">"):
            return value[1:-1]
        if "://" in value:
            return value
        prefix, sep, local = value.partition(":")
        if sep and prefix in self.prefixes:
            return self.prefixes[prefix] + local
        return None

    def mentioned(self, iri: str) -> bool:
        return next(self.edges_about(iri), None) is not None or self.described(iri)


def _open(store_path: Path | str) -> Store:
    """The store, read-only: a picture never changes it, and may be drawn while another
    process reads it."""
    try:
        return Store.read_only(str(store_path))
    except OSError as exc:
        raise StoreError(
            f"cannot open the store in {store_path}: {exc}", "run `newskg build` first"
        ) from exc


def _suggest(value: str, known: Iterable[str], fallback: str) -> str:
    close = difflib.get_close_matches(_tail(value), sorted(known), n=1)
    return f"did you mean {close[0]!r}?" if close else fallback


# -- choosing what to draw --------------------------------------------------------------------


def _resolve_entity(view: _View, value: str) -> str:
    found = view.entity_ids(only=value)
    if value in found:
        return found[value]
    iri = view.expand(value)
    if iri is not None and view.mentioned(iri):
        return iri
    if value in view.articles.values():
        raise UsageError(
            f"{value!r} is an article, not an entity", f"draw it with --article {value}"
        )
    ids = view.entity_ids()  # only now: the suggestion needs them all
    hint = _suggest(value, ids, "give a registry id (data/entities.yaml) or an IRI")
    raise UsageError(f"no entity {value!r} in the store", hint)


def _resolve_article(view: _View, value: str) -> str:
    for iri, article_id in view.articles.items():
        if value in (article_id, iri) or view.expand(value) == iri:
            return iri
    hint = _suggest(value, view.articles.values(), "`newskg build` maps data/articles/")
    raise UsageError(f"no article {value!r} in the store", hint)


def _neighbourhood(view: _View, start: str, depth: int) -> set[str]:
    """The entity, and `depth` times over: what the resources reached take part in
    (events, claims, situations, documents) and those resources' other participants.
    A claim reached this way brings its source and whom it cites."""
    nodes, frontier = {start}, {start}
    for _ in range(depth):
        reached: set[str] = set()
        for node in sorted(frontier):
            for near in view.neighbours(node):
                reached.add(near)
                if view.spreads(near):
                    reached |= _with_claims(view, view.neighbours(near))
        frontier = reached - nodes
        nodes |= reached
    return nodes


def _with_claims(view: _View, nodes: frozenset[str]) -> set[str]:
    """The nodes, and for each claim among them its neighbours: a claim's source and
    whom it cites belong with the claim."""
    found = set(nodes)
    for node in nodes:
        if view.family(node) is _CLAIMS:
            found |= view.neighbours(node)
    return found


def _edges_among(view: _View, nodes: set[str]) -> set[Edge]:
    """Every drawable statement between two of the nodes: what links them, not only
    the steps that reached them."""
    return {
        edge
        for node in sorted(nodes)
        for edge in view.edges_about(node)
        if edge.subject in nodes and edge.object in nodes
    }


def _article_edges(view: _View, article: str) -> set[Edge]:
    graphs = [article, *sorted(g for g, a in view.claims.items() if a == article)]
    return {
        edge
        for graph in graphs
        for edge in view.edges_in(view.store.quads_for_pattern(None, None, None, NamedNode(graph)))
    }


def _construct_edges(view: _View, triples: Iterable[Quad | Triple]) -> set[Edge]:
    """Edges of a CONSTRUCT answer.  A constructed statement that the store holds only
    in claims' graphs is drawn as those claims: a query must not turn a reported claim
    into the article's own voice."""
    edges: set[Edge] = set()
    for triple in triples:
        ends = _iris(triple)
        if ends is None or not view.drawable(*ends, strict=False):
            continue
        held = view.store.quads_for_pattern(triple.subject, triple.predicate, triple.object)
        graphs = {_graph(q) for q in held}
        claims = sorted(graphs) if graphs and graphs <= view.claims.keys() else [""]
        edges.update(Edge(*ends, claim) for claim in claims)
    return edges


# -- writing DOT ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Picture:
    """A drawing as DOT text, and what it shows."""

    dot: str
    title: str
    nodes: int
    edges: int
    claims: int


def _quote(text: str) -> str:
    """A DOT string: backslashes and quotes escaped, newlines as Graphviz's centred \\n."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n") + '"'


def _attrs(**values: str) -> str:
    return "[" + ", ".join(f"{key}={_quote(value)}" for key, value in values.items()) + "]"


def _wrap(text: str) -> str:
    """Graphviz does not wrap labels: long ones are wrapped and cut here."""
    lines = textwrap.wrap(
        " ".join(text.split()), width=_LABEL_WIDTH, max_lines=_LABEL_LINES, placeholder=" …"
    )
    return "\n".join(lines) or text


def _node(view: _View, iri: str) -> str:
    family = view.family(iri)
    label = _wrap(view.label(iri))
    dates = view.dates(iri)
    if dates:
        label += "\n" + " / ".join(dates)
    attrs = _attrs(
        label=label, fillcolor=family.fill, shape=family.shape, style=family.style, tooltip=iri
    )
    return f"{_quote(view.name(iri))} {attrs};"


def _edge(view: _View, edge: Edge) -> str:
    ends = f"{_quote(view.name(edge.subject))} -> {_quote(view.name(edge.object))}"
    label = view.property_label(edge.predicate)
    if edge.claim:
        attrs = _attrs(label=label, style="dashed", color=_CLAIMED, fontcolor=_CLAIMED)
    else:
        attrs = _attrs(label=label)
    return f"{ends} {attrs};"


def _clusters(view: _View, nodes: set[str], edges: set[Edge]) -> dict[str, str]:
    """Which node goes in which claim's box: the claim itself, and the resources only
    that claim's graph describes (never a shared, identified entity)."""
    own = {e.subject for e in edges if not e.claim}
    placed: dict[str, str] = {}
    claims = sorted({e.claim for e in edges if e.claim} | (nodes & view.claims.keys()))
    for claim in claims:
        if claim in nodes:
            placed.setdefault(claim, claim)
        for edge in sorted(e for e in edges if e.claim == claim):
            if edge.subject not in own and not view.identified(edge.subject):
                placed.setdefault(edge.subject, claim)
    return placed


def _cluster(view: _View, claim: str, members: list[str]) -> list[str]:
    attrs = (
        f'label={_quote(view.claim_title(claim))}; style="dashed,rounded"; '
        f"color={_quote(_CLAIMED)}; fontcolor={_quote(_CLAIMED)};"
    )
    lines = [f"  subgraph {_quote('cluster_' + view.name(claim))} {{", f"    {attrs}"]
    lines += [f"    {_node(view, m)}" for m in sorted(members, key=view.name)]
    return [*lines, "  }"]


def _dot(view: _View, title: str, nodes: set[str], edges: set[Edge]) -> Picture:
    """The DOT text: nodes outside claims, one cluster per claim, then every edge (at
    the top level, since an edge inside a cluster would pull its ends into it)."""
    nodes = nodes | {e.subject for e in edges} | {e.object for e in edges}
    placed = _clusters(view, nodes, edges)
    legend = "solid: the article's own voice · dashed: a source's claim, as reported"
    graph = _attrs(
        label=f"{title}\n{legend}",
        labelloc="t",
        fontname=_FONT,
        fontsize="12",
        rankdir="LR",
        nodesep="0.3",
        ranksep="0.6",
    )
    lines = [
        "digraph newskg {",
        f"  graph {graph};",
        f"  node {_attrs(fontname=_FONT, fontsize='10', margin='0.1,0.05')};",
        f"  edge {_attrs(fontname=_FONT, fontsize='8', color=_OWN_VOICE, fontcolor=_OWN_VOICE)};",
    ]
    lines += [f"  {_node(view, n)}" for n in sorted(nodes - placed.keys(), key=view.name)]
    for claim in sorted(set(placed.values()), key=view.name):
        lines += _cluster(view, claim, [n for n, c in placed.items() if c == claim])

    def key(edge: Edge) -> tuple[str, str, str, str]:
        return view.name(edge.subject), view.name(edge.object), edge.predicate, edge.claim

    lines += [f"  {_edge(view, e)}" for e in sorted(edges, key=key)]
    lines.append("}")
    claims = len(set(placed.values()) | {e.claim for e in edges if e.claim})
    return Picture("\n".join(lines) + "\n", title, len(nodes), len(edges), claims)


# -- the library's pictures -------------------------------------------------------------------


def entity_picture(
    store_path: Path | str, entity: str, *, depth: int = 1, base: str = DEFAULT_BASE_IRI
) -> Picture:
    """The neighbourhood of an entity (registry id, prefixed name or IRI): the events,
    claims, situations and documents it takes part in and their other participants,
    `depth` times over."""
    if depth < 1:
        raise UsageError(f"--depth {depth}: a neighbourhood has depth 1 or more")
    store = _open(store_path)
    try:
        view = _View(store, base)
        start = _resolve_entity(view, entity)
        nodes = _neighbourhood(view, start, depth)
        title = f"{view.label(start)} ({view.name(start)}): neighbourhood, depth {depth}"
        return _dot(view, title, nodes, _edges_among(view, nodes))
    finally:
        del store


def article_picture(
    store_path: Path | str, article: str, *, base: str = DEFAULT_BASE_IRI
) -> Picture:
    """A whole article (by id, prefixed name or IRI): its own graph and its claims'."""
    store = _open(store_path)
    try:
        view = _View(store, base)
        iri = _resolve_article(view, article)
        title = f"{view.title(iri)} ({view.articles[iri]}): its own graph and its claims'"
        return _dot(view, title, {iri}, _article_edges(view, iri))
    finally:
        del store


def construct_picture(
    store_path: Path | str,
    query: str,
    *,
    base: str = DEFAULT_BASE_IRI,
    timeout: float = DEFAULT_TIMEOUT,
    source: str = "<query>",
) -> Picture:
    """What a CONSTRUCT (or DESCRIBE) query makes, run on the store like `newskg query`
    runs it: parsed first, no SERVICE, stopped after `timeout` seconds."""
    from .sparql import inspect_query, refuse_outside_reach
    from .stores.embedded import graph_names, query_embedded

    info = inspect_query(query, source)
    if info.form not in {"CONSTRUCT", "DESCRIBE"}:
        raise UsageError(
            f"{source}: a {info.form} query makes no graph to draw", "use a CONSTRUCT query"
        )
    refuse_outside_reach(info, graph_names(Path(store_path)), False, source)
    answer = query_embedded(Path(store_path), query, {}, info.form, timeout, source)
    triples: list[Quad | Triple] = list(parse(answer.data, format=RdfFormat.N_TRIPLES))
    store = _open(store_path)
    try:
        view = _View(store, base)
        return _dot(view, f"{info.form} {source}", set(), _construct_edges(view, triples))
    finally:
        del store


def entity_dot(
    store_path: Path | str, entity: str, *, depth: int = 1, base: str = DEFAULT_BASE_IRI
) -> str:
    """The DOT text of an entity's neighbourhood (see entity_picture)."""
    return entity_picture(store_path, entity, depth=depth, base=base).dot


def article_dot(store_path: Path | str, article: str, *, base: str = DEFAULT_BASE_IRI) -> str:
    """The DOT text of a whole article (see article_picture)."""
    return article_picture(store_path, article, base=base).dot


def construct_dot(
    store_path: Path | str,
    query: str,
    *,
    base: str = DEFAULT_BASE_IRI,
    timeout: float = DEFAULT_TIMEOUT,
    source: str = "<query>",
) -> str:
    """The DOT text of a CONSTRUCT query's answer (see construct_picture)."""
    return construct_picture(store_path, query, base=base, timeout=timeout, source=source).dot


# -- rendering --------------------------------------------------------------------------------


def picture_format(output: str, fmt: str | None) -> str:
    """svg, png or dot: --format, else the output's extension."""
    if fmt is not None:
        if fmt.lower() not in FORMATS:
            raise UsageError(f"unknown picture format {fmt!r}", f"use one of: {', '.join(FORMATS)}")
        return fmt.lower()
    if output == "-":
        raise UsageError("no format for standard output", "pass --format dot (or svg, png)")
    suffix = Path(output).suffix.lower()
    if suffix not in _EXTENSIONS:
        raise UsageError(
            f"cannot tell the picture format of {output!r} from its extension",
            f"pass --format ({', '.join(FORMATS)}) or use .svg, .png, .dot",
        )
    return _EXTENSIONS[suffix]


def find_dot(executable: str = "dot") -> str:
    """The path of Graphviz's dot program, or GraphvizMissing with how to install it."""
    found = shutil.which(executable)
    if found is None:
        raise GraphvizMissing(executable)
    return found


def run_dot(
    dot_text: str, fmt: str, *, timeout: float = DEFAULT_TIMEOUT, executable: str = "dot"
) -> bytes:
    """Lay out DOT text with Graphviz and return the SVG or PNG bytes."""
    program = find_dot(executable)
    try:
        done = subprocess.run(
            [program, f"-T{fmt}"],
            input=dot_text.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as exc:
        raise GraphvizMissing(executable) from exc
    except subprocess.TimeoutExpired as exc:
        raise GraphvizError(
            f"Graphviz ran longer than {timeout:g} s and was stopped",
            "draw less (a smaller --depth), or write --format dot",
        ) from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GraphvizError(
            f"Graphviz failed (exit {done.returncode}): {message[0] if message else 'no message'}",
            "write --format dot to see what it was given",
        )
    return done.stdout


def render(
    dot_text: str,
    output: str | Path,
    fmt: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    executable: str = "dot",
) -> None:
    """Write a picture: DOT as it is, or SVG/PNG drawn by Graphviz.  The file is
    replaced only once the whole picture is ready (``-``: standard output)."""
    if fmt == "dot":
        data = dot_text.encode("utf-8")
    else:
        data = run_dot(dot_text, fmt, timeout=timeout, executable=executable)
    with atomic_output(output) as stream:
        stream.write(data)


# -- the command's one call -------------------------------------------------------------------


def draw(
    output: str,
    fmt: str | None = None,
    *,
    root: Path | None = None,
    entity: str | None = None,
    article: str | None = None,
    construct: Path | None = None,
    depth: int = 1,
    timeout: float = DEFAULT_TIMEOUT,
    rebuild: bool = True,
    executable: str = "dot",
) -> tuple[str, Picture]:
    """Draw an entity's neighbourhood, an article or a CONSTRUCT query's answer to a
    file (building first if the data changed); returns the format and the picture.

    Everything that can fail for want of input or Graphviz fails before the build."""
    from .layout import STORE_DIR
    from .pipeline import BuildDir, build
    from .project import find_root, load_registry_project

    chosen = picture_format(output, fmt)
    given = sum(x is not None for x in (entity, article, construct))
    if given != 1:
        raise UsageError(
            "draw what?" if not given else "draw one thing at a time",
            "give one of: --entity ID, --article ID, --construct FILE",
        )
    if chosen != "dot":
        find_dot(executable)
    query = _read_query(construct) if construct is not None else None
    project_root = find_root(root)
    project = build(project_root).project if rebuild else load_registry_project(project_root)
    store_path = BuildDir(project.root).path / STORE_DIR
    base = project.base_iri
    if entity is not None:
        picture = entity_picture(store_path, entity, depth=depth, base=base)
    elif article is not None:
        picture = article_picture(store_path, article, base=base)
    else:
        assert query is not None and construct is not None
        picture = construct_picture(
            store_path, query, base=base, timeout=timeout, source=str(construct)
        )
    render(picture.dot, output, chosen, timeout=timeout, executable=executable)
    return chosen, picture


def _read_query(path: Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the query file {path}: {exc}") from exc
