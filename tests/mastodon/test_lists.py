"""Lists on Mastodon: create, rename, members, the list as a feed, delete (contract server)."""

from __future__ import annotations

import pytest

from tui.model import FeedKind, FeedRef, Post
from tui.networks.base import NetworkError, NotFound

pytestmark = pytest.mark.network  # the contract server


async def test_a_list_is_made_filled_read_renamed_and_deleted(net, server):
    domain = server.world.domain
    before = await net.lists()
    assert [x.title for x in before] == ["Friends"]

    made = await net.create_list("Neighbours")
    assert made.title == "Neighbours"
    assert [x.title for x in await net.lists()] == ["Friends", "Neighbours"]

    carol = await net.add_to_list(made.id, "@carol@remote.example")
    assert carol.handle.startswith("carol")
    members = await net.list_members(made.id)
    assert [m.handle for m in members] == [carol.handle]

    page = await net.timeline(made.feed)
    authors = {i.author.handle for i in page.items if isinstance(i, Post)}
    assert authors <= {carol.handle}

    renamed = await net.rename_list(made.id, "Near")
    assert renamed.title == "Near"
    feeds = await net.feeds()
    assert FeedRef(FeedKind.LIST, made.id, "Near") in feeds

    with pytest.raises(NotFound):
        await net.remove_from_list(made.id, f"bob@{domain}")
    await net.remove_from_list(made.id, carol.uid)
    assert await net.list_members(made.id) == []

    await net.delete_list(made.id)
    assert [x.title for x in await net.lists()] == ["Friends"]
    with pytest.raises(NotFound):
        await net.list_members(made.id)


async def test_the_servers_refusal_reads_as_a_sentence(net, server):
    made = await net.create_list("Strangers")
    with pytest.raises(NetworkError) as caught:
        await net.add_to_list(made.id, "alice")  # oneself: not followed
    assert "not followed" in str(caught.value)


async def test_a_hostile_title_comes_back_cleaned(net, server):
    made = await net.create_list("Red\x1b[31m\u202eevil\x07")
    (shown,) = [x for x in await net.lists() if x.id == made.id]
    assert shown.title.startswith("Red")
    assert not any(ch in shown.title for ch in "\x1b\u202e\x07")
