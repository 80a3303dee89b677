"""The main screen: timeline, notifications and compose panes, a tab bar when narrow, status bar.

The screen lays out and routes keys; what the panes show is kept by `tui.reader.Reader`, which
tells the screen what changed through `_Drawing`. Start-up order matters for the first paint:
cached posts are drawn in `on_mount`, then a worker unlocks the vault (asking for the passphrase
when needed), opens every network concurrently, fetches the selected feed and the notifications,
and follows each network's live stream.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from textual import on
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from tui.feed import Change, FeedSelection, Merger, NotificationGroup, NotificationRow
from tui.model import NotificationItem, Post
from tui.networks.base import Network
from tui.reader import Listener, Reader
from tui.ui import keymap
from tui.ui.screens.actions import PostActions
from tui.ui.widgets.compose import ComposePane
from tui.ui.widgets.notifications import NotificationList
from tui.ui.widgets.statusbar import StatusBar
from tui.ui.widgets.tabs import PANES, TabBar
from tui.ui.widgets.timeline import PostList

if TYPE_CHECKING:
    from tui.ui.app import MurmurApp


class _Drawing(Listener):
    """What the reader reports, drawn on the main screen."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen

    def _timeline(self) -> PostList:
        return self.screen.query_one("#timeline", PostList)

    def posts_reset(self, items: list[Any]) -> None:
        self._timeline().set_items(items, keep_selection=True)

    def posts_changed(self, change: Change[Any]) -> None:
        if change:
            self._timeline().apply_change(change)

    def post_removed(self, uid: str) -> None:
        self._timeline().remove(uid)

    def notifications_changed(self, rows: list[NotificationRow], unread: int) -> None:
        screen = self.screen
        screen.query_one("#notifications", NotificationList).set_items(rows, keep_selection=True)
        screen.query_one(StatusBar).set_unread(unread)
        screen.query_one(TabBar).set_badge("notifications", str(unread) if unread else "")

    def connection_changed(self, account: str, network: str, state: Any, detail: str) -> None:
        self.screen.query_one(StatusBar).set_account(account, network, state, detail)

    def failed(self, error: Exception, doing: str) -> None:
        self.screen.app.report_error(error, doing=doing)


