"""Pushing into a real Oxigraph server: the same rows as the embedded store, idempotent
re-pushes that send nothing, deleted articles leaving while the user's graphs stay, a server
killed mid-push, retries, credentials and redirects through a small proxy, a 400 that stops
everything.  Only 127.0.0.1 traffic; every loop and wait is bounded."""

from __future__ import annotations

import base64
import dataclasses
import http.client
import http.server
import json
import shutil
import socket
import threading
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pyoxigraph import BlankNode, NamedNode, Quad, RdfFormat, Store, parse

from newskg import build
from newskg.cli import cli
from newskg.errors import StoreError, UsageError
from newskg.pipeline import BuildDir
from newskg.profiles import PRESETS, Auth, credentials, from_url, resolve
from newskg.queries import catalogue
from newskg.querying import open_context, run, stored
from newskg.results import as_table
from newskg.stores import push as push_module
from newskg.stores.http import Backoff, HttpClient
from newskg.stores.push import (
    PushFailed,
    _lines,
    chunks,
    local_graphs,
    owned_graphs,
    push,
    scan,
    scannable,
)
from newskg.vocab import NK, Minter

from .conftest import REPO, write
from .helpers import run_cli
from .servers import OxigraphServer, free_port, oxigraph_server

BASE = "https://example.org/newskg/"
RECORD = BASE + "graph/push"
SECOND = "wsj-2024-03-01-musk-sues-openai"
USER_GRAPH = "http://example.com/my/own/graph"
USER_TRIPLE = b'<http://example.com/me> <http://example.com/likes> "graphs" .\n'
REQUIRED_PARAMS = {"subject": "elon-musk"}
PROTOCOLS = ["gsp", "update", "move"]
"""move: SPARQL Update to a store said not to apply a request atomically."""

needs_cli = pytest.mark.skipif(
    "push" not in cli.commands, reason="cli.py does not register `newskg push` yet"
)


def fast(sleeps: list[float] | None = None, attempts: int = 4) -> Backoff:
    """Backoff for tests: tiny waits, recorded."""
    record = sleeps if sleeps is not None else []
    return Backoff(attempts=attempts, base=0.001, cap=0.01, sleep=record.append)


# -- projects --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A built project with two articles: the shipped one and the small project's."""
    root = tmp_path_factory.mktemp("push") / "project"
    shutil.copytree(REPO / "data", root / "data")
    for path in (REPO / "tests/cases/small-project/data/articles").glob(f"{SECOND}.*"):
        shutil.copy(path, root / "data" / "articles" / path.name)
    build(root)
    return root


