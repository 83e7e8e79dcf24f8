"""The push benchmark (issue 5): ``newskg push`` into a local Oxigraph server, against one
POST of the same N-Quads into the same kind of server, measured in the same run.

    python -m benchmarks.push CORPUS [--articles N] [--runs 1] [--no-update]

For each run, each task gets a fresh server (``oxigraph serve`` on 127.0.0.1, a new
location), so that no task pays for what another left in the store:

==============  ==============================================================  ==========
task            what is timed                                                   anchor
==============  ==============================================================  ==========
push            ``newskg push --endpoint http://127.0.0.1:PORT/store             the POST
                --protocol gsp`` into an empty server
repush          the same command again, nothing changed (target: under 1 s)     (none)
push:update     ``newskg push --endpoint .../update --protocol update``          the POST
==============  ==============================================================  ==========

The anchor is one POST of ``newskg export --format nquads`` to the server's ``/store``
(one transaction: Oxigraph's ``load_from_reader``), sent by a child process
(``python -m benchmarks.push post URL FILE``) so that both sides are timed alike by
:func:`benchmarks.measure.measure`.  The records have the keys of
:class:`benchmarks.run.Record`; the peak memory is the client's, not the server's.
The corpus's build/push-digests.json is written by the pushes, as a user's would be.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .measure import Measurement, measure, median
from .run import Record, _add_note, _log, _mb, _ratio, _round, new_record

REPOSITORY = Path(__file__).resolve().parents[1]
TIMEOUT = 3600.0
"""Seconds after which one push (or the POST) is killed and recorded as timed out."""
ANCHOR = "one POST of the N-Quads export to /store"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Server:
    url: str

    @property
    def store(self) -> str:
        return self.url + "/store"


@contextlib.contextmanager
def oxigraph(location: Path) -> Iterator[Server]:
    """`oxigraph serve` on a free port of 127.0.0.1 with an empty store at `location`."""
    from newskg.serve import oxigraph_executable

    port = _free_port()
    command = [
        oxigraph_executable(),
        "serve",
        "--location",
        str(location),
        "--bind",
        f"127.0.0.1:{port}",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the oxigraph server did not start") from None
                time.sleep(0.05)
        yield Server(f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def post(url: str, path: Path) -> None:
    """POST an N-Quads file to a store URL in one request, streamed from disk."""
    with path.open("rb") as body:
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/n-quads",
                "Content-Length": str(path.stat().st_size),
            },
        )
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
            answer.read()


def _newskg() -> Path:
    return Path(sys.executable).parent / "newskg"


def _statements(server: Server) -> int:
    """Every statement the server holds, in all graphs: to check each task loaded it all."""
    query = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    request = urllib.request.Request(
        server.url + "/query",
        data=query.encode(),
        headers={
            "Content-Type": "application/sparql-query",
            "Accept": "application/sparql-results+json",
        },
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
        data = json.load(answer)
    return int(data["results"]["bindings"][0]["n"]["value"])


def push_records(
    corpus: Path,
    articles: int,
    runs: int,
    *,
    update: bool = True,
    work: Path | None = None,
    timeout: float = TIMEOUT,
) -> list[Record]:
    """Measure push, repush (and push:update) on a built corpus, `runs` times each, each
    run's tasks back to back, each push into a fresh server; the records carry the POST
    anchor of the same runs.  `work` holds the export and the servers' stores (default:
    a temporary folder, removed afterwards)."""
    corpus = corpus.resolve()
    with contextlib.ExitStack() as stack:
        if work is None:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="push-bench-")))
        work.mkdir(parents=True, exist_ok=True)
        bench = _Bench(corpus, work, timeout)
        if not bench.export():
            return [new_record(t, articles, [], bench.problems["export"]) for t in _tasks(update)]
        for run in range(runs):
            _log(f"push: run {run + 1} of {runs} ({articles} articles)")
            bench.run(run, update)
        found, problems = bench.found, bench.problems
    anchor = [r.seconds for r in found["post"]]
    anchor_peak = max((r.peak_rss_kb for r in found["post"]), default=None)
    records = []
    for task in _tasks(update):
        record = new_record(task, articles, found[task], problems.get(task))
        if task != "repush":
            record["anchor"] = ANCHOR
            record["anchor_median_s"] = _round(median(anchor)) if anchor else None
            record["anchor_peak_rss_mb"] = _mb(anchor_peak) if anchor_peak else None
            record["ratio"] = _ratio(record["median_s"], record["anchor_median_s"])
            if "post" in problems:
                _add_note(record, f"anchor: {problems['post']}")
        records.append(record)
    return records


class _Bench:
    """One corpus's export, the servers, and what was measured."""

    def __init__(self, corpus: Path, work: Path, timeout: float) -> None:
        self.corpus = corpus
        self.work = work
        self.timeout = timeout
        self.dump = work / "push.nq"
        self.expected = 0
        self.found: dict[str, list[Measurement]] = {t: [] for t in ("post", *_tasks(True))}
        self.problems: dict[str, str] = {}

    def export(self) -> bool:
        _log(f"push: exporting {self.corpus} as N-Quads")
        argv: list[str | os.PathLike[str]] = [_newskg(), "export", "--format", "nquads"]
        argv += ["-o", self.dump]
        result = measure(argv, timeout=self.timeout, cwd=self.corpus)
        if not result.ok:
            self.problems["export"] = f"no N-Quads export: {result.problem(self.timeout)}"
            return False
        with self.dump.open("rb") as lines:
            self.expected = sum(1 for _ in lines)
        return True

    def timed(
        self,
        task: str,
        argv: Sequence[str | os.PathLike[str]],
        server: Server,
        cwd: Path | None = None,
    ) -> bool:
        """Measure one command (in the corpus unless `cwd`); keep it if it succeeded and
        the server holds everything."""
        if task in self.problems:
            return False
        result = measure(argv, timeout=self.timeout, cwd=cwd or self.corpus)
        _log(f"push: {task} {result.seconds:.2f} s")
        if not result.ok:
            self.problems[task] = result.problem(self.timeout)
            return False
        held = _statements(server)
        if held < self.expected:
            self.problems[task] = f"the server holds {held} of {self.expected} statements"
            return False
        self.found[task].append(result)
        return True

    @contextlib.contextmanager
    def server(self, name: str) -> Iterator[Server]:
        location = self.work / f"oxigraph-{name}"
        try:
            with oxigraph(location) as server:
                yield server
        finally:
            shutil.rmtree(location, ignore_errors=True)

    def run(self, run: int, update: bool) -> None:
        """One run: the POST, push then repush, push:update; each into a fresh server."""
        with self.server(f"{run}-post") as server:
            post: list[str | os.PathLike[str]] = [
                sys.executable,
                "-m",
                "benchmarks.push",
                "post",
                server.store,
                self.dump,
            ]
            self.timed("post", post, server, cwd=REPOSITORY)
        with self.server(f"{run}-push") as server:
            argv: list[str | os.PathLike[str]] = [
                _newskg(),
                "push",
                "--endpoint",
                server.store,
                "--protocol",
                "gsp",
            ]
            if self.timed("push", argv, server):
                self.timed("repush", argv, server)
        if update:
            with self.server(f"{run}-update") as server:
                url = server.url + "/update"
                argv = [_newskg(), "push", "--endpoint", url, "--protocol", "update"]
                self.timed("push:update", argv, server)


def _tasks(update: bool) -> list[str]:
    return ["push", "repush", *(["push:update"] if update else [])]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.push")
    commands = parser.add_subparsers(dest="command", required=True)
    bench = commands.add_parser("bench", help="measure push against the POST anchor")
    bench.add_argument("corpus", type=Path, help="a built project (its build/ is used)")
    bench.add_argument("--articles", type=int, default=0, help="recorded as is")
    bench.add_argument("--runs", type=int, default=1)
    bench.add_argument("--no-update", action="store_true", help="skip --protocol update")
    bench.add_argument("--work", type=Path, default=None, help="keep the files here")
    sender = commands.add_parser("post", help="POST an N-Quads file in one request")
    sender.add_argument("url")
    sender.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    if args.command == "post":
        post(args.url, args.file)
        return 0
    records: list[dict[str, Any]] = [
        dict(r)
        for r in push_records(
            args.corpus, args.articles, args.runs, update=not args.no_update, work=args.work
        )
    ]
    sys.stdout.write(json.dumps(records, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
