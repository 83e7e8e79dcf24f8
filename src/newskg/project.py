"""Reading a project folder: the registry, the articles, their texts; checking them all.

Every problem found is collected with its file:line:column, so that one run reports
all of them (a :class:`~newskg.errors.DataErrors`), not only the first.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from .errors import DataErrors, Location, Problem, did_you_mean
from .evidence import QuoteNotFound, locate
from .facts import (
    FACT_MODELS,
    ArticleSheet,
    Entity,
    Fact,
    FactBase,
    Registry,
    TimeSpec,
    role_fields,
    suggest_slug,
)  # fmt: skip
from .layout import (
    ARTICLES_DIR,
    CONFIG_FILE,
    DEFAULT_BASE_IRI,
    REGISTRY_FILE,
    ArticleInput,
    Project,
    RegistryInput,
    base_iri,
    check_orphan_texts,
    find_root,
    orphan_text_warnings,
    read_config,
    relative,
    sha256,
)
from .timeexpr import parse_value, resolve_text
from .yamlio import YamlDocument, YamlPath, load_yaml, read_text_file

__all__ = [  # with what layout.py holds, which callers import from here too
    "ARTICLES_DIR",
    "CONFIG_FILE",
    "DEFAULT_BASE_IRI",
    "REGISTRY_FILE",
    "ArticleInput",
    "Project",
    "RegistryInput",
    "base_iri",
    "fact_refs",
    "find_root",
    "load_article",
    "load_project",
    "load_registry",
    "load_registry_project",
    "orphan_text_warnings",
    "read_config",
    "sha256",
    "time_fields",
]


def load_registry(root: Path, problems: list[Problem]) -> RegistryInput:
    """Read data/entities.yaml; its problems are added to `problems`."""
    locations: dict[str, Location] = {}
    entities, sources, ids = _load_registry(root, problems, locations)
    return RegistryInput(entities, sources, ids, locations)


def load_article(
    root: Path,
    yaml_path: Path,
    registry: RegistryInput,
    local_owner: dict[str, str],
    problems: list[Problem],
) -> ArticleInput | None:
    """Read and check one article against the registry; None when it has problems."""
    return _load_article(root, yaml_path, registry.ids, local_owner, problems)


def load_registry_project(root: Path | None = None) -> Project:
    """A project with its registry read and checked but no article: what scaffolding an
    article or drawing a built graph needs, without reading thousands of fact sheets."""
    root = find_root(root)
    problems: list[Problem] = []
    registry = load_registry(root, problems)
    if any(p.severity == "error" for p in problems):
        raise DataErrors(problems)
    return Project(
        root,
        base_iri(read_config(root)),
        registry.entities,
        [],
        registry.sources,
        problems,
        registry.locations,
    )


def load_project(root: Path | None = None) -> Project:
    """Read and check a whole project; raise DataErrors listing every problem found."""
    root = find_root(root)
    config = read_config(root)
    base = base_iri(config)
    problems: list[Problem] = []
    locations: dict[str, Location] = {}
    entities, registry_sources, registry_ids = _load_registry(root, problems, locations)
    articles: list[ArticleInput] = []
    local_owner: dict[str, str] = {}
    for yaml_path in sorted((root / ARTICLES_DIR).glob("*.yaml")):
        article = _load_article(root, yaml_path, registry_ids, local_owner, problems)
        if article is not None:
            articles.append(article)
    check_orphan_texts(root, problems)
    if any(p.severity == "error" for p in problems):
        raise DataErrors(problems)
    for article in articles:
        for index, entity in enumerate(article.sheet.entities):
            locations.setdefault(entity.id, article.doc.location(("entities", index, "id")))
    return Project(root, base, entities, articles, registry_sources, problems, locations)


def _load_registry(
    root: Path, problems: list[Problem], locations: dict[str, Location]
) -> tuple[dict[str, Entity], dict[str, str], set[str] | None]:
    """The registry's entities, its source hash, and the ids it names: when it fails
    validation, the ids as written (and their IRI-safe forms), so that its errors do not
    make every reference in the articles an error too; None when it cannot be read."""
    path = root / REGISTRY_FILE
    if not path.is_file():
        problems.append(
            Problem(Location(REGISTRY_FILE), "the entity registry is missing", "create it")
        )
        return {}, {}, None
    doc, found = load_yaml(path, REGISTRY_FILE)
    problems.extend(found)
    sources = {REGISTRY_FILE: sha256(path.read_bytes())}
    if doc is None or found:
        return {}, sources, None
    registry = _validate(Registry, doc, problems)
    if registry is None:
        entries = doc.data.get("entities") if isinstance(doc.data, dict) else None
        rows = entries if isinstance(entries, list) else []
        ids = {e["id"] for e in rows if isinstance(e, dict) and isinstance(e.get("id"), str)}
        return {}, sources, ids | {suggest_slug(i) for i in ids}
    entities: dict[str, Entity] = {}
    for index, entity in enumerate(registry.entities):
        if entity.id in entities:
            problems.append(
                Problem(
                    doc.location(("entities", index, "id")),
                    f"duplicate entity id {entity.id!r} (first at line "
                    f"{locations[entity.id].line})",
                    "each registry id names one thing: rename or merge the entries",
                )
            )
        entities[entity.id] = entity
        locations.setdefault(entity.id, doc.location(("entities", index, "id")))
    for index, entity in enumerate(registry.entities):
        for j, member in enumerate(entity.members):
            if member not in entities:
                problems.append(_unknown(doc, ("entities", index, "members", j), member, entities))
    return entities, sources, set(entities)


@dataclass
class _KnownIds(Collection[str]):
    """The registry's ids and an article's own, as one collection without copying the
    registry's (tens of thousands of ids) for every article."""

    registry: Collection[str]
    local: set[str]

    def __contains__(self, item: object) -> bool:
        return item in self.local or item in self.registry

    def __iter__(self) -> Iterator[str]:
        yield from self.registry
        yield from (i for i in self.local if i not in self.registry)

    def __len__(self) -> int:
        return len(self.registry) + sum(1 for i in self.local if i not in self.registry)


