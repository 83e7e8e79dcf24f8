"""Progress bars on stderr for the steps that take more than a moment.

A bar shows only when stderr is a terminal and the user did not ask for quiet: a log
file or a pipe gets no escape codes, and rich is not even imported then (it costs a
tenth of a second).  The bar appears only once a step has run for a second (or
``NEWSKG_PROGRESS_DELAY`` seconds), so that quick steps stay silent.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

Advance = Callable[..., None]
"""``advance(n=1, label=None)``: count `n` steps done; `label` names the current one."""

QUIET = False
"""Set by the CLI's ``--quiet``: no bar anywhere."""
DELAY_VARIABLE = "NEWSKG_PROGRESS_DELAY"
"""Seconds a step must run before its bar shows (default 1)."""


def enabled() -> bool:
    """Whether bars may show: stderr is a terminal and ``--quiet`` was not given."""
    return not QUIET and sys.stderr.isatty()


def notice(line: str) -> None:
    """One line on stderr that the user should see even without a terminal (a build
    waiting for another), unless ``--quiet`` was given."""
    if not QUIET:
        print(f"newskg: {line}", file=sys.stderr, flush=True)


def _uncounted(n: int = 1, label: str | None = None) -> None:
    """Counts nothing: the bar is off."""


@contextmanager
def progress(description: str, total: int, unit: str = "") -> Iterator[Advance]:
    """A bar for `total` steps; yields the function that counts steps done."""
    if not enabled() or total <= 0:
        yield _uncounted
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        Task,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class Rate(ProgressColumn):  # steps per second, in the step's unit
        def render(self, task: Task) -> Text:
            return Text(f"{task.speed:,.0f} {unit}/s" if task.speed else "")

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        Rate(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
        auto_refresh=False,
    )
    task = bar.add_task(description, total=total)
    with _shown_after_a_delay(bar) as refresh:

        def advance(n: int = 1, label: str | None = None) -> None:
            bar.advance(task, n)
            if label is not None:
                bar.update(task, description=label if len(label) <= 40 else "…" + label[-39:])
            refresh()

        yield advance


@contextmanager
def waiting(description: str) -> Iterator[Callable[[], None]]:
    """A spinner and the time elapsed, for a step that cannot count its progress (a query
    over the whole corpus runs for most of a minute at 10,000 articles, in a child
    process); yields the function to call now and then while it runs."""
    if not enabled():
        yield _idle
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
        auto_refresh=False,
    )
    bar.add_task(description, total=None)
    with _shown_after_a_delay(bar) as refresh:
        yield refresh


def _idle() -> None:
    """Shows nothing: the spinner is off."""


@contextmanager
def _shown_after_a_delay(bar: Any) -> Iterator[Callable[[], None]]:
    """Yields the function that shows `bar` once the step has run for the delay and then
    redraws it at most ten times a second (no thread of rich's own: a query's child is
    forked from this process, which must have one thread when it forks); the bar is
    gone when the step ends."""
    try:
        delay = float(os.environ.get(DELAY_VARIABLE, "1"))
    except ValueError:
        delay = 1.0
    started = time.monotonic()
    shown = False
    last = 0.0

    def refresh() -> None:
        nonlocal shown, last
        now = time.monotonic()
        if not shown and now - started >= delay:
            bar.start()
            shown = True
        if shown and now - last >= 0.1:
            bar.refresh()
            last = now

    try:
        yield refresh
    finally:
        if shown:
            bar.stop()
