"""The main screen: timeline, notifications and compose panes, a tab bar when narrow, status bar.

The screen lays out and routes keys; what the panes show is kept by `tui.reader.Reader`, which
tells the screen what changed through `_Drawing`. Start-up order matters for the first paint:
cached posts are drawn in `on_mount`, then a worker unlocks the vault (asking for the passphrase
when needed), opens every network concurrently, fetches the selected feed and the notifications,
and follows each network's live stream.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from textual import on
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widget import AwaitMount
from textual.widgets import Footer, Static

from tui.feed import Change, FeedSelection, Merger, NotificationGroup, NotificationRow
from tui.model import NotificationItem, Post
from tui.networks.base import Network
from tui.reader import Listener, Reader
from tui.ui import keymap
from tui.ui.screens.actions import PostActions
from tui.ui.widgets.columns import ColumnDeck
from tui.ui.widgets.notifications import NotificationList
from tui.ui.widgets.statusbar import StatusBar
from tui.ui.widgets.tabs import PANES, TabBar
from tui.ui.widgets.timeline import PostList, UnreadList

if TYPE_CHECKING:
    from tui.model import Draft
    from tui.ui.app import MurmurApp
    from tui.ui.widgets.compose import ComposePane


class _Drawing(Listener):
    """What the reader reports, drawn on the main screen."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen

    def _timeline(self) -> PostList:
        return self.screen.query_one("#timeline", PostList)

    def _columns(self, kind: str, call: str, *args: Any, **kwargs: Any) -> None:
        if (deck := self.screen.deck) is not None:
            deck.mirror(kind, call, *args, **kwargs)

    def posts_reset(self, items: list[Any]) -> None:
        self._timeline().set_items(items, keep_selection=True)
        self._columns("posts", "set_items", items, keep_selection=True)

    def posts_changed(self, change: Change[Any]) -> None:
        if change:
            self._timeline().apply_change(change)
            self._columns("posts", "apply_change", change)

    def post_removed(self, uid: str) -> None:
        self._timeline().remove(uid)
        self._columns("posts", "remove", uid)

    def notifications_changed(self, rows: list[NotificationRow], unread: int) -> None:
        screen = self.screen
        self._columns("notes", "set_items", rows, keep_selection=True)
        notifications = screen.query_one("#notifications", NotificationList)
        notifications.set_items(rows, keep_selection=True)
        screen.show_unread(notifications)  # with what was read here over the servers' word

    def connection_changed(self, account: str, network: str, state: Any, detail: str) -> None:
        self.screen.query_one(StatusBar).set_account(account, network, state, detail)

    def failed(self, error: Exception, doing: str) -> None:
        self.screen.app.report_error(error, doing=doing)


