"""The stored-query catalogue: one SPARQL query per .rq file, with a metadata header.

A stored query starts with a header of comment lines holding YAML between two `# ---`
lines (grlc's convention of metadata in the query's comments), read into a typed
:class:`StoredQuery`.  The name is the file stem.  newskg's own queries ship inside the
package; a project's `queries/` folder adds its own or overrides them by name.

    # ---
    # title: Lawsuits
    # description: Each legal action with its parties ...
    # parameters:
    #   party: {type: iri, description: "A plaintiff or defendant."}
    # ---
    SELECT ...

A query with optional parameters may come with *narrowed* forms: `lawsuits.party.rq`
is the same question asked about one party, run instead of `lawsuits.rq` when `party`
is given.  Both give the same rows (a test holds them to it); they differ in the order
in which a store is led to join.  A query engine plans once for any value of a
parameter, so one text cannot be fast both ways: asked about the whole corpus it should
read each property once and join the lists by hashing, asked about one entity it should
start from that entity and look up only what touches it.  The narrowed form has a header
of its own (its title and description) and takes its parameters from the main query.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from .errors import DataErrors, Location, Problem, UsageError
from .resources import resource_dir
from .usercache import keep, recall

ParameterType = Literal["iri", "string", "date", "integer", "literal"]
Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("info", "warning", "error")


@dataclass(frozen=True)
class Parameter:
    """A query parameter: bound by the engine, never pasted into the query text."""

    type: ParameterType = "iri"
    description: str = ""
    required: bool = False
    default: str | None = None


@functools.cache
def _header_model() -> Any:
    """The pydantic model of a header, built only when a header is not in the user's
    cache: importing pydantic and building the models takes longer than most queries."""
    from pydantic import BaseModel, ConfigDict, Field

    class ParameterModel(BaseModel):
        model_config = ConfigDict(extra="forbid", frozen=True)

        type: ParameterType = "iri"
        description: str = ""
        required: bool = False
        default: str | None = None

    class Header(BaseModel):
        """The metadata a stored query declares in its header."""

        model_config = ConfigDict(extra="forbid", frozen=True)

        title: str
        description: str = ""
        parameters: dict[str, ParameterModel] = Field(default_factory=dict)
        severity: Severity | None = None

    return Header


_HEADER_VERSION = 1
"""Raised when the header's fields change, so that headers kept in the cache go unused."""
_HEADER_FIELDS = {"title", "description", "parameters", "severity"}


@dataclass(frozen=True)
class StoredQuery:
    """One stored query: its name, its metadata and its SPARQL text."""

    name: str
    title: str
    description: str
    source: str
    path: Path
    parameters: dict[str, Parameter] = field(default_factory=dict)
    severity: Severity | None = None
    narrowed: dict[str, StoredQuery] = field(default_factory=dict)
    """The forms of this query asked about one value of a parameter, by parameter."""

    def narrowed_for(self, given: Iterable[str]) -> StoredQuery:
        """The form to run when these parameters are given: the narrowed form of the
        first given parameter (in name order) that has one, else this query."""
        for name in sorted(given):
            if name in self.narrowed:
                return self.narrowed[name]
        return self


