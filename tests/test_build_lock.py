"""One build of a project at a time: a second build waits for the first (newskg.locking)."""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
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


def test_a_build_inside_a_build_is_told_it_does_not_run_alone(project: Path) -> None:
    with project_lock(project) as outer, project_lock(project) as inner:
        assert outer and not inner  # the inner one must not sweep the outer's staging


def test_the_staging_folder_of_a_killed_build_goes_with_the_next_build(project: Path) -> None:
    """A build killed with SIGKILL runs no cleanup: its staging folder stays in the
    project, and the next build, alone on the project under its lock, removes it."""
    staged: list[Path] = []
    for _ in range(5):  # a build may end before it is seen staging: try again
        build = _build(project, "--quiet")
        deadline = time.monotonic() + DEADLINE
        while build.poll() is None and time.monotonic() < deadline and not staged:
            staged = list(project.glob(".newskg-staging-*"))
            time.sleep(0.005)
        build.kill()
        build.wait()
        assert build.stderr is not None
        build.stderr.close()
        staged = list(project.glob(".newskg-staging-*"))
        if staged:
            break
        shutil.rmtree(project / "build", ignore_errors=True)  # a whole build again
    assert staged, "no build was caught staging"
    (staged[0] / "left.txt").write_text("from the killed build", encoding="utf-8")
    second = subprocess.run(
        [sys.executable, "-c", _CLI, "build", "--project", str(project)],
        capture_output=True,
        text=True,
        timeout=DEADLINE * 2,
    )
    assert second.returncode == 0, second.stderr
    assert f"removing {staged[0].name}" in second.stderr
    assert not list(project.glob(".newskg-staging-*"))
    assert (project / "build" / "manifest.sqlite").is_file()
