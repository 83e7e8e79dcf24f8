"""Reading SPARQL before it runs: its form, the network and graphs it would reach,
and parameters bound as validated RDF terms, never pasted into the query text.

pyoxigraph's engine follows `SERVICE` itself, in Rust, where Python's audit hooks never
see it; so a query is parsed (with rdflib's SPARQL parser, which also decodes `\\u`
escapes such as `SERVIC\\u0045` first) and refused before it reaches any engine.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, parse

from .errors import Location, Problem, QueryProblems, UsageError, did_you_mean
from .queries import Parameter, StoredQuery
from .usercache import keep, recall

FORMS = ("SelectQuery", "AskQuery", "ConstructQuery", "DescribeQuery")
_XSD = "http://www.w3.org/2001/XMLSchema#"
# The IRIREF production of SPARQL and Turtle: no spaces, quotes, angle brackets, braces...
_IRIREF = re.compile(r'^[^\x00-\x20<>"{}|^`\\]*$')


@dataclass(frozen=True)
class QueryInfo:
    """What a query is and what it would reach."""

    form: str
    """SELECT, ASK, CONSTRUCT or DESCRIBE."""
    services: bool = False
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)


def _walk(node: Any) -> Any:
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, ParseResults | list | tuple):
        for value in node:
            yield from _walk(value)


def inspect_query(text: str, source: str = "<query>") -> QueryInfo:
    """Parse a query; a syntax error points at source:line:column.

    What a text was found to be is kept in the user's cache, by the text's SHA-256:
    building rdflib's SPARQL grammar takes about a second, more than a stored query
    asked about one entity may take in all.  Only a query that parsed is kept."""
    known = recall("sparql", _INSPECTION_VERSION, text)
    if known is not None:
        with contextlib.suppress(TypeError):
            return QueryInfo(**known)
    info = _parse_query(text, source)
    keep("sparql", _INSPECTION_VERSION, text, dataclasses.asdict(info))
    return info


_INSPECTION_VERSION = 1
"""Raised when QueryInfo or what inspect_query finds changes, so old entries go unused."""


def _parse_query(text: str, source: str) -> QueryInfo:
    """Parse a query with rdflib's parser: its form, SERVICE, FROM and FROM NAMED."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        tree = parseQuery(text)
    except ParseException as exc:
        if _is_update(text):
            raise _not_an_update() from None
        lines = text.splitlines()
        line = lines[exc.lineno - 1].strip() if 0 < exc.lineno <= len(lines) else ""
        near = f"near {line[:60]!r}" if line else "at the end of the query"
        hint = "check the query against the SPARQL 1.1 grammar"
        if not text[exc.loc :].strip():
            near, hint = "at the end of the query", "is a closing } or ) missing?"
        raise QueryProblems(
            [Problem(Location(source, exc.lineno, exc.col), f"SPARQL syntax error {near}", hint)]
        ) from exc
    except Exception as exc:  # rdflib raises plain exceptions for some bad input
        raise QueryProblems(
            [
                Problem(
                    Location(source, 1, 1),
                    f"SPARQL error: {exc}",
                    "check the query against the SPARQL 1.1 grammar",
                )
            ]
        ) from exc
    form, services, defaults, named = "", False, [], []
    for node in _walk(tree):
        if node.name in FORMS and not form:
            form = node.name.removesuffix("Query").upper()
        elif node.name == "ServiceGraphPattern":
            services = True
        elif node.name == "DatasetClause":
            if "default" in node:
                defaults.append(str(node["default"]))
            if "named" in node:
                named.append(str(node["named"]))
    if not form:
        raise _not_an_update()
    return QueryInfo(form, services, defaults, named)


def _is_update(text: str) -> bool:
    """Whether a text that is no query is a SPARQL update (LOAD, DROP, INSERT ...)."""
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        parseUpdate(text)
    except Exception:  # whatever it raises, it is no update either
        return False
    return True