class MainScreen(PostActions, Screen[None]):
    BINDINGS = [*keymap.MAIN, *keymap.POST]
    app: MurmurApp

    def __init__(self) -> None:
        super().__init__(id="main")
        self.pane = "timeline"
        self._reader: Reader | None = None

    @property
    def reader(self) -> Reader:
        if self._reader is None:
            self._reader = Reader(
                self.app.session,
                _Drawing(self),
                selection=FeedSelection.one_feed(self.app.config.first_feed()),  # default_feed
                page_size=self.app.config.ui.timeline_limit,
            )
        return self._reader

    @property
    def selection(self) -> FeedSelection:
        return self.reader.selection

    @property
    def merger(self) -> Merger[Any]:
        return self.reader.merger

    @property
    def notes(self) -> list[NotificationItem]:
        return self.reader.notes

    # ----- layout ----------------------------------------------------------------------------
    def compose(self) -> Any:
        app = self.app
        ui = app.config.ui
        # Before the children mount, without restyling: they are styled once, as they mount.
        self._layout(app.size.width, update=False)
        tabs = TabBar(id="tabs")
        tabs.display = not self.wide
        yield tabs
        with Horizontal(id="panes"):
            with Vertical(id="timeline-pane", classes="pane current"):
                yield Static("", id="feed-title", classes="pane-title", markup=False)
                yield PostList(
                    rules=app.config.filters,
                    context=self.reader.selection.context,
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
        self.reader.cached_notifications()
        timeline = self.query_one("#timeline", PostList)
        timeline.focus()
        if timeline.items:  # start once they are on screen: the networks' imports would hold them
            self.call_after_refresh(self._start_worker)
        else:  # nothing cached: the first page comes sooner asked for while the screen paints
            self._start_worker()

    def _start_worker(self) -> None:
        self.app.guard(self._start, doing="Starting", group="start")

    def on_resize(self) -> None:
        self._layout(self.app.size.width)

    @property
    def wide(self) -> bool:
        return self.has_class("wide")

    def _layout(self, width: int, update: bool = True) -> None:
        wide = width >= self.app.config.ui.wide_width
        self.set_class(wide, "wide", update=update)
        self.set_class(not wide, "narrow", update=update)
        for tabs in self.query(TabBar):
            tabs.display = not wide

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
        # The server's confirmed post shows at once (OutboxEntry.post, where the outbox has it).
        for entry in event.entries:
            post = getattr(entry, "post", None)
            if entry.state == "sent" and isinstance(post, Post):
                self.reader.confirmed(post)
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
        self.reader.post_changed(post)
        super().item_changed(post)

    def item_removed(self, uid: str) -> None:
        self.reader.post_removed(uid)
        super().item_removed(uid)

    def reply_to(self, post: Post) -> None:
        """The composer, replying to `post` (the app calls this for a ReplyRequested)."""
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
    def _paint_cached(self) -> None:
        self.query_one("#timeline", PostList).set_items(self.reader.cached_posts())
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
        reader = self.reader
        for name, network in session.networks.items():
            reader.watch(name, network)
        opened = await session.open_all()
        for name, error in opened.items():
            if error is not None:
                self.app.report_error(error, doing=f"Connecting {name}")
        await reader.refresh()
        painted = asyncio.Event()  # the first page on screen before the streams' imports
        self.call_after_refresh(painted.set)
        await painted.wait()
        for name, network in session.networks.items():
            if name not in session.errors:
                self._follow(name, network)
        self._deliver_pending()

    def add_account(self, network: Network) -> None:
        """A login finished (the app calls this for an AccountAdded): show the account,
        connect it, merge its posts in."""
        name = network.account.name
        self.reader.watch(name, network)
        self.query_one(ComposePane).add_target(name)

        async def connect() -> None:
            opened = await self.app.session.open_all([name])
            if opened.get(name) is not None:
                raise opened[name]  # type: ignore[misc]
            await self.reader.refresh()
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

    def _follow(self, name: str, network: Network) -> None:
        self.app.guard(
            lambda: self.reader.follow(name, network),
            doing=f"Live updates for {name}",
            group=f"stream:{name}",
        )

    # ----- the timeline ----------------------------------------------------------------------
    async def refresh_feed(self) -> None:
        await self.reader.refresh_posts()

    async def refresh_notifications(self) -> None:
        await self.reader.refresh_notifications()

    @on(PostList.NeedMore)
    def _need_more(self) -> None:
        if self.reader.posts.has_more:
            self.app.guard(self.reader.older_posts, doing="Loading older posts", group="more")

    @on(NotificationList.NeedMore)
    def _need_more_notifications(self) -> None:
        if self.reader.notifications.has_more:
            self.app.guard(
                self.reader.older_notifications,
                doing="Loading older notifications",
                group="more-notifications",
            )

    def action_refresh(self) -> None:
        async def refresh() -> None:
            await self.reader.refresh()
            self.app.notify("Refreshed.")

        self.app.guard(refresh, doing="Refreshing", group="refresh", exclusive=True)

    def select_feed(self, selection: FeedSelection) -> None:
        previous = self.selection
        timeline = self.query_one("#timeline", PostList)
        timeline.set_rules(self.app.config.filters, selection.context)
        timeline.set_items(self.reader.select(selection))
        self._set_title()
        self.action_show_pane("timeline")
        self.app.guard(
            self.reader.refresh_posts,
            doing=f"Fetching {selection.title}",
            group="feed",
            exclusive=True,
        )
        self.app.guard(
            lambda: self.reader.watch_feeds(previous, selection),
            doing="Following the feed live",
            group="watch",
        )

    def action_choose_feed(self) -> None:
        from tui.ui.screens.feeds import FeedPicker

        def chosen(selection: FeedSelection | None) -> None:
            if selection is not None:
                self.select_feed(selection)

        self.app.push_screen(FeedPicker(self.selection), chosen)

    def action_search(self) -> None:
        from tui.ui.screens.search import SearchScreen

        accounts = [self.selection.account] if self.selection.account else self.reader.accounts()
        self.app.push_screen(SearchScreen(accounts))

    # ----- notifications ---------------------------------------------------------------------
    def action_mark_read(self) -> None:
        self.query_one("#notifications", NotificationList).mark_all_read()
        accounts = self.reader.mark_read()
        if accounts:
            self.app.guard(
                lambda: self.reader.tell_servers(accounts), doing="Marking notifications read"
            )
