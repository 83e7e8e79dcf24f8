"""Finding evidence quotes in an article's text, and explaining near misses.

Offsets count Unicode code points (Python string indices), so that
``text[start:end] == exact`` holds for any consumer that counts the same way, as the
W3C Web Annotation model's TextPositionSelector asks.
"""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass

CONTEXT = 32
"""Code points of prefix and suffix kept around each quote, as Web Annotation asks."""

_LOOKALIKES = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"',
        "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2009": " ",
        "\u2013": "-", "\u2014": "-", "\u2212": "-",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Span:
    """Where a quote stands in the text, with the words around it."""

    start: int
    end: int
    exact: str
    prefix: str
    suffix: str


class QuoteNotFound(Exception):
    """The quote is not in the text, or not once; the message says what is there."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def occurrences(text: str, quote: str) -> list[int]:
    """Start offsets of every occurrence of `quote`, overlapping ones included."""
    found, start = [], text.find(quote)
    while start != -1:
        found.append(start)
        start = text.find(quote, start + 1)
    return found


def locate(text: str, quote: str, occurrence: int | None = None) -> Span:
    """The span of `quote` in `text`; QuoteNotFound explains why there is none."""
    if not quote:
        raise QuoteNotFound("the evidence quote is empty", "copy the article's words")
    starts = occurrences(text, quote)
    if not starts:
        raise _explain_miss(text, quote)
    if occurrence is None and len(starts) > 1:
        raise QuoteNotFound(
            f"quote {_short(quote)} occurs {len(starts)} times (at {_offsets(starts)})",
            "lengthen the quote, or write it as {quote: ..., occurrence: N}",
        )
    index = (occurrence or 1) - 1
    if index >= len(starts):
        raise QuoteNotFound(
            f"quote {_short(quote)} occurs {len(starts)} time(s), not {occurrence}",
            f"use an occurrence between 1 and {len(starts)}",
        )
    return span_at(text, starts[index], starts[index] + len(quote))


def span_at(text: str, start: int, end: int) -> Span:
    """The span text[start:end] with its prefix and suffix, cut at line breaks."""
    prefix = text[max(0, start - CONTEXT) : start].rpartition("\n")[2]
    suffix = text[end : end + CONTEXT].partition("\n")[0]
    return Span(start, end, text[start:end], prefix, suffix)


def _normalise(text: str) -> tuple[str, list[int]]:
    """Text with look-alike characters folded, and the original index of each character."""
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = unicodedata.normalize("NFKC", char.translate(_LOOKALIKES))
        if unicodedata.combining(folded[:1] or " ") and chars:
            continue  # NFD combining marks fold into the preceding letter's NFKC form
        chars.append(folded)
        origin.extend([index] * len(folded))
    return "".join(chars), origin


def _explain_miss(text: str, quote: str) -> QuoteNotFound:
    norm_text, origin = _normalise(unicodedata.normalize("NFC", text))
    norm_quote, _ = _normalise(unicodedata.normalize("NFC", quote))
    where = norm_text.find(norm_quote)
    if where != -1:
        start = origin[where]
        end = origin[where + len(norm_quote) - 1] + 1
        passage = text[start:end]
        causes = _differences(quote, passage)
        return QuoteNotFound(
            f"quote {_short(quote)} is not in the text as written: it differs in {causes} "
            f"from the text's {_short(passage)} at {start}",
            "copy the article's characters exactly",
        )
    matcher = difflib.SequenceMatcher(None, text, quote, autojunk=False)
    block = matcher.find_longest_match(0, len(text), 0, len(quote))
    start = max(0, block.a - block.b)
    passage = text[start : start + len(quote)]
    return QuoteNotFound(
        f"quote {_short(quote)} is not in the text; the closest passage is "
        f"{_short(passage)} at {start}",
        "copy the words from the article's .txt file exactly",
    )


def _differences(quote: str, passage: str) -> str:
    causes = []
    pairs = list(zip(quote, passage, strict=False))
    if any(a != b and a.translate(_LOOKALIKES) == b.translate(_LOOKALIKES) for a, b in pairs):
        kinds = {a for a, b in pairs if a != b} | {b for a, b in pairs if a != b}
        if kinds & set("\u00a0\u2007\u202f\u2009"):
            causes.append("non-breaking spaces")
        if kinds & set("'\"\u2018\u2019\u201c\u201d\u201a\u201e"):
            causes.append("curly against straight quotes")
        if kinds & set("-\u2013\u2014\u2212"):
            causes.append("dashes")
    if (
        unicodedata.normalize("NFC", quote) != quote
        or unicodedata.normalize("NFC", passage) != passage
    ):
        causes.append("Unicode normalisation (NFC against NFD)")
    return ", ".join(causes) or "look-alike characters"


def _short(value: str, limit: int = 70) -> str:
    value = value.replace("\n", " ")
    return repr(value if len(value) <= limit else value[: limit - 1] + "…")


def _offsets(starts: list[int]) -> str:
    return ", ".join(str(s) for s in starts[:5]) + (", ..." if len(starts) > 5 else "")
