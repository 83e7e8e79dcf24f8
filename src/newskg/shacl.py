"""Validating the graph against ontology/shapes.ttl: SHACL shapes run as SPARQL.

pyshacl is the reference, but it took about 2 s per article here (1.8 s even for one
article's 1,500 statements, and 54 s for 20 articles in one call): hours for 10,000.  So
the shapes are compiled into one SPARQL query per constraint (:func:`compile_shapes`)
and run by Oxigraph over the whole store at once, or over a small in-memory store of the
articles that changed.  Each kind of constraint has one fixed query text
(:data:`TEMPLATES`); the shape's terms reach it only as VALUES blocks of validated terms,
as a stored query's parameters do.  The compiler knows the constraint components that the shapes
use (minCount, maxCount, datatype, class, nodeKind, pattern, in, minLength,
minInclusive, lessThan, lessThanOrEquals, or of classes, SPARQL constraints) and refuses
any other, so a new kind of shape cannot be skipped silently; a test runs both on
planted violations and compares the findings.

Like pyshacl with the ontology mixed in, sh:targetClass and sh:class follow the
ontology's rdfs:subClassOf, and each result says what pyshacl would say: the same
focus node, path, value, severity and message.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from pyoxigraph import BlankNode, NamedNode, RdfFormat, Store, serialize
from pyoxigraph import Literal as OxLiteral

from .errors import Location, UsageError
from .findings import Finding
from .provenance import Locator
from .resources import resource_dir
from .results import short

SH = "http://www.w3.org/ns/shacl#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
_SEVERITY = {SH + "Violation": "error", SH + "Warning": "warning", SH + "Info": "info"}

Term = NamedNode | OxLiteral | BlankNode


def shapes_path() -> Path:
    """The SHACL shapes shipped with newskg."""
    return resource_dir("ontology") / "shapes.ttl"


def load_graphs() -> tuple[Any, Any]:
    """The shapes and the ontology as rdflib graphs (parsed once per run)."""
    from .ontology import load_turtle

    return load_turtle(shapes_path()), load_turtle()


@dataclass(frozen=True)
class Result:
    """One SHACL validation result, as pyshacl reports it in its results graph."""

    focus: str
    path: str | None
    value: str | None
    """The value node, in N-Triples syntax (None when the result has none)."""
    severity: str
    message: str
    shape: str | None
    """The source shape's IRI (None for a blank node)."""

    def key(self) -> tuple[str, ...]:
        """For sorting: by focus node, path, value and message."""
        return (self.focus, self.path or "", self.value or "", self.message, self.shape or "")


# The query of each kind of constraint: fixed texts, into which the shape's terms go only
# as VALUES blocks of validated terms ($name is the block that binds ?name), the way
# `newskg query` gives a stored query its parameters.  (pyoxigraph's `substitutions`
# would bind them without any text, but it plans the query as if they were free: the
# path of a constraint then read every statement of the corpus, 40 times slower.)
_FOCUS = "$targetType ?this <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> ?targetType ."
_VALUES = f"SELECT DISTINCT ?this ?value WHERE {{ {_FOCUS} $path ?this ?path ?value . "
TEMPLATES = {
    "minCount": "SELECT ?this WHERE { { SELECT DISTINCT ?this ?minCount WHERE { "
    f"{_FOCUS} $minCount }} }} OPTIONAL {{ $path ?this ?path ?value }} }} "
    "GROUP BY ?this ?minCount HAVING (COUNT(DISTINCT ?value) < ?minCount)",
    "maxCount": "SELECT ?this WHERE { { SELECT DISTINCT ?this ?maxCount WHERE { "
    f"{_FOCUS} $maxCount }} }} $path ?this ?path ?value }} "
    "GROUP BY ?this ?maxCount HAVING (COUNT(DISTINCT ?value) > ?maxCount)",
    "datatype": _VALUES + "$datatype FILTER(!isLiteral(?value) || DATATYPE(?value) != ?datatype) }",
    "class": _VALUES
    + "MINUS { $valueType ?value <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
    "?valueType } }",
    "nodeKind": _VALUES + "FILTER(!isIRI(?value)) }",
    "pattern": _VALUES + "$pattern FILTER(isBlank(?value) || !REGEX(STR(?value), ?pattern)) }",
    "in": _VALUES + "MINUS { $value } }",
    "minLength": _VALUES
    + "$minLength FILTER(isBlank(?value) || STRLEN(STR(?value)) < ?minLength) }",
    "minInclusive": _VALUES + "$minInclusive FILTER(!COALESCE(?value >= ?minInclusive, false)) }",
    "lessThan": _VALUES
    + "$other ?this ?other ?otherValue . FILTER(!COALESCE(?value < ?otherValue, false)) }",
    "lessThanOrEquals": _VALUES
    + "$other ?this ?other ?otherValue . FILTER(!COALESCE(?value <= ?otherValue, false)) }",
}
"""Which template each constraint component uses (sh:or of classes is a "class")."""

