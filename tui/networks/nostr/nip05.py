"""NIP-05 identification: does name@domain's /.well-known/nostr.json list this pubkey?

Looked up lazily (when a profile is opened), over https only, with no redirects, a timeout and a
size cap; hosts resolving to private or loopback addresses are refused unless `allow_private`.
`fetch_capped` is that one guarded GET, through the shared `Http` factory; NIP-11 uses it too.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket

import httpx

from tui import jsonsafe
from tui.networks.base import NetworkError
from tui.networks.http import Http

MAX_BYTES = 64 * 1024
TIMEOUT = 5.0
_NAME_RE = re.compile(r"[a-z0-9._-]+\Z")
_DOMAIN_RE = re.compile(r"[a-z0-9.-]+(:[0-9]{1,5})?\Z")
_PUBKEY_RE = re.compile(r"[0-9a-f]{64}\Z")


def split(identifier: str) -> tuple[str, str] | None:
    """'bob@example.com' → ('bob', 'example.com'); '_@example.com' may be written 'example.com'."""
    ident = identifier.strip().lower()
    name, at, domain = ident.rpartition("@")
    if not at:
        name, domain = "_", ident
    if not _NAME_RE.match(name) or not _DOMAIN_RE.match(domain) or "." not in domain:
        return None
    return name, domain


# Special-use names (RFC 2606, 6761, 6762, 7686, 8375) never name a public server: refusing
# them before resolving keeps such lookups off the network entirely.
_SPECIAL_USE = ("localhost", "test", "example", "invalid", "local", "onion", "internal", "arpa")


async def _is_public(host: str) -> bool:
    if host.rstrip(".").rpartition(".")[2] in _SPECIAL_USE:
        return False
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return False
    for info in infos:
        addr = ipaddress.ip_address(info[4][0])
        if addr.is_private or addr.is_loopback or addr.is_link_local or addr.is_reserved:
            return False
        if addr.is_multicast or addr.is_unspecified:
            return False
    return bool(infos)


class _Guard(httpx.AsyncBaseTransport):
    """Below `Http`: a redirect is never followed (nor its target contacted), a compressed body
    is refused (its decoded size could not be bounded here), and the body stops at `max_bytes`.
    Each refusal is a transport error, which `Http` turns into a `NetworkError`."""

    def __init__(self, max_bytes: int) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._max_bytes = max_bytes

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        encoding = response.headers.get("content-encoding", "").strip().lower()
        refusal = ""
        if 300 <= response.status_code < 400:
            refusal = "redirects are not followed"
        elif encoding not in ("", "identity"):
            refusal = "compressed answers are not accepted"
        if refusal:
            await response.aclose()
            raise httpx.RemoteProtocolError(refusal, request=request)
        stream = _Capped(response.stream, self._max_bytes, request)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=stream,
            extensions=response.extensions,
            request=request,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()


class _Capped(httpx.AsyncByteStream):
    def __init__(self, inner: object, limit: int, request: httpx.Request) -> None:
        self._inner = inner
        self._limit = limit
        self._request = request

    async def __aiter__(self):  # type: ignore[override]
        seen = 0
        async for chunk in self._inner:  # type: ignore[attr-defined]
            seen += len(chunk)
            if seen > self._limit:
                raise httpx.RemoteProtocolError("answer too large", request=self._request)
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()  # type: ignore[attr-defined]


async def fetch_capped(
    url: str, *, max_bytes: int, accept: str = "application/json", timeout: float = TIMEOUT
) -> bytes | None:
    """GET `url` through `Http` with no redirects, no compression and at most `max_bytes`; the
    body of a 200 answer, else None. Never raises for remote failures."""
    try:
        http = Http(
            url,
            network="nostr",
            headers={"Accept": accept, "Accept-Encoding": "identity"},
            timeout=timeout,
            connect_timeout=timeout,
            max_retries=0,
            transport=_Guard(max_bytes),
        )
    except (NetworkError, ValueError):
        return None  # not a URL Murmur contacts (plain http to a public host, say)
    try:
        response = await http.request("GET", url, auth=False, retries=0)
    except NetworkError:
        return None
    finally:
        await http.aclose()
    return response.content if response.status_code == 200 else None


async def resolve(
    identifier: str,
    *,
    allow_private: bool = False,
    scheme: str = "https",
    timeout: float = TIMEOUT,
) -> str | None:
    """The hex public key the domain lists under the name, or None. Never raises for remote
    failures."""
    parts = split(identifier)
    if parts is None:
        return None
    name, domain = parts
    host = domain.partition(":")[0]
    if not allow_private and not await _is_public(host):
        return None
    url = str(httpx.URL(f"{scheme}://{domain}/.well-known/nostr.json", params={"name": name}))
    body = await fetch_capped(url, max_bytes=MAX_BYTES, timeout=timeout)
    if body is None:
        return None
    try:
        doc = jsonsafe.loads(body)
    except ValueError:
        return None
    names = doc.get("names") if isinstance(doc, dict) else None
    pubkey = names.get(name) if isinstance(names, dict) else None
    if isinstance(pubkey, str) and _PUBKEY_RE.match(pubkey):
        return pubkey
    return None


async def verify(
    identifier: str,
    pubkey: str,
    *,
    allow_private: bool = False,
    scheme: str = "https",
    timeout: float = TIMEOUT,
) -> bool:
    """True when the domain lists `pubkey` under the name. Never raises for remote failures."""
    found = await resolve(identifier, allow_private=allow_private, scheme=scheme, timeout=timeout)
    return found is not None and found == pubkey