@pytest.fixture
def project(template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the built two-article project, to change at will."""
    root = tmp_path / "project"
    shutil.copytree(template, root)
    return root


@pytest.fixture(params=[False, True], ids=["plain", "union-default-graph"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OxigraphServer]:
    with oxigraph_server(tmp_path / "oxigraph", union_default_graph=request.param) as running:
        yield running


def target(base: str, protocol: str, project: Path) -> str:
    """The --endpoint for a protocol on the server at `base`: the store URL, the update
    URL, or (move) a profile saying the store cannot apply an update request atomically."""
    if protocol == "gsp":
        return base + "/store"
    if protocol == "update":
        return base + "/update"
    write(
        project / "newskg.toml",
        f'[endpoints.move]\nquery = "{base}/query"\nupdate = "{base}/update"\n'
        'protocol = "update"\natomic_updates = false\n',
    )
    return "move"


def update_url(server: OxigraphServer, protocol: str, project: Path) -> str:
    """The --endpoint for a protocol on the server."""
    return target(server.url, protocol, project)


# -- reading both sides ------------------------------------------------------------------------


def local_dataset(root: Path) -> dict[str, set[Quad]]:
    """The built store's graphs."""
    store = Store.read_only(str(root / "build" / "store"))
    try:
        found: dict[str, set[Quad]] = {}
        for quad in store:
            assert isinstance(quad.graph_name, NamedNode)
            found.setdefault(quad.graph_name.value, set()).add(quad)
        return found
    finally:
        del store


def remote_dataset(server: OxigraphServer) -> dict[str, set[Quad]]:
    """Every graph of the server ('' for the default graph), read with a GET on /store."""
    request = urllib.request.Request(server.store_url, headers={"Accept": "application/n-quads"})
    with urllib.request.urlopen(request, timeout=30) as response:
        data = response.read()
    found: dict[str, set[Quad]] = {}
    for quad in parse(data, format=RdfFormat.N_QUADS):
        name = quad.graph_name.value if isinstance(quad.graph_name, NamedNode) else ""
        found.setdefault(name, set()).add(quad)
    return found


def comparable(quads: set[Quad]) -> tuple[int, set[str]]:
    """A graph's size and its triples without blank nodes (whose labels a store renames)."""
    plain = {
        str(q.triple)
        for q in quads
        if not isinstance(q.subject, BlankNode) and not isinstance(q.object, BlankNode)
    }
    return len(quads), plain


def assert_store_holds_exactly_the_build(root: Path, server: OxigraphServer) -> None:
    """The server's graphs under the base IRI are the build's, triple for triple, and its
    push record holds each one's hash."""
    local = local_dataset(root)
    remote = remote_dataset(server)
    mint = Minter(BASE)
    owned = {g for g in remote if g and mint.owns(g)} - {RECORD}
    assert owned == set(local), (sorted(owned ^ set(local)), "differ")
    for graph, quads in local.items():
        assert comparable(remote[graph]) == comparable(quads), graph
    store = Store.read_only(str(root / "build" / "store"))
    try:
        digests = {k: g.digest for k, g in local_graphs(store, mint, False).items()}
    finally:
        del store
    recorded = {
        q.subject.value: q.object.value  # type: ignore[union-attr]
        for q in remote.get(RECORD, set())
    }
    assert recorded == digests


def statement_count(server: OxigraphServer) -> int:
    client = HttpClient()
    rows = client.select(
        server.query_url,
        "SELECT (COUNT(*) AS ?n) WHERE { { GRAPH ?g { ?s ?p ?o } } UNION { ?s ?p ?o } }",
    )
    return int(rows[0]["n"])


def value(term: Any) -> str:
    return "" if term is None else str(term.value)


def rows(root: Path, name: str, endpoint: str | None = None) -> list[tuple[tuple[str, str], ...]]:
    """A stored query's rows, normalised for comparison (as in test_queries)."""
    context = open_context(root, endpoint)
    query = stored(name, context)
    params = {p: REQUIRED_PARAMS[p] for p, spec in query.parameters.items() if spec.required}
    table = as_table(run(query, params, context))
    found = [{c: value(t) for c, t in zip(table.columns, row, strict=True)} for row in table.rows]
    return sorted(tuple(sorted(r.items())) for r in found)


def load_user_data(server: OxigraphServer) -> None:
    """The user's own data: a named graph outside the base IRI, and the default graph."""
    server.load_nquads(USER_TRIPLE.replace(b" .\n", f" <{USER_GRAPH}> .\n".encode()))
    server.load_nquads(USER_TRIPLE)


# -- a small proxy ------------------------------------------------------------------------------


@dataclass
class Seen:
    """A request the proxy received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Reply = tuple[int, dict[str, str], bytes]
Rule = Callable[[int, Seen], Reply | None]


@dataclass
class Proxy:
    """An HTTP proxy on 127.0.0.1 in a thread: `rule` may answer a request itself (index,
    request) -> (status, headers, body); otherwise it is passed to `upstream`."""

    upstream: str
    rule: Rule | None = None
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            timeout = 30  # a client that connects and says nothing cannot hold a thread

            def handle_one(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                seen = Seen(
                    self.command, self.path, dict(self.headers.items()), self.rfile.read(length)
                )
                proxy.seen.append(seen)
                reply = proxy.rule(len(proxy.seen) - 1, seen) if proxy.rule else None
                status, headers, body = reply or proxy.forward(seen)
                self.send_response(status)
                for name, text in headers.items():
                    self.send_header(name, text)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = handle_one

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False  # closing never waits on a handler

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def forward(self, seen: Seen) -> Reply:
        """Pass a request to the upstream server; 502 if it cannot be reached."""
        host, port = self.upstream.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        headers = {
            k: v
            for k, v in seen.headers.items()
            if k.lower() not in {"host", "connection", "authorization"}
        }
        try:
            connection.request(seen.method, seen.path, seen.body or None, headers)
            answer = connection.getresponse()
            body = answer.read()
            kept = {k: v for k, v in answer.getheaders() if k.lower() == "content-type"}
            return answer.status, kept, body
        except OSError as exc:
            return 502, {"Content-Type": "text/plain"}, f"upstream: {exc}".encode()
        finally:
            connection.close()

    def writes(self) -> list[Seen]:
        return [s for s in self.seen if s.method in {"PUT", "DELETE"} or "/update" in s.path]

    def __enter__(self) -> Proxy:
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def proxied(proxy: Proxy, protocol: str, project: Path) -> str:
    """The --endpoint on the proxy."""
    return target(proxy.url, protocol, project)


# -- the same rows -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def local_rows(template: Path) -> dict[str, list[tuple[tuple[str, str], ...]]]:
    """Every stored query's rows on the embedded store of the built project."""
    return {name: rows(template, name) for name in sorted(catalogue(template))}


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_push_then_every_stored_query_gives_the_same_rows(
    protocol: str,
    project: Path,
    server: OxigraphServer,
    local_rows: dict[str, list[tuple[tuple[str, str], ...]]],
) -> None:
    report = push(update_url(server, protocol, project), project, backoff=fast())
    assert len(report.landed) == 13 and report.unchanged == [] and report.dropped == []
    assert_store_holds_exactly_the_build(project, server)
    assert len(local_rows) >= 7
    for name, local in local_rows.items():
        assert local, name
        assert rows(project, name, server.query_url) == local, name


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_second_push_sends_nothing_and_changes_nothing(
    protocol: str, project: Path, server: OxigraphServer
) -> None:
    endpoint = update_url(server, protocol, project)
    push(endpoint, project, backoff=fast())
    before = statement_count(server)
    sent: list[tuple[str, str]] = []
    report = push(endpoint, project, backoff=fast(), on_request=lambda m, u: sent.append((m, u)))
    assert report.landed == [] and len(report.unchanged) == 13 and report.triples == 0
    assert sent == [("POST", server.query_url)] * 2  # the graph list and the push record
    assert statement_count(server) == before


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_changed_article_sends_only_its_graphs(
    protocol: str, project: Path, server: OxigraphServer
) -> None:
    endpoint = update_url(server, protocol, project)
    push(endpoint, project, backoff=fast())
    sheet = project / "data" / "articles" / f"{SECOND}.yaml"
    sheet.write_text(sheet.read_text().replace("Elon Musk sues OpenAI", "Musk sues OpenAI"))
    report = push(endpoint, project, backoff=fast())
    assert report.landed == [f"<{BASE}graph/build>", f"<{BASE}id/article/{SECOND}>"]
    assert_store_holds_exactly_the_build(project, server)


# -- what newskg owns and what it does not ---------------------------------------------------------


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_deleted_articles_graphs_leave_and_the_users_own_stay(
    protocol: str, project: Path, server: OxigraphServer
) -> None:
    load_user_data(server)
    endpoint = update_url(server, protocol, project)
    push(endpoint, project, backoff=fast())
    for path in (project / "data" / "articles").glob(f"{SECOND}.*"):
        path.unlink()
    tampered = f'<{USER_GRAPH}> <{NK}contentHash> "0" <{RECORD}> .\n'
    server.load_nquads(tampered.encode())  # a record naming the user's graph: still not ours
    report = push(endpoint, project, backoff=fast())
    assert sorted(report.dropped) == [
        f"<{BASE}id/article/{SECOND}>",
        f"<{BASE}id/claim/{SECOND}.abandoned-mission>",
    ]
    assert_store_holds_exactly_the_build(project, server)
    remote = remote_dataset(server)
    assert {str(q.triple) + " .\n" for q in remote[USER_GRAPH]} == {USER_TRIPLE.decode()}
    assert str(next(iter(remote[""])).triple) + " .\n" == USER_TRIPLE.decode()


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_the_default_graph_holds_the_union_and_is_replaced_whole(
    protocol: str, project: Path, tmp_path: Path
) -> None:
    with oxigraph_server(tmp_path / "ox") as server:
        load_user_data(server)
        endpoint = update_url(server, protocol, project)
        report = push(endpoint, project, default_graph=True, backoff=fast())
        assert report.landed == ["the default graph"]
        remote = remote_dataset(server)
        union = {q.triple for quads in local_dataset(project).values() for q in quads}
        assert len(remote[""]) == len(union)  # the user's default-graph triple is replaced
        assert {g for g in remote if g} == {USER_GRAPH, RECORD}
        sent: list[tuple[str, str]] = []
        again = push(
            endpoint,
            project,
            default_graph=True,
            backoff=fast(),
            on_request=lambda m, u: sent.append((m, u)),
        )
        assert again.landed == [] and all(m == "POST" and "/query" in u for m, u in sent)


# -- faults ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_server_killed_mid_push_then_restarted_gets_everything_on_the_next_push(
    protocol: str, project: Path, tmp_path: Path
) -> None:
    location = tmp_path / "oxigraph"
    with oxigraph_server(location) as first:
        load_user_data(first)
        kill_at = 6 if protocol == "move" else 3  # mid-load; the second batch's request

        def kill(index: int, seen: Seen) -> Reply | None:
            writes = [s for s in proxy.seen if s.method != "GET" and "/query" not in s.path]
            if len(writes) == kill_at and seen is writes[-1]:
                first.process.kill()
                first.process.wait(timeout=10)
            return None

        with Proxy(first.url, kill) as proxy, pytest.raises(PushFailed) as failed:
            push(
                proxied(proxy, protocol, project),
                project,
                chunk_size=100,
                batch_size=300,
                backoff=fast(),
            )
    report = failed.value.report
    assert report.landed and report.not_landed
    assert len(report.landed) + len(report.not_landed) == 13
    text = str(failed.value)
    assert "landed: " in text and "not landed: " in text and "push again" in text
    with oxigraph_server(location) as second:
        again = push(update_url(second, protocol, project), project, backoff=fast())
        assert set(again.landed) >= set(report.not_landed)
        assert_store_holds_exactly_the_build(project, second)
        assert USER_GRAPH in remote_dataset(second)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_500_and_429_are_retried_with_backoff_honouring_retry_after(
    protocol: str, project: Path, server: OxigraphServer
) -> None:
    def tried(seen: Seen) -> list[Seen]:
        """The requests the faults count: PUTs, or every update."""
        return [s for s in proxy.seen if s.method == "PUT"] if protocol == "gsp" else proxy.writes()

    def flaky(index: int, seen: Seen) -> Reply | None:
        counted = tried(seen)
        if counted and seen is counted[-1] and len(counted) == 2:
            return 500, {"Content-Type": "text/plain"}, b"busy"
        if counted and seen is counted[-1] and len(counted) == 3:
            return 429, {"Retry-After": "0"}, b"slow down"
        return None

    sleeps: list[float] = []
    with Proxy(server.url, flaky) as proxy:  # one graph a batch: gsp PUTs each graph
        push(
            proxied(proxy, protocol, project),
            project,
            chunk_size=100,
            batch_size=1,
            backoff=fast(sleeps),
        )
    assert len(sleeps) == 2 and sleeps[0] > 0 and sleeps[1] == 0
    if protocol == "gsp":  # the same PUT, three times
        puts = [s for s in proxy.seen if s.method == "PUT"]
        assert puts[1].body == puts[2].body == puts[3].body
    elif protocol == "update":  # the same drop-insert-record request, three times
        writes = proxy.writes()
        assert writes[1].body.startswith(b"DROP SILENT GRAPH") and b"INSERT DATA" in writes[1].body
        assert writes[1].body == writes[2].body == writes[3].body
    else:  # INSERT DATA is never repeated as is: the temporary graph is dropped first
        writes = proxy.writes()
        assert writes[0].body.startswith(b"DROP SILENT GRAPH")
        assert writes[1].body.startswith(b"INSERT DATA")
        assert writes[2].body.startswith(b"DROP SILENT GRAPH")
        assert writes[3].body.startswith(b"DROP SILENT GRAPH")
        assert writes[4].body == writes[1].body
    assert_store_holds_exactly_the_build(project, server)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_graphs_travel_in_batches_with_one_record_update_each(
    protocol: str, project: Path, server: OxigraphServer
) -> None:
    """Few requests, not one per graph: the store pays for each transaction."""
    with Proxy(server.url) as proxy:
        report = push(proxied(proxy, protocol, project), project, batch_size=1000, backoff=fast())
    assert len(report.landed) == 13
    writes = [s for s in proxy.seen if "/query" not in s.path]
    records = [
        s for s in writes if b"INSERT { GRAPH ?record" in s.body and RECORD.encode() in s.body
    ]
    if protocol == "gsp":
        posts = [s for s in writes if s.method == "POST" and s.path == "/store"]
        assert 1 < len(posts) < 13 and all(s.method != "PUT" for s in writes)
        assert len(records) <= len(posts) + 1
    elif protocol == "update":  # each batch one request: drops, data, record
        assert 1 < len(writes) < 13 and writes == records
    else:
        moves = [s for s in writes if s.body.startswith(b"MOVE")]
        assert 1 < len(moves) < 13 and moves == records
    assert_store_holds_exactly_the_build(project, server)


