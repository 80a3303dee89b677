"""A hostile relay of ours sends frames of every kind; the pool keeps working and reconnects."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import websockets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui import errorlog
from tui.networks.nostr.event import compute_id, sign
from tui.networks.nostr.keys import Keys
from tui.networks.nostr.pool import RelayPool
from tui.networks.nostr.relay import MAX_MESSAGE_BYTES, RelayState

pytestmark = pytest.mark.network
FAST = {"base_backoff": 0.1, "max_backoff": 0.5, "want_info": False}
ESCAPES = "\x1b[2J\x1b]0;pwned\x07\x1b[31mred\x1b[0m \u202eevil\x9b"


@pytest.fixture
def error_log(murmur_home: Path) -> Iterator[Path]:
    """The error log of this test's private home (created only when something is logged)."""
    errorlog.close()
    yield murmur_home / "murmur.log"
    errorlog.close()


def _url(server) -> str:
    return f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}"


async def _next(sub, timeout: float = 10.0):
    async with asyncio.timeout(timeout):
        async for _url, ev in sub:
            return ev


def _hostile_frames(sub: str, keys: Keys, other: Keys) -> list[str | bytes]:
    now = int(time.time())
    deep = "[" * 200_000 + "]" * 200_000
    deep_event = sign(keys, 1, "deep").to_dict()
    forged = sign(keys, 1, "forged", created_at=now).to_dict()
    forged["sig"] = sign(other, 1, "forged", created_at=now).sig
    future = sign(keys, 1, "from the future", created_at=now + 30 * 86400).to_dict()
    shapes = [[], {}, 42, "EVENT", None, ["EVENT"], ["EVENT", sub], ["EVENT", 7, {}]]
    shapes += [["EOSE", 5], ["OK", ["x"], True], ["OK"], ["CLOSED"], ["AUTH", {}], ["NOTICE"]]
    shapes += [["EVENT", sub, {"id": ["x"], "pubkey": {}, "sig": 1}], ["EVENT", sub, []]]
    shapes += [["EVENT", sub, {**forged, "tags": [[{"a": 1}]]}], ["COUNT", sub, {"count": 1}]]
    frames: list[str | bytes] = [
        deep,
        '["EVENT","' + sub + '",' + "[" * 100_000 + "]" * 100_000 + "]",
        json.dumps(["EVENT", sub, {**deep_event, "tags": []}])[:-2] + "[" * 50_000,
        "{not json",
        b"\xff\xfe\x00 not utf-8",
        *(json.dumps(s) for s in shapes),
        json.dumps(["EVENT", sub, future]),
        json.dumps(["EVENT", sub, forged]),
        json.dumps(["NOTICE", ESCAPES]),
    ]
    return frames


