"""An in-memory Network for UI tests: deterministic data, recorded calls, injectable failures.

Never shipped: it lives in tests/ and speaks only the Network contract, so the app under test
cannot tell it from a real adapter.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from tui.model import (
    Account,
    Author,
    ConnectionState,
    Counts,
    Draft,
    Event,
    EventKind,
    FeedKind,
    FeedRef,
    Item,
    Media,
    MediaKind,
    NetworkKind,
    Notification,
    NotificationItem,
    Page,
    Post,
    Profile,
    ProfileField,
    Reaction,
    Relationship,
    RichText,
    SearchResults,
    Span,
    SpanKind,
    Thread,
)
from tui.networks.base import Capability, Limits, Network, NetworkError, Transient, Unsupported

NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)

ALL_CAPS = frozenset(
    {
        Capability.VISIBILITY,
        Capability.CONTENT_WARNING,
        Capability.MEDIA,
        Capability.BOOKMARK,
        Capability.DELETE,
        Capability.SEARCH,
        Capability.MUTE,
        Capability.BLOCK,
        Capability.MARK_READ,
        Capability.STREAM,
        Capability.REPLY_MENTIONS,
    }
)


def text_with_link(text: str, url: str = "") -> RichText:
    if not url:
        return RichText(text)
    full = f"{text} {url}"
    start = len(text) + 1
    host = url.split("/")[2]
    return RichText(full, (Span(start, len(full), SpanKind.LINK, url, host),))


def make_author(kind: NetworkKind, account: str, handle: str, name: str = "") -> Author:
    return Author(kind, account, f"{kind.value}:user:{handle}", handle, name or handle.title())


class FakeNetwork(Network):
    """A scripted network: `posts` newest first, `notes` notifications, calls in `calls`."""

    def __init__(
        self,
        name: str,
        kind: NetworkKind = NetworkKind.MASTODON,
        *,
        posts: int = 30,
        max_chars: int = 500,
        capabilities: frozenset[Capability] = ALL_CAPS,
        handle: str = "",
    ) -> None:
        account = Account(name, kind, server="127.0.0.1", handle=handle or f"{name}@example")
        super().__init__(account, {})
        self.kind = kind
        self.capabilities = capabilities
        self._limits = Limits(max_chars=max_chars)
        self.calls: list[tuple[str, object]] = []
        self.fail: dict[str, NetworkError] = {}
        self.publish_gate: asyncio.Event | None = None
        self.events: asyncio.Queue[Event] = asyncio.Queue()
        self.stream_script: list[Exception | None] = []
        self.stream_calls = 0
        self.refused_feeds: set[FeedKind] = set()  # feeds this network does not have
        self._me = make_author(kind, name, account.handle, f"Me on {name}")
        self.posts: list[Post] = [self._make_post(i) for i in range(posts)]
        self.notes: list[Notification] = self._make_notifications()

    # ----- data ------------------------------------------------------------------------------
    def _make_post(self, i: int) -> Post:
        author = make_author(self.kind, self.account.name, f"alice{i % 3}", f"Alice {i % 3}")
        url = f"https://example.org/{self.account.name}/{i}"
        content = text_with_link(f"Post {i} from {self.account.name}", "https://news.example/a")
        return Post(
            self.kind,
            self.account.name,
            f"{self.account.name}:post:{i}",
            NOW - timedelta(minutes=5 * i + (1 if self.account.name.endswith("2") else 0)),
            author,
            content,
            key=f"key:{self.account.name}:{i}",
            url=url,
            counts=Counts(replies=i % 2, reposts=i % 3, likes=i % 5),
            media=(Media(MediaKind.IMAGE, "https://img.example/1.png", alt="a cat"),)
            if i == 2
            else (),
            content_warning="spoilers" if i == 3 else "",
        )

    def _make_notifications(self) -> list[Notification]:
        target = self.posts[0] if self.posts else None
        actors = [make_author(self.kind, self.account.name, f"fan{i}") for i in range(3)]
        return [
            Notification(
                self.kind,
                self.account.name,
                f"{self.account.name}:note:{i}",
                "like",
                NOW - timedelta(minutes=i),
                (actors[i],),
                post=target,
                group_key=f"like:{target.uid if target else ''}",
            )
            for i in range(3)
        ] + [
            Notification(
                self.kind,
                self.account.name,
                f"{self.account.name}:note:follow",
                "follow",
                NOW - timedelta(minutes=30),
                (actors[0],),
            )
        ]

    def own_post(self, text: str = "my own post") -> Post:
        return Post(
            self.kind,
            self.account.name,
            f"{self.account.name}:own:{len(self.posts)}",
            NOW,
            self._me,
            RichText(text),
            url=f"https://example.org/{self.account.name}/own",
        )

    def _check(self, op: str, arg: object = None) -> None:
        self.calls.append((op, arg))
        if op in self.fail:
            raise self.fail[op]

    # ----- contract --------------------------------------------------------------------------
    @property
    def limits(self) -> Limits:
        return self._limits

    @property
    def me(self) -> Author:
        return self._me

    async def open(self) -> None:
        self._check("open")
        self.set_state(ConnectionState.CONNECTED, "streaming")

    async def close(self) -> None:
        self.calls.append(("close", None))
        self.set_state(ConnectionState.OFFLINE)

    async def feeds(self) -> list[FeedRef]:
        return [FeedRef.parse("list:friends")]

    async def timeline(
        self, feed: FeedRef, cursor: str | None = None, limit: int = 40
    ) -> Page[Item]:
        self._check("timeline", (str(feed), cursor))
        if feed.kind in self.refused_feeds:
            raise Unsupported(f"{self.kind.value} has no {feed.kind.value} feed")
        start = int(cursor) if cursor else 0
        items = tuple(self.posts[start : start + limit])
        older = str(start + limit) if start + limit < len(self.posts) else None
        return Page(items, older=older)

    async def notifications(
        self, cursor: str | None = None, limit: int = 40
    ) -> Page[NotificationItem]:
        self._check("notifications", cursor)
        start = int(cursor) if cursor else 0
        items = tuple(self.notes[start : start + limit])
        older = str(start + limit) if start + limit < len(self.notes) else None
        return Page(items, older=older)

    async def mark_notifications_read(self, up_to: NotificationItem | None = None) -> None:
        self._check("mark_read", up_to)
        self.notes = [replace(n, unread=False) for n in self.notes]

    async def thread(self, post: Post) -> Thread:
        self._check("thread", post.uid)
        parent = replace(self.posts[-1], uid=f"{post.uid}:parent", content=RichText("the parent"))
        child = replace(self.posts[-1], uid=f"{post.uid}:child", content=RichText("a reply"))
        return Thread(post, (parent,), (child,))

    async def profile(self, who: str) -> Profile:
        self._check("profile", who)
        handle = who.rsplit(":", 1)[-1]
        return Profile(
            make_author(self.kind, self.account.name, handle, handle.title()),
            bio=RichText(f"Bio of {handle}"),
            fields=(ProfileField("site", RichText("https://site.example"), verified=True),),
            followers=10,
            following=20,
            posts=30,
            relationship=Relationship(following=False, followed_by=True),
        )

    async def search(self, query: str) -> SearchResults:
        self._check("search", query)
        found = tuple(p for p in self.posts if query.lower() in p.content.text.lower())
        return SearchResults(posts=found)

    async def publish(self, draft: Draft) -> Post:
        self._check("publish", draft)
        if self.publish_gate is not None:
            await self.publish_gate.wait()
        post = replace(self.own_post(draft.text), uid=f"{self.account.name}:sent:{len(self.calls)}")
        return post

    async def delete(self, post: Post) -> None:
        self._check("delete", post.uid)

    async def react(self, post: Post, reaction: Reaction, undo: bool = False) -> Post:
        self._check("react", (post.uid, reaction.value, undo))
        field = {"like": "liked", "repost": "reposted", "bookmark": "bookmarked"}[reaction.value]
        return post.with_state(**{field: not undo})

    async def follow(self, who: str, undo: bool = False) -> Relationship:
        self._check("follow", (who, undo))
        return Relationship(following=not undo, followed_by=True)

    async def mute(self, who: str, undo: bool = False) -> Relationship:
        self._check("mute", (who, undo))
        return Relationship(muting=not undo)

    async def block(self, who: str, undo: bool = False) -> Relationship:
        self._check("block", (who, undo))
        return Relationship(blocking=not undo)

    async def watch(self, feed: FeedRef, on: bool = True) -> None:
        self._check("watch", (str(feed), on))

    async def stream(self) -> AsyncIterator[Event]:
        """Live events from `events`; each call first consumes one `stream_script` outcome:
        an exception is raised at once, None ends the stream at once."""
        self.stream_calls += 1
        if self.stream_script:
            outcome = self.stream_script.pop(0)
            if outcome is not None:
                raise outcome
            return
        while True:
            yield await self.events.get()

    # ----- test helpers ----------------------------------------------------------------------
    def add_mention(
        self, text: str, *, minutes_ago: int = 0, url: str = "", content_warning: str = ""
    ) -> Notification:
        """A mention of me, newest first in `notes`, about a post by someone else."""
        n = len(self.notes)
        author = make_author(self.kind, self.account.name, f"caller{n}", f"Caller {n}")
        post = Post(
            self.kind,
            self.account.name,
            f"{self.account.name}:mention-post:{n}",
            NOW - timedelta(minutes=minutes_ago),
            author,
            text_with_link(text, url),
            url=f"https://example.org/{self.account.name}/mention/{n}",
            content_warning=content_warning,
        )
        note = Notification(
            self.kind,
            self.account.name,
            f"{self.account.name}:mention:{n}",
            "mention",
            NOW - timedelta(minutes=minutes_ago),
            (author,),
            post=post,
        )
        self.notes.insert(0, note)
        return note

    def push_post(self, text: str) -> Post:
        post = replace(
            self.posts[0],
            uid=f"{self.account.name}:live:{text}",
            key=f"live:{text}",
            content=RichText(text),
            created_at=NOW + timedelta(minutes=1),
        )
        self.events.put_nowait(
            Event(EventKind.POST, self.kind, self.account.name, post, feed=FeedRef())
        )
        return post


def fake_pair() -> Mapping[str, FakeNetwork]:
    return {
        "masto": FakeNetwork("masto", NetworkKind.MASTODON),
        "sky2": FakeNetwork("sky2", NetworkKind.BLUESKY, max_chars=300),
    }


__all__ = ["FakeNetwork", "NOW", "Transient", "fake_pair"]
