"""CLI flows against Bluesky's reference network (PLC + PDS + AppView on 127.0.0.1)."""

from __future__ import annotations

import json

import httpx
import pytest

# @atproto/api's RichText, run by node: the facets Bluesky's app would send.
from tests.bluesky.conftest import richtext_reference  # noqa: F401

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
    assert mine["author"]["handle"] == alice.handle
    assert mine["author"]["display_name"] == "Alice"
    assert mine["author"]["uid"].startswith("bluesky:did:")

    notes = await amurmur("notifications", "--json")
    assert notes.code == 0, notes.err
    rows = [json.loads(line) for line in notes.out.splitlines()]
    mention = next(r for r in rows if r["kind"] == "mention")
    assert mention["actor"]["handle"] == alice.handle


def stored_record(bsky, uid: str) -> dict:
    """The post record as the PDS stores it (public: no credentials needed)."""
    uri = uid.removeprefix("bluesky:")
    repo, collection, rkey = uri.removeprefix("at://").split("/")
    r = httpx.get(
        f"{bsky.pds}/xrpc/com.atproto.repo.getRecord",
        params={"repo": repo, "collection": collection, "rkey": rkey},
        timeout=30,
    )
    r.raise_for_status()
    return r.json()["value"]


async def test_posted_facets_and_warnings_are_what_blueskys_app_would_send(amurmur, bsky, request):
    reference = request.getfixturevalue("richtext_reference")
    carol = bsky.create_account("clicarol")
    await login(amurmur, bsky, carol)
    text = "read example.com, www.example.org/path. (#tag) #日本語! #️⃣ $aapl x.py"
    posted = await amurmur("post", text)
    assert posted.code == 0, posted.err
    record = stored_record(bsky, posted.out.split("\t")[2].strip())
    assert record["text"] == text
    [answer] = reference([text])
    assert record["facets"] == [
        {"index": f["index"], "features": f["features"]} for f in answer["facets"]
    ]
    assert [f["features"][0].get("uri") for f in record["facets"]][:2] == [
        "https://example.com",
        "https://www.example.org/path",
    ]

    labelled = await amurmur("post", "art", "--cw", "nudity")
    assert labelled.code == 0, labelled.err
    record = stored_record(bsky, labelled.out.split("\t")[2].strip())
    assert record["text"] == "art" and record["labels"]["values"] == [{"val": "nudity"}]
    spoiler = await amurmur("post", "he dies", "--cw", "spoilers")
    assert spoiler.code == 0, spoiler.err
    record = stored_record(bsky, spoiler.out.split("\t")[2].strip())
    assert record["text"] == "CW: spoilers\n\nhe dies" and "labels" not in record
