"""Real servers for the tests: an Oxigraph SPARQL server on 127.0.0.1, started and stopped
by the tests themselves (the PyPI package `oxigraph`)."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def oxigraph_executable() -> str:
    """The `oxigraph` command of the environment running the tests."""
    beside = Path(sys.executable).parent / "oxigraph"
    found = str(beside) if beside.is_file() else shutil.which("oxigraph")
    if found is None:
        raise RuntimeError("the oxigraph server is not installed: pip install oxigraph")
    return found


@dataclass
class OxigraphServer:
    """A running Oxigraph server."""

    url: str
    process: subprocess.Popen[bytes]

    @property
    def query_url(self) -> str:
        return self.url + "/query"

    @property
    def store_url(self) -> str:
        return self.url + "/store"

    def load_nquads(self, data: bytes) -> None:
        """POST N-Quads into the server's store."""
        request = urllib.request.Request(
            self.store_url,
            data=data,
            method="POST",
            headers={"Content-Type": "application/n-quads"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status in (200, 201, 204)


@contextlib.contextmanager
def oxigraph_server(
    location: Path, *, union_default_graph: bool = False
) -> Iterator[OxigraphServer]:
    """Start `oxigraph serve` on a free port of 127.0.0.1; stop it afterwards."""
    port = free_port()
    command = [
        oxigraph_executable(),
        "serve",
        "--location",
        str(location),
        "--bind",
        f"127.0.0.1:{port}",
    ]
    if union_default_graph:
        command.append("--union-default-graph")
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the oxigraph server did not start") from None
                time.sleep(0.05)
        yield OxigraphServer(url, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
