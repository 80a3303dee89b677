"""Nostr lists: NIP-51 follow sets (kind 30000), one parameterized replaceable event per list.

A set is named by its `d` tag (the list's id, `list:ID`), titled by its `title` tag, and holds
its people as `p` tags. Deleting one replaces it with an empty set (only its `d` tag), which
readers here skip, and asks relays to forget it (NIP-09 deletion naming its `a` coordinate).
"""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING

from tui.model import Author, UserList
from tui.networks.base import NotFound
from tui.networks.nostr import parse
from tui.networks.nostr.event import NostrEvent, sign
from tui.networks.nostr.outbox import RelayList
from tui.text import clean_line

if TYPE_CHECKING:
    from tui.networks.nostr.network import NostrNetwork

FOLLOW_SET_KIND = 30000
DELETION_KIND = 5
MAX_SETS = 200


def _tag(ev: NostrEvent, name: str) -> str | None:
    for t in ev.tags:
        if len(t) > 1 and t[0] == name:
            return t[1]
    return None


def _members(ev: NostrEvent) -> list[str]:
    keys = [t[1] for t in ev.tags if len(t) > 1 and t[0] == "p" and _is_key(t[1])]
    return list(dict.fromkeys(keys))


def _is_key(value: str) -> bool:
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def _alive(ev: NostrEvent) -> bool:
    """A set that was deleted here is left with its `d` tag alone."""
    return any(t and t[0] != "d" for t in ev.tags)


def _user_list(net: NostrNetwork, ev: NostrEvent) -> UserList:
    d = _tag(ev, "d") or ""
    title = clean_line(_tag(ev, "title") or _tag(ev, "name") or d, max_len=200)
    return UserList(net.kind, net.account.name, d, title, len(_members(ev)))


def _urls(net: NostrNetwork) -> list[str]:
    own = net.relay_lists.get(net.pubkey, RelayList())
    return list(dict.fromkeys([*net.read_relays, *own.write]))


async def _sets(net: NostrNetwork, d: str | None = None) -> dict[str, NostrEvent]:
    """The newest follow set of mine per `d` tag (one `d` when given), deleted ones included.

    Raises when no relay answered: a set rewritten unheard would lose its people."""
    flt: dict[str, object] = {"authors": [net.pubkey], "kinds": [FOLLOW_SET_KIND]}
    if d is not None:
        flt["#d"] = [d]
    else:
        flt["limit"] = MAX_SETS
    newest: dict[str, NostrEvent] = {}
    for ev in await net._query(_urls(net), [flt], must_answer=True):
        key = _tag(ev, "d")
        if ev.kind != FOLLOW_SET_KIND or ev.pubkey != net.pubkey or key is None:
            continue
        if d is not None and key != d:
            continue
        seen = newest.get(key)
        if seen is None or (ev.created_at, ev.id) > (seen.created_at, seen.id):
            newest[key] = ev
    return newest


async def _one(net: NostrNetwork, list_id: str) -> NostrEvent:
    ev = (await _sets(net, list_id)).get(list_id)
    if ev is None or not _alive(ev):
        raise net.error(NotFound, f"no list {list_id!r} on your relays")
    return ev


async def _publish(
    net: NostrNetwork, tags: list[list[str]], content: str = "", after: NostrEvent | None = None
) -> NostrEvent:
    created = int(time.time())
    if after is not None and created <= after.created_at:
        created = after.created_at + 1  # must be newer to replace it
    ev = sign(net._need_keys(), FOLLOW_SET_KIND, content, tags, created)
    await net._send(ev)
    return ev


async def lists(net: NostrNetwork) -> list[UserList]:
    found = [ev for ev in (await _sets(net)).values() if _alive(ev)]
    found.sort(key=lambda ev: (-ev.created_at, ev.id))
    return [_user_list(net, ev) for ev in found]


async def create_list(net: NostrNetwork, title: str) -> UserList:
    net._need_keys()
    d = secrets.token_hex(6)
    ev = await _publish(net, [["d", d], ["title", title]])
    return _user_list(net, ev)


async def rename_list(net: NostrNetwork, list_id: str, title: str) -> UserList:
    old = await _one(net, list_id)
    tags = [list(t) for t in old.tags if not (t and t[0] == "title")]
    tags.insert(1, ["title", title])
    return _user_list(net, await _publish(net, tags, old.content, old))


async def delete_list(net: NostrNetwork, list_id: str) -> None:
    old = await _one(net, list_id)
    await _publish(net, [["d", list_id]], "", old)
    coordinate = f"{FOLLOW_SET_KIND}:{net.pubkey}:{list_id}"
    tags = [["a", coordinate], ["k", str(FOLLOW_SET_KIND)]]
    await net._send(sign(net._need_keys(), DELETION_KIND, "", tags))


async def member_keys(net: NostrNetwork, list_id: str) -> list[str]:
    return _members(await _one(net, list_id))


async def list_members(net: NostrNetwork, list_id: str) -> list[Author]:
    keys = await member_keys(net, list_id)
    await net._load_profiles(keys)
    return [parse.author(net.ctx, pk) for pk in keys]


async def add_to_list(net: NostrNetwork, list_id: str, who: str) -> Author:
    net._need_keys()
    pk = await net._pubkey(who)
    old = await _one(net, list_id)
    if pk not in _members(old):
        await _publish(net, [*(list(t) for t in old.tags), ["p", pk]], old.content, old)
    await net._load_profiles([pk])
    return parse.author(net.ctx, pk)


async def remove_from_list(net: NostrNetwork, list_id: str, who: str) -> None:
    net._need_keys()
    pk = await net._pubkey(who)
    old = await _one(net, list_id)
    if pk not in _members(old):
        raise net.error(NotFound, f"{who} is not on this list")
    tags = [list(t) for t in old.tags if not (len(t) > 1 and t[0] == "p" and t[1] == pk)]
    await _publish(net, tags, old.content, old)
