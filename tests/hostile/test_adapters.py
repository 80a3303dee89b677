"""Mastodon and Bluesky adapters against a hostile server, through their public methods.

Each hostile answer must end in a typed NetworkError (never another exception), with memory
bounded far below what the server sent, and no credential ever reaching another origin (checked
by the `hostile` fixture after every test).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.hostile.conftest import Outcome, measured
from tests.hostile.server import BOMB_BYTES, OVERSIZE_BYTES, HostileServer
from tui.model import Draft, FeedRef, Page, Placeholder
from tui.networks.base import AuthError, BadResponse, NetworkError, Transient

pytestmark = pytest.mark.network

# Peak traced allocation allowed while the client reads a hostile answer: a few times the JSON
# cap, far below OVERSIZE_BYTES (200 MB) and BOMB_BYTES (1 GiB).
MEMORY_BOUND = 48 * 1024 * 1024
OPERATIONS = ("open", "timeline", "notifications", "publish")


def call(net: Any, operation: str) -> Any:
    if operation == "open":
        return net.open()
    if operation == "timeline":
        return net.timeline(FeedRef())
    if operation == "notifications":
        return net.notifications()
    return net.publish(Draft(text="hello", idempotency_key="hostile-key-1"))


async def run(net: Any, hostile: HostileServer, operation: str, mode: str) -> Outcome:
    if operation != "open":
        await net.open()  # connected while the server still behaves
    hostile.mode = mode
    return await measured(call(net, operation))


def typed(outcome: Outcome, cls: type[NetworkError] = NetworkError) -> NetworkError:
    assert isinstance(outcome.error, cls), repr(outcome.error)
    message = str(outcome.error)
    assert "Traceback" not in message and "<" not in message and "\n" not in message
    return outcome.error


@pytest.fixture(params=["mastodon", "bluesky"])
def net(request: pytest.FixtureRequest) -> Any:
    return request.getfixturevalue(request.param)


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("mode", ["oversize", "oversize_undeclared", "bomb"])
async def test_an_oversize_answer_is_refused_with_bounded_memory(net, hostile, operation, mode):
    outcome = await run(net, hostile, operation, mode)
    error = typed(outcome, BadResponse)
    assert "sent too much" in str(error)
    assert outcome.peak < MEMORY_BOUND, f"peak {outcome.peak / 1e6:.1f} MB"
    assert MEMORY_BOUND * 4 < min(OVERSIZE_BYTES, BOMB_BYTES)


@pytest.mark.parametrize("operation", OPERATIONS)
async def test_deeply_nested_json_is_a_bad_response(net, hostile, operation):
    outcome = await run(net, hostile, operation, "deep")
    typed(outcome, BadResponse)


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("mode", ["trickle", "silent"])
async def test_a_trickling_or_silent_server_fails_within_the_deadline(
    net, hostile, operation, mode
):
    # The server trickles for far longer than the (shortened) deadline: only the overall
    # deadline can end the call with this sentence.
    outcome = await run(net, hostile, operation, mode)
    error = typed(outcome, Transient)
    assert "did not answer in time" in str(error)


@pytest.mark.parametrize("operation", ["timeline", "notifications"])
async def test_a_get_redirected_elsewhere_is_followed_without_the_token(net, hostile, operation):
    outcome = await run(net, hostile, operation, "redirect")
    assert outcome.error is None, outcome.error  # the other origin answers well
    assert hostile.seen_on(hostile.other_port), "the redirect was not followed"
    # The fixture asserts that no Authorization header or token reached the other port.


@pytest.mark.parametrize("mode", ["redirect", "redirect_302"])
async def test_a_post_redirected_elsewhere_is_refused(net, hostile, mode):
    outcome = await run(net, hostile, "publish", mode)
    error = typed(outcome, BadResponse)
    assert "refused a redirect" in str(error)
    assert hostile.seen_on(hostile.other_port) == [], "the post went to the other server"


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("mode", ["html_error", "text_error"])
@pytest.mark.parametrize("status", [401, 400, 403])
async def test_a_refused_token_in_html_or_text_says_log_in_again(
    net, hostile, operation, mode, status
):
    hostile.error_status = status
    outcome = await run(net, hostile, operation, mode)
    error = typed(outcome, AuthError)
    assert "log in again" in str(error) and "murmur login" in str(error)
    if mode == "text_error":
        assert "The access token is invalid" in str(error)
    else:
        assert "alert" not in str(error) and "Unauthorized" not in str(error)


async def test_a_plain_text_400_about_the_post_stays_a_bad_request(mastodon, hostile):
    hostile.error_status = 400
    hostile.error_body = "Validation failed: Text is too long"
    outcome = await run(mastodon, hostile, "publish", "text_error")
    error = typed(outcome, BadResponse)
    assert not isinstance(error, AuthError)
    assert "Validation failed: Text is too long" in str(error)


SHAPES = [
    None,
    [],
    {},
    [None, 1, "x", [], {}],
    {"feed": None, "notifications": "x", "posts": 5, "preferences": {}},
    {"feed": [None, 1, {}], "notifications": [None, {}], "cursor": 5},
    {"id": None, "account": [], "created_at": 5, "content": {}},
    [{"id": 1, "account": None, "created_at": "yesterday", "content": None}],
    "a string",
    1e308,
]


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("shape", SHAPES, ids=[f"shape{i}" for i in range(len(SHAPES))])
async def test_wrong_json_shapes_are_placeholders_or_typed_errors(net, hostile, operation, shape):
    hostile.shape = shape
    outcome = await run(net, hostile, operation, "shape")
    if outcome.error is not None:
        typed(outcome)
    elif isinstance(outcome.value, Page):
        for item in outcome.value.items:
            assert item is not None
            if isinstance(item, Placeholder):
                assert item.reason


async def test_bluesky_without_a_chat_service_says_so(bluesky, hostile):
    """The PDS cannot route the chat proxy header: the Messages screen's words, not a crash."""
    from tui.networks.base import Unsupported

    with pytest.raises(Unsupported, match="Bluesky chat is not available on this server"):
        await bluesky.conversations()
    assert not bluesky.limits.messages
    chat_calls = [s for s in hostile.seen if "chat.bsky.convo.listConvos" in s.path]
    assert chat_calls[0].headers.get("atproto-proxy") == "did:web:api.bsky.chat#bsky_chat"


async def test_bluesky_chat_is_used_where_the_server_offers_it(bluesky, hostile):
    await bluesky.open()
    hostile.mode = "shape"
    hostile.shape = {
        "convos": [
            {
                "id": "convo1",
                "rev": "1",
                "members": [{"did": "did:plc:bob0000000000000000000", "handle": "bob.test"}],
                "lastMessage": {
                    "id": "m1",
                    "rev": "1",
                    "text": "hi \x1b[31mthere",
                    "sender": {"did": "did:plc:bob0000000000000000000"},
                    "sentAt": "2026-11-30T10:00:00.000Z",
                },
                "muted": False,
                "unreadCount": 2,
            }
        ]
    }
    [conv] = await bluesky.conversations()
    assert conv.unread and [a.handle for a in conv.participants] == ["bob.test"]
    assert conv.last is not None and "\x1b" not in conv.last.content.text
    assert bluesky.limits.messages
