"""Measuring one command for the benchmark (issue 6): wall clock and peak memory.

:func:`measure` runs a command as a child process in a session of its own and returns its
wall-clock time and its peak memory:

* ``os.wait4`` gives the child's ``ru_maxrss`` (kilobytes on Linux): the peak resident set
  of the child, or of its largest descendant that it waited for;
* while the child runs, a thread samples its process group every 0.1 s and, whenever the
  group has more than one process (worker processes), sums their proportional set sizes
  (``Pss`` of ``/proc/PID/smaps_rollup``: shared pages are counted once).  The peak is the
  larger of the two, so that parallel workers count together, as the issue asks.

A command that outlives its timeout is killed with its whole process group.  Before it
starts, the file system's dirty pages are written out (``os.sync``, not timed): a task that
follows one that wrote gigabytes (``oxigraph load``'s store, a compaction) otherwise pays
for their writeback in its own writes (at 10,000 articles a build after one change took
1.40 s right after 3 GB were written, 0.68 s the next time; in session 16's bench, right
after the anchors, 1.43 s against 0.75-0.88 s by hand).

The module is also the child that measures the anchors which live inside one Python
process (``python -m benchmarks.measure serialize|rdflib ...``): pyoxigraph's own
serializers, and rdflib's in-memory SPARQL engine.  Each prints or writes its figures as
JSON; the runner reads them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

SAMPLE_INTERVAL = 0.1
"""Seconds between two samples of a process group's memory."""


@dataclass(frozen=True)
class Measurement:
    """One run of one command."""

    seconds: float
    peak_rss_kb: int
    returncode: int | None
    """The exit code (negative: killed by that signal); None when killed at the timeout."""
    stdout: str
    stderr: str

    @property
    def timed_out(self) -> bool:
        return self.returncode is None

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def problem(self, timeout: float) -> str:
        """One line saying why the run failed."""
        if self.timed_out:
            return f"timed out after {timeout:.0f} s"
        last = [line for line in (self.stderr or self.stdout).strip().splitlines() if line]
        said = f": {last[-1][:200]}" if last else ""
        return f"exit code {self.returncode}{said}"


