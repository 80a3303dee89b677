"""AppView views → model objects: odd or hostile data becomes placeholders, never exceptions."""

from __future__ import annotations

from tui.model import MediaKind, Placeholder, Post, SpanKind
from tui.networks.bluesky.parse import (
    Context,
    parse_feed_item,
    parse_notification,
    parse_post_view,
    parse_thread,
)

CTX = Context("me.test", "did:plc:me")
ALICE = {"did": "did:plc:alice", "handle": "alice.test", "displayName": "Alice"}


def post_view(rkey: str = "3k1", text: str = "hello", **extra) -> dict:
    view = {
        "uri": f"at://did:plc:alice/app.bsky.feed.post/{rkey}",
        "cid": "bafyrei" + rkey,
        "author": ALICE,
        "record": {
            "$type": "app.bsky.feed.post",
            "text": text,
            "createdAt": "2025-01-02T03:04:05.678Z",
        },
        "indexedAt": "2025-01-02T03:04:06.000Z",
        "likeCount": 3,
    }
    view.update(extra)
    return view


def test_a_post_view_becomes_a_post_with_uid_key_ref_and_url() -> None:
    post = parse_post_view(post_view(), CTX)
    assert isinstance(post, Post)
    assert post.uid == "bluesky:at://did:plc:alice/app.bsky.feed.post/3k1"
    assert post.key == "at://did:plc:alice/app.bsky.feed.post/3k1"
    assert post.url == "https://bsky.app/profile/alice.test/post/3k1"
    assert post.ref == {"cid": "bafyrei3k1", "root_uri": post.key, "root_cid": "bafyrei3k1"}
    assert post.counts.likes == 3 and post.author.name == "Alice"


def test_malformed_views_become_placeholders() -> None:
    for bad in (
        None,
        "x",
        {},
        post_view(uri="https://evil"),
        post_view(author={"did": "nope"}),
        post_view(record="text"),
        post_view(cid=None),
    ):
        assert isinstance(parse_post_view(bad, CTX), Placeholder)
    assert isinstance(parse_feed_item({"post": None}, CTX), Placeholder)


def test_future_creation_times_fall_back_to_indexing_time() -> None:
    view = post_view()
    view["record"]["createdAt"] = "2999-01-01T00:00:00Z"
    assert parse_post_view(view, CTX).created_at.year == 2025


def test_hostile_facets_are_dropped_and_the_text_still_shows() -> None:
    view = post_view(text="héllo #tag")
    view["record"]["facets"] = [
        {"index": {"byteStart": 1, "byteEnd": 2}, "features": [{"$type": "x"}]},
        {
            "index": {"byteStart": 2, "byteEnd": 4},
            "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "split"}],
        },
        {
            "index": {"byteStart": 7, "byteEnd": 11},
            "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "tag"}],
        },
        {
            "index": {"byteStart": 0, "byteEnd": 5},
            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "javascript:alert(1)"}],
        },
    ]
    post = parse_post_view(view, CTX)
    assert post.content.text == "héllo #tag"
    assert [(s.start, s.end, s.kind) for s in post.content.spans] == [(6, 10, SpanKind.HASHTAG)]


def test_embeds_images_video_external_and_quotes() -> None:
    images = {
        "$type": "app.bsky.embed.images#view",
        "images": [
            {
                "thumb": "https://cdn/t.jpg",
                "fullsize": "https://cdn/f.jpg",
                "alt": "a cat",
                "aspectRatio": {"width": 4, "height": 3},
            },
            {"thumb": "javascript:x", "fullsize": "javascript:x", "alt": "bad"},
        ],
    }
    post = parse_post_view(post_view(embed=images), CTX)
    assert [(m.kind, m.url, m.alt, m.width) for m in post.media] == [
        (MediaKind.IMAGE, "https://cdn/f.jpg", "a cat", 4)
    ]

    video = {
        "$type": "app.bsky.embed.video#view",
        "cid": "c",
        "alt": "a dog runs",
        "playlist": "https://video/p.m3u8",
        "thumbnail": "https://video/t.jpg",
    }
    post = parse_post_view(post_view(embed=video), CTX)
    assert [(m.kind, m.alt) for m in post.media] == [(MediaKind.VIDEO, "a dog runs")]

    external = {
        "$type": "app.bsky.embed.external#view",
        "external": {"uri": "https://news.example.org/a", "title": "News", "description": "d"},
    }
    assert parse_post_view(post_view(embed=external), CTX).card.host == "news.example.org"

    quoted = {
        "$type": "app.bsky.embed.record#viewRecord",
        "uri": post_view("q")["uri"],
        "cid": "cq",
        "author": ALICE,
        "indexedAt": "2025-01-01T00:00:00Z",
        "value": {"text": "quoted", "createdAt": "2025-01-01T00:00:00Z"},
    }
    with_media = {
        "$type": "app.bsky.embed.recordWithMedia#view",
        "record": {"record": quoted},
        "media": images,
    }
    post = parse_post_view(post_view(embed=with_media), CTX)
    assert post.quote.content.text == "quoted" and len(post.media) == 1
    gone = {
        "$type": "app.bsky.embed.record#view",
        "record": {
            "$type": "app.bsky.embed.record#viewNotFound",
            "uri": quoted["uri"],
            "notFound": True,
        },
    }
    assert isinstance(parse_post_view(post_view(embed=gone), CTX).quote, Placeholder)


def test_thread_items_of_every_kind() -> None:
    def node(rkey: str, **extra) -> dict:
        return {"$type": "app.bsky.feed.defs#threadViewPost", "post": post_view(rkey), **extra}

    thread = parse_thread(
        node(
            "c",
            parent={
                "$type": "app.bsky.feed.defs#blockedPost",
                "uri": post_view("b")["uri"],
                "blocked": True,
                "parent": {
                    "$type": "app.bsky.feed.defs#notFoundPost",
                    "uri": post_view("a")["uri"],
                },
            },
            replies=[node("d", replies=[node("e")]), {"$type": "app.bsky.feed.defs#mystery"}],
        ),
        CTX,
    )
    reasons = [a.reason for a in thread.ancestors]
    assert "deleted" in reasons[0] and "block" in reasons[1]
    assert [getattr(d, "key", "")[-1:] for d in thread.descendants[:2]] == ["d", "e"]
    assert isinstance(thread.descendants[2], Placeholder)


def test_reposts_and_notifications() -> None:
    item = {
        "post": post_view(),
        "reason": {
            "$type": "app.bsky.feed.defs#reasonRepost",
            "indexedAt": "2025-02-01T00:00:00Z",
            "by": {"did": "did:plc:bob", "handle": "bob.test"},
        },
    }
    repost = parse_feed_item(item, CTX)
    assert repost.author.handle == "bob.test" and repost.repost_of.key == post_view()["uri"]

    like = {
        "uri": "at://did:plc:bob/app.bsky.feed.like/1",
        "cid": "c",
        "author": ALICE,
        "reason": "like",
        "reasonSubject": post_view()["uri"],
        "record": {},
        "isRead": False,
        "indexedAt": "2025-01-01T00:00:00Z",
    }
    posts = {post_view()["uri"]: parse_post_view(post_view(), CTX)}
    note = parse_notification(like, CTX, posts)
    assert note.kind == "like" and note.post is not None and note.unread
    odd = parse_notification({**like, "reason": "starterpack-joined"}, CTX, posts)
    assert odd.kind == "starterpack-joined" and odd.post is None
    assert isinstance(parse_notification({"uri": 5}, CTX, {}), Placeholder)
