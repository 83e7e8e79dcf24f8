"""Queries on the embedded pyoxigraph store, in a child process that can be stopped.

pyoxigraph's `Store.query` takes no timeout, so each query runs in a forked child that
opens the store read-only and writes its answer to a file; the parent waits at most
`timeout` seconds and kills the child if it must.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
import traceback
import weakref
from pathlib import Path
from typing import Any

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

from ..errors import DataErrors, Location, Problem, StoreError, UsageError
from ..sparql import Term
from . import Answer


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


def _answer(store_path: str, text: str, bindings: dict[str, Term], form: str, out: str) -> None:
    """In the child: run the query and write its answer (or its error) to `out`."""
    try:
        store = Store.read_only(store_path)
        substitutions: dict[Variable, Any] = {Variable(n): t for n, t in bindings.items()}
        result = store.query(text, substitutions=substitutions or None)
        with open(out, "wb") as stream:
            if isinstance(result, QuerySolutions | QueryBoolean):
                result.serialize(stream, QueryResultsFormat.JSON)
            else:
                serialize(result, stream, RdfFormat.N_TRIPLES)
    except BaseException as exc:  # reported to the parent, which decides what it means
        with open(out + ".error", "w", encoding="utf-8") as stream:
            stream.write(f"{type(exc).__name__}\n{exc}\n{traceback.format_exc()}")
        os._exit(1)
    os._exit(0)


def query_embedded(
    store_path: Path,
    text: str,
    bindings: dict[str, Term],
    form: str,
    timeout: float,
    source: str = "<query>",
) -> Answer:
    """Run a query on the on-disk store, stopping it after `timeout` seconds."""
    context = multiprocessing.get_context("fork")
    folder = tempfile.mkdtemp(prefix="newskg-query-")
    out = str(Path(folder) / "answer")
    try:
        child = context.Process(target=_answer, args=(str(store_path), text, bindings, form, out))
        child.start()
        child.join(timeout)
        if child.is_alive():
            child.kill()
            child.join()
            raise QueryTimeout(
                f"{source}: the query ran longer than {timeout:g} s and was stopped",
                "narrow it down, or raise --timeout",
            )
        error = Path(out + ".error")
        if error.is_file():
            kind, message = (error.read_text(encoding="utf-8").split("\n", 2) + ["", ""])[:2]
            if kind == "SyntaxError":
                raise DataErrors([Problem(Location(source), f"SPARQL syntax error: {message}")])
            if kind in {"RuntimeError", "ValueError"}:
                raise UsageError(f"{source}: {message}")
            raise StoreError(
                f"the embedded store failed: {kind}: {message}",
                "delete build/ and run newskg build again",
            )
        if child.exitcode != 0 or not Path(out).is_file():
            raise StoreError(f"the query process ended with code {child.exitcode}")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    # the answer stays in its file, read as it is written out, and goes with the Answer
    answer = Answer(form, Path(out))
    weakref.finalize(answer, shutil.rmtree, folder, True)
    return answer
