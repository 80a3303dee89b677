"""`murmur requests`, `murmur scheduled`, `post --schedule` and following a locked account,
against the Mastodon contract server (responses schema-checked) and a real Nostr relay."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.cli.test_cli_mastodon import login
from tests.cli.test_cli_nostr import in_terminal
from tests.cli.test_cli_nostr import login as nostr_login

pytestmark = pytest.mark.network


async def test_requests_lists_then_accept_makes_a_follower(amurmur, server):
    await login(amurmur, server)
    listed = await amurmur("requests", "--json")
    assert listed.code == 0, listed.err
    rows = [json.loads(line) for line in listed.out.splitlines()]
    assert [r["handle"] for r in rows] == ["carol@remote.example"]
    accepted = await amurmur("requests", "accept", "carol@remote.example")
    assert accepted.code == 0, accepted.err
    assert "accepted carol@remote.example" in accepted.out
    world = server.world
    carol, alice = world.by_username("carol@remote.example"), world.by_username("alice")
    assert (carol.id, alice.id) in world.follows
    assert (await amurmur("requests")).out == ""


async def test_reject_leaves_no_follower_and_a_gone_request_fails(amurmur, server):
    await login(amurmur, server)
    rejected = await amurmur("requests", "reject", "carol@remote.example")
    assert rejected.code == 0, rejected.err
    world = server.world
    carol, alice = world.by_username("carol@remote.example"), world.by_username("alice")
    assert (carol.id, alice.id) not in world.follows and not world.follow_requests
    again = await amurmur("requests", "reject", "carol@remote.example")
    assert again.code == 1 and "Traceback" not in again.err


async def test_following_a_locked_account_prints_requested(amurmur, server):
    await login(amurmur, server)
    dave = server.routes.make_account("dave", "Dave")
    dave.locked = True
    code, out = await in_terminal("follow", "dave")
    assert code == 0, out
    assert "requested dave" in out
    assert (server.world.by_username("alice").id, dave.id) in server.world.follow_requests


async def test_post_schedule_then_list_and_cancel(amurmur, server):
    await login(amurmur, server)
    posted = await amurmur("post", "--schedule", "in 2h", "see you later")
    assert posted.code == 0, posted.err
    assert "\tscheduled\t" in posted.out
    (entry,) = server.world.scheduled.values()
    at = datetime.fromisoformat(entry["scheduled_at"])
    assert timedelta(minutes=115) < at - datetime.now(UTC) < timedelta(minutes=125)
    assert not any(s.text == "see you later" for s in server.world.statuses.values())

    listed = await amurmur("scheduled", "--json")
    assert listed.code == 0, listed.err
    (row,) = [json.loads(line) for line in listed.out.splitlines()]
    assert row["text"] == "see you later" and row["scheduled_id"] == entry["id"]

    cancelled = await amurmur("scheduled", "cancel", entry["id"])
    assert cancelled.code == 0, cancelled.err
    assert server.world.scheduled == {}
    missing = await amurmur("scheduled", "cancel", entry["id"])
    assert missing.code == 1 and "no scheduled post" in missing.err


async def test_schedule_too_soon_or_unreadable_is_refused_before_sending(amurmur, server):
    await login(amurmur, server)
    soon = await amurmur("post", "--schedule", "in 2m", "too soon")
    assert soon.code == 2 and "at least 5 minutes ahead" in soon.err
    garbled = await amurmur("post", "--schedule", "someday", "when?")
    assert garbled.code == 2 and "--schedule" in garbled.err
    assert server.world.scheduled == {}
    assert (await amurmur("outbox", "--json")).out == ""


async def test_nostr_has_no_requests_nor_scheduled_posts(amurmur, local_relay):
    await nostr_login(amurmur, local_relay.url)
    requests = await amurmur("requests")
    assert requests.code == 0 and "Nostr has no follow requests" in requests.err
    scheduled = await amurmur("scheduled")
    assert scheduled.code == 0 and "Nostr has no scheduled posts" in scheduled.err
    posted = await amurmur("post", "--schedule", "tomorrow 09:00", "later")
    assert posted.code == 2 and "Nostr has no scheduled posts" in posted.err
    assert (await amurmur("outbox", "--json")).out == ""
