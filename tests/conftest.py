"""Shared fixtures: copies of the shipped project and of a small second project, and a
second thread in this process (where newskg must not fork)."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIRST_ARTICLE = "bi-2024-03-06-altman-musk"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the repository's data/ in a fresh folder: a project to break or build."""
    root = tmp_path / "project"
    shutil.copytree(REPO / "data", root / "data")
    return root


def write(path: Path, text: str) -> Path:
    """Write UTF-8 text, creating folders; returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def other_thread() -> Iterator[None]:
    """A second thread in this process while the test runs."""
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join()
