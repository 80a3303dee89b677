"""Nostr ingest: events verified and merged per second from a local relay.

Starts nostr-sdk's LocalRelay on 127.0.0.1, stores N signed notes, then measures how fast the
relay pool receives them (JSON parsing, id recomputation, BIP-340 verification, filter check,
cross-relay de-duplication) and merges them into one newest-first list. A second column times
verification alone on the same events (`verify_event`, one thread), and the ratio the issue sets
a goal for: ingest rate / (cores x that rate); then the cost per event of each step, to show where
the time goes (only the libsecp256k1 call runs outside the GIL, in parallel).

A second table times what one timeline page costs the user: `NostrNetwork.timeline()` for a page
of 40 notes from a fresh connection (notes, referenced events, counts and my own state in one
request, then names), as the notes gather more replies, reposts and likes, beside the time of the
counts-and-state lookup alone.

usage: python benchmarks/nostr_ingest.py [--runs 3] [--sizes 1000,10000,50000] [--reactions 0,10,50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import websockets
from nostr_sdk import LocalRelayBuilder, RateLimit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support import free_port

from tui.model import Account, FeedKind, FeedRef, NetworkKind
from tui.networks.nostr.fetch import ENGAGEMENT_LIMIT
from tui.networks.nostr.network import NostrNetwork
from tui.networks.nostr.event import NostrEvent, check_event, keep_newest, sign, verify_event
from tui.networks.nostr.keys import Keys
from tui.networks.nostr.pool import RelayPool
from tui.networks.nostr.relay import _acknowledge_at_once

AUTHORS = 50
WINDOW = 500  # events per filter: relays cap `limit`, so each filter asks for one time window


async def store(url: str, events: list[NostrEvent]) -> None:
    # One connection per 5,000: LocalRelay closes a connection after about 6,000 messages.
    for i in range(0, len(events), 5000):
        async with websockets.connect(url, max_size=None) as ws:
            for ev in events[i : i + 5000]:  # one at a time: pipelining many drops the connection
                await ws.send(json.dumps(["EVENT", ev.to_dict()], ensure_ascii=False))
                ok = json.loads(await ws.recv())
                assert ok[0] == "OK" and ok[2] is True, ok


async def seed(url: str, n: int) -> tuple[list[str], int]:
    authors = [Keys.generate() for _ in range(AUTHORS)]
    base = int(time.time()) - n - 10
    events = [
        sign(authors[i % AUTHORS], 1, f"note {i} — ünïcode ✓ #bench", [["t", "bench"]], base + i)
        for i in range(n)
    ]
    await store(url, events)
    return [k.public_hex for k in authors], base


def start_relay() -> tuple[object, str]:
    port = free_port()
    # The default write rate limit (60 notes a minute) would make seeding take hours.
    limit = RateLimit(max_reqs=100, notes_per_minute=10_000_000)
    builder = LocalRelayBuilder().addr("127.0.0.1").port(port).rate_limit(limit)
    return builder.max_filter_limit(WINDOW).build(), f"ws://127.0.0.1:{port}"


PAGE = 40


async def page_costs(reactions: int, runs: int) -> tuple[float, float, float, int]:
    """Median seconds for a cold timeline page, for its counts lookup alone and for the relay
    answering that lookup's counts filter to a bare socket; events counted."""
    relay, url = start_relay()
    await relay.run()
    try:
        me, author = Keys.generate(), Keys.generate()
        fans = [Keys.generate() for _ in range(10)]
        base = int(time.time()) - 10_000
        notes = [sign(author, 1, f"page note {i} #bench", [], base + i) for i in range(PAGE)]
        extra = []
        for i, note in enumerate(notes):
            for j in range(reactions):
                fan, when = fans[j % len(fans)], base + PAGE + i * reactions + j
                kind, content = [(7, "+"), (6, ""), (1, f"reply {j}")][j % 3]
                extra.append(sign(fan, kind, content, [["e", note.id, "", "root"]], when))
        await store(url, [*notes, *extra])
        account = Account("bench", NetworkKind.NOSTR, handle=me.npub, options={"relays": [url]})
        feed = FeedRef(FeedKind.USER, author.npub)
        pages, lookups, bare = [], [], []
        ids = [n.id for n in notes]
        for _ in range(runs):
            # The relay alone: the same counts filter over a bare socket, no parsing, no checks
            # (acknowledging at once, as Murmur's relay connections do).
            async with websockets.connect(url, max_size=None) as ws:
                _acknowledge_at_once(ws)
                start = time.perf_counter()
                flt = {"kinds": [1, 6, 7], "#e": ids, "limit": ENGAGEMENT_LIMIT}
                await ws.send(json.dumps(["REQ", "c", flt]))
                while (await ws.recv()).startswith('["EVENT"'):
                    pass
                bare.append(time.perf_counter() - start)
            net = NostrNetwork(account, {"nsec": me.nsec})
            await net.open()
            try:
                start = time.perf_counter()
                page = await net.timeline(feed, limit=PAGE)
                pages.append(time.perf_counter() - start)
                assert len(page.items) == PAGE
                start = time.perf_counter()
                await net._load_events((), [n.id for n in notes])
                lookups.append(time.perf_counter() - start)
            finally:
                await net.close()
        med = statistics.median
        return med(pages), med(lookups), med(bare), len(extra)
    finally:
        relay.shutdown()


