"""One relay connection over websockets: REQ/EVENT/EOSE/OK/CLOSED/NOTICE/AUTH.

The connection lives in a task that reconnects after any failure, waiting by `tui.backoff` (the
relay's penalty: it grows while the relay keeps failing), and, once back, re-sends every open
subscription with `since` set to the newest event it had delivered, so nothing is lost while the
caller's de-duplication removes the overlap. Every frame is decoded with `tui.jsonsafe` and handled
on its own: a bad frame is dropped and counted, an unexpected exception from one is logged, and
neither ends the connection. Every EVENT is verified and checked against the filters it answered
before it reaches a subscriber. `state` says what the task is doing right now.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import websockets

from tui import backoff, errorlog, jsonsafe, text
from tui.networks.http import websocket
from tui.networks.nostr.event import (
    InvalidEvent,
    NostrEvent,
    SignatureCheck,
    check_event,
    compile_filters,
    sign,
)
from tui.networks.nostr.keys import Keys

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 1024 * 1024
INFO_MAX_BYTES = 64 * 1024
NOTICE_INTERVAL = 1.0  # seconds between NOTICE/CLOSED texts kept from one relay
AUTH_KIND = 22242
LOGGED_FRAME_ERRORS = 5  # per relay; then one in a hundred
STABLE_SECONDS = 60.0  # a connection up this long forgives the relay's earlier failures
PARALLEL_BATCH = 16  # frames waiting at once from which verification is spread over threads
MAX_BATCH = 512  # frames decoded in one go
MAX_BUFFERED = 1024  # frames read ahead of verification before reading waits
MAX_BUFFERED_BYTES = 4 * 1024 * 1024  # ... or their size (a frame may be MAX_MESSAGE_BYTES)

Filter = Mapping[str, Any]
Sink = Callable[[str, NostrEvent], Awaitable[None]]
StateCallback = Callable[["Relay"], None]


# What `_decode` makes of a frame: (_EVENT, sub id, event | refusal | None when skipped),
# (_DROP, reason), (_MESSAGE, decoded list) for the other verbs, (_ERROR, exception) for a bug.
# The signature checks of a burst run on worker threads: libsecp256k1 runs outside the GIL, while
# the rest of an event's handling (Python) would only take turns with the GIL there, and slower.
_EVENT, _DROP, _MESSAGE, _ERROR = "event", "drop", "message", "error"
_pool: ThreadPoolExecutor | None = None


def _worker_count() -> int:
    return os.cpu_count() or 1


def _executor() -> ThreadPoolExecutor:
    """Threads shared by every relay for verifying bursts of events (one per core)."""
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(_worker_count(), thread_name_prefix="nostr-verify")
    return _pool


def _decode(
    frames: Sequence[str | bytes], subs: Mapping[str, RelaySub], max_bytes: int
) -> list[tuple[Any, ...]]:
    """Parse frames and check the events among them, all but their signatures: an event comes
    as (_EVENT, sub id, event, SignatureCheck) until `Relay._process` has run that check."""
    out: list[tuple[Any, ...]] = []
    for frame in frames:
        try:
            out.append(_decode_one(frame, subs, max_bytes))
        except Exception as exc:  # noqa: BLE001 - handed back and logged by the relay's task
            out.append((_ERROR, exc))
    return out


def _decode_one(
    frame: str | bytes, subs: Mapping[str, RelaySub], max_bytes: int
) -> tuple[Any, ...]:
    try:
        msg = jsonsafe.loads(frame)
    except ValueError:
        return (_DROP, "bad json")
    if not isinstance(msg, list) or not msg or not isinstance(msg[0], str):
        return (_DROP, "bad message")
    if msg[0] != "EVENT" or len(msg) < 3 or not isinstance(msg[1], str):
        return (_MESSAGE, msg)
    sub_id, raw = msg[1], msg[2]
    sub = subs.get(sub_id)
    if sub is None:
        return (_EVENT, sub_id, "unknown subscription")
    if sub.skip is not None and isinstance(raw, dict) and sub.skip(str(raw.get("id"))):
        return (_EVENT, sub_id, None)
    try:
        ev, check = check_event(raw, max_bytes=max_bytes)
    except InvalidEvent as exc:
        return (_EVENT, sub_id, str(exc))
    if sub.unchecked is not None and sub.unchecked(ev.pubkey):
        return (_EVENT, sub_id, ev)
    return (_EVENT, sub_id, ev, check)


class _Inbox:
    """Frames read ahead of their handling, bounded in number and in size."""

    def __init__(self) -> None:
        self.frames: deque[str | bytes] = deque()
        self.size = 0
        self.arrived = asyncio.Event()  # set when a frame arrives or reading ends
        self.room = asyncio.Event()  # set when frames are taken

    def put(self, frame: str | bytes) -> None:
        self.frames.append(frame)
        self.size += len(frame)
        self.arrived.set()

    def full(self) -> bool:
        return len(self.frames) >= MAX_BUFFERED or self.size >= MAX_BUFFERED_BYTES

    def take(self, most: int) -> list[str | bytes]:
        batch = [self.frames.popleft() for _ in range(min(len(self.frames), most))]
        self.size -= sum(map(len, batch))
        self.room.set()
        return batch


@dataclass(slots=True)
class _Batch:
    decoded: list[tuple[Any, ...]]
    at: list[int]  # where the events waiting for their signature check are in `decoded`
    parts: list[list[bool] | asyncio.Future[list[bool]]]  # the checks' results, in order


def _signatures_valid(checks: Sequence[SignatureCheck]) -> list[bool]:
    return [check.valid() for check in checks]


def _acknowledge_at_once(ws: Any) -> None:
    """Ask Linux to acknowledge what the relay sends at once, after every read.

    Linux delays an ACK up to 40 ms; a relay that writes with Nagle's algorithm on holds the rest
    of a burst (an answer of a few hundred events) until the ACK comes, so half the answers on a
    connection took 40 ms more than the relay needed (nostr-sdk's relay: 43 ms instead of 3). The
    quick-ACK mode lapses by itself, hence once per read."""
    transport = getattr(ws, "transport", None)
    quickack = getattr(socket, "TCP_QUICKACK", None)
    sock = transport.get_extra_info("socket") if transport is not None else None
    if quickack is None or sock is None:
        return
    protocol = transport.get_protocol()
    received = protocol.data_received

    def data_received(data: bytes) -> None:
        with contextlib.suppress(OSError):  # the socket is closing: nothing more to say
            sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)
        received(data)

    protocol.data_received = data_received


class RelayState(StrEnum):
    CONNECTING = "connecting"  # first attempt
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"  # an attempt after a failure
    DOWN = "down"  # failed; waiting out its penalty before the next attempt
    CLOSED = "closed"


def normalize_url(url: str) -> str:
    """Lower-case scheme and host, no trailing slash; only ws:// and wss:// are relays."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("ws", "wss") or not parts.hostname:
        raise ValueError(f"not a relay URL: {url!r}")
    netloc = parts.hostname.lower() + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme.lower(), netloc, parts.path.rstrip("/"), parts.query, ""))


