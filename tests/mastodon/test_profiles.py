"""Mastodon profiles against the contract server (every answer validated against the schema):
verified links with their domain, counts, pinned posts first, the posts / replies / media tabs."""

from __future__ import annotations

import pytest

from tests.mastodon.world import Media
from tui.model import ProfileTab, VerificationState

pytestmark = pytest.mark.network

STATUSES = "/api/v1/accounts/{}/statuses"


def seeded(server):
    """Bob: a verified link, a plain field, a pinned older post, a reply to Alice, a self-reply
    (a thread, which Mastodon keeps among posts), a post with a picture."""
    w, routes = server.world, server.routes
    alice, bob = w.by_username("alice"), w.by_username("bob")
    bob.fields = [
        ("Home", '<a href="https://bob.example/me" rel="me">bob.example/me</a>'),
        ("Pronouns", "he/him"),
    ]
    bob.verified = {"Home": "2026-01-02T03:04:05.000+00:00"}
    intro = routes.make_status(bob.id, "Hi, I build things")
    to_alice = routes.make_status(
        bob.id, "@alice hello", in_reply_to=routes.make_status(alice.id, "hey").id
    )
    thread = routes.make_status(bob.id, "and more", in_reply_to=intro.id)
    picture = routes.make_status(bob.id, "a shed")
    media = Media(w.new_id(), bob.id, "shed.png", "a wooden shed", 10, ready=True)
    w.media[media.id] = media
    picture.media = [media.id]
    w.pins[bob.id] = {intro.id}
    return bob, intro, to_alice, thread, picture


async def test_profile_has_verified_link_with_domain_and_counts(net, server):
    bob_acct, *_ = seeded(server)
    bob = await net.profile("bob")
    home, pronouns = bob.fields
    assert home.verified and home.verified_at is not None and home.verified_at.year == 2026
    assert home.domain == "bob.example"
    assert not pronouns.verified and pronouns.value.text == "he/him"
    assert [(v.method, v.state, v.claim) for v in bob.verification] == [
        ("link", VerificationState.VERIFIED, "bob.example")
    ]
    statuses = sum(1 for s in server.world.statuses.values() if s.account == bob_acct.id)
    assert bob.posts == statuses
    assert (bob.following, bob.followers) == (1, 1)


async def test_tabs_ask_the_server_and_pinned_posts_come_first(net, server):
    bob, intro, to_alice, thread, picture = seeded(server)

    async def uids(tab: ProfileTab) -> list[str]:
        page = await net.author_feed("bob", tab)
        return [i.uid.rsplit(":", 1)[-1] + ("*" if i.ref.get("pinned") else "") for i in page.items]

    posts = await uids(ProfileTab.POSTS)
    assert posts[0] == intro.id + "*" and posts.count(intro.id) == 0
    assert picture.id in posts and thread.id in posts and to_alice.id not in posts
    replies = await uids(ProfileTab.REPLIES)
    assert to_alice.id in replies and thread.id in replies and not any("*" in u for u in replies)
    assert await uids(ProfileTab.MEDIA) == [picture.id]
    asked = [dict(r.query) for r in server.received if r.path == STATUSES.format(bob.id)]
    assert any(q.get("exclude_replies") == "true" for q in asked)
    assert any(q.get("only_media") == "true" for q in asked)
    assert sum(1 for q in asked if q.get("pinned") == "true") == 1  # the posts tab only
