"""The built graph behind a local SPARQL 1.1 endpoint: Oxigraph's server, read-only.

`newskg serve` builds the project if its data changed, takes a snapshot of build/store
(a RocksDB checkpoint: hard links where it can, so it is quick and small), and runs
``oxigraph serve-read-only`` on the snapshot.  A snapshot, not build/store itself,
because Oxigraph calls reading a store that another process writes undefined
behaviour: with the snapshot, ``newskg build`` can run while the server is up (the
server keeps serving what it was started with).

The server binds to 127.0.0.1 unless told otherwise; anything else needs a confirmation,
since the server follows ``SERVICE <url>`` in the queries it gets on its own (newskg's
local refusal of SERVICE does not apply to it): whoever can reach it can make it fetch
any URL it can reach.
"""

from __future__ import annotations

import contextlib
import ipaddress
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Store

from .errors import StoreError, UsageError

DEFAULT_BIND = "127.0.0.1:7878"
SERVICE_WARNING = (
    "note: the Oxigraph server follows SERVICE <url> in the queries it is sent, on its "
    "own: whoever can reach it can make it fetch any URL this machine can reach"
)
START_TIMEOUT = 20.0


@dataclass(frozen=True)
class Bind:
    """Where the server listens."""

    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def url(self) -> str:
        """The URL to open in a browser (a wildcard address is shown as 127.0.0.1)."""
        host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(self.host, self.host)
        return f"http://{'[' + host + ']' if ':' in host else host}:{self.port}"

    @property
    def loopback(self) -> bool:
        """True when only this machine can connect."""
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


def parse_bind(value: str) -> Bind:
    """HOST:PORT (an IPv6 host in brackets) as a Bind, or a usage error."""
    host, sep, port = value.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(f"--bind {value!r} is not HOST:PORT", "e.g. 127.0.0.1:7878")
    return Bind(host, int(port))


def oxigraph_executable() -> str:
    """The `oxigraph` command of newskg's environment (PyPI package `oxigraph`)."""
    beside = Path(sys.executable).parent / "oxigraph"
    found = str(beside) if beside.is_file() else shutil.which("oxigraph")
    if found is None:
        raise UsageError(
            "the Oxigraph server is not installed", "pip install oxigraph (in newskg's environment)"
        )
    return found


def snapshot(store_path: Path, target: Path) -> None:
    """A consistent copy of the store in `target`, which must not exist yet."""
    store = Store.read_only(str(store_path))
    try:
        store.backup(str(target))
    except OSError as exc:
        raise StoreError(f"cannot snapshot {store_path}: {exc}") from exc
    finally:
        del store


@dataclass
class Served:
    """A running server: its URL and process."""

    url: str
    process: subprocess.Popen[bytes]


def _answers(url: str) -> bool:
    """True when an Oxigraph server answers at the URL: a port that merely accepts
    connections may be someone else's (the server then fails to bind and exits)."""
    try:
        with urllib.request.urlopen(url + "/", timeout=1) as page:
            return "oxigraph" in page.headers.get("Server", "").lower()
    except urllib.error.HTTPError as error:
        error.close()
        return "oxigraph" in error.headers.get("Server", "").lower()
    except (OSError, ValueError):
        return False


def _wait_until_listening(process: subprocess.Popen[bytes], bind: Bind, log: Path) -> None:
    """Wait (bounded) until the server answers; fail as soon as it exits."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            message = log.read_text(encoding="utf-8", errors="replace")
            raise StoreError(
                f"the Oxigraph server did not start on {bind}: {message.strip()[-300:]}",
                "is the port taken? choose another with --bind",
            )
        if _answers(bind.url):
            return
        if time.monotonic() > deadline:
            raise StoreError(f"the Oxigraph server did not answer on {bind} in time")
        time.sleep(0.05)


@contextlib.contextmanager
def running(
    root: Path | None = None, bind: str = DEFAULT_BIND, *, union_default_graph: bool = False
) -> Iterator[Served]:
    """Build, snapshot and start the server; stop it and delete the snapshot afterwards."""
    from .pipeline import BuildDir, build

    where = parse_bind(bind)
    project = build(root).project
    folder = BuildDir(project.root).path
    executable = oxigraph_executable()
    with tempfile.TemporaryDirectory(prefix=".serve-", dir=folder) as tmp:
        location = Path(tmp) / "store"
        snapshot(folder / "store", location)
        command = [executable, "serve-read-only", "--location", str(location)]
        command += ["--bind", str(where)]
        if union_default_graph:
            command.append("--union-default-graph")
        log = Path(tmp) / "server.log"
        with log.open("wb") as output:  # a file, not a pipe that could fill and block it
            process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=output)
        try:
            _wait_until_listening(process, where, log)
            yield Served(where.url, process)
        finally:
            _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate the server, killing it if it does not stop within ten seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def serve(
    root: Path | None = None,
    bind: str = DEFAULT_BIND,
    *,
    confirm: Callable[[str], bool],
    say: Callable[[str], None],
    union_default_graph: bool = False,
) -> None:
    """Serve the built graph until interrupted (Ctrl-C) or the server stops.

    `confirm` is asked before listening on anything but a loopback address; `say`
    prints to stderr."""
    where = parse_bind(bind)
    if not where.loopback and not confirm(
        f"listen on {where}, where other machines can reach the server and make it "
        "fetch URLs with SERVICE?"
    ):
        raise UsageError(f"not serving on {where}", "omit --bind to serve on 127.0.0.1 only")
    main = threading.current_thread() is threading.main_thread()  # where signals go
    previous = signal.signal(signal.SIGTERM, _interrupt) if main else None
    # Ctrl-C (SIGINT) stops the server even when newskg was started in the background by
    # a shell, which starts such jobs with SIGINT ignored
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler) if main else None
    try:
        _serve_until_stopped(root, bind, say, union_default_graph)
    except KeyboardInterrupt:
        pass  # stopped while starting: running() has cleaned up already
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous)
            signal.signal(signal.SIGINT, previous_int)


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM as Ctrl-C, so that the server is stopped and the snapshot deleted."""
    raise KeyboardInterrupt


def _serve_until_stopped(
    root: Path | None, bind: str, say: Callable[[str], None], union_default_graph: bool
) -> None:
    with running(root, bind, union_default_graph=union_default_graph) as served:
        say(f"serving the built graph read-only at {served.url}/ (SPARQL: {served.url}/query)")
        say(SERVICE_WARNING)
        say("press Ctrl-C to stop")
        try:
            code = served.process.wait()
        except KeyboardInterrupt:
            return
        if code not in (0, -signal.SIGINT, -signal.SIGTERM):  # not a stop someone asked for
            raise StoreError(f"the Oxigraph server stopped with code {code}")
