"""Running a query -- stored or ad hoc -- on the embedded store or a remote endpoint.

The one path that `newskg query`, `newskg verify` and the Python API share: read the
query, refuse what would leave the store, bind parameters as validated terms, run it
where asked, and hand back a neutral :class:`~newskg.stores.Answer`.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import NamedNode

from .children import Child, ChildFailed, ChildTimeout, run_in_child
from .errors import NewsKGError, Problem, StoreError, UsageError
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
    base_iri: str | None = None
    union_default_graph: bool = False
    """Patterns outside GRAPH match in every graph (the embedded store only)."""
    _registry_loaded: bool = False
    _freshness: Child | None = None
    """A child judging whether build/ is up to date, while the query runs: see open_context."""

    def rebuilt_if_stale(self) -> bool:
        """Wait for the judgement that open_context started, if any; when build/ was not
        up to date, build it and forget the ids resolved from the old store.  True when
        it built (what was asked must be asked again)."""
        pending, self._freshness = self._freshness, None
        if pending is None:
            return False
        from .freshness import up_to_date

        assert self.root is not None
        try:
            fresh = pending.wait()
        except ChildFailed:  # judged here instead, where a failure says what it is
            fresh = up_to_date(self.root)
        except BaseException:  # interrupted while waiting: the child goes too
            pending.stop()
            raise
        if fresh:
            return False
        from .pipeline import build  # only now: it imports the build's machinery

        build(self.root)
        self.ids.clear()
        return True

    def stop_judging(self) -> None:
        """Stop the judgement open_context was given (the query was interrupted)."""
        from .freshness import stop_judging

        pending, self._freshness = self._freshness, None
        stop_judging(pending)

    def resolve_id(self, value: str) -> NamedNode | None:
        """A registry id's (or an article id's) IRI, if the value is one.

        Looked up when a parameter asks, not up front: reading the registry's YAML takes
        seconds at ten thousand articles, while the built store answers in a millisecond.
        """
        if value not in self.ids and self.root is not None and self.base_iri is not None:
            if self._store() is not None:
                found = self._from_index(value) or self._from_store(value)
                if found is not None:
                    self.ids[value] = found
            elif not self._registry_loaded:
                self._load_registry()
        return self.ids.get(value)

    def known_ids(self) -> list[str]:
        """Every registry id and article id of the project (for a hint: it reads the
        registry index, or the registry, whole)."""
        if self.root is None:
            return []
        from .layout import BUILD_DIR, REGISTRY_INDEX
        from .registry_index import RegistryIndex

        path = self.root / BUILD_DIR / REGISTRY_INDEX
        ids: list[str] = []
        if path.is_file():
            index = RegistryIndex(path)
            try:
                ids = list(index)
            except StoreError:
                ids = []
            finally:
                index.close()
        if not ids:
            with contextlib.suppress(NewsKGError):
                self._load_registry()
            ids = list(self.ids)
        articles = self.root / "data" / "articles"
        return [*ids, *(p.stem for p in sorted(articles.glob("*.yaml")))]

    def _store(self) -> Path | None:
        """The built store to resolve ids from, if there is one."""
        if self.store_path is not None:
            return self.store_path
        assert self.root is not None
        from .layout import BUILD_DIR, STORE_DIR

        path = self.root / BUILD_DIR / STORE_DIR
        return path if path.is_dir() else None

    def _from_index(self, value: str) -> NamedNode | None:
        """A registry id's IRI from the registry index that the build of the project's
        store left beside it (see newskg.registry_index), without a child process:
        asking the store took a child of its own, 0.05 s of a query about one entity at
        10,000 articles.  None for anything else (an article id, an index that is not
        there or cannot be read): the store is asked then."""
        from .layout import BUILD_DIR, REGISTRY_INDEX, STORE_DIR
        from .registry_index import RegistryIndex

        assert self.root is not None and self.base_iri is not None
        folder = self.root / BUILD_DIR
        path = folder / REGISTRY_INDEX
        if self._store() != folder / STORE_DIR or not path.is_file():
            return None
        index = RegistryIndex(path)
        try:
            return index.iri(value, self.base_iri)
        except StoreError:  # damaged: the store says what the id is
            return None
        finally:
            index.close()

    def _from_store(self, value: str) -> NamedNode | None:
        """The id as the registry graph gives it, else as an article that has a graph.

        Looked up in a child process: a store opened here would start RocksDB's threads in
        this process, and a process with threads cannot fork the child that runs the query
        safely, which would then start as a fresh interpreter, 0.2 s slower."""
        assert self.base_iri is not None
        try:
            found = run_in_child(
                _id_in_store, str(self._store()), self.base_iri, value, timeout=self.timeout
            )
        except (ChildFailed, ChildTimeout) as failed:
            raise StoreError(
                f"cannot read the embedded store in {self._store()}: {failed}",
                "delete build/ and run newskg build again",
            ) from None
        return None if found is None else NamedNode(found)

    def _load_registry(self) -> None:
        """Every registry id and article id, from data/: for a project not built here."""
        from .pipeline import cached_registry

        assert self.root is not None and self.base_iri is not None
        self._registry_loaded = True
        problems: list[Problem] = []
        registry = cached_registry(self.root, problems)
        mint = Minter(self.base_iri)
        for entity in registry.entities.values():
            self.ids.setdefault(entity.id, mint.entity(entity.id, entity.type))
        for path in sorted((self.root / "data" / "articles").glob("*.yaml")):
            self.ids.setdefault(path.stem, mint.article(path.stem))


def _id_in_store(store_path: str, base: str, value: str) -> str | None:
    """In a child: the IRI of a registry id or of an article id, as the store has it."""
    from pyoxigraph import Literal, Store

    from .vocab import DCTERMS

    mint = Minter(base)
    store = Store.read_only(store_path)
    identifier = NamedNode(DCTERMS + "identifier")
    for quad in store.quads_for_pattern(None, identifier, Literal(value), mint.graph("registry")):
        if isinstance(quad.subject, NamedNode):
            return quad.subject.value
    try:
        article = mint.article(value)
    except ValueError:  # not an id at all (an IRI in <>, a prefixed name)
        return None
    return article.value if store.contains_named_graph(article) else None


def open_context(
    root: Path | None,
    endpoint: str | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    allow_network: bool = False,
    rebuild: bool = True,
    judgement: Child | None = None,
) -> QueryContext:
    """Prepare to query: locally, build first if the data changed; remotely, read the
    project (when there is one) only to resolve registry ids and prefixes.

    With a `judgement` (newskg.freshness.judge_in_child), whether the data changed is
    being judged in a child process, and :func:`run` waits for it after the query and
    asks again after a build if it had; the context owns it from here, and stops it if
    this fails.  Without, it is judged here, before the query."""
    context = QueryContext(None, endpoint, timeout, allow_network)
    context._freshness = judgement
    try:
        _prepare(context, root, rebuild)
    except BaseException:
        context.stop_judging()
        raise
    return context


def _prepare(context: QueryContext, root: Path | None, rebuild: bool) -> None:
    """open_context's work: the project's root, base IRI, prefixes and store, built
    first if it is out of date and no judgement is under way."""
    from .layout import DEFAULT_BASE_IRI, base_iri, find_root, read_config

    try:
        context.root = find_root(root)
    except UsageError:
        if context.endpoint is None:
            raise
        context.prefixes = Minter(DEFAULT_BASE_IRI).prefixes()
        return
    context.base_iri = base_iri(read_config(context.root))
    context.prefixes = Minter(context.base_iri).prefixes()
    if context.endpoint is None:
        from .freshness import up_to_date
        from .layout import BUILD_DIR, STORE_DIR

        context.store_path = context.root / BUILD_DIR / STORE_DIR
        if rebuild and context._freshness is None and not up_to_date(context.root):
            from .pipeline import build  # only then: it imports the build's machinery

            build(context.root)


def ad_hoc(text: str, source: str, given: dict[str, str]) -> StoredQuery:
    """An ad-hoc query as a StoredQuery whose parameters are whatever the user passes."""
    parameters = {
        name: Parameter(type="literal" if value[:1] in "\"'" else "iri")
        for name, value in given.items()
    }
    return StoredQuery(Path(source).stem, source, "", text, Path(source), parameters)


def run(query: StoredQuery, given: dict[str, str], context: QueryContext) -> Answer:
    """Run one query with its parameters, and again if build/ turned out to be out of
    date (see open_context): its answer, or what it failed on (an id that only the
    changed data has, say), was the old data's."""
    try:
        answer = _run(query, given, context)
    except Exception:  # the old store's failure is no answer either, if it was old
        if context.rebuilt_if_stale():
            return _run(query, given, context)
        raise
    except BaseException:  # interrupted
        context.stop_judging()
        raise
    if context.rebuilt_if_stale():
        return _run(query, given, context)
    return answer


