"""The shared HTTP client against hostile answers: redirects of writes, size, depth, auth pages."""

from __future__ import annotations

import gzip
import zlib

import pytest

from tui import backoff
from tui.networks.base import AuthError, BadResponse, NetworkError, NotFound
from tui.networks.http import JSON_MAX_BYTES, MEDIA_MAX_BYTES, Http

from .scripted_server import Answer, ScriptedServer

pytestmark = pytest.mark.network

JSON = {"Content-Type": "application/json"}
TEXT = {"Content-Type": "text/plain"}
HTML = {"Content-Type": "text/html"}


@pytest.fixture
async def client(server: ScriptedServer):
    http = Http(server.url, network="mastodon", account="me@example", token="secret-token")
    http.backoff_base = 0.01
    yield http
    await http.aclose()


# ----- redirects of writes -------------------------------------------------------------------
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("status", [307, 308, 302, 301, 303])
async def test_a_write_redirected_to_another_origin_is_refused(
    server, other_server, client, method, status
):
    server.queue("/api/v1/statuses", Answer(status, b"", {"Location": other_server.url + "/x"}))
    other_server.queue("/x", Answer(200, b"{}"))
    with pytest.raises(BadResponse, match="refused a redirect") as err:
        await client.request(
            method, "/api/v1/statuses", json={"status": "hi"}, headers={"Idempotency-Key": "k"}
        )
    assert err.value.status == status
    assert other_server.seen == []  # neither the body nor the Idempotency-Key went there


async def test_a_write_redirected_on_the_same_origin_is_followed(server, client):
    server.queue("/old", Answer(307, b"", {"Location": "/new"}))
    server.queue("/new", Answer(200, b'{"id": "1"}'))
    body = await client.post_json("/old", json={"status": "hi"}, headers={"Idempotency-Key": "k"})
    assert body == {"id": "1"}
    new = server.requests_to("/new")[0]
    assert new.method == "POST" and b'"hi"' in new.body
    assert new.headers["authorization"] == "Bearer secret-token"


async def test_a_get_redirected_elsewhere_goes_without_the_token(server, other_server, client):
    server.queue("/go", Answer(308, b"", {"Location": other_server.url + "/landing"}))
    other_server.queue("/landing", Answer(200, b'{"here": 1}'))
    assert await client.get_json("/go") == {"here": 1}
    assert "authorization" not in other_server.seen[0].headers


async def test_a_redirect_loop_is_a_bad_response(server, client):
    server.queue("/loop", *[Answer(302, b"", {"Location": "/loop"})] * 10)
    with pytest.raises(BadResponse, match="redirected too many times"):
        await client.get_json("/loop")


# ----- size ----------------------------------------------------------------------------------
async def test_a_body_over_the_cap_is_refused(server, client):
    server.queue("/big", Answer(200, b"[" + b" " * 5000 + b"]"))
    with pytest.raises(BadResponse, match="sent too much") as err:
        await client.get_json("/big", max_bytes=1000)
    assert err.value.status == 200


async def test_the_default_cap_is_a_few_megabytes_of_json(server, client):
    assert 1024 * 1024 <= JSON_MAX_BYTES <= 16 * 1024 * 1024 < MEDIA_MAX_BYTES
    server.queue("/big", Answer(200, b"[" + b" " * JSON_MAX_BYTES + b"]"))
    with pytest.raises(BadResponse, match="sent too much"):
        await client.get_json("/big")


async def test_the_cap_is_on_the_decoded_size(server, client):
    bomb = gzip.compress(b"[" + b" " * 200_000 + b"]")
    assert len(bomb) < 1000
    server.queue("/bomb", Answer(200, bomb, {**JSON, "Content-Encoding": "gzip"}))
    with pytest.raises(BadResponse, match="sent too much"):
        await client.get_json("/bomb", max_bytes=10_000)


@pytest.mark.parametrize(
    "encode",
    [gzip.compress, zlib.compress, lambda b: zlib.compress(b)[2:-4]],
    ids=["gzip", "deflate", "raw-deflate"],
)
async def test_compressed_answers_within_the_cap_are_read(server, client, encode):
    coding = "gzip" if encode is gzip.compress else "deflate"
    server.queue("/z", Answer(200, encode(b'{"ok": true}'), {**JSON, "Content-Encoding": coding}))
    assert await client.get_json("/z") == {"ok": True}


async def test_an_encoding_we_did_not_ask_for_is_a_bad_response(server, client):
    server.queue("/z", Answer(200, b"\x00\x01", {**JSON, "Content-Encoding": "br"}))
    with pytest.raises(BadResponse, match="unreadable body"):
        await client.get_json("/z")
    assert server.seen[0].headers["accept-encoding"] == "gzip, deflate"


async def test_media_downloads_have_their_own_larger_cap(server, client):
    image = b"\x89PNG" + b"\x00" * (JSON_MAX_BYTES + 10)
    server.queue("/media.png", Answer(200, image, {"Content-Type": "image/png"}))
    assert await client.download("/media.png") == image
    server.queue("/media.png", Answer(200, image, {"Content-Type": "image/png"}))
    with pytest.raises(BadResponse, match="sent too much"):
        await client.download("/media.png", max_bytes=1024)


async def test_a_huge_error_page_is_read_only_in_part(server, client):
    page = b"<html><body>" + b"x" * (2 * 1024 * 1024) + b"</body></html>"
    server.queue("/x", Answer(404, page, HTML))
    with pytest.raises(NotFound):
        await client.get_json("/x", max_bytes=1024)


# ----- depth ---------------------------------------------------------------------------------
async def test_deeply_nested_json_is_a_bad_response(server, client):
    server.queue("/deep", Answer(200, b"[" * 100_000 + b"]" * 100_000))
    with pytest.raises(BadResponse, match="malformed JSON"):
        await client.get_json("/deep")