def _load_article(
    root: Path,
    yaml_path: Path,
    registry: Collection[str] | None,
    local_owner: dict[str, str],
    problems: list[Problem],
) -> ArticleInput | None:
    display = relative(root, yaml_path)
    text_path = yaml_path.with_suffix(".txt")
    doc, found = load_yaml(yaml_path, display)
    problems.extend(found)
    if doc is None or found:
        return None
    before = len(problems)
    sheet = _validate_sheet(doc, problems)
    if sheet is None:
        return None
    if sheet.id != yaml_path.stem:
        problems.append(
            Problem(
                doc.location(("id",)),
                f"article id {sheet.id!r} differs from its file name {yaml_path.name!r}",
                f"rename the file to {sheet.id}.yaml or set id: {yaml_path.stem}",
            )
        )
    if not text_path.is_file():
        problems.append(
            Problem(
                Location(display, 1, 1),
                f"the article text {relative(root, text_path)} is missing",
                "put the article's text beside its fact sheet, byte for byte",
            )
        )
        return None
    text, found = read_text_file(text_path, relative(root, text_path))
    problems.extend(found)
    if text is None:
        return None
    known = _KnownIds(registry or set(), set())
    for index, entity in enumerate(sheet.entities):
        where = doc.location(("entities", index, "id"))
        if entity.id in known:
            problems.append(
                Problem(
                    where,
                    f"entity id {entity.id!r} is already in {REGISTRY_FILE}",
                    "use the registry's entry, or rename this one",
                )
            )
        elif entity.id in local_owner:
            problems.append(
                Problem(
                    where,
                    f"duplicate id {entity.id!r}: {local_owner[entity.id]} defines it too",
                    f"move it to {REGISTRY_FILE} so that both articles share it",
                )
            )
        local_owner.setdefault(entity.id, display)
        known.local.add(entity.id)
    article = ArticleInput(sheet.id, sheet, text, doc)
    _check_facts(article, known if registry is not None else None, problems)
    article.sources = {
        display: sha256(yaml_path.read_bytes()),
        relative(root, text_path): sha256(text_path.read_bytes()),
    }
    return article if len(problems) == before else None


