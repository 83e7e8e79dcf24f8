"""RDF syntaxes: a registry, the format of a file name, and writing files atomically.

Every syntax is written by pyoxigraph's serializers from quads that newskg has
sorted, so that the same data gives the same bytes whatever the hash seed (rdflib's
own serializers do not: rdflib issues #1457 and #3545).  ``.gz`` is written with no
timestamp in its header for the same reason.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from pyoxigraph import RdfFormat

from .errors import UsageError


@dataclass(frozen=True)
class Syntax:
    """One W3C RDF syntax newskg writes."""

    name: str
    title: str
    extension: str
    rdf_format: RdfFormat
    quads: bool
    """True when the syntax holds named graphs; a triples-only syntax gets their union."""


SYNTAXES: dict[str, Syntax] = {
    s.name: s
    for s in (
        Syntax("turtle", "Turtle", ".ttl", RdfFormat.TURTLE, False),
        Syntax("trig", "TriG", ".trig", RdfFormat.TRIG, True),
        Syntax("ntriples", "N-Triples", ".nt", RdfFormat.N_TRIPLES, False),
        Syntax("nquads", "N-Quads", ".nq", RdfFormat.N_QUADS, True),
        Syntax("jsonld", "JSON-LD", ".jsonld", RdfFormat.JSON_LD, True),
        Syntax("rdfxml", "RDF/XML", ".rdf", RdfFormat.RDF_XML, False),
    )
}

# rdflib's guess_format names, mapped to ours: we reuse its table of extensions.
_RDFLIB_NAMES = {
    "turtle": "turtle", "trig": "trig", "nt": "ntriples", "nt11": "ntriples",
    "nquads": "nquads", "json-ld": "jsonld", "xml": "rdfxml",
}  # fmt: skip
_ALIASES = {
    "ttl": "turtle", "nt": "ntriples", "nq": "nquads", "json-ld": "jsonld", "xml": "rdfxml",
    "rdf": "rdfxml", "n-triples": "ntriples", "n-quads": "nquads",
}  # fmt: skip


def syntax_named(name: str) -> Syntax:
    """A syntax by its name or a common alias; a usage error lists the names."""
    key = _ALIASES.get(name.lower(), name.lower())
    if key not in SYNTAXES:
        raise UsageError(f"unknown RDF syntax {name!r}", f"use one of: {', '.join(SYNTAXES)}")
    return SYNTAXES[key]


def syntax_for(path: str | None, name: str | None) -> tuple[Syntax, bool]:
    """The syntax to write (from --format, else the file's extension) and whether to gzip."""
    compressed = bool(path and path.endswith(".gz"))
    if name is not None:
        return syntax_named(name.removesuffix(".gz")), compressed or name.endswith(".gz")
    if not path or path == "-":
        raise UsageError("no format for standard output", "pass --format, for example turtle")
    from rdflib.util import guess_format  # lazily: rdflib takes a while to import

    guessed = guess_format(path.removesuffix(".gz"))
    if guessed not in _RDFLIB_NAMES:
        raise UsageError(
            f"cannot tell the RDF syntax of {path!r} from its extension",
            f"pass --format ({', '.join(SYNTAXES)}) or use .ttl, .trig, .nt, .nq, .jsonld, .rdf",
        )
    return SYNTAXES[_RDFLIB_NAMES[guessed]], compressed


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


@contextlib.contextmanager
def atomic_output(path: str | Path, *, compress: bool = False) -> Iterator[IO[bytes]]:
    """A binary stream whose content replaces `path` only when the block succeeds.

    Written to a temporary file beside the target and renamed, so that a failed run
    never leaves a half-written file.  ``-`` streams to standard output; a target that
    exists and is not a regular file (/dev/null, /dev/stdout, a named pipe) is written
    in place: renamed over, it would be replaced by a file (as root, /dev/null was).
    In place, a failure leaves what was written so far, as with ``-``.
    """
    if str(path) == "-":
        with _compressed(sys.stdout.buffer, compress) as stream:
            yield stream
        sys.stdout.buffer.flush()
        return
    target = Path(path)
    if _special(target):
        try:
            raw = target.open("wb")
        except OSError as exc:
            raise _unwritable(path, exc) from None
        with raw, _compressed(raw, compress) as stream:
            yield stream
        return
    if target.is_dir():
        raise UsageError(f"cannot write {path}: it is a folder", "give a file's name")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as exc:
        raise _unwritable(path, exc) from None
    try:
        with os.fdopen(handle, "wb") as raw, _compressed(raw, compress) as stream:
            yield stream
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _unwritable(path: str | Path, exc: OSError) -> UsageError:
    """The error for an output that cannot even be opened: the path, and why."""
    if isinstance(exc, (FileExistsError, NotADirectoryError)):  # a file where a folder goes
        return UsageError(f"cannot write {path}: a part of its path is a file, not a folder")
    return UsageError(
        f"cannot write {path}: {exc.strerror or exc}",
        "check the path: its folders must be folders, and writable",
    )


def writes_in_place(path: str | Path) -> bool:
    """Whether :func:`atomic_output` writes `path` in place (standard output, a device, a
    pipe): what it has written stays there when the block fails."""
    return str(path) == "-" or _special(Path(path))


def _special(target: Path) -> bool:
    """Whether `target` is written in place: a name in /dev or /proc (/dev/stdout and
    /dev/fd/1 are links to whatever the descriptor is open on, a regular file when the
    output is redirected, and a rename would replace the link), or a file that exists
    and is neither a regular file nor a folder (a device, a named pipe)."""
    if Path(os.path.abspath(target)).parts[1:2] in (("dev",), ("proc",)):
        return True
    try:
        mode = target.stat().st_mode
    except OSError:  # absent, or not to be looked at (a loop of links): renamed over
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


@contextlib.contextmanager
def _compressed(raw: IO[bytes], compress: bool) -> Iterator[IO[bytes]]:
    """`raw`, or a gzip stream into it (without a time or name: the same bytes each run)."""
    if not compress:
        yield raw
        return
    with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as zipped:
        yield zipped  # type: ignore[misc]