@dataclass(frozen=True, slots=True)
class RelayInfo:
    """The NIP-11 facts we use; defaults when the relay publishes none."""

    name: str = ""
    supported_nips: frozenset[int] = frozenset()
    max_message_length: int | None = None
    max_subscriptions: int | None = None
    max_limit: int | None = None
    max_content_length: int | None = None
    auth_required: bool = False

    @classmethod
    def parse(cls, doc: object) -> RelayInfo:
        if not isinstance(doc, dict):
            return cls()
        lim = doc.get("limitation") if isinstance(doc.get("limitation"), dict) else {}

        def num(key: str) -> int | None:
            v = lim.get(key)
            return v if type(v) is int and v > 0 else None

        nips = doc.get("supported_nips")
        nip_set = (
            frozenset(n for n in nips if type(n) is int) if isinstance(nips, list) else frozenset()
        )
        name = doc.get("name")
        return cls(
            name=text.clean_line(name, 100) if isinstance(name, str) else "",
            supported_nips=nip_set,
            max_message_length=num("max_message_length"),
            max_subscriptions=num("max_subscriptions"),
            max_limit=num("max_limit"),
            max_content_length=num("max_content_length"),
            auth_required=lim.get("auth_required") is True,
        )


async def fetch_info(url: str, timeout: float = 3.0) -> RelayInfo | None:
    """NIP-11 over http(s), capped in size and time. None when the relay has none."""
    from tui.jsonsafe import loads
    from tui.networks.nostr.nip05 import fetch_capped  # the shared Http factory, guarded

    accept = "application/nostr+json"
    body = await fetch_capped(
        "http" + url[2:], max_bytes=INFO_MAX_BYTES, accept=accept, timeout=timeout
    )
    try:
        return RelayInfo.parse(loads(body)) if body is not None else None
    except ValueError:
        return None


