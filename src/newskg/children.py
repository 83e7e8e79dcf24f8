"""Work in a child process that can be stopped: pyoxigraph queries, HermiT and owlrl take
no timeout, and a child is also how a check uses the second core.

One rule for every caller: a child is forked only while the parent is known to run one
thread.  A fork copies the memory of every thread but runs only the caller's, so a lock
that another thread held (RocksDB's background threads, started by the first on-disk
pyoxigraph store a process opens and never stopped) stays locked in the child forever, or
its half-written state crashes it: with the test suite in one order a check's child died
of SIGSEGV.  Once the parent has other threads, the child is a fresh interpreter instead
(``python -c``, importing only this module and then the function's), so the function and
its arguments must be picklable: module-level functions, paths rather than open stores.

Why not multiprocessing's forkserver or spawn for that: both import the parent's main
module again in the child, and for the ``newskg`` command that is all of newskg.cli, about
0.3 s of processor time per query; a bare interpreter with pyoxigraph costs about 0.05 s.
Why not always the fresh interpreter: ``newskg query`` runs one child per query, and a
fork costs a few milliseconds, safely, whenever the parent has opened no store yet.

The function and its arguments go to the child, and its return value (or its exception,
as type name, message and traceback, raised in the parent as :class:`ChildFailed`) comes
back, pickled through files in a temporary folder: a pipe would fill and block a child
with a large answer.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn


class ChildTimeout(Exception):
    """The child ran longer than its timeout and was killed."""


class ChildFailed(Exception):
    """The child's function raised (or the child died); `kind` is the exception's type
    name (or ``"exit"``), `message` its text."""

    def __init__(self, kind: str, message: str, details: str = "") -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message
        self.details = details


def single_threaded() -> bool:
    """Whether this process runs one thread (counted in /proc; False where there is none,
    so that elsewhere the safe way is taken)."""
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


def start_method() -> str:
    """fork while it is safe, else a fresh interpreter (see the module's docstring)."""
    return "fork" if single_threaded() else "exec"


class Child:
    """`func(*args)` started in a child process; :meth:`wait` for its result.

    With `own_group`, the child leads a process group of its own and the whole group is
    killed at the timeout: HermiT's Java process goes with it."""

    def __init__(self, func: Callable[..., Any], *args: Any, own_group: bool = False) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="newskg-child-")
        self._folder = Path(self._tmp.name)
        self._group = own_group
        self._started = time.monotonic()
        self._process: _Forked | _Fresh
        if start_method() == "fork":
            self._process = _Forked(func, args, self._folder, own_group)
        else:
            (self._folder / "job").write_bytes(pickle.dumps((func, args)))
            self._process = _Fresh(self._folder, own_group)

    def wait(self, timeout: float | None = None, tick: Callable[[], None] | None = None) -> Any:
        """The function's return value; raises :class:`ChildTimeout` when it has not
        returned `timeout` seconds after it was started, :class:`ChildFailed` when it
        raised.  The child is gone either way.  `tick` is called about ten times a second
        while the child runs (to keep a spinner turning)."""
        try:
            if not self._ended_within(timeout, tick):
                self.stop()
                raise ChildTimeout(f"stopped after {timeout:g} s")
            return self._outcome()
        finally:
            self._tmp.cleanup()

    def _ended_within(self, timeout: float | None, tick: Callable[[], None] | None) -> bool:
        """Whether the child ended before `timeout` seconds from its start."""
        while True:
            left = None if timeout is None else max(0.0, timeout - self.elapsed())
            if tick is None:
                return self._process.join(left)
            if self._process.join(0.1 if left is None else min(0.1, left)):
                return True
            if left is not None and left <= 0.1:
                return False
            tick()

    def elapsed(self) -> float:
        """Seconds since the child was started."""
        return time.monotonic() - self._started

    def stop(self) -> None:
        """Kill the child (and its group, if it leads one) and wait for it."""
        if self._group:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._process.pid, signal.SIGKILL)
        self._process.kill()

    def _outcome(self) -> Any:
        error = self._folder / "error"
        if error.is_file():
            kind, message, details = pickle.loads(error.read_bytes())  # our own child's file
            raise ChildFailed(kind, message, details)
        out = self._folder / "result"
        if self._process.exitcode() != 0 or not out.is_file():
            code = self._process.exitcode()
            raise ChildFailed("exit", f"the child process ended with code {code}")
        return pickle.loads(out.read_bytes())  # our own child's file


