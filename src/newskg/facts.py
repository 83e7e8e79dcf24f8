"""The fact-sheet model: what a curator writes in data/, validated with pydantic.

A fact sheet (`data/articles/<id>.yaml`) holds an article's metadata and its facts;
the registry (`data/entities.yaml`) holds what several articles can speak of.  Each
fact has a `kind`, refers to entities by registry id, carries the exact words of the
article that support it (`evidence`), and says whose voice it is (`according_to`;
absent means the article's own voice).

The role fields of each kind carry their RDF property in the JSON Schema extras
(`x-property`, `x-value`): the mapping walks those, so that the schema, the published
JSON Schema and the triples cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import string
import unicodedata
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_SLUG = re.compile(SLUG_PATTERN)
_QID = re.compile(r"^Q[1-9][0-9]*$")
_LANG = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")


def suggest_slug(value: str) -> str:
    """The IRI-safe id closest to `value`: 'Elon Musk' -> 'elon-musk'."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "id"


def _check_slug(value: str) -> str:
    if not _SLUG.match(value):
        raise ValueError(
            f"id {value!r} is not IRI-safe: use lowercase letters, digits and single "
            f"hyphens, for example {suggest_slug(value)!r}"
        )
    return value


def hidden_characters(value: str) -> list[str]:
    """Invisible, control and bidirectional-override characters in `value`, named."""
    if value.isprintable():  # no Cc, Cf, Co or Cs character: the common case, in C
        return []
    found = []
    for char in value:
        if unicodedata.category(char) in {"Cf", "Cc", "Co", "Cs"} and char not in "\t\n":
            found.append(f"U+{ord(char):04X} {unicodedata.name(char, 'unnamed')}")
    return found


def _check_name(value: str) -> str:
    hidden = hidden_characters(value)
    if hidden:
        raise ValueError(f"name {value!r} contains invisible characters: {', '.join(hidden)}")
    if value != value.strip() or not value:
        raise ValueError(f"name {value!r} is empty or has leading or trailing spaces")
    return unicodedata.normalize("NFC", value)


_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
"""C0 and C1 control characters other than tab and line breaks, and lone surrogates."""


def _check_text(value: str) -> str:
    """Refuse characters that RDF/XML cannot carry and that no article text needs:
    control characters other than tab and line breaks, and lone surrogates."""
    bad = [f"U+{ord(c):04X}" for c in _UNWRITABLE.findall(value)]
    if bad:
        raise ValueError(
            f"text contains control or surrogate characters ({', '.join(sorted(set(bad)))})"
        )
    return value


def _check_qid(value: str) -> str:
    if not _QID.match(value):
        raise ValueError(f"{value!r} is not a Wikidata item id such as 'Q317521'")
    return value


def _check_lang(value: str) -> str:
    if not _LANG.match(value):
        raise ValueError(f"{value!r} is not a BCP 47 language tag such as 'en' or 'en-GB'")
    return value


def _check_url(value: str) -> str:
    if not re.match(r"^https?://[^\s<>\"{}|\\^`]+$", value):
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value


Slug = Annotated[
    str, AfterValidator(_check_slug), WithJsonSchema({"type": "string", "pattern": SLUG_PATTERN})
]
Ref = Slug
Name = Annotated[str, AfterValidator(_check_name)]
Text = Annotated[str, AfterValidator(_check_text)]
Qid = Annotated[
    str, AfterValidator(_check_qid), WithJsonSchema({"type": "string", "pattern": "^Q[1-9][0-9]*$"})
]
LangTag = Annotated[str, AfterValidator(_check_lang)]
Url = Annotated[str, AfterValidator(_check_url)]