def test_a_post_lost_on_the_way_back_is_sent_again_by_put_without_duplicates(
    project: Path, server: OxigraphServer
) -> None:
    """A POST of N-Quads is not idempotent (blank nodes would be loaded twice): after a
    transient failure its graphs are replaced one by one with PUT, which is."""

    def lose_answer(index: int, seen: Seen) -> Reply | None:
        posts = [s for s in proxy.seen if s.method == "POST" and s.path == "/store"]
        if posts and seen is posts[0]:
            proxy.forward(seen)  # it lands, but the client hears a failure
            return 502, {"Content-Type": "text/plain"}, b"bad gateway"
        return None

    with Proxy(server.url, lose_answer) as proxy:
        report = push(proxied(proxy, "gsp", project), project, backoff=fast())
    assert len(report.landed) == 13
    assert len([s for s in proxy.seen if s.method == "POST" and s.path == "/store"]) == 1
    assert len([s for s in proxy.seen if s.method == "PUT"]) == 13
    assert_store_holds_exactly_the_build(project, server)  # the same number of triples


def test_a_store_url_that_takes_no_quads_gets_a_put_per_graph(
    project: Path, server: OxigraphServer
) -> None:
    with Proxy(server.url) as proxy:
        write(
            project / "newskg.toml",
            f'[endpoints.plain]\nstore = "{proxy.url}/store"\nupdate = "{proxy.url}/update"\n'
            f'query = "{proxy.url}/query"\npost_quads = false\n',
        )
        push("plain", project, backoff=fast())
    assert len([s for s in proxy.seen if s.method == "PUT"]) == 13
    assert not [s for s in proxy.seen if s.method == "POST" and s.path == "/store"]
    assert_store_holds_exactly_the_build(project, server)