def _not_an_update() -> UsageError:
    return UsageError(
        "only SPARQL queries can run here, not updates",
        "newskg never changes a store through `query`",
    )


def refuse_outside_reach(
    info: QueryInfo, graphs: set[str], allow_network: bool, source: str
) -> None:
    """Refuse SERVICE, and FROM / FROM NAMED of a graph that is not in the store."""
    if allow_network:
        return
    if info.services:
        raise UsageError(
            f"{source}: the query calls a remote SERVICE, which a local query may not do",
            "pass --allow-network if you mean it",
        )
    outside = sorted(set(info.default_graphs + info.named_graphs) - graphs)
    if outside:
        raise UsageError(
            f"{source}: FROM names a graph that is not in the store: {outside[0]}",
            "use one of the store's graphs, or pass --allow-network",
        )


# -- parameters -------------------------------------------------------------------------


Term = NamedNode | Literal


def parse_term(value: str, prefixes: dict[str, str]) -> Term:
    """One RDF term in Turtle syntax (an IRI, a prefixed name, a literal), validated by
    parsing it as the object of a one-triple Turtle document: anything more is refused."""
    header = "".join(f"@prefix {name}: <{ns}> .\n" for name, ns in sorted(prefixes.items()))
    document = f"{header}<urn:newskg:s> <urn:newskg:p> {value} .\n"
    try:
        triples = list(parse(document.encode("utf-8"), format=RdfFormat.TURTLE))
    except SyntaxError as exc:
        raise ValueError(f"{value!r} is not an RDF term in Turtle syntax") from exc
    if len(triples) != 1 or not isinstance(triples[0].object, NamedNode | Literal):
        raise ValueError(f"{value!r} is not one RDF term")
    term = triples[0].object
    if isinstance(term, NamedNode) and not _IRIREF.match(term.value):
        raise ValueError(f"{value!r} is not a valid IRI")
    return term


def bind_parameters(
    query: StoredQuery,
    given: dict[str, str],
    prefixes: dict[str, str],
    resolve_id: Callable[[str], NamedNode | None],
    known_ids: Callable[[], Iterable[str]] = tuple,
) -> dict[str, Term]:
    """Validated terms for a query's parameters: a registry id first, else a Turtle term
    of the parameter's declared type. Unknown, missing or ill-typed ones are usage errors
    that name the query's parameters; an id that is neither the registry's nor an
    article's gets the nearest of `known_ids` (asked for only then)."""
    known = (
        ", ".join(
            f"{n} ({p.type}{', required' if p.required else ''})"
            for n, p in query.parameters.items()
        )
        or "none"
    )
    unknown = sorted(set(given) - set(query.parameters))
    if unknown:
        raise UsageError(
            f"query {query.name!r} has no parameter {unknown[0]!r}", f"its parameters: {known}"
        )
    bound: dict[str, Term] = {}
    for name, parameter in query.parameters.items():
        raw = given.get(name, parameter.default)
        if raw is None:
            if parameter.required:
                raise UsageError(
                    f"query {query.name!r} needs --param {name}=...", f"its parameters: {known}"
                )
            continue
        try:
            bound[name] = _typed(raw, parameter, prefixes, resolve_id)
        except UnknownId as exc:
            otherwise = (
                "give a registry or article id, a prefixed name such as nk:Person, or an <IRI>"
            )
            hint = did_you_mean(raw, known_ids(), otherwise)
            raise UsageError(f"--param {name}: {exc}", hint) from exc
        except ValueError as exc:
            raise UsageError(f"--param {name}: {exc}", f"its parameters: {known}") from exc
    return bound


class UnknownId(ValueError):
    """A parameter's value written as an id, which no registry entry or article has."""


_BARE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
"""A value with neither a prefix nor angle brackets: meant as an id."""


