"""Queries on a remote SPARQL 1.1 endpoint, over the protocol.

A query is one POST of `application/sparql-query`, sent by newskg's own
:class:`~newskg.stores.http.HttpClient`: SPARQLWrapper sends with urllib, which follows a
redirect to any host and forwards an Authorization header there, so it is not used for
anything that may carry credentials.  The client refuses a redirect to another host, sends
credentials only to the origins of the endpoint's own URLs, gives every request a timeout
and retries a query (idempotent) on connection errors, 429 and 5xx.
"""

from __future__ import annotations

import urllib.request
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from pyoxigraph import RdfFormat, parse, serialize

from ..errors import StoreError, UsageError
from . import Answer

if TYPE_CHECKING:
    from .http import Credentials


def redact(url: str) -> str:
    """The URL without any user name or password in it, for messages and logs."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urlunsplit((parts.scheme, "***@" + host, parts.path, parts.query, parts.fragment))


class SameHostRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to the same scheme, host and port."""

    def redirect_request(
        self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> Any:
        old, new = urlsplit(req.full_url), urlsplit(newurl)
        if (old.scheme, old.hostname, old.port) != (new.scheme, new.hostname, new.port):
            raise StoreError(
                f"{redact(req.full_url)} redirected to another host ({redact(newurl)}); "
                "refused, so that nothing meant for one server reaches another",
                "use the final URL as the endpoint if you trust it",
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def check_endpoint(url: str) -> str:
    """An endpoint URL must be http(s); profiles come from newskg.toml."""
    if not url.startswith(("http://", "https://")):
        raise UsageError(
            f"endpoint {url!r} is not an http(s) URL",
            "give the SPARQL endpoint's URL, e.g. http://127.0.0.1:7878/query",
        )
    return url


def query_remote(
    endpoint: str,
    text: str,
    form: str,
    timeout: float,
    credentials: Credentials | None = None,
    shown: str | None = None,
) -> Answer:
    """POST the query to the endpoint's query URL; answer in the same neutral form as the
    embedded store.  `shown` names the endpoint in messages (a profile's name)."""
    from .http import Backoff, HttpClient, TransientError

    check_endpoint(endpoint)
    client = HttpClient(credentials, timeout=timeout, backoff=Backoff(attempts=3))
    accept = (
        "application/sparql-results+json"
        if form in {"SELECT", "ASK"}
        else "application/n-triples, text/turtle;q=0.9"
    )
    headers = {"Content-Type": "application/sparql-query; charset=utf-8", "Accept": accept}
    name = shown or client.redactor.url(endpoint)
    try:
        response = client.send("POST", endpoint, text.encode("utf-8"), headers, idempotent=True)
    except TransientError as exc:
        raise StoreError(
            f"cannot reach {name}: {exc.message}", "is the endpoint running and the URL right?"
        ) from exc
    if form in {"SELECT", "ASK"}:
        return Answer(form, response.body)
    kind = {k.lower(): v for k, v in response.headers.items()}.get("content-type", "")
    syntax = RdfFormat.N_TRIPLES if "n-triples" in kind else RdfFormat.TURTLE
    try:
        triples = list(parse(response.body, format=syntax))
    except SyntaxError as exc:
        raise StoreError(f"{name} sent RDF that does not parse: {exc}") from exc
    return Answer(form, serialize(triples, format=RdfFormat.N_TRIPLES) or b"")
