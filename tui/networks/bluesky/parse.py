"""AppView JSON (app.bsky.* views) → tui.model objects.

Every field is untrusted: strings pass `tui.text`, identifiers are checked against the atproto
syntax, and anything we cannot understand becomes a `Placeholder` that says what was wrong. No
function here raises on bad data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from tui.model import (
    EPOCH,
    Author,
    Counts,
    Item,
    LinkCard,
    Media,
    MediaKind,
    MyState,
    NetworkKind,
    Notification,
    NotificationKind,
    Placeholder,
    Post,
    RichText,
    SpanKind,
    Thread,
)
from tui.networks.bluesky.facets import facet_spans
from tui.networks.bluesky.moderation import Moderation
from tui.networks.bluesky.syntax import is_did, is_handle, parse_at_uri
from tui.text import clean, clean_line, link_host, plain_to_rich, rich_from_spans, safe_url

NET = NetworkKind.BLUESKY
POST_COLLECTION = "app.bsky.feed.post"
WEB = "https://bsky.app"
MAX_THREAD_ITEMS = 1000

NOTIFICATION_KINDS = {
    "like": NotificationKind.LIKE,
    "repost": NotificationKind.REPOST,
    "follow": NotificationKind.FOLLOW,
    "mention": NotificationKind.MENTION,
    "reply": NotificationKind.REPLY,
    "quote": NotificationKind.QUOTE,
}
# Reasons whose subject is one of my posts (reasonSubject); for the others the post is `uri`.
SUBJECT_REASONS = {"like", "repost", "like-via-repost", "repost-via-repost"}
POST_REASONS = {"mention", "reply", "quote", "subscribed-post"}


@dataclass(frozen=True, slots=True)
class Context:
    account: str
    me: str = ""  # the signed-in DID
    moderation: Moderation = Moderation()


def uid_for(uri: str) -> str:
    return f"bluesky:{uri}"


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def as_int(value: Any) -> int | None:
    return value if type(value) is int and value >= 0 else None


def as_str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def post_url(handle: str, did: str, rkey: str) -> str:
    return f"{WEB}/profile/{handle if is_handle(handle) else did}/post/{rkey}"


def parse_author(view: Any, ctx: Context) -> Author | None:
    """A profileView(Basic); None when it has no valid DID."""
    if not isinstance(view, dict) or not is_did(as_str(view.get("did"))):
        return None
    did = view["did"]
    handle = as_str(view.get("handle")).lower()
    handle = handle if is_handle(handle) else did
    avatar = safe_url(as_str(view.get("avatar"))) or ""
    labels = view.get("labels")
    bot = isinstance(labels, list) and any(
        isinstance(x, dict) and x.get("val") == "bot" and x.get("src") == did for x in labels
    )
    return Author(
        network=NET,
        account=ctx.account,
        uid=uid_for(did),
        handle=handle,
        display_name=clean_line(as_str(view.get("displayName")), max_len=200),
        url=f"{WEB}/profile/{handle}",
        avatar_url=avatar,
        bot=bot,
        verified_domain=handle if handle != did else "",
    )


def _content(record: Mapping[str, Any]) -> RichText:
    text = as_str(record.get("text"))
    facets = record.get("facets")
    if isinstance(facets, list) and facets:
        spans = []
        for span in facet_spans(text, facets):
            if span.kind is SpanKind.LINK:
                url = safe_url(span.target)
                if url is None:
                    continue  # javascript:, data: and friends never become links
                span = replace(span, target=url, host=link_host(url))
            spans.append(span)
        return rich_from_spans(text, spans)
    return plain_to_rich(text)


def _images(view: Mapping[str, Any]) -> list[Media]:
    media = []
    for image in view.get("images") or []:
        if not isinstance(image, dict):
            continue
        full = safe_url(as_str(image.get("fullsize")))
        if not full:
            continue
        ratio = image.get("aspectRatio") if isinstance(image.get("aspectRatio"), dict) else {}
        media.append(
            Media(
                kind=MediaKind.IMAGE,
                url=full,
                alt=clean(as_str(image.get("alt")), max_len=2000),
                preview_url=safe_url(as_str(image.get("thumb"))) or "",
                width=as_int(ratio.get("width")),
                height=as_int(ratio.get("height")),
            )
        )
    return media[:4]


def _video(view: Mapping[str, Any]) -> list[Media]:
    url = safe_url(as_str(view.get("playlist")))
    if not url:
        return []
    ratio = view.get("aspectRatio") if isinstance(view.get("aspectRatio"), dict) else {}
    return [
        Media(
            kind=MediaKind.VIDEO,
            url=url,
            alt=clean(as_str(view.get("alt")), max_len=2000),
            preview_url=safe_url(as_str(view.get("thumbnail"))) or "",
            width=as_int(ratio.get("width")),
            height=as_int(ratio.get("height")),
        )
    ]


def _card(view: Mapping[str, Any]) -> LinkCard | None:
    external = view.get("external")
    if not isinstance(external, dict):
        return None
    url = safe_url(as_str(external.get("uri")))
    if not url:
        return None
    return LinkCard(
        url=url,
        title=clean_line(as_str(external.get("title")), max_len=300),
        description=clean(as_str(external.get("description")), max_len=1000),
        host=link_host(url),
    )


def _media_embed(view: Any) -> tuple[list[Media], LinkCard | None]:
    if not isinstance(view, dict):
        return [], None
    kind = view.get("$type")
    if kind == "app.bsky.embed.images#view":
        return _images(view), None
    if kind == "app.bsky.embed.video#view":
        return _video(view), None
    if kind == "app.bsky.embed.external#view":
        return [], _card(view)
    return [], None


def _quoted(view: Any, ctx: Context, depth: int) -> Post | Placeholder | None:
    """An app.bsky.embed.record#view's record: a quoted post, or a placeholder saying why not."""
    record = view.get("record") if isinstance(view, dict) else None
    if not isinstance(record, dict):
        return None
    kind = record.get("$type")
    uri = as_str(record.get("uri"))
    key = uri if parse_at_uri(uri) else ""
    uid = uid_for(uri) if key else "bluesky:unknown-embed"

    def placeholder(reason: str) -> Placeholder:
        return Placeholder(NET, ctx.account, uid, reason, key=key)

    if kind == "app.bsky.embed.record#viewRecord":
        post = {**record, "record": record.get("value")}
        embeds = record.get("embeds")
        post["embed"] = embeds[0] if isinstance(embeds, list) and embeds else None
        return parse_post_view(post, ctx, depth=depth + 1)
    if kind == "app.bsky.embed.record#viewNotFound":
        return placeholder("The quoted post was deleted.")
    if kind == "app.bsky.embed.record#viewBlocked":
        return placeholder("The quoted post is from an account that blocks you or that you block.")
    if kind == "app.bsky.embed.record#viewDetached":
        return placeholder("The quoted post's author removed the quote.")
    if kind == "app.bsky.feed.defs#generatorView":
        name = clean_line(as_str(record.get("displayName")), max_len=200)
        return placeholder(f"A custom feed: {name}" if name else "A custom feed")
    if kind == "app.bsky.graph.defs#listView":
        name = clean_line(as_str(record.get("name")), max_len=200)
        return placeholder(f"A list: {name}" if name else "A list")
    return placeholder("An embedded item this version cannot show.")


