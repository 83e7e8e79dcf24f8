"""Realistic synthetic newskg corpora for benchmarks, deterministic from a seed (issue 6).

    python -m benchmarks.generate --articles 1000 --seed 1 --out /tmp/corpus

writes a newskg project folder: ``DIR/data/entities.yaml``, a registry of people,
organisations, outlets, courts, products, places, events, groups, lawsuits, motions and
documents that grows with the corpus, and ``DIR/data/articles/<id>.txt`` and
``<id>.yaml`` for each article, in the real fact-sheet format.

How it works:

* **Stories.** The registry holds one story per lawsuit: who sues whom, in which court,
  the defendant's executives, its blog post answering the suit, the emails it published,
  the chief executive's memo, a motion.  Article ``i`` tells story ``i % stories``, so that
  about eight articles describe each shared lawsuit and document and their graphs merge.
  Every registry lawsuit is told by at least one article, so each has its parties.
* **Articles** are modelled on the first article (``data/articles/bi-2024-*``): about
  3,500 characters and 45 to 55 facts (the first article has 50), every fact kind of
  ``newskg.facts`` in every article, claims reported by outlets (citing groups), alleged
  in a lawsuit and stated in a post, and times written as articles write them
  ("On Tuesday", "Last year", "between 2015 and 2018", "shortly after ..." with
  ``after:``).  The text is built from
  sentence templates filled with the article's names; each evidence quote is checked to
  occur exactly once in the text, and an article that fails is drawn again.
* **Determinism.** Every choice comes from ``random.Random`` seeded with a string made of
  the seed and what is drawn (the registry, article ``i``); nothing iterates over a set
  or reads the clock, so the same arguments give byte-identical files.  Articles are
  written one by one as they are made: memory does not grow with their number.
* **YAML** is written by hand (flow lists like the hand-written sheets): a string is
  left plain only when YAML reads it back as that same string, else double-quoted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import shutil
import sys
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO, TypeAlias

import yaml

Value: TypeAlias = str | bool | int | dt.date | list["Value"] | dict[str, "Value"]
Mapping: TypeAlias = dict[str, Value]

ARTICLE_HEADER = "# yaml-language-server: $schema=../../schema/article.schema.json\n"
REGISTRY_HEADER = "# yaml-language-server: $schema=../schema/entities.schema.json\n"
ARTICLES_PER_STORY = 8
WIKIDATA_BASE = 9_000_000_000
"""Synthetic Wikidata items count up from here: far beyond any real item's number."""


def _words(text: str, sep: str | None = None) -> tuple[str, ...]:
    return tuple(text.split(sep))


# -- names -------------------------------------------------------------------------------

