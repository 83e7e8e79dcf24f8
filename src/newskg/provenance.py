"""From RDF back to YAML: which fact sheet, line and column a resource comes from.

A check that finds something wrong in the graph (a SHACL result, a reasoner's clash,
a stored check's row) names resources by IRI; users fix fact sheets.  newskg's IRIs are
made from article and fact ids (see :class:`~newskg.vocab.Minter`), so each one leads
back to its fact, and a property leads to the field of that fact that wrote it.

The locator reads a fact sheet only when a finding points into it, and the registry only
when a finding points at one of its entries: reading every sheet of 10,000 articles
took minutes, and a check after one article changed must not.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import Location
from .facts import FactBase, role_fields
from .pipeline import entry_refs
from .project import ARTICLES_DIR, ArticleInput, RegistryInput, load_article
from .vocab import ENTITY_CATEGORY, NK, Minter


@dataclass(frozen=True)
class Origin:
    """Where a resource was written: an article and a fact, or a registry entry."""

    location: Location
    article: str | None = None
    fact: str | None = None


class Locator:
    """Finds the YAML origin of the resources of one project's graph, from the build's
    manifest (which articles exist, which entities each uses)."""

    def __init__(self, root: Path, manifest: dict[str, Any]) -> None:
        self.root = root
        self.mint = Minter(manifest["base_iri"])
        self.manifest_articles: dict[str, Any] = manifest.get("articles", {})
        self._articles: dict[str, ArticleInput | None] = {}
        self._registry: RegistryInput | None = None

    def article(self, article_id: str) -> ArticleInput | None:
        """An article's sheet, read (and kept) on first use."""
        if article_id not in self._articles:
            path = self.root / ARTICLES_DIR / f"{article_id}.yaml"
            loaded = None
            if article_id in self.manifest_articles and path.is_file():
                unchecked = RegistryInput({}, {}, None, {})  # references were checked by build
                loaded = load_article(self.root, path, unchecked, {}, [])
            self._articles[article_id] = loaded
        return self._articles[article_id]

    @property
    def registry(self) -> RegistryInput:
        if self._registry is None:
            from .pipeline import cached_registry

            self._registry = cached_registry(self.root, [])
        return self._registry

    def article_of(self, iri: str) -> str | None:
        """The article whose id an IRI carries (facts, claims, evidence, times, the
        article itself); None for the registry's entities and anything else."""
        for kind in ("fact", "claim", "evidence", "time", "article"):
            prefix = f"{self.mint.base}id/{kind}/"
            if iri.startswith(prefix):
                article_id = iri[len(prefix) :].partition(".")[0]
                return article_id if article_id in self.manifest_articles else None
        return None

    def entity_id(self, iri: str) -> str | None:
        """The id of a registry entry's (or an article's own entity's) IRI."""
        for category in sorted(set(ENTITY_CATEGORY.values())):
            prefix = f"{self.mint.base}id/{category}/"
            if iri.startswith(prefix):
                return iri[len(prefix) :]
        return None

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
        if iri.startswith(article_prefix):
            article = self.article(iri[len(article_prefix) :])
            return Origin(article.doc.location(("id",)), article.id) if article else None
        entity_id = self.entity_id(iri)
        if entity_id is None:
            return None
        described = self._subject_fact(entity_id, article_hint) if prop is not None else None
        if described is not None and prop is not None:
            article, index, fact = described
            return Origin(
                self._field_location(article, index, fact, prop, value), article.id, fact.id
            )
        return self._entity_origin(entity_id)

    def _entity_origin(self, entity_id: str) -> Origin | None:
        """Where an entity is defined: its registry entry, or the sheet that declares it."""
        if entity_id in self.registry.locations:
            return Origin(self.registry.locations[entity_id])
        for article_id, entry in sorted(self.manifest_articles.items()):
            if entity_id in entry.get("locals", {}):
                article = self.article(article_id)
                if article is None:
                    continue
                for index, entity in enumerate(article.sheet.entities):
                    if entity.id == entity_id:
                        return Origin(article.doc.location(("entities", index, "id")), article_id)
        return None

    def _fact_origin(self, local: str, prop: str | None, value: str | None) -> Origin | None:
        article_id, _, rest = local.partition(".")
        article = self.article(article_id)
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
        """The first fact that describes an entity: in the hinted article, else in the
        articles that use the entity (by the manifest, without reading the others)."""
        candidates = [article_hint] if article_hint in self.manifest_articles else []
        candidates += [
            a
            for a, entry in sorted(self.manifest_articles.items())
            if a != article_hint
            and (entity_id in entry_refs(entry) or entity_id in entry.get("locals", {}))
        ]
        for article_id in candidates:
            article = self.article(article_id) if article_id else None
            if article is None:
                continue
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
        for name, _, prop_name in role_fields(type(fact)):
            if prop_name == local:
                field_value = getattr(fact, name)
                if isinstance(field_value, list) and value is not None:
                    for position, item in enumerate(field_value):
                        if self._ref_iri(article, item) == value:
                            return article.doc.location(("facts", index, name, position))
                return article.doc.location(("facts", index, name))
        return article.doc.location(("facts", index))

    def _ref_iri(self, article: ArticleInput, ref: str) -> str:
        for entity in article.sheet.entities:
            if entity.id == ref:
                return self.mint.entity(entity.id, entity.type).value
        if ref in entry_refs(self.manifest_articles.get(article.id, {})):
            known = self.registry.entities.get(ref)
            if known is not None:
                return self.mint.entity(known.id, known.type).value
        return self.mint.fact(article.id, ref).value