@dataclass
class RelaySub:
    """One subscription on one relay: `eose` is set at EOSE, or when the relay closed it (then
    `closed_reason` says why)."""

    filters: list[dict[str, Any]]
    sink: Sink
    skip: Callable[[str], bool] | None
    # Events by the pubkeys it says yes to are taken without their signature checked: they are
    # only counted (a like, a reply), never shown, and anyone can sign such events with fresh
    # keys anyway. Every other check still applies (the id is the hash of the content).
    unchecked: Callable[[str], bool] | None = None
    last_seen: int | None = None
    eose: asyncio.Event = field(default_factory=asyncio.Event)
    closed_reason: str = ""
    auth_retried: bool = False
    matches: Callable[[NostrEvent], bool] = field(init=False)

    def __post_init__(self) -> None:
        self.matches = compile_filters(self.filters)


@dataclass(frozen=True, slots=True)
class PublishOutcome:
    relay: str
    accepted: bool
    message: str = ""


class Relay:
    """A relay connection that keeps itself alive until `close()`."""

    def __init__(
        self,
        url: str,
        *,
        signer: Keys | None = None,
        on_state: StateCallback | None = None,
        base_backoff: float = 1.0,
        max_backoff: float = 60.0,
        open_timeout: float = 5.0,
        want_info: bool = True,
        max_event_bytes: int = 128 * 1024,
    ) -> None:
        self.url = normalize_url(url)
        self.signer = signer
        self.state = RelayState.CLOSED
        self.info = RelayInfo()
        self.last_error = ""
        self.notices: deque[str] = deque(maxlen=20)
        self.dropped: dict[str, int] = {}
        self.received = 0
        self.failures = 0  # consecutive failures: the penalty grows with them
        self.retry_at: float | None = None  # monotonic time the penalty ends (state DOWN)
        self.down_since: float | None = None  # wall-clock time of the first failure in a row
        self.refused = False  # the last failure was a refused connection
        self._on_state = on_state
        self._base_backoff, self._max_backoff = base_backoff, max_backoff
        self._open_timeout = open_timeout
        self._want_info = want_info
        self._max_event_bytes = max_event_bytes
        self._subs: dict[str, RelaySub] = {}
        # OK answers awaited, by event id: EVENTs published (oldest first) and AUTH events.
        self._pending: dict[str, asyncio.Future[tuple[bool, str]]] = {}
        self._auth_pending: dict[str, asyncio.Future[tuple[bool, str]]] = {}
        self._ws: Any = None
        self._connected = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._info_task: asyncio.Task[None] | None = None
        self._closing = False
        self._challenge = ""
        self._authed = asyncio.Event()
        self._last_notice = 0.0
        self._send_lock = asyncio.Lock()
        self._auth_tasks: set[asyncio.Task[None]] = set()
        self._changed = asyncio.Event()  # set and replaced on every state change
        self._wake = asyncio.Event()  # ends a penalty early (`reconnect_now`)

    # ----- lifecycle --------------------------------------------------------------------------
    def start(self) -> None:
        if self._task is None:
            self._closing = False
            self._set_state(RelayState.CONNECTING)
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def wait_connected(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self._connected.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def _wait_change(self, timeout: float, *also: asyncio.Event) -> None:
        """Until the state changes (or one of `also` is set), at most `timeout`."""
        waits = [asyncio.ensure_future(e.wait()) for e in (self._changed, *also)]
        try:
            await asyncio.wait(waits, timeout=max(timeout, 0), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()

    @property
    def down(self) -> bool:
        """Its last attempt failed and no connection is up yet (waiting, or trying again)."""
        return self.state in (RelayState.DOWN, RelayState.RECONNECTING)

    @property
    def penalized(self) -> bool:
        """In the penalty box: failed, and its penalty has not ended yet."""
        return self.state is RelayState.DOWN

    async def wait_ready(self, timeout: float) -> bool:
        """True once connected; False as soon as the relay is known to be down (a refused first
        attempt included), or after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            if self.connected:
                return True
            if self.state in (RelayState.DOWN, RelayState.CLOSED):
                return False
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            await self._wait_change(left, self._connected)

    async def wait_answer(self, sub: RelaySub, timeout: float) -> bool:
        """True when the relay answered `sub` (EOSE, or CLOSED: see `closed_reason`); False when
        the relay is or goes down first, or after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            if sub.eose.is_set():
                return True
            if self.state in (RelayState.DOWN, RelayState.CLOSED):
                return False
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            await self._wait_change(left, sub.eose)

    def reconnect_now(self) -> bool:
        """End the penalty of a relay that is down: it tries again at once. True if it was."""
        if self.state is RelayState.DOWN:
            self._wake.set()
            return True
        return False

    async def wait_info(self, timeout: float) -> None:
        """Until the NIP-11 document is fetched (or found missing), at most `timeout`."""
        task = self._info_task
        if task is not None and not task.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(task), timeout)

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    async def close(self) -> None:
        self._closing = True
        tasks = [t for t in (self._task, self._info_task, *self._auth_tasks) if t is not None]
        ws = self._ws
        if ws is not None:
            try:
                await asyncio.wait_for(ws.close(), 1)
            except (TimeoutError, websockets.WebSocketException, OSError):
                pass
        for t in tasks:
            t.cancel()
        for t in tasks:
            try:
                await t
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - a task's own failure was reported where it ran
                pass
        self._task = self._info_task = None
        self._auth_tasks.clear()
        self._set_state(RelayState.CLOSED)

    def _set_state(self, state: RelayState) -> None:
        if state is not self.state:
            self.state = state
            changed, self._changed = self._changed, asyncio.Event()
            changed.set()
            if self._on_state is not None:
                try:
                    self._on_state(self)
                except Exception as exc:  # noqa: BLE001 - a listener's bug must not end the relay
                    errorlog.log_exception(exc, doing=f"reporting the state of relay {self.url}")

    async def _run(self) -> None:
        while not self._closing:
            first = self.failures == 0 and self.down_since is None
            self._set_state(RelayState.CONNECTING if first else RelayState.RECONNECTING)
            up_at: float | None = None
            try:
                async with websocket(
                    self.url,
                    max_size=MAX_MESSAGE_BYTES,
                    max_queue=64,
                    open_timeout=self._open_timeout,
                    close_timeout=1,
                    ping_interval=30,
                    ping_timeout=30,
                ) as ws:
                    up_at = time.monotonic()
                    await self._serve(ws)
                self.last_error = "connection closed by relay"
            except ConnectionRefusedError:
                self.refused = True
                self.last_error = "connection refused"
            except (OSError, TimeoutError, websockets.WebSocketException) as exc:
                self.refused = False
                self.last_error = text.clean_line(str(exc) or type(exc).__name__, 200)
            except Exception as exc:  # noqa: BLE001 - a bug must not end the relay: logged, retried
                self.refused = False
                path = errorlog.log_exception(exc, doing=f"talking to relay {self.url}")
                self.last_error = f"internal error ({type(exc).__name__}), logged in {path}"
            finally:
                self._lost()
            if self._closing:
                break
            if up_at is not None and time.monotonic() - up_at >= STABLE_SECONDS:
                self.failures = 0
            self.failures += 1
            if self.down_since is None:
                self.down_since = time.time()
            wait = backoff.delay(
                self.failures - 1, first=self._base_backoff, ceiling=self._max_backoff
            )
            self.retry_at = time.monotonic() + wait
            self._wake.clear()
            self._set_state(RelayState.DOWN)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)
            self.retry_at = None

    async def _serve(self, ws: Any) -> None:
        """One live connection: re-send the subscriptions, then handle frames until it ends."""
        self._ws = ws
        _acknowledge_at_once(ws)
        self.refused = False
        self.down_since = None
        self._authed.clear()
        self._challenge = ""  # a challenge belongs to one connection
        self._connected.set()
        self._set_state(RelayState.CONNECTED)
        if self._want_info and self._info_task is None:
            self._info_task = asyncio.get_running_loop().create_task(self._load_info())
        for sub_id in list(self._subs):
            await self._send_req(sub_id, resume=True)
        # One task reads frames while this one decodes and verifies those already read, a batch
        # at a time: a burst (a page, a backlog) is verified on worker threads in parallel (the
        # signature check runs outside the GIL), then handled here in the order it arrived.
        inbox = _Inbox()
        reader = asyncio.get_running_loop().create_task(self._read(ws, inbox))
        started: _Batch | None = None  # decoded; its signatures being checked meanwhile
        try:
            while inbox.frames or started is not None or not reader.done():
                if inbox.frames:
                    batch = inbox.take(MAX_BATCH)
                    # The next batch is decoded while the threads check the one before.
                    started, previous = self._begin(batch), started
                    if previous is not None:
                        await self._finish(previous)
                elif started is not None:
                    started, previous = None, started
                    await self._finish(previous)
                else:
                    inbox.arrived.clear()
                    await inbox.arrived.wait()
        finally:
            if not reader.done():
                reader.cancel()
                await asyncio.wait([reader])
        if not reader.cancelled():
            exc = reader.exception()
            if exc is not None:
                raise exc

    @staticmethod
    async def _read(ws: Any, inbox: _Inbox) -> None:
        try:
            async for message in ws:
                inbox.put(message)
                while inbox.full():  # a relay faster than we verify waits for us
                    inbox.room.clear()
                    await inbox.room.wait()
        finally:
            inbox.arrived.set()

    def _begin(self, batch: list[str | bytes]) -> _Batch:
        """Decode a batch and start its signature checks: on the worker threads for a burst."""
        decoded = _decode(batch, dict(self._subs), self._max_event_bytes)
        at = [i for i, item in enumerate(decoded) if len(item) == 4]
        checks = [decoded[i][3] for i in at]
        workers = _worker_count()
        if len(checks) < PARALLEL_BATCH or workers < 2:
            return _Batch(decoded, at, [_signatures_valid(checks)])
        size = -(-len(checks) // workers)
        loop = asyncio.get_running_loop()
        return _Batch(
            decoded,
            at,
            [
                loop.run_in_executor(_executor(), _signatures_valid, checks[i : i + size])
                for i in range(0, len(checks), size)
            ],
        )

    async def _finish(self, batch: _Batch) -> None:
        """Act on a batch's frames in the order they came, once its signatures are checked."""
        decoded, valid = batch.decoded, []
        for part in batch.parts:
            valid.extend(part if isinstance(part, list) else await part)
        for i, ok in zip(batch.at, valid):
            _, sub_id, ev, _check = decoded[i]
            decoded[i] = (_EVENT, sub_id, ev if ok else "bad signature")
        for item in decoded:
            try:
                if item[0] is _ERROR:
                    raise item[1]
                await self._dispatch(item)
            except Exception as exc:  # noqa: BLE001 - one frame's failure drops that frame only
                self._drop("internal error")
                n = self.dropped["internal error"]
                if n <= LOGGED_FRAME_ERRORS or n % 100 == 0:  # a relay cannot flood the log
                    errorlog.log_exception(exc, doing=f"handling a frame from relay {self.url}")

    def _lost(self) -> None:
        self._ws = None
        self._connected.clear()
        for fut in [*self._pending.values(), *self._auth_pending.values()]:
            if not fut.done():
                fut.set_result((False, "connection lost"))
        self._pending.clear()
        self._auth_pending.clear()

    async def _load_info(self) -> None:
        info = await fetch_info(self.url)
        if info is not None:
            self.info = info

    # ----- sending ----------------------------------------------------------------------------
    async def _send(self, msg: list[Any]) -> bool:
        ws = self._ws
        if ws is None:
            return False
        try:
            async with self._send_lock:
                await ws.send(json.dumps(msg, separators=(",", ":"), ensure_ascii=False))
        except (websockets.WebSocketException, OSError):
            return False
        return True

    def _clamp(self, flt: dict[str, Any]) -> dict[str, Any]:
        cap = self.info.max_limit
        if cap and isinstance(flt.get("limit"), int) and flt["limit"] > cap:
            flt = {**flt, "limit": cap}
        return flt

    async def _send_req(self, sub_id: str, resume: bool = False) -> None:
        sub = self._subs.get(sub_id)
        if sub is None:
            return
        filters = sub.filters
        if resume and sub.last_seen is not None:
            # `since` is inclusive: events from that same second come again and are de-duplicated.
            filters = [{**f, "since": max(f.get("since", 0), sub.last_seen)} for f in filters]
        await self._send(["REQ", sub_id, *(self._clamp(f) for f in filters)])

    async def subscribe(
        self,
        sub_id: str,
        filters: Sequence[Filter],
        sink: Sink,
        skip: Callable[[str], bool] | None = None,
        unchecked: Callable[[str], bool] | None = None,
    ) -> RelaySub:
        """Open a subscription (sent now, or as soon as the relay is connected)."""
        sub = RelaySub([dict(f) for f in filters], sink, skip, unchecked)
        self._subs[sub_id] = sub
        if self.connected:
            await self._send_req(sub_id)
        return sub

    async def unsubscribe(self, sub_id: str) -> None:
        if self._subs.pop(sub_id, None) is not None and self.connected:
            await self._send(["CLOSE", sub_id])

    async def publish(self, ev: NostrEvent, timeout: float = 10.0) -> PublishOutcome:
        signer = self.signer
        if self._challenge and not self._authed.is_set() and signer is not None:
            # The relay already asked who we are and the event names us anyway: answering first
            # saves a refused write (and nostr-relay's pause after each one).
            if signer.public_hex == ev.pubkey:
                await self._authenticate(timeout, wait=False)
        ok, message = await self._publish_once(ev, timeout)
        if not ok and self._auth_may_help(message) and await self._authenticate(timeout):
            ok, message = await self._publish_once(ev, timeout)
        return PublishOutcome(self.url, ok, message)

    def _auth_may_help(self, message: str) -> bool:
        """`auth-required:` asks for NIP-42; so does `restricted:` from a relay that challenged us
        while we have not answered yet (nostr-relay refuses unauthenticated writers that way)."""
        if message.startswith("auth-required:"):
            return True
        unanswered = bool(self._challenge) and not self._authed.is_set()
        return message.startswith("restricted:") and unanswered

    async def _publish_once(self, ev: NostrEvent, timeout: float) -> tuple[bool, str]:
        if not await self.wait_connected(timeout):
            return False, self.last_error or "not connected"
        fut: asyncio.Future[tuple[bool, str]] = asyncio.get_running_loop().create_future()
        self._pending[ev.id] = fut
        try:
            if not await self._send(["EVENT", ev.to_dict()]):
                return False, "connection lost"
            return await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            return False, "no answer from relay"
        finally:
            self._pending.pop(ev.id, None)

    async def _authenticate(self, timeout: float, wait: bool = True) -> bool:
        """NIP-42: sign the relay's challenge; True when the relay accepted it.

        Without `wait`, True once sent: the relay handles the AUTH before whatever follows it on
        this connection, and a refusal shows in the answer to that.
        """
        if self.signer is None or not self._challenge:
            return False
        auth = sign(
            self.signer, AUTH_KIND, "", [["relay", self.url], ["challenge", self._challenge]]
        )
        fut: asyncio.Future[tuple[bool, str]] = asyncio.get_running_loop().create_future()
        self._auth_pending[auth.id] = fut
        try:
            if not await self._send(["AUTH", auth.to_dict()]):
                return False
            if not wait:
                self._authed.set()
                return True
            # Some relays never answer AUTH with OK; as a relay handles a connection's messages in
            # order, what is sent after a short wait is judged authenticated anyway.
            ok, _ = await asyncio.wait_for(fut, min(timeout, 1.0))
        except TimeoutError:
            ok = True
        finally:
            self._auth_pending.pop(auth.id, None)
        if ok:
            self._authed.set()
        return ok

    async def _reauth(self, sub_id: str) -> None:
        if await self._authenticate(5.0):
            await self._send_req(sub_id, resume=True)
        else:
            sub = self._subs.pop(sub_id, None)
            if sub is not None:
                sub.closed_reason = "relay requires authentication"
                sub.eose.set()

    # ----- receiving --------------------------------------------------------------------------
    def _drop(self, reason: str) -> None:
        self.dropped[reason] = self.dropped.get(reason, 0) + 1

    def _note(self, kind: str, message: object) -> None:
        """Keep a relay's NOTICE/CLOSED text, sanitised and at most one per NOTICE_INTERVAL."""
        now = time.monotonic()
        if now - self._last_notice < NOTICE_INTERVAL:
            self._drop("notice rate-limited")
            return
        self._last_notice = now
        body = text.clean_line(message, 300) if isinstance(message, str) else ""
        self.notices.append(f"{kind}: {body}")

    async def _dispatch(self, item: tuple[Any, ...]) -> None:
        """Act on one decoded frame (see `_decode`), in the order frames arrived."""
        what = item[0]
        if what is _EVENT:
            await self._on_event(item[1], item[2])
            return
        if what is _DROP:
            self._drop(item[1])
            return
        msg = item[1]
        verb = msg[0]
        if verb == "EOSE" and len(msg) >= 2:
            sub = self._subs.get(msg[1]) if isinstance(msg[1], str) else None
            if sub is not None:
                sub.eose.set()
        elif verb == "OK" and len(msg) >= 3:
            eid = msg[1] if isinstance(msg[1], str) else None
            fut = (self._pending.get(eid) or self._auth_pending.get(eid)) if eid else None
            if fut is None and eid == "" and msg[2] is not True:
                # nostr-relay names no event when it rejects one; it answers in order, so the
                # rejection is for the oldest EVENT still waiting.
                fut = next((f for f in self._pending.values() if not f.done()), None)
            reason = (
                text.clean_line(msg[3], 300) if len(msg) > 3 and isinstance(msg[3], str) else ""
            )
            if fut is not None and not fut.done():
                fut.set_result((msg[2] is True, reason))
        elif verb == "CLOSED" and len(msg) >= 2 and isinstance(msg[1], str):
            await self._on_closed(msg[1], msg[2] if len(msg) > 2 else "")
        elif verb == "NOTICE" and len(msg) >= 2:
            self._note("notice", msg[1])
        elif verb == "AUTH" and len(msg) >= 2 and isinstance(msg[1], str):
            self._challenge = msg[1][:512]
        else:
            self._drop("unknown message")

    async def _on_event(self, sub_id: str, ev: NostrEvent | str | None) -> None:
        """An EVENT, already verified: the event, why it was refused, or None when it was skipped
        (already verified and delivered from another relay)."""
        sub = self._subs.get(sub_id)
        if sub is None:
            self._drop("unknown subscription")
            return
        if ev is None:
            return
        if isinstance(ev, str):
            self._drop(ev)
            return
        if not sub.matches(ev):
            self._drop("does not match filter")
            return
        self.received += 1
        if sub.last_seen is None or ev.created_at > sub.last_seen:
            sub.last_seen = ev.created_at
        await sub.sink(self.url, ev)

    async def _on_closed(self, sub_id: str, reason: object) -> None:
        sub = self._subs.get(sub_id)
        why = reason if isinstance(reason, str) else ""
        if sub is None:
            return
        if why.startswith("auth-required:") and not sub.auth_retried and self.signer is not None:
            sub.auth_retried = True
            # The OK for AUTH arrives on this reader loop: authenticate from another task.
            task = asyncio.get_running_loop().create_task(self._reauth(sub_id))
            self._auth_tasks.add(task)
            task.add_done_callback(self._auth_tasks.discard)
            return
        self._note("closed", why)
        sub.closed_reason = text.clean_line(why, 300) or "closed by relay"
        self._subs.pop(sub_id, None)
        sub.eose.set()
