"""What the reader sees: the selected feed and the notifications, kept without Textual.

One paging path serves posts and notifications alike (`Pager`): it asks every account for a page
at once (through `Session`), merges the pages by time (`feed.Merger`), keeps each account's cursor
and hands failures back as values. `Reader` holds the app's state on top of it: refresh, older
pages, live events, connection state, what has been read, and one's own posts once a server has
confirmed them. It tells a `Listener` what changed; the main screen draws and routes keys. The CLI
pages with `Pager.collect`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from tui.feed import (
    served_sources,
    Change,
    FeedSelection,
    Merger,
    NotificationRow,
    Source,
    group_notifications,
    unread_count,
)
from tui.model import (
    ConnectionState,
    Event,
    EventKind,
    FeedKind,
    FeedRef,
    Item,
    Notification,
    NotificationItem,
    Page,
    Post,
)
from tui.networks.base import Capability, Network, NetworkError, NotFound, Unsupported

if TYPE_CHECKING:
    from tui.session import Session

PAGE_SIZE = 40  # items asked of each account per page (Mastodon's own maximum)

T = TypeVar("T")

# `fetch(accounts, cursors, limit)`: one page per account, a failure as the account's value.
Fetch = Callable[
    [list[str], Mapping[str, str | None], int], Awaitable[Mapping[str, Page[Any] | Exception]]
]


@dataclass(slots=True)
class Loaded(Generic[T]):
    """What one round of paging did: the change to the merged list and each account's failure."""

    change: Change[Any] = field(default_factory=Change)
    errors: dict[str, Exception] = field(default_factory=dict)
    replaced: bool = False  # a first page: the list was rebuilt, not extended


def _has_more(page: Page[Any], cursor: str | None) -> bool:
    """An empty page, no cursor, or a cursor that points back at itself is an account's end."""
    return bool(page.items) and page.older not in (None, cursor)


