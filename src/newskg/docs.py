"""`newskg docs`: the ontology as a web page people read, with a diagram of its classes.

pyLODE writes the page (classes, properties, definitions, alignments); Graphviz draws
the classes, their subclass links and the object properties between them, embedded in
the page as SVG.  Without Graphviz the diagram is written as DOT beside the page.
"""

from __future__ import annotations

import gc
import logging
import shutil
import subprocess
import warnings
from pathlib import Path

from .formats import atomic_output
from .resources import ontology_path
from .vocab import NK

_COLOURS = {"Agent": "#fde2b3", "Event": "#c6e9c6", "Document": "#fff2b3", "Situation": "#c9f0e4",
            "Claim": "#f9c6d9", "Statement": "#c6e9c6"}  # fmt: skip


def class_diagram() -> str:
    """DOT text: the ontology's classes, subclass links and object properties."""
    from rdflib import OWL, RDF, RDFS, URIRef

    from .ontology import load_turtle

    graph = load_turtle()
    classes = sorted(
        str(c)
        for c in graph.subjects(RDF.type, OWL.Class)
        if isinstance(c, URIRef) and str(c).startswith(NK)
    )
    parents = {
        c: sorted(
            str(p) for p in graph.objects(URIRef(c), RDFS.subClassOf) if str(p).startswith(NK)
        )
        for c in classes
    }

    def family(cls: str) -> str:
        seen, todo = set(), [cls]
        while todo:
            current = todo.pop()
            name = current[len(NK) :]
            if name in _COLOURS:
                return _COLOURS[name]
            seen.add(current)
            todo += [p for p in parents.get(current, []) if p not in seen]
        return "#eeeeee"

    lines = [
        "digraph newskg {",
        '  graph [rankdir=LR, fontname="Helvetica", fontsize=10];',
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=8];',
    ]
    for cls in classes:
        lines.append(f'  "{cls[len(NK) :]}" [fillcolor="{family(cls)}"];')
    for cls in classes:
        for parent in parents[cls]:
            lines.append(
                f'  "{cls[len(NK) :]}" -> "{parent[len(NK) :]}" [arrowhead=empty, color="#777777"];'
            )
    for prop in sorted(
        str(p) for p in graph.subjects(RDF.type, OWL.ObjectProperty) if str(p).startswith(NK)
    ):
        domain, range_ = (
            graph.value(URIRef(prop), RDFS.domain),
            graph.value(URIRef(prop), RDFS.range),
        )
        if str(domain) in classes and str(range_) in classes:
            lines.append(
                f'  "{str(domain)[len(NK) :]}" -> "{str(range_)[len(NK) :]}" '
                f'[label="{prop[len(NK) :]}", color="#3366aa", fontcolor="#3366aa"];'
            )
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_docs(folder: Path, timeout: float = 60.0) -> list[Path]:
    """Write index.html (and the class diagram) into `folder`; returns what was written."""
    from pylode import OntPub

    logging.getLogger().setLevel(max(logging.getLogger().level, logging.WARNING))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)  # pyLODE leaves its CSS file open
        html = OntPub(ontology=str(ontology_path()), sort_subjects=True).make_html()
        gc.collect()
    dot = class_diagram()
    written = []
    figure = ""
    if shutil.which("dot"):
        svg = subprocess.run(
            ["dot", "-Tsvg"], input=dot.encode(), capture_output=True, timeout=timeout, check=True
        ).stdout
        with atomic_output(folder / "classes.svg") as stream:
            stream.write(svg)
        written.append(folder / "classes.svg")
        figure = (
            '<section id="diagram"><h2>Classes and their relations</h2>'
            "<p>Grey arrows: subclass of. Blue arrows: object properties from domain to range.</p>"
            '<img src="classes.svg" alt="The classes of the newskg ontology and their relations" '
            'style="max-width:100%"/></section>'
        )
    else:
        with atomic_output(folder / "classes.dot") as stream:
            stream.write(dot.encode())
        written.append(folder / "classes.dot")
        figure = (
            '<section id="diagram"><p>The class diagram is in classes.dot: install Graphviz '
            "and run <code>dot -Tsvg classes.dot</code>.</p></section>"
        )
    marker = '<div id="metadata">' if '<div id="metadata">' in html else "<body>"
    html = html.replace(marker, marker + figure if marker == "<body>" else figure + marker, 1)
    with atomic_output(folder / "index.html") as stream:
        stream.write(html.encode("utf-8"))
    written.insert(0, folder / "index.html")
    return written
