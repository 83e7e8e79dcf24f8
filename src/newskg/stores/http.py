"""A small HTTP client for writing to triple stores: timeouts, retries, safe credentials.

newskg writes to stores with plain urllib, for three reasons that a generic client does
not give together:

- **Redirects never cross hosts.** urllib (and so SPARQLWrapper) follows a redirect to
  any host and forwards an Authorization header there.  Requests go through an opener
  built on :class:`~newskg.stores.remote.SameHostRedirects`, which refuses a redirect to
  another scheme, host or port; credentials are also attached as an *unredirected*
  header, and only to the origins they were configured for.
- **Retries only where they are safe.** A request that is idempotent (PUT, DELETE, GET,
  a query POST, an update that sets a value) is retried on connection errors, 429 and
  5xx, with exponential backoff and jitter, honouring Retry-After.  Anything else is
  never repeated here: a failure raises :class:`TransientError`, and the caller decides
  how to start over from a known state (see :mod:`newskg.stores.push`).
- **Nothing secret in a message.** Every message and log line names URLs through
  :func:`~newskg.stores.remote.redact`, and any secret (a password, a token, their
  Base64 form) that a server echoes back is masked.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import logging
import random
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ..errors import StoreError
from .remote import SameHostRedirects, redact

log = logging.getLogger("newskg.http")

DEFAULT_TIMEOUT = 60.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 120.0
"""A server asking us to wait longer than this is treated as down, not as busy."""
MASK = "***"

Origin = tuple[str, str, int]


def origin(url: str) -> Origin:
    """Scheme, host and port of a URL (default ports filled in): what credentials belong to."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    return scheme, (parts.hostname or "").lower(), port


@dataclass(frozen=True)
class Credentials:
    """An Authorization header value, the origins it may go to, and what to mask."""

    header: str
    origins: frozenset[Origin]
    secrets: tuple[str, ...] = ()
    """Strings never to print: the password or token, and the header's Base64."""

    def applies_to(self, url: str) -> bool:
        """True when the URL is on one of the configured origins."""
        return origin(url) in self.origins


@dataclass(frozen=True)
class Redactor:
    """Masks URLs' user info and known secrets in any text meant for people."""

    secrets: tuple[str, ...] = ()

    def __call__(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret:
                text = text.replace(secret, MASK)
        return text

    def url(self, url: str) -> str:
        """A URL safe to print: no user:password@, no secret in its query."""
        return self(redact(url))


@dataclass
class Backoff:
    """Exponential backoff with jitter, bounded in attempts and in each wait.

    The jitter ("equal jitter": half the delay fixed, half random) keeps many clients
    that failed together from coming back together.
    """

    attempts: int = 5
    """Tries in all, the first one included."""
    base: float = 0.5
    cap: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    rng: Callable[[], float] = random.random

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before try number `attempt + 1` (attempt counts from 0)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), MAX_RETRY_AFTER)
        step = min(self.cap, self.base * 2.0**attempt)
        return float(step / 2 + step / 2 * self.rng())

    def wait(self, attempt: int, retry_after: float | None = None) -> None:
        """Sleep before the next try."""
        self.sleep(self.delay(attempt, retry_after))


@dataclass(frozen=True)
class Response:
    """A successful answer: status, headers, body."""

    status: int
    headers: Mapping[str, str]
    body: bytes


class HttpError(StoreError):
    """The server answered with an error status; `status` and `detail` say which."""

    def __init__(self, message: str, status: int, detail: str, hint: str = "") -> None:
        super().__init__(message, hint)
        self.status = status
        self.detail = detail


