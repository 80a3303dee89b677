"""The one HTTP client factory every network adapter uses.

`Http` wraps an `httpx.AsyncClient` with what every adapter needs and should not re-invent:
connect and read timeouts on every request, retries with jittered exponential backoff for
transient failures (only where repeating the request cannot do something twice), waiting out
429 answers, refusing plain http:// except on loopback, sending the bearer token only to the
server it belongs to, and mapping every failure to a `NetworkError` whose message is a clean
sentence (no traceback, no raw HTML, server text sanitised).

Nothing here logs headers: the Authorization header must never reach a log.
"""

from __future__ import annotations

import asyncio
import email.utils
import json as jsonlib
import math
import random
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from tui import __version__
from tui.networks.base import (
    AuthError,
    BadResponse,
    NetworkError,
    NotFound,
    RateLimited,
    Transient,
)

USER_AGENT = f"Murmur/{__version__}"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({500, 502, 503, 504})
# A 500 is often a bug that repeats; one more try is enough to ride out a restart.
MAX_500_RETRIES = 1
# Errors raised before the request left this machine: safe to retry even for a POST.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_SERVER_MESSAGE_CHARS = 300
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


class InsecureURL(BadResponse, ValueError):
    """A URL we refuse to contact: not http(s), or plain http to a host that is not loopback."""


class ServerErrorPage(BadResponse, Transient):
    """A 5xx answered with something that is not JSON (an HTML error page, a proxy's text).

    It is both: the body is not what we asked for, and trying later may well work.
    """


def check_url(url: str) -> str:
    """Return `url` if we may contact it: https, or http only to 127.0.0.1, ::1 or localhost."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise InsecureURL(f"not a valid URL: {exc}") from None
    host = parsed.host.lower()
    if parsed.scheme == "https" and host:
        return url
    if parsed.scheme == "http" and host in LOOPBACK_HOSTS:
        return url
    if parsed.scheme == "http":
        raise InsecureURL(f"refusing plain http:// to {host or 'an empty host'}: use https://")
    raise InsecureURL(f"refusing a {parsed.scheme or 'scheme-less'} URL: use https://")


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    port = url.port or {"http": 80, "https": 443}.get(url.scheme)
    return url.scheme, url.host.lower(), port


def parse_retry_after(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """Seconds to wait before retrying, from Retry-After or (X-)RateLimit-Reset; None if absent.

    Retry-After is seconds or an HTTP date; Mastodon's X-RateLimit-Reset is an ISO 8601 time,
    other servers send epoch seconds there. Never negative.
    """
    now = now or datetime.now(UTC)
    lowered = {k.lower(): v for k, v in headers.items()}
    for name in ("retry-after", "x-ratelimit-reset", "ratelimit-reset"):
        value = (lowered.get(name) or "").strip()
        if not value:
            continue
        seconds = _seconds_until(value, now)
        if seconds is not None:
            return seconds
    return None


def _seconds_until(value: str, now: datetime) -> float | None:
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is not None:
        if not math.isfinite(number):
            return None
        # A large number is an epoch timestamp; a small one a delay in seconds.
        if number > 1e9:
            return max(0.0, number - now.timestamp())
        return max(0.0, number)
    when: datetime | None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        when = None
    if when is None:
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _clean(text: str) -> str:
    # Imported here so that this module loads even where only the transport is needed.
    from tui.text import clean_line

    return clean_line(text, max_len=_SERVER_MESSAGE_CHARS)


def _looks_like_html(response: httpx.Response) -> bool:
    ctype = response.headers.get("content-type", "").lower()
    if "html" in ctype:
        return True
    head = response.content[:512].lstrip().lower()
    return head.startswith((b"<!doctype", b"<html", b"<head", b"<body", b"<?xml"))


def _body_json(response: httpx.Response) -> Any:
    """Parse the body as JSON or raise a bare ValueError (the caller words the error)."""
    return jsonlib.loads(response.content.decode("utf-8", errors="replace") or "null")


def _server_words(response: httpx.Response) -> str:
    """The server's own explanation from a JSON error body, sanitised; "" if there is none."""
    try:
        body = _body_json(response)
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    parts: list[str] = []
    for key in ("error", "error_description", "message"):
        value = body.get(key)
        if isinstance(value, str) and value.strip() and value not in parts:
            parts.append(value)
    return _clean(": ".join(parts))