def test_a_graph_that_landed_before_its_batch_failed_is_named_and_sent_again(
    project: Path, server: OxigraphServer
) -> None:
    """A batch's record follows its graphs: a graph PUT before the batch stopped is in
    the store without a record; the report says it landed, and the next push resends it."""

    def refuse(index: int, seen: Seen) -> Reply | None:
        if seen.method == "PUT" and len([s for s in proxy.seen if s.method == "PUT"]) == 2:
            return 400, {"Content-Type": "text/plain"}, b"no"
        return None

    with Proxy(server.url, refuse) as proxy:
        write(
            project / "newskg.toml",
            f'[endpoints.plain]\nstore = "{proxy.url}/store"\nupdate = "{proxy.url}/update"\n'
            f'query = "{proxy.url}/query"\npost_quads = false\n',
        )
        with pytest.raises(PushFailed) as failed:
            push("plain", project, backoff=fast())
        report = failed.value.report
        assert report.landed == [f"<{BASE}graph/build>"] and len(report.not_landed) == 12
        assert RECORD not in remote_dataset(server)  # nothing recorded: it will be resent
        proxy.rule = None
        again = push("plain", project, backoff=fast())
    assert len(again.landed) == 13
    assert_store_holds_exactly_the_build(project, server)


def test_which_stores_take_quads_and_apply_updates_atomically(tmp_path: Path) -> None:
    assert from_url("http://h:7878/store").post_quads  # Oxigraph
    assert from_url("http://h:3030/ds/data").post_quads  # Fuseki
    assert not from_url("http://h/repositories/R/rdf-graphs/service").post_quads  # GraphDB
    assert not from_url("http://h/sparql-graph-crud").post_quads  # Virtuoso
    assert from_url("http://h:7878/update").atomic_updates  # Oxigraph, Fuseki
    assert from_url("http://h/repositories/R/statements").atomic_updates  # GraphDB
    assert not from_url("http://h/sparql").atomic_updates  # Virtuoso, Neptune: MOVE
    write(
        tmp_path / "newskg.toml", '[endpoints.x]\nupdate = "http://h/sparql"\natomic_updates = 1\n'
    )
    with pytest.raises(UsageError, match="atomic_updates must be true or false"):
        resolve("x", tmp_path)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_400_stops_the_push_with_the_stores_message_and_the_graph(
    protocol: str, project: Path, server: OxigraphServer
) -> None:
    message = b"Parser error at line 3 column 7: unexpected token"

    def is_data(seen: Seen) -> bool:
        """A request carrying a graph's triples (not the push record's)."""
        body = seen.body
        return seen.method == "PUT" or (
            b"INSERT DATA" in body and not body.startswith(b"DELETE {") and b"MOVE" not in body
        )

    def refuse(index: int, seen: Seen) -> Reply | None:
        if is_data(seen) and len([s for s in proxy.seen if is_data(s)]) == 2:
            return 400, {"Content-Type": "text/plain"}, message
        return None

    with Proxy(server.url, refuse) as proxy, pytest.raises(PushFailed) as failed:
        push(proxied(proxy, protocol, project), project, batch_size=1, backoff=fast())
    text = str(failed.value)
    second_graph = f"<{BASE}graph/registry>"
    assert message.decode() in text and f"stopped at {second_graph}" in text
    assert failed.value.exit_code == 3
    assert failed.value.report.landed == [f"<{BASE}graph/build>"]
    assert is_data(proxy.seen[-1])  # nothing after


