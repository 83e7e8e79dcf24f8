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

Advance = Callable[[int], None]

QUIET = False
"""Set by the CLI's ``--quiet``: no bar anywhere."""
DELAY_VARIABLE = "NEWSKG_PROGRESS_DELAY"
"""Seconds a step must run before its bar shows (default 1)."""


def enabled() -> bool:
    """Whether bars may show: stderr is a terminal and ``--quiet`` was not given."""
    return not QUIET and sys.stderr.isatty()


def _uncounted(n: int = 1) -> None:
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
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn(description),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
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

    def advance(n: int = 1) -> None:
        nonlocal shown, last
        bar.advance(task, n)
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
