"""The benchmark of issue 6: how fast and lean newskg is at 1,000 and 10,000 articles.

    python -m benchmarks.run [--quick] [--runs 3] [--out build/bench.json] [--corpora build/bench]

generates the corpora (seed 1) unless they exist, runs every task as users run it (the
``newskg`` command beside this Python, as a child process), and measures each with
:func:`benchmarks.measure.measure`: wall clock and peak memory, the median of ``--runs``
runs (fewer when one run is slow: a task's runs stop once they would take longer than
``--task-budget`` seconds).  Each task is measured against an anchor in the same run, on
the same machine, where it has one:

==================  =====================================================================
task                anchor
==================  =====================================================================
build               ``oxigraph load`` of newskg's own N-Quads export into a fresh store
build:store-load    the store-load stage of the build, when the build reports it
rebuild-one         (none) one article's fact sheet changed, then ``newskg build``
query:NAME          rdflib's in-memory Dataset, same query and parameter (1,000 articles)
query-all:NAME      the same, without parameters; also rows per second
export:turtle       pyoxigraph's ``serialize`` of the same graph, held in its in-memory store
export:nquads       pyoxigraph's ``Store.dump`` of the same graph, in memory
check               (none) ``newskg check`` from scratch on the built corpus; target in the note
check:rebuild-one   (none) ``newskg check`` after one article changed
startup             (none) ``newskg --help``
query:first-article (none) a stored query on the repository's own data/
==================  =====================================================================

It prints one table and writes the same records as JSON (a list; the first record, task
``machine``, describes the machine).  A task that fails or times out is recorded with a
``note`` and the run goes on.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import sys
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, Required, TextIO, TypedDict

from .measure import Measurement, measure, median

SEED = 1
SIZES = (1_000, 10_000)
QUICK_SIZES = (1_000,)
RDFLIB_MAX_ARTICLES = 1_000
PUSH_MAX_ARTICLES = 1_000
"""The push tasks run on the 1,000-article corpus, as issue 5 asks."""
"""rdflib's in-memory store is the query anchor only up to here (issue 6: where it finishes)."""

TIMEOUTS = {
    "generate": 1800.0,
    "build": 3600.0,
    "export": 1800.0,
    "anchor": 1800.0,
    "query": 300.0,
    "check": 1800.0,
    "startup": 60.0,
}
"""Seconds after which one run of a task is killed and recorded as timed out."""

QUERY_BUDGET = 30.0
"""Seconds of a stored query's runs after which it is not run again."""

TARGETS = {
    "check": "target: under 600 s from scratch (issue 6); on the built corpus, nothing remembered",
    "check:rebuild-one": "target: under 5 s after one article changes (issue 6)",
    "rebuild-one": "target: under 1 s (issue 6)",
    "startup": "target: under 0.3 s",
    "query:first-article": "target: under 1 s",
    "push": "target: at most 1.5 x the POST (issue 5)",
    "push:update": "no target; issue 5 sets one for gsp",
    "repush": "target: under 1 s (issue 5)",
}

STORE_LOAD = re.compile(
    r"store[ -]?load\D{0,20}?(?P<s>\d+(?:\.\d+)?)\s*s\b"
    r"(?:\D{0,40}?(?P<mb>\d+(?:\.\d+)?)\s*(?P<unit>MB|MiB|GB|GiB)\b)?",
    re.IGNORECASE,
)
"""A line of `newskg build`'s output that reports its store-load stage, such as
``store load: 12.3 s, peak 812 MB``; the benchmark records it as ``build:store-load``."""
OPTIMIZE_STAGE = re.compile(
    r"^optimize: (?P<s>\d+(?:\.\d+)?) s, peak (?P<mb>\d+(?:\.\d+)?) MB", re.MULTILINE
)
"""The line of ``newskg build --optimize --timings`` that reports the store's compaction."""
OWN_STAGE = re.compile(
    r"^(?:map|commit): (?P<s>\d+(?:\.\d+)?) s, peak (?P<mb>\d+(?:\.\d+)?) MB", re.MULTILINE
)
"""The lines of ``newskg build --timings`` that report newskg's own stages: reading and
mapping the articles, all worker processes together, and the commit that writes the
registry's, ontology's and build's graphs and the manifest.  The larger peak is the build
record's peak memory."""

DEFAULT_BASE_IRI = "https://example.org/newskg/"
NK = "https://example.org/newskg/ontology#"


class Record(TypedDict, total=False):
    """One row of the table and of build/bench.json."""

    task: Required[str]
    articles: Required[int]
    median_s: Required[float | None]
    peak_rss_mb: Required[float | None]
    runs: int
    anchor: str
    anchor_median_s: float | None
    anchor_peak_rss_mb: float | None
    ratio: float | None
    rows: int
    rows_per_s: float
    note: str