def parse_post_view(view: Any, ctx: Context, depth: int = 0) -> Post | Placeholder:
    """An app.bsky.feed.defs#postView (or an embed's viewRecord reshaped like one)."""
    uri = as_str(view.get("uri")) if isinstance(view, dict) else ""
    at = parse_at_uri(uri)
    if at is None or not is_did(at.authority) or at.collection != POST_COLLECTION or not at.rkey:
        return Placeholder(NET, ctx.account, "bluesky:invalid-post", "A post with no address.")
    author = parse_author(view.get("author"), ctx)
    record = view.get("record")
    cid = as_str(view.get("cid"))
    if author is None or not isinstance(record, dict) or not cid or len(cid) > 200:
        return Placeholder(
            NET, ctx.account, uid_for(uri), "A post this version cannot read.", key=uri
        )
    indexed = parse_time(view.get("indexedAt"))
    created = parse_time(record.get("createdAt"))
    # Bluesky orders by indexedAt when the claimed creation time is in the future.
    if created is None or (indexed is not None and created > indexed):
        created = indexed or EPOCH

    media: list[Media] = []
    card = None
    quote = None
    embed = view.get("embed")
    if isinstance(embed, dict):
        kind = embed.get("$type")
        if kind == "app.bsky.embed.record#view" and depth < 1:
            quote = _quoted(embed, ctx, depth)
        elif kind == "app.bsky.embed.recordWithMedia#view":
            if depth < 1:
                quote = _quoted(embed.get("record"), ctx, depth)
            media, card = _media_embed(embed.get("media"))
        else:
            media, card = _media_embed(embed)

    reply = record.get("reply") if isinstance(record.get("reply"), dict) else {}
    parent = reply.get("parent") if isinstance(reply.get("parent"), dict) else {}
    root = reply.get("root") if isinstance(reply.get("root"), dict) else {}
    parent_uri = as_str(parent.get("uri"))
    root_uri, root_cid = as_str(root.get("uri")), as_str(root.get("cid"))
    if not (parse_at_uri(root_uri) and root_cid):
        root_uri, root_cid = uri, cid

    viewer = view.get("viewer") if isinstance(view.get("viewer"), dict) else {}
    ref = {"cid": cid, "root_uri": root_uri, "root_cid": root_cid}
    for name in ("like", "repost"):
        if parse_at_uri(as_str(viewer.get(name))):
            ref[name] = viewer[name]

    labels = list(view.get("labels") or []) if isinstance(view.get("labels"), list) else []
    self_labels = record.get("labels")
    if isinstance(self_labels, dict) and isinstance(self_labels.get("values"), list):
        labels += [
            {"src": at.authority, "uri": uri, "val": v.get("val")}
            for v in self_labels["values"]
            if isinstance(v, dict)
        ]
    verdict = ctx.moderation.judge(labels, at.authority, mine=at.authority == ctx.me)
    langs = record.get("langs")
    language = (
        clean_line(langs[0], max_len=20)
        if isinstance(langs, list) and langs and isinstance(langs[0], str)
        else ""
    )

    return Post(
        network=NET,
        account=ctx.account,
        uid=uid_for(uri),
        created_at=created,
        author=author,
        content=_content(record),
        key=uri,
        url=post_url(author.handle, at.authority, at.rkey),
        content_warning=clean_line(verdict.content_warning, max_len=300),
        sensitive=bool(verdict.warnings),
        reply_to=uid_for(parent_uri) if parse_at_uri(parent_uri) else None,
        quote=quote,
        media=tuple(media),
        card=card,
        counts=Counts(
            replies=as_int(view.get("replyCount")),
            reposts=as_int(view.get("repostCount")),
            likes=as_int(view.get("likeCount")),
            quotes=as_int(view.get("quoteCount")),
        ),
        mine=MyState(
            liked="like" in ref,
            reposted="repost" in ref,
            bookmarked=viewer.get("bookmarked") is True,
            pinned=viewer.get("pinned") is True,
        ),
        language=language,
        labels=tuple(clean_line(v, max_len=128) for v in verdict.values) + verdict.markers,
        ref=ref,
    )


