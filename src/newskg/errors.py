"""One exception family for newskg; each error carries its exit code and a hint.

The CLI turns any :class:`NewsKGError` into a one-line message (or several, for a
:class:`DataErrors` bundle) and its exit code, never a traceback:

===  =====================================================
0    success
1    the data fails a check (bad fact sheet, failed check)
2    usage error (bad option, unknown query, ...)
3    a store or the network failed
===  =====================================================
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

EXIT_OK = 0
EXIT_DATA = 1
EXIT_USAGE = 2
EXIT_STORE = 3


@dataclass(frozen=True, order=True)
class Location:
    """A place in a source file: 1-based line and column, as editors show them."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.path
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Problem:
    """One finding about the input: where, what, and how to fix it."""

    location: Location
    message: str
    hint: str = ""
    severity: str = "error"

    def __str__(self) -> str:
        text = f"{self.location}: {self.severity}: {self.message}"
        if self.hint:
            text += f" (hint: {self.hint})"
        return text


class NewsKGError(Exception):
    """Base of every error newskg raises on purpose."""

    exit_code = EXIT_DATA

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} (hint: {self.hint})" if self.hint else self.message


class DataErrors(NewsKGError):
    """All the problems found in the input of one run, reported together."""

    exit_code = EXIT_DATA
    of = "the data"
    """What the problems are in, as the last line of the report says."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.location, p.message))
        count = len(self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in {self.of}")

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class QueryProblems(DataErrors):
    """The problems of a SPARQL query (its syntax): the user's query, not the data, so
    a usage error's exit code, told apart from an ASK that answered false (exit 1)."""

    exit_code = EXIT_USAGE
    of = "the query"


class UsageError(NewsKGError):
    """The command was asked for something it cannot do as asked."""

    exit_code = EXIT_USAGE


class StoreError(NewsKGError):
    """A store, an endpoint or the network failed."""

    exit_code = EXIT_STORE


def did_you_mean(value: str, known: Iterable[str], otherwise: str, cutoff: float = 0.6) -> str:
    """A hint for a name that is not known: the nearest known one, else `otherwise`."""
    close = difflib.get_close_matches(value, list(known), n=1, cutoff=cutoff)
    return f"did you mean {close[0]!r}?" if close else otherwise
