"""`newskg serve`: the built graph behind Oxigraph's server, read-only, on a snapshot, bound
to 127.0.0.1 unless confirmed otherwise.  Only 127.0.0.1 traffic; every wait is bounded."""

from __future__ import annotations

import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from newskg import build
from newskg.cli import cli
from newskg.errors import StoreError, UsageError
from newskg.serve import SERVICE_WARNING, parse_bind, running, serve
from newskg.stores.http import HttpClient

from .conftest import REPO
from .servers import free_port

needs_cli = pytest.mark.skipif(
    "serve" not in cli.commands, reason="cli.py does not register `newskg serve` yet"
)
COUNT_IN_GRAPHS = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
COUNT_DEFAULT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
HEADLINE = "Sam Altman is done playing nice with Elon Musk"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("serve") / "project"
    shutil.copytree(REPO / "data", root / "data")
    build(root)
    return root


@pytest.fixture
def project(template: Path, tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(template, root)
    return root


def count(url: str, query: str) -> int:
    return int(HttpClient(timeout=30).select(url + "/query", query)[0]["n"])


def headline_count(url: str, text: str) -> int:
    query = f'SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?a ?p "{text}"@en }} }}'
    return count(url, query)


def test_serves_the_build_read_only_with_a_query_page(project: Path) -> None:
    with running(project, f"127.0.0.1:{free_port()}") as served:
        assert count(served.url, COUNT_IN_GRAPHS) > 2000
        assert count(served.url, COUNT_DEFAULT) == 0
        with urllib.request.urlopen(served.url + "/", timeout=10) as page:
            assert b"<html" in page.read().lower()
        drop = urllib.request.Request(
            served.url + "/update",
            data=b"DROP ALL",
            headers={"Content-Type": "application/sparql-update"},
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(drop, timeout=10)
        assert refused.value.code == 403
        refused.value.close()
        assert count(served.url, COUNT_IN_GRAPHS) > 2000
    assert served.process.poll() is not None
    assert list((project / "build").glob(".serve-*")) == []


def test_a_build_while_serving_changes_the_build_not_the_server(project: Path) -> None:
    with running(project, f"127.0.0.1:{free_port()}") as served:
        before = headline_count(served.url, HEADLINE)
        assert before > 0
        sheet = project / "data" / "articles" / "bi-2024-03-06-altman-musk.yaml"
        sheet.write_text(sheet.read_text().replace(HEADLINE, "A new headline"))
        assert build(project).built == ["bi-2024-03-06-altman-musk"]
        assert headline_count(served.url, HEADLINE) == before
        assert headline_count(served.url, "A new headline") == 0
    with running(project, f"127.0.0.1:{free_port()}") as again:
        assert headline_count(again.url, "A new headline") == before


def test_union_default_graph(project: Path) -> None:
    with running(project, f"127.0.0.1:{free_port()}", union_default_graph=True) as served:
        assert count(served.url, COUNT_DEFAULT) > 2000


def test_another_address_needs_confirmation(project: Path) -> None:
    asked: list[str] = []
    said: list[str] = []

    def decline(question: str) -> bool:
        asked.append(question)
        return False

    with pytest.raises(UsageError, match="not serving"):
        serve(project, f"0.0.0.0:{free_port()}", confirm=decline, say=said.append)
    assert len(asked) == 1 and "SERVICE" in asked[0] and said == []


def test_loopback_needs_no_confirmation() -> None:
    for value in ("127.0.0.1:7878", "localhost:7878", "[::1]:7878", "127.0.0.2:1"):
        assert parse_bind(value).loopback, value
    for value in ("0.0.0.0:7878", "192.168.1.2:80", "[::]:7878", "example.org:80"):
        assert not parse_bind(value).loopback, value
    for value in ("7878", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:x", ":80"):
        with pytest.raises(UsageError):
            parse_bind(value)


def test_a_taken_port_is_a_store_error(project: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with (
            pytest.raises(StoreError, match="did not start"),
            running(project, f"127.0.0.1:{port}"),
        ):
            pass
    assert list((project / "build").glob(".serve-*")) == []


def _read_stderr_until(process: subprocess.Popen[bytes], marker: bytes, seconds: float) -> bytes:
    """What the process wrote to stderr up to a line with `marker` (bounded in time)."""
    assert process.stderr is not None
    seen = b""
    deadline = time.monotonic() + seconds
    with selectors.DefaultSelector() as selector:
        selector.register(process.stderr, selectors.EVENT_READ)
        while marker not in seen and time.monotonic() < deadline:
            if selector.select(timeout=0.2):
                data = os.read(process.stderr.fileno(), 65536)  # unbuffered: select sees all
                if not data:
                    break
                seen += data
    return seen


@needs_cli
def test_cli_serve_warns_about_service_and_stops_on_ctrl_c(project: Path) -> None:
    port = free_port()
    command = [sys.executable, "-c", "from newskg.cli import main; main()", "serve"]
    command += ["--project", str(project), "--bind", f"127.0.0.1:{port}"]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        said = _read_stderr_until(process, b"Ctrl-C", 60).decode()
        assert f"http://127.0.0.1:{port}/" in said and SERVICE_WARNING in said
        assert count(f"http://127.0.0.1:{port}", COUNT_IN_GRAPHS) > 2000
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:  # the test failed: stop newskg and its server with it
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if process.stderr:
            process.stderr.close()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0  # the server is gone too
    assert list((project / "build").glob(".serve-*")) == []


@needs_cli
def test_cli_serve_stops_its_server_on_sigterm_too(project: Path) -> None:
    port = free_port()
    command = [sys.executable, "-c", "from newskg.cli import main; main()", "serve"]
    command += ["--project", str(project), "--bind", f"127.0.0.1:{port}"]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        assert b"Ctrl-C" in _read_stderr_until(process, b"Ctrl-C", 60)
        process.terminate()
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if process.stderr:
            process.stderr.close()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    assert list((project / "build").glob(".serve-*")) == []


@needs_cli
def test_cli_serve_on_another_address_asks_first(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from click.testing import CliRunner

    result = CliRunner().invoke(
        cli, ["serve", "--project", str(project), "--bind", f"0.0.0.0:{free_port()}"], input="n\n"
    )
    assert result.exit_code != 0 and "SERVICE" in result.output
