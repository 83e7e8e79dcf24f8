"""Facts to quads: pure functions, no I/O.

The mapping walks each fact kind's schema (the `x-property` / `x-value` extras of its
fields), so that a new role field needs no mapping code.  Where a fact's statements
go is the heart of the model:

* a fact in the article's own voice goes into the article's graph;
* a reported or alleged fact goes into a graph of its own, named by its claim IRI,
  and the article's graph only *describes* the claim: who makes it, whom they cite,
  where the article says so.  Nothing reported enters the article's graph as a fact.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad

from .build_metadata import build_metadata_quads, source_quads
from .evidence import Span
from .facts import (
    Entity,
    FactBase,
    FoundingFact,
    MembershipFact,
    TimeSpec,
    role_fields,
    template_fields,
)
from .project import ArticleInput, Project, fact_refs, time_fields
from .quad_order import RDF_TYPE, sort_key, sorted_quads
from .timeexpr import ResolvedTime
from .vocab import (
    DCTERMS,
    OA,
    PROV,
    RDFS,
    SCHEMA,
    SKOS,
    TIME,
    WD,
    XSD,
    Minter,
    iri,
    nk,
)  # fmt: skip

A = RDF_TYPE
LABEL = iri(RDFS, "label")
_XSD_DATE = iri(XSD, "date")
_CLAIM_CLASS = {
    "report": "ReportedClaim",
    "allegation": "Allegation",
    "statement": "AttributedStatement",
}
_UNIT = {"day": "unitDay", "week": "unitWeek", "month": "unitMonth", "year": "unitYear"}
_VALUE_TYPE = {"day": "date", "month": "gYearMonth", "year": "gYear"}
_EMPLOYING = {"chief-executive-officer", "executive", "employee"}


class ArticleMapper:
    """Maps one checked article to its quads."""

    def __init__(self, project: Project, article: ArticleInput) -> None:
        self.project = project
        self.article = article
        self.mint = Minter(project.base_iri)
        self.lang = article.sheet.language
        self.graph = self.mint.article(article.id)
        self.local = {e.id: e for e in article.sheet.entities}
        self.facts = {f.id: f for f in article.sheet.facts}

    # -- references ------------------------------------------------------------------

    def entity(self, entity_id: str) -> Entity | None:
        """A registry or article-local entity, if the id names one."""
        return self.local.get(entity_id) or self.project.entities.get(entity_id)

    def ref(self, ref_id: str) -> NamedNode:
        """The IRI an id refers to: an entity, else a fact of this article."""
        entity = self.entity(ref_id)
        if entity is not None:
            return self.mint.entity(entity.id, entity.type)
        return self.resource(self.facts[ref_id])

    def resource(self, fact: FactBase) -> NamedNode:
        """The resource a fact describes: its registry subject, or one of its own."""
        if fact.subject is not None:
            return self.ref(fact.subject)
        return self.mint.fact(self.article.id, fact.id)

    def text(self, value: str) -> Literal:
        """Words of the article, tagged with its language."""
        return Literal(value, language=self.lang)

    # -- the article ----------------------------------------------------------------------

    def quads(self) -> Iterator[Quad]:
        """Every quad of this article: its graph and its claims' graphs."""
        yield from self.article_metadata()
        for entity in self.article.sheet.entities:
            yield from entity_quads(self.mint, entity, self.graph, self.ref)
        for fact in self.article.sheet.facts:
            yield from self.fact_quads(fact)

    def article_metadata(self) -> Iterator[Quad]:
        sheet, g, art = self.article.sheet, self.graph, self.graph
        published = Literal(sheet.published.isoformat(), datatype=_XSD_DATE)
        publisher = self.ref(sheet.publisher)
        yield Quad(art, A, nk("NewsArticle"), g)
        yield Quad(art, iri(SCHEMA, "headline"), self.text(sheet.headline), g)
        yield Quad(art, iri(DCTERMS, "title"), self.text(sheet.headline), g)
        yield Quad(art, iri(SCHEMA, "publisher"), publisher, g)
        yield Quad(art, iri(DCTERMS, "publisher"), publisher, g)
        yield Quad(art, iri(SCHEMA, "url"), NamedNode(sheet.url), g)
        yield Quad(art, iri(SCHEMA, "datePublished"), published, g)
        yield Quad(art, iri(DCTERMS, "issued"), published, g)
        yield Quad(art, iri(SCHEMA, "inLanguage"), Literal(sheet.language), g)
        yield Quad(art, iri(DCTERMS, "language"), Literal(sheet.language), g)
        yield Quad(art, iri(DCTERMS, "identifier"), Literal(self.article.id), g)
        if sheet.published_note:
            yield Quad(art, nk("datePublishedNote"), self.text(sheet.published_note), g)
        for entity in self.mentioned():
            yield Quad(art, iri(SCHEMA, "mentions"), entity, g)

    def mentioned(self) -> Iterator[NamedNode]:
        """Each entity the article names (its publisher, and whatever its facts refer to,
        in its own voice or in claims), once, in the order of the fact sheet.

        What an article mentions is otherwise spread over its graph and its claims'
        graphs, in any position: finding the articles that name an entity meant reading
        every statement about it (40 s for every person at 10,000 articles); one
        ``schema:mentions`` statement each makes it a lookup."""
        sheet = self.article.sheet
        ids = [sheet.publisher, *(ref for fact in sheet.facts for _, ref in fact_refs(fact))]
        for entity_id in dict.fromkeys(ids):
            entity = self.entity(entity_id)
            if entity is not None:
                yield self.mint.entity(entity.id, entity.type)

    # -- one fact ---------------------------------------------------------------------------

    def fact_quads(self, fact: FactBase) -> Iterator[Quad]:
        subject = self.resource(fact)
        claim = None
        content_graph = self.graph
        if fact.according_to is not None:
            claim = self.mint.claim(self.article.id, fact.id)
            content_graph = claim
            yield from self.claim_description(fact, claim, subject)
        yield from self.evidence(fact, claim or subject)
        for s, p, o in self.content(fact, subject):
            yield Quad(s, p, o, content_graph)

    def content(
        self, fact: FactBase, subject: NamedNode
    ) -> Iterator[tuple[NamedNode, NamedNode, NamedNode | Literal]]:
        """What the fact says, as triples (the caller picks the graph)."""
        yield subject, A, nk(fact.rdf_class)
        if fact.subject is None:
            yield subject, LABEL, self.text(fact.label or self.default_label(fact))
        elif fact.label:
            yield subject, LABEL, self.text(fact.label)
        times = dict(time_fields(fact))
        for name, kind, prop_name in role_fields(type(fact)):
            value = getattr(fact, name)
            if value is None or value == []:
                continue
            prop = nk(prop_name)
            if kind == "ref":
                for item in value if isinstance(value, list) else [value]:
                    yield subject, prop, self.ref(item)
            elif kind == "text":
                yield subject, prop, self.text(value)
            elif kind == "boolean":
                yield (
                    subject,
                    prop,
                    Literal("true" if value else "false", datatype=iri(XSD, "boolean")),
                )
            elif kind in {"status", "position"}:
                yield subject, prop, nk(_camel(value))
            elif kind == "time":
                node = self.mint.time(self.article.id, fact.id, name)
                yield subject, prop, node
                yield from self.time(node, times[name], self.article.times.get((fact.id, name)))
        yield from self.shortcuts(fact)

    def shortcuts(
        self, fact: FactBase
    ) -> Iterator[tuple[NamedNode, NamedNode, NamedNode | Literal]]:
        """Direct links that the n-ary facts imply, aligned with Wikidata's properties."""
        if isinstance(fact, FoundingFact) and fact.organisation:
            for founder in fact.founders:
                yield self.ref(fact.organisation), nk("foundedBy"), self.ref(founder)
        if isinstance(fact, MembershipFact) and fact.member and fact.organisation:
            org = self.entity(fact.organisation)
            is_org = org is not None and org.type != "Group"
            if fact.position == "chief-executive-officer" and is_org:
                yield (
                    self.ref(fact.organisation),
                    nk("chiefExecutiveOfficer"),
                    self.ref(fact.member),
                )
            if fact.position in _EMPLOYING and is_org:
                yield self.ref(fact.member), nk("employer"), self.ref(fact.organisation)
            if org is not None and org.type == "Group":
                yield self.ref(fact.organisation), nk("hasMember"), self.ref(fact.member)

    def time(
        self, node: NamedNode, spec: TimeSpec | str, resolved: ResolvedTime | None
    ) -> Iterator[tuple[NamedNode, NamedNode, NamedNode | Literal]]:
        spec = spec if isinstance(spec, TimeSpec) else TimeSpec(text=spec)
        yield node, A, nk("TimeExpression")
        yield node, nk("asWritten"), self.text(spec.text)
        for relation in ("after", "before", "during"):
            target = getattr(spec, relation)
            if target is not None:
                yield node, nk(relation), self.ref(target)
        if resolved is None:
            return
        yield node, nk("precision"), iri(TIME, _UNIT[resolved.precision])
        datatype = _VALUE_TYPE.get(resolved.precision) if not resolved.is_span else None
        yield node, nk("value"), Literal(resolved.value, datatype=iri(XSD, datatype or "string"))
        yield node, nk("earliest"), Literal(resolved.earliest.isoformat(), datatype=_XSD_DATE)
        yield node, nk("latest"), Literal(resolved.latest.isoformat(), datatype=_XSD_DATE)

    def claim_description(
        self, fact: FactBase, claim: NamedNode, subject: NamedNode
    ) -> Iterator[Quad]:
        """The article's own words about a claim: who makes it, whom they cite, where."""
        source = fact.according_to
        assert source is not None
        g = self.graph
        yield Quad(claim, A, nk(_CLAIM_CLASS[source.claim]), g)
        yield Quad(claim, LABEL, self.text(f"claim: {fact.label or self.default_label(fact)}"), g)
        words = " … ".join(q.quote for q in fact.evidence_list())
        yield Quad(claim, nk("claimText"), self.text(words), g)
        yield Quad(claim, iri(PROV, "wasAttributedTo"), self.ref(source.source), g)
        for cited in source.citing:
            yield Quad(claim, nk("citedSource"), self.ref(cited), g)
        if source.in_ is not None:
            made_in = "allegedIn" if source.claim == "allegation" else "madeIn"
            yield Quad(claim, nk(made_in), self.ref(source.in_), g)
        yield Quad(claim, nk("reportedIn"), self.graph, g)
        yield Quad(claim, nk("about"), subject, g)

    def evidence(self, fact: FactBase, body: NamedNode) -> Iterator[Quad]:
        """A Web Annotation from the fact's resource (or claim) to the article's words."""
        g, aid = self.graph, self.article.id
        annotation = self.mint.evidence(aid, fact.id)
        yield Quad(annotation, A, iri(OA, "Annotation"), g)
        yield Quad(annotation, iri(OA, "hasBody"), body, g)
        yield Quad(annotation, iri(OA, "motivatedBy"), iri(OA, "describing"), g)
        yield Quad(annotation, iri(DCTERMS, "identifier"), Literal(fact.id), g)
        for number in range(1, len(fact.evidence_list()) + 1):
            span: Span = self.article.spans[(fact.id, number)]
            target = self.mint.evidence(aid, fact.id, f".{number}")
            quote = self.mint.evidence(aid, fact.id, f".{number}.quote")
            position = self.mint.evidence(aid, fact.id, f".{number}.position")
            yield Quad(annotation, iri(OA, "hasTarget"), target, g)
            yield Quad(target, A, iri(OA, "SpecificResource"), g)
            yield Quad(target, iri(OA, "hasSource"), self.graph, g)
            yield Quad(target, iri(OA, "hasSelector"), quote, g)
            yield Quad(target, iri(OA, "hasSelector"), position, g)
            yield Quad(quote, A, iri(OA, "TextQuoteSelector"), g)
            yield Quad(quote, iri(OA, "exact"), Literal(span.exact), g)
            yield Quad(quote, iri(OA, "prefix"), Literal(span.prefix), g)
            yield Quad(quote, iri(OA, "suffix"), Literal(span.suffix), g)
            yield Quad(position, A, iri(OA, "TextPositionSelector"), g)
            # xsd:integer, not OA's xsd:nonNegativeInteger: Oxigraph stores integer subtypes
            # as xsd:integer, and the graph files must say what every store will hold
            count = iri(XSD, "integer")
            yield Quad(position, iri(OA, "start"), Literal(str(span.start), datatype=count), g)
            yield Quad(position, iri(OA, "end"), Literal(str(span.end), datatype=count), g)

    def default_label(self, fact: FactBase) -> str:
        """A readable label from the kind's template and the labels of the roles it
        names (only those: every field of the kind was looked at before)."""
        values: dict[str, str] = {}
        for name in template_fields(type(fact).label_template):
            value = getattr(fact, name)
            items = value if isinstance(value, list) else [value]
            if value is None or value == [] or not all(isinstance(i, str) for i in items):
                values[name] = "?"
                continue
            names = [self.entity(i).label if self.entity(i) else i for i in items]  # type: ignore[union-attr]
            values[name] = " and ".join(names)
        if "quote" in values and len(values["quote"]) > 60:
            values["quote"] = values["quote"][:59].rstrip() + "…"
        return type(fact).label_template.format(**values)


