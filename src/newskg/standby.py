"""A worker process forked at the start of a piece of work, that imports what the work
will need while the parent finds out what there is to do.

A build after one article changed spends about 0.3 s importing the fact models
(pydantic builds 27 of them) to map that article, and about as long before it knows
which article that is (the stats of 20,000 files at 10,000 articles, the comparison with
the manifest).  Forked first, a standby worker does the first on the second core while
the parent does the second; the parent then hands it the job, or sends it away when
there is none.

Forked only while the parent runs one thread (see newskg.children: a fork copies no
thread but the caller's, and their locks stay held), and before it opens a store.  The
job and its result are pickled through pipes; a worker that fails, for any reason, makes
:meth:`StandbyWorker.run` raise :class:`StandbyFailed`, and the caller does the job
itself.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import pickle
import signal
from collections.abc import Callable, Iterable
from typing import Any, NoReturn

from .children import single_threaded

_LENGTH = 8
"""Bytes of the length that comes before each pickled message."""


class StandbyFailed(Exception):
    """The standby worker could not do the job (it died, or its job raised)."""


class StandbyWorker:
    """A forked process that imports `modules`, then waits for one job."""

    def __init__(self, pid: int, jobs: int, results: int) -> None:
        self.pid = pid
        self._jobs: int | None = jobs
        self._results = results
        self._done = False
        self._reaped = False
        """Waited for: its pid may now be another process's, never to be signalled."""

    @classmethod
    def start(cls, modules: Iterable[str]) -> StandbyWorker | None:
        """A worker importing `modules`, or None where one cannot safely be forked."""
        if not hasattr(os, "fork") or not single_threaded():
            return None
        names = list(modules)
        job_read, job_write = os.pipe()
        result_read, result_write = os.pipe()
        try:
            pid = os.fork()
        except OSError:  # no process to spare: the caller does the work itself
            for descriptor in (job_read, job_write, result_read, result_write):
                os.close(descriptor)
            return None
        if pid == 0:  # the worker: it never returns
            os.close(job_write)
            os.close(result_read)
            _serve(names, job_read, result_write)
        os.close(job_read)
        os.close(result_write)
        return cls(pid, job_write, result_read)

    def run(self, func: Callable[..., Any], *args: Any) -> Any:
        """`func(*args)` in the worker (once per worker): its return value."""
        if self._jobs is None or self._done:
            raise StandbyFailed("the standby worker has already been used")
        self._done = True
        try:
            _send(self._jobs, (func, args))
        except OSError as error:  # it died before it read the job
            raise StandbyFailed(f"cannot send the job: {error}") from None
        finally:
            os.close(self._jobs)
            self._jobs = None
        message = _receive(self._results)
        self._reap()
        if message is None:
            raise StandbyFailed("the standby worker ended without an answer")
        ok, value = pickle.loads(message)  # our own child's pipe
        if not ok:
            raise StandbyFailed(value)
        return value

    def close(self) -> None:
        """Send the worker away and wait for it: killed, unless it has answered (with no
        job, or interrupted while it worked, it would not end by itself in time)."""
        self._done = True
        if not self._reaped:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        if self._jobs is not None:
            os.close(self._jobs)
            self._jobs = None
        self._reap()

    def _reap(self) -> None:
        if self._results >= 0:
            os.close(self._results)
            self._results = -1
        if not self._reaped:
            self._reaped = True
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)


def _serve(modules: list[str], jobs: int, results: int) -> NoReturn:
    """In the worker: import, wait for the job, run it, answer, and leave at once (the
    parent's exit handlers are the parent's)."""
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # ^C is the parent's to handle
        gc.enable()  # as a pool worker has it, whatever the parent's setting
        for name in modules:
            importlib.import_module(name)
        message = _receive(jobs)
        if message is not None:
            func, args = pickle.loads(message)  # our own parent's pipe
            try:
                answer: tuple[bool, Any] = (True, func(*args))
            except Exception as error:
                answer = (False, f"{type(error).__name__}: {error}")
            _send(results, answer)
        code = 0
    finally:
        os._exit(code)


def _send(descriptor: int, value: Any) -> None:
    data = pickle.dumps(value)
    view = memoryview(len(data).to_bytes(_LENGTH, "big") + data)
    while view:
        view = view[os.write(descriptor, view) :]


def _receive(descriptor: int) -> bytes | None:
    """One message, or None at the end of the pipe before a whole one came."""
    head = _read_exactly(descriptor, _LENGTH)
    if head is None:
        return None
    return _read_exactly(descriptor, int.from_bytes(head, "big"))


def _read_exactly(descriptor: int, size: int) -> bytes | None:
    chunks: list[bytes] = []
    while size > 0:
        chunk = os.read(descriptor, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)