class StrictModel(BaseModel):
    """Unknown fields are errors: a typo must never be dropped silently."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


# -- role fields ---------------------------------------------------------------------


def _rdf(prop: str, value: str) -> dict[str, Any]:
    return {"x-property": prop, "x-value": value}


@functools.cache
def role_fields(fact_class: type[BaseModel]) -> tuple[tuple[str, str, str], ...]:
    """(field, x-value, x-property) of each field of a kind that the schema marks for the
    mapping, in the schema's order: read from pydantic's field table once per kind, not
    three times for each fact as the mapping did."""
    return tuple(
        (name, str(extra["x-value"]), str(extra["x-property"]))
        for name, info in fact_class.model_fields.items()
        if isinstance(extra := info.json_schema_extra, dict) and "x-property" in extra
    )


@functools.cache
def template_fields(template: str) -> tuple[str, ...]:
    """The field names a label template uses, such as ('plaintiffs', 'defendants')."""
    return tuple(name for _, name, _, _ in string.Formatter().parse(template) if name)


def refs(prop: str, doc: str) -> Any:
    """A list of entity or fact ids, each linked with `prop`."""
    return Field(default_factory=list, description=doc, json_schema_extra=_rdf(prop, "ref"))


def ref(prop: str, doc: str) -> Any:
    """One entity or fact id, linked with `prop`."""
    return Field(default=None, description=doc, json_schema_extra=_rdf(prop, "ref"))


def text(prop: str, doc: str, *, required: bool = False) -> Any:
    """Words in the article's language, written as a language-tagged literal."""
    extra = _rdf(prop, "text")
    if required:
        return Field(description=doc, json_schema_extra=extra)
    return Field(default=None, description=doc, json_schema_extra=extra)


def when(prop: str, doc: str) -> Any:
    """A time as the article wrote it, resolved to a date with its precision."""
    return Field(default=None, description=doc, json_schema_extra=_rdf(prop, "time"))


def flag(prop: str, doc: str) -> Any:
    """A yes/no value, written as xsd:boolean."""
    return Field(default=None, description=doc, json_schema_extra=_rdf(prop, "boolean"))


# -- shared parts of a fact ------------------------------------------------------------


class Quote(StrictModel):
    """A quote that occurs more than once in the text says which occurrence (1-based)."""

    quote: Text = Field(description="The article's words, copied exactly.")
    occurrence: int | None = Field(
        default=None, ge=1, description="Which occurrence, counting from 1, when there are several."
    )


Evidence = Text | Quote


class TimeSpec(StrictModel):
    """A time as the article wrote it and, unless the builder can resolve it, its value."""

    text: Text = Field(description="The article's own wording: 'Friday', 'in 2018', 'Last year'.")
    value: str | int | dt.date | None = Field(
        default=None,
        description=(
            "The resolved time: YYYY, YYYY-MM, YYYY-MM-DD, YYYY-Www (an ISO week) or a span "
            "A/B of those. Left out, it is resolved from `text` and the publication date."
        ),
    )
    after: Ref | None = Field(default=None, description="An event this time comes after.")
    before: Ref | None = Field(default=None, description="An event this time comes before.")
    during: Ref | None = Field(default=None, description="An event this time falls within.")


Time = Text | TimeSpec


class Attribution(StrictModel):
    """Whose claim a fact is, when it is not the article's own voice."""

    source: Ref = Field(description="Who makes the claim: an outlet, a person, a party to a suit.")
    citing: list[Ref] = Field(
        default_factory=list, description="Whom the source cites ('people close to Musk')."
    )
    claim: Literal["report", "allegation", "statement"] = Field(
        default="report",
        description="report: an outlet reports it; allegation: a party alleges it; "
        "statement: someone says it.",
    )
    in_: Ref | None = Field(
        default=None,
        alias="in",
        description="Where the claim is made: the lawsuit, the report, the document.",
    )


class FactBase(StrictModel):
    """What every fact has, whatever its kind."""

    rdf_class: ClassVar[str] = ""
    label_template: ClassVar[str] = ""

    id: Slug = Field(description="Unique within the article; part of the fact's IRIs.")
    evidence: Evidence | list[Evidence] = Field(
        description="The article's words that support the fact, copied exactly."
    )
    according_to: Attribution | None = Field(
        default=None, description="Whose claim this is; absent: the article's own voice."
    )
    subject: Ref | None = Field(
        default=None,
        description="A registry id for the resource the fact describes (a shared lawsuit, "
        "blog post, emails); absent: the fact makes a resource of its own.",
    )
    label: Name | None = Field(default=None, description="A label for the fact's resource.")

    def evidence_list(self) -> list[Quote]:
        """The evidence as quotes, whatever shorthand the curator used."""
        items = self.evidence if isinstance(self.evidence, list) else [self.evidence]
        return [Quote(quote=item) if isinstance(item, str) else item for item in items]


