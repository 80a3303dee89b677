"""What a page shows beyond the notes themselves: names of those replied to and mentioned, counts,
my own likes and reposts, and quotes of my notes — against real relays."""

from __future__ import annotations

import json
import time

import pytest

from tests.nostr.conftest import raw_publish
from tui.model import (
    Account,
    Counts,
    Draft,
    FeedKind,
    FeedRef,
    NetworkKind,
    NotificationKind,
    Reaction,
)
from tui.networks.nostr import nip19
from tui.networks.nostr.network import NostrNetwork
from tui.networks.nostr.event import sign
from tui.networks.nostr.keys import Keys, short_npub

pytestmark = pytest.mark.network


def _net(keys: Keys, url: str) -> NostrNetwork:
    options = {"relays": [url]}
    account = Account(name="me", network=NetworkKind.NOSTR, handle=keys.npub, options=options)
    return NostrNetwork(account, {"nsec": keys.nsec})


def _profile(keys: Keys, **fields: str):
    return sign(keys, 0, json.dumps(fields))


async def test_replies_and_mentions_name_people_by_profile(local_relay):
    me, bob, carol, dave, erin = (Keys.generate() for _ in range(5))
    now = int(time.time()) - 100
    root = sign(bob, 1, "root by bob", created_at=now)
    # Carol replies with NIP-10 markers; Dave replies to Carol positionally; Carol has no profile.
    by_carol = sign(carol, 1, "marked reply", [["e", root.id, "", "root"]], now + 1)
    by_dave = sign(dave, 1, "positional", [["e", root.id], ["e", by_carol.id]], now + 2)
    # A reply whose parent is on no relay: only its marked tag says who wrote it (Erin).
    lost = "ab" * 32
    orphan = sign(dave, 1, "to a lost note", [["e", lost, "", "reply", erin.public_hex]], now + 3)
    # A NIP-27 mention with no p tag at all.
    mention = sign(carol, 1, f"ask nostr:{nip19.nprofile(erin.public_hex)} about it", [], now + 4)
    await raw_publish(
        local_relay.url,
        _profile(bob, name="bob", display_name="Bob B"),
        _profile(dave, display_name="Dave Dee"),
        _profile(erin, name="erin"),
        root,
        by_carol,
        by_dave,
        orphan,
        mention,
    )
    net = _net(me, local_relay.url)
    await net.open()
    try:
        for who in (bob, carol, dave):
            await net.follow(who.npub)
        page = await net.timeline(FeedRef(FeedKind.HOME))
        posts = {p.key: p for p in page.items}
        assert posts[by_carol.id].reply_to_author == "bob"
        assert posts[by_dave.id].reply_to_author == short_npub(carol.public_hex)
        assert posts[orphan.id].reply_to_author == "erin"
        assert posts[root.id].reply_to_author == ""
        assert posts[mention.id].content.text == "ask @erin about it"
        (span,) = posts[mention.id].content.spans
        assert span.target == "nostr:" + erin.npub
        # A display name stands in when the profile has no name, spaces made one word.
        reply_to_dave = sign(bob, 1, "hi", [["e", by_dave.id, "", "reply"]], now + 5)
        await raw_publish(local_relay.url, reply_to_dave)
        page = await net.timeline(FeedRef(FeedKind.USER, bob.npub))
        assert page.items[0].reply_to_author == "Dave_Dee"
    finally:
        await net.close()


