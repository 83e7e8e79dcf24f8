"""Work spread over worker processes, its results taken back in the order given.

The build maps articles this way and a whole-corpus export re-serialises their graph
files; both need the results in a fixed order (the output is deterministic) and both
hold only a few chunks' results at a time (memory stays flat with the corpus).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # imported when a pool starts: a build after one change needs none
    from concurrent.futures import Executor, Future, ProcessPoolExecutor

S = TypeVar("S")
T = TypeVar("T")


def cores() -> int:
    """The cores this process may run on (its affinity, where the system has one): a
    worker process each, for the build's mapping and a whole-corpus export."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def process_pool(
    workers: int, initializer: Callable[..., None] | None = None, initargs: tuple[Any, ...] = ()
) -> ProcessPoolExecutor:
    """A pool of `workers` processes started by a fork server, not by fork: a fork
    would copy the locks of any store's RocksDB threads (the parent has a store open)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("forkserver")
    return ProcessPoolExecutor(
        workers, mp_context=context, initializer=initializer, initargs=initargs
    )


def in_order(
    pool: Executor, each: Callable[[list[S]], list[T]], items: Sequence[S], chunk: int, window: int
) -> Iterator[T]:
    """What ``pool.map`` gives for `each` item (`each` takes a chunk of `chunk` items),
    with at most `window` chunks handed to the pool at a time: Executor.map submits
    every chunk at once, and holds a future and a task for each until the end (1,250
    of them at 10,000 articles)."""
    pending: deque[Future[list[T]]] = deque()
    try:
        for start in range(0, len(items), chunk):
            pending.append(pool.submit(each, list(items[start : start + chunk])))
            if len(pending) >= window:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
    finally:
        for future in pending:  # a caller that stopped early, or a failure
            future.cancel()
