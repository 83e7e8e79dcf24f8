"""Whether build/ is in step with the files it was built from, judged without reading
them: the size and modification time of every input file, hashed into one fingerprint.

A build keeps the fingerprint taken when it started (build/inputs.sha256); a query, an
export or a push compares it with the files as they are now, and builds first when they
differ.  A module of its own, light to import: a query forks a child to judge this while
it runs, at 10,000 articles as long as a query about one entity takes, and the child
should start before the query's own imports rather than after them.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .errors import UsageError
from .layout import ARTICLES_DIR, BUILD_DIR, INPUTS_STAMP, MANIFEST, STORE_DIR, find_root
from .resources import ontology_path

if TYPE_CHECKING:
    from .children import Child

Stats = dict[str, tuple[int, int]]
"""Modification time and size by path string, as :func:`scan_inputs` found them."""


@dataclass(frozen=True)
class InputScan:
    """What one look at every file a build reads found (see :func:`scan_inputs`)."""

    fingerprint: str
    stats: Stats
    """Modification time and size by path string, when asked for: a build compares them
    with its manifest, and so does not ask the file system twice."""
    articles: dict[str, None]
    """The file names in data/articles, sorted (as an ordered set): the build's listing
    of its articles, from the same look as the fingerprint."""


FINGERPRINT_BATCH = 2_000
"""Lines hashed at a time: the lines of 20,000 files, joined, had raised a build's peak
by 16 MB, and one update per line cost a tenth of the fingerprint's time."""


def inputs_fingerprint(root: Path) -> str:
    """One digest of the size and modification time of every file a build reads (all of
    data/, newskg.toml, the ontology) and of newskg's version."""
    return scan_inputs(root, keep_stats=False).fingerprint


def scan_inputs(root: Path, *, keep_stats: bool) -> InputScan:
    """The inputs' fingerprint (see :func:`inputs_fingerprint`), with the stats it took
    (when `keep_stats`) and the articles' listing.  The digest is that of the same lines
    hashed one at a time: batching them changes no stamp."""
    digest = hashlib.sha256(__version__.encode())
    stats: Stats = {}
    articles: dict[str, None] = {}
    articles_dir = os.fspath(root / ARTICLES_DIR)
    batch: list[str] = []
    for top, files in _input_files(root):
        if top == articles_dir:
            articles = dict.fromkeys(files)
        with _folder(top) as stat:
            for name in files:
                path = f"{top}/{name}" if top else name
                found = stat(name if top else path)
                if found is None:
                    batch.append(f"\n{path}\t-")
                    continue
                if keep_stats:
                    stats[path] = found
                batch.append(f"\n{path}\t{found[1]}\t{found[0]}")
                if len(batch) >= FINGERPRINT_BATCH:
                    digest.update("".join(batch).encode())
                    batch.clear()
    digest.update("".join(batch).encode())
    return InputScan(digest.hexdigest(), stats, articles)


def _input_files(root: Path) -> Iterator[tuple[str, list[str]]]:
    """What :func:`scan_inputs` looks at, a folder and its file names at a time, in a
    stable order (a file outside data/ comes as its own path and an empty folder)."""
    for top, folders, files in os.walk(root / "data", followlinks=True):
        folders.sort()
        files.sort()
        yield top, files
    yield "", [os.fspath(root / "newskg.toml")]
    yield "", [os.fspath(ontology_path())]


@contextlib.contextmanager
def _folder(top: str) -> Iterator[Callable[[str], tuple[int, int] | None]]:
    """A function that stats a file of folder `top` by its name (or any file by its
    path, when `top` is ""): relative to the open folder where the system allows it, so
    that the kernel does not walk the whole path again for each of 10,000 files (a
    fingerprint at 10,000 articles, median of ten: 0.13 s, against 0.14 s with whole
    paths, and 0.18 s one line at a time)."""
    if not top or os.stat not in os.supports_dir_fd:
        yield mtime_size
        return
    try:
        descriptor = os.open(top, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        yield lambda name: mtime_size(f"{top}/{name}")
        return
    try:
        yield lambda name: mtime_size(name, descriptor)
    finally:
        os.close(descriptor)


def up_to_date(root: Path) -> bool:
    """Whether build/ was built from the files as they are now, judged by their sizes and
    modification times only (as a build judges each article before reading it, and as git
    does), without reading the manifest: what a query pays before it runs (0.1 s at
    10,000 articles, against 0.5 s for a build that finds nothing to do).  The digest is
    taken when a build starts and kept when it succeeds, so a file changed while a build
    runs makes the next one look again; a failed build leaves build/ as it was, stamp
    included, and the files it failed on no longer match that stamp."""
    folder = root / BUILD_DIR
    try:
        kept = (folder / INPUTS_STAMP).read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        return False
    return (
        (folder / STORE_DIR).is_dir()
        and (folder / MANIFEST).is_file()
        and kept == inputs_fingerprint(root)
    )


def mtime_size(path: str, folder: int | None = None) -> tuple[int, int] | None:
    """A file's modification time (ns) and size, its path relative to the open `folder`
    if given; None when there is no such file."""
    try:
        found = os.stat(path, dir_fd=folder)
    except FileNotFoundError:
        return None
    return found.st_mtime_ns, found.st_size


def judge_in_child(project: Path | None) -> Child | None:
    """Start judging whether the project's build/ is up to date (:func:`up_to_date`) in
    a child process, to be waited for once the caller's own work is done: a query about
    one entity takes about as long as the judgement at 10,000 articles, and the two run
    side by side.  None when there is no built project to judge, or no child to be had
    (the caller then judges, or builds, in its own process)."""
    try:
        root = find_root(project)
    except UsageError:
        return None
    folder = root / BUILD_DIR
    built = (folder / INPUTS_STAMP).is_file() and (folder / MANIFEST).is_file()
    if not (built and (folder / STORE_DIR).is_dir()):
        return None
    from .children import Child

    with contextlib.suppress(OSError):
        return Child(up_to_date, root)
    return None


def stop_judging(judgement: Child | None) -> None:
    """Stop a judgement that will not be waited for (the command failed or was
    interrupted first), and remove its folder."""
    from .children import ChildFailed, ChildTimeout

    if judgement is not None:
        with contextlib.suppress(ChildTimeout, ChildFailed):
            judgement.wait(timeout=0)
