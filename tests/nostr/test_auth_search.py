"""NIP-42 AUTH and NIP-50 search against relays that need them: nostr-relay (PyPI) with
authentication or with LMDB full-text search, and nostr-sdk's LocalRelay requiring AUTH to read."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from tests.support import wait_until_async
from tests.nostr.conftest import LocalRelay, raw_publish, raw_query, unavailable
from tests.support import free_port
from tui.model import Account, Draft, FeedKind, FeedRef, NetworkKind
from tui.networks.base import Capability, Transient
from tui.networks.nostr.network import NostrNetwork
from tui.networks.nostr.event import sign, verify_event
from tui.networks.nostr.keys import Keys

pytestmark = pytest.mark.network


def _net(keys: Keys, url: str) -> NostrNetwork:
    options = {"relays": [url]}
    account = Account(name="me", network=NetworkKind.NOSTR, handle=keys.npub, options=options)
    return NostrNetwork(account, {"nsec": keys.nsec})


async def test_publishing_to_a_relay_that_requires_auth(auth_relay):
    me, stranger = Keys.generate(), Keys.generate()
    auth_relay.grant(me.public_hex, "w")
    # Without AUTH the relay refuses even a writer (on a throwaway connection: it then pauses it).
    (refused,) = await raw_publish(auth_relay.url, sign(me, 1, "no auth"))
    assert refused[2] is False and refused[3].startswith("restricted:")

    net = _net(me, auth_relay.url)
    await net.open()
    try:
        post = await net.publish(Draft("après AUTH — 認証済み ✓"))
        assert post.ref["published"] == "sent to 1 of 1 relays"
        (stored,) = await raw_query(auth_relay.url, {"ids": [post.key]})
        assert verify_event(stored).content == "après AUTH — 認証済み ✓"
        # Reading needs no AUTH here; my own note comes back through the same connection.
        page = await net.timeline(FeedRef(FeedKind.USER, me.npub))
        assert [p.key for p in page.items] == [post.key]
    finally:
        await net.close()

    # Authenticated but not a writer: refused with the relay's reason, and nothing stored.
    other = _net(stranger, auth_relay.url)
    await other.open()
    try:
        with pytest.raises(Transient, match="sent to 0 of 1 relays.*restricted"):
            await other.publish(Draft("let me in"))
        assert await raw_query(auth_relay.url, {"authors": [stranger.public_hex]}) == []
    finally:
        await other.close()


@pytest.fixture
async def read_auth_relay():
    """nostr-sdk's LocalRelay requiring AUTH for reads and writes."""
    relay = LocalRelay(free_port(), nip42="BOTH")
    try:
        await relay.start()
    except Exception as exc:  # noqa: BLE001 - any failure to start is reported the same way
        unavailable(f"nostr-sdk LocalRelay did not start: {exc}")
    yield relay
    relay.stop()


async def test_reading_and_writing_where_auth_is_required_for_both(read_auth_relay):
    me, alice = Keys.generate(), Keys.generate()
    writer = _net(alice, read_auth_relay.url)
    await writer.open()
    try:
        note = await writer.publish(Draft("only for those who say who they are"))
    finally:
        await writer.close()
    assert await raw_query(read_auth_relay.url, {"ids": [note.key]}) == []  # anonymous: nothing

    net = _net(me, read_auth_relay.url)
    await net.open()
    try:
        page = await net.timeline(FeedRef(FeedKind.USER, alice.npub))
        assert [p.key for p in page.items] == [note.key]
        assert page.items[0].content.text == "only for those who say who they are"
    finally:
        await net.close()


