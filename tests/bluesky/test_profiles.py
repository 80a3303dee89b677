"""Bluesky profiles against the reference network: the handle checked against the DID both
ways, counts, the pinned post first, and getAuthorFeed's filter per tab."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.model import Draft, MediaUpload, ProfileTab, VerificationState

from . import test_network
from .test_network import tiny_png

pair = test_network.pair  # the fixture of two signed-in people

pytestmark = pytest.mark.network


async def test_profile_verifies_the_handle_and_tabs_filter_with_the_pin_first(
    bsky,
    pair,
    tmp_path: Path,
) -> None:
    alice, bob = pair
    intro = await alice.publish(Draft(text="hello, I am Alice"))
    other = await bob.publish(Draft(text="bob says hi"))
    bsky.process_all()
    reply = await alice.publish(Draft(text="hi Bob", reply_to=other))
    picture = tmp_path / "red.png"
    picture.write_bytes(tiny_png(2, 2))
    image = await alice.publish(
        Draft(text="a picture", media=(MediaUpload(str(picture), alt="red"),))
    )
    # Pin the intro as the Bluesky app does: pinnedPost in the profile record.
    await alice.xrpc.procedure(
        "com.atproto.repo.putRecord",
        {
            "repo": alice.did,
            "collection": "app.bsky.actor.profile",
            "rkey": "self",
            "record": {
                "$type": "app.bsky.actor.profile",
                "displayName": "Alice",
                "pinnedPost": {"uri": intro.key, "cid": intro.ref["cid"]},
            },
        },
    )
    bsky.process_all()

    prof = await bob.profile(alice.account.handle)
    assert [(v.state, v.text) for v in prof.verification] == [
        (VerificationState.VERIFIED, f"handle verified ({alice.account.handle})")
    ]
    assert prof.author.verified_domain == alice.account.handle
    assert prof.posts == 3

    async def keys(tab: ProfileTab) -> list[str]:
        page = await bob.author_feed(alice.account.handle, tab)
        return [i.key + ("*" if i.ref.get("pinned") else "") for i in page.items]

    assert await keys(ProfileTab.POSTS) == [intro.key + "*", image.key]
    replies = await keys(ProfileTab.REPLIES)
    assert reply.key in replies and image.key in replies and intro.key in replies
    assert await keys(ProfileTab.MEDIA) == [image.key]
