"""Drawing part of the graph: the DOT text, claims drawn apart, Graphviz and its absence."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from newskg import build
from newskg.draw import (
    GraphvizMissing,
    article_dot,
    construct_dot,
    draw,
    entity_dot,
    picture_format,
    render,
)
from newskg.errors import EXIT_USAGE, UsageError

from .conftest import FIRST_ARTICLE, write

SVG = "{http://www.w3.org/2000/svg}"
JEALOUS = "fact:bi-2024-03-06-altman-musk.musk-jealous"
NO_DOT = shutil.which("dot") is None


@pytest.fixture
def store(project: Path) -> Path:
    """The store of a fresh build of the shipped data."""
    build(project)
    return project / "build" / "store"


def edges(dot: str) -> list[str]:
    return [line.strip() for line in dot.splitlines() if " -> " in line]


def node_ids(dot: str) -> set[str]:
    return set(re.findall(r'^\s+"([^"]+)" \[label=', dot, flags=re.MULTILINE))


def cluster(dot: str, claim: str) -> str:
    """The text of one claim's cluster subgraph."""
    match = re.search(rf'subgraph "cluster_{re.escape(claim)}" {{\n(.*?)\n  }}', dot, re.DOTALL)
    assert match, f"no cluster for {claim}"
    return match.group(1)


def test_musk_neighbourhood_has_the_lawsuit_openai_and_the_journal_claim(store: Path) -> None:
    dot = entity_dot(store, "elon-musk")
    assert '"ent:elon-musk" [label="Elon Musk"' in dot
    assert '"ent:openai" [label="OpenAI"' in dot
    # the lawsuit, with its filing date (a time expression) folded into its label
    assert '"evt:musk-v-openai" [label="Musk v. OpenAI\\n2024-03-01"' in dot
    assert '"evt:musk-v-openai" -> "ent:elon-musk" [label="plaintiff"];' in edges(dot)
    assert '"evt:musk-v-openai" -> "ent:openai" [label="defendant"];' in edges(dot)
    # the Wall Street Journal's claim: its own box, dashed edges in another colour
    box = cluster(dot, "clm:bi-2024-03-06-altman-musk.musk-jealous")
    assert 'label="claim of The Wall Street Journal\\nciting people close to Musk"' in box
    assert f'"{JEALOUS}" [label=' in box
    assert '"clm:bi-2024-03-06-altman-musk.musk-jealous" [label=' in box
    claimed = [e for e in edges(dot) if e.startswith(f'"{JEALOUS}" ->')]
    assert sorted(claimed) == [
        f'"{JEALOUS}" -> "ent:elon-musk" [label="holder", style="dashed", color="#c2255c", fontcolor="#c2255c"];',
        f'"{JEALOUS}" -> "ent:openai" [label="towards", style="dashed", color="#c2255c", fontcolor="#c2255c"];',
    ]
    # shared entities stay outside every claim's box
    first_cluster = dot.index("subgraph ")
    assert dot.index('"ent:elon-musk" [label=') < first_cluster
    assert dot.index('"ent:openai" [label=') < first_cluster


def test_the_articles_own_voice_is_never_dashed(store: Path) -> None:
    dot = entity_dot(store, "elon-musk")
    solid = [e for e in edges(dot) if "dashed" not in e]
    dashed = [e for e in edges(dot) if "dashed" in e]
    assert solid and dashed
    assert all(e.startswith('"fact:') for e in dashed)  # only the content of claims' graphs
    assert (
        '"clm:bi-2024-03-06-altman-musk.musk-jealous" -> "ent:the-wall-street-journal" [label="prov:wasAttributedTo"];'
        in solid
    )


def test_bookkeeping_is_left_out(store: Path) -> None:
    dot = article_dot(store, FIRST_ARTICLE)
    ids = node_ids(dot)
    assert not [i for i in ids if i.startswith(("ann:", "tm:", "oa:"))]
    assert "rdf:type" not in dot and "schema:url" not in dot
    assert "wd:" not in dot  # Wikidata items: pointed to, not described in the store
    # a literal never becomes a node: every node is a prefixed name
    assert all(re.fullmatch(r"[a-z]+:[\w.-]+", i) for i in ids)


