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

from newskg.standby import StandbyFailed, StandbyWorker

NEWSKG = str(Path(sys.executable).with_name("newskg"))


def _pid_and_loaded(name: str) -> tuple[int, bool]:
    return os.getpid(), name in sys.modules


def _fail(message: str) -> None:
    raise ValueError(message)


def _die() -> None:
    os._exit(3)


def _started(modules: list[str]) -> StandbyWorker:
    worker = StandbyWorker.start(modules)
    assert worker is not None, "the test process runs one thread"
    return worker


def test_the_worker_imports_its_modules_and_runs_the_job() -> None:
    name = "xml.dom.minidom"  # imported by nothing newskg or pytest loads
    assert name not in sys.modules
    worker = _started([name])
    try:
        pid, loaded = worker.run(_pid_and_loaded, name)
    finally:
        worker.close()
    assert (pid != os.getpid(), loaded, name in sys.modules) == (True, True, False)


def test_a_job_that_raises_or_a_worker_that_dies_is_a_standby_failure() -> None:
    worker = _started([])
    with pytest.raises(StandbyFailed, match="ValueError: no"):
        worker.run(_fail, "no")
    worker.close()
    worker = _started([])
    with pytest.raises(StandbyFailed, match="without an answer"):
        worker.run(_die)
    worker.close()
    worker = _started(["no_such_module_anywhere"])  # dies importing
    with pytest.raises(StandbyFailed):
        worker.run(_pid_and_loaded, "json")
    worker.close()


def test_a_worker_sent_away_unused_is_killed_and_reaped() -> None:
    worker = _started(["newskg.mapping"])
    worker.close()
    with pytest.raises(ChildProcessError):  # reaped: no zombie is left
        os.waitpid(worker.pid, os.WNOHANG)
    with pytest.raises(StandbyFailed):
        worker.run(_pid_and_loaded, "json")


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
