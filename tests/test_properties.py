"""Property tests: any text a fact sheet accepts survives every RDF syntax."""

from __future__ import annotations

import gzip

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, parse, serialize

from newskg.facts import Quote
from newskg.formats import SYNTAXES

# Any Unicode text; the fact-sheet schema decides what is acceptable.
texts = st.text(st.characters(codec="utf-8"), min_size=1, max_size=40)

G = NamedNode("https://example.org/newskg/id/article/a")
S = NamedNode("https://example.org/newskg/id/fact/a.f")
P = NamedNode("https://example.org/newskg/ontology#quote")


def accepted(text: str) -> bool:
    try:
        Quote(quote=text)
    except ValidationError:
        return False
    return True


@settings(max_examples=150, deadline=None)
@given(texts)
def test_accepted_text_round_trips_in_every_syntax(text: str) -> None:
    if not accepted(text):
        return
    literal = Literal(text, language="en")
    for syntax in SYNTAXES.values():
        if syntax.quads:
            items: list[object] = [Quad(S, P, literal, G)]
        else:
            items = [Quad(S, P, literal).triple]
        data = gzip.decompress(gzip.compress(serialize(items, format=syntax.rdf_format)))
        parsed = list(parse(data, format=syntax.rdf_format))
        objects = [q.object for q in parsed]
        assert objects == [literal], (syntax.name, text)


@given(st.sampled_from(["\x00", "\x1f", "\x08", "\ud800", "\x7f"]))
def test_characters_no_syntax_can_carry_are_refused(char: str) -> None:
    assert not accepted(f"before{char}after")


def test_rdf_xml_parses_what_it_wrote_with_a_newline_and_tab() -> None:
    literal = Literal("a\tb\nc", language="en")
    data = serialize([Quad(S, P, literal).triple], format=RdfFormat.RDF_XML)
    assert [t.object for t in parse(data, format=RdfFormat.RDF_XML)] == [literal]
