"""`newskg check`: every check on data/, in one report, each finding located in YAML.

1. the fact sheets against their schema, and every evidence quote against its text;
2. each article's graphs against the SHACL shapes (pyshacl);
3. the ontology and the data together under HermiT, with an explanation of any clash;
4. the stored checks of queries/checks.

It writes nothing outside build/ (it builds the embedded store it checks).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode, RdfFormat, Store, serialize

from .consistency import HERMIT_LIMIT, Axioms, Clash, HermitRun, clashes
from .errors import DataErrors, Location
from .findings import Finding, Report
from .project import Project, find_root, load_project
from .provenance import Locator
from .results import short
from .vocab import Minter

DEFAULT_TIMEOUT = 120.0


def check(
    root: Path | None = None, *, timeout: float = DEFAULT_TIMEOUT, hermit_limit: int = HERMIT_LIMIT
) -> Report:
    """Run every check on a project and return one report."""
    from .pipeline import BuildDir, build

    report = Report()
    root = find_root(root)
    report.ran.append("schema and evidence")
    try:
        build(root)
        project = load_project(root)  # every article, for tracing findings back to YAML
    except DataErrors as errors:
        for problem in errors.problems:
            report.add(
                Finding(problem.severity, problem.location, problem.message, problem.hint, "schema")
            )
        report.notes.append("the graph checks did not run: fix the fact sheets first")
        return report
    for warning in project.warnings:
        report.add(
            Finding(warning.severity, warning.location, warning.message, warning.hint, "schema")
        )
    folder = BuildDir(project.root)
    manifest = folder.read_manifest()
    locator = Locator(project)
    prefixes = Minter(project.base_iri).prefixes()
    store = Store.read_only(str(folder.path / "store"))
    try:
        triples = _own_voice_triples(project, store, manifest)
        hermit = None
        if len(triples) <= hermit_limit:  # HermiT works on the other core during SHACL
            hermit = HermitRun(serialize(triples, format=RdfFormat.N_TRIPLES) or b"")
        _shacl(project, store, manifest, locator, prefixes, report)
        _consistency(triples, hermit, locator, prefixes, report, timeout, hermit_limit)
    finally:
        del store
    _stored_checks(project, locator, prefixes, report, timeout)
    return report


def _article_graphs(manifest: dict[str, Any]) -> dict[str, list[str]]:
    return {a: sorted(entry["graphs"]) for a, entry in sorted(manifest.get("articles", {}).items())}


def _shacl(
    project: Project,
    store: Store,
    manifest: dict[str, Any],
    locator: Locator,
    prefixes: dict[str, str],
    report: Report,
) -> None:
    """The shapes compiled to SPARQL, run once over the whole store (pyshacl, the
    reference, took about 2 s per article); each result is located through the article
    its focus node belongs to."""
    from . import shacl

    report.ran.append("SHACL shapes")
    shapes, ontology = shacl.load_graphs()
    results = shacl.run_queries(store, shacl.compile_shapes(shapes, ontology))
    for result in sorted(set(results), key=shacl.Result.key):
        article = locator.article_of(result.focus)
        fallback = project.article(article).doc.location(()) if article else None
        for finding in shacl.findings([result], locator, article, prefixes, fallback):
            report.add(finding)


def _own_voice_triples(project: Project, store: Store, manifest: dict[str, Any]) -> list[Any]:
    """The article graphs and the registry: what is asserted, claims' graphs left out."""
    mint = Minter(project.base_iri)
    graphs = [mint.article(a).value for a in _article_graphs(manifest)] + [
        mint.graph("registry").value
    ]
    return [
        q.triple for g in graphs for q in store.quads_for_pattern(None, None, None, NamedNode(g))
    ]


def _consistency(
    triples: list[Any],
    hermit: HermitRun | None,
    locator: Locator,
    prefixes: dict[str, str],
    report: Report,
    timeout: float,
    limit: int,
) -> None:
    from .ontology import load_turtle

    report.ran.append("OWL consistency")
    plain = [
        (t.subject.value, t.predicate.value, getattr(t.object, "value", ""))
        for t in triples
        if isinstance(t.subject, NamedNode)
    ]
    axioms = Axioms.from_ontology(load_turtle())
    found = clashes(plain, axioms)
    for clash in found:
        report.add(_clash_finding(clash, locator, prefixes))
    if hermit is None:
        report.notes.append(
            f"HermiT skipped: {len(triples)} statements exceed --hermit-limit {limit}; "
            "the checks derived from the ontology's axioms ran instead"
        )
        return
    verdict = hermit.verdict(timeout)
    if verdict is None:
        report.add(
            Finding(
                "error",
                Location("ontology/newskg.ttl"),
                f"HermiT did not finish within {timeout:g} s: consistency unknown",
                "raise --timeout, or lower --hermit-limit to use the derived checks",
                "owl",
            )
        )
    elif not verdict and not found:
        report.add(
            Finding(
                "error",
                Location("ontology/newskg.ttl"),
                "HermiT finds the data inconsistent with the ontology, and no "
                "disjointness or range clash explains it",
                "look for a new kind of axiom in the ontology",
                "owl",
            )
        )


def _clash_finding(clash: Clash, locator: Locator, prefixes: dict[str, str]) -> Finding:
    def name(iri: str) -> str:
        return " or ".join(short(NamedNode(part), prefixes) for part in iri.split(" or "))

    def why(reason: Any) -> tuple[str, Location | None]:
        s, p, o = reason.triple
        origin = locator.origin(s, p, o)
        where = origin.location if origin is not None else None
        text = "asserted" if reason.how == "asserted" else reason.how.replace(p, name(p))
        return f"{text}{f' at {where}' if where else ''}", where

    first, first_where = why(clash.first_reason)
    second, second_where = why(clash.second_reason)
    # point at the use that conflicts (a role), not at where the type was stated
    where = first_where if clash.second_reason.how == "asserted" else second_where
    message = (
        f"{name(clash.individual)} would be both {name(clash.first)} ({first}) and "
        f"{name(clash.second)} ({second}), which the ontology says are disjoint"
    )
    return Finding(
        "error",
        where or Location("ontology/newskg.ttl"),
        message,
        "use an entity of the right kind in that role",
        "owl",
    )


def _stored_checks(
    project: Project, locator: Locator, prefixes: dict[str, str], report: Report, timeout: float
) -> None:
    from .querying import open_context
    from .verify import verify

    report.ran.append("stored checks")
    context = open_context(project.root, timeout=timeout, rebuild=False)
    context.store_path = project.root / "build" / "store"
    for result in verify(context).results:
        severity = result.check.severity or "error"
        for row in result.table.rows:
            iris = [t.value for t in row if isinstance(t, NamedNode)]
            origin = next((o for o in (locator.origin(i) for i in iris) if o is not None), None)
            where = origin.location if origin is not None else Location(str(result.check.path.name))
            shown = ", ".join(short(t, prefixes) for t in row if t is not None)
            report.add(
                Finding(severity, where, f"{result.check.title}: {shown}", "", result.check.name)
            )
