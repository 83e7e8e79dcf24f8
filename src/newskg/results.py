"""Writing query answers: tables people read, and the standard formats programs read.

SELECT answers are written as a terminal table (prefixed names, not long IRIs), CSV,
TSV, SPARQL 1.1 Results JSON or XML, or Markdown; CONSTRUCT and DESCRIBE answers in any
RDF syntax; ASK answers as true or false.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO, Any

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    parse,
    parse_query_results,
    serialize,
)  # fmt: skip

from .errors import UsageError
from .formats import SYNTAXES, syntax_named
from .stores import Answer

TABLE_FORMATS = ("table", "csv", "tsv", "json", "xml", "markdown")
_EXTENSIONS = {".csv": "csv", ".tsv": "tsv", ".json": "json", ".srj": "json", ".xml": "xml",
               ".srx": "xml", ".md": "markdown", ".txt": "table"}  # fmt: skip


def results_format(path: str | None, name: str | None, form: str, terminal: bool) -> str:
    """The output format: --format, else the file's extension, else table on a terminal."""
    if name is not None:
        if form in {"CONSTRUCT", "DESCRIBE"}:
            return syntax_named(name).name
        if name not in TABLE_FORMATS:
            raise UsageError(
                f"unknown results format {name!r}", f"use one of: {', '.join(TABLE_FORMATS)}"
            )
        return name
    if path and path != "-":
        suffix = "." + path.rsplit(".", 1)[-1] if "." in path else ""
        if form in {"CONSTRUCT", "DESCRIBE"}:
            from .formats import syntax_for

            return syntax_for(path, None)[0].name
        if suffix in _EXTENSIONS:
            return _EXTENSIONS[suffix]
        raise UsageError(
            f"cannot tell the results format of {path!r}",
            f"pass --format ({', '.join(TABLE_FORMATS)})",
        )
    if form in {"CONSTRUCT", "DESCRIBE"}:
        return "turtle"
    return "table" if terminal else "csv"


@dataclass
class Table:
    """A SELECT answer as columns and rows of terms (None where unbound)."""

    columns: list[str]
    rows: list[list[Any]]


def as_table(answer: Answer) -> Table:
    """The answer's solutions as a Table."""
    with answer.open() as stream:
        solutions = parse_query_results(stream, format=QueryResultsFormat.JSON)
        assert isinstance(solutions, QuerySolutions)
        columns = [v.value for v in solutions.variables]
        return Table(columns, [[row[c] for c in columns] for row in solutions])


def ask_value(answer: Answer) -> bool:
    """The answer of an ASK query."""
    result = parse_query_results(answer.data, format=QueryResultsFormat.JSON)
    assert isinstance(result, QueryBoolean)
    return bool(result)


def short(term: Any, prefixes: dict[str, str]) -> str:
    """A term as people read it: a prefixed name, a literal's text, '' when unbound."""
    if term is None:
        return ""
    if isinstance(term, NamedNode):
        best = max(
            (ns for ns in prefixes.values() if term.value.startswith(ns)), key=len, default=None
        )
        if best is not None:
            name = next(n for n, ns in prefixes.items() if ns == best)
            local = term.value[len(best) :]
            if local and all(c.isalnum() or c in "-_." for c in local):
                return f"{name}:{local}"
        return f"<{term.value}>"
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    if isinstance(term, Literal):
        words = term.value.split(" ")
        if all(w.startswith(("http://", "https://")) and " " not in w for w in words):
            return " ".join(short(NamedNode(w), prefixes) for w in words)  # GROUP_CONCAT of IRIs
        return term.value
    return str(term)


def write_answer(answer: Answer, fmt: str, stream: IO[bytes], prefixes: dict[str, str]) -> None:
    """Write an answer in a format (see results_format)."""
    if answer.form in {"CONSTRUCT", "DESCRIBE"}:
        triples = sorted(parse(answer.data, format=RdfFormat.N_TRIPLES), key=str)
        syntax = SYNTAXES[fmt]
        if syntax.quads:
            from pyoxigraph import Quad

            serialize(
                [Quad(t.subject, t.predicate, t.object) for t in triples],
                stream,
                syntax.rdf_format,
                prefixes=prefixes,
            )
        elif syntax.rdf_format in (RdfFormat.N_TRIPLES,):
            serialize(triples, stream, syntax.rdf_format)
        else:
            serialize(triples, stream, syntax.rdf_format, prefixes=prefixes)
        return
    if answer.form == "ASK":
        if fmt in {"json", "xml"}:
            result = parse_query_results(answer.data, format=QueryResultsFormat.JSON)
            result.serialize(stream, _PYOX[fmt])
        else:
            stream.write(b"true\n" if ask_value(answer) else b"false\n")
        return
    if fmt == "json":  # the answer is already SPARQL Results JSON: copy it as it is
        import shutil

        with answer.open() as source:
            shutil.copyfileobj(source, stream, 1 << 20)
        return
    if fmt in {"xml", "csv", "tsv"}:  # converted in Rust as it is read, never all in memory
        with answer.open() as source:
            result = parse_query_results(source, format=QueryResultsFormat.JSON)
            result.serialize(stream, _PYOX[fmt])
        return
    table = as_table(answer)
    text = _markdown(table, prefixes) if fmt == "markdown" else render_table(table, prefixes)
    stream.write(text.encode("utf-8"))


_PYOX = {"json": QueryResultsFormat.JSON, "xml": QueryResultsFormat.XML,
         "csv": QueryResultsFormat.CSV, "tsv": QueryResultsFormat.TSV}  # fmt: skip


def render_table(table: Table, prefixes: dict[str, str], width: int | None = None) -> str:
    """A table for the terminal, drawn by rich: prefixed names, columns with no value
    in any row left out, as wide as the terminal."""
    from rich.console import Console
    from rich.table import Table as RichTable

    cells = [[short(term, prefixes) for term in row] for row in table.rows]
    shown = [i for i in range(len(table.columns)) if any(row[i] for row in cells)]
    grid = RichTable(show_lines=False, header_style="bold")
    for index in shown or range(len(table.columns)):
        grid.add_column(table.columns[index], overflow="fold")
    for row in cells:
        grid.add_row(*(row[i] for i in shown or range(len(table.columns))))
    if width is None:
        import shutil

        width = max(100, shutil.get_terminal_size((160, 24)).columns)
    console = Console(file=io.StringIO(), width=width, force_terminal=False, color_system=None)
    console.print(grid)
    console.print(f"{len(table.rows)} row{'s' if len(table.rows) != 1 else ''}")
    out = console.file
    assert isinstance(out, io.StringIO)
    return out.getvalue()


def _markdown(table: Table, prefixes: dict[str, str]) -> str:
    def cell(term: Any) -> str:
        return short(term, prefixes).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(cell(t) for t in row) + " |" for row in table.rows]
    return "\n".join(lines) + "\n"