Bound = NamedNode | OxLiteral
"""A term a query is given: the shapes have no blank nodes to give."""
Values = tuple[tuple[str, tuple[Bound, ...]], ...]


@dataclass(frozen=True)
class ShapeQuery:
    """One constraint as a SPARQL SELECT of ?this (and ?value), with how to word a result."""

    template: str
    """A text of :data:`TEMPLATES`, or a SPARQL constraint's own SELECT."""
    values: Values
    """The terms of each VALUES block of the template, by the variable it binds."""
    path: str | None
    severity: str
    shape: str | None
    message: str | None
    """sh:message, else None for the generic message (see :meth:`word`)."""
    wording: str
    """The generic message, with {focus} and {value} for the data's nodes."""
    has_value: bool = True
    """Whether the query selects ?value."""
    prefixes: tuple[tuple[str, str], ...] = ()
    """A SPARQL constraint's sh:declare'd prefixes, given to the engine, not the text."""
    names: Any = field(default=None, compare=False)
    """An rdflib graph whose prefixes word the data's nodes (the ontology's, as in pyshacl
    with the ontology mixed into the data)."""

    @property
    def sparql(self) -> str:
        """The query to run: the template with its VALUES blocks."""
        from string import Template

        from .sparql import values_block

        blocks = {name: values_block([name], [[t] for t in terms]) for name, terms in self.values}
        return Template(self.template).substitute(blocks)

    def word(self, focus: Term, value: Term | None) -> str:
        if self.message is not None:
            return self.message
        names = self.names if self.names is not None else _ontology_names()
        return self.wording.format(
            focus=_stringify_data(focus, names),
            value=_stringify_data(value, names) if value else "",
        )

    def as_json(self) -> dict[str, Any]:
        """The query without its `names` (terms in N-Triples syntax), for
        :func:`compiled`'s file."""
        return {
            "template": self.template,
            "values": [[name, [str(t) for t in terms]] for name, terms in self.values],
            "path": self.path,
            "severity": self.severity,
            "shape": self.shape,
            "message": self.message,
            "wording": self.wording,
            "has_value": self.has_value,
            "prefixes": [list(pair) for pair in self.prefixes],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ShapeQuery:
        """A query :meth:`as_json` wrote; its nodes are worded with the ontology's
        prefixes, read when the first result is worded."""
        values = tuple(
            (name, tuple(_parse_term(t) for t in terms)) for name, terms in data["values"]
        )
        prefixes = tuple((str(a), str(b)) for a, b in data["prefixes"])
        fields = {k: data[k] for k in ("template", "path", "severity", "shape", "message")}
        return cls(
            **fields,
            values=values,
            wording=data["wording"],
            has_value=bool(data["has_value"]),
            prefixes=prefixes,
        )


def node(text: str) -> Any:
    """The term that `text` writes in N-Triples syntax (a result's value, a compiled
    query's term)."""
    from pyoxigraph import parse

    return next(iter(parse(f"<x:s> <x:p> {text} .", format=RdfFormat.N_TRIPLES))).object


def _parse_term(text: str) -> Bound:
    term = node(text)
    if not isinstance(term, NamedNode | OxLiteral):
        raise ValueError(f"not a shape's term: {text}")
    return term


@lru_cache(maxsize=1)
def _ontology_names() -> Any:
    """The ontology as an rdflib graph, for its prefixes."""
    from .ontology import load_turtle

    return load_turtle()


# -- compiling the shapes -------------------------------------------------------------------


def compile_shapes(shapes: Any, ontology: Any) -> list[ShapeQuery]:
    """Every constraint of the shapes graph as a query (rdflib graphs in)."""
    from rdflib import RDFS, URIRef
    from rdflib import Namespace as RdfNamespace

    sh = RdfNamespace(SH)
    subclasses: dict[str, set[str]] = {}
    for sub, sup in ontology.subject_objects(RDFS.subClassOf):
        if isinstance(sub, URIRef) and isinstance(sup, URIRef):
            subclasses.setdefault(str(sup), set()).add(str(sub))

    def below(classes: Iterable[str]) -> tuple[Bound, ...]:
        todo = list(classes)
        seen = set(todo)
        while todo:
            for sub in subclasses.get(todo.pop(), ()):
                if sub not in seen:
                    seen.add(sub)
                    todo.append(sub)
        return tuple(_iri(c) for c in sorted(seen))

    queries: list[ShapeQuery] = []
    known = {sh.targetClass, sh.property, sh.sparql, sh.severity, sh.message, sh.declare}
    node_shapes = sorted(set(shapes.subjects(sh.targetClass, None)), key=str)
    for node_shape in node_shapes:
        focus = ("targetType", below(str(c) for c in shapes.objects(node_shape, sh.targetClass)))
        unknown = {p for p in shapes.predicates(node_shape, None) if str(p).startswith(SH)}
        _refuse(unknown - known, node_shape)
        severity = _severity(shapes, node_shape)
        name = str(node_shape) if isinstance(node_shape, URIRef) else None
        for constraint in shapes.objects(node_shape, sh.sparql):
            queries.append(
                _sparql_constraint(shapes, constraint, focus, severity, name, node_shape)
            )
        for prop in shapes.objects(node_shape, sh.property):
            queries += _property_constraints(shapes, prop, focus, below)
    return [replace(q, names=ontology) for q in queries]


def _refuse(unknown: set[Any], shape: Any) -> None:
    if unknown:
        raise UsageError(
            f"the shape {shape} uses {', '.join(sorted(map(str, unknown)))}, which newskg "
            "does not compile to SPARQL",
            "use the constraint components listed in newskg.shacl, or extend the compiler",
        )


def _severity(shapes: Any, shape: Any) -> str:
    from rdflib import URIRef

    value = shapes.value(shape, URIRef(SH + "severity"))
    return _SEVERITY.get(str(value), "error") if value is not None else "error"


def _iri(value: str) -> NamedNode:
    """An IRI of the shapes as a term: pyoxigraph refuses what is not an IRI."""
    try:
        return NamedNode(value)
    except ValueError as error:
        raise UsageError(f"not an IRI in the shapes: {value!r} ({error})") from error


def _term(node: Any) -> NamedNode | OxLiteral:
    """An rdflib term of the shapes (IRI or literal) as a pyoxigraph term."""
    from rdflib import Literal, URIRef

    if isinstance(node, URIRef):
        return _iri(str(node))
    if isinstance(node, Literal):
        if node.language:
            return OxLiteral(str(node), language=node.language)
        datatype = NamedNode(str(node.datatype)) if node.datatype else None
        return OxLiteral(str(node), datatype=datatype)
    raise UsageError(f"newskg compiles only IRIs and literals in shapes, not {node!r}")


def _sparql_constraint(
    shapes: Any,
    constraint: Any,
    focus: tuple[str, tuple[Bound, ...]],
    severity: str,
    name: str | None,
    node_shape: Any,
) -> ShapeQuery:
    """A SPARQL-based constraint: its own SELECT, with the focus nodes put first in its
    WHERE group (as a VALUES block and one triple pattern) and its prefixes given to the
    engine."""
    from rdflib import URIRef

    from .sparql import where_brace

    sh = SH
    select = str(shapes.value(constraint, URIRef(sh + "select")))
    prefixes: list[tuple[str, str]] = []
    for declarer in shapes.objects(constraint, URIRef(sh + "prefixes")):
        for decl in shapes.objects(declarer, URIRef(sh + "declare")):
            prefix = shapes.value(decl, URIRef(sh + "prefix"))
            namespace = shapes.value(decl, URIRef(sh + "namespace"))
            if not re.fullmatch(r"[A-Za-z][\w.-]*|", str(prefix)):
                raise UsageError(f"not a SPARQL prefix name in the shapes: {prefix!r}")
            prefixes.append((str(prefix), _iri(str(namespace)).value))
    body = select.replace("$this", "?this")
    if "OPTIONAL" not in body.upper():
        # Oxigraph evaluates a NOT EXISTS once per row (the evidence rule grew with the
        # square of the corpus); a MINUS runs once, as an anti-join.  With ?this bound by
        # the focus pattern and no OPTIONAL, each shares its bound variables: the same rows.
        body = re.sub(r"FILTER\s+NOT\s+EXISTS", "MINUS", body)
    try:
        brace = where_brace(body)
    except UsageError as error:
        raise UsageError(f"cannot read the SPARQL constraint of {node_shape}") from error
    head, rest = body[:brace], body[brace + 1 :]
    if "SELECT" not in head.upper():
        raise UsageError(f"cannot read the SPARQL constraint of {node_shape}")
    head = re.sub(r"(?i)^\s*SELECT\s+(DISTINCT\s+)?", "SELECT DISTINCT ", head)
    message = shapes.value(constraint, URIRef(sh + "message"))
    return ShapeQuery(  # its own $ kept as they are ($$ in a template)
        f"{head.replace('$', '$$')}{{ {_FOCUS}\n{rest.replace('$', '$$')}",
        (focus,),
        None,
        severity,
        name,
        str(message) if message is not None else None,
        "Validation of {focus} failed",
        "?value" in head,
        tuple(sorted(prefixes)),
    )


def _property_constraints(
    shapes: Any, prop: Any, focus: tuple[str, tuple[Bound, ...]], below: Any
) -> list[ShapeQuery]:
    """The queries of one property shape: one per constraint component it uses."""
    from pyshacl.rdfutil.stringify import stringify_node
    from rdflib import Literal, URIRef
    from rdflib.collection import Collection

    def param(name: str) -> Any:
        return shapes.value(prop, URIRef(SH + name))

    def show(node: Any) -> str:
        return str(stringify_node(shapes, node))

    path = param("path")
    if not isinstance(path, URIRef):
        raise UsageError(f"newskg compiles only simple property paths, not {path}")
    handled = {"path", "message", "severity"}
    message = param("message")
    severity = _severity(shapes, prop)
    out: list[ShapeQuery] = []

    def add(kind: str, wording: str, *values: tuple[str, tuple[Bound, ...]]) -> None:
        out.append(
            ShapeQuery(
                TEMPLATES[kind],
                (focus, ("path", (_iri(str(path)),)), *values),
                str(path),
                severity,
                None,
                str(message) if message is not None else None,
                wording,
                kind not in ("minCount", "maxCount"),
            )
        )

    def count(rule: Any) -> OxLiteral:
        return OxLiteral(str(int(rule)), datatype=NamedNode(XSD_INTEGER))

    for component in sorted({str(x) for x in shapes.predicates(prop, None)}):
        local = component[len(SH) :] if component.startswith(SH) else component
        if local in handled or not component.startswith(SH):
            continue
        rule = param(local)
        if local == "minCount":
            wording = f"Less than {rule} values on {{focus}}->{show(path)}"
            add(local, wording, ("minCount", (count(rule),)))
        elif local == "maxCount":
            wording = f"More than {rule} values on {{focus}}->{show(path)}"
            add(local, wording, ("maxCount", (count(rule),)))
        elif local == "datatype":
            wording = f"Value is not Literal with datatype {show(rule)}"
            add(local, wording, ("datatype", (_term(rule),)))
        elif local == "class":
            wording = f"Value does not have class {show(rule)}"
            add(local, wording, ("valueType", below([str(rule)])))
        elif local == "nodeKind" and str(rule) == SH + "IRI":
            add(local, f"Value is not of Node Kind {show(rule)}")
        elif local == "pattern":
            wording = f"Value does not match pattern '{rule}'"
            add(local, wording, ("pattern", (_term(Literal(str(rule))),)))
        elif local == "in":
            members = list(Collection(shapes, rule))
            wording = f"Value {{value}} not in list {[show(m) for m in members]}"
            add(local, wording, ("value", tuple(_term(m) for m in members)))
        elif local == "minLength":
            add(local, f"String length not >= {show(rule)}", ("minLength", (count(rule),)))
        elif local == "minInclusive" and isinstance(rule, Literal):
            add(local, f"Value is not >= {show(rule)}", ("minInclusive", (_term(rule),)))
        elif local in ("lessThan", "lessThanOrEquals"):
            shown = "<=" if local == "lessThan" else "<"
            wording = f"Value of {{focus}}->{show(rule)} {shown} {{value}}"
            add(local, wording, ("other", (_term(rule),)))
        elif local == "or":
            classes: list[str] = []
            for member in Collection(shapes, rule):
                parts = {str(x) for x in shapes.predicates(member, None)}
                if parts != {SH + "class"}:
                    raise UsageError(f"newskg compiles sh:or only of sh:class shapes ({prop})")
                classes.append(str(shapes.value(member, URIRef(SH + "class"))))
            wording = "Node {value} must conform to one or more shapes in " + " , ".join(
                show(m) for m in Collection(shapes, rule)
            )
            add("class", wording, ("valueType", below(classes)))
        else:
            _refuse({component}, prop)
    return out


# -- running them ------------------------------------------------------------------------------


def run_queries(
    store: Store, queries: list[ShapeQuery], keep: Callable[[Term], bool] | None = None
) -> Iterator[Result]:
    """Every result of the compiled shapes on the union of the store's graphs (whose
    focus node `keep` accepts: the others are not worded, which takes longer than
    finding them)."""
    for query in queries:
        rows: Any = store.query(
            query.sparql, use_default_graph_as_union=True, prefixes=dict(query.prefixes)
        )
        for row in rows:
            focus = row["this"]
            if focus is None or (keep is not None and not keep(focus)):
                continue
            value = row["value"] if query.has_value else None
            if query.path is None and value is None:
                value = focus  # a node shape's result is about the focus node itself
            yield Result(
                focus.value if isinstance(focus, NamedNode) else str(focus),
                query.path,
                str(value) if value is not None else None,
                query.severity,
                query.word(focus, value),
                query.shape,
            )


def _stringify_data(term: Term | None, names: Any) -> str:
    """A data node as pyshacl words it."""
    from pyshacl.rdfutil.stringify import stringify_node
    from rdflib import Graph

    return str(stringify_node(names if names is not None else Graph(), _to_rdflib(term)))


def _to_rdflib(term: Term | None) -> Any:
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, NamedNode):
        return URIRef(term.value)
    if isinstance(term, BlankNode):
        return BNode(term.value)
    if isinstance(term, OxLiteral):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    return None


