"""Times as articles write them ("Friday", "Last year", "between 2015 and 2018"),
resolved against the publication date, with their precision.

A resolved time keeps its precision -- a day, an ISO week, a month, a year, or a span
of those -- and the earliest and latest days it can mean, so that events can be
ordered and filtered without pretending that "in 2018" means 2018-01-01.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

PRECISIONS = ("day", "week", "month", "year")
_WEEKDAYS = {name.lower(): index for index, name in enumerate(calendar.day_name)}
_MONTHS = {name.lower(): index for index, name in enumerate(calendar.month_name) if name}


@dataclass(frozen=True)
class ResolvedTime:
    """A time value with its precision and the days it spans."""

    value: str
    precision: str
    earliest: dt.date
    latest: dt.date

    @property
    def is_span(self) -> bool:
        """True for a span written A/B, such as 2015/2018."""
        return "/" in self.value


def parse_value(value: str) -> ResolvedTime:
    """Parse YYYY, YYYY-MM, YYYY-MM-DD, YYYY-Www or A/B; ValueError if impossible."""
    if "/" in value:
        first, _, last = value.partition("/")
        start, end = parse_value(first), parse_value(last)
        if end.latest < start.earliest:
            raise ValueError(f"span {value!r} ends before it begins")
        precision = max(start.precision, end.precision, key=PRECISIONS.index)
        return ResolvedTime(value, precision, start.earliest, end.latest)
    if re.fullmatch(r"\d{4}", value):
        year = int(value)
        return ResolvedTime(value, "year", dt.date(year, 1, 1), dt.date(year, 12, 31))
    if re.fullmatch(r"\d{4}-\d{2}", value):
        year, month = int(value[:4]), int(value[5:])
        if not 1 <= month <= 12:
            raise ValueError(f"month {month} does not exist")
        days = calendar.monthrange(year, month)[1]
        return ResolvedTime(value, "month", dt.date(year, month, 1), dt.date(year, month, days))
    if re.fullmatch(r"\d{4}-W\d{2}", value):
        year, week = int(value[:4]), int(value[6:])
        monday = dt.date.fromisocalendar(year, week, 1)
        return ResolvedTime(value, "week", monday, monday + dt.timedelta(days=6))
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        day = dt.date.fromisoformat(value)
        return ResolvedTime(value, "day", day, day)
    raise ValueError(
        f"{value!r} is not a time value: use YYYY, YYYY-MM, YYYY-MM-DD, YYYY-Www or A/B"
    )


def iso_week(day: dt.date) -> str:
    """The ISO week of a day, as YYYY-Www."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def resolve_text(text: str, published: dt.date) -> str | None:
    """The value an article's wording means, relative to its publication date.

    Returns None when the wording is not one this function understands; the curator
    then writes the value in the fact sheet.
    """
    words = re.sub(r"[\s,]+", " ", text.strip().lower()).strip(" .")
    words = re.sub(r"^(on|in|since|during|from|the) ", "", words)
    if words in _WEEKDAYS:
        back = (published.weekday() - _WEEKDAYS[words]) % 7
        return (published - dt.timedelta(days=back)).isoformat()
    relative = {
        "today": published.isoformat(),
        "yesterday": (published - dt.timedelta(days=1)).isoformat(),
        "this week": iso_week(published),
        "last week": iso_week(published - dt.timedelta(days=7)),
        "this month": published.strftime("%Y-%m"),
        "last month": (published.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m"),
        "this year": str(published.year),
        "last year": str(published.year - 1),
    }
    if words in relative:
        return relative[words]
    if re.fullmatch(r"\d{4}", words):
        return words
    span = re.fullmatch(r"(?:between|from) (\d{4}) (?:and|to|until) (\d{4})", words)
    if span:
        return f"{span.group(1)}/{span.group(2)}"
    month = re.fullmatch(r"([a-z]+) (\d{4})", words)
    if month and month.group(1) in _MONTHS:
        return f"{month.group(2)}-{_MONTHS[month.group(1)]:02d}"
    day = re.fullmatch(r"([a-z]+) (\d{1,2}) (\d{4})", words)
    if day and day.group(1) in _MONTHS:
        return f"{day.group(3)}-{_MONTHS[day.group(1)]:02d}-{int(day.group(2)):02d}"
    return None
