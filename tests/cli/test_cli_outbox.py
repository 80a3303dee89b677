"""The outbox from the command line, against the Mastodon contract server: a post that failed
for a passing reason is retried with the same idempotency key and sent once; one the server
rejected as it is waits for an edit; drafts a target cannot take are refused before anything is
stored or sent."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_cli_mastodon import login
from tests.nostr.conftest import raw_query
from tui.networks.nostr.nip19 import pubkey_from

pytestmark = pytest.mark.network

STATUSES = "/api/v1/statuses"


def posted(server) -> list:
    return [r for r in server.received if r.method == "POST" and r.path == STATUSES]


async def outbox(amurmur) -> list[dict]:
    result = await amurmur("outbox", "--json")
    assert result.code == 0, result.err
    return [json.loads(line) for line in result.out.splitlines()]


async def test_failed_posts_are_listed_retried_once_and_rejections_wait_for_an_edit(
    amurmur, server
):
    await login(amurmur, server)

    server.fault(STATUSES, 503, '{"error": "down for maintenance"}', method="POST", times=4)
    down = await amurmur("post", "sent while the server was down")
    assert down.code == 1 and "outbox" in down.err and "Traceback" not in down.err

    server.fault(STATUSES, 422, '{"error": "Validation failed: spam"}', method="POST")
    rejected = await amurmur("post", "rejected as it is")
    assert rejected.code == 1 and "Validation failed: spam" in rejected.err

    waiting = {e["text"]: e for e in await outbox(amurmur)}
    assert waiting.keys() == {"sent while the server was down", "rejected as it is"}
    assert waiting["sent while the server was down"]["needs_edit"] is False
    assert waiting["rejected as it is"]["needs_edit"] is True
    listed = await amurmur("outbox")
    assert "needs an edit" in listed.out and "failed, will retry" in listed.out

    keys_before = {r.headers.get("idempotency-key") for r in posted(server)}
    retried = await amurmur("outbox", "retry", "--all")
    assert retried.code == 0, retried.err
    assert "sent" in retried.out
    # Only the retryable post went out again, under the key it was first sent with.
    last = posted(server)[-1]
    assert last.headers.get("idempotency-key") in keys_before
    texts = [e["text"] for e in await outbox(amurmur)]
    assert texts == ["rejected as it is"]
    timeline = await amurmur("timeline", "--json", "--limit", "40")
    mine = [json.loads(line)["text"] for line in timeline.out.splitlines()]
    assert mine.count("sent while the server was down") == 1

    edit_first = waiting["rejected as it is"]["id"]
    again = await amurmur("outbox", "retry", edit_first[:8])
    assert again.code == 2 and "edit it first" in again.err
    dropped = await amurmur("outbox", "drop", edit_first[:8])
    assert dropped.code == 0, dropped.err
    assert await outbox(amurmur) == []


async def test_a_post_over_the_servers_limit_is_refused_with_the_count(amurmur, server):
    name = await login(amurmur, server)
    result = await amurmur("post", "x" * 505)
    assert result.code == 2
    assert f"{name}: 505 characters, 5 over its limit of 500" in result.err
    assert posted(server) == []
    assert await outbox(amurmur) == []


async def test_nostr_refuses_a_direct_post_instead_of_publishing_it(amurmur, local_relay):
    made = await amurmur("login", "nostr", "--generate", "--relay", local_relay.url)
    assert made.code == 0, made.err
    npub = made.out.split("public key:")[1].split()[0]
    result = await amurmur("post", "--visibility", "unlisted", "for your eyes only")
    assert result.code == 2, result.err
    assert "no unlisted posts" in result.err
    # Direct is a private message (NIP-17) to the people mentioned: nobody here, so refused.
    result = await amurmur("post", "--visibility", "direct", "for your eyes only")
    assert result.code == 2, result.err
    assert "mention someone" in result.err and "nothing was sent" in result.err
    events = await raw_query(local_relay.url, {"kinds": [1], "authors": [pubkey_from(npub)]})
    assert events == []
    assert await outbox(amurmur) == []
