"""Named endpoint profiles from newskg.toml, and what a bare URL stands for.

A profile names one triple store: its SPARQL query, update and Graph Store Protocol
URLs, the protocol to push with, and where its credentials come from::

    [endpoints.local]
    query = "http://127.0.0.1:7878/query"
    update = "http://127.0.0.1:7878/update"
    store = "http://127.0.0.1:7878/store"
    protocol = "gsp"                      # gsp (Graph Store Protocol) or update (SPARQL Update)
    # authentication, one of:
    user_env = "NEWSKG_USER"              # Basic: the *names* of environment variables
    password_env = "NEWSKG_PASSWORD"
    # token_env = "NEWSKG_TOKEN"          # Bearer token, from this environment variable
    # netrc = true                        # Basic, from ~/.netrc (or $NETRC) for the host
    # timeout = 60                        # seconds, for every request
    # post_quads = true                   # the store URL takes N-Quads of many graphs in one
    #                                     # POST (default: true for .../store and .../data)
    # atomic_updates = true               # the store applies an update request as one
    #                                     # transaction (default: true for .../update and
    #                                     # .../statements: Oxigraph, Fuseki, GraphDB)

Credentials never come from the command line or from newskg.toml itself (a file that
gets committed): a URL with ``user:password@`` in it is refused.

Presets: where each server puts its endpoints (``R`` a GraphDB repository, ``ds`` a
Fuseki dataset); :data:`PRESETS` holds the same table.

========  ===============  ==========================  ==================================  ======
server    query            update                      store (Graph Store Protocol)        push
========  ===============  ==========================  ==================================  ======
Oxigraph  /query           /update                     /store                              gsp
Fuseki    /ds/query        /ds/update                  /ds/data                            gsp
GraphDB   /repositories/R  /repositories/R/statements  /repositories/R/rdf-graphs/service  gsp
Virtuoso  /sparql          /sparql                     /sparql-graph-crud(-auth)           gsp
Neptune   /sparql          /sparql                     /sparql                             update
========  ===============  ==========================  ==================================  ======

A push with ``gsp`` POSTs the graphs a store does not hold yet together, as N-Quads, to
the store URL: Oxigraph (``/store``) and Fuseki (``/ds/data``) take that; for other store
URLs it is off unless a profile says ``post_quads = true``, and each graph gets a PUT.

A push with ``update`` replaces each batch of graphs with one update request (``DROP``,
``INSERT DATA``, and the push record) where the store applies an update request as one
transaction (``atomic_updates``: Oxigraph, Fuseki and GraphDB do, and their update URLs
end in ``/update`` or ``/statements``); elsewhere (``/sparql``: Virtuoso, Neptune, unless
a profile says ``atomic_updates = true``) it loads fresh graphs and swaps them in with
``MOVE``.

A bare URL (``--endpoint http://...``) needs no profile: for ``gsp`` it is the store
URL, and the query and update URLs are derived from it by these presets; for
``update`` it is the update URL, and the query URL is derived the same way (or is the
same URL, as on Virtuoso and Neptune).  A bare URL sends no credentials.
"""

from __future__ import annotations

import base64
import netrc
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .errors import UsageError
from .stores.http import DEFAULT_TIMEOUT, Credentials, origin
from .stores.remote import check_endpoint, redact

PROTOCOLS = ("gsp", "update")
PROFILE_KEYS = frozenset(
    {"query", "update", "store", "protocol", "user_env", "password_env", "token_env", "netrc",
     "timeout", "post_quads", "atomic_updates"}
)  # fmt: skip
QUADS_STORES = ("/store", "/data")
"""Store URL path endings (Oxigraph's, Fuseki's) that take N-Quads of many graphs in a POST."""
ATOMIC_UPDATES = ("/update", "/statements")
"""Update URL path endings (Oxigraph's and Fuseki's, GraphDB's) of stores that apply an
update request in one transaction."""


@dataclass(frozen=True)
class Preset:
    """Where one kind of server puts its endpoints, as path suffixes."""

    query: str
    update: str
    store: str
    protocol: str


PRESETS: dict[str, Preset] = {
    "oxigraph": Preset("/query", "/update", "/store", "gsp"),
    "fuseki": Preset("/ds/query", "/ds/update", "/ds/data", "gsp"),
    "graphdb": Preset(
        "/repositories/R", "/repositories/R/statements", "/repositories/R/rdf-graphs/service", "gsp"
    ),
    "virtuoso": Preset("/sparql", "/sparql", "/sparql-graph-crud", "gsp"),
    "neptune": Preset("/sparql", "/sparql", "/sparql", "update"),
}

# (suffix of a store URL's path, the query suffix, the update suffix), most specific first
_STORE_SIBLINGS = (
    ("/rdf-graphs/service", "", "/statements"),
    ("/sparql-graph-crud-auth", "/sparql", "/sparql"),
    ("/sparql-graph-crud", "/sparql", "/sparql"),
    ("/store", "/query", "/update"),
    ("/data", "/query", "/update"),
)
# (suffix of an update URL's path, the query suffix)
_UPDATE_SIBLINGS = (("/statements", ""), ("/update", "/query"))


