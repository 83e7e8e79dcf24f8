"""The command line: parse arguments, call one library function, print.

No logic of its own lives here; every command is one call a Python user can make.
Library errors become one-line messages and exit codes in one place (:func:`main`).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click

from . import __version__
from .errors import EXIT_USAGE, DataErrors, NewsKGError
from .formats import SYNTAXES

_SYNTAX_HELP = (
    "RDF syntax: " + ", ".join(SYNTAXES) + " (append .gz to compress). Guessed from the "
    "file's extension when not given. Turtle, N-Triples and RDF/XML hold triples only: "
    "they get the union of the article graphs and the registry (what the articles say in "
    "their own voice), without the claims' graphs, the ontology or the build metadata."
)


def _project_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--project",
        "project",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="The project folder (default: the nearest folder with data/entities.yaml).",
    )(func)


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
def cli() -> None:
    """newskg: build a knowledge graph from news articles, and export it as RDF."""


@cli.command("build")
@_project_option
@click.option(
    "-o", "--output", default=None, help="Also export the dataset to this file ('-': stdout)."
)
@click.option("--format", "syntax", default=None, help=_SYNTAX_HELP)
@click.option("--full", is_flag=True, help="Rebuild everything, not only what changed.")
def build_command(project: Path | None, output: str | None, syntax: str | None, full: bool) -> None:
    """Build data/ into build/: one graph file per article and an embedded store."""
    from .build import build, export

    result = build(project, full=full)
    root = result.project.root
    for warning in result.project.warnings:
        click.echo(str(warning), err=True)
    click.echo(
        f"built {len(result.project.articles)} article(s): {len(result.built)} mapped, "
        f"{len(result.unchanged)} unchanged, {len(result.removed)} removed",
        err=output == "-",
    )
    click.echo(
        f"{result.facts} facts ({result.claims} attributed claims), {result.graphs} named graphs, "
        f"{result.quads} statements in {result.build_dir.relative_to(root)}/store",
        err=output == "-",
    )
    if output is not None:
        used, count = export(output, syntax, root=root, rebuild=False)
        if output != "-":
            click.echo(f"wrote {count} statements as {used.title} to {output}")


@cli.command("export")
@_project_option
@click.option("-o", "--output", required=True, help="The file to write ('-': stdout).")
@click.option("--format", "syntax", default=None, help=_SYNTAX_HELP)
@click.option(
    "--article", default=None, help="Only this article's graphs (its own and its claims')."
)
def export_command(
    project: Path | None, output: str, syntax: str | None, article: str | None
) -> None:
    """Export the dataset in any RDF syntax (building first if the data changed)."""
    from .build import export

    used, count = export(output, syntax, root=project, article=article)
    if output != "-":
        click.echo(f"wrote {count} statements as {used.title} to {output}")


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
    from .project import find_root, load_project
    from .scaffold import new_article

    loaded = load_project(find_root(project))
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
