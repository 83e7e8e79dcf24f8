"""newskg: turn news articles into a knowledge graph that anyone can query and trust.

The public API is small: :func:`build` runs the pipeline from a project folder to
graph files and an embedded store; :func:`export` writes the dataset in any RDF
syntax; :func:`load_project` reads and validates the fact sheets.  Names are imported
lazily, so that `newskg --help` starts without loading pydantic, rdflib or the store.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "BuildResult": "pipeline",
    "build": "pipeline",
    "export": "exporting",
    "DataErrors": "errors",
    "NewsKGError": "errors",
    "Problem": "errors",
    "StoreError": "errors",
    "UsageError": "errors",
    "Project": "project",
    "load_project": "project",
}

__all__ = [  # noqa: RUF022 - the exports, then the version
    "BuildResult", "DataErrors", "NewsKGError", "Problem", "Project", "StoreError", "UsageError",
    "build", "export", "load_project", "__version__",
]  # fmt: skip

if TYPE_CHECKING:
    from .errors import DataErrors, NewsKGError, Problem, StoreError, UsageError
    from .exporting import export
    from .pipeline import BuildResult, build
    from .project import Project, load_project


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'newskg' has no attribute {name!r}")