# -- pyshacl, the reference ------------------------------------------------------------------


def unit_graph(store: Store, graphs: Iterable[str]) -> Any:
    """An rdflib graph with the triples of some named graphs of the store."""
    from rdflib import Graph

    triples = [
        q.triple for g in graphs for q in store.quads_for_pattern(None, None, None, NamedNode(g))
    ]
    data = serialize(triples, format=RdfFormat.N_TRIPLES) or b""
    return Graph().parse(data=data, format="nt")


def validate_unit(data: Any, shapes: Any, ontology: Any) -> list[Result]:
    """Run pyshacl on an rdflib graph; return its results."""
    from pyshacl import validate
    from rdflib import RDF, URIRef

    _, graph, _ = validate(
        data, shacl_graph=shapes, ont_graph=ontology, inference="none", allow_warnings=True
    )
    results = []
    for node in graph.subjects(RDF.type, URIRef(SH + "ValidationResult")):

        def value(name: str, node: Any = node) -> Any:
            return graph.value(node, URIRef(SH + name))

        path, found, shape = value("resultPath"), value("value"), value("sourceShape")
        results.append(
            Result(
                str(value("focusNode")),
                str(path) if path is not None else None,
                found.n3() if found is not None else None,
                _SEVERITY.get(str(value("resultSeverity")), "error"),
                str(value("resultMessage") or "does not conform to its shape"),
                str(shape) if isinstance(shape, URIRef) else None,
            )
        )
    return sorted(results, key=Result.key)


# -- findings -----------------------------------------------------------------------------------


def findings(
    results: Iterable[Result],
    locator: Locator,
    article: str | None,
    prefixes: dict[str, str],
    fallback: Location | None,
) -> Iterator[Finding]:
    """The findings of some results, each located in the fact sheets."""

    def show(term: Any) -> str:
        if isinstance(term, NamedNode):
            return short(term, prefixes)
        if isinstance(term, OxLiteral):
            return repr(short(OxLiteral(term.value), prefixes))
        return "" if term is None else str(term)

    for result in results:
        found: Any = None
        if result.value is not None:
            found = node(result.value)
        origin = locator.origin(
            result.focus,
            result.path,
            found.value if isinstance(found, NamedNode) else None,
            article,
        )
        where = origin.location if origin is not None else fallback
        if where is None:
            where = Location("ontology/shapes.ttl")
        what = show(NamedNode(result.focus))
        if result.path is not None:
            what += f" {show(NamedNode(result.path))}"
        if found is not None:
            what += f" = {show(found)}"
        hint = f"shape {show(NamedNode(result.shape))}" if result.shape else ""
        yield Finding(result.severity, where, f"{what}: {result.message}", hint, "shacl")
