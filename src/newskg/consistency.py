"""Is the graph consistent with the ontology?  HermiT says yes or no; this module also
says *why not*.

When HermiT finds the data inconsistent, owlready2 raises an error with an empty
message.  So newskg derives checks from the ontology's axioms itself -- disjoint
classes, domains and ranges (through sub-properties and inverses) and union ranges --
and names each individual that would be in two disjoint classes, with the fact that put
it in each.  That finder is linear in the data, so it also runs where HermiT would not
scale (above :data:`HERMIT_LIMIT` statements).
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERMIT_LIMIT = 200_000
"""Above this many statements, HermiT is skipped and only the derived checks run."""

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
OWL = "http://www.w3.org/2002/07/owl#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"

Triple = tuple[str, str, str]


@dataclass(frozen=True)
class Reason:
    """Why an individual is in a class: the triple that says so, and how."""

    how: str
    triple: Triple


@dataclass(frozen=True)
class Clash:
    """An individual in two classes that the ontology says are disjoint."""

    individual: str
    first: str
    first_reason: Reason
    second: str
    second_reason: Reason


@dataclass
class Axioms:
    """The parts of the ontology that can make data inconsistent."""

    supers: dict[str, set[str]] = field(default_factory=dict)
    disjoint: set[frozenset[str]] = field(default_factory=set)
    domains: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    ranges: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    union_ranges: dict[str, list[frozenset[str]]] = field(default_factory=lambda: defaultdict(list))

    def as_json(self) -> dict[str, Any]:
        """The axioms as JSON, sets as sorted lists."""
        return {
            "supers": {c: sorted(s) for c, s in sorted(self.supers.items())},
            "disjoint": sorted(sorted(pair) for pair in self.disjoint),
            "domains": {p: sorted(s) for p, s in sorted(self.domains.items())},
            "ranges": {p: sorted(s) for p, s in sorted(self.ranges.items())},
            "union_ranges": {
                p: [sorted(u) for u in unions] for p, unions in sorted(self.union_ranges.items())
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Axioms:
        """Axioms that :meth:`as_json` wrote."""
        return cls(
            supers={c: set(s) for c, s in data["supers"].items()},
            disjoint={frozenset(pair) for pair in data["disjoint"]},
            domains=defaultdict(set, {p: set(s) for p, s in data["domains"].items()}),
            ranges=defaultdict(set, {p: set(s) for p, s in data["ranges"].items()}),
            union_ranges=defaultdict(
                list, {p: [frozenset(u) for u in us] for p, us in data["union_ranges"].items()}
            ),
        )

    @classmethod
    def from_ontology(cls, graph: Any) -> Axioms:
        """Read the axioms from an rdflib graph of the ontology."""
        from rdflib import OWL as O
        from rdflib import RDF, RDFS, BNode, URIRef
        from rdflib.collection import Collection

        axioms = cls()
        direct: dict[str, set[str]] = defaultdict(set)
        for sub, sup in graph.subject_objects(RDFS.subClassOf):
            if isinstance(sub, URIRef) and isinstance(sup, URIRef):
                direct[str(sub)].add(str(sup))
        for parent, members in graph.subject_objects(O.disjointUnionOf):
            names = [str(m) for m in Collection(graph, members)]
            for name in names:
                direct[name].add(str(parent))
            axioms._pairs(names)
        for node in graph.subjects(RDF.type, O.AllDisjointClasses):
            axioms._pairs([str(m) for m in Collection(graph, graph.value(node, O.members))])
        for a, b in graph.subject_objects(O.disjointWith):
            axioms._pairs([str(a), str(b)])
        classes = set(direct) | {c for s in direct.values() for c in s}
        axioms.supers = {c: _closure(c, direct) for c in classes}
        super_props: dict[str, set[str]] = defaultdict(set)
        for sub, sup in graph.subject_objects(RDFS.subPropertyOf):
            super_props[str(sub)].add(str(sup))
        inverse: dict[str, str] = {}
        for p, q in graph.subject_objects(O.inverseOf):
            inverse[str(p)], inverse[str(q)] = str(q), str(p)
        own_domain: dict[str, set[str]] = defaultdict(set)
        own_range: dict[str, set[str]] = defaultdict(set)
        own_union: dict[str, list[frozenset[str]]] = defaultdict(list)
        for p, c in graph.subject_objects(RDFS.domain):
            if isinstance(c, URIRef):
                own_domain[str(p)].add(str(c))
        for p, c in graph.subject_objects(RDFS.range):
            if isinstance(c, URIRef):
                own_range[str(p)].add(str(c))
            elif isinstance(c, BNode) and graph.value(c, O.unionOf) is not None:
                own_union[str(p)].append(
                    frozenset(str(m) for m in Collection(graph, graph.value(c, O.unionOf)))
                )
        props = set(own_domain) | set(own_range) | set(own_union) | set(super_props) | set(inverse)
        for prop in props:
            for ancestor in _closure(prop, super_props):
                axioms.domains[prop] |= own_domain.get(ancestor, set())
                axioms.ranges[prop] |= own_range.get(ancestor, set())
                axioms.union_ranges[prop] += own_union.get(ancestor, [])
        for prop, other in inverse.items():  # p's domain is the range of its inverse
            axioms.ranges[prop] |= own_domain.get(other, set())
            axioms.domains[prop] |= own_range.get(other, set())
        return axioms

    def _pairs(self, names: list[str]) -> None:
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                self.disjoint.add(frozenset((a, b)))

    def up(self, cls: str) -> set[str]:
        return self.supers.get(cls, {cls})


def _closure(start: str, edges: dict[str, set[str]]) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def clashes(triples: Iterable[Triple], axioms: Axioms) -> list[Clash]:
    """Every individual that the data puts in two disjoint classes, with the reasons."""
    types: dict[str, dict[str, Reason]] = defaultdict(dict)
    unions: dict[str, list[tuple[frozenset[str], Reason]]] = defaultdict(list)

    def add(individual: str, cls: str, reason: Reason) -> None:
        for ancestor in axioms.up(cls):
            types[individual].setdefault(ancestor, reason)

    for triple in triples:
        s, p, o = triple
        if p == RDF_TYPE:
            add(s, o, Reason("asserted", triple))
            continue
        for cls in axioms.domains.get(p, ()):
            add(s, cls, Reason(f"domain of {p}", triple))
        if o.startswith(("http://", "https://")):
            for cls in axioms.ranges.get(p, ()):
                add(o, cls, Reason(f"range of {p}", triple))
            for members in axioms.union_ranges.get(p, ()):
                unions[o].append((members, Reason(f"range of {p}", triple)))
    partners: dict[str, set[str]] = defaultdict(set)
    for pair in axioms.disjoint:
        a, b = sorted(pair)
        partners[a].add(b)
    found: list[Clash] = []
    for individual, known in sorted(types.items()):
        # only the pairs among its own classes, in the order of the sorted pairs: looping
        # over every disjoint pair for every individual made this the slowest check
        pairs = sorted((a, b) for a in known for b in partners.get(a, ()) if b in known)
        for a, b in pairs:
            found.append(Clash(individual, a, known[a], b, known[b]))
        for members, reason in unions.get(individual, []):
            if members & set(known):
                continue
            for cls, why in sorted(known.items()):
                if all(frozenset((cls, m)) in axioms.disjoint for m in members):
                    found.append(Clash(individual, cls, why, " or ".join(sorted(members)), reason))
                    break
    return _most_specific(found, axioms)


def _most_specific(found: list[Clash], axioms: Axioms) -> list[Clash]:
    """One clash per individual and pair of reasons (the first pair of classes found)."""
    best: dict[tuple[str, Reason, Reason], Clash] = {}
    for clash in found:
        key = (clash.individual, clash.first_reason, clash.second_reason)
        if key not in best:
            best[key] = clash
    return sorted(best.values(), key=lambda c: (c.individual, c.first, c.second))


# -- HermiT, stopped at a timeout --------------------------------------------------------


def _hermit_verdict(path: str) -> bool:
    """In the child: HermiT's verdict on the ontology with the N-Triples at `path`."""
    from .ontology import reason

    return bool(reason([Path(path)]).consistent)