def test_nodes_are_coloured_by_class_family(store: Path) -> None:
    dot = entity_dot(store, "elon-musk")

    def fill(node: str) -> str:
        found = re.search(rf'^\s+"{re.escape(node)}" \[.*fillcolor="(#\w+)"', dot, re.MULTILINE)
        assert found, node
        return found.group(1)

    assert fill("ent:elon-musk") == fill("ent:sam-altman")  # people
    assert fill("ent:openai") == fill("ent:tesla")  # organisations
    families = {fill(n) for n in ("ent:elon-musk", "ent:openai", "ent:people-close-to-musk",
                                  "evt:musk-v-openai", "doc:altman-memo-2024-03",
                                  "clm:bi-2024-03-06-altman-musk.musk-jealous", JEALOUS)}  # fmt: skip
    assert len(families) == 7


def test_property_labels_come_from_the_ontology(store: Path) -> None:
    dot = entity_dot(store, "elon-musk")
    assert '"ent:openai" -> "ent:elon-musk" [label="founded by"];' in edges(dot)
    assert 'label="nk:' not in dot


def test_dot_is_byte_identical_across_calls_and_hash_seeds(store: Path) -> None:
    first = entity_dot(store, "elon-musk")
    assert entity_dot(store, "elon-musk") == first
    assert article_dot(store, FIRST_ARTICLE) == article_dot(store, FIRST_ARTICLE)
    script = "import sys; from newskg.draw import entity_dot; sys.stdout.write(entity_dot(sys.argv[1], 'elon-musk'))"
    for seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", script, str(store)], capture_output=True, check=True, env=env
        )
        assert done.stdout.decode("utf-8") == first


def test_deeper_neighbourhoods_contain_shallower_ones(store: Path) -> None:
    one = node_ids(entity_dot(store, "lex-fridman"))
    two = node_ids(entity_dot(store, "lex-fridman", depth=2))
    assert {"ent:lex-fridman", "ent:sam-altman"} <= one < two
    with pytest.raises(UsageError):
        entity_dot(store, "lex-fridman", depth=0)


def test_an_entity_can_be_named_by_iri_or_prefixed_name(store: Path) -> None:
    by_id = entity_dot(store, "openai")
    assert entity_dot(store, "ent:openai") == by_id
    assert entity_dot(store, "https://example.org/newskg/id/entity/openai") == by_id
    assert entity_dot(store, "<https://example.org/newskg/id/entity/openai>") == by_id


def test_an_article_has_every_claim_in_its_own_box(store: Path) -> None:
    dot = article_dot(store, FIRST_ARTICLE)
    assert dot.count('subgraph "cluster_') == 7
    assert "Sam Altman is done playing nice with Elon Musk" in dot
    assert 'label="claim of Elon Musk"' in cluster(
        dot, "clm:bi-2024-03-06-altman-musk.capped-profit-breach"
    )


def test_a_construct_query_keeps_claims_apart(store: Path, tmp_path: Path) -> None:
    claims = """PREFIX nk: <https://example.org/newskg/ontology#>
CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?a { ?g nk:reportedIn ?a } GRAPH ?g { ?s ?p ?o } }"""
    dot = construct_dot(store, claims)
    assert edges(dot) and all('style="dashed"' in e for e in edges(dot))
    assert f'"{JEALOUS}" [label=' in cluster(dot, "clm:bi-2024-03-06-altman-musk.musk-jealous")
    lawsuits = """PREFIX nk: <https://example.org/newskg/ontology#>
CONSTRUCT { ?l nk:plaintiff ?p } WHERE { GRAPH ?g { ?l nk:plaintiff ?p } }"""
    assert edges(construct_dot(store, lawsuits)) == [
        '"evt:musk-v-openai" -> "ent:elon-musk" [label="plaintiff"];'
    ]
    with pytest.raises(UsageError, match="SELECT"):
        construct_dot(store, "SELECT * WHERE { ?s ?p ?o }")


