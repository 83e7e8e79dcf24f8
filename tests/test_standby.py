"""The standby worker: forked first, it imports what a job needs while the parent finds
the job; and a build after one change maps its article there, so that the parent never
loads the fact models."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from benchmarks.generate import generate

from newskg.standby import StandbyWorker

NEWSKG = str(Path(sys.executable).with_name("newskg"))


_WORKER = """
import os, sys
from newskg.standby import StandbyFailed, StandbyWorker

def pid_and_loaded(name):
    return os.getpid(), name in sys.modules

def fail(message):
    raise ValueError(message)

def die():
    os._exit(3)

def run(modules, job, *args):
    worker = StandbyWorker.start(modules)
    try:
        return repr(worker.run(job, *args))
    except StandbyFailed as failed:
        return f"StandbyFailed: {failed}"
    finally:
        worker.close()

if __name__ == "__main__":
    print(os.getpid())
    print(run(["standby_probe"], pid_and_loaded, "standby_probe"), "standby_probe" in sys.modules)
    print(run([], fail, "no"))
    print(run([], die))
    print(run(["no_such_module_anywhere"], pid_and_loaded, "json"))
    worker = StandbyWorker.start(["newskg.mapping"])
    worker.close()
    try:
        os.waitpid(worker.pid, os.WNOHANG)
    except ChildProcessError:
        print("reaped")
    worker = StandbyWorker.start([])  # started here, where there is one thread
    print(worker is not None)
    worker.close()
"""


def test_the_worker_imports_runs_fails_and_is_reaped(tmp_path: Path) -> None:
    """In a fresh interpreter: this one has other threads by now (pyoxigraph's)."""
    (tmp_path / "standby_probe.py").write_text("", encoding="utf-8")  # a module of its own
    script = tmp_path / "worker.py"
    script.write_text(_WORKER, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    lines = subprocess.run(
        [sys.executable, str(script)], check=True, capture_output=True, text=True, env=env
    ).stdout.splitlines()
    parent = int(lines[0])
    pid, loaded = lines[1].removeprefix("(").split(")")[0].split(", ")
    assert (int(pid) != parent, loaded, lines[1].endswith(" False")) == (True, "True", True)
    assert lines[2] == "StandbyFailed: ValueError: no"
    assert lines[3] == "StandbyFailed: the standby worker ended without an answer"
    assert lines[4].startswith("StandbyFailed: ")  # it died importing: no job was sent
    assert lines[5:] == ["reaped", "True"]


@pytest.mark.usefixtures("other_thread")
def test_no_worker_is_forked_beside_other_threads() -> None:
    assert StandbyWorker.start([]) is None


# -- in a build -----------------------------------------------------------------------

_BUILD_AND_SAY = """
import sys
from pathlib import Path
import newskg
from newskg import pipeline, standby

if __name__ == "__main__":
    if sys.argv[2] == "broken":  # a worker that dies importing: the build maps it itself
        start = standby.StandbyWorker.start
        pipeline.StandbyWorker.start = lambda modules: start(["no_such_module_anywhere"])
    result = newskg.build(Path(sys.argv[1]))
    stage = next(s for s in result.stages if s.name == "map")
    print(result.built, stage.note, "newskg.facts" in sys.modules)
"""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("standby")
    generate(root, 20, seed=5)
    subprocess.run([NEWSKG, "--quiet", "build", "--project", str(root)], check=True)
    return root


def _graph_files(root: Path) -> dict[str, bytes]:
    folder = root / "build" / "graphs"
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*.trig")}


@pytest.mark.parametrize("worker", ["standby", "broken"])
def test_a_build_after_one_change_maps_on_the_standby_worker(
    corpus: Path, tmp_path: Path, worker: str
) -> None:
    script = tmp_path / "build.py"
    script.write_text(_BUILD_AND_SAY, encoding="utf-8")
    sheet = sorted((corpus / "data" / "articles").glob("*.yaml"))[4]
    before = sheet.read_text(encoding="utf-8")
    try:
        sheet.write_text(before.replace("headline: ", f"headline: {worker} ", 1), "utf-8")
        said = subprocess.run(
            [sys.executable, str(script), str(corpus), worker],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        incremental = _graph_files(corpus)
        subprocess.run([NEWSKG, "--quiet", "build", "--full", "--project", str(corpus)], check=True)
        assert _graph_files(corpus) == incremental
    finally:
        sheet.write_text(before, encoding="utf-8")
    if worker == "standby":  # this process and the worker; the models only there
        assert said == f"['{sheet.stem}'] 1 article(s), 2 process(es) False"
    else:  # mapped in this process, which loaded the models to do so
        assert said == f"['{sheet.stem}'] 1 article(s), 1 process(es) True"
    assert f"{worker} ".encode() in incremental[f"articles/{sheet.stem}.trig"]


def test_many_changed_articles_on_one_worker_are_not_sent_to_the_standby(
    corpus: Path, tmp_path: Path
) -> None:
    """With --workers 1 and as many changes as a pool would take, the articles are mapped
    in this process as they come, not handed to the standby in one job."""
    script = tmp_path / "build.py"
    script.write_text(
        "import sys\nfrom pathlib import Path\nimport newskg\n"
        'if __name__ == "__main__":\n'
        "    result = newskg.build(Path(sys.argv[1]), workers=1)\n"
        '    print(next(s for s in result.stages if s.name == "map").note)\n',
        encoding="utf-8",
    )
    sheets = sorted((corpus / "data" / "articles").glob("*.yaml"))[:16]
    before = {sheet: sheet.read_text(encoding="utf-8") for sheet in sheets}
    try:
        for sheet, text in before.items():
            sheet.write_text(text.replace("headline: ", "headline: many ", 1), "utf-8")
        said = subprocess.run(
            [sys.executable, str(script), str(corpus)], check=True, capture_output=True, text=True
        ).stdout.strip()
    finally:
        for sheet, text in before.items():
            sheet.write_text(text, encoding="utf-8")
    assert said == "16 article(s), 1 process(es)"
