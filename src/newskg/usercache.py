"""What newskg keeps in the user's cache folder: results of pure work on a text (a query
parsed, a query header validated), kept by the text's SHA-256 so that a changed text
never meets an old answer.

Each costs more to redo than a stored query asked about one entity takes to run (rdflib's
SPARQL grammar about a second, pydantic about 0.2 s to import and build its models).
The folder is `$XDG_CACHE_HOME/newskg` (else `~/.cache/newskg`); `NEWSKG_NO_CACHE=1`
turns it off.  A file that cannot be read or written is ignored: the work is redone.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path
from typing import Any


def _path(kind: str, version: int, text: str) -> Path | None:
    if os.environ.get("NEWSKG_NO_CACHE"):
        return None
    home = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    digest = hashlib.sha256(f"{version}\n{text}".encode()).hexdigest()
    return Path(home) / "newskg" / kind / f"{digest}.json"


def recall(kind: str, version: int, text: str) -> Any | None:
    """What was kept for this text (None: nothing, or the cache is off or unreadable).
    `version` is raised by the caller when what it keeps changes shape."""
    path = _path(kind, version, text)
    if path is None:
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def keep(kind: str, version: int, text: str, value: Any) -> None:
    """Keep a JSON value for this text, written whole or not at all."""
    path = _path(kind, version, text)
    if path is None:
        return
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        temporary.write_text(json.dumps(value), encoding="utf-8")
        os.replace(temporary, path)
