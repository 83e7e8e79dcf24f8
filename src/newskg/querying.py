"""Running a query -- stored or ad hoc -- on the embedded store or a remote endpoint.

The one path that `newskg query`, `newskg verify` and the Python API share: read the
query, refuse what would leave the store, bind parameters as validated terms, run it
where asked, and hand back a neutral :class:`~newskg.stores.Answer`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import NamedNode

from .errors import Problem, UsageError
from .queries import Parameter, StoredQuery, catalogue, stored_query
from .sparql import Term, bind_parameters, inspect_query, refuse_outside_reach, with_values
from .stores import Answer
from .vocab import Minter

DEFAULT_TIMEOUT = 60.0


@dataclass
class QueryContext:
    """Where queries run and what names mean there."""

    root: Path | None = None
    endpoint: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    allow_network: bool = False
    prefixes: dict[str, str] = field(default_factory=dict)
    ids: dict[str, NamedNode] = field(default_factory=dict)
    store_path: Path | None = None

    def resolve_id(self, value: str) -> NamedNode | None:
        """A registry id's IRI, if the value is one."""
        return self.ids.get(value)


def open_context(
    root: Path | None,
    endpoint: str | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    allow_network: bool = False,
    rebuild: bool = True,
) -> QueryContext:
    """Prepare to query: locally, build first if the data changed; remotely, read the
    project (when there is one) only to resolve registry ids and prefixes."""
    from .project import DEFAULT_BASE_IRI, find_root

    context = QueryContext(None, endpoint, timeout, allow_network)
    try:
        context.root = find_root(root)
    except UsageError:
        if endpoint is None:
            raise
        context.prefixes = Minter(DEFAULT_BASE_IRI).prefixes()
        return context
    if endpoint is None:
        from .pipeline import BuildDir, build

        if rebuild:
            build(context.root)
        context.store_path = BuildDir(context.root).path / "store"
    from .project import base_iri, load_registry, read_config

    problems: list[Problem] = []
    registry = load_registry(context.root, problems)
    mint = Minter(base_iri(read_config(context.root)))
    context.prefixes = mint.prefixes()
    context.ids = {e.id: mint.entity(e.id, e.type) for e in registry.entities.values()}
    for path in sorted((context.root / "data" / "articles").glob("*.yaml")):
        context.ids.setdefault(path.stem, mint.article(path.stem))
    return context


def ad_hoc(text: str, source: str, given: dict[str, str]) -> StoredQuery:
    """An ad-hoc query as a StoredQuery whose parameters are whatever the user passes."""
    parameters = {
        name: Parameter(type="literal" if value[:1] in "\"'" else "iri")
        for name, value in given.items()
    }
    return StoredQuery(Path(source).stem, source, "", text, Path(source), parameters)


def run(query: StoredQuery, given: dict[str, str], context: QueryContext) -> Answer:
    """Run one query with its parameters; see the module docstring."""
    info = inspect_query(query.source, str(query.path))
    bindings: dict[str, Term] = bind_parameters(query, given, context.prefixes, context.resolve_id)
    if context.endpoint is not None:
        from .stores.remote import query_remote

        return query_remote(
            context.endpoint, with_values(query.source, bindings), info.form, context.timeout
        )
    from .stores.embedded import graph_names, query_embedded

    assert context.store_path is not None
    refuse_outside_reach(
        info, graph_names(context.store_path), context.allow_network, str(query.path)
    )
    _check_projected(query, bindings, info.form)
    return query_embedded(
        context.store_path, query.source, bindings, info.form, context.timeout, str(query.path)
    )


def _check_projected(query: StoredQuery, bindings: dict[str, Term], form: str) -> None:
    """pyoxigraph binds only variables the SELECT projects; say so plainly."""
    if form != "SELECT":
        return
    import re

    code = "\n".join(
        line.split("#", 1)[0] if "<" not in line else line
        for line in query.source.splitlines()
        if not line.lstrip().startswith("#")
    )
    head = re.split(r"\bWHERE\b", code, maxsplit=1, flags=re.IGNORECASE)[0]
    star = re.search(r"SELECT\s+(DISTINCT\s+|REDUCED\s+)?\*", head, re.IGNORECASE)
    for name in bindings:
        if not star and not re.search(rf"\?{name}\b", head):
            raise UsageError(
                f"query {query.name!r} does not select ?{name}, so it cannot be bound",
                f"add ?{name} to the SELECT clause",
            )


def stored(name: str, context: QueryContext) -> StoredQuery:
    """A stored query by name, from newskg's catalogue and the project's."""
    return stored_query(name, context.root)


def checks(context: QueryContext) -> dict[str, StoredQuery]:
    """The stored checks (queries/checks): SELECT queries whose rows are violations."""
    return catalogue(context.root, checks=True)
