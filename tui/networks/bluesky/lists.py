"""Bluesky lists: curate lists (app.bsky.graph.list, purpose curatelist) and their listitems.

They are read from the account's own repository (com.atproto.repo.listRecords), not from the
AppView, so a change shows at once; the list's feed is app.bsky.feed.getListFeed (network.py).
A list's id is its AT-URI, as `list:at://…` takes it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tui.model import Author, UserList
from tui.networks.base import BadResponse, NotFound
from tui.networks.bluesky import parse
from tui.networks.bluesky.syntax import parse_at_uri
from tui.text import clean_line

if TYPE_CHECKING:
    from tui.networks.bluesky.network import BlueskyNetwork

LIST = "app.bsky.graph.list"
LISTITEM = "app.bsky.graph.listitem"
CURATE = "app.bsky.graph.defs#curatelist"
MAX_PAGES = 20  # x100 records
PROFILES_BATCH = 25  # app.bsky.actor.getProfiles takes at most 25 actors
MAX_TITLE = 64  # the lexicon's maxGraphemes for a list name


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def _records(net: BlueskyNetwork, collection: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(uri, cid, value) of every record of mine in `collection`, newest first."""
    x = await net._ready()
    found: list[tuple[str, str, dict[str, Any]]] = []
    cursor = None
    for _ in range(MAX_PAGES):
        body = await x.query(
            "com.atproto.repo.listRecords",
            {"repo": net.did, "collection": collection, "limit": 100, "cursor": cursor},
        )
        records = body.get("records") if isinstance(body, dict) else None
        for rec in records if isinstance(records, list) else []:
            if not isinstance(rec, dict) or not isinstance(rec.get("value"), dict):
                continue
            uri, cid = rec.get("uri"), rec.get("cid")
            if isinstance(uri, str) and parse_at_uri(uri) and isinstance(cid, str):
                found.append((uri, cid, rec["value"]))
        cursor = body.get("cursor") if isinstance(body, dict) else None
        if not isinstance(cursor, str) or not records:
            break
    return found


def _user_list(net: BlueskyNetwork, uri: str, value: dict[str, Any], members: int) -> UserList:
    name = value.get("name")
    title = clean_line(name, max_len=200) if isinstance(name, str) else ""
    return UserList(net.kind, net.account.name, uri, title, members)


async def _items(net: BlueskyNetwork, list_uri: str) -> list[tuple[str, str]]:
    """(listitem uri, subject DID) of the list's items, oldest first."""
    items: list[tuple[str, str]] = []
    for uri, _, value in reversed(await _records(net, LISTITEM)):
        subject = value.get("subject")
        if value.get("list") == list_uri and isinstance(subject, str):
            items.append((uri, subject))
    return items


def _own_list(net: BlueskyNetwork, list_id: str) -> str:
    at = parse_at_uri(list_id)
    if at is None or at.authority != net.did or at.collection != LIST or not at.rkey:
        raise net.error(NotFound, f"{list_id[:100]!r} is not one of your lists")
    return at.rkey


async def _get(net: BlueskyNetwork, list_id: str) -> tuple[str, dict[str, Any]]:
    rkey = _own_list(net, list_id)
    x = await net._ready()
    try:
        body = await x.query(
            "com.atproto.repo.getRecord", {"repo": net.did, "collection": LIST, "rkey": rkey}
        )
    except BadResponse as exc:
        if exc.code != "RecordNotFound":
            raise
        raise net.error(NotFound, "this list no longer exists") from None
    value = body.get("value") if isinstance(body, dict) else None
    cid = body.get("cid") if isinstance(body, dict) else None
    if not isinstance(value, dict) or not isinstance(cid, str):
        raise net.error(BadResponse, "the server answered an unreadable list")
    return cid, value


async def lists(net: BlueskyNetwork) -> list[UserList]:
    people: dict[str, set[str]] = {}
    for _, _, value in await _records(net, LISTITEM):
        if isinstance(value.get("list"), str):
            people.setdefault(value["list"], set()).add(str(value.get("subject")))
    return [
        _user_list(net, uri, value, len(people.get(uri, ())))
        for uri, _, value in await _records(net, LIST)
        if value.get("purpose") == CURATE
    ]


async def create_list(net: BlueskyNetwork, title: str) -> UserList:
    record = {"$type": LIST, "purpose": CURATE, "name": title[:MAX_TITLE], "createdAt": _now()}
    made = await net._create(LIST, record)
    return _user_list(net, made["uri"], record, 0)


async def rename_list(net: BlueskyNetwork, list_id: str, title: str) -> UserList:
    cid, value = await _get(net, list_id)
    value = {**value, "name": title[:MAX_TITLE]}
    x = await net._ready()
    await x.procedure(
        "com.atproto.repo.putRecord",
        {
            "repo": net.did,
            "collection": LIST,
            "rkey": _own_list(net, list_id),
            "record": value,
            "swapRecord": cid,
        },
    )
    return _user_list(net, list_id, value, len({d for _, d in await _items(net, list_id)}))


async def delete_list(net: BlueskyNetwork, list_id: str) -> None:
    await _get(net, list_id)
    for item_uri, _ in await _items(net, list_id):
        await net._delete_record(item_uri)  # the app deletes a list's items with it
    await net._delete_record(list_id)


async def _authors(net: BlueskyNetwork, dids: list[str]) -> list[Author]:
    x = await net._ready()
    found: dict[str, Author] = {}
    for start in range(0, len(dids), PROFILES_BATCH):
        body = await x.query(
            "app.bsky.actor.getProfiles", {"actors": dids[start : start + PROFILES_BATCH]}
        )
        for view in body.get("profiles") or [] if isinstance(body, dict) else []:
            author = parse.parse_author(view, net._ctx)
            if author is not None:
                found[view["did"]] = author
    # Someone the AppView does not know yet still shows, by DID.
    return [found.get(did) or _bare(net, did) for did in dids]


def _bare(net: BlueskyNetwork, did: str) -> Author:
    return Author(net.kind, net.account.name, parse.uid_for(did), did)


async def list_members(net: BlueskyNetwork, list_id: str) -> list[Author]:
    await _get(net, list_id)
    dids = [did for _, did in await _items(net, list_id)]
    return await _authors(net, list(dict.fromkeys(dids)))


async def add_to_list(net: BlueskyNetwork, list_id: str, who: str) -> Author:
    did = await net.resolve_actor(who)
    await _get(net, list_id)
    if did not in {d for _, d in await _items(net, list_id)}:
        record = {"$type": LISTITEM, "subject": did, "list": list_id, "createdAt": _now()}
        await net._create(LISTITEM, record)
    (author,) = await _authors(net, [did])
    return author


async def remove_from_list(net: BlueskyNetwork, list_id: str, who: str) -> None:
    did = await net.resolve_actor(who)
    await _get(net, list_id)
    uris = [uri for uri, d in await _items(net, list_id) if d == did]
    if not uris:
        raise net.error(NotFound, f"{who} is not on this list")
    for uri in uris:
        await net._delete_record(uri)
