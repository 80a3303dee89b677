"""NIP-05 identification: does name@domain's /.well-known/nostr.json list this pubkey?

Looked up lazily (when a profile is opened), over https only, with no redirects, a timeout and a
size cap; hosts resolving to private or loopback addresses are refused unless `allow_private`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket

from tui import jsonsafe

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


async def resolve(
    identifier: str,
    *,
    allow_private: bool = False,
    scheme: str = "https",
    timeout: float = TIMEOUT,
) -> str | None:
    """The hex public key the domain lists under the name, or None. Never raises for remote
    failures."""
    import httpx

    parts = split(identifier)
    if parts is None:
        return None
    name, domain = parts
    host = domain.partition(":")[0]
    if not allow_private and not await _is_public(host):
        return None
    url = f"{scheme}://{domain}/.well-known/nostr.json"
    try:
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
            async with client.stream("GET", url, params={"name": name}) as resp:
                if resp.status_code != 200:
                    return None
                body = bytearray()
                async for chunk in resp.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_BYTES:
                        return None
        doc = jsonsafe.loads(bytes(body))
    except (httpx.HTTPError, ValueError, OSError):
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