@dataclass(frozen=True)
class Auth:
    """Where credentials come from: names of environment variables, or netrc."""

    user_env: str | None = None
    password_env: str | None = None
    token_env: str | None = None
    netrc: bool = False


@dataclass(frozen=True)
class Endpoint:
    """A store to push to (or query): its URLs, protocol and authentication."""

    name: str
    """The profile's name, or the (redacted) URL given."""
    query: str
    update: str
    store: str | None
    protocol: str
    auth: Auth = Auth()
    timeout: float = DEFAULT_TIMEOUT
    derived: tuple[str, ...] = ()
    """What newskg worked out itself, to say so."""
    post_quads: bool = False
    """The store URL takes N-Quads of many graphs in one POST (one transaction)."""
    atomic_updates: bool = False
    """The store applies an update request in one transaction: all of it, or none."""

    def urls(self) -> list[str]:
        """Every URL the endpoint uses."""
        return [u for u in (self.query, self.update, self.store) if u]


def profiles(root: Path | None) -> dict[str, dict[str, Any]]:
    """The [endpoints.*] tables of the project's newskg.toml (none without a project)."""
    if root is None:
        return {}
    from .layout import read_config

    tables = read_config(root).get("endpoints", {})
    if not isinstance(tables, dict):
        raise UsageError("newskg.toml: [endpoints] must be a table of tables")
    return {str(k): v for k, v in tables.items() if isinstance(v, dict)}


def resolve(name_or_url: str, root: Path | None, protocol: str | None = None) -> Endpoint:
    """The endpoint a --endpoint value names: a profile of newskg.toml, or a URL."""
    if protocol is not None and protocol not in PROTOCOLS:
        raise UsageError(f"unknown protocol {protocol!r}", "use gsp or update")
    tables = profiles(root)
    if name_or_url in tables:
        return _from_profile(name_or_url, tables[name_or_url], protocol)
    if "://" not in name_or_url:
        known = ", ".join(sorted(tables)) or "none"
        raise UsageError(
            f"no endpoint profile {name_or_url!r} in newskg.toml (profiles: {known})",
            "give an http(s) URL, or add an [endpoints.NAME] table to newskg.toml",
        )
    return from_url(name_or_url, protocol)


def _refuse_userinfo(url: str, where: str) -> str:
    """A URL carrying user:password@ puts a secret where others can read it: refuse."""
    check_endpoint(url)
    if urlsplit(url).username is not None:
        raise UsageError(
            f"{where}: {redact(url)} carries credentials in the URL; refused",
            "name environment variables in a profile (user_env, password_env, token_env) "
            "or use netrc = true",
        )
    return url