def test_an_unreachable_endpoint_is_one_line_with_exit_code_3(project: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/store"
    with pytest.raises(StoreError) as failed:
        push(url, project, backoff=fast())
    assert failed.value.exit_code == 3
    port = url.split(":")[2].split("/")[0]
    assert "\n" not in str(failed.value) and f"http://127.0.0.1:{port}/" in str(failed.value)


# -- credentials and redirects ---------------------------------------------------------------------

USER, PASSWORD = "newskg-user", "s3cret-Pa55"
EXPECTED = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()


def write_profile(project: Path, proxy: Proxy, extra: str = "") -> None:
    write(
        project / "newskg.toml",
        f"""[endpoints.guarded]
query = "{proxy.url}/query"
update = "{proxy.url}/update"
store = "{proxy.url}/store"
protocol = "gsp"
user_env = "TEST_NEWSKG_USER"
password_env = "TEST_NEWSKG_PASSWORD"
{extra}""",
    )


def demand_basic(index: int, seen: Seen) -> Reply | None:
    if seen.headers.get("Authorization") != EXPECTED:
        return 401, {"WWW-Authenticate": 'Basic realm="store"'}, b"who are you?"
    return None


def test_basic_credentials_come_from_the_environment_variables_a_profile_names(
    project: Path, server: OxigraphServer
) -> None:
    with Proxy(server.url, demand_basic) as proxy:
        write_profile(project, proxy)
        env = {"TEST_NEWSKG_USER": USER, "TEST_NEWSKG_PASSWORD": PASSWORD}
        report = push("guarded", project, backoff=fast(), environ=env)
        assert len(report.landed) == 13
        assert all(s.headers.get("Authorization") == EXPECTED for s in proxy.seen)
        with pytest.raises(UsageError, match="TEST_NEWSKG_PASSWORD is not set"):
            push("guarded", project, environ={"TEST_NEWSKG_USER": USER})
        wrong = {"TEST_NEWSKG_USER": USER, "TEST_NEWSKG_PASSWORD": "not-" + PASSWORD}
        with pytest.raises(StoreError, match="401") as failed:
            push("guarded", project, backoff=fast(), environ=wrong)
        assert "not-" + PASSWORD not in str(failed.value)
    assert_store_holds_exactly_the_build(project, server)


def test_secrets_a_server_echoes_are_masked(project: Path, server: OxigraphServer) -> None:
    def echo(index: int, seen: Seen) -> Reply | None:
        header = seen.headers.get("Authorization", "")
        return 400, {}, f"bad request from {header} ({PASSWORD})".encode()

    with Proxy(server.url, echo) as proxy:
        write_profile(project, proxy)
        env = {"TEST_NEWSKG_USER": USER, "TEST_NEWSKG_PASSWORD": PASSWORD}
        with pytest.raises(StoreError) as failed:
            push("guarded", project, backoff=fast(), environ=env)
    text = str(failed.value)
    assert "400" in text and PASSWORD not in text and EXPECTED.split()[1] not in text


def test_credentials_in_a_url_are_refused_and_never_shown(project: Path) -> None:
    with pytest.raises(UsageError) as failed:
        push(f"http://{USER}:{PASSWORD}@127.0.0.1:1/store", project)
    assert PASSWORD not in str(failed.value) and "***@127.0.0.1:1" in str(failed.value)


@pytest.fixture
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A socket on 127.0.0.1 that records what it receives and answers 200."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    received: list[bytes] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            with connection:
                connection.settimeout(1)
                try:
                    received.append(connection.recv(65536))
                    connection.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")
                except OSError:
                    received.append(b"<connected>")

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], received
    stop.set()
    thread.join(timeout=10)
    server.close()


