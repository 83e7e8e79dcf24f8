"""The command line: parse arguments, call one library function, print.

No logic of its own lives here; every command is one call a Python user can make.
Library errors become one-line messages and exit codes in one place (:func:`main`).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click

from . import __version__
from .errors import EXIT_STORE, EXIT_USAGE, DataErrors, NewsKGError
from .formats import SYNTAXES
from .loading import BULK_THRESHOLD

_SYNTAX_HELP = (
    "RDF syntax: " + ", ".join(SYNTAXES) + " (append .gz to compress). Guessed from the "
    "file's extension when not given. Turtle, N-Triples and RDF/XML hold triples only: "
    "they get the union of the article graphs and the registry (what the articles say in "
    "their own voice), without the claims' graphs, the ontology or the build metadata."
)


SECONDS = click.FloatRange(min=0, min_open=True)
"""A time limit: more than no time at all."""


def _project_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--project",
        "project",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="The project folder (default: the nearest folder, from here up, with "
        "data/entities.yaml or newskg.toml).",
    )(func)


def _data_on_stdout(output: str | None) -> bool:
    """Whether the data goes to standard output: ``-``, or a path that is the file
    stdout is open on (/dev/stdout, /dev/fd/1, the file it is redirected to).  The lines
    that report on the data then go to stderr: in the data, they would corrupt it."""
    if output is None:
        return False
    if output == "-":
        return True
    try:
        target, stdout = os.stat(output), os.fstat(sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no such file yet, or no stdout
        return False
    return (target.st_dev, target.st_ino) == (stdout.st_dev, stdout.st_ino)


def _fail(error: NewsKGError) -> NoReturn:
    if isinstance(error, DataErrors):
        for problem in error.problems:
            click.echo(str(problem), err=True)
        click.echo(f"newskg: {error.message}", err=True)
    else:
        click.echo(f"newskg: error: {error}", err=True)
    sys.exit(error.exit_code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="newskg")
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help=(
        "No progress bars (they show only when stderr is a terminal anyway), and no "
        "notice when a build waits for another one of the same project."
    ),
)
def cli(quiet: bool) -> None:
    """newskg: build a knowledge graph from news articles, and export it as RDF."""
    from . import progress

    progress.QUIET = quiet


@cli.command("build")
@_project_option
@click.option(
    "-o", "--output", default=None, help="Also export the dataset to this file ('-': stdout)."
)
@click.option("--format", "syntax", default=None, help=_SYNTAX_HELP)
@click.option("--full", is_flag=True, help="Rebuild everything, not only what changed.")
@click.option(
    "--reason",
    is_flag=True,
    help="Also write what OWL 2 RL reasoning (owlrl) infers from the articles' own "
    "voice and the ontology, in the graph {base}graph/inferred.",
)
@click.option(
    "--timeout",
    type=SECONDS,
    default=600.0,
    show_default=True,
    help="With --reason: stop reasoning after this many seconds.",
)
@click.option(
    "--include-inferred",
    is_flag=True,
    help="With -o and a triples-only syntax: add the inferred statements.",
)
@click.option(
    "--timings",
    is_flag=True,
    help="Print each stage's time and peak memory (all its processes) on stderr.",
)
@click.option(
    "--optimize/--no-optimize",
    default=None,
    help="Compact the embedded store afterwards (queries run 2 to 8 times faster on a "
    "large bulk-loaded store), or do not; by default a build that mapped "
    f"{BULK_THRESHOLD} articles or more compacts it.",
)
def build_command(
    project: Path | None,
    output: str | None,
    syntax: str | None,
    full: bool,
    reason: bool,
    timeout: float,
    include_inferred: bool,
    timings: bool,
    optimize: bool | None,
) -> None:
    """Build data/ into build/: one graph file per article and an embedded store."""
    from .pipeline import build

    if include_inferred and output is None:
        raise click.UsageError("--include-inferred goes with -o (or use export)")
    to_stderr = _data_on_stdout(output)
    result = build(project, full=full, reason=reason, reason_timeout=timeout, optimize=optimize)
    root = result.project.root
    for warning in result.project.warnings:
        click.echo(str(warning), err=True)
    click.echo(
        f"built {result.articles} article(s): {len(result.built)} mapped, "
        f"{len(result.unchanged)} unchanged, {len(result.removed)} removed",
        err=to_stderr,
    )
    click.echo(
        f"{result.facts} facts ({result.claims} attributed claims), {result.graphs} named graphs, "
        f"{result.quads} statements in {result.build_dir.relative_to(root)}/store",
        err=to_stderr,
    )
    if result.inferred:
        click.echo(f"{result.inferred} inferred statements in graph/inferred", err=to_stderr)
    for stage in result.stages if timings else []:
        click.echo(str(stage), err=True)
    if output is not None:
        from .exporting import export  # not before: it loads the fact models

        used, count = export(
            output, syntax, root=root, rebuild=False, include_inferred=include_inferred
        )
        if output != "-":
            click.echo(f"wrote {count} statements as {used.title} to {output}", err=to_stderr)


@cli.command("export")
@_project_option
@click.option("-o", "--output", required=True, help="The file to write ('-': stdout).")
@click.option("--format", "syntax", default=None, help=_SYNTAX_HELP)
@click.option(
    "--article", default=None, help="Only this article's graphs (its own and its claims')."
)
@click.option(
    "--include-inferred",
    is_flag=True,
    help="With a triples-only syntax: add what `build --reason` inferred (dataset syntaxes "
    "have its graph anyway).",
)
def export_command(
    project: Path | None,
    output: str,
    syntax: str | None,
    article: str | None,
    include_inferred: bool,
) -> None:
    """Export the dataset in any RDF syntax (building first if the data changed)."""
    from .exporting import export

    to_stderr = _data_on_stdout(output)
    used, count = export(
        output, syntax, root=project, article=article, include_inferred=include_inferred
    )
    if output != "-":
        click.echo(f"wrote {count} statements as {used.title} to {output}", err=to_stderr)


@cli.command("check")
@_project_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="The report for people, or for programs.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info"]),
    default="error",
    show_default=True,
    help="The lowest severity of a finding that fails the run.",
)
@click.option(
    "--timeout",
    type=SECONDS,
    default=120.0,
    show_default=True,
    help="Stop HermiT (and each stored check) after this many seconds.",
)
@click.option(
    "--hermit-limit",
    type=int,
    default=200_000,
    show_default=True,
    help="Above this many statements, skip HermiT and rely on the checks derived "
    "from the ontology's disjointness, domain and range axioms.",
)
@click.option(
    "--full",
    is_flag=True,
    help="Check every article again, not only those changed since the last check "
    "(which misses a finding that an unchanged article makes with a changed one).",
)
def check_command(
    project: Path | None, fmt: str, fail_on: str, timeout: float, hermit_limit: int, full: bool
) -> None:
    """Run every check on data/: schema and evidence, SHACL shapes, OWL consistency
    (HermiT) and the stored checks; one report, each finding at its file:line:column."""
    from .check import check

    report = check(project, timeout=timeout, hermit_limit=hermit_limit, full=full)
    click.echo(report.json() if fmt == "json" else report.text(), nl=False)
    if report.fails(fail_on):
        sys.exit(1)


@cli.command("docs")
@click.option(
    "-o",
    "--output",
    "folder",
    default="site",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder to write index.html and the class diagram into.",
)
def docs_command(folder: Path) -> None:
    """Write the ontology as a web page (pyLODE), with a diagram of its classes."""
    from .docs import write_docs

    for path in write_docs(folder):
        click.echo(f"wrote {path}")


@cli.command("push")
@_project_option
@click.option(
    "--endpoint",
    required=True,
    help="A profile of newskg.toml ([endpoints.NAME]) or a URL: for --protocol gsp the "
    "Graph Store URL (http://127.0.0.1:7878/store), for update the SPARQL Update URL; "
    "the other URLs it needs are derived from it, and newskg says so.",
)
@click.option(
    "--protocol",
    type=click.Choice(["gsp", "update"]),
    default=None,
    help="gsp: the SPARQL 1.1 Graph Store Protocol: graphs the store does not hold yet "
    "are POSTed together as N-Quads (Oxigraph's /store, Fuseki's /ds/data; post_quads in "
    "a profile), the others replaced with a PUT each. update: SPARQL 1.1 Update: one "
    "request per batch of graphs (DROP, INSERT DATA, the push record) where the store "
    "applies a request atomically (an update URL ending in /update or /statements; "
    "atomic_updates in a profile), else load fresh graphs, check them, then MOVE them in. "
    "Either way graphs travel in batches of about 20,000 triples. Default: the "
    "profile's; for a URL, gsp when it is a store URL (/store, /ds/data, "
    ".../rdf-graphs/service, /sparql-graph-crud), else update.",
)
@click.option(
    "--default-graph",
    is_flag=True,
    help="Write the union of the dataset into the store's default graph instead, "
    "replacing it as a whole (gives up per-article replacement and attribution by graph).",
)
@click.option(
    "--timeout", type=SECONDS, default=None, help="Seconds for each request.  [default: 60]"
)
def push_command(
    project: Path | None,
    endpoint: str,
    protocol: str | None,
    default_graph: bool,
    timeout: float | None,
) -> None:
    """Load the built graph into a triple store: replace the graphs that changed, drop the
    graphs of deleted articles, never touch graphs newskg does not own. Digests of what
    was pushed are cached in build/push-digests.json, so that a re-push of unchanged data
    reads no triples. Credentials come from the environment or ~/.netrc, never from the
    command line."""
    from .stores.push import push

    report = push(
        endpoint,
        project,
        protocol=protocol,
        default_graph=default_graph,
        timeout=timeout,
        say=lambda line: click.echo(line, err=True),
    )
    click.echo(report.summary())


@cli.command("serve")
@_project_option
@click.option(
    "--bind",
    default="127.0.0.1:7878",
    show_default=True,
    help="Host and port to listen on; anything but a loopback address asks first.",
)
@click.option("--yes", is_flag=True, help="Do not ask before listening beyond this machine.")
@click.option(
    "--union-default-graph",
    is_flag=True,
    help="Let queries without GRAPH see the union of all graphs.",
)
def serve_command(project: Path | None, bind: str, yes: bool, union_default_graph: bool) -> None:
    """Serve the built graph read-only behind a local SPARQL 1.1 endpoint with a query page
    (Oxigraph's server). That server follows SERVICE on its own."""
    from .serve import serve

    serve(
        project,
        bind,
        confirm=lambda question: yes or click.confirm(question, err=True),
        say=lambda line: click.echo(line, err=True),
        union_default_graph=union_default_graph,
    )


@cli.command("draw")
@_project_option
@click.option(
    "--entity",
    default=None,
    metavar="ID",
    help="Draw this entity's neighbourhood: a registry id, a prefixed name or an IRI.",
)
@click.option(
    "--article",
    default=None,
    metavar="ID",
    help="Draw a whole article: its own graph and its claims' graphs.",
)
@click.option(
    "--construct",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Draw what the CONSTRUCT query in this .rq file makes.",
)
@click.option(
    "--depth",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="With --entity: 1 is the events and claims it takes part in and their other "
    "participants; each step more does the same again from what was reached.",
)
@click.option("-o", "--output", required=True, help="The file to write ('-': stdout).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["svg", "png", "dot"], case_sensitive=False),
    default=None,
    help="svg, png (both need Graphviz) or dot (Graphviz's text, which needs nothing). "
    "Default: from the file's extension (.svg, .png, .dot, .gv).",
)
@click.option(
    "--timeout",
    type=SECONDS,
    default=60.0,
    show_default=True,
    help="Stop the query, or Graphviz, after this many seconds.",
)
def draw_command(
    project: Path | None,
    entity: str | None,
    article: str | None,
    construct: Path | None,
    depth: int,
    output: str,
    fmt: str | None,
    timeout: float,
) -> None:
    """Draw part of the graph with Graphviz: an entity's neighbourhood, an article, or
    what a CONSTRUCT query makes. Claims are dashed and boxed, apart from the article's
    own voice."""
    from .draw import draw

    used, picture = draw(
        output,
        fmt,
        root=project,
        entity=entity,
        article=article,
        construct=construct,
        depth=depth,
        timeout=timeout,
    )
    if output != "-":
        click.echo(
            f"drew {picture.nodes} nodes and {picture.edges} edges ({picture.claims} claims) "
            f"as {used.upper()} to {output}"
        )


@cli.command("new")
@_project_option
@click.argument("article_id")
@click.option(
    "--text",
    "text_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The article's text, UTF-8; copied byte for byte.",
)
@click.option("--url", required=True, help="Where the article was published.")
@click.option(
    "--published",
    required=True,
    type=click.DateTime(["%Y-%m-%d"]),
    help="Publication date, YYYY-MM-DD.",
)
@click.option("--headline", default=None, help="Default: the text's first line.")
@click.option(
    "--publisher",
    default=None,
    help="Registry id of the outlet. Default: guessed from the URL or the id.",
)
@click.option("--language", default="en", show_default=True, help="BCP 47 tag of the text.")
def new_command(
    project: Path | None,
    article_id: str,
    text_file: Path,
    url: str,
    published: dt.datetime,
    headline: str | None,
    publisher: str | None,
    language: str,
) -> None:
    """Scaffold a new article: copy its text and write a fact sheet to fill in."""
    from .project import find_root, load_registry_project
    from .scaffold import new_article

    loaded = load_registry_project(find_root(project))
    path = new_article(
        loaded, article_id, text_file, url, published.date(), headline, publisher, language
    )
    click.echo(f"wrote {path.relative_to(loaded.root)}; add its facts, then run newskg build")


@cli.command("schema")
@click.option(
    "-o",
    "--output",
    "folder",
    default="schema",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the JSON Schema files into.",
)
def schema_command(folder: Path) -> None:
    """Write the fact-sheet format as JSON Schema files, for editors."""
    from .jsonschema import write_schemas

    for path in write_schemas(folder):
        click.echo(f"wrote {path}")


# -- asking the graph --------------------------------------------------------------------------


def _query_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by the commands that run queries."""
    options = [
        click.option(
            "--endpoint",
            default=None,
            help="Run against this endpoint instead of the embedded store: a profile of "
            "newskg.toml (credentials from the environment variables or netrc it names) "
            "or a SPARQL 1.1 query URL.",
        ),
        click.option(
            "--timeout",
            type=SECONDS,
            default=60.0,
            show_default=True,
            help="Stop a query that runs longer than this many seconds.",
        ),
        click.option(
            "--allow-network",
            is_flag=True,
            help="Let a local query use SERVICE or FROM graphs outside the store.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return _project_option(func)


def _params(values: tuple[str, ...]) -> dict[str, str]:
    given: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise click.UsageError(f"--param {item!r}: write it as name=value")
        given[name.strip()] = value
    return given


@cli.command("queries")
@_project_option
def queries_command(project: Path | None) -> None:
    """List the stored queries: name, title and parameters."""
    from .project import find_root
    from .queries import catalogue

    try:
        root: Path | None = find_root(project)
    except NewsKGError:
        root = None
    for name, query in catalogue(root).items():
        params = ", ".join(
            f"{p}{'' if spec.required else '?'}" for p, spec in query.parameters.items()
        )
        click.echo(f"{name:<16} {query.title}" + (f"  [{params}]" if params else ""))


@cli.command("query")
@click.argument("name", required=False)
@click.option(
    "--file",
    "query_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Run the query in this .rq file.",
)
@click.option("--sparql", default=None, help="Run this query text.")
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="A parameter: a registry id, an IRI, a prefixed name or a literal.",
)
@click.option(
    "--format",
    "fmt",
    default=None,
    help="table, csv, tsv, json, xml, markdown; for CONSTRUCT/DESCRIBE an RDF syntax. "
    "Default: guessed from -o, else table on a terminal and csv otherwise.",
)
@click.option("-o", "--output", default="-", help="Write to this file instead of stdout.")
@click.option(
    "--union-default-graph",
    is_flag=True,
    help="Let patterns outside GRAPH match in every graph, as Oxigraph's option of that "
    "name does (every statement is in a named graph: without it they match nothing).",
)
@_query_options
def query_command(
    name: str | None,
    query_file: Path | None,
    sparql: str | None,
    params: tuple[str, ...],
    fmt: str | None,
    output: str,
    union_default_graph: bool,
    project: Path | None,
    endpoint: str | None,
    timeout: float,
    allow_network: bool,
) -> None:
    """Run a stored query (or --file, or --sparql) and print its answer.

    ASK prints true or false and exits 0 when true, 1 when false."""
    from .freshness import judge_in_child, stop_judging

    if sum(x is not None for x in (name, query_file, sparql)) != 1:
        raise click.UsageError(
            "give one of: a stored query's NAME, --file FILE or --sparql TEXT (and only one)"
        )
    given = _params(params)
    # whether the data changed is judged beside everything from here to the answer,
    # the imports included (see newskg.freshness)
    judgement = judge_in_child(project) if endpoint is None else None
    try:
        from .formats import atomic_output
        from .querying import ad_hoc, open_context, run, stored
        from .results import ask_value, results_format, write_answer
    except BaseException:
        stop_judging(judgement)
        raise
    context = open_context(
        project, endpoint, timeout=timeout, allow_network=allow_network, judgement=judgement
    )
    context.union_default_graph = union_default_graph
    try:
        if name is not None:
            query = stored(name, context)
        elif query_file is not None:
            query = ad_hoc(query_file.read_text(encoding="utf-8"), str(query_file), given)
        else:
            query = ad_hoc(sparql or "", "<--sparql>", given)
        answer = run(query, given, context)
    finally:
        context.stop_judging()  # when no query ran to wait for it
    terminal = output == "-" and sys.stdout.isatty()
    chosen = results_format(output, fmt, answer.form, terminal)
    with atomic_output(output) as stream:
        write_answer(answer, chosen, stream, context.prefixes)
    if answer.form == "ASK" and not ask_value(answer):
        sys.exit(1)


@cli.command("verify")
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info"]),
    default="error",
    show_default=True,
    help="The lowest severity of a failed check that fails the run.",
)
@_query_options
def verify_command(
    fail_on: str, project: Path | None, endpoint: str | None, timeout: float, allow_network: bool
) -> None:
    """Run the stored checks (queries/checks): any row returned is a violation."""
    from .querying import open_context
    from .verify import verify

    context = open_context(project, endpoint, timeout=timeout, allow_network=allow_network)
    report = verify(context)
    click.echo(report.text, nl=False)
    if report.fails(fail_on):
        sys.exit(1)


def main(argv: list[str] | None = None) -> None:
    """The console entry point: run a command, turn newskg's errors into exit codes."""
    try:
        cli.main(args=argv, prog_name="newskg", standalone_mode=False)
    except NewsKGError as error:
        _fail(error)
    except click.exceptions.Abort:
        click.echo("newskg: aborted", err=True)
        sys.exit(EXIT_USAGE)
    except click.ClickException as error:
        error.show()
        sys.exit(EXIT_USAGE if error.exit_code == 2 else error.exit_code)
    except BrokenPipeError:
        sys.exit(0)
    except OSError as error:  # the file system failed us (a full disk, say): one line
        where = f": {error.filename}" if error.filename else ""
        click.echo(
            f"newskg: error: the file system failed: {error.strerror or error}{where}", err=True
        )
        sys.exit(EXIT_STORE)