def _camel(value: str) -> str:
    """'chief-executive-officer' -> 'ChiefExecutiveOfficer': a named individual's local name."""
    return "".join(part.capitalize() for part in value.split("-"))


def entity_quads(
    mint: Minter, entity: Entity, graph: NamedNode, ref: Callable[[str], NamedNode]
) -> Iterator[Quad]:
    """A registry entry: its class, names, description and Wikidata item."""
    node = mint.entity(entity.id, entity.type)
    yield Quad(node, A, nk(entity.type), graph)
    yield Quad(node, LABEL, Literal(entity.label, language="en"), graph)
    for alias in entity.aliases:
        yield Quad(node, iri(SKOS, "altLabel"), Literal(alias, language="en"), graph)
    yield Quad(node, iri(SCHEMA, "description"), Literal(entity.description, language="en"), graph)
    yield Quad(node, iri(DCTERMS, "identifier"), Literal(entity.id), graph)
    if entity.wikidata:
        yield Quad(node, iri(SCHEMA, "sameAs"), NamedNode(WD + entity.wikidata), graph)
    for member in entity.members:
        yield Quad(node, nk("hasMember"), ref(member), graph)


def registry_quads(project: Project) -> Iterator[Quad]:
    """The registry's graph, in the order of sorted_quads, one entry at a time.  Every
    statement of an entry has the entry as its subject, so the entries are sorted as
    subjects and each one's few statements on their own: one sort of the whole graph
    held a key of five strings for each of its statements (164,000 at 10,000
    articles).  A registry index (newskg.registry_index) gives its entries in that
    order itself; a registry read whole is sorted here."""
    from .registry_index import iri_sort_key

    mint = Minter(project.base_iri)
    graph = mint.graph("registry")
    entities = project.entities

    def node(entity_id: str) -> NamedNode:
        entity = entities[entity_id]
        return mint.entity(entity.id, entity.type)

    in_iri_order: Callable[[], Iterable[Entity]] | None = getattr(entities, "in_iri_order", None)
    ordered = (
        in_iri_order()
        if in_iri_order is not None
        else sorted(entities.values(), key=lambda e: iri_sort_key(e.id, e.type))
    )
    for entity in ordered:
        yield from sorted_quads(entity_quads(mint, entity, graph, node))


def article_quads(project: Project, article: ArticleInput) -> list[Quad]:
    """All quads of one article (its own graph and its claims' graphs): by graph and
    subject, rdf:type first, then in the order the mapper makes them.  The mapper walks
    only lists and dicts, never sets, so that order depends on the fact sheet alone (the
    build is tested byte for byte under several hash seeds); a full sort of every quad
    took a fifth of an article's mapping time."""
    unique = dict.fromkeys(ArticleMapper(project, article).quads())
    return sorted(unique, key=_grouping_key)


def _grouping_key(quad: Quad) -> tuple[str, str, bool]:
    return (quad.graph_name.value, quad.subject.value, quad.predicate != A)  # type: ignore[union-attr]


__all__ = [
    "ArticleMapper",
    "DefaultGraph",
    "article_quads",
    "build_metadata_quads",
    "registry_quads",
    "sort_key",
    "sorted_quads",
    "source_quads",
]
