"""NIP-65 outbox routing: read each author from their write relays, within hard caps.

Pure functions: given relay lists (and which relays are down), decide which relay to ask for which
authors (and where to publish). The caps bound how many connections following many people can
open; within them, relays are chosen to reach the most authors, and those left out are named.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from tui.networks.nostr.event import NostrEvent
from tui.networks.nostr.relay import normalize_url

RELAY_LIST_KIND = 10002
MAX_RELAYS_PER_LIST = 20  # ignore the tail of absurdly long lists


@dataclass(frozen=True, slots=True)
class RelayList:
    read: tuple[str, ...] = ()
    write: tuple[str, ...] = ()


def parse_relay_list(ev: NostrEvent) -> RelayList:
    """kind 10002 `r` tags: no marker means both read and write. Invalid URLs are skipped."""
    read: list[str] = []
    write: list[str] = []
    for tag in ev.tags:
        if len(tag) < 2 or tag[0] != "r":
            continue
        try:
            url = normalize_url(tag[1])
        except ValueError:
            continue
        marker = tag[2] if len(tag) > 2 else ""
        if marker in ("", "read") and url not in read:
            read.append(url)
        if marker in ("", "write") and url not in write:
            write.append(url)
    return RelayList(tuple(read[:MAX_RELAYS_PER_LIST]), tuple(write[:MAX_RELAYS_PER_LIST]))


@dataclass(frozen=True, slots=True)
class Routes:
    """Which relay to ask for which authors, and who is left out.

    `uncovered`: authors who publish a write-relay list none of whose relays is in the plan (the
    cap binds, or those relays are down); they are asked on the fallback relays, which seldom hold
    their notes. `unlisted`: authors with no usable relay list, asked on the fallback relays.
    """

    relays: dict[str, set[str]]
    uncovered: frozenset[str] = frozenset()
    unlisted: frozenset[str] = frozenset()


def plan_routes(
    authors: Iterable[str],
    relay_lists: Mapping[str, RelayList],
    fallback: Sequence[str],
    *,
    per_author: int = 2,
    total: int = 30,
    avoid: Collection[str] = (),
    prefer: Collection[str] = (),
    in_use: Sequence[str] = (),
    have: Mapping[str, Collection[str]] | None = None,
) -> Routes:
    """Choose relays to read `authors` from their write relays: greedy set cover.

    The fallback relays and `in_use` (connections already open) are chosen first and count
    against `total`. Then, while the cap allows, the relay that reaches the most authors not
    reached yet is added (ties: the one that gives the most authors a further route, up to
    `per_author`, then relays in `prefer` — connected ones —, then the name). Relays in `avoid`
    (down, in their penalty) are never chosen. Each author is then read from at most
    `per_author` chosen relays of their own list, besides the routes they already `have`.
    """
    authors = sorted(set(authors))
    have = have or {}
    avoid = set(avoid)
    prefer = set(prefer)
    chosen: list[str] = list(dict.fromkeys([*fallback, *in_use]))[: max(total, 0)]
    chosen_set = set(chosen)
    need: dict[str, int] = {}
    cands: dict[str, list[str]] = {}
    unlisted: set[str] = set()
    for a in authors:
        write = relay_lists.get(a, RelayList()).write
        if not write:
            unlisted.add(a)
            continue
        had = set(have.get(a, ()))
        cands[a] = [u for u in write if u not in avoid and u not in had]
        need[a] = per_author - len(had)
    reach: dict[str, list[str]] = {}  # relay → authors who list it
    for a, urls in cands.items():
        for u in urls:
            reach.setdefault(u, []).append(a)
    cover: dict[str, int] = {
        a: sum(1 for u in urls if u in chosen_set) for a, urls in cands.items() if need[a] > 0
    }
    while len(chosen) < total:
        best: tuple[int, int, bool, str] | None = None
        for u, who in reach.items():
            if u in chosen_set:
                continue
            new = sum(1 for a in who if cover.get(a) == 0)
            more = sum(1 for a in who if 0 <= cover.get(a, need[a]) < need[a])
            if more == 0:
                continue
            key = (new, more, u in prefer, u)
            if best is None or key[:3] > best[:3] or (key[:3] == best[:3] and u < best[3]):
                best = key
        if best is None:
            break
        u = best[3]
        chosen.append(u)
        chosen_set.add(u)
        for a in reach[u]:
            if a in cover:
                cover[a] += 1
    load = {u: len(reach.get(u, ())) for u in chosen}
    plan: dict[str, set[str]] = {}
    uncovered: set[str] = set()
    spare = [u for u in dict.fromkeys(fallback) if u not in avoid] or list(dict.fromkeys(fallback))
    for a in authors:
        if a in unlisted:
            for url in spare[: per_author or 1]:
                plan.setdefault(url, set()).add(a)
            continue
        if need[a] <= 0:
            continue
        mine = [u for u in cands[a] if u in chosen_set]
        mine.sort(key=lambda u: (u not in prefer, -load[u], u))
        if not mine and not have.get(a):
            uncovered.add(a)
            mine = spare[: per_author or 1]
        for url in mine[: need[a]]:
            plan.setdefault(url, set()).add(a)
    return Routes(plan, frozenset(uncovered), frozenset(unlisted))


def publish_targets(
    own: RelayList,
    fallback: Sequence[str],
    mentioned: Iterable[str],
    relay_lists: Mapping[str, RelayList],
    *,
    per_author: int = 2,
    total: int = 30,
) -> list[str]:
    """Own write relays (or the configured ones) plus the read relays of those mentioned."""
    targets: list[str] = list(dict.fromkeys(own.write or tuple(fallback)))[:total]
    for pubkey in mentioned:
        for url in relay_lists.get(pubkey, RelayList()).read[:per_author]:
            if len(targets) >= total:
                return targets
            if url not in targets:
                targets.append(url)
    return targets