async def test_hostile_frames_drop_only_themselves_and_the_relay_reconnects(error_log):
    keys, other = Keys.generate(), Keys.generate()
    base = int(time.time()) - 60
    good = [sign(keys, 1, f"good {i}", created_at=base + i) for i in range(3)]
    connections = 0

    async def handler(ws):
        nonlocal connections
        connections += 1
        n = connections
        with contextlib.suppress(websockets.ConnectionClosed):
            await serve(ws, n)

    async def serve(ws, n: int) -> None:
        async for message in ws:
            msg = json.loads(message)
            if msg[0] != "REQ":
                continue
            sub = msg[1]
            if n == 1:
                for frame in _hostile_frames(sub, keys, other):
                    await ws.send(frame)
                await ws.send(json.dumps(["EVENT", sub, good[0].to_dict()]))
                # Over the client's frame cap: the client must drop the connection, then return.
                await ws.send("[" + " " * (MAX_MESSAGE_BYTES + 10) + "]")
            elif n == 2:
                await ws.send(json.dumps(["EVENT", sub, good[0].to_dict()]))  # seen: deduped
                await ws.send(json.dumps(["EVENT", sub, good[1].to_dict()]))
                ws.transport.abort()  # the server drops us without a close frame
                return
            else:
                await ws.send(json.dumps(["CLOSED", "other", ESCAPES]))
                await ws.send(json.dumps(["EVENT", sub, good[2].to_dict()]))
                await ws.send(json.dumps(["EOSE", sub]))

    async with websockets.serve(handler, "127.0.0.1", 0, max_size=2**22) as server:
        url = _url(server)
        pool = RelayPool(relay_options=FAST)
        try:
            sub = await pool.subscribe({url: [{"kinds": [1], "authors": [keys.public_hex]}]})
            got = [await _next(sub) for _ in range(3)]
            assert got == good  # in order, each once, past every bad frame and two drops
            relay = pool.relays[url]
            assert connections >= 3
            assert relay.state is RelayState.CONNECTED and relay.connected
            assert pool.down_relays() == []
            assert relay.dropped.get("bad json", 0) >= 4  # deep, deeper, truncated, malformed
            assert relay.dropped.get("dated in the future") == 1
            assert relay.dropped.get("bad signature") == 1
            notice = relay.notices[0]
            assert "red" in notice and "evil" in notice
            assert not any(c in notice for c in "\x1b\x07\u202e\x9b")
            assert sub.queue.empty()
            assert not error_log.exists()  # every bad frame was expected: nothing logged
            await sub.close()
        finally:
            await pool.close()


async def test_a_closed_subscription_reason_is_cleaned():
    keys = Keys.generate()

    async def handler(ws):
        async for message in ws:
            msg = json.loads(message)
            if msg[0] == "REQ":
                await ws.send(json.dumps(["CLOSED", msg[1], "error: " + ESCAPES]))

    async with websockets.serve(handler, "127.0.0.1", 0) as server:
        url = _url(server)
        pool = RelayPool(relay_options=FAST)
        try:
            sub = await pool.subscribe({url: [{"kinds": [1], "authors": [keys.public_hex]}]})
            await sub.wait_eose(10)
            relay = pool.relays[url]
            (closed,) = [n for n in relay.notices if n.startswith("closed")]
            assert "red" in closed and not any(c in closed for c in "\x1b\x07\u202e\x9b")
            assert relay.state is RelayState.CONNECTED
        finally:
            await pool.close()


async def test_a_relay_sees_murmurs_user_agent_and_no_other_header_of_ours():
    from tui.networks.http import USER_AGENT

    seen: list[dict[str, str]] = []

    def record(connection, request):
        seen.append({k.lower(): v for k, v in request.headers.raw_items()})

    async def handler(ws):
        async for message in ws:
            msg = json.loads(message)
            if msg[0] == "REQ":
                await ws.send(json.dumps(["EOSE", msg[1]]))

    async with websockets.serve(handler, "127.0.0.1", 0, process_request=record) as server:
        pool = RelayPool(relay_options=FAST)
        try:
            sub = await pool.subscribe({_url(server): [{"kinds": [1]}]})
            await sub.wait_eose(10)
        finally:
            await pool.close()
    assert seen and seen[0]["user-agent"] == USER_AGENT
    assert "authorization" not in seen[0]


async def test_an_exception_from_one_frame_is_logged_and_the_relay_goes_on(error_log):
    """A bug below the reader (here: a subscriber that raises) loses that frame only."""
    keys = Keys.generate()
    base = int(time.time()) - 60
    first, second = sign(keys, 1, "one", created_at=base), sign(keys, 1, "two", created_at=base + 1)

    async def handler(ws):
        async for message in ws:
            msg = json.loads(message)
            if msg[0] == "REQ":
                for ev in (first, second):
                    await ws.send(json.dumps(["EVENT", msg[1], ev.to_dict()]))
                await ws.send(json.dumps(["EOSE", msg[1]]))

    got = []
    delivered = asyncio.Event()

    async def sink(_url, ev):
        if ev == first:
            raise RuntimeError("subscriber bug")
        got.append(ev)
        delivered.set()

    async with websockets.serve(handler, "127.0.0.1", 0) as server:
        url = _url(server)
        pool = RelayPool(relay_options=FAST)
        try:
            relay = pool.relay(url)
            await relay.subscribe("s", [{"kinds": [1], "authors": [keys.public_hex]}], sink)
            async with asyncio.timeout(10):
                await delivered.wait()
            assert got == [second]
            assert relay.state is RelayState.CONNECTED
            log = error_log.read_text()
            assert "RuntimeError" in log and "subscriber bug" in log
        finally:
            await pool.close()


