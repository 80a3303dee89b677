"""Errors, rate limits, server quirks and hostile data: clean errors and placeholders, never a
traceback."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.mastodon.conftest import TAKAHE, network_for
from tui.model import FeedKind, FeedRef, Notification, Placeholder, Post, Reaction
from tui.networks.base import BadResponse, NotFound, Transient
from tui.networks.mastodon.parse import Parser

pytestmark = pytest.mark.network  # the contract server

HOME = FeedRef(FeedKind.HOME)


def home_requests(server) -> int:
    return sum(1 for r in server.received if r.path == "/api/v1/timelines/home")


async def test_429_with_retry_after_then_success(net, server):
    server.fault(
        "/api/v1/timelines/home",
        429,
        '{"error": "Too many requests"}',
        headers={"Retry-After": "1"},
    )
    page = await net.timeline(HOME)
    assert page.items
    assert home_requests(server) == 2


async def test_500_then_retry(net, server):
    server.fault("/api/v1/timelines/home", 500, '{"error": "boom"}')
    assert (await net.timeline(HOME)).items
    assert home_requests(server) == 2


async def test_malformed_json_is_a_clean_error(net, server):
    server.fault("/api/v1/timelines/home", 200, '[{"id": "1", "content": ')
    with pytest.raises(BadResponse) as err:
        await net.timeline(HOME)
    assert str(err.value) == "alice@murmur.test: server answered malformed JSON (status 200)"


async def test_html_error_page_is_a_clean_error(net, server):
    page = "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>"
    server.fault("/api/v1/timelines/home", 502, page, content_type="text/html", times=5)
    with pytest.raises(BadResponse) as err:
        await net.timeline(HOME)
    assert "server answered an HTML page (status 502) instead of JSON" in str(err.value)
    assert "<" not in str(err.value)
    assert isinstance(err.value, Transient)


async def test_validation_errors_carry_the_servers_words(net):
    from tui.model import Draft

    with pytest.raises(BadResponse, match="character limit of 500"):
        await net.publish(Draft(text="x" * 501, idempotency_key="long"))


async def test_takahe_reblog_answer_and_bare_acct(takahe):
    net = network_for(takahe)
    await net.open()
    try:
        assert net.me.handle == "alice@takahe.local"  # bare acct completed with the domain
        page = await net.timeline(FeedRef(FeedKind.PUBLIC), limit=5)
        posts = [p for p in page.items if isinstance(p, Post)]
        # Takahē sends local accounts' acct bare ("bob"); remote ones keep their domain.
        handles = {p.author.handle for p in posts}
        assert handles == {"alice@takahe.local", "bob@takahe.local", "carol@remote.example"}
        post = posts[0]
        boosted = await net.react(post, Reaction.REPOST)
        assert boosted.uid == post.uid and boosted.mine.reposted
        with pytest.raises(NotFound):  # Takahē's HTML 404 page
            await net.post(f"mastodon:{net.account.name}:999")
        notes = await net.notifications()  # no grouped notifications there: v1
        assert notes.items and all(isinstance(n, Notification) for n in notes.items)
        mine = next(p for p in posts if p.author.uid == net.me.uid)
        draft = await net.edit_source(mine)
        assert draft.text and "<p>" not in draft.text
    finally:
        await net.close()


@pytest.mark.parametrize("name", ["home_bob", "public", "notifications", "context"])
def test_captured_takahe_responses_parse_without_placeholders(name):
    parser = Parser("alice@takahe.local", "takahe.local")
    data = json.loads((TAKAHE / f"{name}.json").read_text())
    if name == "notifications":
        items = [parser.notification(n) for n in data]
    elif name == "context":
        items = [parser.item(s) for s in data["ancestors"] + data["descendants"]]
    else:
        items = [parser.item(s) for s in data]
    assert items
    assert not [i for i in items if isinstance(i, Placeholder)]


def test_takahe_reblog_capture_is_the_original_status():
    parser = Parser("alice@takahe.local", "takahe.local")
    post = parser.item(json.loads((TAKAHE / "reblog.json").read_text()))
    assert isinstance(post, Post) and post.repost_of is None
    assert post.media[0].alt == "edited alt"


def test_odd_statuses_become_placeholders_or_tolerant_posts():
    parser = Parser("me@x.test", "x.test")
    account = {"id": 7, "acct": "bob", "username": "bob"}
    ok = parser.item(
        {
            "id": 12,
            "created_at": "2026-01-01T00:00:00Z",
            "account": account,
            "content": None,
            "mentions": None,
            "uri": "https://x.test/s/12",
        }
    )
    assert isinstance(ok, Post)
    assert ok.uid == "mastodon:me@x.test:12" and ok.author.handle == "bob@x.test"
    assert ok.key == "https://x.test/s/12" and ok.url == "https://x.test/s/12"
    missing = parser.item({"id": "13", "created_at": "yesterday", "account": account})
    assert isinstance(missing, Placeholder) and "created_at" in missing.reason
    no_account = parser.item({"id": "14", "created_at": "2026-01-01T00:00:00Z"})
    assert isinstance(no_account, Placeholder) and "account" in no_account.reason
    assert isinstance(parser.item("nonsense"), Placeholder)


def test_unknown_notification_types_are_shown_generically():
    parser = Parser("me@x.test", "x.test")
    note = parser.notification(
        {
            "id": "1",
            "type": "emoji_reaction\u202e",
            "created_at": "2026-01-01T00:00:00Z",
            "account": {"id": "2", "acct": "eve@evil.example"},
        }
    )
    assert isinstance(note, Notification)
    assert note.kind == "emoji_reaction" and note.text == "emoji_reaction notification"


def test_the_server_runs_as_a_module_and_says_ready():
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.mastodon.server", "--port", "0", "--mode", "takahe"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("READY http://127.0.0.1:")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def test_the_contract_server_refuses_requests_that_break_the_api(server):
    """The checker itself: each of these was once sent by the adapter, or could be."""
    import httpx

    async with httpx.AsyncClient(base_url=server.url) as client:
        bad = [
            # redirect_uris is an array in JSON: a bare string is not one
            await client.post(
                "/api/v1/apps",
                json={"client_name": "x", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"},
            ),
            # media descriptions are a form, not JSON
            await client.put("/api/v1/media/1", json={"description": "x"}),
            # no such query parameter
            await client.get("/api/v1/timelines/home", params={"limt": "5"}),
            # a wrong type
            await client.get("/api/v1/timelines/home", params={"limit": "many"}),
            # a status edit cannot change its visibility
            await client.put("/api/v1/statuses/1", json={"status": "x", "visibility": "public"}),
        ]
        good = await client.post(
            "/api/v1/apps",
            data={"client_name": "x", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"},
        )
    assert [r.status_code for r in bad] == [422] * len(bad)
    assert len(server.violations) == len(bad), server.violations
    assert good.status_code == 200
    server.violations.clear()  # seen; the fixture checks that no others came