def _with_path(url: str, path: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def from_url(url: str, protocol: str | None = None) -> Endpoint:
    """An endpoint from a bare URL: a store URL for gsp, an update URL for update; the
    other URLs derived from the presets' layouts."""
    _refuse_userinfo(url, "--endpoint")
    path = urlsplit(url).path.rstrip("/")
    if protocol is None:
        protocol = "gsp" if any(path.endswith(s) for s, _, _ in _STORE_SIBLINGS) else "update"
    if protocol == "gsp":
        for suffix, query, update in _STORE_SIBLINGS:
            if path.endswith(suffix):
                stem = path[: -len(suffix)]
                q, u = _with_path(url, stem + query), _with_path(url, stem + update)
                return Endpoint(
                    redact(url),
                    q,
                    u,
                    url,
                    "gsp",
                    derived=(f"query URL {q}", f"update URL {u}"),
                    post_quads=_posts_quads(url),
                    atomic_updates=_atomic(u),
                )
        raise UsageError(
            f"cannot tell the query and update URLs of the store URL {redact(url)}",
            "write a profile in newskg.toml with query, update and store URLs",
        )
    for suffix, query in _UPDATE_SIBLINGS:
        if path.endswith(suffix):
            q = _with_path(url, path[: -len(suffix)] + query)
            return Endpoint(
                redact(url),
                q,
                url,
                None,
                "update",
                derived=(f"query URL {q}",),
                atomic_updates=_atomic(url),
            )
    return Endpoint(redact(url), url, url, None, "update", derived=(f"query URL {url}",))


def _from_profile(name: str, table: Mapping[str, Any], protocol: str | None) -> Endpoint:
    """An endpoint from an [endpoints.NAME] table, checked key by key."""
    where = f"newskg.toml [endpoints.{name}]"
    unknown = sorted(set(table) - PROFILE_KEYS)
    if unknown:
        raise UsageError(
            f"{where}: unknown key(s) {', '.join(unknown)}",
            f"the keys are {', '.join(sorted(PROFILE_KEYS))}",
        )
    urls = {k: table.get(k) for k in ("query", "update", "store")}
    for key, value in urls.items():
        if value is not None and not isinstance(value, str):
            raise UsageError(f"{where}: {key} must be a URL string")
        if isinstance(value, str):
            _refuse_userinfo(value, f"{where} {key}")
    chosen = protocol or table.get("protocol") or ("gsp" if urls["store"] else "update")
    if chosen not in PROTOCOLS:
        raise UsageError(f"{where}: unknown protocol {chosen!r}", "use gsp or update")
    query, update, store = urls["query"], urls["update"], urls["store"]
    if chosen == "gsp" and not store:
        raise UsageError(f"{where}: protocol gsp needs a store URL")
    if not update:
        raise UsageError(f"{where}: needs an update URL (where newskg keeps its push record)")
    auth = Auth(
        _env_name(table, "user_env", where),
        _env_name(table, "password_env", where),
        _env_name(table, "token_env", where),
        bool(table.get("netrc", False)),
    )
    if sum([auth.user_env is not None, auth.token_env is not None, auth.netrc]) > 1:
        raise UsageError(f"{where}: choose one of user_env/password_env, token_env or netrc")
    if (auth.user_env is None) != (auth.password_env is None):
        raise UsageError(f"{where}: user_env and password_env go together")
    timeout = float(table.get("timeout", DEFAULT_TIMEOUT))
    post_quads = table.get("post_quads", _posts_quads(store) if store else False)
    atomic = table.get("atomic_updates", _atomic(update))
    for key, flag in (("post_quads", post_quads), ("atomic_updates", atomic)):
        if not isinstance(flag, bool):
            raise UsageError(f"{where}: {key} must be true or false")
    return Endpoint(
        name,
        query or update,
        update,
        store,
        chosen,
        auth,
        timeout,
        post_quads=post_quads,
        atomic_updates=atomic,
    )


def _atomic(update: str) -> bool:
    """Whether an update URL is one of a store known to apply a request atomically."""
    return urlsplit(update).path.rstrip("/").endswith(ATOMIC_UPDATES)


def _posts_quads(store: str) -> bool:
    """Whether a store URL is one known to take N-Quads of many graphs in one POST."""
    return urlsplit(store).path.rstrip("/").endswith(QUADS_STORES)


def _env_name(table: Mapping[str, Any], key: str, where: str) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.replace("_", "").isalnum():
        raise UsageError(
            f"{where}: {key} must be the name of an environment variable",
            "the value itself goes into the environment, never into newskg.toml",
        )
    return value


def credentials(endpoint: Endpoint, environ: Mapping[str, str] | None = None) -> Credentials | None:
    """The endpoint's credentials, read now from the environment or netrc; they go only
    to the origins of the endpoint's own URLs."""
    env = os.environ if environ is None else environ
    auth = endpoint.auth
    origins = frozenset(origin(u) for u in endpoint.urls())
    if auth.token_env:
        token = _require_env(env, auth.token_env, endpoint.name)
        return Credentials(f"Bearer {token}", origins, (token,))
    if auth.user_env and auth.password_env:
        user = _require_env(env, auth.user_env, endpoint.name)
        password = _require_env(env, auth.password_env, endpoint.name)
        return _basic(user, password, origins)
    if auth.netrc:
        return _from_netrc(endpoint, origins, env)
    return None


def _require_env(env: Mapping[str, str], name: str, profile: str) -> str:
    value = env.get(name)
    if not value:
        raise UsageError(
            f"endpoint {profile!r}: the environment variable {name} is not set",
            f"export {name}=... before running newskg",
        )
    return value


def _basic(user: str, password: str, origins: frozenset[tuple[str, str, int]]) -> Credentials:
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return Credentials(f"Basic {token}", origins, (password, token))


def _from_netrc(
    endpoint: Endpoint, origins: frozenset[tuple[str, str, int]], env: Mapping[str, str]
) -> Credentials:
    """Basic credentials for the endpoint's host from ~/.netrc (or the file $NETRC names)."""
    path = env.get("NETRC") or str(Path(env.get("HOME") or Path.home()) / ".netrc")
    hosts = sorted({o[1] for o in origins})
    try:
        entries = netrc.netrc(path)
    except netrc.NetrcParseError as exc:  # its message may quote a password: not shown
        raise UsageError(
            f"endpoint {endpoint.name!r}: {path} line {exc.lineno} does not parse"
        ) from None
    except OSError as exc:
        raise UsageError(f"endpoint {endpoint.name!r}: cannot read {path}: {exc.strerror}") from exc
    for host in hosts:
        found = entries.authenticators(host)
        if found and found[0] and found[2]:
            return _basic(found[0], found[2], origins)
    raise UsageError(
        f"endpoint {endpoint.name!r}: no login and password for {', '.join(hosts)} in {path}"
    )