# ----- generated frames -----------------------------------------------------------------------
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
_VERBS = ["EVENT", "EOSE", "OK", "CLOSED", "NOTICE", "AUTH", "COUNT", ""]
_SUB = "m-gen"


def _frame() -> st.SearchStrategy[str | bytes]:
    event_keys = ["id", "pubkey", "created_at", "kind", "tags", "content", "sig"]
    broken_event = st.fixed_dictionaries({k: _json for k in event_keys})
    return st.one_of(
        _json.map(json.dumps),
        st.tuples(st.sampled_from(_VERBS), st.lists(_json, max_size=4)).map(
            lambda t: json.dumps([t[0], *t[1]])
        ),
        st.tuples(st.sampled_from([_SUB, "other", ""]), broken_event).map(
            lambda t: json.dumps(["EVENT", *t])
        ),
        st.tuples(st.sampled_from(["EOSE", "CLOSED", "OK"]), st.lists(_json, max_size=3)).map(
            lambda t: json.dumps([t[0], "other", *t[1]])
        ),
        st.binary(max_size=40),
        st.text(max_size=40),
        st.integers(1, 3000).map(lambda n: "[" * n + "]" * n),
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames=st.lists(_frame(), max_size=12))
def test_any_frames_are_dropped_and_the_next_event_still_arrives(frames):
    keys = Keys.generate()
    good = sign(keys, 1, "after the noise", created_at=int(time.time()) - 5)

    async def handler(ws):
        with contextlib.suppress(websockets.ConnectionClosed):
            async for message in ws:
                if json.loads(message)[0] == "REQ":
                    for frame in frames:
                        await ws.send(frame)
                    await ws.send(json.dumps(["EVENT", _SUB, good.to_dict()]))

    async def scenario() -> None:
        async with websockets.serve(handler, "127.0.0.1", 0) as server:
            pool = RelayPool(relay_options=FAST)
            try:
                relay = pool.relay(_url(server))
                got: asyncio.Queue = asyncio.Queue()

                async def sink(_url, ev):
                    await got.put(ev)

                await relay.subscribe(_SUB, [{"kinds": [1], "authors": [keys.public_hex]}], sink)
                async with asyncio.timeout(10):
                    assert await got.get() == good
                assert relay.state is RelayState.CONNECTED
                assert relay.dropped.get("internal error", 0) == 0
            finally:
                await pool.close()

    asyncio.run(scenario())


