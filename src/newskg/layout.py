"""The layout of a project folder, its configuration, and the records read from it.

Kept apart from :mod:`newskg.project`, which reads and checks fact sheets with pydantic:
a build that finds nothing changed needs only these, and must not pay for building the
fact models (most of a second).
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import tomllib
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import DataErrors, Location, Problem, UsageError, did_you_mean

if TYPE_CHECKING:
    from .evidence import Span
    from .facts import ArticleSheet, Entity, FactBase
    from .timeexpr import ResolvedTime
    from .yamlio import YamlDocument

DEFAULT_BASE_IRI = "https://example.org/newskg/"
CONFIG_FILE = "newskg.toml"
REGISTRY_FILE = "data/entities.yaml"
ARTICLES_DIR = "data/articles"
BUILD_DIR = "build"
MANIFEST = "manifest.sqlite"
"""The build's manifest, in build/ (see newskg.manifest_entries)."""
STORE_DIR = "store"
"""The embedded store, in build/."""
INPUTS_STAMP = "inputs.sha256"
"""The fingerprint of the build's inputs when the last successful build started, in
build/ (see newskg.freshness)."""
REGISTRY_INDEX = "registry.sqlite"
"""The registry's entries by id, in build/ (see newskg.registry_index)."""
PENDING = "pending.json"
"""What a build that changes build/ in place is changing, in build/ until its manifest
is in place (see newskg.pipeline.Pending)."""


@dataclass
class ArticleInput:
    """One article, checked: its sheet, its text, where each piece of evidence stands."""

    id: str
    sheet: ArticleSheet
    text: str
    doc: YamlDocument
    spans: dict[tuple[str, int], Span] = field(default_factory=dict)
    times: dict[tuple[str, str], ResolvedTime] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    """Project-relative path of each source file -> its SHA-256."""

    def fact(self, fact_id: str) -> FactBase:
        """The fact with this id."""
        return next(f for f in self.sheet.facts if f.id == fact_id)


@dataclass
class Project:
    """A project folder read and checked: everything the mapping needs."""

    root: Path
    base_iri: str
    entities: Mapping[str, Entity]
    articles: list[ArticleInput]
    registry_sources: dict[str, str]
    warnings: list[Problem] = field(default_factory=list)
    """Doubtful but not wrong: an article text without a fact sheet, say."""
    entity_locations: Mapping[str, Location] = field(default_factory=dict)
    """Where each entity is defined: its entry in the registry or in an article's sheet."""

    def article(self, article_id: str) -> ArticleInput:
        """The article with this id, or a usage error naming the known ones."""
        for article in self.articles:
            if article.id == article_id:
                return article
        known = [a.id for a in self.articles]
        close = difflib.get_close_matches(article_id, known, n=1)
        raise UsageError(
            f"no article {article_id!r} in {self.root / ARTICLES_DIR}",
            f"did you mean {close[0]!r}?" if close else "`newskg new` scaffolds one",
        )


