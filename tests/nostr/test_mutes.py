"""NIP-51 lists on a real relay: muted threads (kind 10000 `e` tags) hide that thread's
notifications, the mute list is what the "Mutes and blocks" screen shows, and bookmarks
(kind 10003) make the bookmarks feed."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.nostr.conftest import raw_publish, raw_query
from tui.model import Account, EventKind, FeedKind, FeedRef, NetworkKind, Notification, Reaction
from tui.networks.base import Capability, Unsupported
from tui.networks.nostr.event import sign
from tui.networks.nostr.keys import Keys
from tui.networks.nostr.network import NostrNetwork

pytestmark = pytest.mark.network


def _net(keys: Keys, url: str) -> NostrNetwork:
    account = Account(
        name="me", network=NetworkKind.NOSTR, handle=keys.npub, options={"relays": [url]}
    )
    return NostrNetwork(account, {"nsec": keys.nsec})


async def test_a_muted_thread_hides_its_notifications_and_can_be_undone(local_relay):
    me, bob = Keys.generate(), Keys.generate()
    now = int(time.time())
    kept_list = sign(me, 10000, "", [["p", "cd" * 32], ["t", "spoilers"]], now - 100)
    muted_root = sign(me, 1, "root to mute", created_at=now - 50)
    kept_root = sign(me, 1, "root to keep", created_at=now - 50)
    await raw_publish(local_relay.url, kept_list, muted_root, kept_root)

    def reply(root, text: str, at: int):
        tags = [["e", root.id, "", "root"], ["p", me.public_hex]]
        return sign(bob, 1, text, tags, at)

    await raw_publish(
        local_relay.url,
        reply(muted_root, "in the muted thread", now - 20),
        reply(kept_root, "in the kept thread", now - 10),
    )
    net = _net(me, local_relay.url)
    await net.open()
    try:
        assert net.supports(Capability.MUTE_THREAD)
        post = await net.post(muted_root.id)
        await net.mute_thread(post)
        (latest,) = await raw_query(local_relay.url, {"kinds": [10000], "authors": [me.public_hex]})
        # Everything the list held is kept; the thread's root is added as an `e` tag.
        assert latest["tags"] == [["p", "cd" * 32], ["t", "spoilers"], ["e", muted_root.id]]

        def texts(page) -> list[str]:
            return [
                n.post.content.text
                for n in page.items
                if isinstance(n, Notification) and n.post is not None
            ]

        shown = texts(await net.notifications())
        assert "in the kept thread" in shown and "in the muted thread" not in shown

        threads = [e for e in await net.muted() if e.kind == "thread"]
        assert [t.label for t in threads] == ["root to mute"]
        people = [e for e in await net.muted() if e.kind == "mute"]
        assert [p.uid for p in people] == ["nostr:" + "cd" * 32]
        await net.undo_muted(threads[0])
        assert "in the muted thread" in texts(await net.notifications())
        (latest,) = await raw_query(local_relay.url, {"kinds": [10000], "authors": [me.public_hex]})
        assert latest["tags"] == [["p", "cd" * 32], ["t", "spoilers"]]
        with pytest.raises(Unsupported, match="no duration"):
            await net.mute(bob.npub, duration=3600)
    finally:
        await net.close()


async def test_bookmarks_are_a_nip51_list_and_a_feed(local_relay):
    me, alice = Keys.generate(), Keys.generate()
    now = int(time.time())
    first = sign(alice, 1, "first to keep", created_at=now - 30)
    second = sign(alice, 1, "second to keep", created_at=now - 20)
    await raw_publish(local_relay.url, first, second)
    net = _net(me, local_relay.url)
    await net.open()
    try:
        assert net.supports(Capability.BOOKMARK)
        for note in (first, second):
            marked = await net.react(await net.post(note.id), Reaction.BOOKMARK)
            assert marked.mine.bookmarked
        (latest,) = await raw_query(local_relay.url, {"kinds": [10003], "authors": [me.public_hex]})
        assert [t[:2] for t in latest["tags"]] == [["e", first.id], ["e", second.id]]

        feed = await net.timeline(FeedRef(FeedKind.BOOKMARKS))
        assert [p.key for p in feed.items] == [second.id, first.id]  # newest bookmark first

        await net.react(feed.items[1], Reaction.BOOKMARK, undo=True)
        feed = await net.timeline(FeedRef(FeedKind.BOOKMARKS))
        assert [p.key for p in feed.items] == [second.id]
    finally:
        await net.close()


def test_the_bookmarks_and_list_feeds_are_offered_on_nostr():
    from tui.feed import serves

    keys = Keys.generate()
    net = _net(keys, "ws://127.0.0.1:9")
    assert serves(net.account, FeedKind.BOOKMARKS, net)
    assert serves(net.account, FeedKind.LIST, net)  # follow sets (tui/networks/nostr/lists.py)
    assert not serves(net.account, FeedKind.CUSTOM, net)


async def test_live_notifications_of_a_muted_thread_stay_hidden(local_relay):
    me, bob = Keys.generate(), Keys.generate()
    muted_root = sign(me, 1, "live root to mute", created_at=int(time.time()) - 30)
    kept_root = sign(me, 1, "live root to keep", created_at=int(time.time()) - 30)
    await raw_publish(local_relay.url, muted_root, kept_root)
    net = _net(me, local_relay.url)
    await net.open()
    try:
        await net.mute_thread(await net.post(muted_root.id))
        stream = net.stream()
        first = asyncio.ensure_future(anext(stream))
        at = int(time.time()) + 2  # the stream asks from the second it starts

        def reply(root, text: str):
            return sign(bob, 1, text, [["e", root.id, "", "root"], ["p", me.public_hex]], at)

        # The muted thread's reply goes first: the first notification must be the other one.
        await raw_publish(local_relay.url, reply(muted_root, "live in the muted thread"))
        await raw_publish(local_relay.url, reply(kept_root, "live in the kept thread"))
        ev = await asyncio.wait_for(first, 10)
        assert ev.kind is EventKind.NOTIFICATION
        assert ev.payload.post.content.text == "live in the kept thread"
        await stream.aclose()
    finally:
        await net.close()