def fact_refs(fact: FactBase) -> Iterator[tuple[YamlPath, str]]:
    """Every id a fact refers to, with its path inside the fact."""
    for name, kind, _ in role_fields(type(fact)):
        value = getattr(fact, name)
        if kind == "ref":
            if isinstance(value, list):
                for index, item in enumerate(value):
                    yield (name, index), item
            elif value is not None:
                yield (name,), value
        elif isinstance(value, TimeSpec):  # only a time field holds one
            for relation in ("after", "before", "during"):
                target = getattr(value, relation)
                if target is not None:
                    yield (name, relation), target
    if fact.subject is not None:
        yield ("subject",), fact.subject
    if fact.according_to is not None:
        yield ("according_to", "source"), fact.according_to.source
        for index, cited in enumerate(fact.according_to.citing):
            yield ("according_to", "citing", index), cited
        if fact.according_to.in_ is not None:
            yield ("according_to", "in"), fact.according_to.in_


def time_fields(fact: FactBase) -> Iterator[tuple[str, TimeSpec]]:
    """Each time a fact gives, as a TimeSpec, with its field name."""
    for name, kind, _ in role_fields(type(fact)):
        if kind == "time" and (value := getattr(fact, name)) is not None:
            yield name, value if isinstance(value, TimeSpec) else TimeSpec(text=value)


def _yaml_indices(doc: YamlDocument, sheet: ArticleSheet) -> list[int]:
    """Where each valid fact stands in the sheet's list of facts (invalid ones are left
    out of the sheet, so that positions must come from here)."""
    return doc.fact_indices if doc.fact_indices is not None else list(range(len(sheet.facts)))


def _check_facts(
    article: ArticleInput, known: Collection[str] | None, problems: list[Problem]
) -> None:
    """Check fact ids, references (unless `known` is None: the registry is unreadable),
    evidence and times."""
    doc, sheet = article.doc, article.sheet
    fact_ids: dict[str, int] = {}
    for index, fact in zip(_yaml_indices(doc, sheet), sheet.facts, strict=True):
        if fact.id in fact_ids:
            problems.append(
                Problem(
                    doc.location(("facts", index, "id")),
                    f"duplicate fact id {fact.id!r} (also fact {fact_ids[fact.id] + 1})",
                    "fact ids are unique within an article",
                )
            )
        elif known is not None and fact.id in known:
            problems.append(
                Problem(
                    doc.location(("facts", index, "id")),
                    f"fact id {fact.id!r} is also an entity id",
                    "rename the fact: a reference must name one thing",
                )
            )
        fact_ids.setdefault(fact.id, index)
    for index, raw in enumerate(doc.data.get("facts") or []):
        if isinstance(raw, dict) and isinstance(raw.get("id"), str):
            fact_ids.setdefault(raw["id"], index)  # a fact that failed validation still has its id
    if known is not None and sheet.publisher not in known:
        problems.append(_unknown(doc, ("publisher",), sheet.publisher, known))
    for index, fact in zip(_yaml_indices(doc, sheet), sheet.facts, strict=True):
        if known is not None:
            _check_refs(doc, index, fact, known, fact_ids, problems)
        _check_evidence(article, index, fact, problems)
        _check_times(article, index, fact, problems)


def _check_refs(
    doc: YamlDocument,
    index: int,
    fact: FactBase,
    known: Collection[str],
    fact_ids: dict[str, int],
    problems: list[Problem],
) -> None:
    base: YamlPath = ("facts", index)
    for path, target in fact_refs(fact):
        entity_only = path[0] in {"subject"} or path[:2] in {
            ("according_to", "source"),
            ("according_to", "citing"),
        }
        if target in known or (target in fact_ids and not entity_only):
            continue
        problems.append(_unknown(doc, base + path, target, known, [] if entity_only else fact_ids))


def _check_evidence(
    article: ArticleInput, index: int, fact: FactBase, problems: list[Problem]
) -> None:
    multiple = isinstance(fact.evidence, list)
    for number, quote in enumerate(fact.evidence_list(), start=1):
        path: YamlPath = ("facts", index, "evidence") + ((number - 1,) if multiple else ())
        try:
            article.spans[(fact.id, number)] = locate(article.text, quote.quote, quote.occurrence)
        except QuoteNotFound as exc:
            problems.append(Problem(article.doc.location(path), exc.message, exc.hint))


