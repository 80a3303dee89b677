"""Live updates: the WebSocket streaming API, reconnecting, with a polling fallback.

Streaming is tried at the URL the instance gives when our token may go there (the server itself,
or one of its subdomains over TLS: Mastodon's streaming.example.social); otherwise at the server
itself. When the server has none (404, refused: GoToSocial, Takahē, proxies without upgrade) we
poll the home timeline and notifications instead and try streaming again later.

Polling never skips: `Positions` keeps the id of the last home post and the last notification
delivered (by the stream or by a poll), and each poll fetches everything newer than those, page
after page with `min_id`, oldest first, until caught up. The positions live on the network, so a
failed return to streaming or a restarted stream continues from them. After the stream
(re)connects, the same catch-up fills the gap it was down for.

Each change of mode goes to the network's state listeners once (`Network.set_state`), for the
status bar; the stream itself yields posts, updates, deletions and notifications.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

import httpx
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

from tui import backoff, jsonsafe
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
from tui.networks.http import LOOPBACK_HOSTS, websocket
from tui.networks.mastodon.parse import as_dict, as_list, sid, text

if TYPE_CHECKING:
    from tui.networks.mastodon.network import MastodonNetwork

MAX_RECONNECTS = 3  # consecutive failed reconnects before falling back to polling
MAX_MESSAGE = 1 << 20
POLL_PAGE = 40  # the most Mastodon gives per page of the home timeline
MAX_PAGES_PER_POLL = 25  # a bound on one poll; the rest comes with the next (nothing skipped)
REMEMBERED = 2000  # delivered ids kept to never deliver one twice
HOME_PATH = "/api/v1/timelines/home"
NOTIFICATIONS_PATH = "/api/v1/notifications"

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


def _id_key(value: str) -> tuple[int, str]:
    """Ids compare as numbers on Mastodon and as ULIDs on GoToSocial: by length, then text."""
    return len(value), value


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    scheme = {"ws": "http", "wss": "https"}.get(url.scheme, url.scheme)
    return scheme, url.host.lower(), url.port or {"http": 80, "https": 443}.get(scheme)


def token_may_go_to(candidate: httpx.URL, base: httpx.URL) -> bool:
    """May a streaming URL the instance declares receive our token?

    Yes at the server's own origin (same scheme, host and port); or, over TLS, at the same host
    or one of its subdomains. A loopback host only when the server itself is that origin: another
    port of this machine may be anyone's (on a shared host, another user's).
    """
    host, home = candidate.host.lower(), base.host.lower()
    if not host or candidate.scheme not in ("ws", "wss", "http", "https"):
        return False
    if _origin(candidate) == _origin(base):
        return True
    if host in LOOPBACK_HOSTS:
        return False
    tls = candidate.scheme in ("wss", "https")
    return tls and (host == home or host.endswith("." + home))


class Positions:
    """How far live updates have got, per kind ("home", "notifications").

    `last[kind]` is the newest id delivered ("" when the list was empty when we started; absent
    while not known yet). Recently delivered ids are remembered so that an item seen by both the
    stream and a poll arrives once.
    """

    def __init__(self) -> None:
        self.last: dict[str, str] = {}
        self._seen: dict[str, set[str]] = {}
        self._order: dict[str, deque[str]] = {}

    def known(self, kind: str) -> bool:
        return kind in self.last

    def start(self, kind: str, newest: str) -> None:
        self.last.setdefault(kind, newest)

    def seen(self, kind: str, item_id: str) -> bool:
        return item_id in self._seen.get(kind, ())

    def deliver(self, kind: str, item_id: str) -> None:
        seen = self._seen.setdefault(kind, set())
        order = self._order.setdefault(kind, deque())
        seen.add(item_id)
        order.append(item_id)
        while len(order) > REMEMBERED:
            seen.discard(order.popleft())
        last = self.last.get(kind)
        if last is not None and _id_key(item_id) > _id_key(last):
            self.last[kind] = item_id


class Streamer:
    def __init__(self, net: MastodonNetwork) -> None:
        self.net = net
        self.positions: Positions = net.live_positions
        self._socket: Any = None

    # ----- helpers -----------------------------------------------------------------------------
    def _event(self, kind: EventKind, payload: object, **kw: Any) -> Event:
        return Event(kind, self.net.kind, self.net.account.name, payload, **kw)

    def _state(self, state: ConnectionState, detail: str) -> None:
        self.net.set_state(state, detail)

    def ws_url(self) -> str:
        """The streaming endpoint, where our token may be sent (see `token_may_go_to`);
        anywhere else the instance points to, we try the server itself."""
        base = httpx.URL(self.net.http.base_url)
        target = base
        declared = self.net.streaming_url
        if declared:
            try:
                candidate = httpx.URL(declared)
            except httpx.InvalidURL:
                candidate = base
            if token_may_go_to(candidate, base):
                target = candidate
        scheme = "wss" if target.scheme in ("https", "wss") else "ws"
        return str(
            httpx.URL(scheme=scheme, host=target.host, port=target.port, path="/api/v1/streaming")
        )

    def headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self.net.http.token:
            headers["Authorization"] = f"Bearer {self.net.http.token}"
        return headers

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
            data = as_dict(jsonsafe.loads(message))
        except ValueError:
            return None
        event = text(data.get("event"), 60)
        payload = data.get("payload")
        feed = feed_of(data.get("stream"))
        if event == "delete":
            status_id = sid(payload)
            return self._event(EventKind.DELETE, self.net.parser.post_uid(status_id), feed=feed)
        if isinstance(payload, str):
            try:
                payload = jsonsafe.loads(payload)
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

    def _fresh(self, event: Event) -> bool:
        """Record a streamed home post or notification as delivered; False if it already was."""
        if event.kind is EventKind.POST and event.feed == HOME:
            kind = "home"
        elif event.kind is EventKind.NOTIFICATION:
            kind = "notifications"
        else:
            return True
        item_id = str(getattr(event.payload, "uid", "")).rsplit(":", 1)[-1]
        if not item_id:
            return True
        if self.positions.seen(kind, item_id):
            return False
        self.positions.deliver(kind, item_id)
        return True

    # ----- the loop ----------------------------------------------------------------------------
    async def events(self) -> AsyncIterator[Event]:
        await self._baseline()
        if not self.net.streaming:
            async for event in self._poll(math.inf, "(streaming off in the config)"):
                yield event
        while True:
            async for event in self._stream():
                yield event
            async for event in self._poll(self.net.retry_streaming_after):
                yield event

    async def _stream(self) -> AsyncIterator[Event]:
        """Stream until it fails for good; returns so that the caller falls back to polling."""
        url = self.ws_url()
        failures = 0
        self._state(ConnectionState.CONNECTING, "streaming: connecting")
        while failures <= MAX_RECONNECTS:
            try:
                async with websocket(
                    url, headers=self.headers(), open_timeout=10, max_size=MAX_MESSAGE
                ) as socket:
                    self._socket = socket
                    await socket.send(json.dumps({"type": "subscribe", "stream": "user"}))
                    for feed in list(self.net.watched):
                        await self.subscribe(feed)
                    failures = 0
                    self._state(ConnectionState.CONNECTED, "streaming")
                    # What came while we were not connected; the stream buffers meanwhile.
                    try:
                        async for event in self._catch_up():
                            yield event
                    except AuthError:
                        raise
                    except NetworkError as exc:
                        missed = f"streaming (catching up failed: {exc.message})"
                        self._state(ConnectionState.CONNECTED, missed)
                    async for message in socket:
                        event = self.decode(message)
                        if event is not None and self._fresh(event):
                            yield event
            except InvalidStatus as exc:
                status = exc.response.status_code
                if status in (401, 403):
                    raise self.net.error(
                        AuthError, f"the streaming server refused the token ({status})"
                    ) from None
                # 404 and friends: this server has no streaming; no point retrying soon.
                return
            except (ConnectionClosed, InvalidHandshake, InvalidURI, OSError, TimeoutError):
                pass
            finally:
                self._socket = None
            failures += 1
            if failures > MAX_RECONNECTS:
                return
            self._state(ConnectionState.RECONNECTING, "streaming: reconnecting")
            await asyncio.sleep(backoff.delay(failures - 1, first=2.0, ceiling=30.0))

    async def _poll(
        self, duration: float, why: str = "(streaming unavailable)"
    ) -> AsyncIterator[Event]:
        """Poll for `duration` seconds: at once (the gap since the stream failed), then every
        `poll_interval` seconds."""
        interval = self.net.poll_interval
        loop = asyncio.get_running_loop()
        deadline = loop.time() + duration
        detail = f"polling every {interval:g} s {why}"
        self._state(ConnectionState.POLLING, detail)
        failing = False
        while True:
            try:
                async for event in self._catch_up():
                    yield event
            except AuthError:
                raise
            except NetworkError as exc:
                failing = True
                self._state(ConnectionState.POLLING, f"polling: {exc.message}")
            else:
                if failing:
                    failing = False
                    self._state(ConnectionState.POLLING, detail)
            if loop.time() + interval >= deadline:
                return
            await asyncio.sleep(interval)

    # ----- fetching what is new ----------------------------------------------------------------
    async def _baseline(self) -> None:
        """Where we are now, for each kind not known yet: only what comes after is news."""
        for kind, path in (("home", HOME_PATH), ("notifications", NOTIFICATIONS_PATH)):
            if self.positions.known(kind):
                continue
            try:
                listing = await self.net.api.listing(path, [("limit", "1")])
            except AuthError:
                raise
            except NetworkError:
                continue  # the next poll or catch-up tries again
            ids = [i for i in (sid(as_dict(x).get("id")) for x in listing.items) if i]
            self.positions.start(kind, max(ids, key=_id_key) if ids else "")

    async def _catch_up(self) -> AsyncIterator[Event]:
        """Everything newer than the last delivered home post and notification, oldest first."""
        await self._baseline()
        parser = self.net.parser

        def post(raw: Any) -> Event | None:
            item = parser.item(raw)
            return self._event(EventKind.POST, item, feed=HOME) if isinstance(item, Post) else None

        def note(raw: Any) -> Event | None:
            item = parser.notification(raw)
            if isinstance(item, Notification):
                return self._event(EventKind.NOTIFICATION, item)
            return None

        async for event in self._newer("home", HOME_PATH, post):
            yield event
        async for event in self._newer("notifications", NOTIFICATIONS_PATH, note):
            yield event

    async def _newer(
        self, kind: str, path: str, make: Callable[[Any], Event | None]
    ) -> AsyncIterator[Event]:
        if not self.positions.known(kind):
            return
        for _ in range(MAX_PAGES_PER_POLL):
            last = self.positions.last[kind]
            params = [("limit", str(POLL_PAGE)), ("min_id", last or "0")]
            listing = await self.net.api.listing(path, params)
            fresh: dict[str, Any] = {}
            for raw in listing.items:
                item_id = sid(as_dict(raw).get("id"))
                newer = not last or _id_key(item_id) > _id_key(last)
                if item_id and newer and not self.positions.seen(kind, item_id):
                    fresh[item_id] = raw
            if not fresh:
                return
            for item_id in sorted(fresh, key=_id_key):
                self.positions.deliver(kind, item_id)
                event = make(fresh[item_id])
                if event is not None:
                    yield event