# -- the kinds -----------------------------------------------------------------------------


class LawsuitFact(FactBase):
    """A lawsuit: who sues whom, where, when it was filed, its status."""

    rdf_class = "Lawsuit"
    label_template = "lawsuit by {plaintiffs} against {defendants}"
    kind: Literal["lawsuit"]
    plaintiffs: list[Ref] = refs("plaintiff", "Who brings the suit.")
    defendants: list[Ref] = refs("defendant", "Who is sued.")
    court: Ref | None = ref("court", "The court the suit is filed in.")
    filed: Time | None = when("filed", "When the suit was filed.")
    status: Text | None = text("status", "Its status as the article gives it.")
    description: Text | None = text("description", "What the suit is about, in a phrase.")


class MotionFact(FactBase):
    """A motion in a legal action, such as a motion to dismiss."""

    rdf_class = "Motion"
    label_template = "{motion} by {movants}"
    kind: Literal["motion"]
    movants: list[Ref] = refs("movant", "Who moves.")
    against: Ref | None = ref("motionIn", "The legal action the motion is made in.")
    motion: Text = text("motionType", "What is moved for: 'motion to dismiss'.", required=True)
    status: Literal["planned", "announced", "filed", "granted", "denied", "withdrawn"] = Field(
        default="filed", json_schema_extra=_rdf("motionStatus", "status")
    )
    when: Time | None = when("date", "When it was announced or filed.")


class PublicationFact(FactBase):
    """Someone makes documents public: a blog post, a set of emails."""

    rdf_class = "Publication"
    label_template = "publication of {documents} by {publishers}"
    kind: Literal["publication"]
    publishers: list[Ref] = refs("publisher", "Who publishes.")
    documents: list[Ref] = refs("madePublic", "What is made public.")
    when: Time | None = when("date", "When.")
    purpose: Text | None = text("purpose", "Why, as the article says.")
    responds_to: Ref | None = ref("respondsTo", "What the publication answers.")


class DocumentFact(FactBase):
    """What the article says about a document (the `subject`): authors, date, contents."""

    rdf_class = "Document"
    label_template = "document"
    kind: Literal["document"]
    authors: list[Ref] = refs("author", "Who wrote it.")
    recipients: list[Ref] = refs("recipient", "To whom it was sent.")
    parties: list[Ref] = refs("correspondent", "Between whom it passed (emails).")
    dated: Time | None = when("date", "When it was written.")
    references: list[Ref] = refs("references", "Documents it refers to.")
    responds_to: Ref | None = ref("respondsTo", "What it responds to.")
    about: list[Ref] = refs("about", "What it is about.")
    description: Text | None = text("description", "How the article describes it.")


class StatementFact(FactBase):
    """Someone says something: the words, about whom, on what occasion."""

    rdf_class = "Statement"
    label_template = "{speaker}: “{quote}”"
    kind: Literal["statement"]
    speaker: Ref | None = ref("speaker", "Who speaks or writes.")
    quote: Text = text("quote", "The words; a paraphrase when `paraphrase` is true.", required=True)
    paraphrase: bool | None = flag(
        "paraphrase", "True when the article reports the words indirectly."
    )
    about: list[Ref] = refs("about", "Whom or what the statement is about.")
    topic: Text | None = text("topic", "What it is about, in the article's words.")
    occasion: Ref | None = ref("occasion", "Where it was said: an interview, a memo, a blog post.")
    addressees: list[Ref] = refs("addressee", "To whom it was said.")
    when: Time | None = when("date", "When it was said.")


class InterviewFact(FactBase):
    """An interview: who was interviewed, by whom, when."""

    rdf_class = "Interview"
    label_template = "interview of {interviewees} by {interviewers}"
    kind: Literal["interview"]
    interviewees: list[Ref] = refs("interviewee", "Who is interviewed.")
    interviewers: list[Ref] = refs("interviewer", "Who interviews.")
    when: Time | None = when("date", "When.")
    medium: Text | None = text("medium", "Podcast, television, print.")