def _group_members(pgid: int) -> list[int]:
    """The processes whose process group is `pgid` (field 5 of /proc/PID/stat)."""
    members = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stream:
                stat = stream.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) > 2 and int(fields[2]) == pgid:
            members.append(int(entry.name))
    return members


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as stream:
            for line in stream:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class GroupSampler(threading.Thread):
    """Samples the summed memory of a process group while it has several processes."""

    def __init__(self, pgid: int, interval: float = SAMPLE_INTERVAL) -> None:
        super().__init__(daemon=True)
        self.pgid = pgid
        self.interval = interval
        self.peak_kb = 0
        self._done = threading.Event()

    def run(self) -> None:
        if not Path("/proc/self/smaps_rollup").exists():
            return
        while not self._done.wait(self.interval):
            members = _group_members(self.pgid)
            if len(members) > 1:
                self.peak_kb = max(self.peak_kb, sum(_pss_kb(pid) for pid in members))

    def stop(self) -> None:
        self._done.set()
        self.join()


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def measure(
    argv: Sequence[str | os.PathLike[str]],
    *,
    timeout: float,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    sample: bool = True,
) -> Measurement:
    """Run `argv` once: its wall-clock time and peak memory (see the module docstring).

    Without `sample`, its process group is not sampled and the peak is ``ru_maxrss``
    alone: for a command that reports its processes' peaks itself (``build --timings``),
    where sampling a 1.2 GB loader's ``smaps_rollup`` ten times a second slowed the build
    it measured (at 1,000 articles, by hand, three runs each: 20.3 s median against 18.4 s
    unsampled) and its anchor, one process, is not sampled at all."""
    if hasattr(os, "sync"):  # what earlier tasks wrote is not this one's to write out
        os.sync()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(
            [os.fspath(a) for a in argv],
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            _kill_group(process.pid)

        timer = threading.Timer(timeout, kill)
        timer.daemon = True
        timer.start()
        sampler = GroupSampler(process.pid)
        if sample:
            sampler.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        except BaseException:  # interrupted: take the command down with us
            _kill_group(process.pid)
            process.wait()
            raise
        finally:
            seconds = time.perf_counter() - start
            timer.cancel()
            if sample:
                sampler.stop()
            _kill_group(process.pid)  # workers the command left behind
        code = os.waitstatus_to_exitcode(status)
        process.returncode = code  # Popen did not wait itself; keep it from warning
        out.seek(0)
        err.seek(0)
        return Measurement(
            seconds,
            max(int(usage.ru_maxrss), sampler.peak_kb),
            None if killed.is_set() else code,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
        )


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


# -- children: the anchors that run inside one Python process ------------------------------


def _own_peak_kb() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def serialize_anchor(dump: Path, work: Path, base: str, runs: int, budget: float) -> dict[str, Any]:
    """pyoxigraph's own serializers on the same graph, held in pyoxigraph's in-memory
    store (the load from newskg's N-Quads export is not timed): N-Quads of the whole
    dataset with ``Store.dump``, and Turtle of the union of the article graphs and the
    registry (what ``newskg export`` writes as triples), each graph's triples handed to
    ``serialize`` as the store gives them.  Each is written to a file in `work`, up to
    `runs` times while its runs stay within half the `budget`.

    In memory, not on disk: read from an on-disk store, a dump is mostly RocksDB lookups
    of each term's text (270 s of N-Quads at 10,000 articles, against 32 s from memory),
    which is not the serializer's work.  The Turtle anchor does not remove a triple that
    two graphs hold (the export does)."""
    from pyoxigraph import NamedNode, RdfFormat, Store, Triple, serialize

    from newskg.vocab import Minter

    store = Store()
    store.bulk_load(path=str(dump), format=RdfFormat.N_QUADS)
    articles = base + "id/article/"
    graphs = sorted(g.value for g in store.named_graphs() if isinstance(g, NamedNode))
    chosen = [NamedNode(g) for g in graphs if g.startswith(articles)]
    chosen.append(NamedNode(base + "graph/registry"))
    prefixes = Minter(base).prefixes()

    def nquads(output: Path) -> int:
        store.dump(str(output), RdfFormat.N_QUADS)
        return len(store)

    def turtle(output: Path) -> int:
        count = 0

        def triples() -> Iterator[Triple]:
            nonlocal count
            for graph in chosen:
                for quad in store.quads_for_pattern(None, None, None, graph):
                    count += 1
                    yield quad.triple

        serialize(triples(), str(output), RdfFormat.TURTLE, prefixes=prefixes)
        return count

    figures: dict[str, Any] = {}
    for syntax, write in (("nquads", nquads), ("turtle", turtle)):
        output = work / f"anchor.{syntax}"
        seconds: list[float] = []
        while len(seconds) < runs and not (seconds and sum(seconds) + seconds[-1] > budget / 2):
            start = time.perf_counter()
            statements = write(output)
            seconds.append(time.perf_counter() - start)
            output.unlink()
        figures[syntax] = {"seconds": seconds, "statements": statements}
    figures["peak_rss_kb"] = _own_peak_kb()
    return figures


class _QueryTimeout(Exception):
    pass


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise _QueryTimeout


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Stop the (pure Python) code inside after `seconds`: rdflib has no timeout."""
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.01))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _write_json(path: Path, data: object) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(data, indent=1), encoding="utf-8")
    temporary.replace(path)


def rdflib_dataset(dump: Path) -> Any:
    """An rdflib in-memory Dataset of the N-Quads at `dump`, parsed by pyoxigraph and
    handed to rdflib's store as rdflib terms: the same dataset as ``Dataset.parse``
    makes (blank nodes aside, which rdflib relabels either way), in 48 s instead of
    109 s at 1,000 articles.  The load is not part of the anchor's times; it was a
    fifth of ``make bench QUICK=1``."""
    from pyoxigraph import BlankNode, NamedNode, RdfFormat, parse
    from rdflib import BNode, Dataset, Literal, URIRef

    dataset = Dataset()
    graphs: dict[str | None, Any] = {None: dataset.default_context}
    plain = "http://www.w3.org/2001/XMLSchema#string"

    def resource(term: Any) -> Any:
        return URIRef(term.value) if type(term) is NamedNode else BNode(term.value)

    def value(term: Any) -> Any:
        if type(term) is NamedNode or type(term) is BlankNode:
            return resource(term)
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(term.value, datatype=None if datatype == plain else URIRef(datatype))

    def graph(name: Any) -> Any:
        key = name.value if type(name) is NamedNode else None
        if key is not None and key not in graphs:
            graphs[key] = dataset.graph(URIRef(key))
        return graphs[key]

    quads = parse(path=str(dump), format=RdfFormat.N_QUADS)
    dataset.store.addN(
        (resource(q.subject), URIRef(q.predicate.value), value(q.object), graph(q.graph_name))
        for q in quads
    )
    return dataset


def rdflib_anchor(dump: Path, spec: dict[str, Any], output: Path) -> None:
    """Load the N-Quads into an rdflib Dataset once, then time each query of the spec
    ({"queries": [{"task", "text", "bindings": {var: N-Triples term}}], "runs",
    "timeout", "budget"}), writing the results to `output` after each query, so that
    what was measured survives if this process is killed.  A query is given up after
    `timeout` seconds or its equal share of what is left of `budget`, whichever is less."""
    import warnings

    from rdflib.util import from_n3

    warnings.simplefilter("ignore")
    results: dict[str, Any] = {"queries": {}}
    start = time.perf_counter()
    dataset = rdflib_dataset(dump)
    results["load_s"] = time.perf_counter() - start
    results["load_peak_rss_kb"] = _own_peak_kb()
    _write_json(output, results)
    runs = int(spec.get("runs", 1))
    timeout = float(spec.get("timeout", 300.0))
    deadline = time.perf_counter() + float(spec.get("budget", 3600.0))
    queries = spec["queries"]
    for index, query in enumerate(queries):
        # each query left gets an equal share of what is left of the budget
        share = min(timeout, (deadline - time.perf_counter()) / (len(queries) - index))
        bindings: dict[str, Any] = {name: from_n3(term) for name, term in query["bindings"].items()}
        entry: dict[str, Any] = {"seconds": []}
        if share < 1:
            entry["note"] = "rdflib not run: the anchor's time budget is spent"
        while share >= 1 and len(entry["seconds"]) < runs:
            limit = share - sum(entry["seconds"])
            began = time.perf_counter()
            try:
                with _time_limit(limit):
                    answer = dataset.query(query["text"], initBindings=bindings)
                    rows = sum(1 for _ in answer)
            except _QueryTimeout:
                if not entry["seconds"]:
                    entry["gave_up_after"] = round(limit, 1)
                    entry["note"] = f"rdflib gave up after {limit:.0f} s"
                break
            except Exception as error:  # rdflib's own errors: record them, go on
                entry["note"] = f"rdflib failed: {type(error).__name__}: {str(error)[:160]}"
                break
            took = time.perf_counter() - began
            entry["seconds"].append(took)
            entry["rows"] = rows
            if sum(entry["seconds"]) + took > share:  # another run would not fit
                break
        entry["peak_rss_kb"] = _own_peak_kb()
        results["queries"][str(query["task"])] = entry
        _write_json(output, results)


def main(argv: Sequence[str] | None = None, stdout: TextIO = sys.stdout) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.measure")
    commands = parser.add_subparsers(dest="command", required=True)
    ser = commands.add_parser("serialize", help="time pyoxigraph's serializers in memory")
    ser.add_argument("dump", type=Path, help="the N-Quads to load")
    ser.add_argument("work", type=Path, help="a folder for the files written")
    ser.add_argument("--base", required=True, help="the data's base IRI")
    ser.add_argument("--runs", type=int, default=3)
    ser.add_argument("--budget", type=float, default=150.0, help="seconds for both syntaxes")
    rdf = commands.add_parser("rdflib", help="time queries on rdflib's in-memory store")
    rdf.add_argument("dump", type=Path, help="the N-Quads to load")
    rdf.add_argument("spec", type=Path, help="the queries, as JSON")
    rdf.add_argument("output", type=Path, help="where to write the figures, as JSON")
    args = parser.parse_args(argv)
    if args.command == "serialize":
        figures = serialize_anchor(args.dump, args.work, args.base, args.runs, args.budget)
        stdout.write(json.dumps(figures) + "\n")
    else:
        spec = json.loads(args.spec.read_text(encoding="utf-8"))
        rdflib_anchor(args.dump, spec, args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