class _Forked:
    """A forked child, waited for through a pidfd where the system has them (so that a
    timeout wakes nobody before it is due), else by polling.

    Not multiprocessing's Process: importing multiprocessing took 12-17 ms of every
    query's 0.3-0.5 s, and the child needs none of what it sets up."""

    def __init__(
        self, func: Callable[..., Any], args: tuple[Any, ...], folder: Path, group: bool
    ) -> None:
        self.pid = os.fork()
        if self.pid == 0:  # the child: it never returns
            try:
                _forked_main(func, args, folder, group)
            finally:
                os._exit(1)
        self._code: int | None = None
        self._pidfd: int | None = None
        with contextlib.suppress(AttributeError, OSError):  # Linux 5.3 and later
            self._pidfd = os.pidfd_open(self.pid)

    def join(self, timeout: float | None) -> bool:
        """Whether it ended within `timeout` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._reaped(blocking=timeout is None):
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return False
            self._sleep(left)
        return True

    def _sleep(self, left: float | None) -> None:
        """Until the child ends or `left` seconds pass, whichever comes first."""
        if self._pidfd is None:
            time.sleep(0.01 if left is None else min(left, 0.01))
            return
        select.select([self._pidfd], [], [], left)

    def _reaped(self, blocking: bool) -> bool:
        if self._code is not None:
            return True
        pid, status = os.waitpid(self.pid, 0 if blocking else os.WNOHANG)
        if pid == 0:
            return False
        self._code = os.waitstatus_to_exitcode(status)
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None
        return True

    def kill(self) -> None:
        if self._code is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        self._reaped(blocking=True)

    def exitcode(self) -> int | None:
        return self._code


class _Fresh:
    """A fresh interpreter that runs the job in `folder`, with this process's sys.path."""

    def __init__(self, folder: Path, group: bool) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        code = "import sys; from newskg.children import _fresh_main; _fresh_main(sys.argv[1])"
        # -S: no site module (its .pth hooks cost 30 ms); the parent's sys.path has them
        self._process = subprocess.Popen(
            [sys.executable, "-S", "-c", code, str(folder)], env=env, start_new_session=group
        )
        self.pid = self._process.pid

    def join(self, timeout: float | None) -> bool:
        """Whether it ended within `timeout` seconds."""
        try:
            self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        return True

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self._process.kill()
        self._process.wait()

    def exitcode(self) -> int | None:
        return self._process.returncode


def run_in_child(
    func: Callable[..., Any],
    *args: Any,
    timeout: float | None = None,
    tick: Callable[[], None] | None = None,
) -> Any:
    """`func(*args)` in a child process, stopped after `timeout` seconds (see Child.wait
    for `tick`)."""
    return Child(func, *args).wait(timeout, tick)


def _fresh_main(folder: str) -> None:
    """In a fresh interpreter: the job that the parent left in `folder`."""
    func, args = pickle.loads((Path(folder) / "job").read_bytes())  # our own parent's file
    _run(func, args, Path(folder))


def _forked_main(
    func: Callable[..., Any], args: tuple[Any, ...], folder: Path, group: bool
) -> None:
    """In a forked child: leave without running the parent's exit handlers (they would
    act on resources the child shares with it)."""
    if group:
        os.setsid()
    _run(func, args, folder)


def _run(func: Callable[..., Any], args: tuple[Any, ...], folder: Path) -> NoReturn:
    """Run the function, write its result or its error, and exit at once."""
    try:
        result = pickle.dumps(func(*args))
        (folder / "result").write_bytes(result)
    except BaseException as exc:
        report = (type(exc).__name__, str(exc), traceback.format_exc())
        (folder / "error").write_bytes(pickle.dumps(report))
        os._exit(1)
    os._exit(0)
