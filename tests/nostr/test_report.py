"""NIP-56 reports (kind 1984) on a real relay: the chosen report type on the right tag."""

from __future__ import annotations

import pytest

from tests.nostr.conftest import raw_publish, raw_query
from tests.nostr.test_client import _net
from tui.networks.nostr.event import sign
from tui.networks.nostr.keys import Keys

pytestmark = pytest.mark.network


async def test_report_a_note_and_a_person_with_their_types(local_relay):
    me, spammer = Keys.generate(), Keys.generate()
    note = sign(spammer, 1, "buy now")
    await raw_publish(local_relay.url, note)
    net = _net(me, local_relay.url)
    await net.open()
    try:
        post = await net.post("nostr:" + note.id)
        await net.report(post, "selling things", category="spam")
        await net.report(post.author, "", category="impersonation")
        await net.report(post.author, "", category="made-up")  # unknown: "other"
    finally:
        await net.close()
    sent = await raw_query(local_relay.url, {"kinds": [1984], "authors": [me.public_hex]})
    tags = sorted((tuple(t) for e in sent for t in e["tags"]), key=str)
    assert ("e", note.id, "spam") in tags and ("p", spammer.public_hex) in tags
    assert ("p", spammer.public_hex, "impersonation") in tags
    assert ("p", spammer.public_hex, "other") in tags
    assert {e["content"] for e in sent} == {"selling things", ""}