@dataclass
class Options:
    sizes: tuple[int, ...] = SIZES
    runs: int = 3
    out: Path = Path("build/bench.json")
    corpora: Path = Path("build/bench")
    seed: int = SEED
    task_budget: float = 150.0
    """A task's repeated runs stop once the next would end past this many seconds."""
    rdflib: bool = True
    rdflib_max_articles: int = RDFLIB_MAX_ARTICLES
    rdflib_timeout: float = 300.0
    rdflib_budget: float = 150.0
    check: bool = True
    push: bool = True
    """Push tasks (issue 5) on the corpora up to PUSH_MAX_ARTICLES."""
    push_update: bool = True
    """push:update as well (no target; about 1.5 minutes at 1,000 articles, left out of
    --quick, which must finish within 10 minutes)."""
    push_runs: int = 2
    """Each push run is three pushes and a POST into fresh servers (about 2.5 minutes at
    1,000 articles): two runs, one with --quick, whatever --runs says."""
    startup: bool = True
    startup_runs: int = 5
    queries: tuple[str, ...] = ()
    """Only these stored queries (default: all)."""
    check_timeout: float = TIMEOUTS["check"]
    """`newskg check` is stopped after this (three times its target from scratch)."""
    repository: Path = field(default_factory=lambda: Path(__file__).resolve().parents[1])
    quick: bool = False


def _mb(kb: int) -> float:
    return round(kb / 1024, 1)


def _round(seconds: float) -> float:
    return round(seconds, 4)


def _ratio(value: float | None, anchor: float | None) -> float | None:
    if value is None or anchor is None or anchor <= 0:
        return None
    return round(value / anchor, 2)


def new_record(
    task: str, articles: int, runs: list[Measurement], problem: str | None = None
) -> Record:
    """A task's record from its runs (median time, peak memory), its problem and its
    target as notes; logged on stderr."""
    record: Record = {
        "task": task,
        "articles": articles,
        "median_s": _round(median([r.seconds for r in runs])) if runs else None,
        "peak_rss_mb": _mb(max(r.peak_rss_kb for r in runs)) if runs else None,
        "runs": len(runs),
    }
    if problem:
        _add_note(record, problem)
    if task in TARGETS:
        _add_note(record, TARGETS[task])
    shown = f"{record['median_s']} s" if runs else "failed"
    _log(f"{task} ({articles} articles): {shown}" + (f" [{problem}]" if problem else ""))
    return record


def _add_note(record: Record, note: str) -> None:
    record["note"] = f"{record['note']}; {note}" if record.get("note") else note