def _split_header(text: str) -> tuple[str, int]:
    """The YAML of the header (without the '# ' marks) and the line where it starts."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "# ---":
        return "", 0
    body: list[str] = []
    for line in lines[1:]:
        if line.strip() == "# ---":
            return "\n".join(body) + "\n", 2
        if not line.startswith("#"):
            break
        body.append(line[2:] if line.startswith("# ") else line[1:])
    return "", 0


def read_query(path: Path, display: str | None = None) -> StoredQuery:
    """Read one .rq file into a StoredQuery; a bad header is a DataErrors with its line."""
    display = display or str(path)
    text = path.read_text(encoding="utf-8")
    header_text, first_line = _split_header(text)
    if not header_text:
        raise DataErrors(
            [
                Problem(
                    Location(display, 1, 1),
                    "the query has no metadata header",
                    "start it with '# ---', '# title: ...', '# ---'",
                )
            ]
        )
    header = recall("query-header", _HEADER_VERSION, header_text)
    if not isinstance(header, dict) or set(header) != _HEADER_FIELDS:
        header = _validated_header(header_text, display, first_line)
        keep("query-header", _HEADER_VERSION, header_text, header)
    return StoredQuery(
        path.stem,
        header["title"],
        header["description"].strip(),
        text,
        path,
        {name: Parameter(**spec) for name, spec in header["parameters"].items()},
        header["severity"],
    )


def _validated_header(header_text: str, display: str, first_line: int) -> dict[str, Any]:
    """The header checked against its model, as plain data; a bad one is a DataErrors
    that points at its line in the .rq file."""
    from pydantic import ValidationError

    from .yamlio import parse_yaml  # only for a header not in the cache: PyYAML takes 25 ms

    doc, problems = parse_yaml(header_text, display)
    if doc is None or problems:
        shifted = [
            Problem(
                Location(display, p.location.line + first_line - 1, p.location.column + 2),
                p.message,
                p.hint,
            )
            for p in problems
        ]
        raise DataErrors(shifted)
    try:
        header = _header_model().model_validate(doc.data)
    except ValidationError as exc:
        found = []
        for error in exc.errors():
            where = doc.location(tuple(error["loc"]))
            found.append(
                Problem(
                    Location(display, where.line + first_line - 1, where.column + 2),
                    f"query header: {error['msg']} at {'.'.join(map(str, error['loc']))}",
                )
            )
        raise DataErrors(found) from exc
    return dict(header.model_dump())


def _folders(project_root: Path | None, sub: str) -> list[Path]:
    folders = [resource_dir("queries") / sub if sub else resource_dir("queries")]
    if project_root is not None:
        own = project_root / "queries" / sub if sub else project_root / "queries"
        if own.is_dir() and own.resolve() != folders[0].resolve():
            folders.append(own)
    return folders


def catalogue(project_root: Path | None = None, *, checks: bool = False) -> dict[str, StoredQuery]:
    """The stored queries (or, with checks=True, the stored checks), by name: newskg's
    own, then the project's, which add to them or replace them by name."""
    found: dict[str, StoredQuery] = {}
    for folder in _folders(project_root, "checks" if checks else ""):
        paths = sorted(folder.glob("*.rq"))
        for path in paths:
            if "." not in path.stem:
                found[path.stem] = read_query(path)
        for path in paths:
            if "." in path.stem:
                _add_narrowed(found, path)
    return dict(sorted(found.items()))


def _add_narrowed(found: dict[str, StoredQuery], path: Path) -> None:
    """Attach `NAME.PARAMETER.rq` to the query NAME found so far (a project's own
    `NAME.rq` replaces the packaged query with its narrowed forms)."""
    name, _, parameter = path.stem.partition(".")
    base = found.get(name)
    if base is None or parameter not in base.parameters:
        missing = f"{name!r} has no parameter {parameter!r}" if base else f"there is no {name}.rq"
        raise DataErrors(
            [
                Problem(
                    Location(str(path), 1, 1),
                    f"{path.name} narrows {name!r} by {parameter!r}, but {missing}",
                    "name it QUERY.PARAMETER.rq after a stored query and one of its parameters",
                )
            ]
        )
    own = read_query(path)
    if own.parameters:
        raise DataErrors(
            [
                Problem(
                    Location(str(path), 1, 1),
                    "a narrowed query takes its parameters from the main query",
                    f"declare them in {name}.rq only",
                )
            ]
        )
    form = replace(base, title=own.title, source=own.source, path=path, narrowed={})
    found[name] = replace(base, narrowed={**base.narrowed, parameter: form})


def stored_query(name: str, project_root: Path | None = None) -> StoredQuery:
    """One stored query by name; a usage error suggests the nearest name."""
    queries = catalogue(project_root)
    if name not in queries:
        close = difflib.get_close_matches(name, queries, n=1)
        raise UsageError(
            f"no stored query {name!r}",
            f"did you mean {close[0]!r}?" if close else "`newskg queries` lists them",
        )
    return queries[name]