MALE = _words(
    "José François Björn Søren Łukasz Jürgen Ömer Tomás André Mikael Rafael Henrik Dmitri "
    "Kenji Ravi Samuel Oliver Lucas Mateo Émile Nils Andrés Stéphane Jörg Ángel Ivan Marek "
    "Pål Aurelio Caetano Darius Hamid Idris Jonas Kofi Leif Malik Niklas Otto Pedro Quentin "
    "Rémi Sven Teodor Umberto Viktor Wendell Yusuf Zoltán Matthias"
)
FEMALE = _words(
    "Zoë Chloé Ingrid Åsa Małgorzata Inés Renée Dagný Léa Aiko Amara Beatriz Camille Dóra "
    "Elif Fatima Greta Hélène Ilse Jana Katarzyna Lucía Maëlle Nadia Olga Priya Rosalía "
    "Sofía Théa Uma Valérie Wiebke Ximena Yara Zsófia Ana Birgit Céline Dominika Esther "
    "Freya Gabriela Hanna Irène Jolanta Kirsten Leonor Mireille Noémie Oona"
)
SURNAMES = _words(
    "Müller,García,Ångström,Kowalski,Nguyen,O’Brien,Søndergaard,Nowak,Dubois,Rossi,"
    "Fernández,Østergaard,Yılmaz,Šimić,Novák,Björklund,Lindqvist,Håkansson,Jóhannsdóttir,"
    "Papadopoulos,Tanaka,Okafor,Mensah,Haddad,Khoury,Costa,Gonçalves,Ferreira,Brandão,"
    "Schäfer,Weiß,Köhler,Krüger,Lefèvre,Moreau,Girard,Bélanger,Côté,Gagnon,Pérez,Núñez,"
    "Ortega,Castaño,Vargas,Mendoza,Kaur,Singh,Sharma,Iyer,Chen,Wang,Zhou,Park,Kim,Abebe,"
    "Diallo,Traoré,Ndiaye,Kovač,Horváth,Szabó,Nagy,Varga,Popescu,Ionescu,Dumitru,Petrović,"
    "Jovanović,Marić,Eriksen,Hansen,Larsen,Virtanen,Mäkinen,Korhonen,Byrne,Walsh,"
    "Fitzgerald,Carter,Hughes,Whitfield,Ashworth,Pemberton,Thornton,Delacroix,Villeneuve,"
    "Beaumont,Fontaine,Marchetti,Bianchi,Ricci,Esposito,Moretti,Leclerc,Achterberg,"
    "Van der Berg,De Luca,Al-Masri,Da Silva,MacLeod",
    sep=",",
)
ONSETS = _words("V Qu Br L N K S T Z M D G Fl Tr H R P C Gr St")
VOWELS = _words("a e i o u é ö y ae ia")
MIDDLES = _words("l n r s t v m d k")
CODAS = _words("ltrix nova rra x lis mera thos vant dex nix ro lon ssa rin gen via tek môn")
SECTORS = (
    ("Robotics", "robotics"),
    ("Labs", "AI"),
    ("Systems", "software"),
    ("Énergie", "energy"),
    ("Analytics", "data"),
    ("Biosciences", "biotech"),
    ("Capital", "investment"),
    ("Media", "media"),
    ("Mobility", "electric-vehicle"),
    ("Aerospace", "space"),
    ("Networks", "telecoms"),
    ("Health", "health"),
)
LEGAL = ("", "", "", " Inc.", " GmbH", " S.A.", " AG", " Ltd.")
PRODUCT_WORDS = _words("Atlas Pilot Forge Beacon Nimbus Quill Orbit Lumen Harbor Sentinel")
CITIES = _words(
    "San Francisco,New York,London,Paris,Berlin,München,Zürich,Genève,Malmö,Göteborg,"
    "København,Reykjavík,Kraków,Łódź,Praha,Wien,Montréal,Québec,São Paulo,Bogotá,"
    "Ciudad de México,Lisboa,Sevilla,Málaga,Düsseldorf,Köln,Tromsø,Århus,Helsinki,Tallinn,"
    "İstanbul,Tel Aviv,Dubai,Mumbai,Bengaluru,Singapore,Tokyo,Seoul,Sydney,Nairobi",
    sep=",",
)
OUTLET_NOUNS = _words("Herald Ledger Gazette Dispatch Wire Observer Review Chronicle Courier Post")
EVENT_THEMES = ("Tech Summit", "AI Forum", "Founders Week", "Innovation Days", "Digital Conference")
COURTS = (
    "Superior Court of Delaware",
    "Court of Chancery of Delaware",
    "High Court of Justice in London",
    "Tribunal judiciaire de Paris",
    "Landgericht München I",
    "Rechtbank Amsterdam",
    "Stockholms tingsrätt",
    "Tribunale di Milano",
    "Handelsgericht Zürich",
    "Sąd Okręgowy w Krakowie",
    "Cour supérieure du Québec",
    "Federal Court of Australia",
    "Tokyo District Court",
    "Bezirksgericht Wien",
    "Juzgado de lo Mercantil de Sevilla",
    "Superior Court of San Francisco",
)
SOCIAL_NETWORKS = ("Chirper", "Murmur", "Pebble", "Wavelet")
MOTIONS = (
    ("move to dismiss the lawsuit", "motion to dismiss"),
    ("seek a stay of the lawsuit", "motion to stay"),
    ("ask the court to send the dispute to arbitration", "motion to compel arbitration"),
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = _words(
    "January February March April May June July August September October November December"
)

# -- the phrases an article is made of (str.format fields: see Corpus._draw) -----------

JUGULAR = (
    "not afraid to go for the jugular",
    "ready to fight on every front",
    "in no mood to back down",
    "willing to take the fight all the way to court",
)
FIGHT = ("fight back", "push back", "hit back")
TOXIC = ("increasingly toxic", "increasingly bitter", "deeply strained", "openly hostile")
ALLEGATIONS = (
    "abandoning its founding principles",
    "misleading its earliest backers",
    "putting profit ahead of its charter",
    "quietly rewriting its governance rules",
    "breaking promises made to its first employees",
)
ARGUMENTS = (
    "the company{ap}s move to a {lq}capped-profit{rq} structure breached its original "
    "nonprofit agreement",
    "{o}{ap}s deal with {q} violated the terms of its founding charter",
    "the board had ignored repeated warnings about {field} safety",
    "{o} had used {pco}{ap}s research without permission",
)
BLOG_QUOTES = (
    "We{ap}re sad that it{ap}s come to this with someone whom we{ap}ve deeply admired — "
    "someone who inspired us to aim higher, then told us we would fail, started a "
    "competitor, and then sued us when we started making meaningful progress towards "
    "{o}{ap}s mission without {him}.",
    "We owe a great deal to {pf}, and we say so gladly — but we will not let a lawsuit "
    "decide what {o} builds next.",
    "For years we hoped to settle our differences with {pf} in private; this suit leaves "
    "us no choice but to set the record straight.",
    "{o} was never {pf}{ap}s to take with {him} — it belongs to the people who build it every day.",
)
SEVERED = (
    "announced {he} had severed {o}{ap}s access to {pco}{ap}s data",
    "announced {he} was pulling {pco}{ap}s funding from a joint project with {o}",
    "cut off {o}{ap}s access to {pco}{ap}s computing clusters",
)
HOURS = ("hours", "three hours", "most of an afternoon", "well into the night")
EPITHETS = ("the billionaire", "the entrepreneur", "the investor", "the tech mogul")
CONCERNS = ("{field} safety", "the risks of {field}", "{field} regulation")
FUTURES = ("humanity", "the industry", "open research")
INSULTS = ("jerk", "bully", "sore loser", "showman")
MEDIA = ("podcast", "television", "print", "radio")
MEMO_OPENERS = (
    "On a personal level it{ap}s sad",
    "This is painful for all of us",
    "None of us wanted it to end this way",
    "I wish things had gone differently",
)
MEMO_CLOSERS = (
    "I miss the old {pf}.",
    "The door is still open, {pf}.",
    "We will keep building, with or without {pf}.",
)
TROLLING = (
    "dredging up an old exchange with {ps} on {social}",
    "reposting a years-old video of {ps} praising {o} on {social}",
)
CIRCUMSTANCES = (
    "made outside normal working hours",
    "sent late on a holiday weekend",
    "made shortly before publication",
)
STATUSES = ("pending", "at an early stage", "awaiting a first hearing")
POST_QUOTES = (
    "sold out to the highest bidder",
    "forgotten why it was founded",
    "lost its way",
    "become the opposite of what we built",
)
EVENT_QUOTES = (
    "Nobody wins a race by suing the other runners",
    "Our work on {field} will speak louder than any lawsuit",
    "We are building for the next decade, not the next headline",
)
PARTNER_QUOTES = (
    "remains committed to its work with {o}",
    "is not a party to the dispute",
    "continues to support {o}{ap}s mission",
)
EMAIL_CLAIMS = (
    "knew the project could not stay a nonprofit",
    "planned to raise billions from a single investor",
    "had promised {ps} a seat on the board",
)
HEADLINES = (
    "{c} is done playing nice with {p}",
    "{p} takes {o} to court, and {cs} is fighting back",
    "Inside the feud between {cs} and {ps} over {o}{ap}s future",
    "{o} hits back at {p}{ap}s lawsuit — with emails from {y1}",
)
SECTIONS = ("tech", "business", "news", "economy")

FACT_IDS = _words(
    "emails-published blog-post-published emails blog-post motion-to-dismiss ceo-membership "
    "executive-1 executive-2 executive-3 blog-post-statement blog-post-facts-statement lawsuit "
    "first-allegation second-allegation partnership departure founder-membership founding "
    "plaintiff-ceo plaintiff-attitude ceo-fights-back relationship avoided-confrontation "
    "public-attacks podcast-interview one-of-his-heroes empathic-to-concerns interview "
    "journalist-membership tempered-criticism insult really-does-care severed dealt-in-private "
    "hq-meeting criticism-of-company product memo memo-report memo-opener memo-hero "
    "memo-disappointment memo-builder memo-closer done-playing-nice trolling differing-opinions "
    "jealous worried request-for-comment post post-statement post-claim event-statement "
    "executive-joined executive-leaving partner-statement related-lawsuit complaint email "
    "email-claim"
)
"""Every fact id an article may use: registry ids avoid them (a reference names one thing)."""


def slugify(value: str) -> str:
    """An IRI-safe id: 'José Müller' -> 'jose-muller', 'Łódź' -> 'lodz'."""
    table = str.maketrans(
        {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "Æ": "Ae", "ı": "i",
         "đ": "d", "œ": "oe", "’": "", "'": ""}
    )  # fmt: skip
    ascii_text = unicodedata.normalize("NFKD", value.translate(table)).encode("ascii", "ignore")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.decode().lower()).strip("-") or "x"


# -- YAML --------------------------------------------------------------------------------

_RESOLVER = yaml.resolver.Resolver()
_STR = "tag:yaml.org,2002:str"
_BLOCK_PLAIN = re.compile(r"[^\W\d_][^\x00-\x1f\x7f-\x9f:#\"\\\u2028\u2029\ufeff]*")
_FLOW_PLAIN = re.compile(r"[^\W\d_][\w .'’-]*|[a-z0-9]+(?:-[a-z0-9]+)*")


