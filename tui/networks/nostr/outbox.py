"""NIP-65 outbox routing: read each author from their write relays, within hard caps.

Pure functions: given relay lists, decide which relay to ask for which authors (and where to
publish). The caps bound how many connections following many people can open.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
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


def route_authors(
    authors: Iterable[str],
    relay_lists: Mapping[str, RelayList],
    fallback: Sequence[str],
    *,
    per_author: int = 2,
    total: int = 30,
) -> dict[str, set[str]]:
    """Map relay URL → authors to ask it for.

    Each author is read from at most `per_author` of their write relays, preferring relays many
    authors share so that fewer connections serve everyone; never more than `total` relays in all
    (the fallback relays count). Authors with no usable relay are asked on the fallback relays.
    """
    authors = sorted(set(authors))
    chosen: list[str] = list(dict.fromkeys(fallback))[:total]
    popularity: dict[str, int] = {}
    for a in authors:
        for url in relay_lists.get(a, RelayList()).write:
            popularity[url] = popularity.get(url, 0) + 1
    plan: dict[str, set[str]] = {}
    for a in authors:
        candidates = sorted(
            relay_lists.get(a, RelayList()).write,
            key=lambda u: (u not in chosen, -popularity[u], u),
        )
        picked: list[str] = []
        for url in candidates:
            if len(picked) >= per_author:
                break
            if url not in chosen:
                if len(chosen) >= total:
                    continue
                chosen.append(url)
            picked.append(url)
        for url in picked or list(dict.fromkeys(fallback))[: per_author or 1]:
            plan.setdefault(url, set()).add(a)
    return plan


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
