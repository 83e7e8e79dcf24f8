"""Loading the embedded store from the N-Quads files that mapping writes, one per article.

A fresh store is bulk-loaded *while* the articles are being mapped: pyoxigraph's bulk
loader spends about half its time waiting for the disk, and mapping is all processor,
so running them side by side takes little longer than mapping alone.  The loader runs
in a spawned process of its own (its memory is its own, not added to the mapping's; a
fork would copy the locks of RocksDB threads), into a store in the staging folder that
replaces build/store only when the whole build has succeeded.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, cast

from pyoxigraph import RdfFormat, Store

from .errors import StoreError

BULK_THRESHOLD = 50
"""From this many files on, an existing store is bulk-loaded too: the bulk loader writes
sorted files in one go, while a transaction per file pays for each."""


def peak_mb() -> float:
    """This process's peak resident memory so far (Linux reports kilobytes)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class ConcatReader(io.RawIOBase):
    """The files of `paths`, read one after the other as one stream; each is deleted
    once read when `delete` is set (the staging folder then never holds them all)."""

    def __init__(self, paths: Iterable[Path | str], delete: bool = False) -> None:
        super().__init__()
        self._paths: Iterator[Path | str] = iter(paths)
        self._delete = delete
        self._current: io.BufferedReader | None = None
        self._current_path: Path | str | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while True:
            if self._current is None:
                self._current_path = next(self._paths, None)
                if self._current_path is None:
                    return 0
                self._current = open(self._current_path, "rb")  # noqa: SIM115 - closed below
            count = self._current.readinto(buffer)
            if count:
                return count
            self._current.close()
            self._current = None
            if self._delete and self._current_path is not None:
                os.unlink(self._current_path)

    def close(self) -> None:
        if self._current is not None:
            self._current.close()
        super().close()


def load_files(store: Store, paths: list[Path]) -> None:
    """Add the N-Quads files to an open store: a transaction per file for a few, the bulk
    loader for many (a registry change can remap every article)."""
    if len(paths) < BULK_THRESHOLD:
        for path in paths:
            store.load(path=str(path), format=RdfFormat.N_QUADS)
        return
    with ConcatReader(paths) as reader:
        store.bulk_load(input=cast(IO[bytes], reader), format=RdfFormat.N_QUADS)


class BackgroundLoader:
    """Bulk-loads a fresh store in a child process from files handed to it one by one."""

    def __init__(self, store_path: Path) -> None:
        import multiprocessing  # here: every command imports this module for BULK_THRESHOLD

        context = multiprocessing.get_context("spawn")
        child_end, self._paths = context.Pipe(duplex=False)
        self._report, report_end = context.Pipe(duplex=False)
        self._child = context.Process(
            target=_load_child, args=(str(store_path), child_end, report_end), daemon=True
        )
        self._child.start()
        child_end.close()
        report_end.close()
        self.started = time.monotonic()

    def add(self, path: Path) -> None:
        """Queue one file (the child deletes it once loaded)."""
        self._paths.send(str(path))

    def finish(self) -> tuple[float, float]:
        """Wait for the load to end; its wall time and the child's peak memory (MB)."""
        self._paths.send(None)
        self._paths.close()
        try:
            peak = float(self._report.recv())
        except EOFError:  # the child died before it could report
            peak = 0.0
        self._child.join()
        if self._child.exitcode != 0:
            raise StoreError(
                f"loading the embedded store failed (exit {self._child.exitcode})",
                "delete build/ and run newskg build again",
            )
        return time.monotonic() - self.started, peak

    def cancel(self) -> None:
        """Stop the child (the build failed: its store is thrown away with the staging)."""
        if self._child.is_alive():
            self._child.kill()
        self._child.join()


def _load_child(store_path: str, paths: Any, report: Any) -> None:
    try:
        store = Store(store_path)
        with ConcatReader(iter(paths.recv, None), delete=True) as reader:
            store.bulk_load(input=cast(IO[bytes], reader), format=RdfFormat.N_QUADS)
        store.flush()
        del store
        report.send(peak_mb())
    except BaseException:
        os._exit(1)
    os._exit(0)
