"""Outbox routing follows relay health: several local relays, some stopped and restarted."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator

import pytest

from tests.nostr.conftest import LocalRelay, raw_publish, unavailable
from tests.support import free_port
from tui.networks.nostr.event import sign
from tui.networks.nostr.keys import Keys
from tui.networks.nostr.outbox import RelayList, plan_routes
from tui.networks.nostr.pool import RelayPool
from tui.networks.nostr.relay import Relay, RelayState

pytestmark = pytest.mark.usefixtures("murmur_home")  # an unexpected error is logged there
FAST = {"base_backoff": 0.1, "max_backoff": 0.5, "want_info": False}
# A penalty far longer than any wait below: only `reconnect_now` brings these relays back in time.
SLOW = {"base_backoff": 600.0, "max_backoff": 600.0, "want_info": False}


async def until(cond, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached before the deadline")
        await asyncio.sleep(0.05)


async def _start(relay: LocalRelay) -> None:
    try:
        await relay.start()
    except Exception as exc:  # noqa: BLE001 - any failure to start is reported the same way
        unavailable(f"nostr-sdk LocalRelay did not start: {exc}")


@pytest.fixture
async def relays() -> AsyncIterator[list[LocalRelay]]:
    started = [LocalRelay(free_port()) for _ in range(7)]
    for r in started:
        await _start(r)
    yield started
    for r in started:
        r.stop()


# ----- choosing relays under the cap (no network) ---------------------------------------------
def test_under_the_cap_the_chosen_relays_reach_the_most_authors():
    relays = [f"wss://r{i:02d}.example" for i in range(12)]
    authors = [f"{i:064x}" for i in range(60)]
    lists = {
        a: RelayList(write=(relays[i % 12], relays[(i * 7 + 3) % 12]))
        for i, a in enumerate(authors)
    }
    home = "wss://home.example"
    routes = plan_routes(authors, lists, [home], per_author=2, total=4)
    assert len(routes.relays) <= 4
    reached = {a for u, who in routes.relays.items() for a in who if u in lists[a].write}
    # The best any 3 relays besides home can do (today's plan, two popular relays per author in
    # turn, reached 20 and read the other 40 silently from home).
    best = max(
        sum(1 for a in authors if set(lists[a].write) & set(c))
        for c in itertools.combinations(relays, 3)
    )
    assert len(reached) == best == 30
    assert routes.uncovered == frozenset(authors) - reached  # said, not silent
    assert all(a in routes.relays[home] for a in routes.uncovered)  # still asked somewhere


def test_relays_in_their_penalty_are_not_chosen():
    a, b = "a" * 64, "b" * 64
    lists = {a: RelayList(write=("wss://x.example", "wss://y.example")), b: RelayList()}
    routes = plan_routes(
        [a, b], lists, ["wss://home.example"], per_author=1, avoid={"wss://x.example"}
    )
    assert routes.relays == {"wss://y.example": {a}, "wss://home.example": {b}}
    assert routes.unlisted == {b} and not routes.uncovered
    none_left = plan_routes([a], lists, [], avoid={"wss://x.example", "wss://y.example"})
    assert none_left.uncovered == {a}


# ----- against real relays ---------------------------------------------------------------------
@pytest.mark.network
async def test_penalty_grows_while_a_refused_relay_keeps_failing():
    penalties: list[float] = []

    def seen(relay: Relay) -> None:
        if relay.state is RelayState.DOWN and relay.retry_at is not None:
            penalties.append(relay.retry_at - time.monotonic())

    relay = Relay(
        f"ws://127.0.0.1:{free_port()}",
        on_state=seen,
        base_backoff=0.05,
        max_backoff=10,
        want_info=False,
    )
    relay.start()
    try:
        assert not await relay.wait_ready(60)  # refused: known at once, not after the timeout
        assert relay.refused and relay.down and relay.penalized
        await until(lambda: len(penalties) >= 5)
        assert relay.failures >= 5
        assert penalties == sorted(penalties) and penalties[-1] > penalties[0]
        assert relay.state is not RelayState.CONNECTED
    finally:
        await relay.close()


@pytest.mark.network
async def test_a_refused_relay_does_not_stall_a_fetch(local_relay):
    keys = Keys.generate()
    note = sign(keys, 1, "here")
    await raw_publish(local_relay.url, note)
    dead = f"ws://127.0.0.1:{free_port()}"
    pool = RelayPool(relay_options=FAST)
    try:
        plan = pool.everywhere([dead, local_relay.url], [{"authors": [keys.public_hex]}])
        async with asyncio.timeout(60):  # the query's own timeout is an hour
            got = await pool.fetch(plan, timeout=3600)
        assert got.events == [note]
        assert got.answered == (local_relay.url,)
        assert list(got.failed) == [dead] and "refused" in got.failed[dead].lower()
        assert pool.down_relays() == [dead]
        assert pool.summary.startswith("relays 1/2 · down: 127.0.0.1:")
    finally:
        await pool.close()


@pytest.mark.network
async def test_with_half_the_relays_down_every_author_with_a_live_write_relay_is_read(relays):
    *spread, home = relays
    down = spread[:3]
    urls = [r.url for r in spread]
    people = [Keys.generate() for _ in range(12)]
    lists: dict[str, RelayList] = {}
    notes = {}
    for i, k in enumerate(people):
        # Three write relays each: for some authors the first two of them are down.
        write = (urls[i % 6], urls[(i + 1) % 6], urls[(i + 3) % 6])
        lists[k.public_hex] = RelayList(write=write)
        notes[k.public_hex] = sign(k, 1, f"note of {i}")
        for url in write:
            await raw_publish(url, notes[k.public_hex])
    lost = Keys.generate()  # all its write relays will be down
    lists[lost.public_hex] = RelayList(write=(urls[0], urls[1]))
    await raw_publish(urls[0], sign(lost, 1, "unreachable"))
    quiet = Keys.generate()  # no relay list: read on the user's own relays
    await raw_publish(home.url, sign(quiet, 1, "from home"))
    for r in down:
        r.stop()

    authors = [*lists, quiet.public_hex]
    pool = RelayPool(relay_options=SLOW)
    try:
        assert await pool.connect([home.url]) == 1
        async with asyncio.timeout(60):  # a stalled fetch would wait the hour out
            got = await pool.fetch_authors(
                authors, lists, [home.url], {"kinds": [1]}, per_author=2, timeout=3600, track=True
            )
        found = {e.pubkey for e in got.events}
        assert found == {k.public_hex for k in people} | {quiet.public_hex}
        assert got.uncovered == {lost.public_hex}
        assert set(got.failed) == {r.url for r in down}
        assert set(got.answered) <= {home.url, *(r.url for r in spread[3:])}
        assert pool.coverage.uncovered == {lost.public_hex}
        assert pool.coverage.unlisted == {quiet.public_hex}
        assert set(pool.down_relays()) == {r.url for r in down}
        assert "down: " in pool.summary and pool.summary.endswith("1 author not reached")

        # The penalty box: down relays are not tried again while their penalty lasts.
        again = await pool.subscribe_authors(
            authors, lists, [home.url], {"kinds": [1]}, collect=True
        )
        assert not {r.url for r in again.relays} & {r.url for r in down}
        await again.close()

        # `R`: the relays come back and are reconnected at once, not after the penalty.
        for r in down:
            await _start(r)
        assert pool.reconnect_now() == 3
        async with asyncio.timeout(30):
            await asyncio.gather(*(pool.relays[r.url].wait_connected(30) for r in down))
        assert pool.down_relays() == []
        assert (
            pool.summary == f"relays {len(pool.relays)}/{len(pool.relays)} · 1 author not reached"
        )
        got = (
            await pool.fetch_authors(
                authors, lists, [home.url], {"kinds": [1]}, timeout=30, track=True
            )
        ).events
        assert pool.coverage.uncovered == frozenset()
        assert pool.summary == f"relays {len(pool.relays)}/{len(pool.relays)}"
    finally:
        await pool.close()


@pytest.mark.network
async def test_a_live_subscription_moves_authors_off_a_relay_that_fails(relays):
    shared, other = relays[0], relays[1]
    mover = Keys.generate()  # writes to both; read from the shared relay only (per_author=1)
    stayers = [Keys.generate() for _ in range(3)]  # write to the shared relay only
    lists = {mover.public_hex: RelayList(write=(shared.url, other.url))}
    lists |= {k.public_hex: RelayList(write=(shared.url,)) for k in stayers}
    pool = RelayPool(relay_options=SLOW)
    try:
        sub = await pool.subscribe_authors(
            lists,
            lists,
            [],
            {"kinds": [1], "since": int(time.time()) - 5},
            per_author=1,
            track=True,
        )
        assert [r.url for r in sub.relays] == [shared.url]
        await sub.wait_eose(30)
        shared.stop()
        # Re-routed: the mover is now also asked on its other write relay.
        await until(lambda: other.url in {r.url for r in sub.relays})
        await sub.wait_eose(30)
        note = sign(mover, 1, "still here")
        await raw_publish(other.url, note)
        async with asyncio.timeout(15):
            _url, ev = await anext(aiter(sub))
        assert ev == note
        assert pool.coverage.uncovered == {k.public_hex for k in stayers}
        assert pool.down_relays() == [shared.url]
        assert pool.summary.endswith("3 authors not reached")

        await _start(shared)
        pool.reconnect_now()
        await until(lambda: pool.coverage.uncovered == frozenset())
        later = sign(stayers[0], 1, "back again")
        await raw_publish(shared.url, later)
        async with asyncio.timeout(15):
            _url, ev = await anext(aiter(sub))
        assert ev == later
        await sub.close()
    finally:
        await pool.close()


@pytest.mark.network
async def test_under_a_cap_a_fetch_reads_the_most_authors_and_says_how_many_it_cannot(relays):
    *spread, home = relays
    urls = [r.url for r in spread]
    people = [Keys.generate() for _ in range(18)]
    lists = {}
    for i, k in enumerate(people):
        lists[k.public_hex] = RelayList(write=(urls[i % 6], urls[(i * 2 + 3) % 6]))
        for url in lists[k.public_hex].write:
            await raw_publish(url, sign(k, 1, f"note {i}"))
    best = max(
        sum(1 for rl in lists.values() if set(rl.write) & set(pair))
        for pair in itertools.combinations(urls, 2)
    )
    pool = RelayPool(relay_options=FAST)
    try:
        # Home and two more relays: today's plan read 6 of the 18 and the rest, silently, at home.
        got = await pool.fetch_authors(
            lists, lists, [home.url], {"kinds": [1]}, total=3, timeout=30, track=True
        )
        assert len(pool.relays) <= 3
        found = {e.pubkey for e in got.events}
        assert len(found) == best == 15
        assert pool.coverage.uncovered == set(lists) - found == got.uncovered
        assert pool.summary == "relays 3/3 · 3 authors not reached"
    finally:
        await pool.close()


# ----- through the adapter ---------------------------------------------------------------------
@pytest.mark.network
async def test_home_reads_around_a_down_write_relay_and_reconnect_brings_it_back(relays):
    from tui.model import Account, FeedKind, FeedRef, NetworkKind
    from tui.networks.nostr.network import NostrNetwork
    from tui.networks.nostr.outbox import RELAY_LIST_KIND

    home, first, second = relays[:3]
    me, mover, stayer = Keys.generate(), Keys.generate(), Keys.generate()
    # The mover writes to `first`, then `second`; the stayer only to `first`. `first` reaches
    # both, so it is the relay chosen for them (one relay per author).
    lists = [
        sign(mover, RELAY_LIST_KIND, "", [["r", first.url, "write"], ["r", second.url, "write"]]),
        sign(stayer, RELAY_LIST_KIND, "", [["r", first.url, "write"]]),
    ]
    follows = sign(me, 3, "", [["p", mover.public_hex], ["p", stayer.public_hex]])
    await raw_publish(home.url, *lists, follows)
    moved = sign(mover, 1, "read from my second relay", created_at=int(time.time()) - 10)
    await raw_publish(second.url, moved)
    first.stop()

    options = {"relays": [home.url], "max_relays_per_author": 1}
    account = Account(name="me", network=NetworkKind.NOSTR, handle=me.npub, options=options)
    net = NostrNetwork(account, {"nsec": me.nsec})
    net.relay_options = SLOW  # only `reconnect` brings a relay back within the test
    await net.open()
    try:
        async with asyncio.timeout(60):
            page = await net.timeline(FeedRef(FeedKind.HOME))
        assert [p.key for p in page.items] == [moved.id]
        assert page.warnings == (
            f"{first.url}: connection refused",
            "1 followed author not reached",
        )
        assert net.pool is not None and net.pool.down_relays() == [first.url]
        assert "down: 127.0.0.1:" in net.state_detail
        assert net.state_detail.endswith("1 author not reached")

        # Back, but in a ten-minute penalty: the refresh's `reconnect` tries it at once.
        await _start(first)
        stayed = sign(stayer, 1, "back on my only relay", created_at=int(time.time()) - 5)
        await raw_publish(first.url, moved, stayed)
        await net.reconnect()
        async with asyncio.timeout(30):
            assert await net.pool.relays[first.url].wait_connected(30)
            page = await net.timeline(FeedRef(FeedKind.HOME))
        assert [p.key for p in page.items] == [stayed.id, moved.id]
        assert page.warnings == ()
        assert net.state_detail == f"relays {len(net.pool.relays)}/{len(net.pool.relays)}"
    finally:
        await net.close()


@pytest.mark.network
async def test_the_live_home_stream_reads_around_a_down_write_relay(relays):
    from tui.model import Account, EventKind, NetworkKind
    from tui.networks.nostr.network import NostrNetwork
    from tui.networks.nostr.outbox import RELAY_LIST_KIND

    home, first, second = relays[:3]
    me, mover, stayer = Keys.generate(), Keys.generate(), Keys.generate()
    lists = [
        sign(mover, RELAY_LIST_KIND, "", [["r", first.url, "write"], ["r", second.url, "write"]]),
        sign(stayer, RELAY_LIST_KIND, "", [["r", first.url, "write"]]),
    ]
    follows = sign(me, 3, "", [["p", mover.public_hex], ["p", stayer.public_hex]])
    await raw_publish(home.url, *lists, follows)
    first.stop()
    options = {"relays": [home.url], "max_relays_per_author": 1}
    account = Account(name="me", network=NetworkKind.NOSTR, handle=me.npub, options=options)
    net = NostrNetwork(account, {"nsec": me.nsec})
    net.relay_options = SLOW
    await net.open()
    try:
        stream = net.stream()
        pending = asyncio.ensure_future(anext(stream))
        # Dated a little ahead: the stream asks from the second it starts.
        live = sign(mover, 1, "live, on my second relay", created_at=int(time.time()) + 2)
        await raw_publish(second.url, live)
        event = await asyncio.wait_for(pending, 30)
        assert event.kind is EventKind.POST and event.payload.key == live.id
        await until(lambda: net.state_detail.endswith("1 author not reached"))
        await stream.aclose()
    finally:
        await net.close()