def _check_times(
    article: ArticleInput, index: int, fact: FactBase, problems: list[Problem]
) -> None:
    for name, spec in time_fields(fact):
        path: YamlPath = ("facts", index, name)
        value = spec.value
        if value is None:
            value = resolve_text(spec.text, article.sheet.published)
            if value is None:
                if spec.after or spec.before or spec.during:
                    continue
                problems.append(
                    Problem(
                        article.doc.location(path),
                        f"cannot resolve the time {spec.text!r} by itself",
                        "give its value: {text: ..., value: YYYY-MM-DD}",
                    )
                )
                continue
        text = value.isoformat() if isinstance(value, dt.date) else str(value)
        try:
            article.times[(fact.id, name)] = parse_value(text)
        except ValueError as exc:
            where = path + ("value",) if spec.value is not None else path
            problems.append(
                Problem(
                    article.doc.location(where),
                    f"impossible time {text!r}: {exc}",
                    "a real date such as 2024-03-01, a year, a month or a week",
                )
            )


def _unknown(
    doc: YamlDocument, path: YamlPath, value: str, known: Iterable[str], facts: Iterable[str] = ()
) -> Problem:
    candidates = [*known, *facts]
    close = difflib.get_close_matches(value, candidates, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}?" if close else f"add {value!r} to {REGISTRY_FILE}"
    what = "entity or fact id" if facts else "entity id"
    return Problem(doc.location(path), f"unknown {what} {value!r}", hint)


# -- pydantic errors, with positions -------------------------------------------------------


M = TypeVar("M", bound=BaseModel)


def _validate(model: type[M], doc: YamlDocument, problems: list[Problem]) -> M | None:
    result: M | None = _validate_at(TypeAdapter(model), doc.data, (), doc, problems)
    return result


def _validate_at(
    adapter: TypeAdapter[Any],
    value: Any,
    prefix: YamlPath,
    doc: YamlDocument,
    problems: list[Problem],
) -> Any:
    """Validate `value`, which stands at `prefix` in `doc`; report its errors there."""
    try:
        return adapter.validate_python(value)
    except ValidationError as exc:
        errors = [(_data_path(doc, prefix + tuple(e["loc"])), e) for e in exc.errors()]
        for _, error in errors:
            error["loc"] = prefix + tuple(error["loc"])
        # an unquoted `2024-03-05` where a union takes text fails every branch: when one
        # of them wanted text, that is the error to report
        quoted = {path for path, e in errors if e["type"] == "string_type" and path in doc.implicit}
        kept = [e for path, e in errors if path not in quoted or e["type"] == "string_type"]
        problems.extend(dict.fromkeys(_schema_problem(doc, error) for error in kept))
        return None


_FACT = TypeAdapter(Fact)


def _validate_sheet(doc: YamlDocument, problems: list[Problem]) -> ArticleSheet | None:
    """The sheet with its valid facts: each fact is validated on its own, so that one bad
    fact does not hide the reference and evidence problems of all the others."""
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("facts"), list):
        return _validate(ArticleSheet, doc, problems)
    header: ArticleSheet | None = _validate_at(
        TypeAdapter(ArticleSheet), {**data, "facts": []}, (), doc, problems
    )
    facts = [
        _validate_at(_FACT, raw, ("facts", i), doc, problems) for i, raw in enumerate(data["facts"])
    ]
    if header is None:
        return None
    doc.fact_indices = [i for i, f in enumerate(facts) if f is not None]
    return header.model_copy(update={"facts": [f for f in facts if f is not None]})


def _data_path(doc: YamlDocument, loc: tuple[Any, ...]) -> YamlPath:
    """Pydantic's location with the discriminator tags and union branches removed."""
    path: list[str | int] = []
    node = doc.data
    for number, part in enumerate(loc):
        in_fact = number == 2 and loc[0] == "facts" and isinstance(node, dict)
        if in_fact and part == node.get("kind"):
            continue  # the discriminator's tag, though a field may share its name ('action')
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            path.append(part)
            node = node[part]
        elif part == "in_" and isinstance(node, dict) and "in" in node:
            path.append("in")
            node = node["in"]
    return tuple(path)


