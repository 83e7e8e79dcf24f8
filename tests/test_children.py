"""Work in a child process: results, errors and timeouts, and no fork once the parent
runs other threads (a forked check child died of SIGSEGV when tests/test_shacl.py ran
before tests/test_check.py: pyoxigraph's RocksDB threads had started in the parent)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pyoxigraph import NamedNode, Quad, Store

from newskg import build
from newskg.children import Child, ChildFailed, ChildTimeout, run_in_child, start_method
from newskg.stores.embedded import query_embedded

from .helpers import run_cli


def _pid_and_sum(*numbers: int) -> tuple[int, int]:
    return os.getpid(), sum(numbers)


def _fail(message: str) -> None:
    raise ValueError(message)


def _count(store_path: str) -> int:
    return len(Store.read_only(store_path))


def test_a_child_returns_its_result_and_raises_its_error() -> None:
    pid, total = run_in_child(_pid_and_sum, 1, 2, 3)
    assert (total, pid != os.getpid()) == (6, True)
    with pytest.raises(ChildFailed) as failed:
        run_in_child(_fail, "no")
    assert (failed.value.kind, failed.value.message) == ("ValueError", "no")


def test_a_child_is_stopped_at_its_timeout() -> None:
    started = time.monotonic()
    with pytest.raises(ChildTimeout):
        run_in_child(time.sleep, 30, timeout=0.5)
    assert time.monotonic() - started < 10


def test_a_tick_is_called_while_the_child_runs_and_the_timeout_still_holds() -> None:
    ticks: list[float] = []
    assert run_in_child(_pid_and_sum, 1, tick=lambda: ticks.append(1))[1] == 1
    run_in_child(time.sleep, 0.6, tick=lambda: ticks.append(time.monotonic()))
    assert len(ticks) >= 3  # about ten a second
    started = time.monotonic()
    with pytest.raises(ChildTimeout):
        run_in_child(time.sleep, 30, timeout=0.5, tick=lambda: None)
    assert time.monotonic() - started < 10


def test_no_fork_while_the_parent_runs_other_threads(other_thread: None) -> None:
    assert start_method() == "exec"
    assert run_in_child(_pid_and_sum, 4)[1] == 4


def test_children_work_after_the_parent_opened_an_on_disk_store(tmp_path: Path) -> None:
    """RocksDB's threads, started by the parent's store, never reach a child."""
    path = tmp_path / "store"
    store = Store(str(path))
    store.add(Quad(NamedNode("x:s"), NamedNode("x:p"), NamedNode("x:o")))
    store.flush()
    del store
    reader = Store.read_only(str(path))  # the parent keeps a store open, threads running
    children = [Child(_count, str(path)) for _ in range(3)]
    assert [c.wait(60) for c in children] == [1, 1, 1]
    answer = query_embedded(path, "ASK { ?s ?p ?o }", {}, "ASK", 60)
    assert json.loads(answer.data)["boolean"] is True
    del reader


def test_check_runs_after_a_store_was_opened_in_this_process(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The order that crashed: a store opened in the test process, then a check."""
    build(project)
    reader = Store.read_only(str(project / "build" / "store"))
    capsys.readouterr()
    assert run_cli("check", "--project", str(project), "--format", "json") == 0
    assert json.loads(capsys.readouterr().out)["findings"] == []
    del reader


def test_a_stored_check_past_the_timeout_is_a_store_error_not_a_crash(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """From scratch the stored checks run in the check's second process: their
    timeout still ends the command with exit code 3 and one line, no traceback."""
    assert run_cli("check", "--project", str(project), "--timeout", "0.001") == 3
    err = capsys.readouterr().err
    assert "ran longer than" in err and "Traceback" not in err


_FORKED = """
import os, sys, time
from newskg.children import Child, ChildFailed, ChildTimeout, start_method

def pid_and_sum(*numbers):
    return os.getpid(), sum(numbers)

def fail(message):
    raise ValueError(message)

if __name__ == "__main__":
    print(start_method())
    pid, total = Child(pid_and_sum, 1, 2, 3).wait()
    print(pid != os.getpid(), total)
    try:
        Child(fail, "no").wait(timeout=30)
    except ChildFailed as failed:
        print(failed.kind, failed.message)
    try:
        Child(os._exit, 4).wait(timeout=30)
    except ChildFailed as failed:
        print(failed.kind, failed.message)
    started = time.monotonic()
    child = Child(time.sleep, 30)
    try:
        child.wait(timeout=0.3)
    except ChildTimeout:
        print("stopped", time.monotonic() - started < 10)
    try:
        os.waitpid(child._process.pid, os.WNOHANG)
    except ChildProcessError:
        print("reaped")
"""


def test_a_forked_child_answers_fails_and_is_stopped(tmp_path: Path) -> None:
    """The fork path, in a fresh interpreter (this one has other threads by now, and
    would start a fresh interpreter instead)."""
    script = tmp_path / "forked.py"
    script.write_text(_FORKED, encoding="utf-8")
    lines = subprocess.run(
        [sys.executable, str(script)], check=True, capture_output=True, text=True
    ).stdout.splitlines()
    assert lines == [
        "fork",
        "True 6",
        "ValueError no",
        "exit the child process ended with code 4",
        "stopped True",
        "reaped",
    ]
