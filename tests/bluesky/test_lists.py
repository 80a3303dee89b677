"""Curate lists on Bluesky's reference network: made, filled, read as a feed, renamed, deleted."""

from __future__ import annotations

import pytest

from tui.model import Draft, Post
from tui.networks.base import NotFound

from .conftest import BskyNet
from .test_network import connect

pytestmark = pytest.mark.network


async def test_a_curate_list_is_made_filled_read_renamed_and_deleted(bsky: BskyNet) -> None:
    alice_p, bob_p, carol_p = (bsky.create_account(n, n.title()) for n in ("al", "bo", "ca"))
    bsky.process_all()
    alice, bob, carol = [await connect(bsky, p) for p in (alice_p, bob_p, carol_p)]
    try:
        by_bob = await bob.publish(Draft(text="bob on the list"))
        await carol.publish(Draft(text="carol is not"))

        made = await alice.create_list("Builders")
        assert made.id.startswith(f"at://{alice_p.did}/app.bsky.graph.list/")
        added = await alice.add_to_list(made.id, "@" + bob_p.handle)
        assert (added.handle, added.display_name) == (bob_p.handle, "Bo")
        assert [(x.id, x.title, x.members) for x in await alice.lists()] == [
            (made.id, "Builders", 1)
        ]
        assert [m.handle for m in await alice.list_members(made.id)] == [bob_p.handle]

        bsky.process_all()
        feed = await alice.timeline(made.feed)
        assert [p.key for p in feed.items if isinstance(p, Post)] == [by_bob.key]

        assert made.feed in await alice.feeds()  # the feed picker offers it

        renamed = await alice.rename_list(made.id, "Makers")
        assert renamed.title == "Makers"
        assert [x.title for x in await alice.lists()] == ["Makers"]

        with pytest.raises(NotFound):
            await alice.remove_from_list(made.id, carol_p.did)
        await alice.remove_from_list(made.id, added.uid)
        assert await alice.list_members(made.id) == []

        await alice.add_to_list(made.id, carol_p.did)
        await alice.delete_list(made.id)
        assert await alice.lists() == []
        with pytest.raises(NotFound):
            await alice.list_members(made.id)
        with pytest.raises(NotFound):
            await bob.rename_list(made.id, "not mine")
    finally:
        for net in (alice, bob, carol):
            await net.close()