def _run(query: StoredQuery, given: dict[str, str], context: QueryContext) -> Answer:
    """Run one query with its parameters; see the module docstring.

    Parameters reach either engine as one VALUES block of validated terms: pyoxigraph
    plans a query around the rows a VALUES block gives, while a variable bound by its
    `substitutions` is planned as if it were free (a query asked about one entity then
    reads the whole corpus, and `BOUND(?x)` is decided before the value arrives).
    """
    bindings: dict[str, Term] = bind_parameters(
        query, given, context.prefixes, context.resolve_id, context.known_ids
    )
    query = query.narrowed_for(bindings)
    info = inspect_query(query.source, str(query.path))
    text = with_values(query.source, bindings)
    if context.endpoint is not None:
        from .profiles import credentials, resolve

        if context.union_default_graph:
            raise UsageError(
                "--union-default-graph is for the embedded store",
                "a server's default graph is its own setting (Fuseki: tdb:unionDefaultGraph)",
            )
        from .stores.remote import query_remote

        endpoint = resolve(context.endpoint, context.root)
        return query_remote(
            endpoint.query, text, info.form, context.timeout, credentials(endpoint), endpoint.name
        )
    from .stores.embedded import missing_graphs, query_embedded

    assert context.store_path is not None
    wanted = set(info.default_graphs + info.named_graphs)
    refuse_outside_reach(
        info,
        wanted - missing_graphs(context.store_path, wanted),
        context.allow_network,
        str(query.path),
    )
    _check_projected(query, bindings, info.form)
    return query_embedded(
        context.store_path,
        text,
        {},
        info.form,
        context.timeout,
        str(query.path),
        union=context.union_default_graph,
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