class HermitRun:
    """HermiT running on the ontology with some N-Triples, in a child process (group)
    that is killed at the timeout: owlready2 passes no timeout to Java.  Started first,
    it works on the second core while the caller does something else."""

    def __init__(self, ntriples: bytes) -> None:
        from .children import Child

        self._tmp = tempfile.TemporaryDirectory(prefix="newskg-hermit-")
        data = Path(self._tmp.name) / "data.nt"
        data.write_bytes(ntriples)
        self._child = Child(_hermit_verdict, str(data), own_group=True)

    def verdict(self, timeout: float) -> bool | None:
        """True or False, or None when HermiT did not finish within `timeout` seconds
        of being started."""
        from .children import ChildFailed, ChildTimeout
        from .errors import StoreError

        try:
            return bool(self._child.wait(timeout))
        except ChildTimeout:
            return None
        except ChildFailed as failed:
            raise StoreError(
                f"HermiT failed: {failed.kind}: {failed.message}",
                "is Java installed? `make test` installs it",
            ) from None
        finally:
            self._tmp.cleanup()


def hermit_consistent(ntriples: bytes, timeout: float) -> bool | None:
    """HermiT's verdict on the ontology with these N-Triples; None when it timed out."""
    return HermitRun(ntriples).verdict(timeout)
