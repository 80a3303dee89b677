"""Many relays at once: connect concurrently, de-duplicate across relays, publish with results.

Reading people follows NIP-65 (`fetch_authors`, `subscribe_authors`): each author is read from
their own write relays, chosen to reach the most authors within the relay cap, skipping relays in
their penalty (down after a failure; the penalty grows while they keep failing). When a chosen
relay fails, its authors are re-routed to their other write relays. The pool says which relays are
down and how many followed authors no relay reaches (`summary`, `down_relays`, `coverage`), and
`reconnect_now` ends every penalty at once.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from urllib.parse import urlsplit

from tui import errorlog, text
from tui.networks.nostr.event import NostrEvent, keep_newest
from tui.networks.nostr.keys import Keys
from tui.networks.nostr.outbox import RelayList, Routes, plan_routes
from tui.networks.nostr.relay import (
    Filter,
    PublishOutcome,
    Relay,
    RelayState,
    RelaySub,
    normalize_url,
)

DEFAULT_QUERY_TIMEOUT = 6.0
MAX_QUERY_EVENTS = 10_000
STREAM_QUEUE = 1_000
SEEN_CAP = 200_000

DOWN_NAMES_SHOWN = 2  # relays named in `summary`; the rest are counted

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


@dataclass(frozen=True, slots=True)
class Fetched:
    """What a fetch found and who answered: `answered` relays sent EOSE; `failed` says why each
    other relay did not (down, closed the request, or no answer in time). `uncovered`: for
    `fetch_authors`, authors none of whose own write relays was asked and did not fail."""

    events: list[NostrEvent]
    answered: tuple[str, ...] = ()
    failed: Mapping[str, str] = field(default_factory=dict)
    uncovered: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Coverage:
    """How well the followed authors are reached: `uncovered` publish write relays that no chosen
    relay reaches (cap, or all down); `unlisted` publish no relay list."""

    authors: int = 0
    uncovered: frozenset[str] = frozenset()
    unlisted: frozenset[str] = frozenset()


@dataclass
class _Part:
    relay: Relay
    sub_id: str
    rsub: RelaySub
    authors: frozenset[str] = frozenset()


@dataclass
class _Router:
    """What re-routing a subscription's authors needs."""

    relay_lists: Mapping[str, RelayList]
    fallback: list[str]
    base: dict[str, Any]
    per_author: int
    total: int
    track: bool
    assigned: dict[str, set[str]] = field(default_factory=dict)  # author → relays asked
    failed: set[str] = field(default_factory=set)  # relays that failed this subscription
    listed: set[str] = field(default_factory=set)  # authors with a write-relay list
    unlisted: frozenset[str] = frozenset()