def _schema_problem(doc: YamlDocument, error: Any) -> Problem:
    loc = tuple(error["loc"])
    path = _data_path(doc, loc)
    kind = error["type"]
    name = str(loc[-1]) if loc else ""
    if kind == "extra_forbidden":
        fields = _allowed_fields(doc, path[:-1])
        close = difflib.get_close_matches(name, fields, n=1)
        hint = (
            f"did you mean {close[0]!r}?" if close else f"known fields: {', '.join(sorted(fields))}"
        )
        return Problem(doc.location(path, key=True), f"unknown field {name!r}", hint)
    if kind == "missing":
        owner = _node_at(doc, path)
        of = f" in {owner['id']!r}" if isinstance(owner, dict) and "id" in owner else ""
        return Problem(
            doc.location(path),
            f"missing required field {name!r}{of}",
            f"add `{name}:` to this {'fact' if 'facts' in path else 'entry'}",
        )
    if kind in {"union_tag_invalid", "union_tag_not_found"}:
        given = error.get("ctx", {}).get("tag", "")
        hint = did_you_mean(str(given), FACT_MODELS, f"kinds: {', '.join(FACT_MODELS)}")
        if kind == "union_tag_not_found":
            return Problem(
                doc.location(path), "a fact without a `kind`", f"kinds: {', '.join(FACT_MODELS)}"
            )
        return Problem(doc.location(path + ("kind",)), f"unknown fact kind {given!r}", hint)
    if kind == "string_type" and path in doc.implicit:
        written = doc.implicit[path]
        value = error.get("input")
        hint = f'put it in quotes: "{written}"'
        if path[-1:] == ("wikidata",) and written.isdigit():  # quoted, it is still no item id
            hint = f'write the item id with its Q: "Q{written}"'
        return Problem(
            doc.location(path),
            f"YAML reads the unquoted {written!r} as {type(value).__name__} {value}, not as text",
            hint,
        )
    message = error["msg"].removeprefix("Value error, ")
    shown = error.get("input")
    if not isinstance(shown, dict | list) and shown is not None and repr(shown) not in message:
        message += f" (got {shown!r})"
    hint = _hint_for(kind, message, shown)
    if kind == "literal_error":  # one of a list of names (an entity's type): the nearest
        allowed = re.findall(r"'([^']*)'", str(error.get("ctx", {}).get("expected", "")))
        hint = did_you_mean(str(shown), allowed, hint)
    return Problem(doc.location(path), message, hint)


_VALUE_HINTS = {
    # fragments of the messages of the validators in facts.py -> their hints
    "is not IRI-safe": "write it as {slug!r}",
    "invisible characters": "delete them: retype the name, or copy it from a plain-text source",
    "leading or trailing spaces": "remove the spaces around the name",
    "control or surrogate characters": "delete the character",
    "Wikidata item id": "copy the Q-number from the item's Wikidata page",
    "BCP 47": "use a language tag such as 'en'",
    "http(s) URL": "write the full address, starting with https://",
}


def _hint_for(kind: str, message: str = "", value: Any = None) -> str:
    if kind == "value_error":
        for fragment, hint in _VALUE_HINTS.items():
            if fragment in message:
                return hint.format(slug=suggest_slug(str(value)))
    return {
        "string_type": "write text, in quotes if it could be read as something else",
        "date_from_datetime_parsing": "write a real date as YYYY-MM-DD",
        "date_parsing": "write a real date as YYYY-MM-DD",
        "literal_error": "use one of the values listed",
        "list_type": "write a list: [a, b] or one '- item' per line",
    }.get(kind, "the JSON Schema in schema/ describes what this field takes")


def _node_at(doc: YamlDocument, path: YamlPath) -> Any:
    node: Any = doc.data
    for part in path:
        node = node[part]  # the path was taken from the data itself
    return node


def _allowed_fields(doc: YamlDocument, path: YamlPath) -> list[str]:
    node = _node_at(doc, path)
    if len(path) == 2 and path[0] == "facts" and isinstance(node, dict):
        model = FACT_MODELS.get(str(node.get("kind")))
        if model is not None:
            return [f.alias or n for n, f in model.model_fields.items()]
    names: set[str] = set()
    models: list[type[BaseModel]] = [*FACT_MODELS.values(), ArticleSheet, Entity, TimeSpec]
    for each in models:
        names.update(each.model_fields)
    names.update({"quote", "occurrence", "source", "citing", "claim", "in"})
    return sorted(names)
