"""Arbitrary JSON shapes into the Mastodon and Bluesky parsers: never an exception.

Whatever a server sends where a status, post or notification is due, the parser returns a model
item (a Placeholder saying what was wrong when it cannot read it).
"""

from __future__ import annotations

import string
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.model import Notification, Placeholder, Post, Thread
from tui.networks.bluesky import parse as bsky
from tui.networks.mastodon.parse import Parser

SETTINGS = settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Values that look like what servers send, and what they should not.
TEXTS = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "1",
            "2025-01-02T03:04:05.000Z",
            "2025-13-45T99:99:99Z",
            "9999-12-31T23:59:59Z",
            "0001-01-01T00:00:00Z",
            "https://example.com/x",
            "javascript:alert(1)",
            "at://did:plc:abc/app.bsky.feed.post/3kabc",
            "at://did:plc:abc",
            "did:plc:abcdefghijklmnopqrstuvwx",
            "did:web:example.com",
            "alice.bsky.social",
            "<p>hi <a href='https://x'>@bob</a></p>",
            "\x1b[31mred\u202e",
            "app.bsky.feed.defs#reasonRepost",
            "app.bsky.embed.images#view",
            "app.bsky.embed.record#view",
            "app.bsky.embed.recordWithMedia#view",
            "app.bsky.embed.external#view",
            "app.bsky.embed.video#view",
            "app.bsky.embed.record#viewRecord",
            "app.bsky.embed.record#viewNotFound",
            "app.bsky.embed.record#viewBlocked",
            "app.bsky.feed.defs#threadViewPost",
            "app.bsky.feed.defs#notFoundPost",
            "like",
            "repost",
            "reply",
            "mention",
            "quote",
            "follow",
            "mention",
            "favourite",
            "reblog",
            "poll",
            "status",
            "update",
            "public",
            "direct",
        ]
    ),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    TEXTS,
)

MASTODON_KEYS = [
    "id", "uri", "url", "created_at", "account", "content", "reblog", "spoiler_text",
    "sensitive", "visibility", "language", "media_attachments", "mentions", "tags", "emojis",
    "card", "poll", "quote", "quoted_status", "quoted_status_id", "state", "in_reply_to_id",
    "in_reply_to_account_id", "edited_at", "replies_count", "reblogs_count", "favourites_count",
    "favourited", "reblogged", "bookmarked", "pinned", "acct", "username", "display_name",
    "avatar", "bot", "type", "status", "preview_url", "description", "options", "votes_count",
    "expires_at", "multiple", "voted", "own_votes", "title", "group_key", "status_id",
    "sample_account_ids", "latest_page_notification_at", "notifications_count", "meta",
    "remote_url", "blurhash", "fields", "note", "name", "value", "report", "event",
]  # fmt: skip
BLUESKY_KEYS = [
    "uri", "cid", "author", "record", "embed", "indexedAt", "createdAt", "text", "facets",
    "labels", "viewer", "replyCount", "repostCount", "likeCount", "quoteCount", "post",
    "reply", "parent", "root", "reason", "by", "$type", "did", "handle", "displayName",
    "avatar", "images", "thumb", "fullsize", "alt", "aspectRatio", "external", "title",
    "description", "media", "value", "thumbnail", "playlist", "embeds", "replies",
    "isRead", "reasonSubject", "index", "features", "byteStart", "byteEnd", "tag", "val",
    "src", "neg", "langs", "like", "repost", "threadgate", "notFound", "blocked",
]  # fmt: skip


def shaped(keys: list[str]) -> st.SearchStrategy[Any]:
    """JSON built from the keys a parser reads, with any values: deep and wrongly typed."""
    key = st.one_of(st.sampled_from(keys), st.text(string.ascii_letters, max_size=8))
    return st.recursive(
        SCALARS,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(key, children, max_size=8),
        ),
        max_leaves=60,
    )


MASTODON = shaped(MASTODON_KEYS)
BLUESKY = shaped(BLUESKY_KEYS)