def _log(message: str) -> None:
    sys.stderr.write(f"[bench {time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


# -- the corpus ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    id: str
    type: str


_ID = re.compile(r"^\s*-\s+id:\s*[\"']?([A-Za-z0-9-]+)[\"']?\s*$")
_TYPE = re.compile(r"^\s+type:\s*[\"']?([A-Za-z]+)[\"']?\s*$")


def registry_entries(root: Path) -> list[Entry]:
    """The registry's ids and types, read line by line (fast at 10,000 articles): each
    entry starts with `- id:` and has a `type:` line."""
    entries: list[Entry] = []
    current: str | None = None
    with (root / "data" / "entities.yaml").open(encoding="utf-8") as stream:
        for line in stream:
            found = _ID.match(line)
            if found:
                current = found.group(1)
                continue
            typed = _TYPE.match(line)
            if typed and current is not None:
                entries.append(Entry(current, typed.group(1)))
                current = None
    return entries


def base_iri(root: Path) -> str:
    config = root / "newskg.toml"
    if config.is_file():
        data = tomllib.loads(config.read_text(encoding="utf-8"))
        return str(data.get("project", {}).get("base_iri", DEFAULT_BASE_IRI))
    return DEFAULT_BASE_IRI


def first_article_sheet(root: Path) -> Path:
    sheets = sorted((root / "data" / "articles").glob("*.yaml"))
    if not sheets:
        raise FileNotFoundError(f"no fact sheet in {root / 'data' / 'articles'}")
    return sheets[0]


def touch_article(sheet: Path) -> None:
    """Change one fact sheet as an editor would: one more space after the headline (YAML
    drops it, the file's content hash changes, so the article is mapped again)."""
    text = sheet.read_text(encoding="utf-8")
    changed, count = re.subn(r"(?m)^(headline:.*)$", r"\1 ", text, count=1)
    sheet.write_text(changed if count else text + "# changed by the benchmark\n", "utf-8")


@dataclass(frozen=True)
class QueryCase:
    task: str
    name: str
    text: str
    params: dict[str, str]
    """What is passed to `newskg query --param`."""
    terms: dict[str, str]
    """The same values as N-Triples terms, for rdflib's initBindings."""


def featured(root: Path, entries: list[Entry]) -> list[Entry]:
    """The registry entries that the first article's facts name, in the order they
    appear, then all the others: a parameter asked about one of them has an answer."""
    by_id = {entry.id: entry for entry in entries}
    text = first_article_sheet(root).read_text(encoding="utf-8")
    facts = text.split("\nfacts:", 1)[-1]
    seen: dict[str, Entry] = {}
    for token in re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", facts):
        if token in by_id:
            seen.setdefault(token, by_id[token])
    return [*seen.values(), *(e for e in entries if e.id not in seen)]


def _parameter_value(
    name: str, kind: str, entries: list[Entry], base: str
) -> tuple[str, str] | None:
    """A value for a parameter, for --param and as an N-Triples term: nk:Person for a
    `type`, else the first entry of `entries` of the type the parameter asks about."""
    from newskg.vocab import ENTITY_CATEGORY

    if name == "type":
        return "nk:Person", f"<{NK}Person>"
    if kind == "iri":
        wanted = {"source": ("NewsOutlet",)}.get(name, ("Person",))
        for wanted_type in (*wanted, "Person"):
            for entry in entries:
                if entry.type == wanted_type and entry.type in ENTITY_CATEGORY:
                    iri = f"{base}id/{ENTITY_CATEGORY[entry.type]}/{entry.id}"
                    return entry.id, f"<{iri}>"
        return None
    literal = {"date": ("2024-01-01", "date"), "integer": ("1", "integer")}
    if kind in literal:
        value, datatype = literal[kind]
        return value, f'"{value}"^^<http://www.w3.org/2001/XMLSchema#{datatype}>'
    return "news", '"news"'


def query_cases(root: Path, only: Sequence[str] = ()) -> list[QueryCase]:
    """For each stored query: `query:NAME` asked about one entity when it takes a
    parameter, and `query-all:NAME` when it can run without one."""
    from newskg.queries import catalogue

    entries = featured(root, registry_entries(root))
    base = base_iri(root)
    cases: list[QueryCase] = []
    queries = catalogue(root)
    for name, query in queries.items():
        if only and name not in only:
            continue
        if not query.parameters:
            continue
        required = [p for p, spec in query.parameters.items() if spec.required]
        param = (required or list(query.parameters))[0]
        value = _parameter_value(param, query.parameters[param].type, entries, base)
        if value is not None:
            text = query.narrowed_for({param}).source  # the text newskg runs
            cases.append(
                QueryCase(f"query:{name}", name, text, {param: value[0]}, {param: value[1]})
            )
    for name, query in queries.items():
        if only and name not in only:
            continue
        if not any(spec.required for spec in query.parameters.values()):
            cases.append(QueryCase(f"query-all:{name}", name, query.source, {}, {}))
    return cases


def count_csv_rows(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as stream:
        return max(0, sum(1 for _ in csv.reader(stream)) - 1)


# -- the runner ------------------------------------------------------------------------------


class Bench:
    def __init__(self, options: Options, stream: TextIO = sys.stdout) -> None:
        self.options = options
        self.stream = stream
        self.bin = Path(sys.executable).parent
        self.newskg = self.bin / "newskg"
        oxigraph = self.bin / "oxigraph"
        found = str(oxigraph) if oxigraph.is_file() else shutil.which("oxigraph")
        self.oxigraph = Path(found) if found else None
        self.records: list[Record] = []
        self.machine: dict[str, Any] = {}
        options.corpora = options.corpora.resolve()
        self.started = time.perf_counter()

    # -- measuring ---------------------------------------------------------------------

    def repeat(
        self,
        argv: Sequence[str | os.PathLike[str]],
        timeout: float,
        prepare: Callable[[], None] | None = None,
        runs: int | None = None,
        cwd: Path | None = None,
        accept: tuple[int, ...] = (0,),
        budget: float | None = None,
        sample: bool = True,
    ) -> tuple[list[Measurement], str | None]:
        """Run a command up to `runs` times (`prepare` before each, untimed); stop at the
        first failure (an exit code not in `accept`), or when the next run would pass the
        task's time budget (`budget`, else the options').  Returns the successful runs and
        the failure, if any.  `sample`: see :func:`benchmarks.measure.measure`."""
        wanted = runs or self.options.runs
        budget = self.options.task_budget if budget is None else budget
        done: list[Measurement] = []
        spent = 0.0
        while len(done) < wanted:
            if done and spent + done[-1].seconds > budget:
                break
            if prepare is not None:
                prepare()
            result = measure(argv, timeout=timeout, cwd=cwd, sample=sample)
            if result.returncode not in accept:
                return done, result.problem(timeout)
            done.append(result)
            spent += result.seconds
        return done, None

    def record(
        self,
        task: str,
        articles: int,
        runs: list[Measurement],
        problem: str | None = None,
    ) -> Record:
        record = new_record(task, articles, runs, problem)
        self.records.append(record)
        self.save()
        return record

    def anchor(
        self,
        record: Record,
        name: str,
        seconds: list[float],
        peak_kb: int | None,
        problem: str | None = None,
    ) -> None:
        record["anchor"] = name
        record["anchor_median_s"] = _round(median(seconds)) if seconds else None
        record["anchor_peak_rss_mb"] = _mb(peak_kb) if peak_kb is not None else None
        record["ratio"] = _ratio(record["median_s"], record["anchor_median_s"])
        if problem:
            _add_note(record, f"anchor: {problem}")
        self.save()

    # -- the tasks ---------------------------------------------------------------------

    def ensure_corpus(self, size: int) -> Path:
        root = self.options.corpora / f"corpus-{size}"
        if (root / "data" / "entities.yaml").is_file():
            return root
        _log(f"generating {size} articles (seed {self.options.seed}) into {root}")
        if (root / "data").exists():
            shutil.rmtree(root / "data")
        result = measure(
            [
                sys.executable,
                "-m",
                "benchmarks.generate",
                "--articles",
                str(size),
                "--seed",
                str(self.options.seed),
                "--out",
                str(root.resolve()),
                "--quiet",
            ],
            timeout=TIMEOUTS["generate"],
            cwd=Path(__file__).resolve().parents[1],
        )
        if not result.ok:
            raise RuntimeError(f"the generator failed: {result.problem(TIMEOUTS['generate'])}")
        return root

    def corpus_tasks(self, size: int) -> None:
        try:
            root = self.ensure_corpus(size)
        except (RuntimeError, OSError) as error:
            self.records.append(
                {
                    "task": "build",
                    "articles": size,
                    "median_s": None,
                    "peak_rss_mb": None,
                    "note": f"no corpus: {error}",
                }
            )
            return
        work = self.options.corpora / f"work-{size}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        newskg = str(self.newskg)
        project = ["--project", str(root)]
        base = base_iri(root)

        # build, from scratch, without the compaction a build of this size does by default:
        # `oxigraph load`, its anchor, leaves that to `oxigraph optimize` (and build:optimize
        # below gives its cost)
        def fresh() -> None:
            shutil.rmtree(root / "build", ignore_errors=True)

        # not sampled: its --timings give the peaks of its own stages and of the store
        # load, and sampling the loader slowed it (see measure)
        runs, problem = self.repeat(
            [newskg, "build", *project, "--no-optimize", "--timings"],
            TIMEOUTS["build"],
            fresh,
            sample=False,
        )
        build = self.record("build", size, runs, problem)
        _add_note(build, "--no-optimize, as oxigraph load: the compaction is build:optimize")
        stage = self._store_load_stage(runs)
        own = [float(m["mb"]) for r in runs for m in OWN_STAGE.finditer(r.stderr)]
        if own:
            build["peak_rss_mb"] = round(max(own), 1)
            _add_note(
                build,
                "peak_rss_mb: newskg's own stages (the mapping, all its processes together, "
                "and the commit, as build --timings reports them); the store load's is "
                "build:store-load's",
            )
        elif runs and not stage:
            _add_note(build, "peak_rss_mb covers the whole build, store load included")

        # the store compacted (`build --optimize`), as a default build leaves it: the
        # queries, the exports and their anchors below run on it
        runs, problem = self.repeat(
            [newskg, "build", *project, "--optimize", "--timings"], TIMEOUTS["build"], runs=1
        )
        optimized = self.record("build:optimize", size, runs, problem)
        compaction = [m for r in runs if (m := OPTIMIZE_STAGE.search(r.stderr))]
        if compaction:
            optimized["median_s"] = float(compaction[-1]["s"])
            optimized["peak_rss_mb"] = float(compaction[-1]["mb"])
            _add_note(optimized, "build --timings' compaction stage; the tasks below ran on it")

        # queries, on the store as a user has it after a build (their rdflib anchor
        # below, once the N-Quads export is written): run after gigabytes of exports and
        # a second store written and deleted, whole-corpus queries at 10,000 articles took
        # two to five times what they take on the same store on a quiet machine
        cases = query_cases(root, self.options.queries)
        query_records = {case.task: self._query(case, root, work, size) for case in cases}

        # exports (the N-Quads export is also the build's anchor's input)
        dump = work / "dump.nq"
        turtle = work / "export.ttl"
        runs, problem = self.repeat(
            [newskg, "export", *project, "--format", "nquads", "-o", str(dump)], TIMEOUTS["export"]
        )
        nquads = self.record("export:nquads", size, runs, problem)
        runs, problem = self.repeat(
            [newskg, "export", *project, "--format", "turtle", "-o", str(turtle)],
            TIMEOUTS["export"],
        )
        turtle_record = self.record("export:turtle", size, runs, problem)
        turtle.unlink(missing_ok=True)

        # the exports' anchors: pyoxigraph's serializers on the same graph, in memory
        self._serializer_anchors(nquads, turtle_record, dump, work, base)

        # the build's anchor: oxigraph load of the same N-Quads into a fresh store
        location = work / "oxigraph-store"
        load_runs: list[Measurement] = []
        if self.oxigraph is None:
            load_problem: str | None = "the oxigraph command is not installed"
        elif not dump.is_file():
            load_problem = "no N-Quads export to load"
        else:

            def fresh_store() -> None:
                shutil.rmtree(location, ignore_errors=True)

            load_runs, load_problem = self.repeat(
                [self.oxigraph, "load", "--location", location, "--file", dump],
                TIMEOUTS["anchor"],
                fresh_store,
            )
        shutil.rmtree(location, ignore_errors=True)
        load_peak = max((r.peak_rss_kb for r in load_runs), default=None)
        self.anchor(build, "oxigraph load", [r.seconds for r in load_runs], load_peak, load_problem)
        self._store_load_record(build, stage, load_runs, load_peak, load_problem)

        # the queries' anchor on the smaller corpus: rdflib's in-memory store
        if (
            self.options.rdflib
            and size <= self.options.rdflib_max_articles
            and dump.is_file()
            and cases
        ):
            self._rdflib_anchor(cases, query_records, dump, work)
        dump.unlink(missing_ok=True)

        # push into a local Oxigraph server, against one POST of the same N-Quads (issue 5:
        # the 1,000-article corpus; the update protocol there only)
        if self.options.push and size <= PUSH_MAX_ARTICLES:
            from .push import push_records

            self.records.extend(
                push_records(
                    root,
                    size,
                    self.options.push_runs,
                    update=self.options.push_update,
                    work=work / "push",
                )
            )

        # one article changes
        sheet = first_article_sheet(root)
        original = sheet.read_bytes()
        try:
            runs, problem = self.repeat(
                [newskg, "build", *project], TIMEOUTS["build"], lambda: touch_article(sheet)
            )
            self.record("rebuild-one", size, runs, problem)
            if self.options.check:
                sheet.write_bytes(original)
                self._check(size, project, root / "build", sheet)
        finally:
            sheet.write_bytes(original)
        shutil.rmtree(work, ignore_errors=True)

    def _check(self, size: int, project: list[str], built: Path, sheet: Path) -> None:
        """`newskg check` from scratch (on the built corpus, with nothing the check
        remembers: the build has a record and a target of its own, and it took two
        thirds of a check that started from nothing), then after one change."""
        from newskg.check import BASE, CACHE, RULES

        def forget() -> None:
            for name in (CACHE, RULES, BASE):
                (built / name).unlink(missing_ok=True)

        argv = [str(self.newskg), "check", *project, "--timeout", "1800"]
        steps: list[tuple[str, Callable[[], None]]] = [
            ("check", forget),
            ("check:rebuild-one", lambda: touch_article(sheet)),
        ]
        for task, prepare in steps:
            # exit code 1: the data fails a check; the run is timed all the same
            timeout = self.options.check_timeout
            runs, problem = self.repeat(argv, timeout, prepare, accept=(0, 1))
            record = self.record(task, size, runs, problem)
            failing = [r for r in runs if r.returncode == 1]
            if failing:
                said = [line for line in failing[-1].stdout.splitlines() if line.strip()]
                summary = said[-1][:200] if said else ""
                _add_note(record, f"check exited 1, the data fails a check: {summary}")

    def _store_load_stage(self, runs: list[Measurement]) -> list[tuple[float, float | None]]:
        found: list[tuple[float, float | None]] = []
        for run in runs:
            match = STORE_LOAD.search(run.stdout + "\n" + run.stderr)
            if match:
                mb = float(match["mb"]) if match["mb"] else None
                if mb is not None and match["unit"].upper().startswith("G"):
                    mb *= 1024
                found.append((float(match["s"]), mb))
        return found

    def _store_load_record(
        self,
        build: Record,
        stage: list[tuple[float, float | None]],
        load_runs: list[Measurement],
        load_peak: int | None,
        load_problem: str | None,
    ) -> None:
        record: Record = {
            "task": "build:store-load",
            "articles": build["articles"],
            "median_s": None,
            "peak_rss_mb": None,
        }
        if stage:
            peaks = [mb for _, mb in stage if mb is not None]
            record["median_s"] = _round(median([s for s, _ in stage]))
            record["peak_rss_mb"] = max(peaks) if peaks else None
            record["runs"] = len(stage)
            record["note"] = "the store-load stage as newskg build reports it"
        else:
            record["median_s"] = None
            record["peak_rss_mb"] = None
            record["note"] = (
                "newskg build reports no separate store-load stage: the build record's "
                "peak_rss_mb covers the whole build; here only the anchor's peak"
            )
        self.records.insert(self.records.index(build) + 1, record)
        self.anchor(
            record, "oxigraph load", [r.seconds for r in load_runs], load_peak, load_problem
        )
        if record["median_s"] is None:
            record["ratio"] = None
        if record["peak_rss_mb"] is not None and load_peak:
            share = record["peak_rss_mb"] / _mb(load_peak)
            _add_note(record, f"peak / oxigraph load's peak = {share:.2f} (target: 1.10 at most)")

    def _serializer_anchors(
        self, nquads: Record, turtle: Record, dump: Path, work: Path, base: str
    ) -> None:
        """Both exports' anchors, from one child that loads the N-Quads export into
        pyoxigraph's in-memory store (see benchmarks.measure.serialize_anchor)."""
        names = {"nquads": "pyoxigraph Store.dump", "turtle": "pyoxigraph serialize"}
        records = {"nquads": nquads, "turtle": turtle}
        if not dump.is_file():
            for syntax, record in records.items():
                self.anchor(record, names[syntax], [], None, "no N-Quads export to load")
            return
        argv = [
            sys.executable, "-m", "benchmarks.measure", "serialize", str(dump), str(work),
            "--base", base, "--runs", str(self.options.runs),
            "--budget", str(self.options.task_budget),
        ]  # fmt: skip
        runs, problem = self.repeat(argv, TIMEOUTS["anchor"], runs=1, cwd=self.options.repository)
        figures: dict[str, Any] = {}
        if runs:
            try:
                figures = json.loads(runs[0].stdout.strip().splitlines()[-1])
            except (ValueError, IndexError):
                problem = problem or "the serializers' child printed no figures"
        peak = runs[0].peak_rss_kb if runs else None
        for syntax, record in records.items():
            seconds = [float(s) for s in figures.get(syntax, {}).get("seconds", [])]
            self.anchor(record, names[syntax], seconds, peak, problem)
            if seconds:
                _add_note(
                    record,
                    f"anchor: {len(seconds)} run(s) on the graph held in memory "
                    "(its peak includes the loaded store)",
                )

    def _query(self, case: QueryCase, root: Path, work: Path, size: int) -> Record:
        output = work / "answer.csv"
        argv = [str(self.newskg), "query", case.name, "--project", str(root)]
        for key, value in case.params.items():
            argv += ["--param", f"{key}={value}"]
        argv += ["--format", "csv", "-o", str(output), "--timeout", str(TIMEOUTS["query"])]
        # a query is repeated only while that is cheap: 17 queries at 10,000 articles,
        # some of them minutes long, would otherwise take most of the bench's 45 minutes
        runs, problem = self.repeat(argv, TIMEOUTS["query"] + 30, budget=QUERY_BUDGET)
        record = self.record(case.task, size, runs, problem)
        if runs and output.is_file():
            rows = count_csv_rows(output)
            record["rows"] = rows
            median_s = record["median_s"]
            if case.task.startswith("query-all:") and median_s:
                record["rows_per_s"] = round(rows / median_s, 1)
        if case.params:
            _add_note(record, "parameter " + ", ".join(f"{k}={v}" for k, v in case.params.items()))
        output.unlink(missing_ok=True)
        return record

    def _rdflib_anchor(
        self, cases: list[QueryCase], records: dict[str, Record], dump: Path, work: Path
    ) -> None:
        name = "rdflib in-memory Dataset"
        spec = {
            "runs": self.options.runs,
            "timeout": self.options.rdflib_timeout,
            "budget": self.options.rdflib_budget,
            "queries": [{"task": c.task, "text": c.text, "bindings": c.terms} for c in cases],
        }
        spec_path = work / "rdflib-spec.json"
        figures_path = work / "rdflib-figures.json"
        spec_path.write_text(json.dumps(spec), encoding="utf-8")
        _log(f"rdflib anchor: loading {dump.name} and running {len(cases)} queries")
        limit = TIMEOUTS["anchor"] + self.options.rdflib_budget + 60
        result = measure(
            [sys.executable, "-m", "benchmarks.measure", "rdflib", dump, spec_path, figures_path],
            timeout=limit,
            cwd=self.options.repository,
        )
        try:
            figures: dict[str, Any] = json.loads(figures_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            figures = {"queries": {}}
        done: dict[str, Any] = figures.get("queries", {})
        failed = None if result.ok else result.problem(limit)
        load = figures.get("load_s")
        for case in cases:
            record = records[case.task]
            entry = done.get(case.task)
            if entry is None:
                self.anchor(record, name, [], None, failed or "rdflib did not answer")
                continue
            self.anchor(
                record, name, entry["seconds"], int(entry["peak_rss_kb"]), entry.get("note")
            )
            gave_up = entry.get("gave_up_after")
            if gave_up and record["median_s"]:
                _add_note(record, f"ratio under {record['median_s'] / gave_up:.3f}")
        if load is not None:
            _add_note(
                records[cases[0].task],
                f"rdflib's store took the N-Quads (parsed by pyoxigraph) in {load:.1f} s (not "
                "in its times; its peak memory includes the loaded dataset)",
            )

    def startup_tasks(self) -> None:
        newskg = str(self.newskg)
        runs, problem = self.repeat(
            [newskg, "--help"], TIMEOUTS["startup"], runs=self.options.startup_runs
        )
        self.record("startup", 0, runs, problem)
        # a stored query on a copy of the repository's own data/ (its build/ is not touched)
        project = self.options.corpora / "first-article"
        shutil.rmtree(project, ignore_errors=True)
        project.mkdir(parents=True)
        repository = self.options.repository
        shutil.copytree(repository / "data", project / "data")
        for extra in ("newskg.toml", "queries"):
            source = repository / extra
            if source.is_dir():
                shutil.copytree(source, project / extra)
            elif source.is_file():
                shutil.copy2(source, project / extra)
        articles = len(list((project / "data" / "articles").glob("*.yaml")))
        prepared = measure([newskg, "build", "--project", str(project)], timeout=TIMEOUTS["build"])
        people = [e for e in registry_entries(project) if e.type == "Person"]
        if not prepared.ok or not people:
            self.record(
                "query:first-article",
                articles,
                [],
                prepared.problem(TIMEOUTS["build"])
                if not prepared.ok
                else "no person in the registry",
            )
            return
        argv = [
            newskg,
            "query",
            "people",
            "--project",
            str(project),
            "--param",
            f"person={people[0].id}",
            "--format",
            "csv",
            "-o",
            os.devnull,
        ]
        runs, problem = self.repeat(argv, TIMEOUTS["startup"], runs=self.options.startup_runs)
        record = self.record("query:first-article", articles, runs, problem)
        _add_note(record, f"newskg query people --param person={people[0].id}")
        shutil.rmtree(project, ignore_errors=True)

    # -- the whole run -----------------------------------------------------------------

    def save(self) -> list[dict[str, Any]]:
        """Write what is measured so far: a run that is stopped keeps its figures."""
        records: list[dict[str, Any]] = [self.machine, *(dict(r) for r in self.records)]
        self.options.out.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.options.out.with_name(self.options.out.name + ".tmp")
        temporary.write_text(json.dumps(records, indent=2) + "\n", encoding="utf-8")
        temporary.replace(self.options.out)
        return records

    def run(self) -> list[dict[str, Any]]:
        """Every task; returns the records (the machine first), written and printed."""
        self.machine = machine_record(self.options)
        _log(f"newskg {self.machine['newskg']} on {self.machine['cpu']}")

        def stop(signum: int, frame: FrameType | None) -> None:
            raise Interrupted(f"stopped by signal {signum}")

        previous = signal.signal(signal.SIGTERM, stop)
        try:
            if self.options.startup:
                self.startup_tasks()
            for size in self.options.sizes:
                self.corpus_tasks(size)
        except (Interrupted, KeyboardInterrupt) as error:
            self.machine["note"] = f"interrupted ({error or 'Ctrl-C'}): the tasks after are missing"
            _log(self.machine["note"])
        finally:
            signal.signal(signal.SIGTERM, previous)
            self.machine["total_s"] = round(time.perf_counter() - self.started, 1)
            records = self.save()
        print_table(records, self.stream)
        return records


class Interrupted(Exception):
    pass


def machine_record(options: Options) -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = None
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                memory = round(int(line.split()[1]) / 1024 / 1024, 1)
    except (OSError, ValueError):
        pass
    version = measure([Path(sys.executable).parent / "newskg", "--version"], timeout=60)
    return {
        "task": "machine",
        "articles": 0,
        "median_s": None,
        "peak_rss_mb": None,
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": memory,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "newskg": version.stdout.strip().rsplit(" ", 1)[-1] if version.ok else "unknown",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "runs": options.runs,
        "quick": options.quick,
        "sizes": list(options.sizes),
    }


COLUMNS = (
    "task",
    "articles",
    "median_s",
    "peak_rss_mb",
    "anchor",
    "anchor_median_s",
    "anchor_peak_rss_mb",
    "ratio",
)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}" if value < 10 else f"{value:.1f}"
    return str(value)


def print_table(records: list[dict[str, Any]], stream: TextIO) -> None:
    """One table: the machine, then a row per task and its notes below."""
    from rich.console import Console
    from rich.table import Table

    machine = next((r for r in records if r["task"] == "machine"), None)
    title = None
    if machine:
        title = (
            f"newskg {machine['newskg']} on {machine['cpu']}, {machine['cores']} cores, "
            f"Python {machine['python']}, median of up to {machine['runs']} runs"
        )
    table = Table(title=title, show_lines=False)
    for column in COLUMNS:
        table.add_column(column, justify="left" if column in ("task", "anchor") else "right")
    table.add_column("rows/s", justify="right")
    notes = []
    for record in records:
        if record["task"] == "machine":
            continue
        table.add_row(*(_cell(record.get(c)) for c in COLUMNS), _cell(record.get("rows_per_s")))
        if record.get("note"):
            notes.append(f"{record['task']} ({record['articles']}): {record['note']}")
    console = Console(file=stream, width=160, highlight=False, soft_wrap=True)
    console.print(table)
    for note in notes:
        console.print(note, markup=False)


def main(argv: Sequence[str] | None = None) -> int:
    records = Bench(parse_options(argv)).run()
    return 1 if "note" in records[0] else 0


def parse_options(argv: Sequence[str] | None = None) -> Options:
    """The options of a run from its command line."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description="Benchmark newskg on 1,000 and 10,000 generated articles (issue 6).",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="only the 1,000-article corpus, without push:update",
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per task; the median counts")
    parser.add_argument("--out", type=Path, default=Path("build/bench.json"))
    parser.add_argument("--corpora", type=Path, default=Path("build/bench"))
    parser.add_argument(
        "--articles",
        type=int,
        action="append",
        help="corpus sizes to run instead of 1,000 and 10,000 (repeatable)",
    )
    parser.add_argument("--seed", type=int, default=SEED, help="the corpora's seed")
    parser.add_argument(
        "--task-budget",
        type=float,
        default=None,
        help="seconds a task's repeated runs may take: slower tasks are run fewer times "
        "(default: 45 with --quick, else 150)",
    )
    parser.add_argument("--no-rdflib", action="store_true", help="skip the rdflib anchor")
    parser.add_argument(
        "--rdflib-timeout", type=float, default=300.0, help="rdflib gives up on a query after this"
    )
    parser.add_argument(
        "--rdflib-budget",
        type=float,
        default=None,
        help="seconds for all of rdflib's queries, shared among them "
        "(default: 60 with --quick, else 150)",
    )
    parser.add_argument("--no-check", action="store_true", help="skip newskg check")
    parser.add_argument("--no-push", action="store_true", help="skip the push tasks")
    parser.add_argument(
        "--check-timeout",
        type=float,
        default=TIMEOUTS["check"],
        help="stop one run of newskg check after this many seconds (default: %(default)s)",
    )
    parser.add_argument(
        "--query", action="append", help="only this stored query (repeatable; default: all)"
    )
    parser.add_argument("--no-startup", action="store_true", help="skip the startup tasks")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    sizes = tuple(args.articles) if args.articles else (QUICK_SIZES if args.quick else SIZES)
    return Options(
        sizes=sizes,
        runs=args.runs,
        out=args.out,
        corpora=args.corpora,
        seed=args.seed,
        task_budget=args.task_budget or (45.0 if args.quick else 150.0),
        rdflib=not args.no_rdflib,
        rdflib_timeout=args.rdflib_timeout,
        rdflib_budget=args.rdflib_budget or (60.0 if args.quick else 150.0),
        check=not args.no_check,
        push=not args.no_push,
        push_update=not args.quick,
        push_runs=1 if args.quick else min(2, args.runs),
        startup=not args.no_startup,
        startup_runs=max(5, args.runs),
        queries=tuple(args.query or ()),
        check_timeout=args.check_timeout,
        quick=args.quick,
    )


if __name__ == "__main__":
    raise SystemExit(main())
