"""`newskg new`: scaffold a new article's fact sheet beside a copy of its text."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from urllib.parse import urlsplit

from .errors import UsageError
from .facts import _check_lang, _check_slug, _check_url, suggest_slug
from .formats import atomic_output
from .jsonschema import write_schemas
from .project import ARTICLES_DIR, Project

SCHEMA_COMMENT = "# yaml-language-server: $schema=../../schema/article.schema.json\n"


def guess_publisher(project: Project, article_id: str, url: str) -> str | None:
    """The registry outlet whose id, label or alias matches the URL's host or the id's prefix."""
    host = urlsplit(url).hostname or ""
    labels = {host.removeprefix("www.").split(".")[0], article_id.split("-")[0]}
    for entity in sorted(project.entities.values(), key=lambda e: e.id):
        if entity.type != "NewsOutlet":
            continue
        names = {entity.id, *(suggest_slug(n) for n in [entity.label, *entity.aliases])}
        if names & labels:
            return entity.id
    return None


def new_article(
    project: Project,
    article_id: str,
    text_file: Path,
    url: str,
    published: dt.date,
    headline: str | None = None,
    publisher: str | None = None,
    language: str = "en",
) -> Path:
    """Copy the text into data/articles/ and write a fact sheet to fill in."""
    for check, value, hint in (
        (_check_slug, article_id, "article ids are slugs: publisher-date-topic"),
        (_check_url, url, "give the address it was published at, http:// or https://"),
        (_check_lang, language, "give a language tag such as en, fr or en-GB"),
    ):
        try:
            check(value)
        except ValueError as exc:  # as the fact sheet's checks would say, at the next build
            raise UsageError(str(exc), hint) from exc
    folder = project.root / ARTICLES_DIR
    sheet_path, text_path = folder / f"{article_id}.yaml", folder / f"{article_id}.txt"
    if sheet_path.exists() or text_path.exists():
        raise UsageError(f"article {article_id!r} already exists in {folder}", "pick another id")
    try:
        first_line = text_file.read_text(encoding="utf-8").strip().splitlines()[0]
    except (UnicodeDecodeError, IndexError) as exc:
        raise UsageError(f"{text_file} is empty or not UTF-8 text", "save it as UTF-8") from exc
    default_headline = first_line.lstrip("-• ").strip()
    publisher = publisher or guess_publisher(project, article_id, url)
    if publisher is not None and publisher not in project.entities:
        raise UsageError(
            f"publisher {publisher!r} is not in the registry",
            "add the outlet to data/entities.yaml first",
        )
    lines = [
        SCHEMA_COMMENT,
        f"id: {article_id}\n",
        f"headline: {json.dumps(headline or default_headline, ensure_ascii=False)}\n",
        f"publisher: {publisher or 'unknown-publisher  # TODO: the registry id of the outlet'}\n",
        f"url: {json.dumps(url)}\n",
        f"published: {published.isoformat()}\n",
        f"language: {language}\n",
        "facts: []  # one entry per fact; see the README's fact-sheet format\n",
    ]
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_output(text_path) as stream, text_file.open("rb") as source:
        shutil.copyfileobj(source, stream)
    with atomic_output(sheet_path) as stream:
        stream.write("".join(lines).encode("utf-8"))
    if not (project.root / "schema" / "article.schema.json").is_file():
        write_schemas(project.root / "schema")  # so that editors can check the new sheet
    return sheet_path