async def test_a_burst_arrives_in_order_before_its_eose_with_every_bad_event_dropped():
    """Hundreds of events at once (a page, a backlog) are checked on worker threads: what reaches
    the subscriber is still exactly the valid matching events, once each, in the relay's order,
    all before EOSE; a forged signature, a key that is no curve point, a changed id and an event
    outside the filter are dropped wherever they sit in the burst."""
    keys, other, stranger = Keys.generate(), Keys.generate(), Keys.generate()
    base = int(time.time()) - 1000
    good = [sign(keys, 1, f"burst {i} — ✓", [["t", "b"]], base + i) for i in range(300)]
    frames = []
    for i, ev in enumerate(good):
        frames.append(ev.to_dict())
        if i % 37 == 5:
            forged = sign(keys, 1, f"forged {i}", created_at=base + i).to_dict()
            forged["sig"] = sign(other, 1, f"forged {i}", created_at=base + i).sig
            frames.append(forged)
        if i % 53 == 7:
            off_curve = {**ev.to_dict(), "pubkey": "ff" * 32}  # no curve point has this x
            off_curve["id"] = compute_id("ff" * 32, ev.created_at, 1, ev.tags, ev.content)
            frames.append(off_curve)
            frames.append({**ev.to_dict(), "content": "changed"})
            frames.append(sign(stranger, 1, "not asked for", created_at=base + i).to_dict())

    async def handler(ws):
        async for message in ws:
            msg = json.loads(message)
            if msg[0] == "REQ":
                for raw in frames:
                    await ws.send(json.dumps(["EVENT", msg[1], raw], ensure_ascii=False))
                await ws.send(json.dumps(["EOSE", msg[1]]))

    got: list = []
    eose_before: list[bool] = []

    async with websockets.serve(handler, "127.0.0.1", 0) as server:
        url = _url(server)
        pool = RelayPool(relay_options=FAST)
        try:
            relay = pool.relay(url)
            rsub = None

            async def sink(_url, ev):
                got.append(ev)
                eose_before.append(rsub is not None and rsub.eose.is_set())

            rsub = await relay.subscribe("s", [{"kinds": [1], "authors": [keys.public_hex]}], sink)
            assert await relay.wait_answer(rsub, 30)
            assert got == good
            assert not any(eose_before)
            forged = sum(1 for i in range(300) if i % 37 == 5)
            odd = sum(1 for i in range(300) if i % 53 == 7)
            assert relay.dropped.get("bad signature") == forged + odd
            assert relay.dropped.get("id does not match content") == odd
            assert relay.dropped.get("does not match filter") == odd
        finally:
            await pool.close()


async def test_counted_events_skip_signatures_but_mine_and_shown_ones_do_not():
    """Others' likes, reposts and replies are only counted: a relay can make up those with fresh
    keys anyway, so their signatures are not checked (the page's main cost). A like claiming to
    be mine, and a note to be shown, must be signed: forged, they are refused."""
    from tui.model import Account, NetworkKind
    from tui.networks.nostr.network import NostrNetwork

    me, author, fan, forger = (Keys.generate() for _ in range(4))
    now = int(time.time()) - 60
    note = sign(author, 1, "a note", created_at=now)

    def forged(keys: Keys, kind: int, content: str, tags: list, at: int) -> dict:
        ev = sign(keys, kind, content, tags, at).to_dict()
        ev["sig"] = sign(forger, kind, content, tags, at).sig  # someone else's signature
        return ev

    quoted = forged(author, 1, "a note to show", [], now + 1)
    fan_like = forged(fan, 7, "+", [["e", note.id]], now + 2)
    my_like = forged(me, 7, "+", [["e", note.id]], now + 3)
    reply = forged(fan, 1, "a reply", [["e", note.id, "", "root"]], now + 4)

    async def handler(ws):
        with contextlib.suppress(websockets.ConnectionClosed):
            async for message in ws:
                msg = json.loads(message)
                if msg[0] != "REQ":
                    continue
                for flt in msg[2:]:
                    answer = [quoted] if "ids" in flt else [fan_like, my_like, reply]
                    for ev in answer:
                        await ws.send(json.dumps(["EVENT", msg[1], ev]))
                await ws.send(json.dumps(["EOSE", msg[1]]))

    async with websockets.serve(handler, "127.0.0.1", 0) as server:
        url = _url(server)
        account = Account("me", NetworkKind.NOSTR, handle=me.npub, options={"relays": [url]})
        net = NostrNetwork(account, {"nsec": me.nsec})
        await net.open()
        try:
            await net._load_events([quoted["id"]], [note.id])
            counts, mine = net.ctx.counts[note.id], net.ctx.mine[note.id]
            assert (counts.replies, counts.likes) == (1, 1)  # the fan's, unchecked
            assert not mine.liked  # "mine" with a forged signature is refused
            assert quoted["id"] not in net.ctx.events  # a note to show must be signed
        finally:
            await net.close()
