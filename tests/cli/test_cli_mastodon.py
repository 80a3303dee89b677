"""CLI flows against the Mastodon contract server on 127.0.0.1 (responses schema-checked)."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.nostr.conftest import raw_query

pytestmark = pytest.mark.network


async def login(amurmur, server) -> str:
    result = await amurmur("login", "mastodon", server.url, "--token-stdin", stdin="test-token\n")
    assert result.code == 0, result.err
    assert "logged in as alice@" in result.out
    return result.out.split("logged in as ")[1].split()[0]


async def test_login_with_token_then_accounts(amurmur, server):
    name = await login(amurmur, server)
    listed = await amurmur("accounts", "--json")
    rows = [json.loads(line) for line in listed.out.splitlines()]
    assert rows == [{"name": name, "network": "mastodon", "server": server.url, "handle": name}]


async def test_wrong_token_is_a_clear_error(amurmur, server):
    result = await amurmur("login", "mastodon", server.url, "--token-stdin", stdin="not-a-token\n")
    assert result.code == 1
    assert "Traceback" not in result.err
    assert (await amurmur("accounts", "--json")).out == ""


async def test_home_timeline_json_has_the_documented_fields(amurmur, server):
    await login(amurmur, server)
    result = await amurmur("timeline", "--json", "--limit", "5")
    assert result.code == 0, result.err
    posts = [json.loads(line) for line in result.out.splitlines()]
    assert len(posts) == 5
    for post in posts:
        assert {
            "uid",
            "network",
            "account",
            "author",
            "created_at",
            "text",
            "url",
            "reply_to",
            "repost_of",
        } <= post.keys()
        assert post["network"] == "mastodon"
        assert post["created_at"].endswith("Z")
    times = [p["created_at"] for p in posts]
    assert times == sorted(times, reverse=True)


async def test_tag_feed_and_a_link_that_names_another_host(amurmur, server):
    await login(amurmur, server)
    result = await amurmur("timeline", "--feed", "public", "--json", "--limit", "40")
    assert result.code == 0, result.err
    texts = [json.loads(line)["text"] for line in result.out.splitlines()]
    phish = next(t for t in texts if "bank.example" in t)
    assert "[evil.example]" in phish


async def test_post_reaches_the_server_with_cw_and_visibility(amurmur, server):
    await login(amurmur, server)
    result = await amurmur(
        "post", "--cw", "food", "--visibility", "unlisted", "Grüße, 日本 🍜 https://example.com"
    )
    assert result.code == 0, result.err
    status = max(server.world.statuses.values(), key=lambda s: s.created_at)
    assert status.text == "Grüße, 日本 🍜 https://example.com"
    assert status.spoiler == "food"
    assert status.visibility == "unlisted"


async def test_notifications_json(amurmur, server):
    await login(amurmur, server)
    result = await amurmur("notifications", "--json", "--limit", "50")
    assert result.code == 0, result.err
    rows = [json.loads(line) for line in result.out.splitlines()]
    kinds = {r["kind"] for r in rows}
    assert {"like", "repost", "follow"} <= kinds, kinds
    assert kinds & {"mention", "reply"}, kinds
    follow = next(r for r in rows if r["kind"] == "follow")
    assert follow["post"] is None
    assert follow["actor"]["handle"].startswith("carol")


async def test_server_error_page_exits_1_with_a_sentence(amurmur, server):
    await login(amurmur, server)
    async with httpx.AsyncClient() as client:
        await client.post(
            f"{server.url}/_test/faults",
            json={
                "path": "/api/v1/timelines/home",
                "status": 404,
                "body": "<html><body><h1>Not Found</h1></body></html>",
                "content_type": "text/html",
                "times": 5,
            },
        )
    result = await amurmur("timeline")
    assert result.code == 1
    assert "Traceback" not in result.err
    assert "<html" not in result.err
    assert "alice@" in result.err


async def test_cross_post_to_mastodon_and_nostr(amurmur, server, local_relay):
    name = await login(amurmur, server)
    nostr = await amurmur("login", "nostr", "--generate", "--relay", local_relay.url)
    assert nostr.code == 0, nostr.err
    nostr_name = nostr.out.split("logged in as ")[1].split()[0]
    result = await amurmur("post", "--account", name, "--account", nostr_name, "both at once ✨")
    assert result.code == 0, result.err
    assert {line.split("\t")[0] for line in result.out.splitlines()} == {name, nostr_name}
    assert any(s.text == "both at once ✨" for s in server.world.statuses.values())
    notes = await raw_query(local_relay.url, {"kinds": [1]})
    assert [n["content"] for n in notes] == ["both at once ✨"]


async def test_reply_with_media_and_alt_text(amurmur, server, tmp_path):
    await login(amurmur, server)
    timeline = await amurmur("timeline", "--json", "--limit", "40")
    target = next(
        json.loads(line)
        for line in timeline.out.splitlines()
        if "welcome!" in json.loads(line)["text"]
    )
    image = tmp_path / "cat.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    result = await amurmur(
        "post",
        "--reply-to",
        target["uid"],
        "--media",
        str(image),
        "--alt",
        "a cat asleep on a keyboard",
        "thanks, here is my cat",
    )
    assert result.code == 0, result.err
    status = max(server.world.statuses.values(), key=lambda s: s.created_at)
    assert status.text.endswith("thanks, here is my cat")
    assert status.in_reply_to == target["uid"].rsplit(":", 1)[1]
    media = [server.world.media[m] for m in status.media]
    assert [(m.filename, m.description) for m in media] == [
        ("cat.png", "a cat asleep on a keyboard")
    ]


async def test_alt_without_media_is_a_usage_error(amurmur, server):
    await login(amurmur, server)
    result = await amurmur("post", "--alt", "orphan", "text")
    assert result.code == 2
    assert "--alt" in result.err


async def test_a_server_without_a_scheme_says_what_was_tried_and_how_to_give_http(amurmur, server):
    bare = server.url.removeprefix("http://")
    result = await amurmur("login", "mastodon", bare, "--token-stdin", stdin="test-token\n")
    assert result.code == 1
    assert "Traceback" not in result.err
    assert f"tried https://{bare}" in result.err
    assert f"http://{bare}" in result.err.replace(f"https://{bare}", "")
    assert (await amurmur("accounts", "--json")).out == ""


async def test_post_direct_stays_direct(amurmur, server):
    await login(amurmur, server)
    result = await amurmur("post", "--visibility", "direct", "@bob only you")
    assert result.code == 0, result.err
    status = max(server.world.statuses.values(), key=lambda s: s.created_at)
    assert (status.text, status.visibility) == ("@bob only you", "direct")
    refused = await amurmur("post", "--visibility", "followers", "who sees this?")
    assert refused.code == 2  # argparse names the visibilities there are
    assert "invalid choice: 'followers'" in refused.err and "Traceback" not in refused.err
    assert not [s for s in server.world.statuses.values() if s.text == "who sees this?"]


async def test_direct_post_then_messages_lists_the_conversation(amurmur, server):
    from tests.mastodon.conftest import check_sent

    await login(amurmur, server)
    sent = await amurmur("post", "--visibility", "direct", "@bob lunch at noon?")
    assert sent.code == 0, sent.err
    status = max(server.world.statuses.values(), key=lambda s: s.created_at)
    assert status.visibility == "direct"

    listed = await amurmur("messages", "--json")
    assert listed.code == 0, listed.err
    rows = [json.loads(line) for line in listed.out.splitlines()]
    newest = rows[0]
    assert newest["last"]["text"].endswith("lunch at noon?")
    assert [p["handle"].split("@")[0] for p in newest["participants"]] == ["bob"]
    assert newest["unread"] is False  # I wrote the last message
    check_sent(server)

    nobody = await amurmur("post", "--visibility", "direct", "to nobody at all")
    assert nobody.code == 2 and "mention someone" in nobody.err
