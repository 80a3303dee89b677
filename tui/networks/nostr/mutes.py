"""NIP-51 lists beyond follows and follow sets (those are in lists.py): muted threads (`e` tags
of the kind 10000 mute list) and bookmarks (kind 10003 `e` tags), and the mute list as the
"Mutes and blocks" screen shows it.

Each edit re-reads the newest list from the relays first and keeps every other entry, so an
edit made by another client is never dropped.
"""

from __future__ import annotations

import time
from typing import Any

from tui.model import FeedKind, Page, Post
from tui.networks.base import Muted
from tui.networks.nostr import nip19, parse
from tui.networks.nostr.event import NostrEvent, sign
from tui.text import clean_line

MUTE_LIST_KIND = 10000
BOOKMARK_LIST_KIND = 10003
MAX_BOOKMARKS_PAGE = 40


def _is_id(value: str) -> bool:
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def tag_ids(ev: NostrEvent | None, name: str) -> list[str]:
    """The valid 64-hex values of `name` tags, first seen first."""
    if ev is None:
        return []
    return list(dict.fromkeys(v for v in ev.tag_values(name) if _is_id(v)))


class NostrLists:
    """Mixed into NostrNetwork (which provides keys, the relay plumbing and `_latest`)."""

    # The feeds Nostr serves (tui.feed.serves): bookmarks among them, from the kind 10003 list.
    feed_kinds = frozenset(
        {
            FeedKind.HOME,
            FeedKind.USER,
            FeedKind.TAG,
            FeedKind.PUBLIC,
            FeedKind.LIST,
            FeedKind.BOOKMARKS,
        }
    )

    ctx: Any
    pubkey: str
    mutes: set[str]
    _latest: dict[int, NostrEvent]
    _need_keys: Any
    _fresh_list: Any
    _send: Any
    _remember_mine: Any
    _load_events: Any
    _hydrate: Any

    # ----- what the lists hold ---------------------------------------------------------------
    @property
    def muted_threads(self) -> set[str]:
        return set(tag_ids(self._latest.get(MUTE_LIST_KIND), "e"))

    @property
    def bookmarks(self) -> list[str]:
        return tag_ids(self._latest.get(BOOKMARK_LIST_KIND), "e")

    def in_muted_thread(self, ev: NostrEvent) -> bool:
        """The event belongs to a thread I muted (its root, its parent, or the note itself)."""
        threads = self.muted_threads
        if not threads:
            return False
        root, parent = parse.thread_refs(ev)
        target = parse.reaction_target(ev) if ev.kind == 7 else None
        if ev.kind == 6:
            target = parse.repost_target(ev)
        return bool({ev.id, root, parent, target} & threads)

    # ----- editing -----------------------------------------------------------------------------
    async def _edit_list(self, kind: int, tag: str, value: str, undo: bool) -> None:
        """Publish list `kind` with the `tag` entry `value` added or removed."""
        keys = self._need_keys()
        latest = await self._fresh_list(kind)
        tags = [list(t) for t in latest.tags] if latest else []
        content = latest.content if latest else ""

        def same(t: list[str]) -> bool:
            return len(t) > 1 and t[0] == tag and t[1] == value

        if undo:
            tags = [t for t in tags if not same(t)]
        elif not any(same(t) for t in tags):
            tags.append([tag, value])
        created = int(time.time())
        if latest is not None and created <= latest.created_at:
            created = latest.created_at + 1  # must be newer to replace it
        ev = sign(keys, kind, content, tags, created)
        await self._send(ev)
        self._remember_mine(ev)

    @staticmethod
    def thread_root(post: Post) -> str:
        shown = post.shown
        return shown.ref.get("root") or shown.key

    async def mute_thread(self, post: Post, undo: bool = False) -> None:
        await self._edit_list(MUTE_LIST_KIND, "e", self.thread_root(post), undo)

    async def unmute_thread(self, uid: str) -> None:
        await self._edit_list(MUTE_LIST_KIND, "e", uid.removeprefix("nostr:"), True)

    async def bookmark(self, post: Post, undo: bool) -> None:
        await self._edit_list(BOOKMARK_LIST_KIND, "e", post.shown.key, undo)

    async def muted(self) -> list[Muted]:
        await self._fresh_list(MUTE_LIST_KIND)
        entries: list[Muted] = []
        for pk in sorted(self.mutes):
            who = parse.author(self.ctx, pk)
            label = f"{who.display_name} ({who.handle})" if who.display_name else who.handle
            entries.append(Muted("mute", who.uid, label))
        threads = sorted(self.muted_threads)
        await self._load_events(threads)  # their text, to say which thread each one is
        for eid in threads:
            ev = self.ctx.events.get(eid)
            text = clean_line(ev.content, 80) if ev is not None else ""
            entries.append(Muted("thread", "nostr:" + eid, text or nip19.encode("note", eid)))
        return entries

    async def bookmarked(self, cursor: str | None, limit: int) -> Page[Any]:
        """The bookmarks feed: newest bookmark first, paged by position in the list."""
        await self._fresh_list(BOOKMARK_LIST_KIND)
        ids = list(reversed(self.bookmarks))
        start = int(cursor) if cursor and cursor.isdigit() else 0
        chunk = ids[start : start + min(limit, MAX_BOOKMARKS_PAGE)]
        await self._load_events(chunk)
        events = [self.ctx.events[i] for i in chunk if i in self.ctx.events]
        await self._hydrate(events, engagement=True)
        posts = []
        for ev in events:
            post = parse.to_post(self.ctx, ev)
            if post is not None:
                posts.append(post.with_state(bookmarked=True))
        end = start + len(chunk)
        return Page(tuple(posts), older=str(end) if end < len(ids) else None)