def test_a_redirect_to_another_port_is_refused_and_the_credentials_stay(
    project: Path, server: OxigraphServer, listener: tuple[int, list[bytes]]
) -> None:
    port, received = listener

    def redirect(index: int, seen: Seen) -> Reply | None:
        return 302, {"Location": f"http://127.0.0.1:{port}{seen.path}"}, b""

    with Proxy(server.url, redirect) as proxy:
        # plain urllib would follow, and forward the header: the test can see a leak
        control = urllib.request.Request(
            proxy.url + "/query", data=b"ASK {}", headers={"Authorization": EXPECTED}
        )
        urllib.request.urlopen(control, timeout=10).close()
        assert received and b"Authorization: " + EXPECTED.encode() in received[0]
        received.clear()
        write_profile(project, proxy)
        env = {"TEST_NEWSKG_USER": USER, "TEST_NEWSKG_PASSWORD": PASSWORD}
        with pytest.raises(StoreError, match="redirected to another host") as failed:
            push("guarded", project, backoff=fast(), environ=env)
    assert received == []
    (asked,) = proxy.seen[1:]  # after the control request: push's first, and only, request
    assert (
        asked.headers.get("Authorization") == EXPECTED
        and asked.headers.get("User-Agent") == "newskg"
    )
    assert failed.value.exit_code == 3