def parse_feed_item(item: Any, ctx: Context) -> Item:
    """An app.bsky.feed.defs#feedViewPost: a post, or a repost wrapping one."""
    if not isinstance(item, dict):
        return Placeholder(NET, ctx.account, "bluesky:invalid-item", "An unreadable feed item.")
    post = parse_post_view(item.get("post"), ctx)
    if isinstance(post, Placeholder):
        return post
    reply = item.get("reply") if isinstance(item.get("reply"), dict) else {}
    parent = reply.get("parent") if isinstance(reply.get("parent"), dict) else {}
    parent_author = parse_author(parent.get("author"), ctx)
    if parent_author is not None:
        post = replace(post, reply_to_author=parent_author.handle)
    reason = item.get("reason")
    if isinstance(reason, dict) and reason.get("$type") == "app.bsky.feed.defs#reasonRepost":
        by = parse_author(reason.get("by"), ctx)
        if by is None:
            return post
        repost_uri = as_str(reason.get("uri"))
        key = repost_uri if parse_at_uri(repost_uri) else f"{post.key}#repost:{by.uid}"
        return Post(
            network=NET,
            account=ctx.account,
            uid=uid_for(key),
            created_at=parse_time(reason.get("indexedAt")) or post.created_at,
            author=by,
            key=key,
            url=post.url,
            repost_of=post,
            ref={"uri": repost_uri} if parse_at_uri(repost_uri) else {},
        )
    if isinstance(reason, dict) and reason.get("$type") == "app.bsky.feed.defs#reasonPin":
        return replace(post, ref={**post.ref, "pinned": "1"})  # the author's pinned post
    return post