def _error_code(response: httpx.Response) -> str:
    try:
        body = _body_json(response)
    except ValueError:
        return ""
    value = body.get("error") if isinstance(body, dict) else None
    return _clean(value) if isinstance(value, str) else ""


class Http:
    """An HTTP client bound to one server (`base_url`) for one account.

    `token`, when set, is sent as `Authorization: Bearer` only to `base_url`'s scheme, host and
    port; any other origin (a Link header pointing elsewhere, a media CDN) gets no token.
    Errors carry `status` (HTTP status or 0) and `code` (the server's `error` field) attributes.
    """

    backoff_base = 0.5  # seconds before the first retry; doubles each time, with jitter

    def __init__(
        self,
        base_url: str,
        *,
        network: str,
        account: str = "",
        headers: Mapping[str, str] | None = None,
        token: str | None = None,
        timeout: float = 20.0,
        connect_timeout: float = 10.0,
        max_retries: int = 3,
        max_wait: float = 60.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = check_url(base_url.rstrip("/"))
        self._base = httpx.URL(self.base_url)
        self.network = network
        self.account = account
        self.token = token
        self.max_retries = max_retries
        self.max_wait = max_wait
        default_headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        default_headers.update(headers or {})
        self._client = httpx.AsyncClient(
            headers=default_headers,
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            transport=transport,
            # Redirects are followed; httpx drops Authorization when the origin changes, and the
            # hook below refuses a redirect down to plain http.
            follow_redirects=True,
            max_redirects=5,
            event_hooks={"request": [self._check_request]},
        )

    async def _check_request(self, request: httpx.Request) -> None:
        check_url(str(request.url))

    # ----- helpers -----------------------------------------------------------------------------
    def url(self, url_or_path: str) -> str:
        """An absolute URL: paths are joined to `base_url`, absolute URLs are checked."""
        if _SCHEME_RE.match(url_or_path):
            return check_url(url_or_path)
        return self.base_url + "/" + url_or_path.lstrip("/")

    def same_origin(self, url: str) -> bool:
        try:
            other = httpx.URL(url)
        except (httpx.InvalidURL, TypeError):
            return False
        return _origin(other) == _origin(self._base)

    def _error(
        self, cls: type[NetworkError], message: str, *, status: int = 0, code: str = "", **kw: Any
    ) -> NetworkError:
        exc = cls(message, network=self.network, account=self.account, **kw)
        exc.status = status  # type: ignore[attr-defined]
        exc.code = code  # type: ignore[attr-defined]
        return exc

    def _delay(self, attempt: int) -> float:
        base = self.backoff_base * (2**attempt)
        return min(self.max_wait, base * random.uniform(0.5, 1.0))

    # ----- requests ----------------------------------------------------------------------------
    async def request(
        self,
        method: str,
        url_or_path: str,
        *,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        content: bytes | None = None,
        files: Any = None,
        headers: Mapping[str, str] | None = None,
        auth: bool = True,
        retries: int | None = None,
    ) -> httpx.Response:
        """Send one request, retrying what is safe to retry; return a 2xx/3xx response.

        Raises AuthError, NotFound, RateLimited, BadResponse, Transient (all NetworkError).
        """
        method = method.upper()
        url = self.url(url_or_path)
        send_headers = dict(headers or {})
        if auth and self.token and self.same_origin(url):
            send_headers["Authorization"] = f"Bearer {self.token}"
        has_key = any(k.lower() == "idempotency-key" for k in send_headers)
        repeatable = method in IDEMPOTENT_METHODS or has_key
        budget = self.max_retries if retries is None else retries
        attempt = 0
        errors_500 = 0
        while True:
            try:
                response = await self._client.request(
                    method,
                    url,
                    params=params,
                    json=json,
                    data=data,
                    content=content,
                    files=files,
                    headers=send_headers,
                )
            except InsecureURL:
                raise
            except httpx.TransportError as exc:
                if attempt < budget and (repeatable or isinstance(exc, _NOT_SENT)):
                    await asyncio.sleep(self._delay(attempt))
                    attempt += 1
                    continue
                raise self._transport_error(exc) from None
            except httpx.HTTPError as exc:
                raise self._error(BadResponse, f"request failed: {type(exc).__name__}") from None

            status = response.status_code
            if status < 400:
                return response
            if status == 429:
                wait = parse_retry_after(response.headers)
                if wait is None:
                    wait = self._delay(attempt)
                if wait <= self.max_wait and attempt < budget:
                    await asyncio.sleep(wait)
                    attempt += 1
                    continue
                raise self._error(
                    RateLimited,
                    f"rate limited by the server: try again in {round(wait)} s",
                    retry_after=wait,
                    status=status,
                )
            retry_5xx = status != 500 or errors_500 < MAX_500_RETRIES
            if status in RETRY_STATUSES and repeatable and attempt < budget and retry_5xx:
                errors_500 += status == 500
                wait = parse_retry_after(response.headers)
                delay = self._delay(attempt) if wait is None else min(wait, self.max_wait)
                await asyncio.sleep(delay)
                attempt += 1
                continue
            raise self._status_error(response)

    def _transport_error(self, exc: httpx.TransportError) -> NetworkError:
        host = self._base.host
        if isinstance(exc, httpx.TimeoutException):
            return self._error(Transient, f"{host} did not answer in time")
        if isinstance(exc, httpx.ConnectError):
            return self._error(Transient, f"could not connect to {host}")
        if isinstance(exc, httpx.TooManyRedirects):
            return self._error(BadResponse, f"{host} redirected too many times")
        return self._error(Transient, f"connection to {host} failed ({type(exc).__name__})")

    def _status_error(self, response: httpx.Response) -> NetworkError:
        status = response.status_code
        html = _looks_like_html(response)
        words = "" if html else _server_words(response)
        code = "" if html else _error_code(response)
        detail = f": {words}" if words else ""
        if status in (401, 403):
            what = "refused the credentials" if status == 401 else "refused access"
            return self._error(
                AuthError, f"server {what} (status {status}){detail}", status=status, code=code
            )
        if status in (404, 410):
            return self._error(
                NotFound, f"not found (status {status}){detail}", status=status, code=code
            )
        if html:
            cls = ServerErrorPage if status >= 500 else BadResponse
            return self._error(
                cls,
                f"server answered an HTML page (status {status}) instead of JSON",
                status=status,
            )
        if status >= 500:
            return self._error(
                Transient, f"server error (status {status}){detail}", status=status, code=code
            )
        return self._error(
            BadResponse,
            f"server rejected the request (status {status}){detail}",
            status=status,
            code=code,
        )

    def parse(self, response: httpx.Response) -> Any:
        """The JSON body of a successful response, or BadResponse with a clean sentence."""
        status = response.status_code
        if _looks_like_html(response):
            raise self._error(
                BadResponse,
                f"server answered an HTML page (status {status}) instead of JSON",
                status=status,
            )
        try:
            return _body_json(response)
        except ValueError:
            raise self._error(
                BadResponse, f"server answered malformed JSON (status {status})", status=status
            ) from None

    async def get_json(self, url_or_path: str, **kw: Any) -> Any:
        return self.parse(await self.request("GET", url_or_path, **kw))

    async def post_json(self, url_or_path: str, **kw: Any) -> Any:
        return self.parse(await self.request("POST", url_or_path, **kw))

    async def aclose(self) -> None:
        await self._client.aclose()