async def test_search_on_a_relay_that_offers_nip50(search_relay, local_relay):
    me, alice, bob = Keys.generate(), Keys.generate(), Keys.generate()
    now = int(time.time()) - 60
    pelican = sign(alice, 1, "A pelican landed on the harbour wall", created_at=now)
    also = sign(bob, 1, "Pelicans again? No, gulls.", created_at=now + 1)
    other = sign(alice, 1, "Nothing about birds here", created_at=now + 2)
    profile = sign(
        bob, 0, json.dumps({"name": "bob", "about": "I count every pelican in the harbour"})
    )
    answers = await raw_publish(search_relay.url, pelican, also, other, profile)
    assert all(a[2] is True for a in answers)
    # The relay indexes in the background after answering OK: wait until each event is found.
    async with asyncio.timeout(20):
        for word, ev in (
            ("landed", pelican),
            ("gulls", also),
            ("birds", other),
            ("count", profile),
        ):

            async def indexed(ev=ev, word=word) -> bool:
                found = await raw_query(search_relay.url, {"search": word})
                return ev.id in {e["id"] for e in found}

            await wait_until_async(indexed, what=f"the relay's search index to hold {word!r}")

    net = _net(me, search_relay.url)
    await net.open()
    try:
        results = await net.search("pelican")
        assert net.supports(Capability.SEARCH)  # the relay's NIP-11 lists 50
        keys = {p.key for p in results.posts}
        assert pelican.id in keys and other.id not in keys
        assert {p.author.uid for p in results.posts} <= {
            "nostr:" + alice.public_hex,
            "nostr:" + bob.public_hex,
        }
        assert "nostr:" + bob.public_hex in {a.uid for a in results.authors}
        assert (await net.search("gulls")).posts[0].key == also.id
        assert (await net.search("zeppelin")).posts == ()
    finally:
        await net.close()

    # A relay without NIP-50 (nostr-sdk's LocalRelay publishes no NIP-11): people and tags
    # are still searched, and the result says why no notes were searched by their text.
    plain = _net(me, local_relay.url)
    await plain.open()
    try:
        assert plain.supports(Capability.SEARCH)
        results = await plain.search("harbour wall")
        assert results.posts == () and "NIP-50" in results.note
    finally:
        await plain.close()


async def test_tags_and_people_are_searched_without_nip50(local_relay):
    """The demo's relay (nostr-sdk's LocalRelay) has no NIP-50: `#tag` and people still work."""
    me, alice, bob, mallory = (Keys.generate() for _ in range(4))
    now = int(time.time()) - 100
    tagged = [sign(bob, 1, f"bread {i} #Baking", [["t", "baking"]], now + i) for i in range(3)]
    untagged = sign(bob, 1, "baking without a tag", created_at=now + 5)
    await raw_publish(
        local_relay.url,
        sign(alice, 0, json.dumps({"name": "alice", "display_name": "Alice Liddell"})),
        sign(bob, 0, json.dumps({"name": "bob", "display_name": "Bob the Baker"})),
        sign(mallory, 0, json.dumps({"name": "alicia", "display_name": "Not Followed"})),
        *tagged,
        untagged,
    )
    net = _net(me, local_relay.url)
    await net.open()
    try:
        assert net.supports(Capability.SEARCH)
        await net.follow(alice.npub)
        await net.follow(bob.npub)

        found = await net.search("#baking")
        assert [p.key for p in found.posts] == [n.id for n in tagged[::-1]]
        assert [t.name for t in found.tags] == ["baking"]
        assert found.note == ""

        people = await net.search("ALICE")
        assert [a.uid for a in people.authors] == ["nostr:" + alice.public_hex]
        assert people.authors[0].display_name == "Alice Liddell"
        assert people.authors[0].handle == alice.npub
        assert people.posts == () and "NIP-50" in people.note

        # A one-word query also shows notes tagged with it, and says so.
        word = await net.search("baker")
        assert [a.uid for a in word.authors] == ["nostr:" + bob.public_hex]
        baking = await net.search("baking")
        assert [p.key for p in baking.posts] == [n.id for n in tagged[::-1]]
        assert "#baking" in baking.note

        # Someone not seen yet is found by key, whatever form it takes.
        for who in (mallory.npub, mallory.public_hex, "nostr:" + mallory.public_hex):
            (person,) = (await net.search(who)).authors
            assert person.uid == "nostr:" + mallory.public_hex
            assert person.display_name == "Not Followed"
    finally:
        await net.close()


async def test_the_demo_can_search_tags_and_people():
    """`murmur demo` runs on nostr-sdk's LocalRelay, which has no NIP-50."""
    from tui.demo import start_demo

    demo = await start_demo(None, None)
    try:
        options = {"relays": [demo.relay_url]}
        account = Account("demo", NetworkKind.NOSTR, handle=demo.user_npub, options=options)
        net = NostrNetwork(account, {})  # read-only is enough to search
        await net.open()
        try:
            tagged = await net.search("#music")
            assert tagged.posts and [t.name for t in tagged.tags] == ["music"]
            assert all("#music" in p.shown.content.text.lower() for p in tagged.posts)
            people = await net.search("aiko")
            assert "藍子 Aiko" in [a.display_name for a in people.authors]
        finally:
            await net.close()
    finally:
        await demo.stop()
