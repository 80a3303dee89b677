"""Export a Nostr account: every event it signed, as the relays hold them, from all its relays.

Each relay (the configured ones and the read and write relays of my NIP-65 list) is paged back
to the start with `until`, on its own, so that a relay holding older events than the others
gives them too. Events are verified on arrival (id and signature) and written unchanged: the
seven NIP-01 fields, ids and signatures intact, once each whichever relays had them.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from tui.export.base import ExportContext, JsonlWriter, dumps, read_jsonl, write_posts, write_text
from tui.model import Post
from tui.networks.base import Transient

if TYPE_CHECKING:
    from tui.networks.nostr.event import NostrEvent
    from tui.networks.nostr.network import NostrNetwork

PAGE = 500
SWEEP = 5000  # events asked for when one second holds a whole page
PAGE_TIMEOUT = 15.0
FOLLOW_KIND, MUTE_KIND, RELAY_LIST_KIND = 3, 10000, 10002

LISTS = {
    FOLLOW_KIND: (
        "follow_list.json",
        "whom you follow: your signed kind-3 event; any Nostr client can publish it again",
    ),
    RELAY_LIST_KIND: (
        "relay_list.json",
        "your relays (NIP-65): your signed kind-10002 event",
    ),
    MUTE_KIND: (
        "mute_list.json",
        "whom you mute (NIP-51): your signed kind-10000 event (private entries stay encrypted)",
    ),
}


def my_relays(network: NostrNetwork) -> list[str]:
    """The configured relays, then the read and write relays of my own relay list."""
    from tui.networks.nostr.outbox import RelayList

    mine = network.relay_lists.get(network.pubkey, RelayList())
    return list(dict.fromkeys([*network.relays, *mine.read, *mine.write]))


async def _page_relay(network: NostrNetwork, url: str, out: JsonlWriter, report: Any) -> str | None:
    """Write every event of mine `url` holds; None when it answered every page, else why not."""
    from tui.networks.nostr.event import MAX_FUTURE_SECONDS

    pool = network._need_pool()
    relay = pool.relay(url)
    if relay is None:
        return "not opened: the relay cap is reached"
    limit = min(PAGE, relay.info.max_limit or PAGE)
    until = int(time.time()) + MAX_FUTURE_SECONDS
    here: set[str] = set()
    sweep = max(limit, min(SWEEP, relay.info.max_limit or SWEEP))
    while until >= 0:
        flt = {"authors": [network.pubkey], "until": until, "limit": limit}
        fetched = await pool.fetch({url: [flt]}, PAGE_TIMEOUT)
        if url not in fetched.answered:
            return fetched.failed.get(url) or "no answer"
        events = [e for e in fetched.events if e.pubkey == network.pubkey]
        if not events:
            return None
        fresh = [e for e in events if e.id not in here]
        oldest = min(e.created_at for e in events)
        if not fresh and len(events) >= limit:
            # One second holds a whole page: ask for that second alone, as much as allowed.
            flt = {"authors": [network.pubkey], "since": oldest, "until": oldest, "limit": sweep}
            fetched = await pool.fetch({url: [flt]}, PAGE_TIMEOUT)
            if url not in fetched.answered:
                return fetched.failed.get(url) or "no answer"
            fresh = [e for e in fetched.events if e.pubkey == network.pubkey and e.id not in here]
        for ev in fresh:
            here.add(ev.id)
            out.add(ev.to_dict())
        out.flush()
        report(url, len(here))
        # `until` is inclusive: events of the oldest second come again (and are skipped); a
        # page with nothing new steps past that second.
        until = oldest if fresh else oldest - 1
    return None


def _events(ctx: ExportContext) -> list[NostrEvent]:
    """The events written so far (this run and, resumed, the earlier one), verified again."""
    from tui.networks.nostr.event import InvalidEvent, verify_event

    found = []
    for raw in read_jsonl(ctx.dest / "events.jsonl"):
        try:
            found.append(verify_event(raw, check_future=False))
        except InvalidEvent:
            continue
    return found


async def export(network: NostrNetwork, ctx: ExportContext) -> None:
    relays = my_relays(network)
    counts: dict[str, int] = {}

    def report(url: str, n: int) -> None:
        counts[url] = n
        ctx.progress(f"events: {url}: {n} · {len(counts)} of {len(relays)} relays")

    with ctx.jsonl("events.jsonl") as out:
        reasons = await asyncio.gather(*(_page_relay(network, u, out, report) for u in relays))
    failed = {u: why for u, why in zip(relays, reasons) if why is not None}
    if relays and len(failed) == len(relays):
        why = "; ".join(f"{u} ({r})" for u, r in failed.items())
        raise network.error(Transient, f"no relay answered: {why}")
    for url, why in failed.items():
        ctx.progress(f"warning: {url} did not give all its events ({why})")
    what = (
        "every event you signed, exactly as your relays hold them (ids and signatures intact: "
        "anyone can verify them, any relay accepts them again), one JSON object a line"
    )
    if failed:
        missing = ", ".join(f"{u} ({why})" for u, why in failed.items())
        what += f"; not all read from: {missing} (--resume tries them again)"
    ctx.files["events.jsonl"] = what
    events = _events(ctx)
    for kind, (name, what) in LISTS.items():
        newest = max(
            (e for e in events if e.kind == kind), key=lambda e: (e.created_at, e.id), default=None
        )
        if newest is not None:
            write_text(ctx.dest / name, dumps(newest.to_dict()) + "\n")
            ctx.files[name] = what
    from tui.networks.nostr import parse

    posts = []
    for ev in events:
        if ev.kind == 1:
            post = parse.to_post(network.ctx, ev)
            if isinstance(post, Post):
                posts.append(post)
    count = write_posts(
        ctx, posts, "your own notes and replies (kind 1), oldest first (Murmur's JSON)"
    )
    ctx.progress(f"posts: {count} written · events: {len(events)} from {len(relays)} relays")
