"""newskg verify: every stored check passes on the shipped data and fails on a broken copy."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, Store

from newskg import build
from newskg.queries import catalogue

from .conftest import FIRST_ARTICLE
from .helpers import run_cli

BASE = "https://example.org/newskg/"
NK = BASE + "ontology#"
ARTICLE = NamedNode(BASE + "id/article/" + FIRST_ARTICLE)


def test_every_check_passes_on_the_shipped_data(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli("verify", "--project", str(project), "--fail-on", "info") == 0
    out = capsys.readouterr().out
    checks = catalogue(checks=True)
    assert len(checks) == 4
    assert out.endswith(f"{len(checks)} of {len(checks)} checks passed\n")


def _edit(project: Path, old: str, new: str, name: str = f"{FIRST_ARTICLE}.yaml") -> None:
    path = project / "data" / "articles" / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _inject(project: Path, *quads: Quad) -> None:
    build(project)
    store = Store(str(project / "build" / "store"))
    store.extend(quads)
    store.flush()
    del store


def _verify(project: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = run_cli("verify", "--project", str(project), *extra)
    return code, capsys.readouterr().out


def test_a_lawsuit_without_a_defendant_fails(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _edit(project, "    defendants: [openai]\n    filed:", "    filed:")
    code, out = _verify(project, capsys)
    assert code == 1
    assert "ERROR   lawsuit-parties" in out and "evt:musk-v-openai" in out and "defendant" in out


def test_a_fact_without_evidence_fails(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    orphan = NamedNode(BASE + "id/fact/orphan")
    _inject(
        project,
        Quad(
            orphan,
            NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            NamedNode(NK + "Meeting"),
            ARTICLE,
        ),
    )
    code, out = _verify(project, capsys)
    assert code == 1 and "ERROR   fact-evidence" in out and "fact:orphan" in out


def test_a_claim_leaking_into_the_article_graph_fails(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    meeting = NamedNode(BASE + f"id/fact/{FIRST_ARTICLE}.hq-meeting")
    _inject(
        project,
        Quad(meeting, NamedNode(NK + "privacy"), Literal("closed-door", language="en"), ARTICLE),
    )
    code, out = _verify(project, capsys)
    assert code == 1 and "ERROR   claims-stay-in-their-graphs" in out and "hq-meeting" in out


def test_a_missing_wikidata_item_is_a_warning(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    registry = project / "data" / "entities.yaml"
    registry.write_text(
        registry.read_text(encoding="utf-8").replace("    wikidata: Q2283\n", ""), encoding="utf-8"
    )
    code, out = _verify(project, capsys)
    assert code == 0 and "WARNING named-entities-wikidata" in out and "ent:microsoft" in out
    code, _ = _verify(project, capsys, "--fail-on", "warning")
    assert code == 1
