"""Bluesky's mute and block lists against the reference network (PDS + AppView): what the
"Mutes and blocks" screen and `murmur mutes` show, and undoing an entry from them."""

from __future__ import annotations

import pytest

from tests.bluesky.test_network import connect
from tui.networks.base import Capability

from .conftest import BskyNet

pytestmark = pytest.mark.network


async def test_mutes_and_blocks_are_listed_and_undone(bsky: BskyNet) -> None:
    me_acct = bsky.create_account("mutelister", "Me")
    loud_acct = bsky.create_account("loud", "Loud")
    rude_acct = bsky.create_account("rude", "Rude")
    bsky.process_all()
    me = await connect(bsky, me_acct)
    try:
        assert me.supports(Capability.MUTE_THREAD)
        assert not me.supports(Capability.MUTE_DURATION)
        loud = await me.profile(loud_acct.handle)
        rude = await me.profile(rude_acct.handle)
        await me.mute(loud.author.uid)
        await me.block(rude.author.uid)
        bsky.process_all()
        entries = await me.muted()
        assert {(e.kind, e.label) for e in entries} == {
            ("mute", f"@{loud.author.handle}"),
            ("block", f"@{rude.author.handle}"),
        }
        for entry in entries:
            await me.undo_muted(entry)
        bsky.process_all()
        assert await me.muted() == []
    finally:
        await me.close()