class Pager(Generic[T]):
    """Newest-first pages from several accounts, merged by time, one cursor per account."""

    def __init__(
        self,
        accounts: Iterable[str],
        fetch: Fetch,
        *,
        feed: FeedRef | None = None,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.sources = [Source(name, feed or FeedRef()) for name in accounts]
        self.page_size = page_size
        self.merger: Merger[Any] = Merger()
        self.cursors: dict[Source, str | None] = {}
        self._failed: set[Source] = set()  # an older page failed: tried again next time
        self._fetch = fetch
        # (account, warning) of pages that came with one, each once, in order of arrival.
        self.warnings: dict[tuple[str, str], None] = {}

    @property
    def items(self) -> list[T]:
        """What may be shown: everything no slower account can still go above."""
        return list(self.merger.items)

    def everything(self) -> list[T]:
        """Every item known, shown or still held back, newest first."""
        return self.merger.everything()

    @property
    def has_more(self) -> bool:
        return bool(self.merger.active_sources() or self._failed)

    async def first(self) -> Loaded[T]:
        """The newest page from every account. When all fail, what was there stays."""
        if not self.sources:
            return Loaded()
        pages = await self._fetch([s.account for s in self.sources], {}, self.page_size)
        self._note(pages)
        merger: Merger[Any] = Merger(self.sources)
        cursors: dict[Source, str | None] = {}
        errors: dict[str, Exception] = {}
        for source in self.sources:
            page = pages.get(source.account)
            if isinstance(page, Page):
                more = _has_more(page, None)
                cursors[source] = page.older if more else None
                merger.push(source, page.items, more=more)
            else:
                merger.finish(source)
                if page is not None:
                    errors[source.account] = page
        if len(errors) == len(self.sources):
            return Loaded(errors=errors)
        self.merger, self.cursors, self._failed = merger, cursors, set()
        return Loaded(Change(inserted=list(enumerate(merger.items))), errors, replaced=True)

    async def older(self) -> Loaded[T]:
        """The next page from every account that has one; what is released lands in order."""
        for source in self._failed:
            self.merger.resume(source)
        self._failed.clear()
        sources = [s for s in self.merger.active_sources() if self.cursors.get(s)]
        if not sources:
            return Loaded()
        cursors = {s.account: self.cursors[s] for s in sources}
        pages = await self._fetch(list(cursors), cursors, self.page_size)
        self._note(pages)
        change: Change[Any] = Change()
        errors: dict[str, Exception] = {}
        for source in sources:
            page = pages.get(source.account)
            if isinstance(page, Page):
                more = _has_more(page, cursors[source.account])
                self.cursors[source] = page.older if more else None
                _extend(change, self.merger.push(source, page.items, more=more))
            else:  # the cursor stays: the next call asks again
                self._failed.add(source)
                _extend(change, self.merger.finish(source))
                if page is not None:
                    errors[source.account] = page
        return Loaded(change, errors)

    def _note(self, pages: Mapping[str, Page[Any] | Exception]) -> None:
        for name, page in pages.items():
            if isinstance(page, Page):
                self.warnings.update(dict.fromkeys((name, w) for w in page.warnings))

    async def collect(self, count: int) -> tuple[list[T], dict[str, Exception]]:
        """Page until `count` items are merged or every account is at its end (the CLI's way).

        Errors are per account: an account that fails stops, the others go on.
        """
        loaded = await self.first()
        errors = dict(loaded.errors)
        known = len(self.everything())
        while len(self.merger) < count and self.merger.active_sources():
            loaded = await self.older()
            errors.update(loaded.errors)
            self._failed.clear()  # a failed account stops here; the others go on
            now = len(self.everything())
            if now == known:  # pages that bring nothing new: stop rather than loop
                break
            known = now
        for source in self.sources:  # release what was held back for sources still paging
            self.merger.finish(source)
        return self.items[:count], errors


def _extend(total: Change[Any], more: Change[Any]) -> None:
    """Fold `more` (applied after `total`) into `total`, keeping indices final and ascending."""
    if not more.inserted:
        total.updated.extend(more.updated)
        return
    merged: list[tuple[int, Any]] = []
    earlier = total.inserted
    for index, item in more.inserted:
        # An insert at or before an earlier one pushes that one down by one.
        earlier = [(i + 1 if i >= index else i, it) for i, it in earlier]
        merged.append((index, item))
    total.inserted = sorted([*earlier, *merged], key=lambda pair: pair[0])
    total.updated.extend(more.updated)


def post_pager(
    session: Session, feed: FeedRef, accounts: Sequence[str], page_size: int = PAGE_SIZE
) -> Pager[Item]:
    async def fetch(
        names: list[str], cursors: Mapping[str, str | None], limit: int
    ) -> Mapping[str, Page[Any] | Exception]:
        return await session.fetch(feed, names, cursors, limit)

    return Pager(accounts, fetch, feed=feed, page_size=page_size)


def notification_pager(
    session: Session, accounts: Sequence[str], page_size: int = PAGE_SIZE
) -> Pager[NotificationItem]:
    async def fetch(
        names: list[str], cursors: Mapping[str, str | None], limit: int
    ) -> Mapping[str, Page[Any] | Exception]:
        return await session.fetch_notifications(names, cursors, limit)

    return Pager(accounts, fetch, page_size=page_size)


# ------------------------------------------------------------------------------------------------
# The app's reader


class Listener:
    """What a reader tells whoever draws it. Every method does nothing here."""

    def posts_reset(self, items: list[Item]) -> None:
        """The timeline is new (first paint, refresh, another feed): show `items`."""

    def posts_changed(self, change: Change[Any]) -> None:
        """Items inserted at their final places, or replaced in place."""

    def post_removed(self, uid: str) -> None:
        """A post is gone (deleted)."""

    def notifications_changed(self, rows: list[NotificationRow], unread: int) -> None:
        """The notification rows to show, grouped, and how many are unread."""

    def connection_changed(self, account: str, network: str, state: Any, detail: str) -> None:
        """An account's connection state: the one route to the status bar."""

    def failed(self, error: Exception, doing: str) -> None:
        """A server said no: `doing` names what was being done, for the user."""


def _about(note: NotificationItem, uid: str) -> bool:
    """Whether a notification is about the post `uid`."""
    return isinstance(note, Notification) and note.post is not None and note.post.uid == uid


class Reader:
    """The feed and notification state of the app, for one session."""

    def __init__(
        self,
        session: Session,
        listener: Listener | None = None,
        *,
        selection: FeedSelection | None = None,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.session = session
        self.listener = listener or Listener()
        self.selection = selection or FeedSelection.everything()
        self.page_size = page_size
        self.posts: Pager[Item] = self._post_pager()
        self.notifications: Pager[NotificationItem] = self._notification_pager()
        self._states: dict[str, tuple[Any, str]] = {}
        self._watched: set[str] = set()
        self._streams: set[str] = set()
        self._busy: set[str] = set()
        self._read_up_to: dict[str, datetime] = {}
        self._load_read_markers()

    # ----- accounts ----------------------------------------------------------------------------
    def accounts(self) -> list[str]:
        return [a.name for a in self.session.accounts]

    def _connected(self) -> list[str]:
        return [n for n in self.accounts() if n in self.session.networks]

    def _post_pager(self) -> Pager[Item]:
        sources = served_sources(self.selection, self._connected(), self.session.networks)
        return post_pager(
            self.session, self.selection.feed, [s.account for s in sources], self.page_size
        )

    def _notification_pager(self) -> Pager[NotificationItem]:
        return notification_pager(self.session, self._connected(), self.page_size)

    def _report(self, errors: Mapping[str, Exception], doing: str) -> None:
        for name, error in errors.items():
            self.listener.failed(error, f"{doing} for {name}")

    # ----- the timeline ------------------------------------------------------------------------
    @property
    def merger(self) -> Merger[Any]:
        return self.posts.merger

    def cached_posts(self) -> list[Item]:
        """The selection's posts as the cache has them, merged: the first paint."""
        session = self.session
        merger: Merger[Any] = Merger()
        for source in self.selection.sources(self.accounts()):
            items = session.cached_posts(session.feed_key(source.account, source.feed))
            merger.push(source, items, more=False)
        return list(merger.items)

    def select(self, selection: FeedSelection) -> list[Item]:
        """Show another feed: forget the pages of the last one; returns the cached posts."""
        self.selection = selection
        self.posts = self._post_pager()
        return self.cached_posts()

    async def refresh_posts(self) -> None:
        """The newest page of the selected feed from every selected account at once."""
        selection = self.selection
        pager = self._post_pager()
        if not pager.sources:
            return
        loaded = await pager.first()
        if selection != self.selection:
            return  # another feed was chosen meanwhile
        self._report(loaded.errors, f"Fetching {selection.feed.title}")
        if loaded.replaced:
            self.posts = pager
            self.listener.posts_reset(pager.items)

    async def older_posts(self) -> None:
        """The next page of every account still paging (the reader neared the end)."""
        if "posts" in self._busy or not self.posts.has_more:
            return
        self._busy.add("posts")
        pager = self.posts
        try:
            loaded = await pager.older()
        finally:
            self._busy.discard("posts")
        if pager is not self.posts:
            return
        self.listener.posts_changed(loaded.change)
        self._report(loaded.errors, "Loading older posts")

    async def refresh(self) -> None:
        """Reconnect whatever is down, then the newest posts and notifications."""
        await self.reconnect()
        await asyncio.gather(self.refresh_posts(), self.refresh_notifications())

    async def reconnect(self) -> None:
        """Every account tries again now what is down (relays in their penalty)."""
        networks = self.session.networks
        names = [n for n in self.accounts() if n in networks]
        results = await asyncio.gather(
            *(networks[n].reconnect() for n in names), return_exceptions=True
        )
        for name, result in zip(names, results, strict=True):
            if isinstance(result, Exception):
                self.listener.failed(result, f"Reconnecting {name}")
            elif isinstance(result, BaseException):
                raise result  # cancelled: the refresh stops too

    async def watch_feeds(self, old: FeedSelection, new: FeedSelection) -> None:
        """Ask each account to stream the feed now on screen, and to stop the one just left
        (Mastodon streams public, hashtag and list feeds only while asked)."""
        networks = self.session.networks

        def shown(selection: FeedSelection) -> set[Source]:
            return {s for s in selection.sources(self.accounts()) if s.account in networks}

        before, after = shown(old), shown(new)
        calls = [(s, False) for s in before - after] + [(s, True) for s in after - before]
        results = await asyncio.gather(
            *(networks[s.account].watch(s.feed, on=start) for s, start in calls),
            return_exceptions=True,
        )
        for (source, start), result in zip(calls, results, strict=True):
            if isinstance(result, Exception):
                verb = "Following" if start else "Leaving"
                self.listener.failed(
                    result, f"{verb} {source.feed.title} live for {source.account}"
                )

    def post_changed(self, post: Post) -> None:
        """A post changed here (my like, new counts): the timeline and notifications follow."""
        self.listener.posts_changed(self.merger.update(post))
        about = [n for n in self.notifications.everything() if _about(n, post.uid)]
        for note in about:
            self.notifications.merger.update(replace(note, post=post))  # type: ignore[arg-type]
        if about:
            self._show_notifications()

    def post_removed(self, uid: str) -> None:
        if self.merger.remove(uid) is not None:
            self.listener.post_removed(uid)
        notes = self.notifications.merger
        about = [n.uid for n in self.notifications.everything() if _about(n, uid)]
        for note_uid in about:
            notes.remove(note_uid)
        if about:
            self._show_notifications()

    def confirmed(self, post: Post) -> None:
        """One's own post, confirmed by its server: shown at once in the home feed (or one's
        own user feed) instead of at the next poll."""
        selection = self.selection
        if selection.account not in (None, post.account):
            return
        feed, me = selection.feed, post.author
        if feed.kind is FeedKind.HOME or (
            feed.kind is FeedKind.USER and feed.arg.lstrip("@") in (me.uid, me.handle)
        ):
            self.listener.posts_changed(self.merger.insert_live([post]))

    # ----- live events -------------------------------------------------------------------------
    def watch(self, name: str, network: Network) -> None:
        """Follow an account's connection state (once per account)."""
        if name in self._watched:
            return
        self._watched.add(name)
        kind = network.kind.value
        self._state(name, kind, network.state, network.state_detail)
        network.on_state(lambda state, detail: self._state(name, kind, state, detail))

    def _state(self, name: str, kind: str, state: Any, detail: str) -> None:
        if self._states.get(name) == (state, detail):
            return  # the same news by another way (a STATE event after set_state)
        self._states[name] = (state, detail)
        self.listener.connection_changed(name, kind, state, detail)

    async def follow(self, name: str, network: Network) -> None:
        """Deliver the account's live events until cancelled, restarting the stream as needed."""
        from tui import live  # the restart policy for live streams

        if name in self._streams:
            return
        self._streams.add(name)
        kind = network.kind.value
        try:
            if network.supports(Capability.STREAM):
                await live.follow(
                    network,
                    self.handle_event,
                    lambda state, detail: self._state(name, kind, state, detail),
                )
            else:  # no live source: the default stream ends at once, nothing to restart
                async for event in network.stream():
                    self.handle_event(event)
        finally:
            self._streams.discard(name)

    def _wants(self, account: str, feed: FeedRef | None) -> bool:
        selection = self.selection
        if selection.account not in (None, account):
            return False
        if feed is None:
            return selection.feed.kind is FeedKind.HOME
        return feed == selection.feed or (
            feed.kind == selection.feed.kind and feed.arg == selection.feed.arg
        )

    def handle_event(self, event: Event) -> None:
        kind, payload = event.kind, event.payload
        if kind is EventKind.STATE and isinstance(payload, ConnectionState):
            self._state(event.account, event.network.value, payload, event.detail)
        elif kind is EventKind.POST and isinstance(payload, Post):
            if self._wants(event.account, event.feed):
                self.listener.posts_changed(self.merger.insert_live([payload]))
        elif kind is EventKind.UPDATE and isinstance(payload, Post):
            self.listener.posts_changed(self.merger.update(payload))
        elif kind is EventKind.DELETE:
            self.post_removed(str(payload))
        elif kind is EventKind.NOTIFICATION and isinstance(payload, Notification):
            self.notifications.merger.insert_live([payload])
            self._show_notifications()

    # ----- notifications -----------------------------------------------------------------------
    def cached_notifications(self) -> None:
        """Show the notifications the cache has, read state included: the first paint."""
        cache = self.session.cache
        if cache is None:
            return
        names = set(self.accounts())
        items = [n for n in cache.load_notifications() if n.account in names]
        self.notifications.merger.insert_live(items)
        self._show_notifications()

    async def refresh_notifications(self) -> None:
        pager = self._notification_pager()
        if not pager.sources:
            return
        loaded = await pager.first()
        self._report(loaded.errors, "Fetching notifications")
        if loaded.replaced:
            self.notifications = pager
            self._show_notifications()

    async def older_notifications(self) -> None:
        """The next page from every account that has one; older rows land at the end."""
        if "notifications" in self._busy or not self.notifications.has_more:
            return
        self._busy.add("notifications")
        pager = self.notifications
        try:
            loaded = await pager.older()
        finally:
            self._busy.discard("notifications")
        self._report(loaded.errors, "Loading older notifications")
        if pager is self.notifications:  # not replaced by a refresh meanwhile
            self._show_notifications()

    @property
    def notes(self) -> list[NotificationItem]:
        """Every notification known, newest first, with what was read here marked read."""
        return [self._as_read(n) for n in self.notifications.everything()]

    def notification_rows(self) -> list[NotificationRow]:
        return group_notifications(self.notes)

    def _show_notifications(self) -> None:
        rows = self.notification_rows()
        self.listener.notifications_changed(rows, unread_count(rows))

    def _as_read(self, note: NotificationItem) -> NotificationItem:
        if isinstance(note, Notification) and note.unread:
            up_to = self._read_up_to.get(note.account)
            if up_to is not None and note.created_at <= up_to:
                return replace(note, unread=False)
        return note

    def _load_read_markers(self) -> None:
        cache = self.session.cache
        if cache is None:
            return
        for name in self.accounts():
            up_to = cache.notifications_read_up_to(name)
            if up_to is not None:
                self._read_up_to[name] = up_to

    def mark_read(self) -> list[str]:
        """Everything shown is read, here and after a restart. Returns the accounts that had
        unread notifications, for `tell_servers`."""
        newest: dict[str, datetime] = {}
        uids: list[str] = []
        accounts: set[str] = set()
        for note in self.notes:
            if not isinstance(note, Notification):
                continue
            if note.unread:
                accounts.add(note.account)
                uids.append(note.uid)
            if note.account not in newest or note.created_at > newest[note.account]:
                newest[note.account] = note.created_at
        cache = self.session.cache
        for name, when in newest.items():
            known = self._read_up_to.get(name)
            if known is None or when > known:
                self._read_up_to[name] = when
                if cache is not None:
                    cache.set_notifications_read_up_to(name, when)
        if cache is not None and uids:
            cache.set_read(uids)
        self._show_notifications()
        return sorted(accounts)

    async def tell_servers(self, accounts: Iterable[str]) -> None:
        """Sync read state to the servers that keep it. One that cannot is not an error: the
        read state is kept here either way."""

        async def one(name: str) -> NetworkError | None:
            network = self.session.networks.get(name)
            if network is None or not network.supports(Capability.MARK_READ):
                return None
            try:
                await network.mark_notifications_read()
            except (NotFound, Unsupported):
                return None  # this server keeps no read markers
            except NetworkError as exc:
                return exc
            return None

        names = list(accounts)
        results = await asyncio.gather(*(one(n) for n in names))
        for name, result in zip(names, results, strict=True):
            if result is not None:
                self.listener.failed(result, f"Marking notifications read for {name}")
