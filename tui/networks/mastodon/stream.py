"""Live updates: the WebSocket streaming API, reconnecting, with a polling fallback.

Streaming is tried at the URL the instance gives (Mastodon may serve it from another host). When
the server has none (404, refused: GoToSocial, Takahē, proxies without upgrade) we poll the home
timeline and notifications instead and try streaming again later. Each change of mode is a STATE
event whose detail says "streaming" or "polling", for the status bar.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

from tui.model import (
    ConnectionState,
    Event,
    EventKind,
    FeedKind,
    FeedRef,
    Notification,
    Post,
)
from tui.networks.base import AuthError, NetworkError
from tui.networks.http import LOOPBACK_HOSTS
from tui.networks.mastodon.parse import as_dict, as_list, sid, text

if TYPE_CHECKING:
    from tui.networks.mastodon.network import MastodonNetwork

RETRY_STREAMING_AFTER = 300.0  # seconds of polling before trying the stream again
MAX_RECONNECTS = 3  # consecutive failed reconnects before falling back to polling
MAX_MESSAGE = 1 << 20

HOME = FeedRef(FeedKind.HOME)


def stream_params(feed: FeedRef) -> dict[str, str] | None:
    """The streaming subscription for a feed, or None when it has no stream."""
    if feed.kind is FeedKind.PUBLIC:
        return {"stream": "public"}
    if feed.kind is FeedKind.LOCAL:
        return {"stream": "public:local"}
    if feed.kind is FeedKind.TAG:
        return {"stream": "hashtag", "tag": feed.arg}
    if feed.kind is FeedKind.LIST:
        return {"stream": "list", "list": feed.arg}
    if feed.kind is FeedKind.DIRECT:
        return {"stream": "direct"}
    return None


def feed_of(stream: Any) -> FeedRef:
    names = [text(s, 200) for s in as_list(stream)] or ["user"]
    name, arg = names[0], (names[1] if len(names) > 1 else "")
    if name == "public":
        return FeedRef(FeedKind.PUBLIC)
    if name.startswith("public:local"):
        return FeedRef(FeedKind.LOCAL)
    if name.startswith("hashtag"):
        return FeedRef(FeedKind.TAG, arg)
    if name == "list":
        return FeedRef(FeedKind.LIST, arg)
    if name == "direct":
        return FeedRef(FeedKind.DIRECT)
    return HOME


class Streamer:
    def __init__(self, net: MastodonNetwork) -> None:
        self.net = net
        self._socket: Any = None

    # ----- helpers -----------------------------------------------------------------------------
    def _event(self, kind: EventKind, payload: object, **kw: Any) -> Event:
        return Event(kind, self.net.kind, self.net.account.name, payload, **kw)

    def _state(self, state: ConnectionState, detail: str) -> Event:
        self.net.set_state(state, detail)
        return self._event(EventKind.STATE, state, detail=detail)

    def ws_url(self) -> str:
        """The streaming endpoint, where our token may be sent.

        The instance's streaming URL is used only on the server itself or one of its subdomains
        (Mastodon's streaming.example.social); anywhere else we try the server itself.
        """
        base = httpx.URL(self.net.http.base_url)
        declared = self.net.streaming_url
        target = base
        if declared:
            try:
                candidate = httpx.URL(declared)
            except httpx.InvalidURL:
                candidate = base
            host, home = candidate.host.lower(), base.host.lower()
            secure = candidate.scheme in ("wss", "https") or host in LOOPBACK_HOSTS
            if secure and (host == home or host.endswith("." + home) or host in LOOPBACK_HOSTS):
                target = candidate
        scheme = "wss" if target.scheme in ("https", "wss") else "ws"
        url = target.copy_with(scheme=scheme, path="/api/v1/streaming", query=None)
        return str(url)

    async def subscribe(self, feed: FeedRef, on: bool = True) -> None:
        params = stream_params(feed)
        if params is not None and self._socket is not None:
            message = {"type": "subscribe" if on else "unsubscribe", **params}
            try:
                await self._socket.send(json.dumps(message))
            except ConnectionClosed:
                self._socket = None

    # ----- decoding ----------------------------------------------------------------------------
    def decode(self, message: str | bytes) -> Event | None:
        try:
            data = as_dict(json.loads(message))
        except (ValueError, UnicodeDecodeError):
            return None
        event = text(data.get("event"), 60)
        payload = data.get("payload")
        feed = feed_of(data.get("stream"))
        if event == "delete":
            status_id = sid(payload)
            return self._event(EventKind.DELETE, self.net.parser.post_uid(status_id), feed=feed)
        if isinstance(payload, str):
            try:
                payload = json.loads(payload)
            except ValueError:
                return None
        parser = self.net.parser
        if event == "update":
            return self._event(EventKind.POST, parser.item(payload), feed=feed)
        if event == "status.update":
            return self._event(EventKind.UPDATE, parser.item(payload), feed=feed)
        if event == "notification":
            return self._event(EventKind.NOTIFICATION, parser.notification(payload))
        if event == "conversation":
            last = as_dict(payload).get("last_status")
            if last:
                return self._event(EventKind.POST, parser.item(last), feed=FeedRef(FeedKind.DIRECT))
        return None

    # ----- the loop ----------------------------------------------------------------------------
    async def events(self) -> AsyncIterator[Event]:
        while True:
            if self.net.account.options.get("streaming", True):  # false: always poll
                async for event in self._stream():
                    yield event
            async for event in self._poll(RETRY_STREAMING_AFTER):
                yield event

    async def _stream(self) -> AsyncIterator[Event]:
        """Stream until it fails for good; returns so that the caller falls back to polling."""
        url = self.ws_url()
        headers = {"User-Agent": "Murmur"}
        if self.net.http.token:
            headers["Authorization"] = f"Bearer {self.net.http.token}"
        failures = 0
        yield self._state(ConnectionState.CONNECTING, "streaming: connecting")
        while failures <= MAX_RECONNECTS:
            try:
                async with connect(
                    url,
                    additional_headers=headers,
                    open_timeout=10,
                    max_size=MAX_MESSAGE,
                    user_agent_header=None,
                ) as socket:
                    self._socket = socket
                    await socket.send(json.dumps({"type": "subscribe", "stream": "user"}))
                    for feed in list(self.net.watched):
                        await self.subscribe(feed)
                    failures = 0
                    yield self._state(ConnectionState.CONNECTED, "streaming")
                    async for message in socket:
                        event = self.decode(message)
                        if event is not None:
                            yield event
            except InvalidStatus as exc:
                status = exc.response.status_code
                if status in (401, 403):
                    raise self.net.error(
                        AuthError, f"the streaming server refused the token ({status})"
                    ) from None
                # 404 and friends: this server has no streaming; no point retrying soon.
                self._socket = None
                return
            except (ConnectionClosed, InvalidHandshake, InvalidURI, OSError, TimeoutError):
                pass
            finally:
                self._socket = None
            failures += 1
            if failures > MAX_RECONNECTS:
                return
            yield self._state(ConnectionState.RECONNECTING, "streaming: reconnecting")
            await asyncio.sleep(min(30.0, 2**failures * random.uniform(0.5, 1.0)))

    async def _poll(self, duration: float) -> AsyncIterator[Event]:
        interval = self.net.poll_interval
        loop = asyncio.get_running_loop()
        deadline = loop.time() + duration
        # Where we are now; only what arrives after this is news.
        home_cursor, notes_cursor = await self._newest()
        why = "unavailable" if self.net.account.options.get("streaming", True) else "off in config"
        detail = f"polling every {interval:g} s (streaming {why})"
        yield self._state(ConnectionState.POLLING, detail)
        while loop.time() < deadline:
            await asyncio.sleep(interval)
            try:
                home = await self.net.timeline(HOME, cursor=home_cursor, limit=40)
                notes = await self.net.notifications(cursor=notes_cursor, limit=40)
            except AuthError:
                raise
            except NetworkError as exc:
                yield self._state(ConnectionState.POLLING, f"polling: {exc.message}")
                continue
            for item in reversed(home.items):
                if isinstance(item, Post):
                    yield self._event(EventKind.POST, item, feed=HOME)
            for note in reversed(notes.items):
                if isinstance(note, Notification):
                    yield self._event(EventKind.NOTIFICATION, note)
            home_cursor = home.newer or home_cursor
            notes_cursor = notes.newer or notes_cursor

    async def _newest(self) -> tuple[str | None, str | None]:
        try:
            home = await self.net.timeline(HOME, limit=1)
            notes = await self.net.notifications(limit=1)
        except AuthError:
            raise
        except NetworkError:
            return None, None
        return home.newer, notes.newer
