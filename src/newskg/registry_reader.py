"""data/entities.yaml read one entry at a time, into a registry index.

libyaml's events are composed into one entry's node tree at a time, each entry checked
against the schema, and written to the index (newskg.registry_index) as it comes, so
that memory does not grow with the registry.  Apart from the index's reading side, so
that a lookup by id (every query about one entity) does not import PyYAML.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import Location, Problem
from .registry_index import NotIndexed, RegistryIndex, write_index
from .yamlio import MAX_BYTES, STR_TAG, build_value

if TYPE_CHECKING:
    from .facts import Entity


def index_registry(path: Path, display: str, target: Path) -> RegistryIndex | None:
    """Read data/entities.yaml entry by entry into an index at `target`, labelled with
    the SHA-256 of the bytes read (taken as they are read: a file saved meanwhile is
    not taken for what was indexed).

    None when the file has anything to report, or a shape this reader does not take on
    (anything but one mapping whose one key is ``entities``): the caller then reads it
    whole and says what and where."""
    if path.stat().st_size > MAX_BYTES:
        return None
    try:
        with path.open("rb") as raw:
            hashing = _HashingReader(raw)
            stream = io.TextIOWrapper(io.BufferedReader(hashing), encoding="utf-8")

            def file_digest() -> str:
                stream.read()  # whatever follows the YAML stream's end, into the hash
                return hashing.digest.hexdigest()

            return write_index(target, _checked_entries(stream, display), file_digest)
    except (NotIndexed, yaml.YAMLError, UnicodeDecodeError):
        target.with_name(f".{target.name}.{os.getpid()}.tmp").unlink(missing_ok=True)
        return None


class _HashingReader(io.RawIOBase):
    """A binary file whose bytes are hashed as they are read."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        self.digest.update(memoryview(buffer)[:count])
        return int(count)


def _checked_entries(stream: IO[str], display: str) -> Iterator[tuple[Entity, Location]]:
    """Each entry of the registry, checked, with where its id stands."""
    events = yaml.parse(stream, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    resolver = yaml.resolver.Resolver()
    opening: tuple[type[Event], ...] = (StreamStartEvent, DocumentStartEvent, MappingStartEvent)
    for kind in opening:
        _expect(events, kind)
    key = _compose(events, _next(events), resolver)
    if not (isinstance(key, ScalarNode) and key.tag == STR_TAG and key.value == "entities"):
        raise NotIndexed
    _expect(events, SequenceStartEvent)
    for event in events:
        if isinstance(event, SequenceEndEvent):
            break
        yield _checked_entry(_compose(events, event, resolver), display)
    for kind in (MappingEndEvent, DocumentEndEvent, StreamEndEvent):
        _expect(events, kind)


def _checked_entry(node: Node, display: str) -> tuple[Entity, Location]:
    from pydantic import ValidationError

    from .facts import Entity

    problems: list[Problem] = []
    data = build_value(node, display, yaml.constructor.SafeConstructor(), problems)
    if problems or not isinstance(data, dict):
        raise NotIndexed
    try:
        entity = Entity.model_validate(data)
    except ValidationError:
        raise NotIndexed from None
    assert isinstance(node, MappingNode)
    id_node = next(v for k, v in node.value if isinstance(k, ScalarNode) and k.value == "id")
    mark = id_node.start_mark
    return entity, Location(display, mark.line + 1, mark.column + 1)


def _next(events: Iterator[Event]) -> Event:
    event = next(events, None)
    if event is None:
        raise NotIndexed
    return event


def _expect(events: Iterator[Event], kind: type[Event]) -> None:
    event = _next(events)
    if not isinstance(event, kind) or getattr(event, "anchor", None) is not None:
        raise NotIndexed


def _compose(events: Iterator[Event], first: Event, resolver: Any) -> Node:
    """The node tree of one value, from its events, as PyYAML's composer makes it; an
    anchor or an alias is left to the whole-file reader to report."""
    if isinstance(first, AliasEvent) or getattr(first, "anchor", None) is not None:
        raise NotIndexed
    start: Any = first.start_mark  # libyaml's marks, which PyYAML's nodes take as theirs
    if isinstance(first, ScalarEvent):
        tag = _tag(first, ScalarNode, first.value, resolver)
        return ScalarNode(tag, first.value, start, first.end_mark, style=first.style)  # type: ignore[arg-type]
    if isinstance(first, SequenceStartEvent):
        items: list[Node] = []
        for event in events:
            if isinstance(event, SequenceEndEvent):
                tag = _tag(first, SequenceNode, None, resolver)
                return SequenceNode(tag, items, start, event.end_mark)  # type: ignore[arg-type]
            items.append(_compose(events, event, resolver))
    if isinstance(first, MappingStartEvent):
        pairs: list[tuple[Node, Node]] = []
        for event in events:
            if isinstance(event, MappingEndEvent):
                tag = _tag(first, MappingNode, None, resolver)
                return MappingNode(tag, pairs, start, event.end_mark)  # type: ignore[arg-type]
            key = _compose(events, event, resolver)
            pairs.append((key, _compose(events, _next(events), resolver)))
    raise NotIndexed


def _tag(event: Any, kind: type[Node], value: str | None, resolver: Any) -> str:
    """The node's tag: as written, or as YAML's rules give it for a plain value."""
    if event.tag is None or event.tag == "!":
        return str(resolver.resolve(kind, value, event.implicit))
    return str(event.tag)