def yaml_scalar(value: Value, *, flow: bool = False) -> str:
    """One scalar: plain when YAML reads it back as the same string, else double-quoted
    (a JSON string is a valid YAML double-quoted scalar)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        raise TypeError(f"not a scalar: {value!r}")
    pattern = _FLOW_PLAIN if flow else _BLOCK_PLAIN
    if (
        pattern.fullmatch(value)
        and value == value.strip()
        and "  " not in value
        and _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) == _STR  # type: ignore[no-untyped-call]
    ):
        return value
    return json.dumps(value, ensure_ascii=False)


def yaml_flow(value: Value) -> str:
    """A value in flow style: [a, b], {text: "On Tuesday", after: x}, or a scalar."""
    if isinstance(value, list):
        return "[" + ", ".join(yaml_flow(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {yaml_flow(v)}" for k, v in value.items()) + "}"
    return yaml_scalar(value, flow=True)


def yaml_item(entry: Mapping, indent: str = "  ") -> str:
    """One list item of mappings (a fact, a registry entry), each key on its line;
    `evidence` lists are written as block lists, everything else in flow style."""
    lines = []
    for number, (key, value) in enumerate(entry.items()):
        lead = f"{indent}- " if number == 0 else f"{indent}  "
        if isinstance(value, list) and key == "evidence" and len(value) > 1:
            lines.append(f"{lead}{key}:")
            lines.extend(f"{indent}    - {yaml_scalar(item)}" for item in value)
        elif isinstance(value, list) and key == "evidence":
            lines.append(f"{lead}{key}: {yaml_scalar(value[0])}")
        elif isinstance(value, list | dict):
            lines.append(f"{lead}{key}: {yaml_flow(value)}")
        else:
            lines.append(f"{lead}{key}: {yaml_scalar(value)}")
    return "\n".join(lines) + "\n"


def sheet_yaml(sheet: Mapping) -> str:
    """A fact sheet's text: the schema line, the metadata, then one block per fact."""
    out = [ARTICLE_HEADER]
    for key, value in sheet.items():
        if key != "facts":
            out.append(f"{key}: {yaml_scalar(value)}\n")
    out.append("\nfacts:\n")
    facts = sheet["facts"]
    assert isinstance(facts, list)
    for number, fact in enumerate(facts):
        assert isinstance(fact, dict)
        out.append(("\n" if number else "") + yaml_item(fact))
    return "".join(out)


# -- the registry ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    first: str
    last: str
    he: str
    his: str
    him: str


@dataclass(frozen=True)
class Org:
    id: str
    label: str
    short: str
    field: str
    people: tuple[int, int, int]
    """Indices into the people: its chief executive and two other executives."""


@dataclass(frozen=True)
class Outlet:
    id: str
    label: str
    short: str
    domain: str
    prefix: str


@dataclass(frozen=True)
class Thing:
    """Any other registry entry the text names: its id and its label."""

    id: str
    label: str


@dataclass(frozen=True)
class Story:
    """A lawsuit and everything the articles that tell it share."""

    plaintiff: int
    plaintiff_org: int
    defendant: int
    partner: int
    lawsuit: Thing
    motion: Thing
    motion_phrase: str
    blog: Thing
    emails: Thing
    memo: Thing
    post: Thing
    complaint: Thing
    email: Thing
    product: Thing
    hq: Thing
    city: str
    court: Thing
    social: Thing
    executives: Thing
    employees: Thing
    representatives: Thing
    close: Thing
    founded: int
    left: int
    partnered: int
    emails_from: int
    email_year: int
    filed: dt.date
    blog_day: dt.date


Emit = Callable[[Mapping], None]


