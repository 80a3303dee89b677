"""Many relays at once: connect concurrently, de-duplicate across relays, publish with results."""

from __future__ import annotations

import asyncio
import itertools
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tui.networks.nostr.event import NostrEvent, keep_newest
from tui.networks.nostr.keys import Keys
from tui.networks.nostr.relay import Filter, PublishOutcome, Relay, RelayState, normalize_url

DEFAULT_QUERY_TIMEOUT = 6.0
MAX_QUERY_EVENTS = 10_000
STREAM_QUEUE = 1_000
SEEN_CAP = 200_000

Plan = Mapping[str, Sequence[Filter]]  # relay URL → filters to send there
_ids = itertools.count(1)


@dataclass(frozen=True, slots=True)
class PublishResult:
    event: NostrEvent
    outcomes: tuple[PublishOutcome, ...]

    @property
    def accepted(self) -> list[str]:
        return [o.relay for o in self.outcomes if o.accepted]

    @property
    def summary(self) -> str:
        return f"sent to {len(self.accepted)} of {len(self.outcomes)} relays"

    @property
    def failures(self) -> dict[str, str]:
        return {o.relay: o.message or "rejected" for o in self.outcomes if not o.accepted}


class _Seen:
    """Bounded set of event ids (oldest forgotten first)."""

    def __init__(self, cap: int = SEEN_CAP) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._cap = cap

    def __contains__(self, eid: str) -> bool:
        return eid in self._ids

    def add(self, eid: str) -> bool:
        """Add; False when already there."""
        if eid in self._ids:
            return False
        self._ids[eid] = None
        if len(self._ids) > self._cap:
            self._ids.popitem(last=False)
        return True


@dataclass
class Subscription:
    """One logical subscription over several relays, de-duplicated by event id."""

    pool: RelayPool
    sub_id: str
    relays: list[Relay]
    collect: bool
    queue: asyncio.Queue[tuple[str, NostrEvent]] = field(
        default_factory=lambda: asyncio.Queue(STREAM_QUEUE)
    )
    events: list[NostrEvent] = field(default_factory=list)
    seen: _Seen = field(default_factory=_Seen)
    eose_events: list[asyncio.Event] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)  # event id → first relay it came from

    async def _deliver(self, url: str, ev: NostrEvent) -> None:
        if not self.seen.add(ev.id):
            return
        self.sources[ev.id] = url
        if self.collect:
            if len(self.events) < MAX_QUERY_EVENTS:
                self.events.append(ev)
        else:
            await self.queue.put((url, ev))  # bounded: a slow reader slows the sockets

    async def wait_eose(self, timeout: float) -> None:
        """Until every relay sent EOSE (or closed it, or is not connected), at most `timeout`."""

        async def one(relay: Relay, done: asyncio.Event) -> None:
            if relay.state is RelayState.RECONNECTING and not relay.connected:
                return  # known to be down: do not hold the answer for it
            if not await relay.wait_connected(timeout):
                return
            await done.wait()

        waits = [one(r, e) for r, e in zip(self.relays, self.eose_events, strict=True)]
        try:
            await asyncio.wait_for(asyncio.gather(*waits), timeout)
        except TimeoutError:
            pass

    def __aiter__(self) -> AsyncIterator[tuple[str, NostrEvent]]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[tuple[str, NostrEvent]]:
        while True:
            yield await self.queue.get()

    async def close(self) -> None:
        await asyncio.gather(*(r.unsubscribe(self.sub_id) for r in self.relays))


class RelayPool:
    """Relays by URL, at most `max_relays`; state changes go to `on_state(pool)`."""

    def __init__(
        self,
        signer: Keys | None = None,
        *,
        max_relays: int = 30,
        on_state: Callable[[RelayPool], None] | None = None,
        relay_options: Mapping[str, Any] | None = None,
    ) -> None:
        self.signer = signer
        self.max_relays = max_relays
        self.relays: dict[str, Relay] = {}
        self._on_state = on_state
        self._relay_options = dict(relay_options or {})

    def relay(self, url: str) -> Relay | None:
        """The relay for `url`, started on first use; None for a bad URL or past the cap."""
        try:
            url = normalize_url(url)
        except ValueError:
            return None
        existing = self.relays.get(url)
        if existing is not None:
            return existing
        if len(self.relays) >= self.max_relays:
            return None
        relay = Relay(url, signer=self.signer, on_state=self._relay_state, **self._relay_options)
        self.relays[url] = relay
        relay.start()
        return relay

    def _relay_state(self, _relay: Relay) -> None:
        if self._on_state is not None:
            self._on_state(self)

    async def connect(self, urls: Iterable[str], timeout: float = 5.0) -> int:
        """Start relays concurrently; return how many are connected within `timeout`."""
        relays = [r for r in (self.relay(u) for u in urls) if r is not None]
        results = await asyncio.gather(*(r.wait_connected(timeout) for r in relays))
        return sum(results)

    @property
    def connected_count(self) -> int:
        return sum(1 for r in self.relays.values() if r.state is RelayState.CONNECTED)

    @property
    def summary(self) -> str:
        return f"relays {self.connected_count}/{len(self.relays)}"

    async def close(self) -> None:
        await asyncio.gather(*(r.close() for r in self.relays.values()))
        self.relays.clear()

    # ----- reading ----------------------------------------------------------------------------
    async def subscribe(self, plan: Plan, *, collect: bool = False) -> Subscription:
        sub_id = f"m{next(_ids)}"
        relays = [r for r in (self.relay(u) for u in plan) if r is not None]
        sub = Subscription(self, sub_id, relays, collect)
        by_url = {normalize_url(u): f for u, f in plan.items() if f}
        sub.relays = [r for r in relays if r.url in by_url]
        for relay in sub.relays:
            eose = await relay.subscribe(
                sub_id, by_url[relay.url], sub._deliver, sub.seen.__contains__
            )
            sub.eose_events.append(eose)
        return sub

    async def query(self, plan: Plan, timeout: float = DEFAULT_QUERY_TIMEOUT) -> list[NostrEvent]:
        """Stored events answering the plan, verified, de-duplicated, newest replaceable kept,
        newest first."""
        sub = await self.subscribe(plan, collect=True)
        try:
            await sub.wait_eose(timeout)
        finally:
            await sub.close()
        return sorted(keep_newest(sub.events), key=lambda e: (-e.created_at, e.id))

    def everywhere(self, urls: Iterable[str], filters: Sequence[Filter]) -> dict[str, list[Filter]]:
        """A plan sending the same filters to each of `urls`."""
        return {u: list(filters) for u in urls}

    # ----- writing ----------------------------------------------------------------------------
    async def publish(
        self, ev: NostrEvent, urls: Iterable[str], timeout: float = 10.0
    ) -> PublishResult:
        relays = [r for r in (self.relay(u) for u in dict.fromkeys(urls)) if r is not None]
        outcomes = await asyncio.gather(*(r.publish(ev, timeout) for r in relays))
        return PublishResult(ev, tuple(outcomes))
