"""Reading YAML fact sheets safely, keeping the position of every value.

PyYAML's safe loader still has traps for curated data: it keeps the last of two
duplicate keys without a word, expands anchors and aliases without limit (alias
bombs), and gives positions only for some errors.  This module composes the node
tree with a loader that refuses anchors and aliases, builds plain Python values
itself (so that duplicate keys are caught), and records where each value stands,
so that any later error -- schema, evidence, RDF shape -- can name file:line:column.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.error import Mark
from yaml.events import AliasEvent, CollectionStartEvent, ScalarEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import ReaderError

from .errors import Location, Problem

MAX_BYTES = 10 * 1024 * 1024
"""Fact sheets larger than this are refused: no article needs 10 MB of facts."""

YamlPath = tuple[str | int, ...]

STR_TAG = "tag:yaml.org,2002:str"


class _AnchorRefused(yaml.MarkedYAMLError):
    pass


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors and aliases while composing."""

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, AliasEvent):
            written = f"alias '*{event.anchor}'"
        elif isinstance(event, ScalarEvent | CollectionStartEvent) and event.anchor is not None:
            written = f"anchor '&{event.anchor}'"
        else:
            return super().compose_node(parent, index)
        raise _AnchorRefused(
            problem=f"{written}: anchors and aliases are not allowed in fact sheets",
            problem_mark=event.start_mark,
        )


@dataclass
class YamlDocument:
    """Plain Python data read from a YAML file, and where each of its values stands.

    Positions are looked up in the composed node tree when asked for (an error to
    report, a definition to point at), not recorded for every value while reading:
    recording them took a quarter of the time it takes to map an article."""

    path: str
    data: Any
    root: Node | None = None
    fact_indices: list[int] | None = None
    """For an article sheet: the index in `facts` of each fact that validated."""

    def location(self, path: YamlPath, *, key: bool = False) -> Location:
        """Where the value (or, with key=True, the key) at `path` stands; its nearest
        enclosing value when that path has no position of its own."""
        trail = self._trail(path)
        if not trail:
            return Location(self.path, 1, 1)
        node, key_node = trail[-1]
        mark = (
            key_node if key and key_node is not None and len(trail) > len(path) else node
        ).start_mark
        return Location(self.path, mark.line + 1, mark.column + 1)

    @property
    def implicit(self) -> _Implicit:
        """Plain (unquoted) scalars that YAML typed as something other than a string,
        with the text as written: `NO` (a boolean), `1.10` (a float), `2024-03-01` (a
        date), by path."""
        return _Implicit(self)

    def _trail(self, path: YamlPath) -> list[tuple[Node, Node | None]]:
        """The nodes from the root along `path`, as far as it leads: each with the key
        node it stands under (None in a sequence).  A repeated key leads to its first
        value, the one the data keeps."""
        if self.root is None:
            return []
        node = self.root
        trail: list[tuple[Node, Node | None]] = [(node, None)]
        for step in path:
            found: tuple[Node, Node | None] | None = None
            if isinstance(node, MappingNode):
                found = next(
                    (
                        (v, k)
                        for k, v in node.value
                        if isinstance(k, ScalarNode) and k.value == step
                    ),
                    None,
                )
            elif isinstance(node, SequenceNode) and isinstance(step, int):
                found = (node.value[step], None) if 0 <= step < len(node.value) else None
            if found is None:
                break
            node = found[0]
            trail.append(found)
        return trail


class _Implicit:
    """`path in doc.implicit` and `doc.implicit[path]`, looked up in the node tree."""

    def __init__(self, doc: YamlDocument) -> None:
        self._doc = doc

    def _text(self, path: object) -> str | None:
        if not isinstance(path, tuple):
            return None
        trail = self._doc._trail(path)
        if len(trail) != len(path) + 1:
            return None
        node = trail[-1][0]
        plain = isinstance(node, ScalarNode) and not node.style
        return node.value if plain and node.tag not in (STR_TAG, None) else None

    def __contains__(self, path: object) -> bool:
        return self._text(path) is not None

    def __getitem__(self, path: YamlPath) -> str:
        text = self._text(path)
        if text is None:
            raise KeyError(path)
        return text