class MeetingFact(FactBase):
    """A meeting: who took part, who invited, where, for how long."""

    rdf_class = "Meeting"
    label_template = "meeting of {participants}"
    kind: Literal["meeting"]
    participants: list[Ref] = refs("participant", "Who took part.")
    invited_by: Ref | None = ref("invitedBy", "Who invited.")
    location: Ref | None = ref("location", "Where.")
    privacy: Text | None = text("privacy", "'closed-door', 'public'.")
    duration: Text | None = text("durationText", "How long, as the article says.")
    when: Time | None = when("date", "When.")


class ReportFact(FactBase):
    """An outlet reports on something and cites its sources."""

    rdf_class = "Report"
    label_template = "report by {reporter}"
    kind: Literal["report"]
    reporter: Ref | None = ref("reporter", "The outlet or journalist that reports.")
    reports_on: list[Ref] = refs("reportsOn", "What it reports on.")
    cites: list[Ref] = refs("citedSource", "Whom it cites.")
    when: Time | None = when("date", "When.")


class PartnershipFact(FactBase):
    """A partnership between organisations."""

    rdf_class = "Partnership"
    label_template = "partnership of {partners}"
    kind: Literal["partnership"]
    partners: list[Ref] = refs("partner", "The partners.")
    description: Text | None = text("description", "'multibillion-dollar'.")
    when: Time | None = when("date", "When it began.")


class FoundingFact(FactBase):
    """The founding of an organisation."""

    rdf_class = "Founding"
    label_template = "founding of {organisation}"
    kind: Literal["founding"]
    organisation: Ref | None = ref("foundedOrganisation", "What was founded.")
    founders: list[Ref] = refs("founder", "Who founded or helped build it.")
    when: Time | None = when("date", "When.")


Position = Literal[
    "chief-executive-officer", "executive", "employee", "founder", "board-member", "member"
]


class MembershipFact(FactBase):
    """Someone's membership, employment or role in an organisation or group."""

    rdf_class = "Membership"
    label_template = "{member} in {organisation}"
    kind: Literal["membership"]
    member: Ref | None = ref("member", "The person.")
    organisation: Ref | None = ref("organisation", "The organisation or group.")
    role: Text | None = text("roleText", "The role as the article words it: 'the Tesla CEO'.")
    position: Position | None = Field(
        default=None,
        description="The role, from a fixed list, for queries across articles.",
        json_schema_extra=_rdf("position", "position"),
    )
    start: Time | None = when("start", "When it began.")
    end: Time | None = when("end", "When it ended.")


class DepartureFact(FactBase):
    """Someone leaves an organisation."""

    rdf_class = "Departure"
    label_template = "departure of {person} from {organisation}"
    kind: Literal["departure"]
    person: Ref | None = ref("departingMember", "Who leaves.")
    organisation: Ref | None = ref("organisation", "What they leave.")
    when: Time | None = when("date", "When.")


class CriticismFact(FactBase):
    """Someone criticises someone or something."""

    rdf_class = "Criticism"
    label_template = "criticism by {critics} of {targets}"
    kind: Literal["criticism"]
    critics: list[Ref] = refs("critic", "Who criticises.")
    targets: list[Ref] = refs("target", "Whom or what.")
    manner: Text | None = text("description", "How, in the article's words.")
    when: Time | None = when("date", "When.")


class RequestForCommentFact(FactBase):
    """A request for comment, and whether it was answered."""

    rdf_class = "RequestForComment"
    label_template = "request for comment by {requester} to {addressees}"
    kind: Literal["request-for-comment"]
    requester: Ref | None = ref("requester", "Who asked.")
    addressees: list[Ref] = refs("addressee", "Whom they asked.")
    answered: bool | None = flag("answered", "Whether an answer came before publication.")
    circumstances: Text | None = text("description", "'made outside normal working hours'.")
    when: Time | None = when("date", "When.")