class Registry:
    """The shared registry, drawn from the seed; each entry is handed to `emit` as it is
    made (and not kept), while what the articles need is kept in compact records."""

    def __init__(self, seed: int, articles: int, emit: Emit) -> None:
        self.rng = random.Random(f"newskg-bench:{seed}:registry")
        self.emit = emit
        self.used: set[str] = set(FACT_IDS)
        self.count = 0
        self.qids = 0
        people_count = max(200, articles)
        org_count = max(60, articles // 2)
        story_count = max(1, -(-articles // ARTICLES_PER_STORY))
        self.people = self._names(people_count)
        self.outlets = self._outlets(12 + articles // 200)
        journalist_count = max(24, people_count // 10)
        self.journalists = [(i, i % len(self.outlets)) for i in range(journalist_count)]
        self.orgs = self._orgs(org_count, journalist_count)
        self._write_people(journalist_count)
        self.courts = [
            self._entry("Court", name, f"Fictional court: {name}.", 1.0) for name in COURTS
        ]
        self.cities = [self._entry("Place", c, f"The city of {c}.", 1.0) for c in CITIES]
        themes = [(city, theme) for city in CITIES for theme in EVENT_THEMES]
        self.rng.shuffle(themes)
        self.events = [
            self._entry("Event", f"{c} {t}", f"Fictional annual {t.lower()} held in {c}.", 0.0)
            for c, t in themes[: min(len(themes), 30 + articles // 100)]
        ]
        self.socials = [
            self._entry(
                "Product",
                name,
                f"Fictional social network run by {self.orgs[i].label}.",
                1.0,
            )
            for i, name in enumerate(SOCIAL_NETWORKS)
        ]
        self.familiar = self._entry(
            "Group",
            "people familiar with the matter",
            "Unnamed sources that reporters cite without naming them.",
            0.0,
        )
        self._entry("Group", "industry analysts", "Analysts who follow the companies.", 0.0)
        self.stories = self._stories(story_count)
        for index, org in enumerate(self.orgs):
            if index % 10 == 3:  # some products beyond the stories' flagship products
                word = self.rng.choice(PRODUCT_WORDS)
                self._entry("Product", f"{org.short} {word}", f"Made by {org.label}.", 0.5)

    # -- entries ---------------------------------------------------------------------------

    def _id(self, label: str) -> str:
        base = slugify(label)
        candidate, number = base, 1
        while candidate in self.used:
            number += 1
            candidate = f"{base}-{number}"
        self.used.add(candidate)
        return candidate

    def _entry(
        self,
        kind: str,
        label: str,
        description: str,
        wikidata: float,
        aliases: Sequence[str] = (),
        members: Sequence[str] = (),
        entity_id: str | None = None,
    ) -> Thing:
        """Write one registry entry; `wikidata` is the chance that it has an item."""
        thing = Thing(entity_id or self._id(label), label)
        entry: Mapping = {"id": thing.id, "type": kind, "label": label}
        if aliases:
            entry["aliases"] = list(aliases)
        entry["description"] = description
        if self.rng.random() < wikidata:
            self.qids += 1
            entry["wikidata"] = f"Q{WIKIDATA_BASE + self.qids}"
        if members:
            entry["members"] = list(members)
        self.emit(entry)
        self.count += 1
        return thing

    def _names(self, count: int) -> list[tuple[str, str, str]]:
        """Unique (first, last, pronoun) triples; past the first-by-last pairs, middle
        initials tell people apart."""
        pairs = [(f, s, "he") for f in MALE for s in SURNAMES]
        pairs += [(f, s, "she") for f in FEMALE for s in SURNAMES]
        self.rng.shuffle(pairs)
        names = pairs[:count]
        initials = "ABCDEFGHJKLMNOPRSTVW"
        while len(names) < count:
            first, last, pronoun = pairs[len(names) % len(pairs)]
            initial = initials[(len(names) // len(pairs) - 1) % len(initials)]
            names.append((f"{first} {initial}.", last, pronoun))
        return names

    def _outlets(self, count: int) -> list[Outlet]:
        combos = [(c, n) for c in CITIES for n in OUTLET_NOUNS]
        self.rng.shuffle(combos)
        outlets = []
        prefixes: set[str] = set()
        for city, noun in combos[: min(count, len(combos))]:
            label = f"The {city} {noun}"
            prefix = slugify(city)[:2] + noun[0].lower()
            while prefix in prefixes:
                prefix += "x"
            prefixes.add(prefix)
            thing = self._entry(
                "NewsOutlet",
                label,
                f"Fictional news outlet based in {city}.",
                1.0,
                aliases=[f"the {noun}"],
            )
            domain = f"{slugify(city)}-{noun.lower()}.example"
            outlets.append(Outlet(thing.id, label, f"the {noun}", domain, prefix))
        return outlets

    def _orgs(self, count: int, journalists: int) -> list[Org]:
        rng, roots = self.rng, set()
        orgs: list[Org] = []
        managers = range(journalists, len(self.people))
        while len(orgs) < count:
            middle = rng.choice(MIDDLES) + rng.choice(VOWELS) if rng.random() < 0.5 else ""
            root = rng.choice(ONSETS) + rng.choice(VOWELS) + middle + rng.choice(CODAS)
            if root in roots:
                continue
            roots.add(root)
            sector, field = rng.choice(SECTORS)
            label = f"{root} {sector}{rng.choice(LEGAL)}"
            while True:
                chosen = tuple(rng.sample(managers, 3))
                if len({self.people[i][1] for i in chosen}) == 3:
                    break
            kind = rng.choice(("Company", "Company", "Company", "Nonprofit", "Organisation"))
            ceo = self.people[chosen[0]]
            thing = self._entry(
                kind,
                label,
                f"Fictional {field} {kind.lower()} led by {ceo[0]} {ceo[1]}.",
                0.75,
                aliases=[root],
            )
            orgs.append(Org(thing.id, label, root, field, (chosen[0], chosen[1], chosen[2])))
        return orgs

    def _write_people(self, journalists: int) -> None:
        roles: dict[int, str] = {}
        for org in self.orgs:
            roles.setdefault(org.people[0], f"chief executive of {org.label}")
            for other in org.people[1:]:
                roles.setdefault(other, f"executive at {org.label}")
        people: list[Person] = []
        for index, (first, last, pronoun) in enumerate(self.people):
            if index < journalists:
                outlet = self.outlets[index % len(self.outlets)].label
                role = f"journalist at {outlet}"
            else:
                role = roles.get(index, "businessperson")
            name = f"{first} {last}"
            thing = self._entry("Person", name, f"Fictional person; {role}.", 0.6, aliases=[last])
            he, his, him = ("he", "his", "him") if pronoun == "he" else ("she", "her", "her")
            people.append(Person(thing.id, name, first.split()[0], last, he, his, him))
        self.persons = people

    def _stories(self, count: int) -> list[Story]:
        rng = self.rng
        order = list(range(len(self.orgs)))
        rng.shuffle(order)
        groups: dict[int, tuple[Thing, Thing, Thing]] = {}
        close: dict[int, Thing] = {}
        offices: dict[int, tuple[Thing, str]] = {}
        stories = []
        for index in range(count):
            defendant = order[index % len(order)]
            org = self.orgs[defendant]
            cast = {self.persons[i].last for i in org.people}
            while True:
                plaintiff_org = rng.randrange(len(self.orgs))
                plaintiff = self.orgs[plaintiff_org].people[0]
                if plaintiff_org != defendant and self.persons[plaintiff].last not in cast:
                    break
            partner = defendant
            while partner in (defendant, plaintiff_org):
                partner = rng.randrange(len(self.orgs))
            p, o = self.persons[plaintiff], org
            ceo = self.persons[org.people[0]]
            city = rng.choice(CITIES)
            if defendant not in groups:
                members = [self.persons[i].id for i in org.people]
                groups[defendant] = (
                    self._entry(
                        "Group",
                        f"{o.short} executives",
                        f"The executives of {o.label}, as the news speaks of them together.",
                        0.0,
                        aliases=[f"{o.short} execs"],
                        members=members,
                    ),
                    self._entry(
                        "Group", f"{o.short} employees", f"The people who work for {o.label}.", 0.0
                    ),
                    self._entry(
                        "Group",
                        f"representatives for {o.short}",
                        f"The spokespeople of {o.label}.",
                        0.0,
                    ),
                )
                offices[defendant] = (
                    self._entry(
                        "Place",
                        f"{o.short} headquarters",
                        f"The head office of {o.label}, in {city}.",
                        0.0,
                        aliases=[f"{o.short}’s headquarters"],
                    ),
                    city,
                )
            if plaintiff not in close:
                close[plaintiff] = self._entry(
                    "Group",
                    f"people close to {p.last}",
                    f"Unnamed people close to {p.name}.",
                    0.0,
                )
            filed = dt.date(2017, 1, 1) + dt.timedelta(days=rng.randrange(3100))
            founded = rng.randint(2003, filed.year - 4)
            left = rng.randint(founded + 2, filed.year - 1)
            emails_from = rng.randint(founded, left - 1)
            phrase, motion_type = rng.choice(MOTIONS)
            lawsuit_label = f"{p.last} v. {o.label}"
            lawsuit = self._entry(
                "Lawsuit",
                lawsuit_label,
                f"{p.name}'s lawsuit against {o.label}, filed on {filed.isoformat()}.",
                0.0,
                entity_id=self._id(f"{p.last} v {o.short}"),
            )
            social = rng.choice(self.socials)
            story = Story(
                plaintiff=plaintiff,
                plaintiff_org=plaintiff_org,
                defendant=defendant,
                partner=partner,
                lawsuit=lawsuit,
                motion=self._entry(
                    "Motion",
                    f"{o.short}’s {motion_type} in {lawsuit_label}",
                    f"The {motion_type} {o.label} announced in {lawsuit_label}.",
                    0.0,
                ),
                motion_phrase=phrase,
                blog=self._entry(
                    "BlogPost",
                    f"{o.short} blog post on {p.last}’s lawsuit",
                    f"{o.label}'s blog post answering the lawsuit of {p.name}.",
                    0.0,
                ),
                emails=self._entry(
                    "EmailSet",
                    f"Emails between {p.last} and {o.short} executives, {emails_from} to {left}",
                    f"Private emails between {p.name} and executives of {o.label}.",
                    0.0,
                ),
                memo=self._entry(
                    "Memo",
                    f"{ceo.last}’s memo to {o.short} employees on {p.last}’s lawsuit",
                    f"The memo {ceo.name} sent to {o.label} employees about the lawsuit.",
                    0.0,
                ),
                post=self._entry(
                    "Post",
                    f"{p.last}’s post on {social.label} about {o.short}",
                    f"{p.name}'s post attacking {o.label}.",
                    0.0,
                ),
                complaint=self._entry(
                    "Document",
                    f"The complaint in {lawsuit_label}",
                    f"The complaint {p.name} filed against {o.label}.",
                    0.0,
                ),
                email=self._entry(
                    "Email",
                    f"Email from {self.persons[o.people[1]].name} to {p.name}",
                    f"An email cited in the complaint in {lawsuit_label}.",
                    0.0,
                ),
                product=self._entry(
                    "Product",
                    f"{o.short} {rng.choice(PRODUCT_WORDS)}",
                    f"The flagship product of {o.label}.",
                    0.5,
                ),
                hq=offices[defendant][0],
                city=offices[defendant][1],
                court=rng.choice(self.courts),
                social=social,
                executives=groups[defendant][0],
                employees=groups[defendant][1],
                representatives=groups[defendant][2],
                close=close[plaintiff],
                founded=founded,
                left=left,
                partnered=rng.randint(founded + 1, filed.year),
                emails_from=emails_from,
                email_year=rng.randint(emails_from, left),
                filed=filed,
                blog_day=filed + dt.timedelta(days=rng.randint(2, 5)),
            )
            stories.append(story)
        return stories


# -- articles ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Article:
    id: str
    text: str
    sheet: Mapping


def _when(text: str, **relations: str) -> Mapping:
    spec: Mapping = {"text": text}
    spec.update(relations)
    return spec


def _fact(fact_id: str, kind: str, evidence: str | list[str], **fields: Value | None) -> Mapping:
    """A fact with its fields in the order given; None and empty values left out.
    `according_to` comes last but one, `evidence` last."""
    fact: Mapping = {"id": fact_id, "kind": kind}
    according = fields.pop("according_to", None)
    for name, value in fields.items():
        if value is not None and value != []:
            fact[name] = value
    if according is not None:
        fact["according_to"] = according
    fact["evidence"] = evidence if isinstance(evidence, str) else list(evidence)
    return fact


def _report(source: str, *citing: str) -> Mapping:
    claim: Mapping = {"source": source}
    if citing:
        claim["citing"] = list(citing)
    return claim


def _allegation(source: str, where: str) -> Mapping:
    return {"source": source, "claim": "allegation", "in": where}


def _day(day: dt.date, published: dt.date) -> tuple[str, str]:
    """How an article published on `published` names `day`, inside a sentence and at
    its start: ('Tuesday', 'On Tuesday') within the past week, else the date in full."""
    if 1 <= (published - day).days <= 6:
        name = WEEKDAYS[day.weekday()]
        return name, f"On {name}"
    full = f"{MONTHS[day.month - 1]} {day.day}, {day.year}"
    return f"on {full}", f"On {full}"


def occurs_once(text: str, quote: str) -> bool:
    """True when `quote` occurs in `text` exactly once, overlapping occurrences counted."""
    first = text.find(quote)
    return first != -1 and text.find(quote, first + 1) == -1


def _quotes(fact: Mapping) -> list[str]:
    evidence = fact["evidence"]
    return [evidence] if isinstance(evidence, str) else [str(e) for e in evidence]  # type: ignore[union-attr]


class Corpus:
    """A corpus drawn from a seed: the registry, then article i on demand."""

    def __init__(self, seed: int, articles: int, emit: Emit | None = None) -> None:
        self.seed = seed
        self.size = articles
        self.registry = Registry(seed, articles, emit or (lambda entry: None))
        self.retries = 0

    def article(self, index: int) -> Article:
        """Article `index`: drawn again (deterministically) until every quote is unique."""
        rng = random.Random(f"newskg-bench:{self.seed}:article:{index}")
        for _ in range(50):
            article = self._draw(index, rng)
            text = article.text
            facts = article.sheet["facts"]
            assert isinstance(facts, list)
            if all(occurs_once(text, q) for f in facts for q in _quotes(f)):  # type: ignore[arg-type]
                return article
            self.retries += 1
        raise RuntimeError(f"article {index}: could not make every evidence quote unique")

    def _draw(self, index: int, rng: random.Random) -> Article:
        reg = self.registry
        story = reg.stories[index % len(reg.stories)]
        round_ = index // len(reg.stories)
        people, orgs = reg.persons, reg.orgs
        p, o = people[story.plaintiff], orgs[story.defendant]
        c, x1, x2 = (people[i] for i in o.people)
        pco, q = orgs[story.plaintiff_org], orgs[story.partner]
        surnames = {p.last, c.last, x1.last, x2.last}
        journalists: list[tuple[Person, Outlet]] = []
        while len(journalists) < 2:
            person, outlet = rng.choice(reg.journalists)
            if people[person].last not in surnames:
                surnames.add(people[person].last)
                journalists.append((people[person], reg.outlets[outlet]))
        (j, _), (j2, j2o) = journalists
        b, r = rng.sample(reg.outlets, 2)
        if round_ == 0:
            published = story.blog_day + dt.timedelta(days=rng.randint(1, 5))
        else:
            published = story.blog_day + dt.timedelta(days=7 + 21 * round_ + rng.randint(0, 20))
        curly = rng.random() < 0.5
        ap = "’" if curly or rng.random() < 0.3 else "'"
        lq, rq = ("“", "”") if curly else ('"', '"')
        field = o.field
        v: dict[str, str] = {
            "ap": ap, "lq": lq, "rq": rq, "o": o.short, "q": q.short, "pco": pco.short,
            "p": p.name, "ps": p.last, "pf": p.first, "c": c.name, "cs": c.last,
            "he": p.he, "his": p.his, "him": p.him, "field": field,
            "social": story.social.label, "y1": str(story.emails_from),
        }  # fmt: skip

        def fill(template: str, **extra: str) -> str:
            return template.format(**{**v, **extra})

        def poss(name: str) -> str:
            return f"{name}{ap}s"

        blocks: list[tuple[int, str, list[Mapping]]] = []

        def block(order: int, sentences: Sequence[str], *facts: Mapping) -> None:
            blocks.append((order, " ".join(sentences), list(facts)))

        ep = rng.choice(EPITHETS)
        concern = fill(rng.choice(CONCERNS))
        _, blog_lead = _day(story.blog_day, published)
        filed_in, _ = _day(story.filed, published)
        lawsuit, execs = story.lawsuit.id, story.executives.id

        # -- the bullets and the opening ------------------------------------------------
        bullet1 = f"{o.short} execs have published their response to a lawsuit from {p.name}."
        bullet2 = (
            f"The blog post made public a series of internal emails between {p.last} and "
            f"{o.short} execs."
        )
        blocks.append((0, f"- {bullet1}\n- {bullet2}", []))
        jugular = rng.choice(JUGULAR)
        fight = rng.choice(FIGHT)
        s1 = f"When it comes to {o.short}, {p.name} is {jugular}."
        ceo_clause = f"{o.short} chief executive {c.name}"
        s2 = (
            f"But {ceo_clause} has made clear that {c.he} is going to {fight} — in {c.his} own way."
        )
        block(
            1,
            [s1, s2],
            _fact("plaintiff-attitude", "attitude", s1, holders=[p.id], towards=[o.id],
                  attitude=jugular),
            _fact("ceo-fights-back", "attitude", s2, holders=[c.id], towards=[p.id],
                  attitude=f"going to {fight}, in {c.his} own way"),
            _fact("ceo-membership", "membership", ceo_clause, member=c.id, organisation=o.id,
                  role=f"{o.short} chief executive", position="chief-executive-officer"),
        )  # fmt: skip

        # -- the emails and the blog post ---------------------------------------------------
        span = (
            f"between {story.emails_from} and {story.left}"
            if story.emails_from < story.left
            else f"in {story.left}"
        )
        listing = f"{o.short} executives, including {c.last}, {x1.name}, and {x2.name}"
        emails_clause = (
            f"a series of private internal emails between {p.last} and {o.short} executives "
            f"dating from {span}"
        )
        s1 = f"{blog_lead}, {listing}, published {emails_clause}."
        block(
            2,
            [s1],
            _fact("emails-published", "publication", [s1, bullet2], publishers=[execs],
                  documents=[story.emails.id], when=_when(blog_lead)),
            _fact("emails", "document", emails_clause, subject=story.emails.id,
                  parties=[p.id, execs], dated=_when(span),
                  description="a series of private internal emails"),
            *(
                _fact(f"executive-{n}", "membership", listing, member=person.id,
                      organisation=execs if n == 1 else o.id, role=f"{o.short} executive",
                      position="executive")
                for n, person in enumerate((c, x1, x2), start=1)
            ),
        )  # fmt: skip
        tox = rng.choice(TOXIC)
        suit = f"{poss(p.last)} lawsuit against {o.short}"
        blog_clause = f"a company blog post responding to {suit}"
        s1 = f"The emails were referenced in {blog_clause}."
        s2 = f"It{ap}s the latest sign of the {tox} relationship between {c.last} and {p.last}."
        block(
            3,
            [s1, s2],
            _fact("blog-post", "document", s1, subject=story.blog.id, authors=[execs],
                  references=[story.emails.id], responds_to=lawsuit, description=blog_clause),
            _fact("relationship", "relationship", s2, parties=[c.id, p.id], description=tox),
        )  # fmt: skip

        # -- the lawsuit ----------------------------------------------------------------------
        allegation = rng.choice(ALLEGATIONS)
        amount = rng.choice(
            ("multibillion-dollar", f"€{rng.randint(2, 9)}.{rng.randint(1, 9)} billion",
             f"${rng.randint(2, 9)}{rng.randint(1, 9)}0 million", "long-running")
        )  # fmt: skip
        left_clause = f"{p.last}, who left {o.short} in {story.left}"
        partnership_clause = f"a {amount} partnership with {q.short}"
        filed_clause = f"in the lawsuit filed {filed_in}"
        s1 = (
            f"{left_clause}, accused the company of {allegation} amid {partnership_clause} "
            f"{filed_clause}."
        )
        argument = fill(rng.choice(ARGUMENTS))
        s2 = f"The suit argued that {argument}."
        status = rng.choice(STATUSES)
        s3 = f"The case, {story.lawsuit.label}, is {status} before the {story.court.label}."
        block(
            4,
            [s1, s2, s3],
            _fact("lawsuit", "lawsuit", [filed_clause, suit, s3],
                  subject=lawsuit, plaintiffs=[p.id], defendants=[o.id], court=story.court.id,
                  filed=_when(filed_in), status=status),
            _fact("first-allegation", "action", s1, agents=[o.id], action=allegation,
                  according_to=_allegation(p.id, lawsuit)),
            _fact("second-allegation", "action", s2, agents=[o.id], action=argument,
                  according_to=_allegation(p.id, lawsuit)),
            _fact("departure", "departure", left_clause, person=p.id, organisation=o.id,
                  when=_when(f"in {story.left}")),
        )  # fmt: skip
        motion_clause = f"to announce their plans to {story.motion_phrase}"
        facts_quote = f"some facts about our relationship with {p.first}."
        facts_clause = f"share {lq}{facts_quote}{rq}"
        s1 = f"The {o.short} executives published the post {motion_clause} and {facts_clause}"
        block(
            5,
            [s1],
            _fact("blog-post-published", "publication", [bullet1, s1], publishers=[execs],
                  documents=[story.blog.id], responds_to=lawsuit, when=_when(blog_lead),
                  purpose=f"{motion_clause} and {facts_clause}"),
            _fact("motion-to-dismiss", "motion", motion_clause, subject=story.motion.id,
                  movants=[o.id], against=lawsuit,
                  motion=next(t for ph, t in MOTIONS if ph == story.motion_phrase),
                  status="announced", when=_when(blog_lead)),
            _fact("blog-post-facts-statement", "statement", facts_clause, speaker=execs,
                  occasion=story.blog.id, about=[p.id], quote=facts_quote),
        )  # fmt: skip

        def blog_quote() -> None:
            quote = fill(rng.choice(BLOG_QUOTES))
            s1 = f"They wrote: {lq}{quote}{rq}"
            block(
                6,
                [s1],
                _fact("blog-post-statement", "statement", s1, speaker=execs,
                      occasion=story.blog.id, about=[p.id], quote=quote, when=_when(blog_lead)),
            )  # fmt: skip

        ceo_role = f"the {pco.short} CEO"
        avoid = f"have largely tried to avoid publicly confronting {ceo_role}"
        s1 = f"{c.last} and {o.short} execs {avoid}."
        block(
            7,
            [s1],
            _fact("avoided-confrontation", "action", s1, agents=[c.id, execs], targets=[p.id],
                  action=avoid),
            _fact("plaintiff-ceo", "membership", ceo_role, member=p.id, organisation=pco.id,
                  role=ceo_role, position="chief-executive-officer"),
        )  # fmt: skip

        # -- last year: attacks, an interview ------------------------------------------------
        attacks = f"amid a flood of public attacks from {p.last}"
        heroes = f"{c.last} described {ep} as one of {c.his} heroes in an interview with {j.name}"
        empathic = f"said {c.he} was empathic to {poss(p.last)} concerns about {concern}"
        interview = f"Last year, {attacks}, {heroes}"
        s1 = f"{interview} and {empathic}."
        block(
            8,
            [s1],
            _fact("public-attacks", "criticism", attacks, critics=[p.id], targets=[c.id, o.id],
                  manner="a flood of public attacks", when=_when("Last year")),
            _fact("podcast-interview", "interview", interview, interviewees=[c.id],
                  interviewers=[j.id], when=_when("Last year", during="public-attacks"),
                  medium="podcast"),
            _fact("one-of-his-heroes", "statement", heroes, speaker=c.id,
                  occasion="podcast-interview", about=[p.id],
                  quote=f"described {ep} as one of {c.his} heroes", paraphrase=True,
                  when=_when("Last year")),
            _fact("empathic-to-concerns", "statement", empathic, speaker=c.id,
                  occasion="podcast-interview", about=[p.id], topic=concern, quote=empathic,
                  paraphrase=True, when=_when("Last year")),
        )  # fmt: skip

        # -- what the other outlet reported --------------------------------------------------
        severed = fill(rng.choice(SEVERED))
        hours = rng.choice(HOURS)
        after = f"shortly after {ep} {severed}"
        s1 = f"{c.last} reportedly dealt with {p.last} in private {after}."
        s2 = (
            f"Following the move, {c.last} invited {p.last} to {poss(o.short)} headquarters in "
            f"{story.city} for a closed-door meeting that lasted {hours}, {r.label} reported."
        )
        report = _report(r.id)
        block(
            9,
            [s1, s2],
            _fact("severed", "action", f"{ep} {severed}", agents=[p.id], targets=[o.id],
                  about=[pco.id], action=severed, according_to=report),
            _fact("dealt-in-private", "action", s1, agents=[c.id], targets=[p.id],
                  action=f"dealt with {p.last} in private",
                  when=_when(after, after="severed"), according_to=report),
            _fact("hq-meeting", "meeting", s2, participants=[c.id, p.id], invited_by=c.id,
                  location=story.hq.id,
                  privacy="closed-door", duration=f"lasted {hours}",
                  when=_when("Following the move", after="severed"), according_to=report),
        )  # fmt: skip
        insult = rng.choice(INSULTS)
        s1 = (
            f"On the occasions where {c.last} has criticized {p.last}, {c.he} has tended to "
            "take a more tempered approach."
        )
        interview = f"in an interview with journalist {j2.name} of {j2o.label}"
        called = f"{c.last} called {p.last} a {lq}{insult}{rq}"
        care = f"before adding that {ep} {lq}really does care{rq} about {concern}."
        s2 = f"For example, {interview}, {called} {care}"
        block(
            10,
            [s1, s2],
            _fact("tempered-criticism", "criticism", s1, critics=[c.id], targets=[p.id],
                  manner="a more tempered approach"),
            _fact("interview", "interview", interview, interviewees=[c.id], interviewers=[j2.id],
                  medium=rng.choice(MEDIA)),
            _fact("journalist-membership", "membership", f"journalist {j2.name} of {j2o.label}",
                  member=j2.id, organisation=j2o.id, role="journalist", position="employee"),
            _fact("insult", "statement", called, speaker=c.id, occasion="interview",
                  about=[p.id], quote=insult),
            _fact("really-does-care", "statement", care, speaker=c.id, occasion="interview",
                  about=[p.id], topic=concern, quote="really does care"),
        )  # fmt: skip

        # -- the criticism, the product, the founding -----------------------------------------
        founded = f"{p.last} co-founded {o.short} with {x1.last} in {story.founded}."
        built = f"the company {p.he} helped build"
        flagship = f"its flagship product, {story.product.label}"
        signed = f"its lucrative partnership with {q.short}, signed in {story.partnered}"
        s2 = (
            f"{p.last} has continued to lob many public criticisms at {built}, firing shots at "
            f"{flagship}, and critiquing {signed}."
        )
        block(
            11,
            [founded, s2],
            _fact("founding", "founding", founded, organisation=o.id, founders=[p.id, x1.id],
                  when=_when(f"in {story.founded}")),
            _fact("founder-membership", "membership", [left_clause, built], member=p.id,
                  organisation=o.id, position="founder", start=_when(f"in {story.founded}"),
                  end=_when(f"in {story.left}")),
            _fact("partnership", "partnership", [partnership_clause, signed],
                  partners=[o.id, q.id], description=amount,
                  when=_when(f"in {story.partnered}")),
            _fact("criticism-of-company", "criticism", s2, critics=[p.id],
                  targets=[o.id, story.product.id, "partnership"],
                  manner="many public criticisms, firing shots at its flagship product and "
                  "critiquing its lucrative partnership"),
            _fact("product", "product", flagship, subject=story.product.id, maker=o.id,
                  description="its flagship product"),
        )  # fmt: skip

        # -- the memo -----------------------------------------------------------------------
        opener = fill(rng.choice(MEMO_OPENERS))
        closer = fill(rng.choice(MEMO_CLOSERS))
        builder = (
            f"I like to think of {p.first} as a builder and someone who competes by attempting "
            f"to build better technology, and someone who I{ap}d hope to be on our side"
        )
        done = f"For the most part, {c.last} seems to be done playing nice."
        memo = (
            f"{c.he.capitalize()} addressed {c.his} personal relationship with {p.last} directly "
            "in a memo sent to employees shortly after the lawsuit was filed."
        )
        reported = f"the memo, which was reported on by {r.short}"
        said = f"{lq}{opener},{rq} {c.last} said in {reported}."
        hero = f"{c.he} said {c.he}{ap}d considered {p.last} a personal hero"
        disappointed = (
            f"{c.he} expressed disappointment that {p.last} wasn{ap}t on {poss(o.short)} side."
        )
        block(
            12,
            [done, memo, said, f"Though {hero}, {disappointed}"],
            _fact("done-playing-nice", "attitude", done, holders=[c.id], towards=[p.id],
                  attitude="done playing nice"),
            _fact("memo", "document", memo, subject=story.memo.id, authors=[c.id],
                  recipients=[story.employees.id], about=[p.id],
                  dated=_when("shortly after the lawsuit was filed", after="lawsuit"),
                  description="a memo sent to employees"),
            _fact("memo-report", "report", reported, reporter=r.id, reports_on=[story.memo.id]),
            _fact("memo-opener", "statement", f"{lq}{opener},{rq} {c.last} said in the memo",
                  speaker=c.id, occasion=story.memo.id, addressees=[story.employees.id],
                  about=[p.id], quote=opener),
            _fact("memo-hero", "statement", hero, speaker=c.id, occasion=story.memo.id,
                  about=[p.id], quote=f"{c.he}{ap}d considered {p.last} a personal hero",
                  paraphrase=True),
            _fact("memo-disappointment", "statement", disappointed, speaker=c.id,
                  occasion=story.memo.id, about=[p.id, o.id], quote=disappointed.rstrip("."),
                  paraphrase=True),
        )  # fmt: skip

        def memo_quotes() -> None:
            s1 = f"{lq}{builder},{rq} {c.he} said. {lq}{closer}{rq}"
            block(
                13,
                [s1],
                _fact("memo-builder", "statement", f"{lq}{builder},{rq} {c.he} said.",
                      speaker=c.id, occasion=story.memo.id, about=[p.id], quote=builder),
                _fact("memo-closer", "statement", f"{lq}{closer}{rq}", speaker=c.id,
                      occasion=story.memo.id, about=[p.id], quote=closer),
            )  # fmt: skip

        trolling = fill(rng.choice(TROLLING))
        s1 = f"Last week, {c.last} also appeared to troll {ep} by {trolling}."
        block(
            14,
            [s1],
            _fact("trolling", "action", s1, agents=[c.id], targets=[p.id],
                  about=[story.social.id], action=f"appeared to troll {ep} by {trolling}",
                  when=_when("Last week")),
        )  # fmt: skip

        def differing() -> None:
            s1 = (
                f"{p.last} and {c.last} naturally have differing opinions on their soured "
                "partnership."
            )
            block(
                15,
                [s1],
                _fact("differing-opinions", "relationship", s1, parties=[p.id, c.id],
                      description="soured partnership, on which they have differing opinions"),
            )  # fmt: skip

        future = rng.choice(FUTURES)
        s1 = (
            f"{r.label} reported, citing people close to {p.last}, that {p.last} was jealous of "
            f"{poss(o.short)} success in the {field} race."
        )
        s2 = (
            f"However, people familiar with the matter said {p.last} is genuinely worried about "
            f"{concern} and the future of {future}, the report said."
        )
        block(
            16,
            [s1, s2],
            _fact("jealous", "attitude", s1, holders=[p.id], towards=[o.id],
                  attitude=f"jealous of {poss(o.short)} success in the {field} race",
                  according_to=_report(r.id, story.close.id)),
            _fact("worried", "attitude", s2, holders=[p.id], attitude="genuinely worried",
                  topic=f"{concern} and the future of {future}",
                  according_to=_report(r.id, reg.familiar.id)),
        )  # fmt: skip
        circumstances = rng.choice(CIRCUMSTANCES)
        s1 = (
            f"Representatives for {o.short} did not immediately respond to a request for comment "
            f"from {b.label}, {circumstances}."
        )
        block(
            30,
            [s1],
            _fact("request-for-comment", "request-for-comment", s1, requester=b.id,
                  addressees=[story.representatives.id], answered=False,
                  circumstances=circumstances),
        )  # fmt: skip

        # -- optional paragraphs, until the article is long enough ------------------------------
        def post() -> None:
            day = story.filed - dt.timedelta(days=rng.randint(20, 200))
            month = f"in {MONTHS[day.month - 1]} {day.year}"
            words = rng.choice(POST_QUOTES)
            s1 = (
                f"In a post on {story.social.label} {month}, {p.last} wrote that {o.short} had "
                f"{lq}{words}{rq} — a charge the company denies."
            )
            block(
                17,
                [s1],
                _fact("post", "document", s1, subject=story.post.id, authors=[p.id],
                      about=[o.id], dated=_when(month)),
                _fact("post-statement", "statement", s1, speaker=p.id, occasion=story.post.id,
                      about=[o.id], quote=words, when=_when(month)),
                _fact("post-claim", "action", f"{o.short} had {lq}{words}{rq}", agents=[o.id],
                      action=words,
                      according_to={"source": p.id, "claim": "statement", "in": story.post.id}),
            )  # fmt: skip

        def event() -> None:
            place = rng.choice(reg.events)
            year = published.year - 1
            month = f"in {MONTHS[rng.randrange(12)]} {year}"
            words = fill(rng.choice(EVENT_QUOTES))
            s1 = f"Speaking at the {place.label} {month}, {x1.name} said: {lq}{words}.{rq}"
            block(
                18,
                [s1],
                _fact("event-statement", "statement", s1, speaker=x1.id, occasion=place.id,
                      about=[p.id, o.id], quote=f"{words}.", when=_when(month)),
            )  # fmt: skip

        def leaving() -> None:
            joined = rng.randint(story.founded, published.year - 1)
            clause = f"{x2.last}, who joined {o.short} in {joined}"
            s1 = (
                f"{clause}, is expected to step down before the end of the year, according to "
                "people familiar with the matter."
            )
            block(
                19,
                [s1],
                _fact("executive-joined", "membership", clause, member=x2.id, organisation=o.id,
                      position="executive", start=_when(f"in {joined}")),
                _fact("executive-leaving", "departure", s1, person=x2.id, organisation=o.id,
                      according_to=_report(reg.familiar.id)),
            )  # fmt: skip

        def partner() -> None:
            words = fill(rng.choice(PARTNER_QUOTES))
            s1 = (
                f"A spokesperson for {q.short} said the company {lq}{words}{rq} and declined to "
                "comment on the lawsuit."
            )
            block(
                20,
                [s1],
                _fact("partner-statement", "statement", s1, speaker=q.id, about=[o.id],
                      quote=words, paraphrase=False),
            )  # fmt: skip

        def related() -> None:
            other = reg.stories[rng.randrange(len(reg.stories))]
            if other is story:
                return
            op, oo = people[other.plaintiff], orgs[other.defendant]
            s1 = (
                f"The case recalls {other.lawsuit.label}, which {op.name} brought against "
                f"{oo.short} in {other.filed.year}."
            )
            block(
                21,
                [s1],
                _fact("related-lawsuit", "lawsuit", s1, subject=other.lawsuit.id,
                      plaintiffs=[op.id], defendants=[oo.id],
                      filed=_when(f"in {other.filed.year}")),
            )  # fmt: skip

        def complaint() -> None:
            pages = rng.randint(24, 180)
            claim = fill(rng.choice(EMAIL_CLAIMS))
            s1 = (
                f"In the {pages}-page complaint, {poss(p.last)} lawyers cite an email {x1.last} "
                f"sent in {story.email_year}, which they say shows that {o.short} {claim}."
            )
            block(
                22,
                [s1],
                _fact("complaint", "document", f"the {pages}-page complaint",
                      subject=story.complaint.id, authors=[p.id], about=[o.id],
                      references=[story.email.id],
                      description=f"the {pages}-page complaint"),
                _fact("email", "document", f"an email {x1.last} sent in {story.email_year}",
                      subject=story.email.id, authors=[x1.id], recipients=[p.id],
                      dated=_when(f"in {story.email_year}")),
                _fact("email-claim", "action", s1, agents=[o.id], action=claim,
                      according_to=_allegation(p.id, lawsuit)),
            )  # fmt: skip

        optional = [
            blog_quote, memo_quotes, differing, post, event, leaving, partner, related, complaint
        ]  # fmt: skip
        rng.shuffle(optional)
        target = rng.randint(3200, 3800)
        for add in optional:
            if sum(len(text) + 1 for _, text, _ in blocks) >= target:
                break
            add()
        blocks.sort(key=lambda item: item[0])
        text = "\n".join(text for _, text, _ in blocks) + "\n"
        facts: list[Value] = [f for _, _, fs in blocks for f in fs]
        headline = fill(rng.choice(HEADLINES))
        article_id = (
            f"{b.prefix}-{published.isoformat()}-{slugify(c.last)}-{slugify(p.last)}-{index}"
        )
        url = f"https://www.{b.domain}/{rng.choice(SECTIONS)}/{slugify(headline)}-{index}"
        sheet: Mapping = {
            "id": article_id,
            "headline": headline,
            "publisher": b.id,
            "url": url,
            "published": published,
            "language": "en",
            "facts": facts,
        }
        return Article(article_id, text, sheet)


# -- writing a corpus -----------------------------------------------------------------------


@dataclass
class Summary:
    articles: int = 0
    facts: int = 0
    characters: int = 0
    entities: int = 0
    retries: int = 0
    seconds: float = 0.0


def _write(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as stream:
        stream.write(text)


def generate(out: Path, articles: int, seed: int, *, progress: TextIO | None = None) -> Summary:
    """Write a corpus of `articles` articles into the project folder `out`."""
    start = time.perf_counter()
    data = out / "data"
    folder = data / "articles"
    folder.mkdir(parents=True, exist_ok=True)
    summary = Summary()
    with (data / "entities.yaml").open("w", encoding="utf-8", newline="\n") as registry:
        registry.write(REGISTRY_HEADER)
        registry.write("# A synthetic registry for benchmarks: every entry is fictional.\n")
        registry.write("entities:\n")

        def emit(entry: Mapping) -> None:
            registry.write(yaml_item(entry))

        corpus = Corpus(seed, articles, emit)
    summary.entities = corpus.registry.count
    for index in range(articles):
        article = corpus.article(index)
        _write(folder / f"{article.id}.txt", article.text)
        _write(folder / f"{article.id}.yaml", sheet_yaml(article.sheet))
        facts = article.sheet["facts"]
        summary.facts += len(facts) if isinstance(facts, list) else 0
        summary.characters += len(article.text)
        summary.articles += 1
        if progress is not None and (index + 1) % 1000 == 0:
            progress.write(f"{index + 1} articles\n")
    _write_schemas(out)
    summary.retries = corpus.retries
    summary.seconds = time.perf_counter() - start
    return summary


def _write_schemas(out: Path) -> None:
    """The JSON Schema files the sheets' first lines name, when newskg is importable."""
    try:
        from newskg.jsonschema import write_schemas
    except ImportError:  # pragma: no cover - the generator needs only PyYAML
        return
    write_schemas(out / "schema")


def articles_of(seed: int, articles: int) -> Iterator[Article]:
    """The articles of a corpus, without writing anything (for tests)."""
    corpus = Corpus(seed, articles)
    for index in range(articles):
        yield corpus.article(index)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.generate",
        description="Write a synthetic newskg project folder: a registry and N articles.",
    )
    parser.add_argument("--articles", type=int, required=True, help="how many articles")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", type=Path, required=True, help="the project folder to write")
    parser.add_argument(
        "--force", action="store_true", help="replace DIR/data if it exists (DIR/build is kept)"
    )
    parser.add_argument("--quiet", action="store_true", help="print nothing on stderr")
    args = parser.parse_args(argv)
    if args.articles < 1:
        parser.error("--articles must be at least 1")
    data = args.out / "data"
    if data.exists():
        if not args.force:
            parser.error(f"{data} exists: pass --force to replace it")
        shutil.rmtree(data)
    summary = generate(
        args.out, args.articles, args.seed, progress=None if args.quiet else sys.stderr
    )
    if not args.quiet:
        sys.stderr.write(
            f"wrote {summary.articles} articles ({summary.facts} facts, "
            f"{summary.characters // max(1, summary.articles)} characters each on average) and "
            f"{summary.entities} registry entries to {args.out} in {summary.seconds:.1f} s"
            f" ({summary.retries} articles drawn again)\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