def _typed(
    raw: str,
    parameter: Parameter,
    prefixes: dict[str, str],
    resolve_id: Callable[[str], NamedNode | None],
) -> Term:
    if parameter.type == "iri":
        found = resolve_id(raw)
        if found is not None:
            return found
        if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", raw) or raw.startswith("urn:"):
            raw = f"<{raw}>"  # a bare absolute IRI, as people paste them
        elif _BARE_NAME.fullmatch(raw):  # no prefix, no <>: an id, and not a known one
            raise UnknownId(f"{raw!r} is neither a registry id nor an article id")
        term = parse_term(raw, prefixes)
        if not isinstance(term, NamedNode):
            raise ValueError(f"{raw!r} is neither a registry id nor an IRI")
        return term
    if parameter.type == "string":
        term = parse_term(raw, prefixes) if raw[:1] in "\"'" else Literal(raw)
        if not isinstance(term, Literal) or term.datatype.value not in (
            _XSD + "string",
            "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString",
        ):
            raise ValueError(f"{raw!r} is not a string")
        return term
    if parameter.type == "date":
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            import datetime as dt

            dt.date.fromisoformat(raw)
            return Literal(raw, datatype=NamedNode(_XSD + "date"))
        raise ValueError(f"{raw!r} is not a date YYYY-MM-DD")
    if parameter.type == "integer":
        if re.fullmatch(r"[+-]?\d+", raw):
            return Literal(raw, datatype=NamedNode(_XSD + "integer"))
        raise ValueError(f"{raw!r} is not an integer")
    return parse_term(raw, prefixes)


def term_to_sparql(term: Term) -> str:
    """A validated term in SPARQL syntax (N-Triples form, which SPARQL accepts)."""
    return str(term)


def with_values(text: str, bindings: dict[str, Term]) -> str:
    """The query with one VALUES block of validated terms at the start of its WHERE
    group, for a remote endpoint: the same rows as the engine's own binding locally."""
    if not bindings:
        return text
    names = sorted(bindings)
    block = values_block(names, [[bindings[n] for n in names]])
    brace = where_brace(text)
    return text[: brace + 1] + f" {block} " + text[brace + 1 :]


_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def values_block(names: list[str], rows: list[list[Term]]) -> str:
    """A VALUES block: the one way newskg gives a query its terms (the validated terms
    of pyoxigraph in their own syntax, which cannot change the query around them)."""
    for name in names:
        if not _VARIABLE.fullmatch(name):
            raise UsageError(f"not a SPARQL variable name: {name!r}")
    head = " ".join("?" + n for n in names)
    body = " ".join(f"({' '.join(term_to_sparql(t) for t in row)})" for row in rows)
    return f"VALUES ({head}) {{ {body} }}"


def where_brace(text: str) -> int:
    """The offset of the '{' that opens the query's WHERE group, skipping comments,
    strings and IRIs."""
    index, length, seen_where = 0, len(text), False
    while index < length:
        char = text[index]
        if char == "#":
            index = text.find("\n", index)
            index = length if index == -1 else index
            continue
        if char in "\"'":
            quote = text[index : index + 3] if text[index : index + 3] in ('"""', "'''") else char
            end = text.find(quote, index + len(quote))
            while end != -1 and text[end - 1] == "\\" and len(quote) == 1:
                end = text.find(quote, end + 1)
            index = length if end == -1 else end + len(quote)
            continue
        if char == "<" and re.match(r"<[^\s<>\"{}|^`\\]*>", text[index:]):
            index = text.index(">", index) + 1
            continue
        if text[index : index + 5].upper() == "WHERE" and not text[index - 1 : index].isalnum():
            seen_where = True
        if char == "{" and (seen_where or _no_where(text)):
            return index
        index += 1
    raise UsageError(
        "cannot find the query's WHERE group to bind parameters",
        "write the query with an explicit WHERE { ... }",
    )


def _no_where(text: str) -> bool:
    return re.search(r"\bWHERE\b", text, re.IGNORECASE) is None


__all__ = [
    "Quad",
    "QueryInfo",
    "bind_parameters",
    "inspect_query",
    "parse_term",
    "refuse_outside_reach",
    "with_values",
]
