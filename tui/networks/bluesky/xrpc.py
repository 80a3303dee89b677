"""XRPC over the shared `Http` client, with the session's access/refresh token pair.

The PDS answers an expired access token with 400 ExpiredToken (and a token it cannot verify
with InvalidToken). Then exactly one refresh runs: callers that fail concurrently wait on one
lock, and whoever gets it second sees the token already changed and simply retries. New tokens
are handed to `save` (the vault) before any request uses them, so a crash right after a refresh
never leaves the vault holding a refresh token the server has already rotated away.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from tui.networks.base import AuthError, BadResponse, NetworkError
from tui.networks.http import Http

TOKEN_ERRORS = frozenset({"ExpiredToken", "InvalidToken"})
SaveTokens = Callable[[Mapping[str, str]], Awaitable[None]]


def error_code(exc: NetworkError) -> str:
    return getattr(exc, "code", "") or ""


class Xrpc:
    """XRPC calls to one PDS for one account; app.bsky.* calls are proxied by the PDS."""

    def __init__(
        self,
        pds: str,
        *,
        account: str,
        access_jwt: str,
        refresh_jwt: str,
        save: SaveTokens,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.http = Http(pds, network="bluesky", account=account, token=access_jwt)
        # Sent with every call; the labeler list changes once preferences are known.
        self.headers: dict[str, str] = dict(headers or {})
        self.account = account
        self.refresh_jwt = refresh_jwt
        self._save = save
        self._lock = asyncio.Lock()
        self.refreshes = 0  # how many refreshes this session ran (shown in diagnostics)

    @property
    def access_jwt(self) -> str:
        return self.http.token or ""

    async def aclose(self) -> None:
        await self.http.aclose()

    async def query(
        self,
        nsid: str,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        return await self._call("GET", nsid, params=_params(params), headers=headers)

    async def procedure(
        self, nsid: str, body: Any = None, headers: Mapping[str, str] | None = None
    ) -> Any:
        return await self._call(
            "POST", nsid, json=body if body is not None else {}, headers=headers
        )

    async def upload(self, nsid: str, data: bytes, mime: str) -> Any:
        return await self._call("POST", nsid, raw=data, headers={"Content-Type": mime})

    async def _call(
        self,
        method: str,
        nsid: str,
        raw: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        **kw: Any,
    ) -> Any:
        path = f"/xrpc/{nsid}"
        kw["headers"] = {**self.headers, **(headers or {})}
        refreshed = False
        while True:
            used = self.access_jwt
            try:
                if raw is None:
                    response = await self.http.request(method, path, **kw)
                else:
                    response = await self.http.request(method, path, content=raw, **kw)
            except (AuthError, BadResponse) as exc:
                if error_code(exc) not in TOKEN_ERRORS:
                    raise
                if refreshed:
                    raise self._expired() from exc
                await self._refresh(used)
                refreshed = True
                continue
            return self.http.parse(response) if response.content else {}

    def _expired(self) -> AuthError:
        return AuthError("session expired: log in again", network="bluesky", account=self.account)

    async def _refresh(self, failed_token: str) -> None:
        async with self._lock:
            if self.access_jwt != failed_token:
                return  # another caller refreshed while we waited
            try:
                response = await self.http.request(
                    "POST",
                    "/xrpc/com.atproto.server.refreshSession",
                    headers={"Authorization": f"Bearer {self.refresh_jwt}"},
                    auth=False,
                )
                body = self.http.parse(response)
            except (AuthError, BadResponse) as exc:
                raise self._expired() from exc
            access = body.get("accessJwt") if isinstance(body, dict) else None
            refresh = body.get("refreshJwt") if isinstance(body, dict) else None
            if not (isinstance(access, str) and isinstance(refresh, str) and access and refresh):
                raise self._expired()
            await self._save({"access_jwt": access, "refresh_jwt": refresh})
            self.http.token = access
            self.refresh_jwt = refresh
            self.refreshes += 1


def _params(params: Mapping[str, Any] | None) -> list[tuple[str, Any]] | None:
    """Query parameters, with lists repeated (`uris=a&uris=b`) and None left out."""
    if params is None:
        return None
    out: list[tuple[str, Any]] = []
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            out.extend((key, v) for v in value)
        elif isinstance(value, bool):
            out.append((key, "true" if value else "false"))
        else:
            out.append((key, value))
    return out