async def test_page_shows_counts_and_my_earlier_likes_and_reposts(any_relay):
    me, alice, bob, carol = (Keys.generate() for _ in range(4))
    now = int(time.time()) - 100
    liked, reposted, plain = (sign(alice, 1, f"note {i}", created_at=now + i) for i in range(3))
    reacts = [
        # Earlier sessions: I liked one note and reposted another.
        sign(me, 7, "+", [["e", liked.id], ["p", alice.public_hex]], now + 10),
        sign(me, 6, reposted.to_json(), [["e", reposted.id], ["p", alice.public_hex]], now + 11),
        # Others: two likes (one person twice counts once), a dislike, a repost, two replies
        # (one deep reply to a reply is not a direct reply of `liked`), a mention in passing.
        sign(bob, 7, "+", [["e", liked.id]], now + 12),
        sign(bob, 7, "🤙", [["e", liked.id]], now + 13),
        sign(carol, 7, "-", [["e", liked.id]], now + 14),
        sign(carol, 6, "", [["e", liked.id, "ws://127.0.0.1:1"]], now + 15),
    ]
    reply = sign(bob, 1, "reply", [["e", liked.id, "", "root"]], now + 16)
    deep = sign(
        carol,
        1,
        "deep",
        [["e", liked.id, "", "root"], ["e", reply.id, "", "reply"]],
        now + 17,
    )
    aside = sign(carol, 1, "aside", [["e", liked.id, "", "mention"]], now + 18)
    await raw_publish(any_relay.url, liked, reposted, plain, *reacts, reply, deep, aside)
    net = _net(me, any_relay.url)
    await net.open()
    try:
        page = await net.timeline(FeedRef(FeedKind.USER, alice.npub))
        posts = {p.key: p for p in page.items}
        assert set(posts) == {liked.id, reposted.id, plain.id}
        assert posts[liked.id].mine.liked and not posts[liked.id].mine.reposted
        assert posts[reposted.id].mine.reposted and not posts[reposted.id].mine.liked
        assert not (posts[plain.id].mine.liked or posts[plain.id].mine.reposted)
        assert posts[liked.id].counts == Counts(replies=1, reposts=1, likes=2)
        assert posts[reposted.id].counts == Counts(replies=0, reposts=1, likes=0)
        assert posts[plain.id].counts == Counts(replies=0, reposts=0, likes=0)

        # My repost as it appears in my own feed carries the state on the note it shows.
        mine = await net.timeline(FeedRef(FeedKind.USER, me.npub))
        (wrapper,) = mine.items
        assert wrapper.repost_of is not None and wrapper.repost_of.key == reposted.id
        assert wrapper.mine.reposted and wrapper.shown.mine.reposted
        assert wrapper.shown.counts.reposts == 1

        # Liking now shows at once, counted, and a fresh page from the relay agrees.
        now_liked = await net.react(posts[plain.id], Reaction.LIKE)
        assert now_liked.mine.liked and now_liked.counts.likes == 1
        fresh = NostrNetwork(net.account, net.secrets)
        await fresh.open()
        try:
            again = await fresh.post("nostr:" + plain.id)
            assert again.mine.liked and again.counts.likes == 1
            thread = await fresh.thread(await fresh.post("nostr:" + reply.id))
            (parent,) = thread.ancestors
            assert parent.key == liked.id and parent.mine.liked
            assert thread.post.counts.replies == 1  # the deep reply answers it
        finally:
            await fresh.close()
    finally:
        await net.close()


async def test_counts_stay_bounded_on_a_huge_thread(local_relay, monkeypatch):
    """Past the cap the page still loads, with what was fetched counted."""
    import tui.networks.nostr.fetch as fetch

    monkeypatch.setattr(fetch, "ENGAGEMENT_LIMIT", 5)
    me, alice = Keys.generate(), Keys.generate()
    note = sign(alice, 1, "popular", created_at=int(time.time()) - 100)
    fans = [Keys.generate() for _ in range(8)]
    likes = [sign(f, 7, "+", [["e", note.id]]) for f in fans]
    mine = sign(me, 7, "+", [["e", note.id]], int(time.time()) - 50)  # older than every fan's
    await raw_publish(local_relay.url, note, mine, *likes)
    net = _net(me, local_relay.url)
    await net.open()
    try:
        (post,) = (await net.timeline(FeedRef(FeedKind.USER, alice.npub))).items
        assert post.counts.likes is not None and 5 <= post.counts.likes <= 6
        assert post.mine.liked  # my own state comes from its own filter, not the capped one
    finally:
        await net.close()


async def test_quote_of_my_note_is_a_quote_notification(local_relay):
    me, bob, carol = Keys.generate(), Keys.generate(), Keys.generate()
    net = _net(me, local_relay.url)
    await net.open()
    try:
        mine = await net.publish(Draft("my thoughts"))
        now = int(time.time())
        ref = nip19.nevent(mine.key, author=me.public_hex)
        # Bob tags me as NIP-18 suggests; Carol's client adds only the q tag.
        tagged = sign(
            bob,
            1,
            f"so true nostr:{ref}",
            [["q", mine.key, "", me.public_hex], ["p", me.public_hex]],
            now,
        )
        untagged = sign(carol, 1, f"hmm nostr:{ref}", [["q", mine.key]], now + 1)
        someone_else = sign(carol, 1, "quoting bob", [["q", tagged.id], ["p", bob.public_hex]])
        await raw_publish(local_relay.url, _profile(bob, name="bob"), tagged, untagged)
        await raw_publish(local_relay.url, someone_else)
        page = await net.notifications()
        kinds = {n.uid.removeprefix("nostr:"): n.kind for n in page.items}
        assert kinds == {tagged.id: NotificationKind.QUOTE, untagged.id: NotificationKind.QUOTE}
        quote = next(n for n in page.items if n.uid == "nostr:" + tagged.id)
        assert quote.actor.display_name == "bob"
        assert quote.post is not None and quote.post.quote is not None
        assert quote.post.quote.key == mine.key
    finally:
        await net.close()


MONTH = 30 * 24 * 3600


