"""Tests that keep the docs honest: every command and every class is in the README."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import OWL, RDF, Graph, URIRef

from newskg.cli import cli
from newskg.facts import FACT_MODELS
from newskg.resources import ontology_path
from newskg.vocab import NK

from .conftest import REPO
from .helpers import run_cli

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_setup_commands() -> None:
    head = README.split("\n## ")[0]
    assert "make run" in head and "make test" in head
    assert head.index("make run") < head.index("make test") < 400


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_and_is_in_the_readme(name: str) -> None:
    command = cli.commands[name]
    assert command.help and len(command.help) > 20
    assert f"newskg {name}" in README


@pytest.mark.parametrize("kind", sorted(FACT_MODELS))
def test_every_fact_kind_is_documented(kind: str) -> None:
    assert f"| `{kind}` |" in README


def test_every_ontology_class_is_in_the_readme_table() -> None:
    graph = Graph().parse(ontology_path(), format="turtle")
    classes = sorted(
        str(c).removeprefix(NK)
        for c in graph.subjects(RDF.type, OWL.Class)
        if isinstance(c, URIRef) and str(c).startswith(NK)
    )
    missing = [c for c in classes if f"`nk:{c}`" not in README]
    assert missing == []


def test_the_readmes_build_reason_figures_are_what_it_prints(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The tour's `newskg build --reason` lines, as a build of the shipped data prints them
    (they had gone stale: 3678 statements, where the build made 3709)."""
    shown = README.split("$ newskg build --reason", 1)[1].split("\n$ ", 1)[0].splitlines()[1:]
    assert run_cli("build", "--project", str(project)) == 0
    capsys.readouterr()
    assert run_cli("build", "--project", str(project), "--reason") == 0
    assert capsys.readouterr().out.splitlines() == shown