async def ingest(url: str, authors: list[str], base: int, n: int) -> float:
    pool = RelayPool(relay_options={"want_info": False})
    try:
        await pool.connect([url])
        filters = [
            {
                "kinds": [1],
                "authors": authors,
                "since": base + s,
                "until": base + s + WINDOW - 1,
                "limit": WINDOW,
            }
            for s in range(0, n, WINDOW)
        ]
        start = time.perf_counter()
        # Several subscriptions of at most 10 filters each: relays cap filters per REQ.
        subs = [
            await pool.subscribe({url: filters[i : i + 10]}, collect=True)
            for i in range(0, len(filters), 10)
        ]
        got = []
        async with asyncio.timeout(120):
            for sub in subs:
                await sub.wait_eose(60)
                got.extend(sub.events)
        merged = sorted(keep_newest(got), key=lambda e: (-e.created_at, e.id))
        elapsed = time.perf_counter() - start
        assert len(merged) == n, (len(merged), n)
        for sub in subs:
            await sub.close()
        return elapsed
    finally:
        await pool.close()


def verify_only(raws: list[dict]) -> float:
    start = time.perf_counter()
    for raw in raws:
        verify_event(raw)
    return time.perf_counter() - start


def stages(frames: list[str], runs: int) -> dict[str, float]:
    """Median microseconds per event of each step of the ingest, one thread: JSON decode of the
    frame, every check but the signature (canonical form, sha256, model), the libsecp256k1 call
    (which alone runs outside the GIL)."""
    out: dict[str, list[float]] = {"decode": [], "checks": [], "signature": [], "threads": []}
    n = len(frames)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    for _ in range(runs):
        start = time.perf_counter()
        raws = [json.loads(f)[2] for f in frames]
        out["decode"].append(time.perf_counter() - start)
        start = time.perf_counter()
        sigs = [check_event(raw)[1] for raw in raws]
        out["checks"].append(time.perf_counter() - start)
        start = time.perf_counter()
        for sig in sigs:
            sig.valid()
        out["signature"].append(time.perf_counter() - start)
        # The same checks spread over one thread per core: what this machine gives right now.
        size = -(-n // cores)
        with ThreadPoolExecutor(cores) as pool:
            start = time.perf_counter()
            list(pool.map(lambda part: [c.valid() for c in part], batched(sigs, size)))
            out["threads"].append(time.perf_counter() - start)
    return {k: statistics.median(v) / n * 1e6 for k, v in out.items()}


def batched(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sizes", default="1000,10000,50000")
    ap.add_argument("--reactions", default="0,10,50", help="replies+reposts+likes per page note")
    args = ap.parse_args()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print("ingest = received from the relay, verified and merged; verify-only = `verify_event` on")
    print(f"parsed events, one thread; goal (issue 14): ingest ≥ 0.8 x {cores} cores x that rate")
    print()
    print("ceiling = the most the ratio can be with these costs per event, however many cores and")
    print("however well spread: the relay (here, on the same machine) and the frame's decoding are")
    print("spent on every event beside the verify-only work, so")
    print("ratio <= (checks + signature) / (frame+relay + decode + checks + signature).")
    print()
    print(
        f"{'events':>8} | {'ingest s':>9} | {'events/s':>9} | {'verify-only/s':>13} | "
        f"{'ratio':>5} | {'ceiling':>7} | per event µs: frame+relay, decode, checks, signature | "
        f"signatures on {cores} threads"
    )
    print("-" * 142)
    for n in (int(x) for x in args.sizes.split(",")):
        relay, url = start_relay()
        await relay.run()
        authors, base = await seed(url, n)
        async with websockets.connect(url, max_size=None) as ws:
            raws, frames = [], []
            cpu = time.process_time()
            for s in range(0, n, WINDOW):
                flt = {"since": base + s, "until": base + s + WINDOW - 1, "limit": WINDOW}
                await ws.send(json.dumps(["REQ", "v", flt]))
                while True:
                    frame = await ws.recv()
                    if not frame.startswith('["EVENT"'):
                        break
                    frames.append(frame)
            # Both ends of the socket in this process: the relay's work and the frames' reading.
            wire = (time.process_time() - cpu) / n * 1e6
            raws = [json.loads(f)[2] for f in frames]
        # Each ingest run right beside a verify-only run: a shared machine's load drifts.
        times, vtimes = [], []
        for _ in range(args.runs):
            times.append(await ingest(url, authors, base, n))
            vtimes.append(verify_only(raws))
        t, vt = statistics.median(times), statistics.median(vtimes)
        ratio = statistics.median(vt / (cores * t) for t, vt in zip(times, vtimes))
        st = stages(frames, args.runs)
        verify = st["checks"] + st["signature"]
        ceiling = verify / (wire + st["decode"] + verify)
        print(
            f"{n:>8} | {t:>9.3f} | {n / t:>9,.0f} | {n / vt:>13,.0f} | {ratio:>5.2f} | "
            f"{ceiling:>7.2f} | "
            f"{wire:>5.1f}, {st['decode']:.1f}, {st['checks']:.1f}, {st['signature']:.1f}"
            f"{'':>19} | {st['signature'] / st['threads']:.2f}x one thread"
        )
        relay.shutdown()
    print()
    print(f"timeline page of {PAGE} notes, cold; counts fetch at most {ENGAGEMENT_LIMIT:,} events")
    print(
        f"{'per note':>8} | {'stored':>7} | {'page ms':>8} | {'counts+mine ms':>14} | share | "
        "relay alone ms (bare socket, same counts filter)"
    )
    print("-" * 104)
    for r in (int(x) for x in args.reactions.split(",")):
        page, lookup, bare, stored = await page_costs(r, args.runs)
        print(
            f"{r:>8} | {stored:>7,} | {page * 1000:>8.1f} | {lookup * 1000:>14.1f} | "
            f"{lookup / page:>5.0%} | {bare * 1000:.1f}"
        )


if __name__ == "__main__":
    asyncio.run(main())