async def test_deeply_nested_json_in_an_error_body_is_still_a_clean_error(server, client):
    server.queue("/deep", Answer(422, b'{"error":' * 50_000 + b"1" + b"}" * 50_000))
    with pytest.raises(BadResponse, match=r"status 422"):
        await client.get_json("/deep")


# ----- credentials refused -------------------------------------------------------------------
@pytest.mark.parametrize("status", [400, 401, 403])
async def test_a_plain_text_token_refusal_says_log_in_again(server, client, status):
    server.queue("/x", Answer(status, b"The access token is invalid\n", TEXT))
    with pytest.raises(AuthError) as err:
        await client.get_json("/x")
    message = str(err.value)
    assert f"refused the credentials (status {status})" in message
    assert "The access token is invalid" in message
    host = server.url  # loopback over http: the command names the full URL
    assert f"log in again with `murmur login mastodon {host}`" in message
    assert err.value.status == status


@pytest.mark.parametrize("status", [400, 401, 403])
async def test_an_html_token_refusal_says_log_in_again_without_html(server, client, status):
    page = b"<html><head><title>Bad token</title></head><body>Invalid token <b>x</b></body></html>"
    server.queue("/x", Answer(status, page, HTML))
    with pytest.raises(AuthError) as err:
        await client.get_json("/x")
    message = str(err.value)
    assert "log in again" in message
    assert "<" not in message and "Bad token" not in message


@pytest.mark.parametrize("code", ["invalid_token", "invalid_grant"])
async def test_an_oauth_credential_code_in_a_400_is_an_auth_error(server, client, code):
    body = f'{{"error": "{code}", "error_description": "The provided grant is invalid"}}'
    server.queue("/oauth/token", Answer(400, body))
    with pytest.raises(AuthError) as err:
        await client.post_json("/oauth/token", data={"grant_type": "x"}, auth=False)
    assert err.value.code == code and "log in again" in str(err.value)
    assert "The provided grant is invalid" in str(err.value)


async def test_a_www_authenticate_invalid_token_400_is_an_auth_error(server, client):
    headers = {**TEXT, "WWW-Authenticate": 'Bearer error="invalid_token"'}
    server.queue("/x", Answer(400, b"Bad Request", headers))
    with pytest.raises(AuthError):
        await client.get_json("/x")


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b'{"error": "Validation failed: Text can\'t be blank"}', JSON),
        (b"Validation failed: Text is too long", TEXT),
        (b"<html><body>Bad Request</body></html>", HTML),
    ],
)
async def test_other_400s_stay_bad_responses(server, client, body, headers):
    server.queue("/api/v1/statuses", Answer(400, body, headers))
    with pytest.raises(BadResponse) as err:
        await client.post_json("/api/v1/statuses", json={})
    assert not isinstance(err.value, AuthError)


async def test_a_403_permission_refusal_does_not_ask_to_log_in(server, client):
    server.queue("/x", Answer(403, b'{"error": "This action is not allowed"}'))
    with pytest.raises(AuthError) as err:
        await client.get_json("/x")
    assert "This action is not allowed" in str(err.value)
    assert "log in again" not in str(err.value)


async def test_a_long_plain_text_body_is_not_shown(server, client):
    server.queue("/x", Answer(401, b"token " + b"blah " * 500, TEXT))
    with pytest.raises(AuthError) as err:
        await client.get_json("/x")
    assert "blah" not in str(err.value) and "log in again" in str(err.value)


def test_bluesky_login_hint_names_the_handle():
    http = Http("https://pds.example", network="bluesky", account="alice.example")
    assert http.login_hint == "murmur login bluesky alice.example"
    http = Http("https://mastodon.example", network="mastodon", account="me@mastodon.example")
    assert http.login_hint == "murmur login mastodon mastodon.example"


# ----- status and code, backoff --------------------------------------------------------------
def test_status_and_code_are_constructor_fields():
    plain = NetworkError("x", network="mastodon", account="a")
    assert (plain.status, plain.code) == (0, "")
    exc = BadResponse("x", network="bluesky", status=400, code="ExpiredToken")
    assert (exc.status, exc.code) == (400, "ExpiredToken")
    assert str(exc) == "bluesky: x"


async def test_retry_waits_follow_the_one_backoff_rule(server, client, monkeypatch):
    calls: list[tuple[int, float]] = []

    def delay(attempt: int, *, first: float = 1.0, ceiling: float = 60.0, **kw: object) -> float:
        calls.append((attempt, first))
        return 0.0

    monkeypatch.setattr(backoff, "delay", delay)
    client.backoff_base = 0.25
    server.queue("/x", Answer(503, b"{}"), Answer(503, b"{}"), Answer(200, b"{}"))
    assert await client.get_json("/x") == {}
    assert calls == [(0, 0.25), (1, 0.25)]


def test_the_first_retry_waits_about_backoff_base():
    for _ in range(50):
        wait = backoff.delay(0, first=Http.backoff_base, ceiling=60)
        assert Http.backoff_base / 2 <= wait <= Http.backoff_base


async def test_a_credential_the_caller_set_does_not_follow_a_redirect_elsewhere(
    server, other_server, client
):
    server.queue("/go", Answer(302, b"", {"Location": other_server.url + "/landing"}))
    other_server.queue("/landing", Answer(200, b"{}"))
    await client.get_json("/go", headers={"Authorization": "Bearer refresh-jwt"}, auth=False)
    assert server.seen[0].headers["authorization"] == "Bearer refresh-jwt"
    assert "authorization" not in other_server.seen[0].headers
