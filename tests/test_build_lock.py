"""One build of a project at a time: a second build waits for the first (newskg.locking)."""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from newskg.locking import project_lock

_CLI = "from newskg.cli import main; main()"
_HOLD = """
import sys, time
from pathlib import Path
from newskg.locking import project_lock
with project_lock(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(600)
"""
DEADLINE = 120.0
"""Seconds a step may take before the test gives up on it (not a timing asserted)."""


@contextlib.contextmanager
def _lines(child: subprocess.Popen[str], stream: IO[str]) -> Iterator[queue.Queue[str]]:
    """The lines of a child's stream as they come; the child and the stream are gone
    after the block."""
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in stream:
            lines.put(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        yield lines
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        reader.join()
        stream.close()


def _blocked_on_a_lock(pid: int) -> bool:
    """Whether process `pid` comes to wait for a lock, as /proc/locks lists the waiters
    (``-> FLOCK ... pid``), within DEADLINE seconds."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        for line in Path("/proc/locks").read_text().splitlines():
            fields = line.split()
            if "->" in fields and "FLOCK" in fields and str(pid) in fields:
                return True
        time.sleep(0.05)
    return False


def _build(project: Path, *options: str) -> subprocess.Popen[str]:
    """`newskg [options] build` of `project`, started."""
    return subprocess.Popen(
        [sys.executable, "-c", _CLI, *options, "build", "--project", str(project)],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )


def test_a_build_waits_while_another_holds_the_project(project: Path) -> None:
    waited: list[bool] = []
    with contextlib.ExitStack() as lock:
        lock.enter_context(project_lock(project, lambda: waited.append(True)))
        assert not waited  # nobody else held it
        second = _build(project)
        assert second.stderr is not None
        with _lines(second, second.stderr) as lines:
            line = lines.get(timeout=DEADLINE)
            assert line.startswith("newskg: waiting for another build of")
            assert str(project) in line
            assert second.poll() is None  # still waiting, and nothing written
            assert not (project / "build").exists()
            lock.close()
            assert second.wait(timeout=DEADLINE) == 0
    assert (project / "build" / "manifest.sqlite").is_file()


def test_quiet_waits_without_a_word(project: Path) -> None:
    with contextlib.ExitStack() as lock:
        lock.enter_context(project_lock(project))
        second = _build(project, "--quiet")
        assert second.stderr is not None
        with _lines(second, second.stderr) as lines:
            assert _blocked_on_a_lock(second.pid)  # it waits: the lock is ours
            lock.close()
            assert second.wait(timeout=DEADLINE) == 0
    said = []
    while not lines.empty():
        said.append(lines.get())
    assert not any("waiting" in line for line in said), said


def test_a_killed_holder_leaves_no_stale_lock(project: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(project)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None
    waiting, acquired = threading.Event(), threading.Event()

    def take() -> None:
        with project_lock(project, waiting.set):
            acquired.set()

    with _lines(holder, holder.stdout) as lines:
        assert lines.get(timeout=DEADLINE) == "held\n"
        threading.Thread(target=take, daemon=True).start()
        assert waiting.wait(timeout=DEADLINE)  # held by the other process
        assert not acquired.is_set()
        os.kill(holder.pid, signal.SIGKILL)
    assert acquired.wait(timeout=DEADLINE)  # the kernel dropped the killed holder's lock


def test_a_build_inside_a_build_does_not_wait_for_itself(project: Path) -> None:
    waited: list[bool] = []
    with project_lock(project), project_lock(project, lambda: waited.append(True)):
        pass
    assert not waited
