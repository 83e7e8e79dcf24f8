"""One build of a project at a time.

Two builds of the same project at once (a user's ``newskg build`` and a query that finds
the data changed and builds first, or two terminals) would each replace build/'s graph
files, store and manifest, and could leave the files of one beside the store of the
other.  A build therefore holds an exclusive lock on the project's folder while it runs,
and a second one waits for it, saying so on stderr, as cargo does for its build folder;
it then finds the first one's work done and has little left to do.

The lock is ``flock`` on the project folder itself, not on a lock file: nothing is left
in the project, and the kernel drops the lock when the process ends, however it ends
(a killed build leaves no stale lock).  Readers take no lock: queries open the store
read-only, and a fresh store goes in place by a rename.  Where there is no ``fcntl``
(Windows), builds are not serialised.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

_HELD: set[str] = set()
"""The projects whose lock this process holds: a build inside a build (none today) must
not wait for itself, since a second ``flock`` on a new descriptor would."""


@contextlib.contextmanager
def project_lock(root: Path, waiting: Callable[[], None] | None = None) -> Iterator[bool]:
    """Hold the project's build lock for the block; `waiting` is called once if another
    process holds it, before this one waits for it.  The block is given whether it runs
    alone on the project: False where there is no flock, and inside a block of this
    process's that holds the lock already."""
    try:
        import fcntl
    except ImportError:  # no flock here
        yield False
        return
    key = os.path.realpath(root)
    if key in _HELD:
        yield False
        return
    descriptor = os.open(key, os.O_RDONLY)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting is not None:
                waiting()
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        _HELD.add(key)
        try:
            yield True
        finally:
            _HELD.discard(key)
    finally:
        os.close(descriptor)  # and with it the lock
