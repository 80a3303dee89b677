"""NIP-88 polls on a real relay: shown with their counts, voted in with a kind 1018 response."""

from __future__ import annotations

import time

import pytest

from tests.nostr.conftest import raw_publish, raw_query
from tests.nostr.test_client import _net
from tests.support import free_port
from tui.model import FeedKind, FeedRef
from tui.networks.base import Unsupported
from tui.networks.nostr.event import sign
from tui.networks.nostr.keys import Keys

pytestmark = pytest.mark.network


def poll_event(keys: Keys, *, multiple: bool = False, ends_in: int = 3600, relays=()):
    now = int(time.time())
    return sign(
        keys,
        1068,
        "Pineapple on pizza?",
        [
            ["option", "yay1", "Yay"],
            ["option", "nay2", "Nay"],
            ["option", "meh3", "[b]Meh[/b]"],
            ["polltype", "multiplechoice" if multiple else "singlechoice"],
            ["endsAt", str(now + ends_in)],
            *(["relay", url] for url in relays),
        ],
        created_at=now - 30,
    )


def response(keys: Keys, poll_id: str, *options: str, ago: int = 10):
    tags = [["e", poll_id], *(["response", o] for o in options)]
    return sign(keys, 1018, "", tags, created_at=int(time.time()) - ago)


async def test_a_poll_shows_one_vote_per_person_and_my_vote_is_a_response(local_relay):
    me, alice, bob, carol = (Keys.generate() for _ in range(4))
    elsewhere = f"ws://127.0.0.1:{free_port()}"  # where the poll asks for responses: down
    poll = poll_event(alice, relays=[elsewhere])
    await raw_publish(
        local_relay.url,
        poll,
        response(bob, poll.id, "yay1", ago=20),
        response(bob, poll.id, "nay2", ago=5),  # bob changed his mind: the latest counts
        response(carol, poll.id, "nay2", "yay1"),  # single choice: the first response counts
        response(carol, "ab" * 32, "yay1"),  # another poll's
    )
    net = _net(me, local_relay.url)
    await net.open()
    try:
        await net.follow(alice.npub)
        home = await net.timeline(FeedRef(FeedKind.HOME))
        (post,) = [p for p in home.items if p.key == poll.id]
        assert post.content.text == "Pineapple on pizza?"
        assert [o.title for o in post.poll.options] == ["Yay", "Nay", "[b]Meh[/b]"]
        assert [o.votes for o in post.poll.options] == [0, 2, 0]
        assert post.poll.voters == 2 and not post.poll.multiple and not post.poll.voted
        assert not post.poll.expired and post.poll.expires_at is not None

        with pytest.raises(Unsupported):
            await net.vote(post, [0, 1])  # one choice only
        voted = await net.vote(post, [0])
        assert voted.poll.voted and voted.poll.own_votes == (0,)
        assert [o.votes for o in voted.poll.options] == [1, 2, 0]
        assert elsewhere in net.last_publish.failures  # tried where the poll asked, too
        (sent,) = await raw_query(local_relay.url, {"kinds": [1018], "authors": [me.public_hex]})
        assert ["e", poll.id] in sent["tags"] and ["response", "yay1"] in sent["tags"]

        again = await net.post(post.uid)  # read back from the relay
        assert again.poll.voted and [o.votes for o in again.poll.options] == [1, 2, 0]
    finally:
        await net.close()


async def test_votes_after_the_end_do_not_count_and_multiple_choice_counts_each(local_relay):
    me, alice, bob = (Keys.generate() for _ in range(3))
    poll = poll_event(alice, multiple=True, ends_in=-5)
    late = sign(bob, 1018, "", [["e", poll.id], ["response", "meh3"]])
    early = response(bob, poll.id, "yay1", "meh3", "yay1", ago=20)
    await raw_publish(local_relay.url, poll, early, late)
    net = _net(me, local_relay.url)
    await net.open()
    try:
        post = await net.post("nostr:" + poll.id)
        assert post.poll.multiple and post.poll.expired
        assert [o.votes for o in post.poll.options] == [1, 0, 1]
    finally:
        await net.close()
