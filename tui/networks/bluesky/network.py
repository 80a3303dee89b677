"""BlueskyNetwork: the Network contract over AT Protocol XRPC.

All calls go to the account's PDS, which answers com.atproto.* itself and proxies app.bsky.* to
the AppView, as Bluesky's own app does. Reads become model objects in parse.py; records we write
are built in write.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from tui.model import (
    Account,
    Author,
    ConnectionState,
    Counts,
    Draft,
    Event,
    FeedKind,
    FeedRef,
    Item,
    MediaUpload,
    NetworkKind,
    Notification,
    NotificationItem,
    Page,
    Placeholder,
    Post,
    Profile,
    ProfileTab,
    Reaction,
    Relationship,
    SearchResults,
    Thread,
    Verification,
    VerificationState,
)
from tui.networks.base import (
    AuthError,
    BadResponse,
    Capability,
    Counting,
    CredentialsSaver,
    Network,
    NetworkError,
    NotFound,
    Unsupported,
)
from tui.networks.bluesky import parse, poll, write
from tui.networks.bluesky.chat import UNAVAILABLE, BlueskyChat
from tui.networks.bluesky.mutes import BlueskyMutes
from tui.networks.bluesky.facets import build_facets, find_facets
from tui.networks.bluesky.moderation import (
    ACCEPT_LABELERS_HEADER,
    DEFAULT_LABELER,
    LabelerInfo,
    Moderation,
    parse_services,
)
from tui.networks.bluesky.syntax import is_did, is_handle, normalize_handle, parse_at_uri
from tui.networks.bluesky.xrpc import Xrpc
from tui.text import clean, clean_line, plain_to_rich, safe_url

GET_POSTS_BATCH = 25  # app.bsky.feed.getPosts takes at most 25 URIs
OWN_RECORD_PAGES = 10  # how far back (x100 records) to look for a like/follow to undo
LIKE, REPOST = "app.bsky.feed.like", "app.bsky.feed.repost"
BOOKMARKS_PROBE = "app.bsky.bookmark.getBookmarks"
FOLLOW, BLOCK = "app.bsky.graph.follow", "app.bsky.graph.block"
REPORT_REASONS = {
    "spam": "com.atproto.moderation.defs#reasonSpam",
    "violation": "com.atproto.moderation.defs#reasonViolation",
    "misleading": "com.atproto.moderation.defs#reasonMisleading",
    "sexual": "com.atproto.moderation.defs#reasonSexual",
    "rude": "com.atproto.moderation.defs#reasonRude",
}


class BlueskyNetwork(BlueskyMutes, BlueskyChat, Network):
    kind = NetworkKind.BLUESKY
    capabilities = frozenset(
        {
            Capability.DELETE,
            Capability.CONTENT_WARNING,
            Capability.LANGUAGE,
            Capability.MEDIA,
            Capability.QUOTE,
            Capability.REPORT,
            Capability.MUTE,
            Capability.MUTE_THREAD,
            Capability.BLOCK,
            Capability.SEARCH,
            Capability.LISTS,
            Capability.CUSTOM_FEEDS,
            Capability.MARK_READ,
            Capability.STREAM,
        }
    )
    poll_seconds = 30.0  # the AppView has no push stream for clients: stream() polls

    def __init__(
        self,
        account: Account,
        secrets: Mapping[str, str],
        *,
        save_credentials: CredentialsSaver | None = None,
    ) -> None:
        super().__init__(account, secrets, save_credentials=save_credentials)
        self._xrpc: Xrpc | None = None
        self._me: Author | None = None
        self._me_view: dict[str, Any] = {}
        self._ctx = parse.Context(account.name)
        self._open_lock = asyncio.Lock()

    # ----- lifecycle -------------------------------------------------------------------------
    @property
    def did(self) -> str:
        return self.secrets.get("did", "")

    @property
    def xrpc(self) -> Xrpc:
        if self._xrpc is None:
            raise self.error(AuthError, "not connected yet")
        return self._xrpc

    async def open(self) -> None:
        async with self._open_lock:
            if self._xrpc is not None:
                return
            needed = ("did", "access_jwt", "refresh_jwt", "pds")
            if not all(self.secrets.get(k) for k in needed) or not is_did(self.did):
                raise self.error(AuthError, "not logged in: run `murmur login bluesky HANDLE`")
            self.set_state(ConnectionState.CONNECTING)
            labelers = self._config_labelers()
            moderation = Moderation.build(None, labelers)
            xrpc = Xrpc(
                self.secrets["pds"],
                account=self.account.name,
                access_jwt=self.secrets["access_jwt"],
                refresh_jwt=self.secrets["refresh_jwt"],
                save=self.save_credentials,
                headers={ACCEPT_LABELERS_HEADER: moderation.header()},
            )
            try:
                prefs = await xrpc.query("app.bsky.actor.getPreferences")
                moderation = Moderation.build(
                    prefs.get("preferences") if isinstance(prefs, dict) else None, labelers
                )
                xrpc.headers[ACCEPT_LABELERS_HEADER] = moderation.header()
                moderation = await _with_services(xrpc, moderation)
                self._ctx = parse.Context(self.account.name, self.did, moderation)
                view, bookmarks = await asyncio.gather(
                    self._own_profile(xrpc), _offers(xrpc, BOOKMARKS_PROBE)
                )
            except BaseException:
                await xrpc.aclose()
                self.set_state(ConnectionState.OFFLINE)
                raise
            self._me_view = view if isinstance(view, dict) else {}
            self._me = parse.parse_author(self._me_view, self._ctx)
            # What this AppView serves decides what is offered (older ones have no bookmarks).
            offered = {Capability.BOOKMARK} if bookmarks else set()
            self.capabilities = type(self).capabilities | offered
            self._xrpc = xrpc
            # Bluesky has no client stream: stream() polls timelines and notifications.
            self.set_state(ConnectionState.POLLING, f"polling every {self.poll_seconds:g} s")

    def _config_labelers(self) -> list[str]:
        extra = self.account.options.get("labelers")
        return [d for d in extra if isinstance(d, str)] if isinstance(extra, (list, tuple)) else []

    async def stream(self) -> AsyncIterator[Event]:
        async for event in poll.events(self, self.poll_seconds):
            yield event

    async def _own_profile(self, xrpc: Xrpc) -> Any:
        try:
            return await xrpc.query("app.bsky.actor.getProfile", {"actor": self.did})
        except (NotFound, BadResponse):
            # A brand-new account has no profile in the AppView yet: enough to post under.
            return {"did": self.did, "handle": self.account.handle}

    async def _ready(self) -> Xrpc:
        if self._xrpc is None:
            await self.open()
        return self.xrpc

    async def close(self) -> None:
        if self._xrpc is not None:
            xrpc, self._xrpc = self._xrpc, None
            await xrpc.aclose()
        self.set_state(ConnectionState.OFFLINE)

    # ----- description -----------------------------------------------------------------------
    @property
    def limits(self) -> write.BlueskyLimits:
        return write.BlueskyLimits(
            max_chars=300,
            counting=Counting.GRAPHEMES,
            max_media=write.MAX_IMAGES,
            cw_counts=False,
            max_poll_options=0,  # Bluesky has no polls: the composer says so
            messages=self.chat_available is not False,  # unknown until the first chat call
            messages_note=UNAVAILABLE,
        )

    # Content warnings: Bluesky has only these self-labels (value, name); any other warning is
    # written at the top of the post. The composer asks which before sending.
    self_labels: tuple[tuple[str, str], ...] = write.SELF_LABEL_CHOICES

    @staticmethod
    def content_warning_plan(content_warning: str) -> write.ContentWarningPlan:
        """How `content_warning` will be sent: as a self-label, or as text atop the post."""
        return write.content_warning_plan(content_warning)

    @property
    def me(self) -> Author | None:
        return self._me

    @property
    def moderation(self) -> Moderation:
        return self._ctx.moderation

    async def feeds(self) -> list[FeedRef]:
        """Saved and pinned feeds and lists from preferences, pinned first, named by the server."""
        x = await self._ready()
        prefs = await x.query("app.bsky.actor.getPreferences")
        saved: list[tuple[str, str, bool]] = []  # (kind, uri, pinned)
        for pref in prefs.get("preferences") or [] if isinstance(prefs, dict) else []:
            if not isinstance(pref, dict):
                continue
            if pref.get("$type") == "app.bsky.actor.defs#savedFeedsPrefV2":
                for item in pref.get("items") or []:
                    if isinstance(item, dict) and item.get("type") in ("feed", "list"):
                        saved.append(
                            (item["type"], str(item.get("value")), item.get("pinned") is True)
                        )
            elif pref.get("$type") == "app.bsky.actor.defs#savedFeedsPref":
                pinned = set(pref.get("pinned") or [])
                for uri in pref.get("saved") or []:
                    kind = "list" if "/app.bsky.graph.list/" in str(uri) else "feed"
                    saved.append((kind, str(uri), uri in pinned))
        seen: dict[str, tuple[str, bool]] = {}
        for kind, uri, pinned in saved:
            if parse_at_uri(uri) and (uri not in seen or pinned):
                seen[uri] = (kind, pinned)
        names = await self._feed_names([u for u, (k, _) in seen.items() if k == "feed"])
        names.update(await self._list_names([u for u, (k, _) in seen.items() if k == "list"]))
        ordered = sorted(seen.items(), key=lambda kv: not kv[1][1])
        refs = [
            FeedRef(FeedKind.CUSTOM if kind == "feed" else FeedKind.LIST, uri, names.get(uri, ""))
            for uri, (kind, _) in ordered
        ]
        # Then the account's own curate lists (lists.py), saved or not.
        return refs + [e.feed for e in await self.lists() if e.id not in seen]

    async def _feed_names(self, uris: list[str]) -> dict[str, str]:
        if not uris:
            return {}
        names: dict[str, str] = {}
        body = await self.xrpc.query("app.bsky.feed.getFeedGenerators", {"feeds": uris})
        for view in body.get("feeds") or [] if isinstance(body, dict) else []:
            if isinstance(view, dict) and isinstance(view.get("displayName"), str):
                names[str(view.get("uri"))] = clean_line(view["displayName"], max_len=100)
        return names

    async def _list_names(self, uris: list[str]) -> dict[str, str]:
        async def one(uri: str) -> tuple[str, str]:
            try:
                body = await self.xrpc.query("app.bsky.graph.getList", {"list": uri, "limit": 1})
            except NotFound:
                return uri, ""
            name = body.get("list", {}).get("name") if isinstance(body, dict) else None
            return uri, clean_line(name, max_len=100) if isinstance(name, str) else ""

        return dict(await asyncio.gather(*(one(u) for u in uris)))

    # ----- reading ---------------------------------------------------------------------------
    async def timeline(
        self, feed: FeedRef, cursor: str | None = None, limit: int = 40
    ) -> Page[Item]:
        x = await self._ready()
        params: dict[str, Any] = {"limit": max(1, min(100, limit)), "cursor": cursor}
        if feed.kind is FeedKind.HOME:
            body = await x.query("app.bsky.feed.getTimeline", params)
        elif feed.kind is FeedKind.CUSTOM:
            params["feed"] = self._uri(feed.arg)
            body = await x.query("app.bsky.feed.getFeed", params)
        elif feed.kind is FeedKind.LIST:
            params["list"] = self._uri(feed.arg)
            body = await x.query("app.bsky.feed.getListFeed", params)
        elif feed.kind is FeedKind.USER:
            actor = await self.resolve_actor(feed.arg)
            body = await x.query("app.bsky.feed.getAuthorFeed", {**params, "actor": actor})
        elif feed.kind is FeedKind.BOOKMARKS and self.supports(Capability.BOOKMARK):
            body = await x.query("app.bsky.bookmark.getBookmarks", params)
            marks = [parse.parse_bookmark(b, self._ctx) for b in _items(body, "bookmarks")]
            next_cursor = body.get("cursor") if isinstance(body, dict) else None
            return Page(tuple(marks), older=next_cursor if isinstance(next_cursor, str) else None)
        elif feed.kind is FeedKind.BOOKMARKS:
            raise self.error(Unsupported, "this Bluesky server keeps no bookmarks")
        else:
            raise self.error(Unsupported, f"Bluesky has no {feed.kind.value} feed")
        items = body.get("feed") if isinstance(body, dict) else None
        page = [parse.parse_feed_item(i, self._ctx) for i in items or [] if i is not None]
        next_cursor = body.get("cursor") if isinstance(body, dict) else None
        return Page(tuple(page), older=next_cursor if isinstance(next_cursor, str) else None)

    def _uri(self, value: str) -> str:
        if parse_at_uri(value) is None:
            raise self.error(BadResponse, f"not an AT-URI: {value[:100]!r}")
        return value

    async def _check_handle(self, did: str, view: Mapping[str, Any]) -> Verification:
        """Handle ↔ DID, both ways: the AppView names the handle the DID document claims
        ("handle.invalid" when that document and the domain disagree), and the handle's domain
        must resolve back to this DID (com.atproto.identity.resolveHandle)."""
        handle = str(view.get("handle") or "").lower()
        if not is_handle(handle) or handle == "handle.invalid":
            return Verification("handle", VerificationState.FAILED, "")
        try:
            found = await self.resolve_actor(handle)
        except NetworkError:
            found = ""  # the domain names no DID (or not this one): the claim does not hold
        state = VerificationState.VERIFIED if found == did else VerificationState.FAILED
        return Verification("handle", state, clean_line(handle, 253))

    async def author_feed(
        self, who: str, tab: ProfileTab, cursor: str | None = None, limit: int = 40
    ) -> Page[Item]:
        """getAuthorFeed with the tab's filter; the posts tab asks for the pinned post first
        (`includePins`), and fetches the profile's `pinnedPost` where the AppView did not."""
        x = await self._ready()
        actor = await self.resolve_actor(who)
        params: dict[str, Any] = {
            "actor": actor,
            "limit": max(1, min(100, limit)),
            "cursor": cursor,
            "filter": {
                ProfileTab.POSTS: "posts_no_replies",
                ProfileTab.REPLIES: "posts_with_replies",
                ProfileTab.MEDIA: "posts_with_media",
            }[tab],
        }
        pins = tab is ProfileTab.POSTS and cursor is None
        if pins:
            params["includePins"] = True
        body = await x.query("app.bsky.feed.getAuthorFeed", params)
        items = [parse.parse_feed_item(i, self._ctx) for i in _items(body, "feed")]
        if pins and not any(isinstance(i, Post) and i.ref.get("pinned") for i in items):
            view = await x.query("app.bsky.actor.getProfile", {"actor": actor})
            pinned = view.get("pinnedPost") if isinstance(view, dict) else None
            uri = pinned.get("uri") if isinstance(pinned, dict) else None
            if isinstance(uri, str) and parse_at_uri(uri):
                post = (await self._get_posts([uri])).get(uri)
                if isinstance(post, Post):
                    items = [
                        replace(post, ref={**post.ref, "pinned": "1"}),
                        *(i for i in items if i.key != uri),
                    ]
        next_cursor = body.get("cursor") if isinstance(body, dict) else None
        return Page(tuple(items), older=next_cursor if isinstance(next_cursor, str) else None)

    async def resolve_actor(self, who: str) -> str:
        """A DID for a handle (`@alice.bsky.social`), a DID, or an Author/profile URL."""
        who = who.removeprefix("bluesky:").strip()
        if is_did(who):
            return who
        handle = normalize_handle(who)
        if not is_handle(handle):
            raise self.error(NotFound, f"not a Bluesky handle: {who[:100]!r}")
        x = await self._ready()
        body = await x.query("com.atproto.identity.resolveHandle", {"handle": handle})
        did = body.get("did") if isinstance(body, dict) else None
        if not isinstance(did, str) or not is_did(did):
            raise self.error(BadResponse, f"the server gave no valid DID for {handle}")
        return did

    async def _get_posts(self, uris: list[str]) -> dict[str, Item]:
        """Posts by AT-URI (as many getPosts calls as needed, run together)."""
        unique = list(dict.fromkeys(u for u in uris if parse_at_uri(u)))
        batches = [unique[i : i + GET_POSTS_BATCH] for i in range(0, len(unique), GET_POSTS_BATCH)]
        x = await self._ready()
        bodies = await asyncio.gather(
            *(x.query("app.bsky.feed.getPosts", {"uris": batch}) for batch in batches)
        )
        found: dict[str, Item] = {}
        for body in bodies:
            for view in body.get("posts") or [] if isinstance(body, dict) else []:
                item = parse.parse_post_view(view, self._ctx)
                if item.key:
                    found[item.key] = item
        return found

    async def post(self, uid: str) -> Item:
        uri = uid.removeprefix("bluesky:")
        found = await self._get_posts([self._uri(uri)])
        if uri not in found:
            raise self.error(NotFound, "that post was deleted or is not visible to you")
        return found[uri]

    async def thread(self, post: Post) -> Thread:
        x = await self._ready()
        uri = self._uri(post.shown.key)
        root_uri = post.shown.ref.get("root_uri", "")
        # getPostThread lists only the replies below the post it is asked about: the rest of the
        # conversation (siblings, other branches) comes from the root's thread, asked at once.
        whole: Any = None
        try:
            if root_uri and root_uri != uri and parse_at_uri(root_uri) is not None:
                body, whole = await asyncio.gather(
                    self._post_thread(x, uri), self._root_thread(x, root_uri)
                )
            else:
                body = await self._post_thread(x, uri)
        except (NotFound, BadResponse) as exc:
            if getattr(exc, "code", "") != "NotFound" and not isinstance(exc, NotFound):
                raise
            gone = Placeholder(
                self.kind, self.account.name, parse.uid_for(uri), "This post was deleted.", key=uri
            )
            return Thread(post=gone)
        thread = parse.parse_thread(
            body.get("thread") if isinstance(body, dict) else None, self._ctx
        )
        if not isinstance(whole, dict):
            return thread
        conversation = parse.parse_thread(whole.get("thread"), self._ctx)
        listed = {i.uid for i in (thread.post, *thread.ancestors, *thread.descendants)}
        rest = []
        for item in (conversation.post, *conversation.descendants):
            if item.uid not in listed:
                listed.add(item.uid)
                rest.append(item)
        return replace(thread, descendants=(*thread.descendants, *rest))

    async def _post_thread(self, x: Xrpc, uri: str) -> Any:
        return await x.query(
            "app.bsky.feed.getPostThread", {"uri": uri, "depth": 10, "parentHeight": 80}
        )

    async def _root_thread(self, x: Xrpc, uri: str) -> Any:
        """The replies under a conversation's root; None when the root is gone (deleted): the
        thread of the opened post is then all there is, its ancestors saying the root is gone."""
        try:
            return await x.query(
                "app.bsky.feed.getPostThread", {"uri": uri, "depth": 10, "parentHeight": 0}
            )
        except (NotFound, BadResponse) as exc:
            if getattr(exc, "code", "") != "NotFound" and not isinstance(exc, NotFound):
                raise
            return None

    async def notifications(
        self, cursor: str | None = None, limit: int = 40
    ) -> Page[NotificationItem]:
        x = await self._ready()
        body = await x.query(
            "app.bsky.notification.listNotifications",
            {"limit": max(1, min(100, limit)), "cursor": cursor},
        )
        raw = body.get("notifications") if isinstance(body, dict) else None
        raw = raw if isinstance(raw, list) else []
        posts = await self._get_posts([parse.notification_subject(n) for n in raw])
        items = tuple(parse.parse_notification(n, self._ctx, posts) for n in raw)
        next_cursor = body.get("cursor") if isinstance(body, dict) else None
        return Page(items, older=next_cursor if isinstance(next_cursor, str) else None)

    async def unread_count(self) -> int:
        x = await self._ready()
        body = await x.query("app.bsky.notification.getUnreadCount")
        count = body.get("count") if isinstance(body, dict) else None
        return count if type(count) is int and count >= 0 else 0

    async def mark_notifications_read(self, up_to: NotificationItem | None = None) -> None:
        x = await self._ready()
        if isinstance(up_to, Notification):
            # The AppView counts a notification read when seenAt is strictly later.
            when = up_to.created_at + timedelta(milliseconds=1)
            seen = when.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        else:
            seen = write.now_iso()
        await x.procedure("app.bsky.notification.updateSeen", {"seenAt": seen})

    async def profile(self, who: str) -> Profile:
        x = await self._ready()
        actor = await self.resolve_actor(who)
        view = await x.query("app.bsky.actor.getProfile", {"actor": actor})
        author = parse.parse_author(view, self._ctx)
        if author is None:
            raise self.error(BadResponse, "the server sent an unreadable profile")
        viewer = view.get("viewer") if isinstance(view.get("viewer"), dict) else {}
        viewer = await self._unhide_follows(actor, viewer)
        relationship = None if actor == self.did else _relationship(viewer)
        check = await self._check_handle(actor, view)
        if check.state is not VerificationState.VERIFIED:
            author = replace(author, verified_domain="")
        return Profile(
            author=author,
            bio=plain_to_rich(
                view.get("description") if isinstance(view.get("description"), str) else ""
            ),
            followers=parse.as_int(view.get("followersCount")),
            following=parse.as_int(view.get("followsCount")),
            verification=(check,),
            posts=parse.as_int(view.get("postsCount")),
            created_at=parse.parse_time(view.get("createdAt")),
            relationship=relationship,
            header_url=safe_url(parse.as_str(view.get("banner"))) or "",
        )

    async def search(self, query: str) -> SearchResults:
        x = await self._ready()
        posts_body, actors_body = await asyncio.gather(
            x.query("app.bsky.feed.searchPosts", {"q": query, "limit": 25}),
            x.query("app.bsky.actor.searchActors", {"q": query, "limit": 25}),
        )
        posts = [parse.parse_post_view(p, self._ctx) for p in _items(posts_body, "posts")]
        actors = [parse.parse_author(a, self._ctx) for a in _items(actors_body, "actors")]
        return SearchResults(authors=tuple(a for a in actors if a), posts=tuple(posts))

    # ----- writing ---------------------------------------------------------------------------
    def _target(self, post: Post | None, what: str) -> Post | None:
        if post is None:
            return None
        post = post.shown
        if post.network is not NetworkKind.BLUESKY or not parse_at_uri(post.key):
            raise self.error(Unsupported, f"a Bluesky account can only {what} Bluesky posts")
        if not post.ref.get("cid"):
            raise self.error(BadResponse, f"cannot {what} this post: its version is unknown")
        return post

    async def _create(self, collection: str, record: Mapping[str, Any]) -> dict[str, str]:
        x = await self._ready()
        body = await x.procedure(
            "com.atproto.repo.createRecord",
            {"repo": self.did, "collection": collection, "record": dict(record)},
        )
        uri = body.get("uri") if isinstance(body, dict) else None
        cid = body.get("cid") if isinstance(body, dict) else None
        if not (isinstance(uri, str) and parse_at_uri(uri) and isinstance(cid, str)):
            raise self.error(BadResponse, "the server did not say where it stored the record")
        return {"uri": uri, "cid": cid}

    async def _delete_record(self, uri: str) -> None:
        at = parse_at_uri(uri)
        if at is None or at.authority != self.did or not at.rkey:
            raise self.error(Unsupported, "only your own records can be deleted")
        x = await self._ready()
        await x.procedure(
            "com.atproto.repo.deleteRecord",
            {"repo": self.did, "collection": at.collection, "rkey": at.rkey},
        )

    async def publish(self, draft: Draft) -> Post:
        if draft.poll is not None:
            raise self.error(Unsupported, "Bluesky has no polls")
        if len(draft.media) > write.MAX_IMAGES:
            raise self.error(Unsupported, f"Bluesky posts take at most {write.MAX_IMAGES} images")
        await self._ready()
        parent = self._target(draft.reply_to, "reply to")
        quoted = self._target(draft.quote_of, "quote")
        text, self_labels = write.apply_content_warning(draft.text, draft.content_warning)
        found = find_facets(text)
        handles = {f.value for f in found if f.kind.value == "mention"}
        dids = await self._resolve_mentions(handles)
        images = await asyncio.gather(*(self._upload_image(m) for m in draft.media))
        media = write.images_embed(list(images)) if images else None
        embed = write.quote_embed(quoted.key, quoted.ref["cid"], media) if quoted else media
        reply = None
        if parent is not None:
            reply = {
                "root": write.strong_ref(
                    parent.ref.get("root_uri") or parent.key,
                    parent.ref.get("root_cid") or parent.ref["cid"],
                ),
                "parent": write.strong_ref(parent.key, parent.ref["cid"]),
            }
        record = write.post_record(
            text,
            facets=build_facets(text, found, dids),
            langs=[draft.language] if draft.language else [],
            reply=reply,
            embed=embed,
            self_labels=self_labels,
        )
        created = await self._create(parse.POST_COLLECTION, record)
        # The AppView indexes asynchronously: describe the post from what we wrote.
        view = {
            "uri": created["uri"],
            "cid": created["cid"],
            "author": self._me_view or {"did": self.did, "handle": self.account.handle},
            "record": record,
            "indexedAt": record["createdAt"],
        }
        post = parse.parse_post_view(view, self._ctx)
        if not isinstance(post, Post):
            raise self.error(BadResponse, "the server stored the post but it cannot be shown")
        if quoted is not None:
            post = replace(post, quote=quoted)
        if parent is not None:
            post = replace(post, reply_to_author=parent.author.handle)
        return post

    async def _resolve_mentions(self, handles: set[str]) -> dict[str, str]:
        async def one(handle: str) -> tuple[str, str]:
            try:
                return handle, await self.resolve_actor(handle)
            except (NotFound, BadResponse):
                return handle, ""  # not a Bluesky account: the text stays plain

        return {h: d for h, d in await asyncio.gather(*(one(h) for h in handles)) if d}

    async def _upload_image(self, upload: MediaUpload) -> dict[str, Any]:
        try:
            data = await asyncio.to_thread(Path(upload.path).read_bytes)
        except OSError as exc:
            raise self.error(BadResponse, f"cannot read {upload.path}: {exc.strerror}") from None
        mime, width, height = write.sniff_image(data)
        if not mime:
            name = Path(upload.path).name
            raise self.error(Unsupported, f"{name} is not a PNG, JPEG, GIF or WebP image")
        if len(data) > write.MAX_IMAGE_BYTES:
            raise self.error(Unsupported, f"{Path(upload.path).name} is larger than 2 MB")
        body = await self.xrpc.upload("com.atproto.repo.uploadBlob", data, mime)
        blob = body.get("blob") if isinstance(body, dict) else None
        if not isinstance(blob, dict):
            raise self.error(BadResponse, "the server did not return the uploaded image")
        return write.image_entry(blob, upload.alt, width, height)

    async def delete(self, post: Post) -> None:
        await self._delete_record(post.shown.key)

    async def react(self, post: Post, reaction: Reaction, undo: bool = False) -> Post:
        if reaction is Reaction.BOOKMARK:
            return await self._bookmark(post, undo)
        if reaction not in (Reaction.LIKE, Reaction.REPOST):
            raise self.error(Unsupported, f"Bluesky has no {reaction.value}")
        target = self._target(post, reaction.value)
        assert target is not None
        name = reaction.value  # "like" / "repost": also the viewer field and our ref key
        collection = LIKE if reaction is Reaction.LIKE else REPOST
        ref = dict(target.ref)
        counts = target.counts
        if undo:
            record_uri = ref.get(name) or await self._viewer_record(target.key, name)
            if record_uri:
                await self._delete_record(record_uri)
                counts = _bump(counts, name, -1)
            ref.pop(name, None)
        elif not ref.get(name):
            subject = write.strong_ref(target.key, ref["cid"])
            created = await self._create(collection, write.subject_record(collection, subject))
            ref[name] = created["uri"]
            counts = _bump(counts, name, +1)
        state = {"liked": bool(ref.get("like")), "reposted": bool(ref.get("repost"))}
        updated = replace(target, ref=ref, counts=counts).with_state(**state)
        return replace(post, repost_of=updated) if post.repost_of is not None else updated

    async def _bookmark(self, post: Post, undo: bool) -> Post:
        """Bookmarks are private: the AppView keeps them, not the repo."""
        x = await self._ready()
        if not self.supports(Capability.BOOKMARK):
            raise self.error(Unsupported, "this Bluesky server keeps no bookmarks")
        target = self._target(post, "bookmark")
        assert target is not None
        try:
            if undo:
                await x.procedure("app.bsky.bookmark.deleteBookmark", {"uri": target.key})
            else:
                body = {"uri": target.key, "cid": target.ref["cid"]}
                await x.procedure("app.bsky.bookmark.createBookmark", body)
        except NetworkError as exc:
            if not _lacks_method(exc):
                raise
            self.capabilities = self.capabilities - {Capability.BOOKMARK}
            raise self.error(Unsupported, "this Bluesky server keeps no bookmarks") from None
        updated = target.with_state(bookmarked=not undo)
        return replace(post, repost_of=updated) if post.repost_of is not None else updated

    async def _viewer_record(self, uri: str, name: str) -> str:
        """The URI of my like/repost of a post: the AppView knows, unless it has not caught up."""
        found = await self._get_posts([uri])
        post = found.get(uri)
        if isinstance(post, Post) and post.ref.get(name):
            return post.ref[name]
        collection = LIKE if name == "like" else REPOST
        return await self._own_record(
            collection, lambda s: isinstance(s, dict) and s.get("uri") == uri
        )

    async def _own_record(self, collection: str, matches: Callable[[Any], bool]) -> str:
        """My newest record in `collection` whose subject `matches`, read from my own repo."""
        x = await self._ready()
        cursor = None
        for _ in range(OWN_RECORD_PAGES):
            body = await x.query(
                "com.atproto.repo.listRecords",
                {"repo": self.did, "collection": collection, "limit": 100, "cursor": cursor},
            )
            records = body.get("records") if isinstance(body, dict) else None
            for rec in records if isinstance(records, list) else []:
                value = rec.get("value") if isinstance(rec, dict) else None
                if isinstance(value, dict) and matches(value.get("subject")):
                    return str(rec.get("uri", ""))
            cursor = body.get("cursor") if isinstance(body, dict) else None
            if not isinstance(cursor, str) or not records:
                break
        return ""

    async def _viewer(self, did: str) -> dict[str, Any]:
        x = await self._ready()
        view = await x.query("app.bsky.actor.getProfile", {"actor": did})
        viewer = view.get("viewer") if isinstance(view, dict) else None
        return await self._unhide_follows(did, viewer if isinstance(viewer, dict) else {})

    async def _unhide_follows(self, did: str, viewer: dict[str, Any]) -> dict[str, Any]:
        """`viewer` with the follows a block hides put back.

        While either side blocks, the AppView's profile omits `following` and `followedBy`, so
        a follow that outlives the block looked gone. getRelationships tells them regardless.
        """
        if not (viewer.get("blocking") or viewer.get("blockedBy")) or did == self.did:
            return viewer
        x = await self._ready()
        body = await x.query(
            "app.bsky.graph.getRelationships", {"actor": self.did, "others": [did]}
        )
        viewer = dict(viewer)
        for rel in _items(body, "relationships"):
            if isinstance(rel, dict) and rel.get("did") == did:
                for field in ("following", "followedBy"):
                    if parse_at_uri(parse.as_str(rel.get(field))):
                        viewer.setdefault(field, rel[field])
        return viewer

    async def _toggle_graph(
        self, who: str, collection: str, field: str, undo: bool
    ) -> Relationship:
        did = await self.resolve_actor(who)
        viewer = await self._viewer(did)
        existing = viewer.get(field) if isinstance(viewer.get(field), str) else ""
        if not existing:
            existing = await self._own_record(collection, lambda subject: subject == did)
        if undo and existing:
            await self._delete_record(existing)
            viewer.pop(field, None)
        elif not undo and not existing:
            created = await self._create(collection, write.subject_record(collection, did))
            viewer[field] = created["uri"]
        return _relationship(viewer)

    async def follow(self, who: str, undo: bool = False) -> Relationship:
        return await self._toggle_graph(who, FOLLOW, "following", undo)

    async def block(self, who: str, undo: bool = False) -> Relationship:
        return await self._toggle_graph(who, BLOCK, "blocking", undo)

    async def mute(self, who: str, undo: bool = False, *, duration: int = 0) -> Relationship:
        did = await self.resolve_actor(who)
        nsid = "app.bsky.graph.unmuteActor" if undo else "app.bsky.graph.muteActor"
        await self.xrpc.procedure(nsid, {"actor": did})
        viewer = await self._viewer(did)
        return replace(_relationship(viewer), muting=not undo)

    async def mute_thread(self, post: Post, undo: bool = False) -> None:
        """Stop (or resume) notifications from the thread `post` belongs to."""
        target = self._target(post, "mute threads of")
        assert target is not None
        root = target.ref.get("root_uri") or target.key
        x = await self._ready()
        nsid = "app.bsky.graph.unmuteThread" if undo else "app.bsky.graph.muteThread"
        await x.procedure(nsid, {"root": root})

    report_categories = (
        ("other", "Other"),
        ("spam", "Spam"),
        ("violation", "Breaks the server's rules"),
        ("misleading", "Misleading"),
        ("sexual", "Unwanted sexual content"),
        ("rude", "Rude or harassing"),
    )

    async def report(self, target: Author | Post, reason: str, *, category: str = "") -> None:
        x = await self._ready()
        if isinstance(target, Post):
            post = self._target(target, "report")
            assert post is not None
            subject: dict[str, Any] = {
                "$type": "com.atproto.repo.strongRef",
                "uri": post.key,
                "cid": post.ref["cid"],
            }
        else:
            did = target.uid.removeprefix("bluesky:")
            if not is_did(did):
                raise self.error(Unsupported, "a Bluesky account can only report Bluesky accounts")
            subject = {"$type": "com.atproto.admin.defs#repoRef", "did": did}
        words = clean(reason, max_len=2000).strip()
        first = words.split(maxsplit=1)[0].lower() if words else ""
        reason_type = REPORT_REASONS.get(
            category or first, "com.atproto.moderation.defs#reasonOther"
        )
        body = {"reasonType": reason_type, "reason": words, "subject": subject}
        # The PDS forwards the report to each moderation service named in atproto-proxy; with
        # none named, to the one it is configured with (Bluesky's own, on Bluesky's servers).
        services = self.account.options.get("report_to")
        dids = [d for d in services or () if isinstance(d, str) and is_did(d)]
        if not dids:
            await x.procedure("com.atproto.moderation.createReport", body)
        for did in dict.fromkeys(dids):
            await x.procedure(
                "com.atproto.moderation.createReport",
                body,
                headers={"atproto-proxy": f"{did}#atproto_labeler"},
            )

    # ----- labelers ---------------------------------------------------------------------------
    async def labelers(self) -> list[LabelerInfo]:
        """The labelers this account subscribes to, with their labels (Bluesky's own first)."""
        x = await self._ready()
        dids = list(self.moderation.labelers)
        body = await x.query("app.bsky.labeler.getServices", {"dids": dids, "detailed": True})
        found = {info.did: info for info in parse_services(body)}
        self._set_moderation(self.moderation.with_services(body))
        return [found.get(d) or LabelerInfo(d, self.moderation.names.get(d, d), ()) for d in dids]

    async def subscribe_labeler(self, who: str, undo: bool = False) -> None:
        """Add (or remove) a labeler in the account's labelersPref, as Bluesky's app does."""
        did = who if is_did(who) else await self.resolve_actor(who)
        if did == DEFAULT_LABELER and undo:
            raise self.error(Unsupported, "Bluesky's own moderation cannot be unsubscribed")
        if undo and did in self._config_labelers():
            raise self.error(
                Unsupported, f"{did} is in this account's labelers in config.toml: remove it there"
            )
        if not undo:
            x = await self._ready()
            found = await x.query("app.bsky.labeler.getServices", {"dids": [did]})
            if not parse_services(found):
                raise self.error(NotFound, f"{clean_line(who, max_len=100)} is not a labeler")

        def change(prefs: list) -> list:
            kind = "app.bsky.actor.defs#labelersPref"
            current = next((p for p in prefs if p.get("$type") == kind), None)
            items = [
                i
                for i in (current or {}).get("labelers") or []
                if isinstance(i, dict) and i.get("did") != did
            ]
            if not undo:
                items.append({"did": did})
            rest = [p for p in prefs if p is not current]
            return [*rest, {"$type": kind, "labelers": items}]

        await self._change_preferences(change)

    async def set_label_visibility(self, labeler: str, label: str, visibility: str) -> None:
        """The user's rule for `label` from `labeler`: "hide", "warn" or "show"."""
        if visibility not in ("hide", "warn", "show", "ignore"):
            raise self.error(Unsupported, f"a label is hidden, warned or shown, not {visibility}")
        if not is_did(labeler):
            raise self.error(NotFound, f"{labeler} is not a labeler's DID")
        kind = "app.bsky.actor.defs#contentLabelPref"

        def change(prefs: list) -> list:
            rest = [
                p
                for p in prefs
                if not (
                    p.get("$type") == kind
                    and p.get("label") == label
                    and (p.get("labelerDid") or "") == labeler
                )
            ]
            pref = {"$type": kind, "labelerDid": labeler, "label": label}
            return [*rest, {**pref, "visibility": "ignore" if visibility == "show" else visibility}]

        await self._change_preferences(change)

    async def _change_preferences(self, change: Callable[[list], list]) -> None:
        x = await self._ready()
        body = await x.query("app.bsky.actor.getPreferences")
        prefs = [p for p in _items(body, "preferences") if isinstance(p, dict)]
        prefs = change(prefs)
        await x.procedure("app.bsky.actor.putPreferences", {"preferences": prefs})
        old = self.moderation
        moderation = Moderation.build(prefs, self._config_labelers())
        moderation = replace(moderation, names=old.names, defaults=old.defaults)
        x.headers[ACCEPT_LABELERS_HEADER] = moderation.header()
        if set(moderation.labelers) - set(old.names):
            moderation = await _with_services(x, moderation)
        self._set_moderation(moderation)

    def _set_moderation(self, moderation: Moderation) -> None:
        self._ctx = replace(self._ctx, moderation=moderation)


