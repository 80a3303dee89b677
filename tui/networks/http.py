"""The one HTTP client factory every network adapter uses.

`Http` wraps an `httpx.AsyncClient` with what every adapter needs and should not re-invent:
connect and read timeouts on every request, retries with jittered exponential backoff for
transient failures (only where repeating the request cannot do something twice), waiting out
429 answers, refusing plain http:// except on loopback, sending the bearer token only to the
server it belongs to, and mapping every failure to a `NetworkError` whose message is a clean
sentence (no traceback, no raw HTML, server text sanitised).

What a server sends is bounded: every body is streamed and read up to a cap on its *decoded*
size (`JSON_MAX_BYTES` for API answers, `MEDIA_MAX_BYTES` for `download`), JSON is decoded with
`tui.jsonsafe` (deep nesting is a BadResponse), one deadline covers a whole request (a trickling
server fails as soon as a silent one), and redirects are followed by hand so that a write never
goes to another origin.

Nothing here logs headers: the Authorization header must never reach a log.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import importlib
import math
import re
import zlib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from tui import __version__, backoff, jsonsafe
from tui.networks import tls
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
# A plain-text error body longer than this is not a message meant for people.
_PLAIN_MESSAGE_BYTES = 500
# Of an error answer only the start is read: enough for any JSON error or short message.
_ERROR_BODY_BYTES = 64 * 1024
# Decoded-size caps: API answers (JSON) and media files.
JSON_MAX_BYTES = 8 * 1024 * 1024
MEDIA_MAX_BYTES = 64 * 1024 * 1024
# Uploads (media) may take longer than an API call on a slow link.
UPLOAD_DEADLINE = 300.0
MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Error codes that mean "these credentials are no good" (OAuth 2 / RFC 6750, and atproto's).
AUTH_ERROR_CODES = frozenset(
    {"invalid_token", "invalid_grant", "invalid_client", "unauthorized_client"}
    | {"ExpiredToken", "InvalidToken", "AuthMissing", "AuthenticationRequired"}
)
_AUTH_WORDS_RE = re.compile(
    r"\b(access[ _-]?token|bearer|(invalid|expired|revoked|bad)[ _-]?(token|credentials?)"
    r"|token\b.{0,20}\b(invalid|expired|revoked)|credentials?|unauthori[sz]ed"
    r"|not (logged in|authenticated)|authentication (failed|required)|log ?in again)",
    re.IGNORECASE,
)
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def warm_up() -> None:
    """Do ahead what the first client and the first request would do on the event loop: load
    the TLS roots and import what httpx loads lazily (httpcore, anyio's asyncio backend).
    `tui.networks.base.prepare` runs this at start-up."""
    tls.context()
    importlib.import_module("httpcore")
    # Where anyio keeps its backend is its own business: if it moves, the first request loads it.
    with contextlib.suppress(ModuleNotFoundError):
        importlib.import_module("anyio._backends._asyncio")


def websocket(url: str, *, headers: Mapping[str, str] | None = None, **options: Any) -> Any:
    """Open a WebSocket as every adapter does (`async with websocket(url) as ws:`): Murmur's own
    User-Agent rather than the library's, and only the headers the caller decided belong to
    `url` (a token only where its account's rules allow it)."""
    from websockets.asyncio.client import connect

    return connect(
        url, additional_headers=dict(headers or {}), user_agent_header=USER_AGENT, **options
    )


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


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


def _has_authorization(headers: Mapping[str, str] | None) -> bool:
    return any(k.lower() == "authorization" for k in headers or {})


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


class _TooLarge(Exception):
    """The decoded body passed its cap (internal: `Http` words the BadResponse)."""


class _Again(Exception):
    """A streamed download failed in a way worth another try (internal to `download_to`)."""

    def __init__(self, error: NetworkError, wait: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.wait = wait


class _BadEncoding(Exception):
    """The body's Content-Encoding is one we did not ask for, or is corrupt."""


class _Decoder:
    """Content-Encoding decoding that never produces more than `limit` bytes.

    httpx's own decoders inflate each network chunk in one go (a 64 KiB chunk of a gzip bomb
    becomes ~64 MiB); zlib's `max_length` lets us stop at the cap instead.
    With `truncate`, hitting the cap ends the body quietly (error pages: only their start
    matters); otherwise it raises `_TooLarge`.
    """

    def __init__(self, encoding: str, limit: int, *, truncate: bool = False) -> None:
        self.limit = limit
        self.truncate = truncate
        self.buf = bytearray()
        self.done = False
        codings = [c.strip().lower() for c in encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 1:
            raise _BadEncoding("several content encodings")
        self.coding = codings[0] if codings else ""
        self._z: Any = None
        if self.coding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif self.coding == "deflate":
            self._z = zlib.decompressobj()
            self._deflate_first = True
        elif self.coding:
            raise _BadEncoding(f"content encoding {self.coding[:20]!r}")

    def _take(self, data: bytes) -> None:
        room = self.limit - len(self.buf)
        if len(data) > room:
            if not self.truncate:
                raise _TooLarge
            data = data[:room]
            self.done = True
        self.buf += data

    def feed(self, chunk: bytes) -> None:
        if self.done or not chunk:
            return
        if self._z is None:
            self._take(chunk)
            return
        data = chunk
        while data and not self.done:
            room = self.limit - len(self.buf)
            try:
                out = self._z.decompress(data, room + 1)
            except zlib.error:
                if self.coding == "deflate" and self._deflate_first:
                    # Some servers send raw deflate without the zlib header.
                    self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                    self._deflate_first = False
                    continue
                raise _BadEncoding("corrupt compressed body") from None
            self._deflate_first = False
            self._take(out)
            data = self._z.unconsumed_tail
            if self._z.eof:
                break

    def finish(self) -> bytes:
        if self._z is not None and not self.done:
            try:
                self._take(self._z.flush(self.limit - len(self.buf) + 1))
            except zlib.error:
                raise _BadEncoding("corrupt compressed body") from None
        return bytes(self.buf)


def _looks_like_html(response: httpx.Response) -> bool:
    ctype = response.headers.get("content-type", "").lower()
    if "html" in ctype:
        return True
    head = response.content[:512].lstrip().lower()
    return head.startswith((b"<!doctype", b"<html", b"<head", b"<body", b"<?xml"))


def _body_json(response: httpx.Response) -> Any:
    """Parse the body as JSON or raise a bare ValueError (the caller words the error).

    `tui.jsonsafe.loads` turns nesting too deep to decode into a ValueError as well.
    """
    return jsonsafe.loads(response.content.decode("utf-8", errors="replace") or "null")


def _server_words(response: httpx.Response) -> str:
    """The server's own explanation, sanitised; "" if there is none.

    From a JSON error body (`error`, `error_description`, `message`), or a short plain-text body.
    Never from HTML.
    """
    if _looks_like_html(response):
        return ""
    try:
        body = _body_json(response)
    except ValueError:
        return _plain_words(response)
    if not isinstance(body, dict):
        return ""
    parts: list[str] = []
    for key in ("error", "error_description", "message"):
        value = body.get(key)
        if isinstance(value, str) and value.strip() and value not in parts:
            parts.append(value)
    return _clean(": ".join(parts))


def _plain_words(response: httpx.Response) -> str:
    """A short plain-text body as one clean line; "" when it is long, binary or markup."""
    raw = response.content
    if not raw.strip() or len(raw) > _PLAIN_MESSAGE_BYTES or b"<" in raw or b"\x00" in raw:
        return ""
    return _clean(" ".join(raw.decode("utf-8", errors="replace").split()))


def _error_code(response: httpx.Response) -> str:
    if _looks_like_html(response):
        return ""
    try:
        body = _body_json(response)
    except ValueError:
        return ""
    value = body.get("error") if isinstance(body, dict) else None
    return _clean(value) if isinstance(value, str) else ""


def _is_auth_failure(response: httpx.Response, code: str, words: str, sent_token: bool) -> bool:
    """Whether a 400 or 403 means the credentials are bad, rather than the request or a rule.

    Precise on purpose: an OAuth/XRPC credential error code, a `WWW-Authenticate` header naming
    `invalid_token`, or - when we sent a token - a body (HTML or text) that speaks of the token
    or the credentials and is not JSON. A 400 about the post's text stays a BadResponse.
    """
    if code in AUTH_ERROR_CODES:
        return True
    if "invalid_token" in response.headers.get("www-authenticate", "").lower():
        return True
    if not sent_token:
        return False
    try:
        _body_json(response)
    except ValueError:
        pass
    else:
        return False  # a JSON error says what it means through its code, checked above
    text = response.content[:_ERROR_BODY_BYTES].decode("utf-8", errors="replace")
    return bool(_AUTH_WORDS_RE.search(text))


class Http:
    """An HTTP client bound to one server (`base_url`) for one account.

    `token`, when set, is sent as `Authorization: Bearer` only to `base_url`'s scheme, host and
    port; any other origin (a Link header pointing elsewhere, a media CDN) gets no token.
    Redirects are followed by hand: a write (POST, PUT, PATCH, DELETE) is never redirected to
    another origin, and a GET redirected elsewhere goes without the token.
    Every body is streamed and capped on its decoded size (`max_bytes`), and one deadline
    (`deadline` seconds) covers a whole request: connecting, retries and reading the body.
    Errors carry `status` (HTTP status or 0) and `code` (the server's `error` field).
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
        deadline: float | None = None,
        upload_deadline: float = UPLOAD_DEADLINE,
        max_bytes: int = JSON_MAX_BYTES,
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
        self.max_bytes = max_bytes
        # The whole request, body included: a server that trickles fails as soon as one that
        # never answers.
        self.deadline = deadline if deadline is not None else timeout + connect_timeout
        self.upload_deadline = max(upload_deadline, self.deadline)
        default_headers = {
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
            # Only what _Decoder can inflate with a bound on the output.
            "Accept-Encoding": "gzip, deflate",
        }
        default_headers.update(headers or {})
        self._client = httpx.AsyncClient(
            headers=default_headers,
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            transport=transport,
            verify=tls.context(),  # httpx's own defaults, loaded once (tui.networks.tls)
            follow_redirects=False,  # followed in _send, where writes and tokens are checked
        )

    # ----- helpers -----------------------------------------------------------------------------
    def url(self, url_or_path: str) -> str:
        """An absolute URL: paths are joined to `base_url`, absolute URLs are checked."""
        if _SCHEME_RE.match(url_or_path):
            return check_url(url_or_path)
        return self.base_url + "/" + url_or_path.lstrip("/")

    def same_origin(self, url: str | httpx.URL) -> bool:
        try:
            other = url if isinstance(url, httpx.URL) else httpx.URL(url)
        except (httpx.InvalidURL, TypeError):
            return False
        return _origin(other) == _origin(self._base)

    @property
    def login_hint(self) -> str:
        """The command that gives this account new credentials."""
        if self.network == "bluesky" and self.account:
            target = self.account
        elif self._base.scheme == "http":
            target = self.base_url
        else:
            port = self._base.port
            target = self._base.host + (f":{port}" if port else "")
        return f"murmur login {self.network or 'NETWORK'} {target}".rstrip()

    def _error(
        self, cls: type[NetworkError], message: str, *, status: int = 0, code: str = "", **kw: Any
    ) -> NetworkError:
        return cls(
            message, network=self.network, account=self.account, status=status, code=code, **kw
        )

    def _delay(self, attempt: int) -> float:
        return backoff.delay(attempt, first=self.backoff_base, ceiling=self.max_wait)

    def _too_large(self, limit: int, status: int = 0) -> NetworkError:
        return self._error(
            BadResponse,
            f"{self._base.host} sent too much: the answer is over {_size(limit)}, "
            "more than Murmur reads",
            status=status,
        )

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
        max_bytes: int | None = None,
        deadline: float | None = None,
    ) -> httpx.Response:
        """Send one request, retrying what is safe to retry; return a 2xx/3xx response.

        The returned response holds the whole decoded body, at most `max_bytes` of it (default
        `self.max_bytes`). `deadline` (seconds) bounds the whole call, retries included.
        Raises AuthError, NotFound, RateLimited, BadResponse, Transient (all NetworkError).
        """
        uploading = files is not None or content is not None
        total = deadline or (self.upload_deadline if uploading else self.deadline)
        loop = asyncio.get_running_loop()
        ends = loop.time() + total
        try:
            async with asyncio.timeout(total):
                return await self._request(
                    method.upper(),
                    self.url(url_or_path),
                    params=params,
                    body={"json": json, "data": data, "content": content, "files": files},
                    headers=headers,
                    auth=auth,
                    budget=self.max_retries if retries is None else retries,
                    limit=self.max_bytes if max_bytes is None else max_bytes,
                    ends=ends,
                )
        except TimeoutError:
            raise self._error(Transient, f"{self._base.host} did not answer in time") from None

    async def download(
        self, url_or_path: str, *, max_bytes: int = MEDIA_MAX_BYTES, deadline: float | None = None
    ) -> bytes:
        """GET a media file (image, video) whole, with the media cap instead of the JSON one."""
        response = await self.request(
            "GET",
            url_or_path,
            headers={"Accept": "*/*"},
            max_bytes=max_bytes,
            deadline=deadline or self.upload_deadline,
        )
        return response.content

    async def download_to(
        self,
        url_or_path: str,
        dest: Path,
        *,
        max_bytes: int,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        deadline: float | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """GET a body too large to hold in memory (a repository, a video) into the file `dest`.

        The body goes to `dest` + ".part", chunk by chunk, and is renamed to `dest` only once
        whole, so `dest` never holds a partial download. Its decoded size is capped at
        `max_bytes` like every body; `deadline` (default `upload_deadline`) bounds the whole
        call. A transient failure (connection lost, 429, 502-504) starts again from the first
        byte, at most `max_retries` times. `progress` gets the bytes written so far.
        Returns the size written; raises NetworkError like `request`.
        """
        url = self.url(url_or_path)
        part = dest.with_name(dest.name + ".part")
        total = deadline or self.upload_deadline
        loop = asyncio.get_running_loop()
        ends = loop.time() + total
        attempt = 0
        try:
            async with asyncio.timeout(total):
                while True:
                    try:
                        size = await self._stream_to(url, params, part, max_bytes, progress)
                    except _Again as again:
                        wait = self._delay(attempt) if again.wait is None else again.wait
                        fits = wait <= self.max_wait and loop.time() + wait < ends
                        if attempt >= self.max_retries or not fits:
                            raise again.error from None
                        await asyncio.sleep(wait)
                        attempt += 1
                        continue
                    part.replace(dest)
                    return size
        except TimeoutError:
            raise self._error(Transient, f"{self._base.host} did not finish in time") from None
        finally:
            part.unlink(missing_ok=True)

    async def _stream_to(
        self,
        url: str,
        params: Any,
        part: Path,
        limit: int,
        progress: Callable[[int], None] | None,
    ) -> int:
        """One try of `download_to`: the body into `part`; `_Again` when a retry may help."""
        try:
            response, history = await self._send("GET", url, params, {}, {"Accept": "*/*"}, True)
        except httpx.TransportError as exc:
            raise _Again(self._transport_error(exc)) from None
        try:
            status = response.status_code
            if status >= 400:
                page = await self._complete(response, history, _ERROR_BODY_BYTES, True)
                error = self._status_error(page, sent_token=self._sends_token(url, True))
                if status == 429 or status in RETRY_STATUSES - {500}:
                    raise _Again(error, parse_retry_after(response.headers))
                raise error
            decoder = _Decoder(response.headers.get("content-encoding", ""), limit)
            declared = response.headers.get("content-length", "")
            if not decoder.coding and declared.isdigit() and int(declared) > limit:
                raise _TooLarge
            written = 0
            with part.open("wb") as out:
                async for chunk in response.aiter_raw():
                    decoder.feed(chunk)
                    if decoder.buf:
                        out.write(decoder.buf)
                        written += len(decoder.buf)
                        # The cap counts what was written before as well as what is buffered.
                        decoder.buf.clear()
                        decoder.limit = limit - written
                        if progress is not None:
                            progress(written)
                rest = decoder.finish()
                out.write(rest)
                written += len(rest)
            return written
        except _TooLarge:
            raise self._too_large(limit, response.status_code) from None
        except _BadEncoding as exc:
            raise self._error(
                BadResponse, f"server answered an unreadable body ({exc})", status=status
            ) from None
        except httpx.TransportError as exc:
            raise _Again(self._transport_error(exc)) from None
        except httpx.HTTPError as exc:
            raise self._error(BadResponse, f"request failed: {type(exc).__name__}") from None
        finally:
            await response.aclose()

    async def _request(
        self,
        method: str,
        url: str,
        *,
        params: Any,
        body: dict[str, Any],
        headers: Mapping[str, str] | None,
        auth: bool,
        budget: int,
        limit: int,
        ends: float,
    ) -> httpx.Response:
        loop = asyncio.get_running_loop()
        send_headers = dict(headers or {})
        has_key = any(k.lower() == "idempotency-key" for k in send_headers)
        repeatable = method in IDEMPOTENT_METHODS or has_key
        attempt = 0
        errors_500 = 0
        while True:
            retry_in: float | None = None
            try:
                response, history = await self._send(method, url, params, body, send_headers, auth)
                try:
                    status = response.status_code
                    if status < 400:
                        return await self._complete(response, history, limit)
                    if status == 429:
                        wait = parse_retry_after(response.headers)
                        if wait is None:
                            wait = self._delay(attempt)
                        fits = wait <= self.max_wait and loop.time() + wait < ends
                        if not (fits and attempt < budget):
                            raise self._error(
                                RateLimited,
                                f"rate limited by the server: try again in {round(wait)} s",
                                retry_after=wait,
                                status=status,
                            )
                        retry_in = wait
                    else:
                        retry_5xx = status != 500 or errors_500 < MAX_500_RETRIES
                        if (
                            status in RETRY_STATUSES
                            and repeatable
                            and attempt < budget
                            and retry_5xx
                        ):
                            errors_500 += status == 500
                            wait = parse_retry_after(response.headers)
                            delay = (
                                self._delay(attempt) if wait is None else min(wait, self.max_wait)
                            )
                            if loop.time() + delay < ends:
                                retry_in = delay
                        if retry_in is None:
                            page = await self._complete(response, history, _ERROR_BODY_BYTES, True)
                            sent = self._sends_token(url, auth) or _has_authorization(headers)
                            raise self._status_error(page, sent_token=sent)
                finally:
                    await response.aclose()
            except NetworkError:
                raise
            except httpx.TransportError as exc:
                # Failed while sending, or while reading the body: the same rule either way.
                wait = self._delay(attempt)
                fits = loop.time() + wait < ends
                if attempt < budget and fits and (repeatable or isinstance(exc, _NOT_SENT)):
                    retry_in = wait
                else:
                    raise self._transport_error(exc) from None
            except httpx.HTTPError as exc:
                raise self._error(BadResponse, f"request failed: {type(exc).__name__}") from None
            assert retry_in is not None  # every other path returned or raised
            await asyncio.sleep(retry_in)
            attempt += 1

    def _sends_token(self, url: str | httpx.URL, auth: bool) -> bool:
        return bool(auth and self.token and self.same_origin(url))

    async def _send(
        self,
        method: str,
        url: str,
        params: Any,
        body: dict[str, Any],
        headers: dict[str, str],
        auth: bool,
    ) -> tuple[httpx.Response, list[httpx.Response]]:
        """Send and follow redirects by hand; return the final response, its body unread.

        A write is never redirected to another origin (its body and Idempotency-Key would go
        there); a redirect to another origin never carries the token.
        """
        history: list[httpx.Response] = []
        first = httpx.URL(url)
        current = first
        for _ in range(MAX_REDIRECTS + 1):
            hop_headers = dict(headers)
            if _origin(current) != _origin(first):
                # A credential the caller set itself (a refresh token) stays with its origin.
                hop_headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
            if self._sends_token(current, auth):
                hop_headers["Authorization"] = f"Bearer {self.token}"
            request = self._client.build_request(
                method,
                current,
                params=params if current is first else None,
                headers=hop_headers,
                **{k: v for k, v in body.items() if v is not None},
            )
            response = await self._client.send(request, stream=True)
            location = response.headers.get("location")
            if response.status_code not in REDIRECT_STATUSES or not location:
                return response, history
            await response.aclose()  # a redirect's own body is never read
            try:
                target = current.join(location.strip())
            except (httpx.InvalidURL, TypeError):
                raise self._error(
                    BadResponse, "the server redirected to an invalid address"
                ) from None
            check_url(str(target))
            if method not in SAFE_METHODS and _origin(target) != _origin(current):
                raise self._error(
                    BadResponse,
                    f"refused a redirect of a {method} from {current.host} to another server "
                    f"({_clean(target.host)}): the server may be misconfigured or hostile",
                    status=response.status_code,
                )
            status = response.status_code
            if status == 303 and method != "HEAD" or status in (301, 302) and method == "POST":
                method = "GET"
                body = {}
                headers = {
                    k: v
                    for k, v in headers.items()
                    if k.lower() not in ("content-type", "idempotency-key")
                }
            history.append(response)
            current = target
        raise self._error(BadResponse, f"{self._base.host} redirected too many times")

    async def _complete(
        self,
        response: httpx.Response,
        history: list[httpx.Response],
        limit: int,
        truncate: bool = False,
    ) -> httpx.Response:
        """Read the body, decoded and capped, into a plain response callers can use."""
        status = response.status_code
        try:
            decoder = _Decoder(
                response.headers.get("content-encoding", ""), limit, truncate=truncate
            )
            declared = response.headers.get("content-length", "")
            if not truncate and not decoder.coding and declared.isdigit() and int(declared) > limit:
                raise _TooLarge
            async for chunk in response.aiter_raw():
                decoder.feed(chunk)
                if decoder.done:
                    break
            content = decoder.finish()
        except _TooLarge:
            raise self._too_large(limit, status) from None
        except _BadEncoding as exc:
            raise self._error(
                BadResponse, f"server answered an unreadable body ({exc})", status=status
            ) from None
        finally:
            await response.aclose()
        kept = [
            (k, v)
            for k, v in response.headers.multi_items()
            if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
        ]
        return httpx.Response(
            status, headers=kept, content=content, request=response.request, history=history
        )

    def _transport_error(self, exc: httpx.TransportError) -> NetworkError:
        host = self._base.host
        if isinstance(exc, httpx.TimeoutException):
            return self._error(Transient, f"{host} did not answer in time")
        if isinstance(exc, httpx.ConnectError):
            return self._error(Transient, f"could not connect to {host}")
        if isinstance(exc, httpx.TooManyRedirects):
            return self._error(BadResponse, f"{host} redirected too many times")
        return self._error(Transient, f"connection to {host} failed ({type(exc).__name__})")

    def _status_error(self, response: httpx.Response, *, sent_token: bool) -> NetworkError:
        status = response.status_code
        html = _looks_like_html(response)
        words = _server_words(response)
        code = _error_code(response)
        detail = f": {words}" if words else ""
        again = f"log in again with `{self.login_hint}`"
        if status == 401 or (
            status in (400, 403) and _is_auth_failure(response, code, words, sent_token)
        ):
            return self._error(
                AuthError,
                f"server refused the credentials (status {status}){detail}: {again}",
                status=status,
                code=code,
            )
        if status == 403:
            return self._error(
                AuthError, f"server refused access (status 403){detail}", status=status, code=code
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
