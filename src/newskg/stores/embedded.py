"""Queries on the embedded pyoxigraph store, in a child process that can be stopped.

pyoxigraph's `Store.query` takes no timeout, so each query runs in a child process (see
:mod:`newskg.children`) that opens the store read-only and writes its answer to a file;
the parent waits at most `timeout` seconds and kills the child if it must.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyoxigraph import (
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Store,
    Variable,
    serialize,
)

from ..children import ChildFailed, ChildTimeout, run_in_child
from ..errors import Location, Problem, QueryProblems, StoreError, UsageError
from ..progress import waiting
from . import Answer

if TYPE_CHECKING:  # not imported at run time: a query's child process imports this module
    from ..sparql import Term


class QueryTimeout(StoreError):
    """The query ran longer than --timeout and was stopped."""


def graph_names(store_path: Path) -> set[str]:
    """The named graphs of the store."""
    store = Store.read_only(str(store_path))
    try:
        return {g.value for g in store.named_graphs() if isinstance(g, NamedNode)}
    finally:
        del store


def missing_graphs(store_path: Path, graphs: set[str]) -> set[str]:
    """The graphs of `graphs` that the store does not hold: asked one by one, since
    listing every named graph takes a second at ten thousand articles."""
    if not graphs:
        return set()
    store = Store.read_only(str(store_path))
    try:
        return {g for g in graphs if not store.contains_named_graph(NamedNode(g))}
    finally:
        del store


def _answer(
    store_path: str, text: str, bindings: dict[str, Term], out: str, union: bool = False
) -> None:
    """In the child: run the query and write its answer to `out`."""
    store = Store.read_only(store_path)
    substitutions: dict[Variable, Any] = {Variable(n): t for n, t in bindings.items()}
    result = store.query(
        text, substitutions=substitutions or None, use_default_graph_as_union=union
    )
    with open(out, "wb") as stream:
        if isinstance(result, QuerySolutions | QueryBoolean):
            result.serialize(stream, QueryResultsFormat.JSON)
        else:
            serialize(result, stream, RdfFormat.N_TRIPLES)


def query_embedded(
    store_path: Path,
    text: str,
    bindings: dict[str, Term],
    form: str,
    timeout: float,
    source: str = "<query>",
    union: bool = False,
) -> Answer:
    """Run a query on the on-disk store, stopping it after `timeout` seconds; with
    `union`, a pattern outside GRAPH matches in every graph (the default graph is empty:
    every statement is in a named graph)."""
    folder = tempfile.mkdtemp(prefix="newskg-query-")
    out = str(Path(folder) / "answer")
    try:
        with waiting(f"query {Path(source).name}") as tick:
            run_in_child(
                _answer, str(store_path), text, bindings, out, union, timeout=timeout, tick=tick
            )
    except ChildTimeout:
        shutil.rmtree(folder, ignore_errors=True)
        raise QueryTimeout(
            f"{source}: the query ran longer than {timeout:g} s and was stopped",
            "narrow it down, or raise --timeout",
        ) from None
    except ChildFailed as failed:
        shutil.rmtree(folder, ignore_errors=True)
        raise _query_error(failed, source) from None
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    # the answer stays in its file, read as it is written out, and goes with the Answer
    answer = Answer(form, Path(out))
    weakref.finalize(answer, shutil.rmtree, folder, True)
    return answer


_SYNTAX_ERROR = re.compile(r"error at (\d+):(\d+): (.*)", re.DOTALL)
"""pyoxigraph's syntax errors: where, then what was expected."""


def _syntax_problem(message: str, source: str) -> Problem:
    """pyoxigraph's syntax error at its line and column, without the classes of
    characters it lists among what it expected (hundreds of characters of them)."""
    hint = "check the query against the SPARQL 1.1 grammar"
    found = _SYNTAX_ERROR.match(message)
    if found is None:
        return Problem(Location(source), f"SPARQL syntax error: {message[:200]}", hint)
    where = Location(source, int(found[1]), int(found[2]))
    if "Prefix not found" in found[3]:
        return Problem(
            where, "a prefix that the query does not declare", "declare it: PREFIX name: <IRI>"
        )
    expected = found[3].split("[", 1)[0].strip().rstrip(",")
    said = f": {expected}" if expected.removeprefix("expected one of").strip() else ""
    return Problem(where, f"SPARQL syntax error{said}", hint)


def _query_error(failed: ChildFailed, source: str) -> Exception:
    """What a failed query means to the user: their syntax, their usage, or the store."""
    if failed.kind == "SyntaxError":
        return QueryProblems([_syntax_problem(failed.message, source)])
    if failed.kind in {"RuntimeError", "ValueError"}:
        return UsageError(f"{source}: {failed.message}")
    if failed.kind == "exit":
        return StoreError(failed.message)
    return StoreError(
        f"the embedded store failed: {failed.kind}: {failed.message}",
        "delete build/ and run newskg build again",
    )
