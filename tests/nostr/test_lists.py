"""NIP-51 follow sets as lists, against a real relay (nostr-sdk LocalRelay)."""

from __future__ import annotations

import json
import time

import pytest

from tests.nostr.conftest import raw_publish, raw_query
from tui.feed import serves
from tui.model import Account, FeedKind, NetworkKind
from tui.networks.base import AuthError, NotFound
from tui.networks.nostr.event import sign
from tui.networks.nostr.keys import Keys
from tui.networks.nostr.network import NostrNetwork

pytestmark = pytest.mark.network


def _net(keys: Keys, url: str) -> NostrNetwork:
    account = Account(
        name="me", network=NetworkKind.NOSTR, handle=keys.npub, options={"relays": [url]}
    )
    return NostrNetwork(account, {"nsec": keys.nsec})


async def test_a_follow_set_is_made_filled_read_renamed_and_deleted(local_relay):
    me, alice, bob = Keys.generate(), Keys.generate(), Keys.generate()
    a1 = sign(alice, 1, "from alice", created_at=int(time.time()) - 10)
    b1 = sign(bob, 1, "from bob", created_at=int(time.time()) - 5)
    await raw_publish(local_relay.url, a1, b1, sign(alice, 0, json.dumps({"name": "Alice"})))
    net = _net(me, local_relay.url)
    await net.open()
    try:
        made = await net.create_list("Friends")
        (wire,) = await raw_query(local_relay.url, {"kinds": [30000], "authors": [me.public_hex]})
        assert ["d", made.id] in wire["tags"] and ["title", "Friends"] in wire["tags"]

        added = await net.add_to_list(made.id, alice.npub)
        assert added.display_name == "Alice"
        (wire,) = await raw_query(local_relay.url, {"kinds": [30000], "authors": [me.public_hex]})
        assert ["p", alice.public_hex] in wire["tags"]
        assert [m.uid for m in await net.list_members(made.id)] == [added.uid]

        feed = await net.timeline(made.feed)
        assert [p.key for p in feed.items] == [a1.id]  # bob is not on the list
        assert made.feed in await net.feeds()
        assert serves(net.account, FeedKind.LIST, net)  # the app shows it as a timeline

        renamed = await net.rename_list(made.id, "Close friends")
        assert [(x.id, x.title, x.members) for x in await net.lists()] == [
            (made.id, "Close friends", 1)
        ]
        assert renamed.title == "Close friends"

        with pytest.raises(NotFound):
            await net.remove_from_list(made.id, bob.npub)
        await net.remove_from_list(made.id, added.uid)
        assert await net.list_members(made.id) == []
        assert (await net.timeline(made.feed)).items == ()

        await net.delete_list(made.id)
        assert await net.lists() == []
        deletions = await raw_query(local_relay.url, {"kinds": [5], "authors": [me.public_hex]})
        assert ["a", f"30000:{me.public_hex}:{made.id}"] in deletions[0]["tags"]
        with pytest.raises(NotFound):
            await net.list_members(made.id)
    finally:
        await net.close()


async def test_sets_made_elsewhere_show_with_their_title(local_relay):
    me, alice = Keys.generate(), Keys.generate()
    other = sign(me, 30000, "", [["d", "devs"], ["title", "Devs\x1b[31m"], ["p", alice.public_hex]])
    await raw_publish(local_relay.url, other)
    net = _net(me, local_relay.url)
    await net.open()
    try:
        (found,) = await net.lists()
        assert (found.id, found.members) == ("devs", 1)
        assert "\x1b" not in found.title and found.title.startswith("Devs")
        assert found.feed.kind is FeedKind.LIST
    finally:
        await net.close()


async def test_a_read_only_account_reads_lists_but_cannot_change_them(local_relay):
    me, alice = Keys.generate(), Keys.generate()
    await raw_publish(
        local_relay.url,
        sign(me, 30000, "", [["d", "devs"], ["title", "Devs"], ["p", alice.public_hex]]),
    )
    account = Account(
        name="me", network=NetworkKind.NOSTR, handle=me.npub, options={"relays": [local_relay.url]}
    )
    net = NostrNetwork(account, {})  # the public key only: read-only
    await net.open()
    try:
        assert [x.title for x in await net.lists()] == ["Devs"]
        with pytest.raises(AuthError):
            await net.create_list("More")
        with pytest.raises(AuthError):
            await net.add_to_list("devs", alice.npub)
    finally:
        await net.close()