class MainScreen(PostActions, Screen[None]):
    BINDINGS = [*keymap.MAIN, *keymap.POST, *keymap.MEDIA, *keymap.UNDO_DRAFTS]
    app: MurmurApp

    def __init__(self) -> None:
        super().__init__(id="main")
        self.pane = "timeline"
        self._reader: Reader | None = None
        self._composer_mount: AwaitMount | None = None

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
        tabs = TabBar(id="tabs", keys=keymap.pane_keys(app.config.keymap))
        tabs.display = not self.wide and not app.config.columns
        yield tabs
        with Horizontal(id="panes"):
            if app.config.columns:  # [[columns]]: they stand in for the timeline and notifications
                yield ColumnDeck(app.config.columns, id="columns-pane", classes="pane current")
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
            # The composer joins after the first paint (`build_composer`).
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        from tui.ui.readstate import ReadState, selection_key

        self._layout(self.app.size.width)
        self.read_state = ReadState(self.app.session.cache)
        timeline = self.query_one("#timeline", PostList)
        timeline.track(self.read_state, selection_key(self.selection))
        self.query_one("#notifications", NotificationList).track(self.read_state)
        self._paint_cached()
        self.reader.cached_notifications()
        timeline.focus()
        if self.deck is not None:
            self.deck.show(0)
        if timeline.items:  # start once they are on screen: the networks' imports would hold them
            self.call_after_refresh(self._after_cached_paint)
        else:  # nothing cached: the first page comes sooner asked for while the screen paints
            self._start_worker()

    def _after_cached_paint(self) -> None:
        self._start_worker()
        self.build_composer()
        gc.enable()  # off during start-up (tui/__main__.py)

    def _start_worker(self) -> None:
        self.app.guard(self._start, doing="Starting", group="start")

    # ----- unread state ----------------------------------------------------------------------
    @on(UnreadList.UnreadChanged)
    def _unread_changed(self, event: UnreadList.UnreadChanged) -> None:
        if event.item_list.id in ("timeline", "notifications"):  # not a column's own list
            self.show_unread(event.item_list)

    def show_unread(self, item_list: Any) -> None:
        count = item_list.unread_total
        pane = "notifications" if isinstance(item_list, NotificationList) else "timeline"
        self.query_one(TabBar).set_badge(pane, str(count) if count else "")
        if pane == "notifications":
            status = self.query_one(StatusBar)
            status.set_unread(count)
            status.set_messages(
                sum(
                    n.unread and n.kind == "message"
                    for row in item_list.items
                    if isinstance(row, NotificationGroup)
                    for n in row.notifications
                )
            )
        else:
            self._set_title()

    # ----- the composer ----------------------------------------------------------------------
    # Its fields (a text area, a selection list, a select, inputs) cost about as much to style and
    # mount as the rest of the screen, and at start-up no one is looking at them (unless the screen
    # is wide): it is built after the timeline's first paint, or at first use if that is sooner.
    def build_composer(self) -> None:
        """Mount the composer if it is not yet (`ready_composer` waits for it)."""
        if self._composer_mount is None:
            from tui.ui.widgets.compose import ComposePane

            pane = ComposePane(self.app.session, id="compose-pane", classes="pane")
            pane.set_class(self.pane == "compose", "current")
            self._composer_mount = self.query_one("#panes").mount(pane)

    async def ready_composer(self) -> ComposePane:
        self.build_composer()
        assert self._composer_mount is not None
        await self._composer_mount
        return cast("ComposePane", self.query_one("#compose-pane"))

    @property
    def composer(self) -> ComposePane | None:
        """The composer, once mounted (its fields and the draft it restored in place)."""
        pane = next(iter(self.query("#compose-pane")), None)
        return cast("ComposePane", pane) if pane is not None and pane.is_mounted else None

    def with_composer(self, then: Callable[[ComposePane], object]) -> None:
        """`then(composer)`: at once if it is ready, else as soon as it is."""
        if (pane := self.composer) is not None:
            then(pane)
            return

        async def when_ready() -> None:
            then(await self.ready_composer())

        self.app.guard(when_ready, doing="Opening the composer", group="composer")

    def composer_holds_text(self) -> bool:
        """Whether the composer holds unsent text (before it is built: the draft it will show)."""
        if (pane := self.composer) is not None:
            return pane.has_unsent_text()
        cache = self.app.session.cache
        draft = cache.load_draft() if cache is not None else None
        return draft is not None and bool(draft.text.strip())

    # ----- drafts and undo -------------------------------------------------------------------
    def on_compose_pane_resume(self, event: ComposePane.Resume) -> None:
        self.resume_draft(event.draft, event.draft_id)

    def resume_draft(self, draft: Any, draft_id: str = "") -> None:
        """Put `draft` in the composer; what the composer held is postponed, not lost."""
        self.with_composer(lambda compose: self._resume_in(compose, draft, draft_id))

    def _resume_in(self, compose: ComposePane, draft: Any, draft_id: str) -> None:
        if compose.editing is not None:
            self.app.notify(
                "Finish the edit first: ctrl+s saves it, esc leaves it.", severity="warning"
            )
            return
        if compose.has_unsent_text() and compose.postpone() is not None:
            self.app.notify("The draft you were writing is postponed (P lists it).")
        compose.load_draft(draft)
        cache = self.app.session.cache
        if draft_id and cache is not None:
            cache.delete_draft(draft_id)  # it is the composer's draft now
        self.show_pane("compose")

    def action_postponed(self) -> None:
        cache = self.app.session.cache
        if cache is None:
            self.app.notify("Postponed drafts need the cache.", severity="warning")
            return
        from tui.ui.screens.drafts import DraftsScreen

        def chosen(picked: tuple[str, Any] | None) -> None:
            if picked is not None:
                self.resume_draft(picked[1], picked[0])

        self.app.push_screen(DraftsScreen(cache), chosen)

    def on_resize(self) -> None:
        self._layout(self.app.size.width)

    @property
    def wide(self) -> bool:
        return self.has_class("wide")

    def _layout(self, width: int, update: bool = True) -> None:
        wide = width >= self.app.config.ui.wide_width
        self.set_class(wide, "wide", update=update)
        self.set_class(not wide, "narrow", update=update)
        deck = self.deck
        for tabs in self.query(TabBar):
            tabs.display = not wide and deck is None  # the deck's own tabs name the columns
        if deck is not None:
            deck.set_wide(wide)
            for name in ("timeline", "notifications"):
                self.query_one(f"#{name}-pane").display = False

    @property
    def deck(self) -> ColumnDeck | None:
        return next(iter(self.query(ColumnDeck)), None)

    async def show_columns(self, columns: Any) -> None:
        """Columns added from the app: the deck shows them (replacing an older deck)."""
        if self.deck is not None:
            await self.deck.remove()
        deck = ColumnDeck(tuple(columns), id="columns-pane", classes="pane current")
        await self.query_one("#panes").mount(deck, before=0)
        self._layout(self.app.size.width)
        deck.load_all()
        deck.show(len(deck.columns) - 1)

    def _panes(self) -> dict[str, Any]:
        """The panes by name (the composer once it is mounted)."""
        found = {name: next(iter(self.query(f"#{name}-pane")), None) for name in PANES}
        return {name: pane for name, pane in found.items() if pane is not None}

    async def action_show_pane(self, pane: str) -> None:
        if pane == "compose":  # keys typed next go to the composer: it must be there first
            await self.ready_composer()
        self.show_pane(pane)

    def show_pane(self, pane: str) -> None:
        self.pane = pane
        for name, widget in self._panes().items():
            widget.set_class(name == pane, "current")
        self.query_one(TabBar).show(pane)
        if (deck := self.deck) is not None:
            deck.set_class(pane != "compose", "current")
            if pane != "compose":
                deck.show_pane(pane)
                return
        if pane == "timeline":
            self.query_one("#timeline", PostList).focus()
        elif pane == "notifications":
            self.query_one("#notifications", NotificationList).focus()
        else:
            self.with_composer(lambda compose: compose.focus_editor())

    def _focused_pane(self) -> str:
        focused = self.app.focused
        for name, pane in self._panes().items():
            if focused is not None and (focused is pane or pane in focused.ancestors):
                return name
        return self.pane

    def _cycle(self, step: int) -> None:
        deck = self.deck
        if deck is not None and deck.focused_column() is not None:
            if not deck.cycle(step):
                self.show_pane("compose")
            return
        current = self._focused_pane()
        compose = self.composer
        if current == "compose" and compose is not None and compose.focus_field(step):
            return
        self.show_pane(PANES[(PANES.index(current) + step) % len(PANES)])

    def action_next_pane(self) -> None:
        self._cycle(1)

    def action_previous_pane(self) -> None:
        self._cycle(-1)

    def on_compose_pane_leave(self) -> None:
        self.show_pane("timeline")

    def on_compose_pane_sent(self, event: ComposePane.Sent) -> None:
        # The server's confirmed post shows at once (OutboxEntry.post, where the outbox has it).
        for entry in event.entries:
            post = getattr(entry, "post", None)
            if entry.state == "sent" and isinstance(post, Post):
                self.read_state.mark("post", [post.uid], True)  # one's own: nothing to read
                self.reader.confirmed(post)
        # Sent everywhere: back to reading, so j/k work at once. After a failure the composer
        # keeps focus, showing each target's state and offering ctrl+r.
        if event.entries and all(e.state == "sent" for e in event.entries):
            self.show_pane("timeline")

    # ----- PostActions hooks -----------------------------------------------------------------
    def post_list(self) -> PostList | None:
        if (deck := self.deck) is not None:
            found = deck.focused_list()
            return found if isinstance(found, PostList) else None
        return self.query_one("#timeline", PostList)

    def selected_post(self) -> Post | None:
        """The post the keys act on: the focused pane's selection (a notification's post)."""
        if (deck := self.deck) is not None and deck.focused_column() is not None:
            post = deck.selected_post()
            if post is None:
                self.app.notify("Select a post first.", severity="warning")
            return post
        if self._focused_pane() != "notifications":
            return super().selected_post()
        row = self.query_one("#notifications", NotificationList).selected
        post = row.post if isinstance(row, NotificationGroup) else None
        if post is None:
            self.app.notify("This notification is not about a post.", severity="warning")
        return post

    def action_profile(self) -> None:
        row = self.query_one("#notifications", NotificationList).selected
        in_notes = self._focused_pane() == "notifications"
        if (deck := self.deck) is not None and (found := deck.focused_list()) is not None:
            row, in_notes = found.selected, isinstance(found, NotificationList)
        if in_notes and isinstance(row, NotificationGroup) and row.post is None and row.actors:
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

    async def reply_to(self, post: Post) -> None:
        """The composer, replying to `post` (the app calls this for a ReplyRequested)."""
        (await self.ready_composer()).start_reply(post)
        self.show_pane("compose")

    async def edit(self, post: Post, draft: Draft, *, redraft: bool = False) -> None:
        """The composer, editing `post` (or holding its text to post again, `redraft`)."""
        (await self.ready_composer()).start_edit(None if redraft else post, draft)
        self.show_pane("compose")

    def on_compose_pane_edited(self, event: ComposePane.Edited) -> None:
        self.item_changed(event.post)
        self.show_pane("timeline")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "compose":  # a priority key (keymap.MAIN): a text field types it instead
            from textual.widgets import Input, TextArea

            return not isinstance(self.app.focused, Input | TextArea)
        return True

    async def action_compose(self) -> None:
        await self.action_show_pane("compose")

    async def action_external_editor(self) -> None:
        compose = await self.ready_composer()
        self.show_pane("compose")
        compose.action_external_editor()

    @on(PostList.Opened)
    def _open_post(self, event: PostList.Opened) -> None:
        self.open_thread(event.item)

    @on(NotificationList.Opened)
    def _open_notification(self, event: NotificationList.Opened) -> None:
        group = event.item
        if not isinstance(group, NotificationGroup):
            return
        if group.kind == "follow_request":
            from tui.ui.screens.requests import open_requests

            open_requests(self.app, group.account)  # accept or reject it there
        elif group.kind == "message":
            from tui.ui.screens.conversations import open_message

            open_message(self.app, group.post)  # a private message opens its conversation
        elif group.post is not None:
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
        unread = self.query_one("#timeline", PostList).unread_total
        self.query_one("#feed-title", Static).update(
            Content.assemble(
                ("Timeline · ", "$text-muted"),
                (self.selection.title, "bold"),
                (f" · {unread} unread" if unread else "", "$accent"),  # wide: no tab bar
            )
        )

    async def _start(self) -> None:
        try:
            await self._first_page()
        finally:  # the first page is on screen (or could not be had)
            gc.enable()  # off during start-up (tui/__main__.py)
            self.build_composer()
        session = self.app.session
        for name, network in session.networks.items():
            if name not in session.errors:
                self._follow(name, network)
        self._deliver_pending()

    async def _first_page(self) -> None:
        session = self.app.session
        if session.needs_passphrase and session.has_preset_passphrase:
            # Given by MURMUR_PASSPHRASE or passphrase_command: unlock after the first paint.
            try:
                await session.unlock(None)
            except Exception as exc:  # noqa: BLE001 - reported, then the user is asked
                self.app.report_error(exc, doing="Unlocking the vault")
        if session.needs_passphrase:
            from tui.ui.screens.passphrase import PassphraseScreen

            gc.enable()  # the user may take a while
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
        if self.deck is not None:
            self.deck.load_all()
        painted = asyncio.Event()  # the first page on screen before the streams' imports
        self.call_after_refresh(painted.set)
        await painted.wait()

    def add_account(self, network: Network) -> None:
        """A login finished (the app calls this for an AccountAdded): show the account,
        connect it, merge its posts in."""
        name = network.account.name
        self.reader.watch(name, network)
        if (compose := self.composer) is not None:  # one built later lists every account
            compose.add_target(name)

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
            if self.deck is not None:
                self.deck.load_all()
            self.app.notify("Refreshed.")

        self.app.guard(refresh, doing="Refreshing", group="refresh", exclusive=True)

    def select_feed(self, selection: FeedSelection) -> None:
        if (deck := self.deck) is not None:  # the timeline is hidden: the column shows it
            self.app.guard(
                lambda: deck.retarget(selection), doing=f"Fetching {selection.title}", group="feed"
            )
            return
        previous = self.selection
        timeline = self.query_one("#timeline", PostList)
        timeline.set_rules(self.app.config.filters, selection.context)
        from tui.ui.readstate import selection_key

        timeline.track(self.read_state, selection_key(selection))
        timeline.set_items(self.reader.select(selection))
        self._set_title()
        self.show_pane("timeline")
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
    def action_mark_read(self, pane: str = "") -> None:
        """Mark `pane` read, or what the focused pane or column shows; for notifications,
        tell the servers that keep that state too."""
        column = self.deck.focused_list() if self.deck is not None and not pane else None
        if isinstance(column, PostList):
            column.mark_all_read()
            return
        if column is None and (pane or self._focused_pane()) == "timeline":
            self.query_one("#timeline", PostList).mark_all_read()
            return
        self.query_one("#notifications", NotificationList).mark_all_read()
        if self.deck is not None:
            self.deck.mirror("notes", "mark_all_read")  # the columns that show the same
        if isinstance(column, NotificationList):
            column.mark_all_read()
        accounts = self.reader.mark_read()
        if accounts:
            self.app.guard(
                lambda: self.reader.tell_servers(accounts), doing="Marking notifications read"
            )