async def _publish_many(url: str, *events) -> list[list]:
    """nostr-sdk's relay rate-limits one connection: a few events per connection."""
    answers = []
    for i in range(0, len(events), 10):
        answers += await raw_publish(url, *events[i : i + 10])
    return answers


async def test_future_dated_notes_do_not_crowd_out_real_ones(any_relay):
    """60 validly signed notes dated a month ahead, from a followed author and from a stranger,
    in the tag, on the public relay and tagging me: every page still shows the real notes."""
    me, friend, stranger, carol = (Keys.generate() for _ in range(4))
    now = int(time.time())
    real = [sign(friend, 1, f"real {i} #cats", [["t", "cats"]], now - 100 + i) for i in range(25)]
    ahead = [
        sign(friend, 1, f"from the future {i} #cats", [["t", "cats"]], now + MONTH + i)
        for i in range(30)
    ] + [
        sign(stranger, 1, f"spam {i} #cats", [["t", "cats"], ["p", me.public_hex]], now + MONTH)
        for i in range(30)
    ]
    replies = [sign(carol, 1, f"hi {i}", [["p", me.public_hex]], now - 50 + i) for i in range(3)]
    answers = await _publish_many(any_relay.url, *real, *ahead, *replies)
    assert all(a[2] is True for a in answers), [a for a in answers if a[2] is not True][:3]
    net = _net(me, any_relay.url)
    await net.open()
    try:
        await net.follow(friend.npub)
        newest_real = [n.id for n in sorted(real, key=lambda n: -n.created_at)]
        for feed in (FeedRef(FeedKind.HOME), FeedRef(FeedKind.TAG, "cats")):
            page = await net.timeline(feed, limit=20)
            assert [p.key for p in page.items] == newest_real[:20], feed
            assert page.older is not None
            rest = await net.timeline(feed, cursor=page.older, limit=20)
            assert [p.key for p in rest.items][-5:] == newest_real[20:], feed
        public = await net.timeline(FeedRef(FeedKind.PUBLIC), limit=20)
        assert len(public.items) == 20
        assert all(p.created_at.timestamp() <= now for p in public.items)
        notes = await net.notifications(limit=20)
        assert sorted(n.post.content.text for n in notes.items) == ["hi 0", "hi 1", "hi 2"]
        assert notes.older is None
    finally:
        await net.close()


async def test_a_page_thinned_by_muted_authors_is_filled_from_older_notes(local_relay):
    me, friend, noisy = Keys.generate(), Keys.generate(), Keys.generate()
    now = int(time.time())
    real = [sign(friend, 1, f"real {i}", created_at=now - 1000 + i) for i in range(15)]
    noise = [sign(noisy, 1, f"noise {i}", created_at=now - 100 + i) for i in range(40)]
    await _publish_many(local_relay.url, *real, *noise)
    net = _net(me, local_relay.url)
    await net.open()
    try:
        await net.mute(noisy.npub)
        page = await net.timeline(FeedRef(FeedKind.PUBLIC), limit=10)
        assert [p.key for p in page.items] == [n.id for n in real[::-1][:10]]
        rest = await net.timeline(FeedRef(FeedKind.PUBLIC), cursor=page.older, limit=10)
        assert [p.key for p in rest.items][-5:] == [n.id for n in real[::-1][10:]]
        assert rest.older is None
    finally:
        await net.close()


async def test_a_thinned_page_over_two_relays_misses_none_between(local_relay):
    """Relay A holds muted noise above its real notes, relay B only real notes interleaved with
    A's: the page is the newest real notes of both, none skipped."""
    from tests.support import free_port
    from tests.nostr.conftest import LocalRelay

    other = LocalRelay(free_port())
    await other.start()
    try:
        me, friend, noisy = Keys.generate(), Keys.generate(), Keys.generate()
        now = int(time.time())
        on_a = [sign(friend, 1, f"a {i}", created_at=now - 1000 + 2 * i) for i in range(10)]
        on_b = [sign(friend, 1, f"b {i}", created_at=now - 999 + 2 * i) for i in range(10)]
        noise = [sign(noisy, 1, f"noise {i}", created_at=now - 100 + i) for i in range(30)]
        await _publish_many(local_relay.url, *on_a, *noise)
        await _publish_many(other.url, *on_b)
        options = {"relays": [local_relay.url, other.url]}
        account = Account(name="me", network=NetworkKind.NOSTR, handle=me.npub, options=options)
        net = NostrNetwork(account, {"nsec": me.nsec})
        await net.open()
        try:
            await net.mute(noisy.npub)
            page = await net.timeline(FeedRef(FeedKind.PUBLIC), limit=10)
            real = sorted(on_a + on_b, key=lambda n: -n.created_at)
            assert [p.key for p in page.items] == [n.id for n in real[:10]]
        finally:
            await net.close()
    finally:
        other.stop()
