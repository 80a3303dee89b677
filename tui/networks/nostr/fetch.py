"""Reading from relays for the Nostr adapter: which relays to ask, paging, hydrating.

`RelayReading` is the part of `NostrNetwork` that turns "the notes of these people" or "this
filter" into events: NIP-65 outbox routing through the pool (around relays that are down),
paging past future-dated and muted events with `until`, the "no relay answered" rule, and
fetching what rendering needs (referenced events, counts, profiles). It uses the adapter's
relays, caps, relay lists and parse context, declared below.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace
from typing import Any

from tui.networks.base import NetworkError, Transient
from tui.networks.nostr import parse
from tui.networks.nostr.event import MAX_FUTURE_SECONDS, NostrEvent
from tui.networks.nostr.outbox import RELAY_LIST_KIND, RelayList, parse_relay_list
from tui.networks.nostr.pool import Fetched, Plan, RelayPool

QUERY_TIMEOUT = 6.0
# A page thinned out by muted authors or unshowable events asks the relays again for older
# events, at most this many times.
MAX_PAGE_ROUNDS = 10
# At most this many replies/reposts/likes are fetched to count a page's notes: a huge thread must
# not stall the page, so counts are lower bounds past it.
ENGAGEMENT_LIMIT = 1000

# One round of `_collect`: the relays' answer for events up to `until`.
Round = Callable[[int], Awaitable[Fetched]]


def _chunks(items: list[str], size: int = 200) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _newest(events: list[NostrEvent], limit: int) -> list[NostrEvent]:
    return sorted(events, key=lambda e: (-e.created_at, e.id))[:limit]


class RelayReading:
    """Mixed into NostrNetwork, which sets these in its constructor."""

    pubkey: str
    relays: list[str]
    per_author: int
    total: int
    relay_lists: dict[str, RelayList]
    ctx: parse.Context

    # Provided by NostrNetwork (and Network): the pool, the mute check, tagged errors.
    _need_pool: Callable[[], RelayPool]
    _visible: Callable[[NostrEvent], bool]
    error: Callable[..., NetworkError]

    @property
    def read_relays(self) -> list[str]:
        mine = self.relay_lists.get(self.pubkey, RelayList()).read
        return list(dict.fromkeys([*self.relays, *mine]))[: self.total]

    async def _query(
        self,
        urls: Iterable[str],
        filters: list[dict[str, Any]],
        timeout: float = QUERY_TIMEOUT,
        *,
        must_answer: bool = False,
        unchecked: Callable[[str], bool] | None = None,
    ) -> list[NostrEvent]:
        fetched = await self._fetch({u: filters for u in urls}, timeout, unchecked=unchecked)
        if must_answer:
            self._need_answer(fetched)
        return fetched.events

    async def _fetch(
        self,
        plan: Plan,
        timeout: float = QUERY_TIMEOUT,
        *,
        unchecked: Callable[[str], bool] | None = None,
    ) -> Fetched:
        """Stored events answering `plan` (verified, de-duplicated, newest first), and which
        relays answered; a relay of the plan the pool could not open counts as failed.
        `unchecked`: see RelaySub.unchecked."""
        fetched = await self._need_pool().fetch(plan, timeout, unchecked=unchecked)
        missing = [u for u, fs in plan.items() if fs and u not in fetched.failed]
        missing = [u for u in missing if u not in fetched.answered]
        if not missing:
            return fetched
        failed = {
            **fetched.failed,
            **dict.fromkeys(missing, "not opened: the relay cap is reached"),
        }
        return replace(fetched, failed=failed)

    def _need_answer(self, fetched: Fetched) -> None:
        """An answer nobody gave is a Transient naming each relay and what went wrong with it:
        an empty page must mean "nothing there", never "nobody asked"."""
        if fetched.failed and not fetched.answered:
            why = "; ".join(f"{url} ({reason})" for url, reason in fetched.failed.items())
            raise self.error(Transient, f"no relay answered: {why}")

    def _until(self, cursor: str | None) -> int:
        """The newest `created_at` to ask for: never beyond the allowed clock skew, so that
        notes dated in the future (dropped on arrival) cannot use up the relays' `limit`."""
        horizon = int(time.time()) + MAX_FUTURE_SECONDS
        if not cursor:
            return horizon
        try:
            return min(int(cursor), horizon)
        except ValueError:
            raise self.error(NetworkError, f"bad cursor {cursor!r}") from None

    def _by_plan(self, plan: Plan) -> Round:
        """One round of `_collect` over a fixed plan (tags, public, notifications)."""

        async def fetch(until: int) -> Fetched:
            return await self._fetch(
                {u: [{**f, "until": until} for f in fs] for u, fs in plan.items()}
            )

        return fetch

    async def _by_authors(
        self, authors: Iterable[str], base: dict[str, Any], *, track: bool = False
    ) -> Round:
        """One round of `_collect` reading `authors` from their own write relays (NIP-65), routed
        by the pool around relays that are down. `track`: these are the followed authors."""
        authors = sorted(set(authors))
        await self._load_relay_lists(authors)
        pool = self._need_pool()

        async def fetch(until: int) -> Fetched:
            fetched = await pool.fetch_authors(
                authors,
                self.relay_lists,
                self.read_relays,
                {**base, "until": until},
                per_author=self.per_author,
                total=self.total,
                timeout=QUERY_TIMEOUT,
                track=track,
            )
            # My own relays that were skipped in their penalty failed all the same.
            asked = {*fetched.answered, *fetched.failed}
            skipped = {
                url: relay.last_error or "down"
                for url in self.read_relays
                if url not in asked and (relay := pool.relays.get(url)) and relay.penalized
            }
            return replace(fetched, failed={**fetched.failed, **skipped}) if skipped else fetched

        return fetch

    async def _collect(
        self,
        fetch: Round,
        limit: int,
        until: int,
        keep: Callable[[NostrEvent], bool],
        *,
        followed: bool = False,
    ) -> tuple[list[NostrEvent], bool, tuple[str, ...]]:
        """Up to `limit` events that `keep` accepts, newest first, from `until` down, paging
        while muted or unshowable events thin the answer. Returns (events, more_may_exist,
        warnings); `fetch(until)` asks the relays for one round.

        Each relay answers each filter with its newest `limit` events, so everything newer than
        the `limit`-th newest event of the merged answer is complete; older ones are asked for
        again with `until` set there. When no relay answers the first round, that is a Transient;
        relays that failed while others answered, and (`followed`) followed authors no relay of
        theirs reached, are the page's warnings.
        """
        kept: list[NostrEvent] = []
        seen: set[str] = set()
        failures: dict[str, None] = {}  # "relay: why", once each
        lost: list[str] = []

        def warnings() -> tuple[str, ...]:
            return (*failures, *lost)

        for round_no in range(MAX_PAGE_ROUNDS):
            fetched = await fetch(until)
            if round_no == 0:
                self._need_answer(fetched)
                if followed and fetched.uncovered:
                    n = len(fetched.uncovered)
                    lost.append(f"{n} followed author{'s' if n != 1 else ''} not reached")
            if fetched.answered:
                failures.update(dict.fromkeys(f"{u}: {why}" for u, why in fetched.failed.items()))
            events = fetched.events
            full = len(events) >= limit
            horizon = events[limit - 1].created_at if full else None
            fresh = 0
            for ev in events:
                if horizon is not None and ev.created_at < horizon:
                    break
                if ev.id in seen:
                    continue
                seen.add(ev.id)
                fresh += 1
                if keep(ev):
                    kept.append(ev)
            if not full:
                return _newest(kept, limit), len(kept) > limit, warnings()
            if len(kept) >= limit:
                return _newest(kept, limit), True, warnings()
            assert horizon is not None
            # A second holding more than `limit` events would be asked for forever: step past it.
            until = horizon if fresh else horizon - 1
        return _newest(kept, limit), True, warnings()

    async def _load_relay_lists(self, pubkeys: Iterable[str]) -> None:
        missing = sorted({p for p in pubkeys if p not in self.relay_lists})
        for chunk in _chunks(missing):
            flt = {"authors": chunk, "kinds": [RELAY_LIST_KIND]}
            for ev in await self._query(self.read_relays, [flt]):
                self.relay_lists[ev.pubkey] = parse_relay_list(ev)
            for p in chunk:
                self.relay_lists.setdefault(p, RelayList())

    async def _load_profiles(self, pubkeys: Iterable[str]) -> None:
        missing = sorted({p for p in pubkeys if p not in self.ctx.profiles})
        for chunk in _chunks(missing):
            for ev in await self._query(self.read_relays, [{"authors": chunk, "kinds": [0]}]):
                prof = parse.parse_profile(ev)
                if prof is not None:
                    self.ctx.profiles[ev.pubkey] = prof

    async def _load_events(
        self, ids: Iterable[str], engagement_of: list[str] | None = None
    ) -> None:
        """Fetch events by id; with `engagement_of`, also my own likes and reposts of those notes
        (in the same request) and, in a second one made at the same time, everyone's replies,
        reposts, likes and votes to count (bounded, signatures unchecked: see `not_mine`)."""
        missing = sorted({i for i in ids if len(i) == 64 and i not in self.ctx.events})
        filters: list[dict[str, Any]] = [{"ids": chunk} for chunk in _chunks(missing)]
        counted: list[dict[str, Any]] = []  # events only counted: see `not_mine` below
        notes = list(dict.fromkeys(engagement_of or ()))
        for chunk in _chunks(notes):
            mine = {"kinds": [6, 7], "authors": [self.pubkey], "#e": chunk}
            until = int(time.time()) + MAX_FUTURE_SECONDS  # future-dated ones would crowd out
            filters.append({**mine, "limit": 3 * len(chunk) + 10, "until": until})
            counted.append(
                {"kinds": [1, 6, 7], "#e": chunk, "limit": ENGAGEMENT_LIMIT, "until": until}
            )
            polls = [i for i in chunk if getattr(self.ctx.events.get(i), "kind", 0) == 1068]
            if polls:  # NIP-88 responses, to count the votes
                counted.append({"kinds": [1018], "#e": polls, "limit": ENGAGEMENT_LIMIT})

        # Others' replies, reposts, likes and votes are only counted, and anyone can sign such
        # events with fresh keys: checking their signatures would be most of a page's cost and
        # protect no count. Mine are checked (they say what I liked, reposted, voted).
        def not_mine(pubkey: str) -> bool:
            return pubkey != self.pubkey

        async def query(wanted: list[dict[str, Any]], **options: Any) -> list[NostrEvent]:
            return await self._query(self.read_relays, wanted, **options) if wanted else []

        events, others = await asyncio.gather(query(filters), query(counted, unchecked=not_mine))
        wanted = set(missing)
        for ev in events:
            if ev.id in wanted:
                self.ctx.events[ev.id] = ev
        if notes:
            seen = [*events, *others]
            parse.tally(self.ctx, notes, [e for e in seen if self._visible(e)])

    async def _hydrate(self, events: list[NostrEvent], engagement: bool = False) -> None:
        """Fetch what rendering needs: reposted/quoted/parent events, then everyone's names.

        One request fetches the referenced events (plus, with `engagement`, counts and my own
        state for the notes shown); a second only when a repost or reaction brought in a note
        whose own parent or quote is unknown; then one for the profiles of everyone shown,
        replied to, tagged or mentioned.
        """
        for ev in events:
            self.ctx.events.setdefault(ev.id, ev)
        wanted: set[str] = set()
        for ev in events:
            wanted |= parse.references(ev)
        shown = [i for i in (parse.shown_id(ev) for ev in events) if i] if engagement else None
        await self._load_events(wanted, shown)
        # A repost without its note, or a reaction, shows a note only fetched just now.
        acted_on = [
            self.ctx.events[i]
            for ev in events
            if (ev.kind == 6 and parse.embedded_repost(ev) is None) or ev.kind == 7
            for i in parse.references(ev)
            if i in self.ctx.events
        ]
        second = {i for t in acted_on if t.kind == 1 for i in parse.references(t)}
        await self._load_events(second)
        known = [self.ctx.events[i] for i in wanted | second if i in self.ctx.events]
        people: set[str] = set()
        for ev in [*events, *known]:
            for e in (ev, parse.embedded_repost(ev) if ev.kind == 6 else None):
                if e is None:
                    continue
                people.add(e.pubkey)
                people.update(p for p in e.tag_values("p")[:20] if len(p) == 64)
                if e.kind == 1:
                    people.update(parse.mentioned_pubkeys(e.content))
                    parent_pk = parse.parent_pubkey(self.ctx, e, parse.thread_refs(e)[1])
                    if parent_pk:
                        people.add(parent_pk)
        await self._load_profiles(people)