def test_credentials_go_only_to_the_profiles_origins() -> None:
    endpoint = resolve("http://127.0.0.1:7878/store", None)
    assert credentials(endpoint) is None  # a bare URL sends none
    guarded = dataclasses.replace(endpoint, auth=Auth(token_env="TOKEN"))
    found = credentials(guarded, {"TOKEN": "t0ken"})
    assert found is not None and found.header == "Bearer t0ken"
    assert found.applies_to("http://127.0.0.1:7878/query")
    assert not found.applies_to("http://127.0.0.1:7879/query")
    assert not found.applies_to("https://127.0.0.1:7878/query")


def test_netrc_credentials(tmp_path: Path) -> None:
    write(tmp_path / "netrc", f"machine 127.0.0.1 login {USER} password {PASSWORD}\n")
    write(
        tmp_path / "newskg.toml",
        '[endpoints.n]\nstore = "http://127.0.0.1:7878/store"\nupdate = "http://127.0.0.1:7878/update"\n'
        'query = "http://127.0.0.1:7878/query"\nnetrc = true\n',
    )
    found = credentials(resolve("n", tmp_path), {"NETRC": str(tmp_path / "netrc")})
    assert found is not None and found.header == EXPECTED


# -- endpoints ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_a_bare_url_gets_its_siblings_from_the_presets(name: str) -> None:
    preset = PRESETS[name]
    host = "http://store.example:8080"
    if preset.protocol == "gsp":
        found = from_url(host + preset.store)
        assert found.protocol == "gsp" and found.store == host + preset.store
    else:
        found = from_url(host + preset.update)
        assert found.protocol == "update"
    assert (found.query, found.update) == (host + preset.query, host + preset.update)
    assert found.derived


def test_profile_mistakes_are_usage_errors(tmp_path: Path) -> None:
    write(tmp_path / "newskg.toml", '[endpoints.x]\nupdate = "http://h/u"\npasword_env = "P"\n')
    with pytest.raises(UsageError, match="unknown key"):
        resolve("x", tmp_path)
    with pytest.raises(UsageError, match="no endpoint profile 'y'"):
        resolve("y", tmp_path)
    write(tmp_path / "newskg.toml", '[endpoints.x]\nupdate = "http://u:p@h/u"\n')
    with pytest.raises(UsageError, match="carries credentials"):
        resolve("x", tmp_path)


def test_the_digest_cache_is_used_only_while_what_made_the_graph_is_unchanged(
    project: Path,
) -> None:
    folder, mint = project / "build", Minter(BASE)
    build_dir = BuildDir(project)
    manifest = build_dir.read_manifest()
    entry, head = manifest.pop("articles")[SECOND], manifest

    def edit_manifest(entry_extra: dict[str, Any], head_extra: dict[str, Any]) -> None:
        """Write the manifest again, with SECOND's entry and the head changed."""
        copy = BuildDir(project).read_manifest()["articles"].copy_to(folder / "copy.sqlite")
        copy[SECOND] = entry | entry_extra
        build_dir.write_manifest(head | head_extra, copy)

    store = Store.read_only(str(folder / "store"))
    try:
        fresh = local_graphs(store, mint, False)
        assert local_graphs(store, mint, False, folder) == fresh
        path = folder / "push-digests.json"
        cache = json.loads(path.read_text())
        article, registry = f"{BASE}id/article/{SECOND}", f"{BASE}graph/registry"
        assert set(cache) == {*fresh, "#manifest"}
        # an article's graphs under its manifest entry; the others under the whole manifest
        others = {cache[g][0] for g in fresh if "/id/" not in g}
        assert len(others) == 1 and others.isdisjoint(cache[g][0] for g in fresh if "/id/" in g)
        cache[article][1] = cache[registry][1] = "f" * 64  # the cache is read
        path.write_text(json.dumps(cache))
        found = local_graphs(store, mint, False, folder)
        assert found[article].digest == found[registry].digest == "f" * 64
        path.write_text(json.dumps(cache))
        edit_manifest({"changed": 1}, {})  # the article mapped again
        found = local_graphs(store, mint, False, folder)
        assert found[article] == fresh[article] and found[registry] == fresh[registry]
        path.write_text(json.dumps(cache))
        edit_manifest({}, {"changed": 1})  # another change: the article's digest holds
        found = local_graphs(store, mint, False, folder)
        assert found[article].digest == "f" * 64 and found[registry] == fresh[registry]
        path.write_text("not json")
        assert local_graphs(store, mint, False, folder) == fresh
        union = local_graphs(store, mint, True, folder)
        assert union == local_graphs(store, mint, True) == local_graphs(store, mint, True, folder)
    finally:
        del store


