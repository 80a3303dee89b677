"""Neighbours answer the user's new notes, so notifications flow while the demo runs."""

from __future__ import annotations

import json

import pytest

from tests.demo.helpers import fetch, publish, tags, verify_with_nostr_sdk, wait_for
from tui.demo import Demo
from tui.networks.nostr.event import sign
from tui.networks.nostr.keys import Keys

pytestmark = [pytest.mark.network, pytest.mark.asyncio(loop_scope="module")]


def answers_to(note_id: str):
    def found(events: list[dict]) -> bool:
        kinds = {e["kind"] for e in events if note_id in {t[1] for t in tags(e, "e")}}
        return {1, 7} <= kinds

    return found


async def test_a_new_note_gets_a_reply_and_a_reaction(demo: Demo, user: Keys):
    note = sign(user, 1, "Testing the demo: こんにちは, привет, مرحبا 👋")
    ok = await publish(demo.relay_url, note.to_dict())
    assert ok[2] is True
    events = await wait_for(demo.relay_url, {"#e": [note.id]}, answers_to(note.id))
    neighbours = {e["pubkey"] for e in await fetch(demo.relay_url, {"kinds": [0]})}
    for event in events:
        assert event["pubkey"] in neighbours - {user.public_hex}
        assert ["p", user.public_hex] in event["tags"]
        assert verify_with_nostr_sdk(event)
    reply = next(e for e in events if e["kind"] == 1)
    assert ["e", note.id, demo.relay_url, "root", user.public_hex] in reply["tags"]
    assert reply["content"].strip()
    reaction = next(e for e in events if e["kind"] == 7)
    assert reaction["content"]


async def test_a_reply_to_a_neighbour_is_answered_by_that_neighbour(demo: Demo, user: Keys):
    [profile] = await fetch(
        demo.relay_url,
        {
            "kinds": [0],
            "limit": 1,
            "authors": [
                p["pubkey"]
                for p in await fetch(demo.relay_url, {"kinds": [0]})
                if json.loads(p["content"])["name"] == "soren"
            ],
        },
    )
    soren = profile["pubkey"]
    [post] = await fetch(demo.relay_url, {"kinds": [1], "authors": [soren], "limit": 1})
    reply = sign(
        user,
        1,
        "Tak! Which oil do you use?",
        [["e", post["id"], demo.relay_url, "root", soren], ["p", soren]],
    )
    assert (await publish(demo.relay_url, reply.to_dict()))[2] is True

    def soren_answered(events: list[dict]) -> bool:
        return any(e["kind"] == 1 and e["pubkey"] == soren for e in events)

    events = await wait_for(demo.relay_url, {"#e": [reply.id]}, soren_answered)
    answer = next(e for e in events if e["kind"] == 1 and e["pubkey"] == soren)
    # Still in the thread of soren's post, now answering the user's reply (NIP-10 markers).
    assert ["e", post["id"], demo.relay_url, "root", soren] in answer["tags"]
    assert ["e", reply.id, demo.relay_url, "reply", user.public_hex] in answer["tags"]
    assert ["p", user.public_hex] in answer["tags"]


async def test_each_note_is_answered_once(demo: Demo, user: Keys):
    note = sign(user, 1, "One more, for counting.")
    await publish(demo.relay_url, note.to_dict())
    await publish(demo.relay_url, note.to_dict())  # a client retrying the same event
    events = await wait_for(demo.relay_url, {"#e": [note.id]}, answers_to(note.id))
    replies = [e for e in events if e["kind"] == 1]
    assert 1 <= len({e["pubkey"] for e in replies}) <= 2
    assert len(replies) == len({e["pubkey"] for e in replies})