@dataclass(eq=False)
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
    parts: list[_Part] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)  # event id → first relay it came from
    router: _Router | None = None
    closed: bool = False
    outcomes: dict[str, str] = field(default_factory=dict)  # relay → "" answered, or why not
    unchecked: Callable[[str], bool] | None = None  # see RelaySub.unchecked
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def _deliver(self, url: str, ev: NostrEvent) -> None:
        if not self.seen.add(ev.id):
            return
        self.sources[ev.id] = url
        if self.collect:
            if len(self.events) < MAX_QUERY_EVENTS:
                self.events.append(ev)
        else:
            await self.queue.put((url, ev))  # bounded: a slow reader slows the sockets

    async def _add(self, relay: Relay, filters: Sequence[Filter], authors: Iterable[str]) -> None:
        sub_id = self.sub_id if not self.parts else f"{self.sub_id}.{len(self.parts)}"
        rsub = await relay.subscribe(
            sub_id, filters, self._deliver, self.seen.__contains__, self.unchecked
        )
        self.parts.append(_Part(relay, sub_id, rsub, frozenset(authors)))
        if relay not in self.relays:
            self.relays.append(relay)

    @property
    def eose_events(self) -> list[asyncio.Event]:
        return [p.rsub.eose for p in self.parts]

    async def wait_eose(self, timeout: float) -> None:
        """Until every relay answered (EOSE or CLOSED) or is known to be down — a refused relay
        at once —, at most `timeout`. Authors of relays that fail are re-routed meanwhile."""
        deadline = time.monotonic() + timeout
        waiting: dict[asyncio.Task[bool], _Part] = {}
        started = 0
        try:
            while True:
                for part in self.parts[started:]:  # re-routing adds parts while we wait
                    left = deadline - time.monotonic()
                    waiting[asyncio.ensure_future(part.relay.wait_answer(part.rsub, left))] = part
                started = len(self.parts)
                left = deadline - time.monotonic()
                if not waiting or left <= 0:
                    break
                done, _ = await asyncio.wait(
                    waiting, timeout=left, return_when=asyncio.FIRST_COMPLETED
                )
                failed = [url for t in done if (url := self._outcome(waiting.pop(t), t.result()))]
                if failed and self.router is not None:
                    await self._reroute(failed)
        finally:
            for task, part in waiting.items():
                task.cancel()
                self.outcomes.setdefault(part.relay.url, "no answer in time")

    def _outcome(self, part: _Part, answered: bool) -> str | None:
        """Note how `part` ended; the relay's URL when it failed."""
        url = part.relay.url
        if answered and not part.rsub.closed_reason:
            self.outcomes[url] = ""
            return None
        if part.rsub.closed_reason:
            why = f"closed: {part.rsub.closed_reason}"
        else:
            why = part.relay.last_error or "down"
        self.outcomes.setdefault(url, why)
        return url

    def fetched(self) -> Fetched:
        return Fetched(
            _newest_first(self.events),
            tuple(u for u, why in self.outcomes.items() if not why),
            {u: why for u, why in self.outcomes.items() if why},
            self.uncovered({u for u, why in self.outcomes.items() if why}),
        )

    # ----- outbox re-routing ------------------------------------------------------------------
    def _relay_changed(self, relay: Relay) -> None:
        """A relay of a live author subscription changed state: re-route when it went down."""
        if self.closed or self.router is None:
            return
        if relay.connected and relay.url in self.router.failed:
            self.router.failed.discard(relay.url)  # back: its part was re-sent on reconnect
            self.pool._record(self)
            return
        if not relay.penalized:
            return
        if relay.url in self.router.failed or all(p.relay is not relay for p in self.parts):
            return
        task = asyncio.get_running_loop().create_task(self._reroute_logged([relay.url]))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _reroute_logged(self, urls: list[str]) -> None:
        try:
            await self._reroute(urls)
        except Exception as exc:  # noqa: BLE001 - runs in its own task: log, the stream goes on
            errorlog.log_exception(exc, doing="re-routing authors away from a failed relay")

    async def _reroute(self, urls: Iterable[str]) -> None:
        """Ask the authors read on the failed `urls` on their other write relays."""
        router = self.router
        if router is None or self.closed:
            return
        urls = list(urls)
        while urls:  # again while relays chosen instead cannot be opened (bounded: each fails once)
            router.failed.update(urls)
            lost = {a for a, asked in router.assigned.items() if asked & set(urls)}
            if not lost:
                break
            routes = self.pool._plan(
                lost,
                router,
                avoid=router.failed,
                in_use=[p.relay.url for p in self.parts if p.relay.url not in router.failed],
                have={a: self._live_routes(a) for a in lost},
                with_fallback=False,
            )
            urls = [u for u in await self._start(routes.relays) if u not in router.failed]
        self.pool._record(self)

    async def _start(self, routes: Mapping[str, set[str]]) -> list[str]:
        """Ask each relay for its authors; returns the relays that could not be opened."""
        router = self.router
        assert router is not None
        unopened = []
        for url, who in routes.items():
            relay = self.pool.relay(url)
            for a in who:
                router.assigned.setdefault(a, set()).add(url)
            if relay is None:  # past the pool's cap, or not a relay URL
                self.outcomes.setdefault(url, "not opened: the relay cap is reached")
                unopened.append(url)
                continue
            await self._add(relay, [{**router.base, "authors": sorted(who)}], who)
        return unopened

    def _live_routes(self, author: str, failed: Iterable[str] = ()) -> set[str]:
        """The author's own write relays asked for them that have not failed."""
        router = self.router
        assert router is not None
        write = set(router.relay_lists.get(author, RelayList()).write)
        return (router.assigned.get(author, set()) & write) - router.failed - set(failed)

    def uncovered(self, failed: Iterable[str] = ()) -> frozenset[str]:
        """Listed authors none of whose own write relays is asked and has not failed (nor is
        in `failed`)."""
        router = self.router
        if router is None:
            return frozenset()
        failed = set(failed)
        return frozenset(a for a in router.listed if not self._live_routes(a, failed))

    def __aiter__(self) -> AsyncIterator[tuple[str, NostrEvent]]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[tuple[str, NostrEvent]]:
        while True:
            yield await self.queue.get()

    async def close(self) -> None:
        self.closed = True
        self.pool._routed.discard(self)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*(p.relay.unsubscribe(p.sub_id) for p in self.parts))


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
        self.coverage = Coverage()  # of the followed authors: see `subscribe_authors(track=True)`
        self._on_state = on_state
        self._relay_options = dict(relay_options or {})
        self._routed: set[Subscription] = set()

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

    def _relay_state(self, relay: Relay) -> None:
        for sub in list(self._routed):
            sub._relay_changed(relay)
        self._notify()

    def _notify(self) -> None:
        if self._on_state is not None:
            self._on_state(self)

    async def connect(self, urls: Iterable[str], timeout: float = 5.0) -> int:
        """Start relays concurrently; return how many are connected within `timeout` (a refused
        relay is counted out at once, not waited for)."""
        relays = [r for r in (self.relay(u) for u in urls) if r is not None]
        results = await asyncio.gather(*(r.wait_ready(timeout) for r in relays))
        return sum(results)

    # ----- health -----------------------------------------------------------------------------
    @property
    def connected_count(self) -> int:
        return sum(1 for r in self.relays.values() if r.state is RelayState.CONNECTED)

    def down_relays(self) -> list[str]:
        """URLs of relays that failed and are not back: in their penalty, or trying again."""
        return [u for u, r in self.relays.items() if r.down]

    def penalized(self) -> set[str]:
        """Relays in the penalty box: not routed to until their penalty ends."""
        return {u for u, r in self.relays.items() if r.penalized}

    def reconnect_now(self) -> int:
        """End every penalty: relays that are down try again at once. Returns how many."""
        return sum(r.reconnect_now() for r in self.relays.values())

    @property
    def summary(self) -> str:
        """For the status bar: `relays 6/11 · down: a.example, b.example +3 · 5 authors not
        reached`; just `relays n/m` when all is well."""
        parts = [f"relays {self.connected_count}/{len(self.relays)}"]
        down = self.down_relays()
        if down:
            names = [_short(u) for u in down[:DOWN_NAMES_SHOWN]]
            more = f" +{len(down) - DOWN_NAMES_SHOWN}" if len(down) > DOWN_NAMES_SHOWN else ""
            parts.append(f"down: {', '.join(names)}{more}")
        lost = len(self.coverage.uncovered)
        if lost:
            parts.append(f"{lost} author{'s' if lost != 1 else ''} not reached")
        return " · ".join(parts)

    async def close(self) -> None:
        for sub in list(self._routed):
            sub.closed = True
            for task in sub._tasks:
                task.cancel()
        self._routed.clear()
        await asyncio.gather(*(r.close() for r in self.relays.values()))
        self.relays.clear()

    # ----- reading ----------------------------------------------------------------------------
    async def subscribe(
        self,
        plan: Plan,
        *,
        collect: bool = False,
        unchecked: Callable[[str], bool] | None = None,
    ) -> Subscription:
        """Events answering the plan from its relays; `unchecked`: see RelaySub.unchecked."""
        sub = Subscription(self, f"m{next(_ids)}", [], collect, unchecked=unchecked)
        for url, filters in plan.items():
            relay = self.relay(url) if filters else None
            if relay is not None and relay not in sub.relays:
                await sub._add(relay, filters, ())
        return sub

    async def query(self, plan: Plan, timeout: float = DEFAULT_QUERY_TIMEOUT) -> list[NostrEvent]:
        """Stored events answering the plan, verified, de-duplicated, newest replaceable kept,
        newest first. Relays that are down are not waited for."""
        return (await self.fetch(plan, timeout)).events

    async def fetch(
        self,
        plan: Plan,
        timeout: float = DEFAULT_QUERY_TIMEOUT,
        *,
        unchecked: Callable[[str], bool] | None = None,
    ) -> Fetched:
        """`query`, also saying which relays answered and why the others did not."""
        sub = await self.subscribe(plan, collect=True, unchecked=unchecked)
        try:
            await sub.wait_eose(timeout)
        finally:
            await sub.close()
        return sub.fetched()

    def everywhere(self, urls: Iterable[str], filters: Sequence[Filter]) -> dict[str, list[Filter]]:
        """A plan sending the same filters to each of `urls`."""
        return {u: list(filters) for u in urls}

    # ----- reading people: NIP-65 outbox routing ----------------------------------------------
    def _plan(
        self,
        authors: Iterable[str],
        router: _Router,
        *,
        avoid: Iterable[str] = (),
        in_use: Sequence[str] = (),
        have: Mapping[str, Iterable[str]] | None = None,
        with_fallback: bool = True,
    ) -> Routes:
        connected = {u for u, r in self.relays.items() if r.connected}
        return plan_routes(
            authors,
            router.relay_lists,
            router.fallback if with_fallback else [],
            per_author=router.per_author,
            total=router.total,
            avoid={*self.penalized(), *avoid},
            prefer=connected,
            in_use=in_use,
            have={a: set(v) for a, v in (have or {}).items()},
        )

    async def subscribe_authors(
        self,
        authors: Iterable[str],
        relay_lists: Mapping[str, RelayList],
        fallback: Sequence[str],
        base: Filter,
        *,
        per_author: int = 2,
        total: int = 30,
        collect: bool = False,
        track: bool = False,
    ) -> Subscription:
        """Subscribe to `base` (without `authors`) for each author, on their write relays.

        Relays in their penalty are not chosen; whenever a chosen relay fails, its authors are
        asked on their other write relays. With `track` (the followed authors), `coverage` and
        `summary` say how many of them no relay reaches.
        """
        authors = sorted(set(authors))
        router = _Router(
            relay_lists, list(dict.fromkeys(fallback)), dict(base), per_author, total, track
        )
        routes = self._plan(authors, router)
        router.unlisted = routes.unlisted
        router.listed = {a for a in authors if a not in routes.unlisted}
        sub = Subscription(self, f"m{next(_ids)}", [], collect, router=router)
        failed = await sub._start(routes.relays)
        failed += [p.relay.url for p in sub.parts if p.relay.penalized]
        if failed:
            await sub._reroute(failed)
        if not collect:
            self._routed.add(sub)
        self._record(sub)
        return sub

    async def fetch_authors(
        self,
        authors: Iterable[str],
        relay_lists: Mapping[str, RelayList],
        fallback: Sequence[str],
        base: Filter,
        *,
        per_author: int = 2,
        total: int = 30,
        timeout: float = DEFAULT_QUERY_TIMEOUT,
        track: bool = False,
    ) -> Fetched:
        """Stored events of `base` by `authors`, read from each author's own write relays (see
        `subscribe_authors`) and re-routed while relays fail, newest first; with who answered,
        who failed and which authors no relay of theirs reached."""
        sub = await self.subscribe_authors(
            authors,
            relay_lists,
            fallback,
            base,
            per_author=per_author,
            total=total,
            collect=True,
            track=track,
        )
        try:
            await sub.wait_eose(timeout)
        finally:
            await sub.close()
        self._record(sub)
        return sub.fetched()

    def _record(self, sub: Subscription) -> None:
        router = sub.router
        if router is None or not router.track:
            return
        # A fetch also counts relays that never answered; a live subscription waits for them.
        failed = {u for u, why in sub.outcomes.items() if why} if sub.collect else set()
        coverage = Coverage(
            len(router.listed) + len(router.unlisted), sub.uncovered(failed), router.unlisted
        )
        if coverage != self.coverage:
            self.coverage = coverage
            self._notify()

    # ----- writing ----------------------------------------------------------------------------
    async def publish(
        self, ev: NostrEvent, urls: Iterable[str], timeout: float = 10.0
    ) -> PublishResult:
        relays = [r for r in (self.relay(u) for u in dict.fromkeys(urls)) if r is not None]
        outcomes = await asyncio.gather(*(r.publish(ev, timeout) for r in relays))
        return PublishResult(ev, tuple(outcomes))


def _newest_first(events: Iterable[NostrEvent]) -> list[NostrEvent]:
    return sorted(keep_newest(list(events)), key=lambda e: (-e.created_at, e.id))


def _short(url: str) -> str:
    """A relay's host (and port) for the status bar; relay URLs come from others' lists."""
    parts = urlsplit(url)
    return text.clean_line(parts.netloc + parts.path, 40)
