"""Files that ship inside the package: the ontology, the shapes, the stock queries.

Installed from a wheel they live in ``newskg/resources/``; in a source checkout
(an editable install) they are read from the repository's top-level folders.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parents[2]


def resource_dir(name: str) -> Path:
    """The folder `name` (ontology, queries, schema) of the installed package or checkout."""
    packaged = resources.files("newskg") / "resources" / name
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = _REPO_ROOT / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"newskg's {name}/ folder is missing from this installation")


def ontology_path() -> Path:
    """The ontology, in Turtle: the one source of truth for the vocabulary."""
    return resource_dir("ontology") / "newskg.ttl"
