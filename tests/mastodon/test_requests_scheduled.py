"""Follow requests of a locked account and scheduled posts, against the contract server (every
response is validated against the OpenAPI schema when the test ends)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.mastodon.conftest import network_for
from tui.model import Draft
from tui.networks.base import NetworkError

pytestmark = pytest.mark.network


async def test_pending_requests_are_listed_and_accepted(net, server):
    dave = server.routes.make_account("dave", "Dave")
    server.world.follow_requests.add((dave.id, server.world.by_username("alice").id))
    found = await net.follow_requests()
    assert sorted(a.handle for a in found) == ["carol@remote.example", "dave@murmur.test"]
    rel = await net.answer_follow_request(found[0].uid, accept=True)
    assert rel.followed_by
    left = await net.follow_requests()
    assert len(left) == 1 and left[0].uid != found[0].uid
    authorize = [r for r in server.received if r.path.endswith("/authorize")]
    assert authorize and authorize[0].method == "POST"


async def test_rejecting_a_request_leaves_no_follower(net, server):
    (carol,) = await net.follow_requests()
    rel = await net.answer_follow_request("carol@remote.example", accept=False)
    assert not rel.followed_by
    assert await net.follow_requests() == []
    assert any(r.path.endswith("/reject") for r in server.received)


async def test_answering_a_request_that_is_gone_says_so(net, server):
    server.world.follow_requests.clear()
    with pytest.raises(NetworkError):
        await net.answer_follow_request("carol@remote.example", accept=True)


async def test_following_a_locked_account_is_requested(server):
    server.world.by_username("alice").locked = True
    bob = network_for(server, "bob-token")
    await bob.open()
    try:
        world = server.world
        world.follows.discard((world.by_username("bob").id, world.by_username("alice").id))
        rel = await bob.follow("alice")
        assert rel.requested and not rel.following
        profile = await bob.profile("alice")
        assert profile.relationship is not None and profile.relationship.requested
    finally:
        await bob.close()


async def test_a_scheduled_publish_answers_a_scheduled_post(net, server):
    when = datetime.now(UTC) + timedelta(hours=2)
    post = await net.publish(Draft(text="later", scheduled_at=when, idempotency_key="k-1"))
    assert post.ref["scheduled_id"]
    assert abs((post.created_at - when).total_seconds()) < 1
    # A retry with the same key (the outbox after a lost answer) does not schedule twice.
    again = await net.publish(Draft(text="later", scheduled_at=when, idempotency_key="k-1"))
    assert again.uid == post.uid
    assert [p.uid for p in await net.scheduled()] == [post.uid]
    sent = [r for r in server.received if r.path == "/api/v1/statuses"]
    assert sent[0].form["scheduled_at"].startswith(when.strftime("%Y-%m-%dT%H:%M"))
    await net.cancel_scheduled(post)
    assert await net.scheduled() == []


async def test_a_schedule_too_soon_is_refused_by_the_server(net):
    soon = datetime.now(UTC) + timedelta(minutes=1)
    with pytest.raises(NetworkError) as caught:
        await net.publish(Draft(text="soon", scheduled_at=soon, idempotency_key="k-2"))
    assert "5 minutes" in caught.value.message
