"""NostrNetwork against a real relay (nostr-sdk LocalRelay): what a user would see."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from tests.nostr.conftest import raw_publish, raw_query
from tui.model import (
    Account,
    Counts,
    Draft,
    EventKind,
    FeedKind,
    FeedRef,
    NetworkKind,
    NotificationKind,
    Reaction,
)
from tui.networks.base import Capability, Prompt, Transient, Unsupported
from tui.networks.nostr import nip19, nip49
from tui.networks.nostr.login import login
from tui.networks.nostr.network import NostrNetwork
from tui.networks.nostr.event import sign, verify_event
from tui.networks.nostr.keys import Keys

pytestmark = pytest.mark.network


def _net(keys: Keys, url: str) -> NostrNetwork:
    account = Account(
        name="me", network=NetworkKind.NOSTR, handle=keys.npub, options={"relays": [url]}
    )
    return NostrNetwork(account, {"nsec": keys.nsec})


def _profile(keys: Keys, **fields) -> object:
    return sign(keys, 0, json.dumps(fields))


async def test_login_generate_and_import(tmp_path):
    asked: list[Prompt] = []

    async def ask(prompt: Prompt) -> str:
        asked.append(prompt)
        return "pw"

    result = await login({"generate": "1", "relays": "ws://127.0.0.1:1, ws://127.0.0.1:2/"}, ask)
    assert result.account.options["relays"] == ["ws://127.0.0.1:1", "ws://127.0.0.1:2"]
    assert result.account.handle.startswith("npub1")
    keys = Keys.parse(result.secrets["nsec"])
    assert keys.npub == result.account.handle
    enc = nip49.encrypt(keys.secret, "pw", log_n=4)
    again = await login({"key": enc}, ask)
    assert again.secrets == result.secrets and asked[0].secret
    assert (await login({"key": keys.secret.hex()}, ask)).secrets == result.secrets
    # No relays given: none stored, so the account follows [nostr] default_relays.
    imported = await login({"key": keys.nsec}, ask)
    assert "relays" not in imported.account.options
    assert "…" not in imported.account.name and imported.account.name.startswith("npub1")


async def test_publish_reply_thread_and_notifications(local_relay):
    me, bob = Keys.generate(), Keys.generate()
    await raw_publish(local_relay.url, _profile(bob, name="bob", display_name="Bob B"))
    net = _net(me, local_relay.url)
    await net.open()
    try:
        assert Capability.CONTENT_WARNING in net.capabilities and net.supports(Capability.STREAM)
        text = f"héllo #Murmur from 日本 nostr:{bob.npub}"
        post = await net.publish(Draft(text, content_warning="spoilers"))
        assert post.ref["published"] == "sent to 1 of 1 relays"
        (stored,) = await raw_query(local_relay.url, {"ids": [post.key]})
        ev = verify_event(stored)
        assert ev.content == text
        assert ["t", "murmur"] in [list(t) for t in ev.tags]
        assert ["p", bob.public_hex] in [list(t) for t in ev.tags]
        assert ["content-warning", "spoilers"] in [list(t) for t in ev.tags]
        assert post.content_warning == "spoilers" and post.uid == "nostr:" + ev.id
        assert "@bob" in post.content.text and "npub1" not in post.content.text
        assert post.url.startswith("nostr:nevent1")

        # Bob replies (NIP-10 markers), likes and reposts; Carol replies positionally to Bob.
        now = int(time.time())
        reply = sign(bob, 1, "nice", [["e", ev.id, "", "root"], ["p", me.public_hex]], now)
        like = sign(bob, 7, "+", [["e", ev.id], ["p", me.public_hex]], now)
        repost = sign(bob, 6, ev.to_json(), [["e", ev.id], ["p", me.public_hex]], now)
        carol = Keys.generate()
        deep = sign(
            carol, 1, "deeper", [["e", ev.id], ["e", reply.id], ["p", bob.public_hex]], now + 1
        )
        mention = sign(carol, 1, f"hey nostr:{me.npub}", [["p", me.public_hex]], now + 2)
        await raw_publish(local_relay.url, reply, like, repost, deep, mention)

        page = await net.notifications()
        kinds = {n.uid.removeprefix("nostr:"): n.kind for n in page.items}
        assert kinds == {
            reply.id: NotificationKind.REPLY,
            like.id: NotificationKind.LIKE,
            repost.id: NotificationKind.REPOST,
            mention.id: NotificationKind.MENTION,
        }
        like_n = next(n for n in page.items if n.kind == NotificationKind.LIKE)
        assert like_n.post.key == ev.id and like_n.actor.display_name == "Bob B"
        # Notified posts carry counts like a timeline's: Carol's deeper reply answers Bob's.
        assert like_n.post.counts == Counts(replies=1, reposts=1, likes=1)
        reply_n = next(n for n in page.items if n.kind == NotificationKind.REPLY)
        assert reply_n.post.counts == Counts(replies=1, reposts=0, likes=0)

        thread = await net.thread(await net.post("nostr:" + reply.id))
        assert [p.key for p in thread.ancestors] == [ev.id]
        assert [p.key for p in thread.descendants] == [deep.id]
        deep_post = thread.descendants[0]
        assert deep_post.reply_to == "nostr:" + reply.id
        assert deep_post.reply_to_author == "bob"  # his profile's name, not his npub
    finally:
        await net.close()


async def test_home_follow_keeps_entries_and_mute_hides(local_relay):
    me, alice, bob = Keys.generate(), Keys.generate(), Keys.generate()
    stranger = "ab" * 32
    old_follows = sign(me, 3, '{"wss://x": {"read": true}}', [["p", stranger, "wss://hint", "pet"]])
    await raw_publish(local_relay.url, old_follows)
    a1 = sign(alice, 1, "from alice", created_at=int(time.time()) - 10)
    b1 = sign(bob, 1, "from bob", created_at=int(time.time()) - 5)
    await raw_publish(local_relay.url, a1, b1)
    net = _net(me, local_relay.url)
    await net.open()
    try:
        rel = await net.follow(alice.npub)
        assert rel.following
        await net.follow(bob.public_hex)
        (latest,) = await raw_query(local_relay.url, {"kinds": [3], "authors": [me.public_hex]})
        assert latest["content"] == old_follows.content
        assert latest["tags"][0] == ["p", stranger, "wss://hint", "pet"]
        assert [t[1] for t in latest["tags"]] == [stranger, alice.public_hex, bob.public_hex]

        home = await net.timeline(FeedRef(FeedKind.HOME))
        assert [p.key for p in home.items] == [b1.id, a1.id]
        await net.mute(bob.npub)
        home = await net.timeline(FeedRef(FeedKind.HOME))
        assert [p.key for p in home.items] == [a1.id]
        await net.follow(alice.npub, undo=True)
        (latest,) = await raw_query(local_relay.url, {"kinds": [3], "authors": [me.public_hex]})
        assert [t[1] for t in latest["tags"]] == [stranger, bob.public_hex]

        user = await net.timeline(FeedRef(FeedKind.USER, nip19.nprofile(alice.public_hex)))
        assert [p.key for p in user.items] == [a1.id]
    finally:
        await net.close()


async def test_paging_tags_public_react_delete(local_relay):
    me, alice = Keys.generate(), Keys.generate()
    base = int(time.time()) - 100
    notes = [sign(alice, 1, f"note {i} #Cats", [["t", "cats"]], base + i) for i in range(5)]
    await raw_publish(local_relay.url, *notes)
    net = _net(me, local_relay.url)
    await net.open()
    try:
        first = await net.timeline(FeedRef(FeedKind.TAG, "cats"), limit=3)
        assert [p.key for p in first.items] == [n.id for n in notes[::-1][:3]]
        second = await net.timeline(FeedRef(FeedKind.TAG, "cats"), cursor=first.older, limit=3)
        keys = [p.key for p in second.items]
        assert notes[1].id in keys and notes[0].id in keys
        public = await net.timeline(FeedRef(FeedKind.PUBLIC))
        assert {n.id for n in notes} <= {p.key for p in public.items}

        target = first.items[0]
        liked = await net.react(target, Reaction.LIKE)
        assert liked.mine.liked
        (reaction,) = await raw_query(local_relay.url, {"kinds": [7], "authors": [me.public_hex]})
        assert reaction["content"] == "+" and ["e", target.key, ""] == reaction["tags"][0][:3]
        await net.react(target, Reaction.REPOST)
        (rp,) = await raw_query(local_relay.url, {"kinds": [6], "authors": [me.public_hex]})
        assert verify_event(json.loads(rp["content"])).id == target.key
        with pytest.raises(Unsupported):
            await net.react(target, Reaction.PIN)  # bookmarks: a NIP-51 list (test_mutes.py)

        mine = await net.publish(Draft("to be deleted"))
        await net.delete(mine)
        assert await raw_query(local_relay.url, {"ids": [mine.key]}) == []
        with pytest.raises(Unsupported):
            await net.delete(target)
        quote = await net.publish(Draft("look", quote_of=target))
        assert quote.quote is not None and quote.quote.key == target.key
    finally:
        await net.close()


async def test_stream_yields_posts_and_notifications_and_state_goes_to_listeners(local_relay):
    from tui.model import ConnectionState

    me, alice = Keys.generate(), Keys.generate()
    net = _net(me, local_relay.url)
    states: asyncio.Queue[tuple[ConnectionState, str]] = asyncio.Queue()
    net.on_state(lambda state, detail: states.put_nowait((state, detail)))
    await net.open()
    try:
        assert (net.state, net.state_detail) == (ConnectionState.CONNECTED, "relays 1/1")
        await net.follow(alice.npub)
        stream = net.stream()
        first = asyncio.ensure_future(anext(stream))
        # Dated a little ahead: the stream asks from the second it starts, and a note stored
        # before its request reaches the relay still comes (as a stored event).
        note = sign(alice, 1, "live note", created_at=int(time.time()) + 2)
        await raw_publish(local_relay.url, note)
        ev = await asyncio.wait_for(first, 10)
        assert ev.kind is EventKind.POST and ev.payload.key == note.id
        ping = sign(alice, 1, f"hi nostr:{me.npub}", [["p", me.public_hex]])
        await raw_publish(local_relay.url, ping)
        got = [await asyncio.wait_for(anext(stream), 10) for _ in range(2)]
        assert {e.kind for e in got} == {EventKind.POST, EventKind.NOTIFICATION}

        # The relay goes away: the listeners hear it; the stream carries no state events.
        local_relay.stop()
        async with asyncio.timeout(30):
            while True:
                state, detail = await states.get()
                if "down: " in detail:
                    break
        assert state is ConnectionState.RECONNECTING and net.state_detail == detail
        await stream.aclose()
    finally:
        await net.close()


async def test_no_relay_means_transient_and_publish_failure_raises(local_relay):
    me = Keys.generate()
    net = _net(me, "ws://127.0.0.1:9")
    with pytest.raises(Transient):
        await net.open()
    net = _net(me, local_relay.url)
    await net.open()
    try:
        local_relay.stop()
        with pytest.raises(Transient, match="sent to 0 of 1"):
            await net.publish(Draft("nobody hears this"))
    finally:
        await net.close()


async def test_hostile_kind0_is_ignored(local_relay):
    me, eve = Keys.generate(), Keys.generate()
    await raw_publish(local_relay.url, sign(eve, 0, json.dumps({"name": ["not", "a", "string"]})))
    await raw_publish(local_relay.url, sign(eve, 1, "hello"))
    net = _net(me, local_relay.url)
    await net.open()
    try:
        page = await net.timeline(FeedRef(FeedKind.USER, eve.npub))
        assert page.items[0].author.display_name == ""
        assert page.items[0].author.handle.startswith("npub1")
    finally:
        await net.close()


async def test_publish_refuses_every_visibility_but_public(local_relay):
    me = Keys.generate()
    net = _net(me, local_relay.url)
    await net.open()
    try:
        for visibility in ("unlisted", "private"):
            with pytest.raises(Unsupported, match="Nostr has no unlisted"):
                await net.publish(Draft("secret", visibility=visibility))
        # Direct is a private message to those mentioned: with nobody mentioned, nothing goes.
        with pytest.raises(Unsupported, match="needs someone to go to"):
            await net.publish(Draft("secret", visibility="direct"))
        assert await raw_query(local_relay.url, {"kinds": [1], "authors": [me.public_hex]}) == []
        assert (await net.publish(Draft("open", visibility="public"))).content.text == "open"
    finally:
        await net.close()


async def test_a_malformed_note_id_is_not_found_not_a_crash(local_relay):
    from tui.networks.base import NotFound

    net = _net(Keys.generate(), local_relay.url)
    await net.open()
    try:
        for uid in ("nostr:zzz", "note1notbech32", "nostr:" + "g" * 64):
            with pytest.raises(NotFound):
                await net.post(uid)
    finally:
        await net.close()
