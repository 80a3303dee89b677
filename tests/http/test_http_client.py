"""The shared HTTP client against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from .scripted_server import Answer, ScriptedServer

import tui.networks.http
from tui.networks.base import AuthError, BadResponse, NotFound, RateLimited, Transient
from tui.networks.http import Http, InsecureURL, check_url, parse_retry_after

pytestmark = pytest.mark.network  # a local HTTP server

JSON = {"Content-Type": "application/json"}


@pytest.fixture
async def client(server: ScriptedServer):
    http = Http(server.url, network="mastodon", account="me@example", token="secret-token")
    http.backoff_base = 0.01
    yield http
    await http.aclose()


async def test_429_waits_for_retry_after_then_succeeds(server, client, monkeypatch):
    waits: list[float] = []
    sleep = asyncio.sleep

    async def recorded(seconds: float) -> None:
        waits.append(seconds)
        await sleep(0)  # the wait itself is not what is tested: its length is

    monkeypatch.setattr(tui.networks.http.asyncio, "sleep", recorded)
    server.queue(
        "/api/v1/x",
        Answer(429, b'{"error":"Too many requests"}', {**JSON, "Retry-After": "7"}),
        Answer(200, b'{"ok": true}'),
    )
    assert await client.get_json("/api/v1/x") == {"ok": True}
    assert len(server.requests_to("/api/v1/x")) == 2
    assert 7 in waits  # the server's Retry-After, not the client's own backoff (0.01 s)


async def test_429_beyond_the_wait_cap_raises_rate_limited(server, client):
    client.max_wait = 5
    server.queue("/api/v1/x", Answer(429, b"{}", {**JSON, "Retry-After": "3600"}))
    with pytest.raises(RateLimited) as err:
        await client.get_json("/api/v1/x")
    assert err.value.retry_after == pytest.approx(3600)
    assert len(server.requests_to("/api/v1/x")) == 1


async def test_500_is_retried_once_then_succeeds(server, client):
    server.queue("/api/v1/x", Answer(500, b'{"error":"boom"}'), Answer(200, b"[1, 2]"))
    assert await client.get_json("/api/v1/x") == [1, 2]
    assert len(server.requests_to("/api/v1/x")) == 2


async def test_repeated_500_is_retried_only_once(server, client):
    server.queue("/api/v1/x", *[Answer(500, b'{"error":"boom"}')] * 4)
    with pytest.raises(Transient, match="status 500"):
        await client.get_json("/api/v1/x")
    assert len(server.requests_to("/api/v1/x")) == 2


async def test_503_retried_up_to_the_budget(server, client):
    server.queue("/api/v1/x", *[Answer(503, b"{}")] * 3, Answer(200, b"{}"))
    assert await client.get_json("/api/v1/x") == {}
    assert len(server.requests_to("/api/v1/x")) == 4


async def test_post_without_idempotency_key_is_not_repeated(server, client):
    server.queue("/api/v1/statuses", Answer(503, b"{}"), Answer(200, b"{}"))
    with pytest.raises(Transient):
        await client.post_json("/api/v1/statuses", json={"status": "hi"})
    assert len(server.requests_to("/api/v1/statuses")) == 1


async def test_post_with_idempotency_key_is_retried(server, client):
    server.queue("/api/v1/statuses", Answer(503, b"{}"), Answer(200, b'{"id": "1"}'))
    body = await client.post_json(
        "/api/v1/statuses", json={"status": "hi"}, headers={"Idempotency-Key": "k1"}
    )
    assert body == {"id": "1"}
    seen = server.requests_to("/api/v1/statuses")
    assert [s.headers["idempotency-key"] for s in seen] == ["k1", "k1"]


async def test_html_error_page_becomes_a_clean_bad_response(server, client):
    page = b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1><script>x()</script></body></html>"
    server.queue("/api/v1/x", *[Answer(502, page, {"Content-Type": "text/html"})] * 4)
    with pytest.raises(BadResponse) as err:
        await client.get_json("/api/v1/x")
    message = str(err.value)
    assert "server answered an HTML page (status 502) instead of JSON" in message
    assert "<" not in message and "Traceback" not in message
    assert isinstance(err.value, Transient)  # worth trying again later


async def test_html_with_status_200_is_a_bad_response(server, client):
    server.queue("/api/v1/x", Answer(200, b"<html><body>login</body></html>", {}))
    with pytest.raises(BadResponse, match=r"HTML page \(status 200\)"):
        await client.get_json("/api/v1/x")


async def test_malformed_json_becomes_a_bad_response(server, client):
    server.queue("/api/v1/x", Answer(200, b'{"id": "1", "content": '))
    with pytest.raises(BadResponse, match=r"malformed JSON \(status 200\)"):
        await client.get_json("/api/v1/x")


async def test_server_error_text_is_sanitised(server, client):
    server.queue(
        "/api/v1/statuses",
        Answer(422, '{"error": "Validation failed: \\u001b[31mText\\u202e too long\\nreally"}'),
    )
    with pytest.raises(BadResponse) as err:
        await client.post_json("/api/v1/statuses", json={})
    message = str(err.value)
    assert "Validation failed" in message and "too long" in message
    assert "\x1b" not in message and "\u202e" not in message and "\n" not in message
    assert err.value.status == 422


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, AuthError), (403, AuthError), (404, NotFound), (410, NotFound), (400, BadResponse)],
)
async def test_status_codes_map_to_errors(server, client, status, error):
    server.queue("/api/v1/x", Answer(status, b'{"error": "The access token is invalid"}'))
    with pytest.raises(error) as err:
        await client.get_json("/api/v1/x")
    assert err.value.account == "me@example"


async def test_token_goes_only_to_its_own_server(server, other_server, client):
    server.queue("/api/v1/x", Answer(200, b"{}"))
    other_server.queue("/elsewhere", Answer(200, b"{}"))
    await client.get_json("/api/v1/x")
    await client.get_json(other_server.url + "/elsewhere")
    assert server.seen[0].headers["authorization"] == "Bearer secret-token"
    assert "authorization" not in other_server.seen[0].headers


async def test_token_is_dropped_on_a_redirect_to_another_origin(server, other_server, client):
    server.queue("/go", Answer(302, b"", {"Location": other_server.url + "/landing"}))
    other_server.queue("/landing", Answer(200, b'{"here": 1}'))
    assert await client.get_json("/go") == {"here": 1}
    assert "authorization" not in other_server.seen[0].headers


async def test_user_agent_names_murmur(server, client):
    server.queue("/api/v1/x", Answer(200, b"{}"))
    await client.get_json("/api/v1/x")
    assert server.seen[0].headers["user-agent"].startswith("Murmur/")


async def test_refused_connection_is_transient():
    http = Http("http://127.0.0.1:9", network="mastodon", max_retries=1)
    http.backoff_base = 0.01
    with pytest.raises(Transient, match="could not connect"):
        await http.get_json("/api/v1/x")
    await http.aclose()


def test_plain_http_is_refused_except_on_loopback():
    assert check_url("http://127.0.0.1:3000/x")
    assert check_url("http://localhost/x")
    assert check_url("http://[::1]:80/")
    assert check_url("https://mastodon.social/")
    for bad in ("http://mastodon.social/", "ftp://127.0.0.1/", "javascript:alert(1)"):
        with pytest.raises(InsecureURL):
            check_url(bad)
    with pytest.raises(ValueError):
        Http("http://example.org", network="mastodon")


def test_retry_after_forms():
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after({"Retry-After": "7"}, now) == 7
    assert parse_retry_after({"retry-after": "Wed, 01 Jan 2025 12:00:30 GMT"}, now) == 30
    assert parse_retry_after({"X-RateLimit-Reset": "2025-01-01T12:01:00.000Z"}, now) == 60
    assert parse_retry_after({"X-RateLimit-Reset": str(now.timestamp() + 90)}, now) == 90
    assert parse_retry_after({"Retry-After": "soon"}, now) is None
    assert parse_retry_after({}, now) is None
    assert parse_retry_after({"Retry-After": "2000-01-01T00:00:00Z"}, now) == 0