class TransientError(StoreError):
    """A failure that may pass (connection error, 429, 5xx); `retry_after` if the server
    said when to come back.  Raised when the request may not (or may no more) be retried."""

    def __init__(self, message: str, retry_after: float | None = None, hint: str = "") -> None:
        super().__init__(message, hint)
        self.retry_after = retry_after


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: an integer, or an HTTP date (RFC 9110 section 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class _Redirects(SameHostRedirects):
    """SameHostRedirects (another host: refused), which also carries the credentials
    along a same-origin redirect, since urllib drops unredirected headers there."""

    def __init__(self, credentials: Credentials | None) -> None:
        super().__init__()
        self.credentials = credentials

    def redirect_request(
        self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> Any:
        try:
            new = super().redirect_request(req, fp, code, msg, headers, newurl)
        except StoreError:
            fp.close()  # the refused answer's connection, which urllib would leave open
            raise
        if new is not None and self.credentials and self.credentials.applies_to(new.full_url):
            new.add_unredirected_header("Authorization", self.credentials.header)
        return new


@dataclass
class HttpClient:
    """Sends requests with a timeout, safe redirects, scoped credentials and retries."""

    credentials: Credentials | None = None
    timeout: float = DEFAULT_TIMEOUT
    backoff: Backoff = field(default_factory=Backoff)
    on_request: Callable[[str, str], None] | None = None
    """Called with (method, redacted URL) before each try: for tests and progress."""

    def __post_init__(self) -> None:
        self._opener = urllib.request.build_opener(_Redirects(self.credentials))
        self.redactor = Redactor(self.credentials.secrets if self.credentials else ())

    def send(
        self,
        method: str,
        url: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        idempotent: bool,
    ) -> Response:
        """Send one request; retry it on transient failures only when `idempotent`."""
        attempt = 0
        while True:
            try:
                return self._once(method, url, body, headers or {})
            except TransientError as error:
                attempt += 1
                if not idempotent or attempt >= self.backoff.attempts:
                    raise
                log.info("%s; retry %d of %d", error.message, attempt, self.backoff.attempts - 1)
                self.backoff.wait(attempt - 1, error.retry_after)

    def _once(
        self, method: str, url: str, body: bytes | None, headers: Mapping[str, str]
    ) -> Response:
        """One try: the answer, or a StoreError that says whether it may pass."""
        request = urllib.request.Request(url, data=body, method=method, headers=dict(headers))
        request.add_header("User-Agent", "newskg")
        if self.credentials and self.credentials.applies_to(url):
            request.add_unredirected_header("Authorization", self.credentials.header)
        shown = self.redactor.url(url)
        if self.on_request:
            self.on_request(method, shown)
        try:
            with self._opener.open(request, timeout=self.timeout) as answer:
                data = answer.read()
                log.debug("%s %s -> %s", method, shown, answer.status)
                return Response(answer.status, dict(answer.headers.items()), data)
        except urllib.error.HTTPError as exc:
            raise self._http_error(method, shown, exc) from exc
        except StoreError:
            raise  # a refused redirect: never retried
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            reason = self.redactor(str(getattr(exc, "reason", exc)))
            log.debug("%s %s -> %s", method, shown, reason)
            raise TransientError(
                f"{method} {shown} failed: {reason}",
                hint="is the store running and the URL right?",
            ) from exc

    def _http_error(self, method: str, shown: str, exc: urllib.error.HTTPError) -> StoreError:
        """An error status as a message with the server's own words, secrets masked."""
        try:
            text = exc.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            text = ""
        finally:
            exc.close()
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        detail = self.redactor(" ".join(lines)[:300]) or str(exc.reason)
        message = f"{method} {shown} answered {exc.code} {exc.reason}: {detail}"
        log.debug("%s %s -> %s", method, shown, exc.code)
        if exc.code in RETRY_STATUSES:
            return TransientError(message, parse_retry_after(exc.headers.get("Retry-After")))
        hint = ""
        if exc.code in (401, 403):
            hint = "check the credentials the endpoint's profile names in newskg.toml"
        return HttpError(message, exc.code, detail, hint)

    # -- the SPARQL 1.1 protocol ---------------------------------------------------------

    def select(self, url: str, query: str) -> list[dict[str, str]]:
        """Run a SELECT query (POST: idempotent); each row maps variables to term values."""
        answer = self.send(
            "POST",
            url,
            query.encode("utf-8"),
            {
                "Content-Type": "application/sparql-query; charset=utf-8",
                "Accept": "application/sparql-results+json",
            },
            idempotent=True,
        )
        try:
            data = json.loads(answer.body)
            bindings = data["results"]["bindings"]
            return [{k: str(v["value"]) for k, v in row.items()} for row in bindings]
        except (ValueError, KeyError, TypeError) as exc:
            raise StoreError(
                f"{self.redactor.url(url)} did not answer with SPARQL JSON results: {exc}",
                "is this the endpoint's query URL?",
            ) from exc

    def update(self, url: str, text: str, *, idempotent: bool) -> None:
        """Run a SPARQL update; retried only when running it twice changes nothing."""
        self.send(
            "POST",
            url,
            text.encode("utf-8"),
            {"Content-Type": "application/sparql-update; charset=utf-8"},
            idempotent=idempotent,
        )
