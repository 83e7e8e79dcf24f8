"""The fact-sheet format as JSON Schema files, for editors (yaml-language-server).

The files in `schema/` are generated from the pydantic models, so they cannot drift
from what the builder accepts; a test checks that the committed files are current,
and `newskg schema -o schema/` rewrites them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .facts import ArticleSheet, Registry
from .formats import atomic_output

SCHEMAS: dict[str, tuple[type[BaseModel], str]] = {
    "article.schema.json": (ArticleSheet, "A newskg article fact sheet (data/articles/<id>.yaml)"),
    "entities.schema.json": (Registry, "The newskg entity registry (data/entities.yaml)"),
}


def schema_document(model: type[BaseModel], title: str) -> dict[str, Any]:
    """One model's JSON Schema, with the draft and a title editors show."""
    schema = model.model_json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        **{k: v for k, v in schema.items() if k != "title"},
    }


def render(name: str) -> bytes:
    """The bytes of one schema file: sorted keys, two-space indent, final newline."""
    model, title = SCHEMAS[name]
    text = json.dumps(schema_document(model, title), indent=2, sort_keys=True, ensure_ascii=False)
    return text.encode("utf-8") + b"\n"


def write_schemas(folder: Path) -> list[Path]:
    """Write every schema file into `folder`; returns their paths."""
    written = []
    for name in SCHEMAS:
        path = folder / name
        with atomic_output(path) as stream:
            stream.write(render(name))
        written.append(path)
    return written
