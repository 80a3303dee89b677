"""The main screen: timeline, notifications and compose panes, a tab bar when narrow, status bar.

Start-up order matters for the first paint: cached posts are drawn in `on_mount`, then a worker
unlocks the vault (asking for the passphrase when needed), opens every network concurrently,
fetches the selected feed and the notifications, and follows each network's live stream.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from textual import on
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from tui.feed import (
    Change,
    FeedSelection,
    Merger,
    NotificationGroup,
    Source,
    group_notifications,
    mark_read,
    unread_count,
)
from tui.model import (
    ConnectionState,
    Event,
    EventKind,
    FeedKind,
    Notification,
    NotificationItem,
    Page,
    Post,
)
from tui.networks.base import Capability, Network
from tui.ui import keymap, live
from tui.ui.screens.actions import PostActions
from tui.ui.widgets.compose import ComposePane
from tui.ui.widgets.notifications import NotificationList
from tui.ui.widgets.statusbar import StatusBar
from tui.ui.widgets.tabs import PANES, TabBar
from tui.ui.widgets.timeline import PostList

if TYPE_CHECKING:
    from tui.ui.app import MurmurApp


def _about(note: NotificationItem, uid: str) -> bool:
    """Whether a notification is about the post `uid`."""
    return isinstance(note, Notification) and note.post is not None and note.post.uid == uid


class MainScreen(PostActions, Screen[None]):
    BINDINGS = [*keymap.MAIN, *keymap.POST]
    app: MurmurApp

    def __init__(self) -> None:
        super().__init__(id="main")
        self.pane = "timeline"
        self.selection = FeedSelection.everything()
        self.merger: Merger[Any] = Merger()
        self.cursors: dict[Source, str | None] = {}
        self.notes: list[NotificationItem] = []
        self.note_cursors: dict[str, str | None] = {}  # per account; None: no older page
        self._streams: set[str] = set()
        self._loading_more = False
        self._loading_notes = False

    # ----- layout ----------------------------------------------------------------------------
    def compose(self) -> Any:
        app = self.app
        ui = app.config.ui
        self.selection = FeedSelection.one_feed(app.config.first_feed())  # default_feed
        yield TabBar(id="tabs")
        with Horizontal(id="panes"):
            with Vertical(id="timeline-pane", classes="pane current"):
                yield Static("", id="feed-title", classes="pane-title", markup=False)
                yield PostList(
                    rules=app.config.filters,
                    context=self.selection.context,
                    relative_time=ui.relative_time,
                    show_counts=ui.show_counts,
                    id="timeline",
                )
            with Vertical(id="notifications-pane", classes="pane"):
                yield Static("Notifications", id="notifications-title", classes="pane-title")
                yield NotificationList(
                    rules=app.config.filters, relative_time=ui.relative_time, id="notifications"
                )
            yield ComposePane(app.session, id="compose-pane", classes="pane")
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self._layout(self.app.size.width)
        self._paint_cached()
        self.query_one("#timeline", PostList).focus()
        self.app.guard(self._start, doing="Starting", group="start")

    def on_resize(self) -> None:
        self._layout(self.app.size.width)

    @property
    def wide(self) -> bool:
        return self.has_class("wide")

    def _layout(self, width: int) -> None:
        wide = width >= self.app.config.ui.wide_width
        self.set_class(wide, "wide")
        self.set_class(not wide, "narrow")
        self.query_one(TabBar).display = not wide

    def action_show_pane(self, pane: str) -> None:
        self.pane = pane
        for name in PANES:
            self.query_one(f"#{name}-pane").set_class(name == pane, "current")
        self.query_one(TabBar).show(pane)
        if pane == "timeline":
            self.query_one("#timeline", PostList).focus()
        elif pane == "notifications":
            self.query_one("#notifications", NotificationList).focus()
        else:
            self.query_one(ComposePane).focus_editor()

    def _focused_pane(self) -> str:
        focused = self.app.focused
        for name in PANES:
            pane = self.query_one(f"#{name}-pane")
            if focused is not None and (focused is pane or pane in focused.ancestors):
                return name
        return self.pane

    def _cycle(self, step: int) -> None:
        current = self._focused_pane()
        if current == "compose" and self.query_one(ComposePane).focus_field(step):
            return
        self.action_show_pane(PANES[(PANES.index(current) + step) % len(PANES)])

    def action_next_pane(self) -> None:
        self._cycle(1)

    def action_previous_pane(self) -> None:
        self._cycle(-1)

    @on(ComposePane.Leave)
    def _compose_left(self) -> None:
        self.action_show_pane("timeline")

    @on(ComposePane.Sent)
    def _compose_sent(self, event: ComposePane.Sent) -> None:
        # Sent everywhere: back to reading, so j/k work at once. After a failure the composer
        # keeps focus, showing each target's state and offering ctrl+r.
        if event.entries and all(e.state == "sent" for e in event.entries):
            self.action_show_pane("timeline")

    # ----- PostActions hooks -----------------------------------------------------------------
    def post_list(self) -> PostList | None:
        return self.query_one("#timeline", PostList)

    def selected_post(self) -> Post | None:
        """The post the keys act on: the focused pane's selection (a notification's post)."""
        if self._focused_pane() != "notifications":
            return super().selected_post()
        row = self.query_one("#notifications", NotificationList).selected
        post = row.post if isinstance(row, NotificationGroup) else None
        if post is None:
            self.app.notify("This notification is not about a post.", severity="warning")
        return post

    def action_profile(self) -> None:
        row = self.query_one("#notifications", NotificationList).selected
        if (
            self._focused_pane() == "notifications"
            and isinstance(row, NotificationGroup)
            and row.post is None
            and row.actors
        ):
            # A follow has no post: its author is the person who followed.
            from tui.ui.screens.profile import ProfileScreen

            actor = row.actors[0]
            self.app.push_screen(ProfileScreen(row.account, actor.uid or actor.handle))
            return
        super().action_profile()

    def item_changed(self, post: Post) -> None:
        self.merger.update(post)
        super().item_changed(post)
        if any(_about(n, post.uid) for n in self.notes):  # keep its notifications in step
            self.notes = [replace(n, post=post) if _about(n, post.uid) else n for n in self.notes]
            self._show_notifications()

    def item_removed(self, uid: str) -> None:
        self.merger.remove(uid)
        super().item_removed(uid)
        if any(_about(n, uid) for n in self.notes):
            self.notes = [n for n in self.notes if not _about(n, uid)]
            self._show_notifications()

    def start_reply(self, post: Post) -> None:
        self.query_one(ComposePane).start_reply(post)
        self.action_show_pane("compose")

    def action_compose(self) -> None:
        self.action_show_pane("compose")

    def action_external_editor(self) -> None:
        self.action_show_pane("compose")
        self.query_one(ComposePane).action_external_editor()

    @on(PostList.Opened)
    def _open_post(self, event: PostList.Opened) -> None:
        self.open_thread(event.item)

    @on(NotificationList.Opened)
    def _open_notification(self, event: NotificationList.Opened) -> None:
        group = event.item
        if not isinstance(group, NotificationGroup):
            return
        if group.post is not None:
            self.open_thread(group.post)
        elif group.actors:
            from tui.ui.screens.profile import ProfileScreen

            actor = group.actors[0]
            self.app.push_screen(ProfileScreen(group.account, actor.uid or actor.handle))

    # ----- start-up --------------------------------------------------------------------------
    def _accounts(self) -> list[str]:
        return [a.name for a in self.app.session.accounts]

    def _paint_cached(self) -> None:
        session = self.app.session
        merger: Merger[Any] = Merger()
        for source in self.selection.sources(self._accounts()):
            merger.push(
                source,
                session.cached_posts(session.feed_key(source.account, source.feed)),
                more=False,
            )
        self.query_one("#timeline", PostList).set_items(list(merger.items))
        self._set_title()

    def _set_title(self) -> None:
        self.query_one("#feed-title", Static).update(
            Content.assemble(("Timeline · ", "$text-muted"), (self.selection.title, "bold"))
        )

    async def _start(self) -> None:
        session = self.app.session
        if session.needs_passphrase and session.has_preset_passphrase:
            # Given by MURMUR_PASSPHRASE or passphrase_command: unlock after the first paint.
            try:
                await session.unlock(None)
            except Exception as exc:  # noqa: BLE001 - reported, then the user is asked
                self.app.report_error(exc, doing="Unlocking the vault")
        if session.needs_passphrase:
            from tui.ui.screens.passphrase import PassphraseScreen

            await self.app.push_screen_wait(PassphraseScreen())
        for name in list(session.errors):
            self.app.report_error(session.errors[name], doing=f"Setting up {name}")
        for name, network in session.networks.items():
            self._watch_state(name, network)
        opened = await session.open_all()
        for name, error in opened.items():
            if error is not None:
                self.app.report_error(error, doing=f"Connecting {name}")
        await asyncio.gather(self.refresh_feed(), self.refresh_notifications())
        for name, network in session.networks.items():
            if name not in session.errors:
                self._follow(name, network)
        self._deliver_pending()

    def account_added(self, network: Network) -> None:
        """A login finished: show the account, connect it, merge its posts in."""
        name = network.account.name
        self._watch_state(name, network)
        self.query_one(ComposePane).add_target(name)

        async def connect() -> None:
            opened = await self.app.session.open_all([name])
            if opened.get(name) is not None:
                raise opened[name]  # type: ignore[misc]
            await asyncio.gather(self.refresh_feed(), self.refresh_notifications())
            self._follow(name, network)

        self.app.guard(connect, doing=f"Connecting {name}")

    def _deliver_pending(self) -> None:
        session = self.app.session
        if not session.retryable():
            return

        async def deliver() -> None:
            entries = await session.deliver_pending()
            if entries:
                sent = sum(e.state == "sent" for e in entries)
                self.app.notify(f"Outbox: {sent} of {len(entries)} waiting posts sent.")

        self.app.guard(deliver, doing="Sending the outbox", group="send")

    def _watch_state(self, name: str, network: Network) -> None:
        status = self.query_one(StatusBar)
        status.set_account(name, network.kind.value, network.state, network.state_detail)

        def changed(state: Any, detail: str) -> None:
            status.set_account(name, network.kind.value, state, detail)

        network.on_state(changed)

    # ----- the timeline ----------------------------------------------------------------------
    def _apply(self, change: Change[Any]) -> None:
        self.query_one("#timeline", PostList).apply_change(change)

    async def refresh_feed(self) -> None:
        """Fetch the newest page of the selected feed from every selected account at once."""
        session = self.app.session
        sources = [
            s for s in self.selection.sources(self._accounts()) if s.account in session.networks
        ]
        if not sources:
            return
        feed = self.selection.feed
        pages = await session.fetch(
            feed, accounts=[s.account for s in sources], limit=self.app.config.ui.timeline_limit
        )
        merger: Merger[Any] = Merger(sources)
        cursors: dict[Source, str | None] = {}
        failures = 0
        for source in sources:
            page = pages.get(source.account)
            if isinstance(page, Page):
                merger.push(source, page.items, more=page.older is not None)
                cursors[source] = page.older
            else:
                failures += 1
                merger.finish(source)
                if page is not None:
                    self.app.report_error(page, doing=f"Fetching {feed.title} for {source.account}")
        if failures == len(sources):
            return  # keep showing the cache
        timeline = self.query_one("#timeline", PostList)
        selected = timeline.selected
        self.merger, self.cursors = merger, cursors
        timeline.set_items(list(merger.items))
        if selected is not None:
            timeline.select_uid(selected.uid)

    @on(PostList.NeedMore)
    def _need_more(self) -> None:
        if self._loading_more or not self.merger.active_sources():
            return
        self._loading_more = True

        async def more() -> None:
            try:
                await self._load_older()
            finally:
                self._loading_more = False

        self.app.guard(more, doing="Loading older posts", group="more")

    async def _load_older(self) -> None:
        sources = self.merger.active_sources()
        feed = self.selection.feed
        cursors = {s.account: self.cursors.get(s) for s in sources}
        pages = await self.app.session.fetch(
            feed, accounts=list(cursors), cursors=cursors, limit=self.app.config.ui.timeline_limit
        )
        for source in sources:
            page = pages.get(source.account)
            if isinstance(page, Page):
                self.cursors[source] = page.older
                self._apply(self.merger.push(source, page.items, more=page.older is not None))
            else:
                self._apply(self.merger.finish(source))
                if page is not None:
                    self.app.report_error(page, doing=f"Loading older posts for {source.account}")

    def action_refresh(self) -> None:
        async def refresh() -> None:
            await asyncio.gather(self.refresh_feed(), self.refresh_notifications())
            self.app.notify("Refreshed.")

        self.app.guard(refresh, doing="Refreshing", group="refresh", exclusive=True)

    def select_feed(self, selection: FeedSelection) -> None:
        previous, self.selection = self.selection, selection
        self.query_one("#timeline", PostList).set_rules(self.app.config.filters)
        self.merger, self.cursors = Merger(), {}
        self._paint_cached()
        self.action_show_pane("timeline")
        self.app.guard(
            self.refresh_feed, doing=f"Fetching {selection.title}", group="feed", exclusive=True
        )
        self.app.guard(
            lambda: self._watch_feeds(previous, selection),
            doing="Following the feed live",
            group="watch",
        )

    async def _watch_feeds(self, old: FeedSelection, new: FeedSelection) -> None:
        """Ask each account to stream the feed now on screen, and to stop the one just left
        (Mastodon streams public, hashtag and list feeds only while asked)."""
        networks = self.app.session.networks

        def shown(selection: FeedSelection) -> set[Source]:
            return {s for s in selection.sources(self._accounts()) if s.account in networks}

        before, after = shown(old), shown(new)
        calls = [(s, False) for s in before - after] + [(s, True) for s in after - before]
        results = await asyncio.gather(
            *(networks[s.account].watch(s.feed, on=start) for s, start in calls),
            return_exceptions=True,
        )
        for (source, start), result in zip(calls, results, strict=True):
            if isinstance(result, Exception):
                verb = "Following" if start else "Leaving"
                self.app.report_error(
                    result, doing=f"{verb} {source.feed.title} live for {source.account}"
                )

    def action_choose_feed(self) -> None:
        from tui.ui.screens.feeds import FeedPicker

        def chosen(selection: FeedSelection | None) -> None:
            if selection is not None:
                self.select_feed(selection)

        self.app.push_screen(FeedPicker(self.selection), chosen)

    def action_search(self) -> None:
        from tui.ui.screens.search import SearchScreen

        accounts = [self.selection.account] if self.selection.account else self._accounts()
        self.app.push_screen(SearchScreen(accounts))

    # ----- live events -----------------------------------------------------------------------
    def _follow(self, name: str, network: Network) -> None:
        if name in self._streams:
            return
        self._streams.add(name)

        status = self.query_one(StatusBar)

        def show(state: ConnectionState, detail: str) -> None:
            status.set_account(name, network.kind.value, state, detail)

        async def follow() -> None:
            try:
                if network.supports(Capability.STREAM):
                    await live.follow(network, self.handle_event, show)
                else:  # no live source: the default stream ends at once, nothing to restart
                    async for event in network.stream():
                        self.handle_event(event)
            finally:
                self._streams.discard(name)

        self.app.guard(follow, doing=f"Live updates for {name}", group=f"stream:{name}")

    def _wants(self, event: Event) -> bool:
        selection = self.selection
        if selection.account not in (None, event.account):
            return False
        if event.feed is None:
            return selection.feed.kind is FeedKind.HOME
        return event.feed == selection.feed or (
            event.feed.kind == selection.feed.kind and event.feed.arg == selection.feed.arg
        )

    def handle_event(self, event: Event) -> None:
        kind = event.kind
        if kind is EventKind.STATE:
            self.query_one(StatusBar).set_account(
                event.account,
                event.network.value,
                event.payload,
                event.detail,  # type: ignore[arg-type]
            )
        elif kind is EventKind.POST and isinstance(event.payload, Post) and self._wants(event):
            self._apply(self.merger.insert_live([event.payload]))
        elif kind is EventKind.UPDATE and isinstance(event.payload, Post):
            self._apply(self.merger.update(event.payload))
        elif kind is EventKind.DELETE:
            uid = str(event.payload)
            if self.merger.remove(uid) is not None:
                self.query_one("#timeline", PostList).remove(uid)
        elif kind is EventKind.NOTIFICATION:
            self._add_notifications([event.payload])  # type: ignore[list-item]

    # ----- notifications ---------------------------------------------------------------------
    async def refresh_notifications(self) -> None:
        session = self.app.session
        names = [n for n in self._accounts() if n in session.networks]
        if not names:
            return
        pages = await session.fetch_notifications(accounts=names)
        fresh: list[NotificationItem] = []
        cursors: dict[str, str | None] = {}
        for name, page in pages.items():
            if isinstance(page, Page):
                fresh.extend(page.items)
                cursors[name] = page.older if page.items else None
            else:
                self.app.report_error(page, doing=f"Fetching notifications for {name}")
        self.notes, self.note_cursors = [], cursors
        self._add_notifications(fresh)

    @on(NotificationList.NeedMore)
    def _need_more_notifications(self) -> None:
        if self._loading_notes or not any(self.note_cursors.values()):
            return
        self._loading_notes = True

        async def more() -> None:
            try:
                await self._load_older_notifications()
            finally:
                self._loading_notes = False

        self.app.guard(more, doing="Loading older notifications", group="more-notifications")

    async def _load_older_notifications(self) -> None:
        """The next page from every account that has one; older rows land at the end."""
        cursors = {name: cursor for name, cursor in self.note_cursors.items() if cursor}
        pages = await self.app.session.fetch_notifications(accounts=list(cursors), cursors=cursors)
        older: list[NotificationItem] = []
        for name, page in pages.items():
            if isinstance(page, Page):
                older.extend(page.items)
                # An empty page, or one that points back at itself, is that account's end.
                more = bool(page.items) and page.older not in (None, cursors[name])
                self.note_cursors[name] = page.older if more else None
            else:  # the cursor stays: the next time the reader reaches the end tries again
                self.app.report_error(page, doing=f"Loading older notifications for {name}")
        self._add_notifications(older)

    def _add_notifications(self, items: Iterable[NotificationItem]) -> None:
        known = {n.uid for n in self.notes}
        self.notes.extend(n for n in items if n.uid not in known)
        self._show_notifications()

    def _show_notifications(self) -> None:
        rows = group_notifications(self.notes)
        self.query_one("#notifications", NotificationList).set_items(rows)
        unread = unread_count(rows)
        self.query_one(StatusBar).set_unread(unread)
        self.query_one(TabBar).set_badge("notifications", str(unread) if unread else "")

    def action_mark_read(self) -> None:
        session = self.app.session
        accounts = sorted({n.account for n in self.notes if getattr(n, "unread", False)})
        self.query_one("#notifications", NotificationList).mark_all_read()
        marked = mark_read(group_notifications(self.notes))
        self.notes = [
            n
            for row in marked
            for n in (row.notifications if isinstance(row, NotificationGroup) else (row,))
        ]
        self._show_notifications()

        async def tell_servers() -> None:
            async def one(name: str) -> None:
                network = session.networks.get(name)
                if network is not None and network.supports(Capability.MARK_READ):
                    await network.mark_notifications_read()

            results = await asyncio.gather(*(one(n) for n in accounts), return_exceptions=True)
            for result in results:
                if isinstance(result, Exception):
                    self.app.report_error(result, doing="Marking notifications read")

        self.app.guard(tell_servers, doing="Marking notifications read")
