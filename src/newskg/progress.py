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

Advance = Callable[..., None]
"""``advance(n=1, label=None)``: count `n` steps done; `label` names the current one."""

QUIET = False
"""Set by the CLI's ``--quiet``: no bar anywhere."""
DELAY_VARIABLE = "NEWSKG_PROGRESS_DELAY"
"""Seconds a step must run before its bar shows (default 1)."""


def enabled() -> bool:
    """Whether bars may show: stderr is a terminal and ``--quiet`` was not given."""
    return not QUIET and sys.stderr.isatty()


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
    try:
        delay = float(os.environ.get(DELAY_VARIABLE, "1"))
    except ValueError:
        delay = 1.0
    started = time.monotonic()
    shown = False
    last = 0.0

    def advance(n: int = 1, label: str | None = None) -> None:
        nonlocal shown, last
        bar.advance(task, n)
        if label is not None:
            bar.update(task, description=label if len(label) <= 40 else "…" + label[-39:])
        now = time.monotonic()
        if not shown and now - started >= delay:
            bar.start()
            shown = True
        if shown and now - last >= 0.1:
            bar.refresh()
            last = now

    try:
        yield advance
    finally:
        if shown:
            bar.stop()
