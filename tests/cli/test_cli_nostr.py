"""CLI flows against a real relay (nostr-sdk's LocalRelay on 127.0.0.1): login, post, follow,
timeline and notifications, checked on the relay itself with a plain websocket client."""

from __future__ import annotations

import json

import pytest

from tests.nostr.conftest import raw_publish, raw_query
from tui.networks.nostr.event import sign, verify_event
from tui.networks.nostr.keys import Keys
from tui.networks.nostr.nip19 import pubkey_from

pytestmark = pytest.mark.network


def pubkey_of(npub: str) -> str:
    return pubkey_from(npub)


async def login(amurmur, relay_url: str) -> str:
    result = await amurmur("login", "nostr", "--generate", "--relay", relay_url)
    assert result.code == 0, result.err
    npub = result.out.split("public key:")[1].split()[0]
    return npub


async def test_login_generate_then_accounts_lists_it(amurmur, local_relay):
    npub = await login(amurmur, local_relay.url)
    listed = await amurmur("accounts", "--json")
    assert listed.code == 0
    rows = [json.loads(line) for line in listed.out.splitlines()]
    assert [r["network"] for r in rows] == ["nostr"]
    assert rows[0]["handle"] == npub


async def test_login_key_stdin_imports_the_same_identity(amurmur, local_relay):
    keys = Keys.generate()
    result = await amurmur(
        "login", "nostr", "--key-stdin", "--relay", local_relay.url, stdin=keys.nsec + "\n"
    )
    assert result.code == 0, result.err
    assert keys.npub in result.out


async def test_post_puts_exact_non_ascii_text_on_the_relay_signed(amurmur, local_relay):
    npub = await login(amurmur, local_relay.url)
    text = "Grüße aus Köln — 日本語のテキスト, مرحبا 🌍👩‍💻 #murmur"
    result = await amurmur("post", text)
    assert result.code == 0, result.err
    events = await raw_query(local_relay.url, {"kinds": [1], "authors": [pubkey_of(npub)]})
    assert len(events) == 1
    event = events[0]
    assert event["content"] == text
    assert verify_event(event) is not None
    assert ["t", "murmur"] in event["tags"]


async def test_post_from_stdin(amurmur, local_relay):
    npub = await login(amurmur, local_relay.url)
    result = await amurmur("post", "-", stdin="line one\nline two\n")
    assert result.code == 0, result.err
    events = await raw_query(local_relay.url, {"kinds": [1], "authors": [pubkey_of(npub)]})
    assert [e["content"] for e in events] == ["line one\nline two"]


async def test_follow_then_timeline_shows_their_notes(amurmur, local_relay):
    await login(amurmur, local_relay.url)
    friend = Keys.generate()
    await raw_publish(
        local_relay.url,
        sign(friend, 0, json.dumps({"name": "Friend", "display_name": "A Friend"})),
        sign(friend, 1, "hello from a friend ✨"),
    )
    followed = await amurmur("follow", friend.npub)
    assert followed.code == 0, followed.err
    contacts = await raw_query(local_relay.url, {"kinds": [3]})
    assert any(["p", friend.public_hex] == t[:2] for c in contacts for t in c["tags"])

    timeline = await amurmur("timeline", "--json", "--limit", "10")
    assert timeline.code == 0, timeline.err
    posts = [json.loads(line) for line in timeline.out.splitlines()]
    assert [p["text"] for p in posts] == ["hello from a friend ✨"]
    assert posts[0]["network"] == "nostr"
    assert posts[0]["author"]["display_name"] == "A Friend"
    assert posts[0]["created_at"].endswith("Z")


async def test_notifications_show_a_reply_to_my_note(amurmur, local_relay):
    npub = await login(amurmur, local_relay.url)
    me = pubkey_of(npub)
    assert (await amurmur("post", "anyone there?")).code == 0
    mine = (await raw_query(local_relay.url, {"kinds": [1], "authors": [me]}))[0]
    stranger = Keys.generate()
    await raw_publish(
        local_relay.url,
        sign(stranger, 1, "yes, hello!", [["e", mine["id"], "", "root"], ["p", me]]),
    )
    result = await amurmur("notifications", "--json")
    assert result.code == 0, result.err
    rows = [json.loads(line) for line in result.out.splitlines()]
    assert [r["kind"] for r in rows] == ["reply"]
    assert rows[0]["post"]["text"] == "yes, hello!"


async def test_wrong_passphrase_exits_2_and_sends_nothing(amurmur, local_relay, monkeypatch):
    npub = await login(amurmur, local_relay.url)
    monkeypatch.setenv("MURMUR_PASSPHRASE", "not the passphrase")
    result = await amurmur("post", "should never arrive")
    assert result.code == 2
    assert "passphrase" in result.err.lower()
    assert "Traceback" not in result.err
    assert await raw_query(local_relay.url, {"kinds": [1], "authors": [pubkey_of(npub)]}) == []


async def test_unreachable_relay_exits_1_and_keeps_the_post(amurmur, local_relay):
    from tui.store import paths
    from tui.store.cache import Cache

    await login(amurmur, local_relay.url)
    local_relay.stop()
    result = await amurmur("post", "kept for later")
    assert result.code == 1
    assert "outbox" in result.err
    assert "Traceback" not in result.err
    with Cache(paths.cache_file()) as cache:
        assert [(e.state, e.draft.text) for e in cache.outbox()] == [("failed", "kept for later")]
