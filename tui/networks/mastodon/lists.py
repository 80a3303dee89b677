"""Mastodon lists: /api/v1/lists and /api/v1/lists/:id/accounts (the Network list calls)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from tui.model import Author, UserList
from tui.networks.base import BadResponse, NotFound
from tui.networks.mastodon.parse import as_dict, as_list, sid, text

if TYPE_CHECKING:
    from tui.networks.mastodon.network import MastodonNetwork

MAX_MEMBER_PAGES = 50  # 40 a page: 2000 members is more than a list has room to show


def _path(list_id: str, tail: str = "") -> str:
    return f"/api/v1/lists/{quote(list_id, safe='')}{tail}"


def _user_list(net: MastodonNetwork, value: Any) -> UserList:
    entry = as_dict(value)
    list_id = sid(entry.get("id"))
    if not list_id:
        raise net.error(BadResponse, "the server answered a list without an id")
    return UserList(net.kind, net.account.name, list_id, text(entry.get("title"), 200))


async def lists(net: MastodonNetwork) -> list[UserList]:
    body = await net.http.get_json("/api/v1/lists")
    return [_user_list(net, e) for e in as_list(body) if sid(as_dict(e).get("id"))]


async def create_list(net: MastodonNetwork, title: str) -> UserList:
    return _user_list(net, await net.http.post_json("/api/v1/lists", json={"title": title}))


async def rename_list(net: MastodonNetwork, list_id: str, title: str) -> UserList:
    response = await net.http.request("PUT", _path(list_id), json={"title": title})
    return _user_list(net, net.http.parse(response))


async def delete_list(net: MastodonNetwork, list_id: str) -> None:
    await net.http.request("DELETE", _path(list_id))


async def list_members(net: MastodonNetwork, list_id: str) -> list[Author]:
    members: list[Author] = []
    listing = await net.api.listing(_path(list_id, "/accounts"), [("limit", "40")])
    for _ in range(MAX_MEMBER_PAGES):
        for entry in listing.items:
            try:
                members.append(net.parser.author(entry))
            except ValueError:
                continue  # an unreadable account is left out, the others still show
        if not listing.next or not listing.items:
            break
        listing = await net.api.listing(listing.next)
    return members


async def _member_id(net: MastodonNetwork, list_id: str, who: str) -> tuple[str, Author | None]:
    account_id = await net.account_id(who)
    try:
        author = net.parser.author(await net.api.account(account_id))
    except ValueError:
        author = None
    return account_id, author


async def add_to_list(net: MastodonNetwork, list_id: str, who: str) -> Author:
    account_id, author = await _member_id(net, list_id, who)
    await net.http.post_json(_path(list_id, "/accounts"), json={"account_ids": [account_id]})
    if author is None:
        raise net.error(BadResponse, "the server's description of this account is unreadable")
    return author


async def remove_from_list(net: MastodonNetwork, list_id: str, who: str) -> None:
    account_id = await net.account_id(who)
    members = await list_members(net, list_id)
    if not any(m.uid == net.parser.author_uid(account_id) for m in members):
        raise net.error(NotFound, f"{who} is not on this list")
    await net.http.request(
        "DELETE", _path(list_id, "/accounts"), json={"account_ids": [account_id]}
    )
