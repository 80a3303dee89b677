"""CLI flows against Bluesky's reference network (PLC + PDS + AppView on 127.0.0.1)."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.network


async def login(amurmur, bsky, person) -> None:
    result = await amurmur(
        "login",
        "bluesky",
        person.handle,
        "--service",
        bsky.pds,
        "--password-stdin",
        stdin=person.app_password + "\n",
    )
    assert result.code == 0, result.err
    assert f"logged in as {person.handle}" in result.out


async def test_wrong_app_password_exits_1_without_saving(amurmur, bsky):
    person = bsky.create_account("cliwrong")
    result = await amurmur(
        "login",
        "bluesky",
        person.handle,
        "--service",
        bsky.pds,
        "--password-stdin",
        stdin="definitely-wrong\n",
    )
    assert result.code == 1
    assert "Traceback" not in result.err
    assert (await amurmur("accounts", "--json")).out == ""


async def test_post_follow_timeline_and_notifications(amurmur, bsky):
    alice = bsky.create_account("clialice", "Alice")
    bob = bsky.create_account("clibob", "Bob")
    await login(amurmur, bsky, alice)

    posted = await amurmur("post", f"Grüße 🌍 hello @{bob.handle} #murmur https://example.com")
    assert posted.code == 0, posted.err
    uid = posted.out.split("\t")[2].strip()
    assert uid.startswith("bluesky:at://")

    assert (await amurmur("accounts", "remove", alice.handle)).code == 0
    await login(amurmur, bsky, bob)
    followed = await amurmur("follow", alice.handle)
    assert followed.code == 0, followed.err
    bsky.process_all()

    timeline = await amurmur("timeline", "--json")
    assert timeline.code == 0, timeline.err
    posts = [json.loads(line) for line in timeline.out.splitlines()]
    mine = next(p for p in posts if p["uid"] == uid)
    assert mine["text"] == f"Grüße 🌍 hello @{bob.handle} #murmur https://example.com"
    assert mine["author"] == {"handle": alice.handle, "display_name": "Alice"}

    notes = await amurmur("notifications", "--json")
    assert notes.code == 0, notes.err
    rows = [json.loads(line) for line in notes.out.splitlines()]
    mention = next(r for r in rows if r["kind"] == "mention")
    assert mention["actor"]["handle"] == alice.handle
