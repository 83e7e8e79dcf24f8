"""What an incremental build is changing in build/, kept there until it has finished.

An incremental build changes build/ in place: the changed articles' graph files, their
graphs in the store, the registry's, ontology's and build's graphs, and the manifest
last, by a rename.  A build stopped between the first of these and the last (killed,
the machine off) leaves files and a store newer than the manifest.  The next build
compares the articles with that manifest, and an article whose fact sheet was put back
as it was meets its old hash: its new graphs would stay, in its file and in the store,
under a manifest that says otherwise, and every query, export and check would trust
them.

So before it changes anything in place, such a build writes down which articles it is
changing, with every graph each of them had or is to have.  The next build that finds
the list maps those articles again whatever their hashes say (or takes away those that
are gone), removes all those graphs first, makes the registry's, ontology's and build's
graphs again and drops the inferred graph.  The list goes when the manifest is in
place; the fingerprint of the inputs (build/inputs.sha256) goes before the build
changes anything, so that no query takes a half-changed build/ for up to date.
"""

from __future__ import annotations

import json
from pathlib import Path

from .formats import atomic_output

PendingGraphs = dict[str, list[str]]
"""Article id -> the IRIs of every graph the article had or was to have."""


class UnreadablePending(Exception):
    """The list is there but cannot be read: nothing of build/ can be trusted."""


def read_pending(path: Path) -> PendingGraphs | None:
    """The articles an earlier build was changing when it stopped (none but its own
    graphs: {}); None when it finished."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise UnreadablePending(f"{path}: {error}") from None
    try:
        found = json.loads(text)
    except json.JSONDecodeError as error:
        raise UnreadablePending(f"{path}: {error}") from None
    articles = found.get("articles") if isinstance(found, dict) else None
    if not isinstance(articles, dict) or not all(
        isinstance(graphs, list) and all(isinstance(g, str) for g in graphs)
        for graphs in articles.values()
    ):
        raise UnreadablePending(f"{path}: not a list of articles and their graphs")
    return {str(a): list(graphs) for a, graphs in articles.items()}


def write_pending(path: Path, articles: PendingGraphs) -> None:
    """Write the list down (by a rename: never half-written)."""
    text = json.dumps({"articles": {a: sorted(set(g)) for a, g in sorted(articles.items())}})
    with atomic_output(path) as stream:
        stream.write(text.encode() + b"\n")
