"""From RDF back to YAML: which fact sheet, line and column a resource comes from.

A check that finds something wrong in the graph (a SHACL result, a reasoner's clash,
a stored check's row) names resources by IRI; users fix fact sheets.  newskg's IRIs are
made from article and fact ids (see :class:`~newskg.vocab.Minter`), so each one leads
back to its fact, and a property leads to the field of that fact that wrote it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import Location
from .facts import FactBase
from .project import ArticleInput, Project
from .vocab import NK, Minter


@dataclass(frozen=True)
class Origin:
    """Where a resource was written: an article and a fact, or a registry entry."""

    location: Location
    article: str | None = None
    fact: str | None = None


class Locator:
    """Finds the YAML origin of the resources of one project's graph."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.mint = Minter(project.base_iri)
        self.articles = {a.id: a for a in project.articles}
        self.registry_iris = {
            self.mint.entity(e.id, e.type).value: e.id for e in project.entities.values()
        }
        for article in project.articles:
            for entity in article.sheet.entities:
                self.registry_iris[self.mint.entity(entity.id, entity.type).value] = entity.id
        self.entity_iris = {entity_id: iri for iri, entity_id in self.registry_iris.items()}

    def origin(
        self,
        iri: str,
        prop: str | None = None,
        value: str | None = None,
        article_hint: str | None = None,
    ) -> Origin | None:
        """The origin of `iri` (and, given the property, of the field that wrote it)."""
        for kind in ("fact", "claim", "evidence", "time"):
            prefix = f"{self.mint.base}id/{kind}/"
            if iri.startswith(prefix):
                return self._fact_origin(iri[len(prefix) :], prop, value)
        article_prefix = f"{self.mint.base}id/article/"
        if iri.startswith(article_prefix) and iri[len(article_prefix) :] in self.articles:
            article = self.articles[iri[len(article_prefix) :]]
            return Origin(article.doc.location(("id",)), article.id)
        if iri in self.registry_iris:
            entity_id = self.registry_iris[iri]
            described = self._subject_fact(entity_id, article_hint)
            if described is not None and prop is not None:
                article, index, fact = described
                return Origin(
                    self._field_location(article, index, fact, prop, value), article.id, fact.id
                )
            if entity_id in self.project.entity_locations:
                return Origin(self.project.entity_locations[entity_id])
        return None

    def article_of(self, iri: str) -> str | None:
        """The article whose id an IRI carries (facts, claims, evidence, times, the
        article itself); None for the registry's entities and anything else."""
        for kind in ("fact", "claim", "evidence", "time", "article"):
            prefix = f"{self.mint.base}id/{kind}/"
            if iri.startswith(prefix):
                article_id = iri[len(prefix) :].partition(".")[0]
                return article_id if article_id in self.articles else None
        return None

    def _fact_origin(self, local: str, prop: str | None, value: str | None) -> Origin | None:
        article_id, _, rest = local.partition(".")
        article = self.articles.get(article_id)
        if article is None:
            return None
        fact_id = rest.split(".", 1)[0]
        for index, fact in self._indexed(article):
            if fact.id == fact_id:
                where = self._field_location(article, index, fact, prop, value)
                return Origin(where, article.id, fact.id)
        return Origin(article.doc.location(()), article.id)

    def _indexed(self, article: ArticleInput) -> list[tuple[int, FactBase]]:
        indices = article.doc.fact_indices or list(range(len(article.sheet.facts)))
        return list(zip(indices, article.sheet.facts, strict=True))

    def _subject_fact(
        self, entity_id: str, article_hint: str | None
    ) -> tuple[ArticleInput, int, FactBase] | None:
        candidates = [self.articles[article_hint]] if article_hint in self.articles else []
        candidates += [a for a in self.project.articles if a.id != article_hint]
        for article in candidates:
            for index, fact in self._indexed(article):
                if fact.subject == entity_id:
                    return article, index, fact
        return None

    def _field_location(
        self, article: ArticleInput, index: int, fact: FactBase, prop: str | None, value: str | None
    ) -> Location:
        """The location of the field whose property is `prop` (of the list item whose
        IRI is `value`), else of the fact itself."""
        if prop is None or not prop.startswith(NK):
            return article.doc.location(("facts", index))
        local = prop[len(NK) :]
        for name, info in type(fact).model_fields.items():
            extra = info.json_schema_extra
            if isinstance(extra, dict) and extra.get("x-property") == local:
                field_value = getattr(fact, name)
                if isinstance(field_value, list) and value is not None:
                    for position, item in enumerate(field_value):
                        if self._ref_iri(article, item) == value:
                            return article.doc.location(("facts", index, name, position))
                return article.doc.location(("facts", index, name))
        return article.doc.location(("facts", index))

    def _ref_iri(self, article: ArticleInput, ref: str) -> str:
        return self.entity_iris.get(ref) or self.mint.fact(article.id, ref).value