class ActionFact(FactBase):
    """Anything someone did that no other kind fits: announced, severed, trolled."""

    rdf_class = "Action"
    label_template = "{agents}: {action}"
    kind: Literal["action"]
    agents: list[Ref] = refs("agent", "Who acts.")
    action: Text = text("description", "What they did, in the article's words.", required=True)
    targets: list[Ref] = refs("target", "Whom or what it was aimed at.")
    about: list[Ref] = refs("about", "What it concerns.")
    when: Time | None = when("date", "When.")


class AttitudeFact(FactBase):
    """A feeling, opinion or intention held by someone: jealous, worried, done playing nice."""

    rdf_class = "Attitude"
    label_template = "{holders}: {attitude}"
    kind: Literal["attitude"]
    holders: list[Ref] = refs("holder", "Who holds it.")
    attitude: Text = text("description", "The attitude, in the article's words.", required=True)
    towards: list[Ref] = refs("towards", "Whom or what it is held towards.")
    topic: Text | None = text("topic", "What it concerns, in the article's words.")
    when: Time | None = when("date", "When.")


class RelationshipFact(FactBase):
    """A relationship between parties and how the article characterises it."""

    rdf_class = "Relationship"
    label_template = "relationship of {parties}"
    kind: Literal["relationship"]
    parties: list[Ref] = refs("party", "The parties.")
    description: Text | None = text("description", "'increasingly toxic'.")
    when: Time | None = when("date", "When.")


class ProductFact(FactBase):
    """What the article says about a product (the `subject`): who makes it."""

    rdf_class = "Product"
    label_template = "product"
    kind: Literal["product"]
    maker: Ref | None = ref("producer", "Who makes or runs it.")
    description: Text | None = text("description", "'its flagship product'.")


Fact = Annotated[
    LawsuitFact
    | MotionFact
    | PublicationFact
    | DocumentFact
    | StatementFact
    | InterviewFact
    | MeetingFact
    | ReportFact
    | PartnershipFact
    | FoundingFact
    | MembershipFact
    | DepartureFact
    | CriticismFact
    | RequestForCommentFact
    | ActionFact
    | AttitudeFact
    | RelationshipFact
    | ProductFact,
    Field(discriminator="kind"),
]

FACT_MODELS: dict[str, type[FactBase]] = {
    model.model_fields["kind"].annotation.__args__[0]: model  # type: ignore[union-attr]
    for model in FactBase.__subclasses__()
}
"""Each kind's name and its model, for error messages and the mapping."""

# -- entities and sheets -----------------------------------------------------------------

EntityType = Literal[
    "Person",
    "Organisation",
    "Company",
    "Nonprofit",
    "NewsOutlet",
    "Court",
    "Group",
    "Product",
    "Place",
    "Lawsuit",
    "Motion",
    "Event",
    "Meeting",
    "Interview",
    "Document",
    "BlogPost",
    "Email",
    "EmailSet",
    "Memo",
    "Post",
]


class Entity(StrictModel):
    """Something several articles can speak of: a person, an organisation, a lawsuit."""

    id: Slug = Field(description="The registry id; part of the entity's IRI.")
    type: EntityType = Field(description="Its class in the newskg ontology.")
    label: Name = Field(description="Its name.")
    aliases: list[Name] = Field(default_factory=list, description="Other names in the news.")
    description: Text = Field(description="One line that tells it apart from namesakes.")
    wikidata: Qid | None = Field(
        default=None, description="Its Wikidata item; unnamed groups have none."
    )
    members: list[Ref] = Field(
        default_factory=list, description="For a group: members the registry can name."
    )


class Registry(StrictModel):
    """data/entities.yaml: the entities that articles share."""

    entities: list[Entity]


class ArticleSheet(StrictModel):
    """data/articles/<id>.yaml: an article's metadata and its facts."""

    id: Slug = Field(description="The article id; must equal the file name without .yaml.")
    headline: Name
    publisher: Ref = Field(description="The registry id of the outlet.")
    url: Url
    published: dt.date = Field(description="Publication date, YYYY-MM-DD.")
    published_note: Text | None = Field(
        default=None, description="How the date is known, when the article does not print it."
    )
    language: LangTag = Field(default="en", description="BCP 47 tag of the article's text.")
    entities: list[Entity] = Field(
        default_factory=list, description="Entities only this article speaks of."
    )
    facts: list[Fact]