async def _with_services(xrpc: Xrpc, moderation: Moderation) -> Moderation:
    """`moderation` knowing its labelers' names and declared defaults, when the AppView says."""
    try:
        body = await xrpc.query(
            "app.bsky.labeler.getServices", {"dids": list(moderation.labelers), "detailed": True}
        )
    except NetworkError as exc:
        if isinstance(exc, AuthError):
            raise
        return moderation  # labels still apply, named by their labeler's DID
    return moderation.with_services(body)


def _lacks_method(exc: NetworkError) -> bool:
    """Whether `exc` says the server has no such XRPC method (not that it failed to run it)."""
    code = getattr(exc, "code", "")
    return code in ("MethodNotImplemented", "XRPCNotSupported") or (
        not code and getattr(exc, "status", 0) in (404, 501)
    )


async def _offers(xrpc: Xrpc, nsid: str) -> bool:
    """Whether the server serves query `nsid`.

    Only an answer saying the method does not exist means no: after a passing failure (a
    timeout, a 502) the method is taken as there, and using it will say what went wrong.
    """
    try:
        await xrpc.query(nsid, {"limit": 1})
    except NetworkError as exc:
        if isinstance(exc, AuthError):
            raise
        return not _lacks_method(exc)
    return True


def _items(body: Any, key: str) -> list:
    value = body.get(key) if isinstance(body, dict) else None
    return value if isinstance(value, list) else []


def _bump(counts: Counts, name: str, delta: int) -> Counts:
    field = "likes" if name == "like" else "reposts"
    value = getattr(counts, field)
    return replace(counts, **{field: max(0, value + delta)}) if value is not None else counts


def _relationship(viewer: Mapping[str, Any]) -> Relationship:
    return Relationship(
        following=bool(viewer.get("following")),
        followed_by=bool(viewer.get("followedBy")),
        muting=viewer.get("muted") is True,
        blocking=bool(viewer.get("blocking")),
        blocked_by=viewer.get("blockedBy") is True,
    )
