"""The benchmark corpus generator: a tiny corpus builds, verifies, and is reproducible."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from benchmarks.generate import (
    ARTICLE_HEADER,
    REGISTRY_HEADER,
    articles_of,
    generate,
    main,
    occurs_once,
    sheet_yaml,
    yaml_scalar,
)

import newskg
from newskg.facts import FACT_MODELS

ARTICLES = 5


def _files(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted((root / "data").rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    generate(root, ARTICLES, seed=7)
    return root


@pytest.fixture(scope="module")
def loaded(corpus: Path) -> newskg.Project:
    """The corpus read and checked by newskg: load_project raises DataErrors on any problem."""
    return newskg.load_project(corpus)


def test_the_corpus_has_every_file(corpus: Path) -> None:
    registry = (corpus / "data" / "entities.yaml").read_text(encoding="utf-8")
    assert registry.startswith(REGISTRY_HEADER)
    sheets = sorted((corpus / "data" / "articles").glob("*.yaml"))
    assert len(sheets) == ARTICLES
    for sheet in sheets:
        assert sheet.read_text(encoding="utf-8").startswith(ARTICLE_HEADER)
        assert sheet.with_suffix(".txt").is_file()
    assert (corpus / "schema" / "article.schema.json").is_file()


def test_the_corpus_loads_builds_and_verifies(corpus: Path, loaded: newskg.Project) -> None:
    assert len(loaded.articles) == ARTICLES
    assert not loaded.warnings
    result = newskg.build(corpus)
    assert len(result.built) == ARTICLES
    assert result.claims > 0

    from newskg.querying import open_context
    from newskg.verify import verify

    report = verify(open_context(corpus))
    assert not report.fails("error"), report.text


def test_every_fact_kind_and_claim_kind_appears(loaded: newskg.Project) -> None:
    project = loaded
    every_kind = set(FACT_MODELS.values())
    assert {type(f) for a in project.articles for f in a.sheet.facts} == every_kind
    for article in project.articles:  # every kind in every article, not only in the corpus
        assert {type(f) for f in article.sheet.facts} == every_kind
        assert 30 <= len(article.sheet.facts) <= 70
        assert 3000 <= len(article.text) <= 4600
    claims = {
        f.according_to.claim
        for a in project.articles
        for f in a.sheet.facts
        if f.according_to is not None
    }
    assert claims == {"report", "allegation", "statement"}
    cited = [
        f
        for a in project.articles
        for f in a.sheet.facts
        if f.according_to and f.according_to.citing
    ]
    assert cited


def test_articles_share_registry_lawsuits_and_documents(loaded: newskg.Project) -> None:
    project = loaded
    subjects: dict[str, set[str]] = {}
    for article in project.articles:
        for fact in article.sheet.facts:
            if fact.subject is not None:
                subjects.setdefault(fact.subject, set()).add(article.id)
    types = {subject: project.entities[subject].type for subject in subjects}
    shared = {s for s, ids in subjects.items() if len(ids) > 1}
    assert {types[s] for s in shared} >= {"Lawsuit", "BlogPost", "EmailSet", "Memo", "Motion"}


def test_evidence_occurs_exactly_once_and_text_is_not_ascii(loaded: newskg.Project) -> None:
    project = loaded
    text = "".join(a.text for a in project.articles)
    assert "—" in text
    assert any(ord(c) > 127 and c.isalpha() for c in text)
    for article in project.articles:
        for fact in article.sheet.facts:
            for quote in fact.evidence_list():
                assert occurs_once(article.text, quote.quote), (article.id, fact.id)


def test_times_are_written_as_text(corpus: Path) -> None:
    sheets = "".join(
        p.read_text(encoding="utf-8") for p in (corpus / "data" / "articles").glob("*.yaml")
    )
    for wording in ("Last year", "Last week", "between ", "in 20", "after: ", "shortly after "):
        assert wording in sheets


def test_the_same_seed_gives_the_same_bytes(tmp_path: Path, corpus: Path) -> None:
    again = tmp_path / "again"
    generate(again, ARTICLES, seed=7)
    assert _files(again) == _files(corpus)
    other = tmp_path / "other"
    generate(other, ARTICLES, seed=8)
    assert _files(other) != _files(corpus)


def test_the_yaml_reads_back_as_written() -> None:
    for article in articles_of(seed=11, articles=12):
        assert yaml.safe_load(sheet_yaml(article.sheet)) == article.sheet


@pytest.mark.parametrize(
    "value",
    ["yes", "No", "on", "null", "~", "1.10", "2024-03-01", "12", "0x1F", "a: b", "a #b",
     "- x", "[x]", "{x}", "*x", "&x", "!x", "'x", '"x', "x ", " x", "", "José Müller — “x”",
     "Tesla, Inc.", "it’s", "@x", "%x", "`x", "|x", ">x", "?x"],
)  # fmt: skip
def test_scalars_read_back_as_strings(value: str) -> None:
    for flow in (False, True):
        written = yaml_scalar(value, flow=flow)
        document = f"[{written}]" if flow else f"key: {written}"
        loaded = yaml.safe_load(document)
        assert (loaded[0] if flow else loaded["key"]) == value


def test_scalars_of_other_types() -> None:
    assert yaml_scalar(True) == "true"
    assert yaml_scalar(dt.date(2024, 3, 6)) == "2024-03-06"


def test_the_command_line_refuses_to_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--articles", "2", "--seed", "1", "--out", str(tmp_path), "--quiet"]) == 0
    with pytest.raises(SystemExit):
        main(["--articles", "2", "--out", str(tmp_path)])
    assert "--force" in capsys.readouterr().err
    assert main(["--articles", "3", "--out", str(tmp_path), "--force", "--quiet"]) == 0
    assert len(list((tmp_path / "data" / "articles").glob("*.yaml"))) == 3
