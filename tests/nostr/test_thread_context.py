"""A Nostr thread opened on a reply holds the whole conversation (real relay)."""

from __future__ import annotations

import time

import pytest

from tests.nostr.conftest import raw_publish
from tui.model import Account, NetworkKind
from tui.networks.nostr.event import sign
from tui.networks.nostr.keys import Keys
from tui.networks.nostr.network import NostrNetwork

pytestmark = pytest.mark.network


async def test_a_reply_opens_with_its_siblings_and_the_other_branches(local_relay):
    me, bob, carol, dave = (Keys.generate() for _ in range(4))
    now = int(time.time())
    root = sign(me, 1, "the root", [], now)
    first = sign(bob, 1, "first", [["e", root.id, "", "root"], ["p", me.public_hex]], now + 1)
    second = sign(carol, 1, "second", [["e", root.id, "", "root"], ["p", me.public_hex]], now + 2)
    # Dave's client marks only the parent: his note names no root.
    deeper = sign(dave, 1, "deeper", [["e", first.id, "", "reply"], ["p", bob.public_hex]], now + 3)
    await raw_publish(local_relay.url, root, first, second, deeper)
    account = Account(
        name="me", network=NetworkKind.NOSTR, handle=me.npub, options={"relays": [local_relay.url]}
    )
    net = NostrNetwork(account, {"nsec": me.nsec})
    await net.open()
    try:
        thread = await net.thread(await net.post("nostr:" + first.id))
        assert thread.post.key == first.id
        assert [p.key for p in thread.ancestors] == [root.id]
        assert sorted(p.key for p in thread.descendants) == sorted([second.id, deeper.id])

        thread = await net.thread(await net.post("nostr:" + deeper.id))
        assert [p.key for p in thread.ancestors] == [root.id, first.id]
        assert [p.key for p in thread.descendants] == [second.id]
    finally:
        await net.close()