def read_text_file(path: Path, display: str) -> tuple[str | None, list[Problem]]:
    """Read a UTF-8 text file, or say precisely where it is not UTF-8 or too big."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        return None, [
            Problem(
                Location(display, 1, 1),
                f"file is {size} bytes, over the limit of {MAX_BYTES} bytes "
                f"({MAX_BYTES // 2**20} MiB)",
                "split the facts across articles or trim the file",
            )
        ]
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        line = raw.count(b"\n", 0, exc.start) + 1
        before = raw[line_start : exc.start].decode("utf-8")  # the error is the first bad byte
        bad = raw[exc.start : exc.end].hex(" ")
        return None, [
            Problem(
                Location(display, line, len(before) + 1),
                f"file is not UTF-8: byte(s) {bad} after {before[-30:]!r} cannot be decoded",
                "save the file as UTF-8 (for example: iconv -f latin1 -t utf-8)",
            )
        ]


def load_yaml(path: Path, display: str) -> tuple[YamlDocument | None, list[Problem]]:
    """Load one YAML file into a :class:`YamlDocument`, or return the problems found."""
    text, problems = read_text_file(path, display)
    if text is None:
        return None, problems
    return parse_yaml(text, display)


def _compose_fast(text: str) -> tuple[Node | None, Any] | None:
    """Compose with libyaml (ten times faster than PyYAML's Python parser), after a scan
    of its events that refuses anchors and aliases; None when libyaml is missing or the
    text has anything to report, so that the strict Python path says what and where."""
    loader_class = getattr(yaml, "CSafeLoader", None)
    if loader_class is None:
        return None
    try:
        if "&" in text or "*" in text:  # without either, there can be no anchor or alias
            for event in yaml.parse(text, Loader=loader_class):
                if isinstance(event, AliasEvent) or getattr(event, "anchor", None) is not None:
                    return None
        loader = loader_class(text)
        try:
            return loader.get_single_node(), loader
        except yaml.YAMLError:
            loader.dispose()
            return None
    except yaml.YAMLError:
        return None


def parse_yaml(text: str, display: str) -> tuple[YamlDocument | None, list[Problem]]:
    """Parse YAML text (see :func:`load_yaml`)."""
    fast = _compose_fast(text)
    if fast is not None:
        node, fast_loader = fast
        try:
            return _document(node, display, fast_loader)
        finally:
            fast_loader.dispose()
    try:
        loader = _StrictLoader(text)
    except ReaderError as exc:  # raised before any parsing: a character YAML refuses
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        return None, [
            Problem(
                Location(display, line, column),
                f"character U+{exc.character:04X} is not allowed in YAML",
                "remove the control character from the file",
            )
        ]
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_problem(exc, display)]
    except yaml.YAMLError as exc:
        return None, [Problem(Location(display, 1, 1), f"YAML error: {exc}")]
    finally:
        loader.dispose()
    return _document(node, display, loader)


def _document(
    node: Node | None, display: str, loader: Any
) -> tuple[YamlDocument | None, list[Problem]]:
    """Plain data and positions from a composed node tree."""
    doc = YamlDocument(display, None, node)
    if node is None:
        return doc, []
    problems: list[Problem] = []
    doc.data = build_value(node, display, loader, problems)
    return doc, problems


def _syntax_problem(exc: yaml.MarkedYAMLError, display: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    message = str(exc.problem or exc.context or "YAML syntax error")
    hint = "check the indentation and quoting around this position"
    if "'\\t'" in message or "\\t" in message or "tab" in message.lower():
        message = "a tab character in indentation or between tokens"
        hint = "YAML indentation must use spaces, not tabs"
    elif isinstance(exc, _AnchorRefused):
        hint = "write the value out in full instead of `&anchor` / `*alias`"
    elif "mapping values are not allowed" in message:
        hint = "a value that contains ': ' must be put in quotes"
    snippet = _line_at(mark) if mark else ""
    if snippet:
        message += f", in {snippet!r}"
    return Problem(Location(display, line, column), f"YAML syntax error: {message}", hint)


def _line_at(mark: Mark, width: int = 60) -> str:
    """The source line that `mark` stands on, cut to about `width` characters around it."""
    buffer, pointer = mark.buffer, mark.pointer
    if buffer is None:
        return ""
    start = max(buffer.rfind(c, 0, pointer) for c in "\n\r\x85\u2028\u2029") + 1
    ends = [buffer.find(c, pointer) for c in "\0\n\r\x85\u2028\u2029"]
    line = buffer[start : min([e for e in ends if e != -1], default=len(buffer))]
    at = pointer - start
    low, high = max(0, at - width // 2), max(width, at + width // 2)
    return ("…" if low else "") + line[low:high] + ("…" if high < len(line) else "")


def build_value(node: Node, display: str, loader: Any, problems: list[Problem]) -> Any:
    """Plain Python data from a composed node; a duplicate key, or a scalar that cannot
    be read as its tag says, is a problem at its position."""
    if isinstance(node, MappingNode):
        result: dict[Any, Any] = {}
        first_keys: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = build_value(key_node, display, loader, problems)
            if not isinstance(key, str):
                key = str(key)
            if key in first_keys:
                first = first_keys[key].start_mark.line + 1
                problems.append(
                    Problem(
                        _at(display, key_node),
                        f"duplicate key {key!r} (first at line {first})",
                        "YAML would silently keep only the last one: merge or rename them",
                    )
                )
                continue
            first_keys[key] = key_node
            result[key] = build_value(value_node, display, loader, problems)
        return result
    if isinstance(node, SequenceNode):
        return [build_value(item, display, loader, problems) for item in node.value]
    assert isinstance(node, ScalarNode)
    if node.tag == STR_TAG:  # most scalars: what the constructor would return, sooner
        return node.value
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, yaml.constructor.ConstructorError) as exc:
        problems.append(
            Problem(
                _at(display, node),
                f"value {node.value!r} cannot be read: {exc}",
                "write a real date as YYYY-MM-DD"
                if node.tag == "tag:yaml.org,2002:timestamp"
                else "quote the value or correct it",
            )
        )
        return node.value


def _at(display: str, node: Node) -> Location:
    return Location(display, node.start_mark.line + 1, node.start_mark.column + 1)
