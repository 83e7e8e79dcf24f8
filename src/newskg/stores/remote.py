"""Queries on a remote SPARQL 1.1 endpoint, over the protocol, with SPARQLWrapper.

SPARQLWrapper sends requests with urllib, which follows redirects to any host (and
forwards an Authorization header there); newskg's requests go through an opener that
refuses a redirect to another host, and every request has a timeout.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pyoxigraph import RdfFormat, parse, serialize

from ..errors import StoreError, UsageError
from . import Answer


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


def query_remote(endpoint: str, text: str, form: str, timeout: float) -> Answer:
    """POST the query to the endpoint; answer in the same neutral form as the store."""
    from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper

    opener = urllib.request.build_opener(SameHostRedirects())

    class Wrapper(SPARQLWrapper):
        def _query(self) -> tuple[Any, str]:
            return opener.open(self._createRequest(), timeout=timeout), self.returnFormat

    wrapper = Wrapper(check_endpoint(endpoint), agent="newskg")
    wrapper.setMethod(POST)
    wrapper.setTimeout(int(max(1, timeout)))
    wrapper.setQuery(text)
    wrapper.setReturnFormat(JSON if form in {"SELECT", "ASK"} else TURTLE)
    try:
        response = wrapper.query().response
        data = response.read()
    except StoreError:
        raise
    except urllib.error.HTTPError as exc:
        body = exc.read().decode("utf-8", "replace").strip().splitlines()
        detail = body[0][:200] if body else exc.reason
        raise StoreError(f"{redact(endpoint)} answered {exc.code}: {detail}") from exc
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        reason = getattr(exc, "reason", exc)
        raise StoreError(
            f"cannot reach {redact(endpoint)}: {reason}",
            "is the endpoint running and the URL right?",
        ) from exc
    if form in {"SELECT", "ASK"}:
        return Answer(form, data)
    try:
        triples = list(parse(data, format=RdfFormat.TURTLE))
    except SyntaxError as exc:
        raise StoreError(f"{redact(endpoint)} sent Turtle that does not parse: {exc}") from exc
    return Answer(form, serialize(triples, format=RdfFormat.N_TRIPLES) or b"")
