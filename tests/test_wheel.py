"""The package installed from a wheel, in a fresh environment, on a project outside the repo."""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from .conftest import REPO


@pytest.mark.slow
def test_wheel_builds_a_project_outside_the_repository(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(REPO)],
        check=True,
    )
    wheel = next(dist.glob("newskg-*.whl"))
    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], check=True)

    user = tmp_path / "my-news"
    shutil.copytree(REPO / "tests" / "cases" / "small-project" / "data", user / "data")
    newskg = str(env_dir / "bin" / "newskg")
    run = subprocess.run(
        [newskg, "build", "-o", "graph.ttl"], cwd=user, capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr
    assert "built 1 article(s)" in run.stdout
    assert (user / "graph.ttl").read_text(encoding="utf-8").count("nk:Lawsuit") == 1
    where = subprocess.run(
        [str(python), "-c", "from newskg.resources import ontology_path; print(ontology_path())"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout.strip()
    assert where.startswith(str(env_dir)) and Path(where).is_file()
    schema = env_dir.glob("lib/python*/site-packages/newskg/resources/schema/article.schema.json")
    assert list(schema)
