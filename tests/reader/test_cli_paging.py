"""`murmur timeline|notifications --limit N` pages until N or the end, against real servers,
and `--json` names people in full (handles, npubs), never as the screen abbreviates them."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import amurmur  # noqa: F401 - the CLI as a subprocess
from tests.mastodon.conftest import server  # noqa: F401 - the Mastodon contract server
from tests.mastodon.routes import SEEDED_POSTS
from tests.nostr.conftest import local_relay, raw_publish  # noqa: F401 - a real relay
from tui.networks.nostr.event import sign
from tui.networks.nostr.keys import Keys

pytestmark = pytest.mark.network


async def mastodon_login(amurmur, server) -> None:  # noqa: F811
    result = await amurmur("login", "mastodon", server.url, "--token-stdin", stdin="test-token\n")
    assert result.code == 0, result.err


async def test_timeline_limit_beyond_one_page_pages_on(amurmur, server):  # noqa: F811
    await mastodon_login(amurmur, server)
    result = await amurmur("timeline", "--json", "--limit", "45")  # the server gives 40 a page
    assert result.code == 0, result.err
    posts = [json.loads(line) for line in result.out.splitlines()]
    assert len(posts) == 45
    assert len({p["uid"] for p in posts}) == 45
    times = [p["created_at"] for p in posts]
    assert times == sorted(times, reverse=True)
    everything = await amurmur("timeline", "--json", "--limit", "1000")
    assert everything.code == 0, everything.err
    assert len(everything.out.splitlines()) >= SEEDED_POSTS  # to the end, then it stops


async def test_notifications_limit_beyond_one_page_pages_on(amurmur, server):  # noqa: F811
    routes = server.routes
    alice = next(a for a in routes.w.accounts.values() if a.username == "alice")
    bob = next(a for a in routes.w.accounts.values() if a.username == "bob")
    for _ in range(50):
        routes.notify("follow", alice.id, bob.id)
    await mastodon_login(amurmur, server)
    result = await amurmur("notifications", "--json", "--limit", "45")
    assert result.code == 0, result.err
    rows = [json.loads(line) for line in result.out.splitlines()]
    assert len(rows) == 45
    assert len({r["uid"] for r in rows}) == 45


async def test_json_names_nostr_authors_by_full_npub(amurmur, local_relay):  # noqa: F811
    login = await amurmur("login", "nostr", "--generate", "--relay", local_relay.url)
    assert login.code == 0, login.err
    friend = Keys.generate()  # no NIP-05 name: the screen shows a short npub
    await raw_publish(
        local_relay.url,
        sign(friend, 0, json.dumps({"name": "Friend"})),
        sign(friend, 1, "hello in full"),
    )
    assert (await amurmur("follow", friend.npub)).code == 0
    result = await amurmur("timeline", "--json", "--limit", "5")
    assert result.code == 0, result.err
    posts = [json.loads(line) for line in result.out.splitlines()]
    assert [p["text"] for p in posts] == ["hello in full"]
    author = posts[0]["author"]
    assert author["npub"] == friend.npub
    assert author["handle"] == friend.npub
    assert "…" not in json.dumps(author, ensure_ascii=False)