def _thread_node(node: Any, ctx: Context) -> Item:
    kind = node.get("$type") if isinstance(node, dict) else None
    uri = as_str(node.get("uri")) if isinstance(node, dict) else ""
    key = uri if parse_at_uri(uri) else ""
    uid = uid_for(uri) if key else "bluesky:unknown-thread-item"
    if kind == "app.bsky.feed.defs#threadViewPost":
        return parse_post_view(node.get("post"), ctx)
    if kind == "app.bsky.feed.defs#notFoundPost":
        return Placeholder(NET, ctx.account, uid, "This post was deleted.", key=key)
    if kind == "app.bsky.feed.defs#blockedPost":
        return Placeholder(
            NET,
            ctx.account,
            uid,
            "A post from an account that blocks you or that you block.",
            key=key,
        )
    return Placeholder(NET, ctx.account, uid, "A thread item this version cannot show.", key=key)


def parse_bookmark(view: Any, ctx: Context) -> Item:
    """An app.bsky.bookmark.defs#bookmarkView: the bookmarked post, or why it cannot be shown."""
    item = view.get("item") if isinstance(view, dict) else None
    if isinstance(item, dict) and item.get("$type") in (None, "app.bsky.feed.defs#postView"):
        post = parse_post_view(item, ctx)
        return post.with_state(bookmarked=True) if isinstance(post, Post) else post
    subject = view.get("subject") if isinstance(view, dict) else None
    uri = as_str(subject.get("uri")) if isinstance(subject, dict) else ""
    node = dict(item) if isinstance(item, dict) else {}
    node.setdefault("uri", uri)
    return _thread_node(node, ctx)


def parse_thread(root: Any, ctx: Context) -> Thread:
    """getPostThread's `thread`: parents become ancestors (oldest first), replies descendants
    (depth first, in the server's order)."""
    post = _thread_node(root, ctx)
    ancestors: list[Item] = []
    node = root.get("parent") if isinstance(root, dict) else None
    while node is not None and len(ancestors) < MAX_THREAD_ITEMS:
        ancestors.append(_thread_node(node, ctx))
        node = node.get("parent") if isinstance(node, dict) else None
    ancestors.reverse()

    descendants: list[Item] = []
    replies = root.get("replies") if isinstance(root, dict) else None
    stack = list(reversed(replies)) if isinstance(replies, list) else []
    while stack and len(descendants) < MAX_THREAD_ITEMS:
        child = stack.pop()
        descendants.append(_thread_node(child, ctx))
        more = child.get("replies") if isinstance(child, dict) else None
        if isinstance(more, list):
            stack.extend(reversed(more))
    return Thread(post=post, ancestors=tuple(ancestors), descendants=tuple(descendants))


def notification_subject(n: Any) -> str:
    """The post a notification is about, to fetch in one getPosts call; "" if none."""
    if not isinstance(n, dict):
        return ""
    reason = as_str(n.get("reason"))
    uri = (
        as_str(n.get("reasonSubject"))
        if reason in SUBJECT_REASONS
        else (as_str(n.get("uri")) if reason in POST_REASONS else "")
    )
    at = parse_at_uri(uri)
    return uri if at is not None and at.collection == POST_COLLECTION else ""


def parse_notification(
    n: Any, ctx: Context, posts: Mapping[str, Item]
) -> Notification | Placeholder:
    if not isinstance(n, dict) or not parse_at_uri(as_str(n.get("uri"))):
        return Placeholder(
            NET, ctx.account, "bluesky:invalid-notification", "An unreadable notification."
        )
    uri = n["uri"]
    author = parse_author(n.get("author"), ctx)
    created = parse_time(n.get("indexedAt"))
    if author is None or created is None:
        return Placeholder(NET, ctx.account, uid_for(uri), "An unreadable notification.", key=uri)
    reason = as_str(n.get("reason"))
    kind = NOTIFICATION_KINDS.get(reason)
    post = posts.get(notification_subject(n))
    return Notification(
        network=NET,
        account=ctx.account,
        uid=uid_for(uri),
        kind=kind.value if kind else clean_line(reason, max_len=60) or NotificationKind.OTHER.value,
        created_at=created,
        actors=(author,),
        post=post if isinstance(post, Post) else None,
        unread=n.get("isRead") is not True,
    )