def a_parser() -> Parser:
    return Parser("me@example.social", "example.social")


@SETTINGS
@given(MASTODON)
def test_mastodon_status_never_raises(value):
    assert isinstance(a_parser().item(value), (Post, Placeholder))


@SETTINGS
@given(MASTODON)
def test_mastodon_notification_never_raises(value):
    assert isinstance(a_parser().notification(value), (Notification, Placeholder))


@SETTINGS
@given(
    MASTODON,
    st.dictionaries(TEXTS, MASTODON, max_size=3),
    st.dictionaries(TEXTS, MASTODON, max_size=3),
)
def test_mastodon_notification_group_never_raises(value, accounts, statuses):
    item = a_parser().notification_group(value, accounts, statuses)
    assert isinstance(item, (Notification, Placeholder))


def ctx() -> bsky.Context:
    return bsky.Context("alice.test", "did:plc:abcdefghijklmnopqrstuvwx")


@SETTINGS
@given(BLUESKY)
def test_bluesky_feed_item_never_raises(value):
    assert isinstance(bsky.parse_feed_item(value, ctx()), (Post, Placeholder))


@SETTINGS
@given(BLUESKY)
def test_bluesky_post_view_never_raises(value):
    assert isinstance(bsky.parse_post_view(value, ctx()), (Post, Placeholder))


@SETTINGS
@given(BLUESKY, st.dictionaries(TEXTS, BLUESKY, max_size=3))
def test_bluesky_notification_never_raises(value, posts):
    bsky.notification_subject(value)
    item = bsky.parse_notification(value, ctx(), posts)
    assert isinstance(item, (Notification, Placeholder))


@SETTINGS
@given(BLUESKY)
def test_bluesky_thread_never_raises(value):
    assert isinstance(bsky.parse_thread(value, ctx()), Thread)


# ----- shapes valid enough to reach deep into the parsers ------------------------------------
def _status(depth: int, key: str) -> dict[str, Any]:
    status: dict[str, Any] = {
        "id": "1",
        "created_at": "2025-01-02T03:04:05.000Z",
        "account": {"id": "2", "acct": "bob", "username": "bob"},
        "content": "<p>x</p>",
    }
    inner = status
    for i in range(depth):
        nested = dict(status, id=str(i + 10))
        inner[key] = nested
        inner = nested
    return status


def test_a_long_chain_of_reblogs_or_quotes_does_not_raise():
    for key in ("reblog", "quote"):
        assert isinstance(a_parser().item(_status(400, key)), (Post, Placeholder))
        note = {"id": "5", "type": "reblog", "created_at": "2025-01-02T03:04:05Z"}
        note["status"] = _status(400, key)
        assert isinstance(a_parser().notification(note), (Notification, Placeholder))
        group = {"group_key": "g", "latest_page_notification_at": "2025-01-02T03:04:05Z"}
        group["status_id"] = "1"
        item = a_parser().notification_group(group, {}, {"1": _status(400, key)})
        assert isinstance(item, (Notification, Placeholder))


def test_a_long_chain_of_bluesky_quotes_does_not_raise():
    did = "did:plc:abcdefghijklmnopqrstuvwx"
    view: dict[str, Any] = {}
    root = view
    for i in range(400):
        view.update(
            uri=f"at://{did}/app.bsky.feed.post/3k{i}",
            cid="bafy",
            author={"did": did, "handle": "a.test"},
            record={"text": "x", "createdAt": "2025-01-02T03:04:05.000Z"},
            value={"text": "x", "createdAt": "2025-01-02T03:04:05.000Z"},
        )
        inner: dict[str, Any] = {}
        view["embed"] = {"$type": "app.bsky.embed.record#view", "record": inner}
        inner["$type"] = "app.bsky.embed.record#viewRecord"
        view = inner
    assert isinstance(bsky.parse_post_view(root, ctx()), (Post, Placeholder))