def test_unknown_ids_get_the_nearest_suggestion(store: Path) -> None:
    with pytest.raises(UsageError) as entity:
        entity_dot(store, "elon-muks")
    assert entity.value.exit_code == EXIT_USAGE
    assert "did you mean 'elon-musk'?" in entity.value.hint
    with pytest.raises(UsageError, match="did you mean 'elon-musk'"):
        entity_dot(store, "ent:elon-muks")
    with pytest.raises(UsageError) as article:
        article_dot(store, "bi-2024-03-06-altman-mus")
    assert f"did you mean {FIRST_ARTICLE!r}?" in article.value.hint
    with pytest.raises(UsageError, match="--article"):
        entity_dot(store, FIRST_ARTICLE)


@pytest.mark.skipif(NO_DOT, reason="Graphviz's dot is not installed")
def test_draw_writes_a_valid_svg(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "musk.svg"
    fmt, picture = draw(str(out), root=project, entity="elon-musk")
    assert fmt == "svg" and picture.nodes > 10 and picture.claims >= 1
    root = ET.parse(out).getroot()
    assert root.tag == f"{SVG}svg"
    texts = {t.text for t in root.iter(f"{SVG}text")}
    assert {"Elon Musk", "OpenAI", "Musk v. OpenAI", "claim of The Wall Street Journal"} <= texts
    draw(str(tmp_path / "article.png"), root=project, article=FIRST_ARTICLE)
    assert (tmp_path / "article.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_missing_dot_says_how_to_install_graphviz(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "musk.svg"
    with pytest.raises(GraphvizMissing) as missing:
        render(entity_dot(store, "elon-musk"), out, "svg", executable="newskg-no-such-dot")
    error = missing.value
    assert error.exit_code == EXIT_USAGE
    assert "apt-get install graphviz" in error.hint and "brew install graphviz" in error.hint
    assert "--format dot" in error.hint
    assert not out.exists() and not list(tmp_path.glob(".musk.svg.*"))


def test_without_graphviz_dot_still_works(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(GraphvizMissing):
        draw(str(tmp_path / "musk.svg"), root=project, entity="elon-musk")
    assert not (project / "build").exists()  # refused before building anything
    fmt, _ = draw(str(tmp_path / "musk.gv"), root=project, entity="elon-musk")
    assert fmt == "dot"
    assert (tmp_path / "musk.gv").read_text(encoding="utf-8").startswith("digraph newskg {")


def test_dot_to_stdout(project: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    draw("-", "dot", root=project, article=FIRST_ARTICLE)
    assert capsysbinary.readouterr().out.startswith(b"digraph newskg {")


def test_draw_needs_one_thing_to_draw(project: Path, tmp_path: Path) -> None:
    query = write(tmp_path / "q.rq", "CONSTRUCT WHERE { ?s ?p ?o }")
    with pytest.raises(UsageError, match="draw what"):
        draw(str(tmp_path / "x.dot"), root=project)
    with pytest.raises(UsageError, match="draw one thing at a time"):
        draw(str(tmp_path / "x.dot"), root=project, entity="elon-musk", construct=query)


@pytest.mark.parametrize(
    ("output", "fmt", "expected"),
    [("musk.svg", None, "svg"), ("musk.PNG", None, "png"), ("musk.gv", None, "dot"),
     ("musk.dot", None, "dot"), ("-", "dot", "dot"), ("musk.svg", "DOT", "dot")],
)  # fmt: skip
def test_the_format_comes_from_format_or_the_extension(
    output: str, fmt: str | None, expected: str
) -> None:
    assert picture_format(output, fmt) == expected


@pytest.mark.parametrize(("output", "fmt"), [("-", None), ("musk.txt", None), ("m.svg", "jpeg")])
def test_a_format_that_cannot_be_told_is_a_usage_error(output: str, fmt: str | None) -> None:
    with pytest.raises(UsageError):
        picture_format(output, fmt)