def find_root(start: Path | None = None) -> Path:
    """The project folder: `start` or the nearest parent that has data/ or newskg.toml."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / CONFIG_FILE).is_file() or (candidate / REGISTRY_FILE).is_file():
            return candidate
    if start is not None:
        return here
    raise UsageError(
        f"no newskg project here ({here}): no {REGISTRY_FILE} or {CONFIG_FILE} found",
        "run from a project folder or pass --project DIR",
    )


def read_config(root: Path) -> dict[str, Any]:
    """newskg.toml, or an empty configuration when there is none."""
    path = root / CONFIG_FILE
    if not path.is_file():
        return {}
    try:
        text = path.read_text(encoding="utf-8")
        config = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DataErrors(
            [Problem(Location(CONFIG_FILE), f"cannot read the config: {exc}")]
        ) from exc
    problems = list(_unknown_settings(config, text))
    if problems:
        raise DataErrors(problems)
    return config


CONFIG_KEYS: dict[str, set[str] | None] = {"project": {"base_iri"}, "endpoints": None}
"""The tables of newskg.toml and their keys (None: checked where they are read, as the
endpoints' profiles are)."""


def _unknown_settings(config: dict[str, Any], text: str) -> Iterator[Problem]:
    """A table or key that newskg does not know: a misspelt setting (base-iri) would
    otherwise be ignored, and its default (an IRI of example.org) used without a word."""
    tables = sorted(CONFIG_KEYS)
    for name, value in config.items():
        if name in CONFIG_KEYS and isinstance(value, dict):
            known = sorted(CONFIG_KEYS[name] or value)  # None: every key, checked elsewhere
            for key in sorted(set(value) - set(known)):
                hint = did_you_mean(key, known, f"[{name}] knows: {', '.join(known)}")
                yield _unknown_setting(f"{name}.{key}", key, text, hint)
            continue
        home = next((t for t, k in CONFIG_KEYS.items() if k and name in k), None)
        hint = f"it belongs in [{home}]" if home else did_you_mean(name, tables, "")
        yield _unknown_setting(name, name, text, hint or f"its tables: {', '.join(tables)}")


def _unknown_setting(name: str, key: str, text: str, hint: str) -> Problem:
    """The problem of an unknown setting, at the first line that looks like it."""
    pattern = re.compile(rf"\s*(\[\s*{re.escape(key)}\s*[].]|{re.escape(key)}\s*=)")
    lines = text.splitlines()
    line = next((n for n, t in enumerate(lines, 1) if pattern.match(t)), 0)
    return Problem(Location(CONFIG_FILE, line, 1 if line else 0), f"unknown setting {name!r}", hint)


def base_iri(config: dict[str, Any]) -> str:
    """The base IRI of the data's resources, from [project] base_iri; it must end in / or #."""
    value = str(config.get("project", {}).get("base_iri", DEFAULT_BASE_IRI))
    if not value.startswith(("http://", "https://")) or not value.endswith(("/", "#")):
        raise DataErrors(
            [
                Problem(
                    Location(CONFIG_FILE),
                    f"base_iri {value!r} must be an http(s) IRI ending in '/' or '#'",
                )
            ]
        )
    return value


def sha256(data: bytes) -> str:
    """Hex SHA-256 of some bytes."""
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, read a block at a time (the registry is 6 MB at
    10,000 articles: not to be held whole for its hash)."""
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


@dataclass
class RegistryInput:
    """The registry, read and checked: what each article is checked and mapped against."""

    entities: Mapping[str, Entity]
    sources: dict[str, str]
    ids: Collection[str] | None
    """The ids it names (None when it cannot be read: references go unchecked)."""
    locations: Mapping[str, Location]


def orphan_text_warnings(root: Path, names: dict[str, None] | None = None) -> list[Problem]:
    """Warnings for article texts that have no fact sheet (`names`: data/articles as
    :func:`article_files` listed it, when the caller has it already)."""
    problems: list[Problem] = []
    check_orphan_texts(root, problems, names)
    return problems


def relative(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def check_orphan_texts(
    root: Path, problems: list[Problem], names: dict[str, None] | None = None
) -> None:
    names = article_files(root) if names is None else names
    for name in names:
        stem = name.removesuffix(".txt")
        if name.endswith(".txt") and f"{stem}.yaml" not in names:
            problems.append(
                Problem(
                    Location(f"{ARTICLES_DIR}/{name}"),
                    "an article text without a fact sheet",
                    f"`newskg new {stem} --text ...` scaffolds one",
                    severity="warning",
                )
            )


def article_files(root: Path) -> dict[str, None]:
    """The names in data/articles, sorted (as an ordered set): one directory listing
    instead of a glob and a stat per file, which cost a second at 10,000 articles."""
    try:
        return dict.fromkeys(sorted(os.listdir(root / ARTICLES_DIR)))
    except (FileNotFoundError, NotADirectoryError):
        return {}
