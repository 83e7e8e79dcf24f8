"""The first article's graph, checked against what the article says."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, Store

from newskg import build
from newskg.vocab import NK, OA, PROV, WD

from .conftest import FIRST_ARTICLE

BASE = "https://example.org/newskg/"
ARTICLE = f"{BASE}id/article/{FIRST_ARTICLE}"
ENT = f"{BASE}id/entity/"
EVT = f"{BASE}id/event/"
CLAIM = f"{BASE}id/claim/{FIRST_ARTICLE}."


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Store]:
    import shutil

    from .conftest import REPO

    root = tmp_path_factory.mktemp("first") / "project"
    shutil.copytree(REPO / "data", root / "data")
    build(root)
    store = Store.read_only(str(root / "build" / "store"))
    return root, store


def ask(store: Store, query: str) -> list[tuple[str, ...]]:
    prefixes = f"PREFIX nk: <{NK}> PREFIX prov: <{PROV}> PREFIX oa: <{OA}> "
    rows = store.query(prefixes + query)
    return sorted(tuple(str(v.value) if v is not None else "" for v in row) for row in rows)  # type: ignore[union-attr]


def test_lawsuit_parties_and_filing_date_in_the_articles_own_voice(
    built: tuple[Path, Store],
) -> None:
    _, store = built
    rows = ask(
        store,
        f"""SELECT ?p ?o WHERE {{ GRAPH <{ARTICLE}> {{
        <{EVT}musk-v-openai> ?p ?o FILTER(?p IN (nk:plaintiff, nk:defendant)) }} }}""",
    )
    assert rows == [(NK + "defendant", ENT + "openai"), (NK + "plaintiff", ENT + "elon-musk")]
    filed = ask(
        store,
        f"""SELECT ?written ?value ?precision WHERE {{ GRAPH <{ARTICLE}> {{
        <{EVT}musk-v-openai> nk:filed ?t . ?t nk:asWritten ?written ; nk:value ?value ; nk:precision ?precision }} }}""",
    )
    assert filed == [("Friday", "2024-03-01", "http://www.w3.org/2006/time#unitDay")]


def test_reported_meeting_lives_only_in_its_claims_graph(built: tuple[Path, Store]) -> None:
    _, store = built
    claim = CLAIM + "hq-meeting"
    described = ask(
        store,
        f"""SELECT ?source ?type WHERE {{ GRAPH <{ARTICLE}> {{
        <{claim}> prov:wasAttributedTo ?source ; a ?type }} }}""",
    )
    assert described == [(ENT + "the-wall-street-journal", NK + "ReportedClaim")]
    content = ask(
        store,
        f"""SELECT ?p ?o WHERE {{ GRAPH <{claim}> {{ ?m a nk:Meeting ; ?p ?o
        FILTER(?p IN (nk:participant, nk:invitedBy, nk:location, nk:privacy)) }} }}""",
    )
    assert content == [
        (NK + "invitedBy", ENT + "sam-altman"),
        (NK + "location", BASE + "id/place/openai-headquarters"),
        (NK + "participant", ENT + "elon-musk"),
        (NK + "participant", ENT + "sam-altman"),
        (NK + "privacy", "closed-door"),
    ]
    leaked = ask(store, f"SELECT ?s WHERE {{ GRAPH <{ARTICLE}> {{ ?s a nk:Meeting }} }}")
    assert leaked == []


def test_no_claims_content_enters_the_article_graph(built: tuple[Path, Store]) -> None:
    _, store = built
    claims = ask(
        store,
        f"SELECT ?c ?about WHERE {{ GRAPH <{ARTICLE}> {{ ?c nk:about ?about ; prov:wasAttributedTo ?s }} }}",
    )
    assert len(claims) == 7
    for claim, about in claims:
        in_article = ask(store, f"SELECT ?p WHERE {{ GRAPH <{ARTICLE}> {{ <{about}> ?p ?o }} }}")
        assert in_article == [], f"{about} is described in the article's own graph"
        in_claim = ask(store, f"SELECT ?p WHERE {{ GRAPH <{claim}> {{ <{about}> ?p ?o }} }}")
        assert in_claim, f"{claim}'s graph is empty"


def test_jealousy_is_the_journals_claim_citing_people_close_to_musk(
    built: tuple[Path, Store],
) -> None:
    _, store = built
    claim = CLAIM + "musk-jealous"
    rows = ask(
        store,
        f"""SELECT ?source ?cited WHERE {{ GRAPH <{ARTICLE}> {{
        <{claim}> prov:wasAttributedTo ?source ; nk:citedSource ?cited }} }}""",
    )
    assert rows == [(ENT + "the-wall-street-journal", ENT + "people-close-to-musk")]
    jealous = ask(
        store,
        """SELECT ?g WHERE { GRAPH ?g { ?a nk:description ?d
        FILTER(CONTAINS(STR(?d), "jealous")) } }""",
    )
    assert jealous == [(claim,)]


def test_allegations_are_made_in_the_lawsuit_by_musk(built: tuple[Path, Store]) -> None:
    _, store = built
    rows = ask(
        store,
        f"""SELECT ?c WHERE {{ GRAPH <{ARTICLE}> {{
        ?c a nk:Allegation ; nk:allegedIn <{EVT}musk-v-openai> ; prov:wasAttributedTo <{ENT}elon-musk> }} }}""",
    )
    assert rows == [(CLAIM + "abandoned-founding-principles",), (CLAIM + "capped-profit-breach",)]


def test_every_evidence_selector_slices_the_text_exactly(built: tuple[Path, Store]) -> None:
    root, store = built
    text = (root / "data" / "articles" / f"{FIRST_ARTICLE}.txt").read_text(encoding="utf-8")
    rows = ask(
        store,
        """SELECT ?exact ?prefix ?suffix ?start ?end WHERE { GRAPH ?g {
        ?target oa:hasSelector ?q, ?p . ?q oa:exact ?exact ; oa:prefix ?prefix ; oa:suffix ?suffix .
        ?p oa:start ?start ; oa:end ?end } }""",
    )
    facts = ask(store, f"SELECT ?a WHERE {{ GRAPH <{ARTICLE}> {{ ?a a oa:Annotation }} }}")
    assert len(rows) >= len(facts) == 50
    for exact, prefix, suffix, start, end in rows:
        assert text[int(start) : int(end)] == exact
        assert text[: int(start)].endswith(prefix)
        assert text[int(end) :].startswith(suffix)


def test_meeting_offsets_count_code_points_not_bytes(built: tuple[Path, Store]) -> None:
    _, store = built
    rows = ask(
        store,
        f"""SELECT ?start ?end WHERE {{ GRAPH <{ARTICLE}> {{
        <{BASE}id/evidence/{FIRST_ARTICLE}.hq-meeting.1.position> oa:start ?start ; oa:end ?end }} }}""",
    )
    # modelling.md counts 1844..1966 for the quote without "Following the move, " and "."
    assert rows == [(str(1844 - len("Following the move, ")), str(1966 + 1))]


def test_times_keep_wording_and_precision(built: tuple[Path, Store]) -> None:
    _, store = built
    rows = ask(
        store,
        f"""SELECT ?written ?value ?earliest ?latest WHERE {{ GRAPH <{ARTICLE}> {{
        ?t a nk:TimeExpression ; nk:asWritten ?written ; nk:value ?value ;
           nk:earliest ?earliest ; nk:latest ?latest }} }}""",
    )
    seen = {row[0]: row[1:] for row in rows}
    assert seen["On Tuesday"] == ("2024-03-05", "2024-03-05", "2024-03-05")
    assert seen["Last year"] == ("2023", "2023-01-01", "2023-12-31")
    assert seen["Last week"] == ("2024-W09", "2024-02-26", "2024-03-03")
    assert seen["between 2015 and 2018"] == ("2015/2018", "2015-01-01", "2018-12-31")
    relative = ask(
        store,
        f"""SELECT ?after WHERE {{ GRAPH <{ARTICLE}> {{
        ?t nk:asWritten "shortly after the lawsuit was filed"@en ; nk:after ?after }} }}""",
    )
    assert relative == [(EVT + "musk-v-openai",)]


def test_registry_links_wikidata_without_owl_same_as(built: tuple[Path, Store]) -> None:
    _, store = built
    rows = ask(
        store,
        f"SELECT ?wd WHERE {{ GRAPH ?g {{ <{ENT}elon-musk> <http://schema.org/sameAs> ?wd }} }}",
    )
    assert rows == [(WD + "Q317521",)]
    same_as = list(
        store.quads_for_pattern(None, NamedNode("http://www.w3.org/2002/07/owl#sameAs"), None)
    )
    assert same_as == []


def test_text_literals_carry_the_language_tag(built: tuple[Path, Store]) -> None:
    _, store = built
    for prop in ("quote", "claimText", "description", "asWritten"):
        literals = [q.object for q in store.quads_for_pattern(None, NamedNode(NK + prop), None)]
        assert literals and all(isinstance(o, Literal) and o.language == "en" for o in literals), (
            prop
        )


def test_data_has_no_blank_nodes(built: tuple[Path, Store]) -> None:
    _, store = built
    ontology = NamedNode("https://example.org/newskg/ontology")
    checked = 0
    for quad in store:
        if quad.graph_name == ontology:
            continue  # OWL restrictions and axioms are blank nodes by nature
        assert isinstance(quad.subject, NamedNode), quad
        assert not isinstance(quad.object, BlankNode), quad
        checked += 1
    assert checked > 1000
