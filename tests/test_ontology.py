"""The ontology: consistent and satisfiable under HermiT, documented, covering the mapping."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, Graph, URIRef

from newskg.facts import FACT_MODELS, EntityType
from newskg.ontology import reason
from newskg.resources import ontology_path
from newskg.vocab import NK, ONTOLOGY_IRI

ONTOLOGY = Graph().parse(ontology_path(), format="turtle")
OWN_TERMS = sorted(
    s for s in set(ONTOLOGY.subjects()) if isinstance(s, URIRef) and str(s).startswith(NK)
)


def test_ontology_is_consistent_and_every_class_satisfiable_under_hermit() -> None:
    report = reason()
    assert report.consistent
    assert report.unsatisfiable == []


def test_hermit_finds_an_unsatisfiable_class(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text(
        ontology_path().read_text(encoding="utf-8")
        + "\nnk:PersonOrganisation a owl:Class ; rdfs:subClassOf nk:Person, nk:Organisation .\n",
        encoding="utf-8",
    )
    report = reason(ontology=broken)
    assert report.unsatisfiable == [NK + "PersonOrganisation"]


def test_ontology_header_has_iri_version_title_description_and_licence() -> None:
    header = URIRef(ONTOLOGY_IRI)
    assert (header, RDF.type, OWL.Ontology) in ONTOLOGY
    for prop in ("versionIRI", "versionInfo"):
        assert ONTOLOGY.value(header, OWL[prop]) is not None, prop
    dcterms = "http://purl.org/dc/terms/"
    for prop in ("title", "description", "license"):
        assert ONTOLOGY.value(header, URIRef(dcterms + prop)) is not None, prop


@pytest.mark.parametrize("term", OWN_TERMS, ids=lambda t: t.removeprefix(NK))
def test_every_term_has_an_english_label_and_comment(term: URIRef) -> None:
    labels = [o for o in ONTOLOGY.objects(term, RDFS.label) if getattr(o, "language", None) == "en"]
    comments = [
        o for o in ONTOLOGY.objects(term, RDFS.comment) if getattr(o, "language", None) == "en"
    ]
    assert len(labels) == 1 and len(comments) == 1
    assert len(str(comments[0])) > 15


def _declared(kind: URIRef) -> set[str]:
    return {str(s).removeprefix(NK) for s in ONTOLOGY.subjects(RDF.type, kind)}


def test_every_class_and_property_the_mapping_uses_is_declared() -> None:
    classes = _declared(OWL.Class)
    properties = _declared(OWL.ObjectProperty) | _declared(OWL.DatatypeProperty)
    for kind, model in FACT_MODELS.items():
        assert model.rdf_class in classes, kind
        for name, info in model.model_fields.items():
            extra = info.json_schema_extra
            if isinstance(extra, dict) and "x-property" in extra:
                assert extra["x-property"] in properties, f"{kind}.{name}"
    for entity_type in EntityType.__args__:
        assert entity_type in classes


def test_person_and_organisation_are_disjoint_and_aligned() -> None:
    schema, prov = "http://schema.org/", "http://www.w3.org/ns/prov#"
    person, org = URIRef(NK + "Person"), URIRef(NK + "Organisation")
    assert (person, RDFS.subClassOf, URIRef(schema + "Person")) in ONTOLOGY
    assert (person, RDFS.subClassOf, URIRef(prov + "Person")) in ONTOLOGY
    assert (org, RDFS.subClassOf, URIRef(schema + "Organization")) in ONTOLOGY
    union = ONTOLOGY.value(URIRef(NK + "Agent"), OWL.disjointUnionOf)
    assert union is not None


@pytest.mark.parametrize(
    ("local", "wikidata"),
    [
        ("plaintiff", "P1620"),
        ("defendant", "P1591"),
        ("court", "P4884"),
        ("foundedBy", "P112"),
        ("chiefExecutiveOfficer", "P169"),
        ("employer", "P108"),
    ],
)
def test_wikidata_aligned_properties(local: str, wikidata: str) -> None:
    wdt = URIRef("http://www.wikidata.org/prop/direct/" + wikidata)
    assert (URIRef(NK + local), RDFS.subPropertyOf, wdt) in ONTOLOGY


def test_no_cardinality_forbids_two_filing_dates() -> None:
    restricted = set(ONTOLOGY.objects(None, OWL.onProperty))
    functional = set(ONTOLOGY.subjects(RDF.type, OWL.FunctionalProperty))
    assert URIRef(NK + "filed") not in restricted | functional