def test_one_pass_over_the_store_reads_each_graph_as_a_lookup_does(project: Path) -> None:
    store = Store.read_only(str(project / "build" / "store"))
    try:
        assert scannable(store)
        names = owned_graphs(store, Minter(BASE))
        wanted = set(names[::2]) | {"https://example.org/newskg/id/article/not-in-the-store"}
        found = dict(scan(store, wanted))
        assert set(found) == wanted
        assert any(b"_:" in line for lines in found.values() for line in lines)  # blank nodes
        for name in wanted:
            assert found[name] == _lines(store, [name]), name
    finally:
        del store


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_push_of_many_graphs_reads_them_in_one_pass(
    protocol: str, project: Path, server: OxigraphServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From SCAN_FROM graphs on (500), a push reads the store in one pass: here from 1."""
    monkeypatch.setattr(push_module, "SCAN_FROM", 1)
    report = push(update_url(server, protocol, project), project, batch_size=300, backoff=fast())
    assert len(report.landed) == 13 and report.triples == len(
        [q for quads in local_dataset(project).values() for q in quads]
    )
    assert_store_holds_exactly_the_build(project, server)
    again = push(update_url(server, protocol, project), project, backoff=fast())
    assert again.landed == [] and len(again.unchanged) == 13  # the same digests


def test_chunks_never_split_a_blank_node_and_stay_bounded() -> None:
    lines = [b"<s%d> <p> <o> ." % i for i in range(25)]
    lines += [b"_:a <p> _:b .", b"_:b <p> _:c .", b"<x> <p> _:c .", b"_:d <p> <y> ."]
    packed = chunks(lines, 10)
    assert sorted(line for chunk in packed for line in chunk) == sorted(lines)
    assert all(len(chunk) <= 10 for chunk in packed)
    (holder,) = [c for c in packed if b"_:a <p> _:b ." in c]
    assert {b"_:b <p> _:c .", b"<x> <p> _:c ."} <= set(holder)


# -- the command line -----------------------------------------------------------------------------


@needs_cli
def test_cli_push_prints_a_summary_and_a_400_exits_3(
    project: Path, server: OxigraphServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run_cli("push", "--endpoint", server.store_url, "--project", str(project))
    captured = capsys.readouterr()
    assert code == 0 and "13 graph(s) replaced" in captured.out
    assert "derived the query URL" in captured.err

    def refuse(index: int, seen: Seen) -> Reply | None:
        return (400, {}, b"no such thing") if seen.method == "PUT" else None

    sheet = project / "data" / "articles" / f"{SECOND}.yaml"
    sheet.write_text(sheet.read_text().replace("Elon Musk sues OpenAI", "Musk sues OpenAI"))
    with Proxy(server.url, refuse) as proxy:
        code = run_cli("push", "--endpoint", proxy.url + "/store", "--project", str(project))
    err = capsys.readouterr().err
    assert code == 3 and "no such thing" in err and "not landed: 2 graph(s)" in err


@needs_cli
def test_cli_push_help_says_what_a_bare_url_means(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("push", "--help") == 0
    out = capsys.readouterr().out
    assert "derived" in out and "/store" in out and "netrc" in out


# -- the benchmark ----------------------------------------------------------------------------


def test_the_push_benchmark_measures_push_repush_and_update_against_one_post(
    project: Path, tmp_path: Path
) -> None:
    from benchmarks.push import ANCHOR, push_records

    records = push_records(project, 2, 1, work=tmp_path / "bench" / "made")
    assert [r["task"] for r in records] == ["push", "repush", "push:update"]
    for record in records:
        assert record["median_s"] is not None and record.get("runs") == 1, record
        assert "target" in record.get("note", ""), record
    for record in (records[0], records[2]):
        assert record.get("anchor") == ANCHOR and record.get("ratio") is not None, record
    assert "anchor" not in records[1]
    assert not (tmp_path / "bench" / "made" / "oxigraph-0-push").exists()  # stores go
