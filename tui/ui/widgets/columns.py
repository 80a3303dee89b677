"""The user's `[[columns]]` (tui/columns.py) on the main screen: side by side when wide, tabs when
narrow, like tut's panes.

Each column pages its own feed (or notifications) through the reader's `Pager`, paints the cache
first, loads older pages as the reader nears the end and is refreshed with the rest of the app
(`R`). Its list is an ordinary PostList or NotificationList, so every post key, enter (thread)
and the motions work in it; `tab` moves to the next column. From `[ui] wide_width` terminal
columns on, every column shows; narrower, one at a time under a tab strip naming them all.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from textual import on
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Static

from tui.columns import NOTIFICATIONS as NOTES
from tui.columns import Column, column_from
from tui.feed import (
    FeedSelection,
    Merger,
    NotificationGroup,
    group_notifications,
    served_sources,
)
from tui.model import Item, Post
from tui.reader import Pager, notification_pager, post_pager
from tui.ui.widgets.item_list import ItemList
from tui.ui.widgets.notifications import NotificationList
from tui.ui.widgets.timeline import PostList

if TYPE_CHECKING:
    from tui.ui.app import MurmurApp


class FeedColumn(Vertical):
    """One column: a title and the list of its feed or notifications."""

    SCOPED_CSS = False  # the deck's wide/narrow class decides what shows
    DEFAULT_CSS = """
    FeedColumn { width: 1fr; height: 1fr; }
    ColumnDeck.wide FeedColumn { border-left: vkey $border-blurred; }
    ColumnDeck.wide FeedColumn.first { border-left: none; }
    ColumnDeck.narrow FeedColumn { display: none; }
    ColumnDeck.narrow FeedColumn.current { display: block; }
    FeedColumn:focus-within > .pane-title { background: $primary 40%; text-style: bold reverse; }
    """

    app: MurmurApp

    def __init__(self, column: Column, index: int) -> None:
        super().__init__(id=f"column-{index}", classes="column")
        self.column = column
        self.index = index
        self._pager: Pager[Any] | None = None

    @property
    def list(self) -> ItemList[Any]:
        return self.query_one(ItemList)

    def compose(self) -> Any:
        config = self.app.config
        ui = config.ui
        yield Static(self.column.label, classes="pane-title", markup=False)
        if self.column.notifications:
            yield NotificationList(
                rules=config.filters, relative_time=ui.relative_time, id=f"column-{self.index}-list"
            )
        else:
            yield PostList(
                rules=config.filters,
                context=self.column.selection.context,
                relative_time=ui.relative_time,
                show_counts=ui.show_counts,
                id=f"column-{self.index}-list",
            )

    def on_mount(self) -> None:
        if not self.column.notifications:
            self.list.set_items(self._cached())

    @property
    def mirrors(self) -> str:
        """ "posts" or "notes" when this column shows what the app's reader keeps (the selected
        feed, every account's notifications): live updates, read state and `m` then apply to
        it too. "" for a column that pages on its own."""
        reader = self.app.main_screen.reader
        if self.column.notifications:
            return "" if self.column.account else "notes"
        return "posts" if self.column.selection == reader.selection else ""

    def _accounts(self) -> list[str]:
        session = self.app.session
        connected = [a.name for a in session.accounts if a.name in session.networks]
        if self.column.notifications:
            return [n for n in connected if self.column.account in ("", n)]
        sources = served_sources(self.column.selection, connected, session.networks)
        return [s.account for s in sources]

    def _cached(self) -> list[Item]:
        session = self.app.session
        merger: Merger[Any] = Merger()
        for source in self.column.selection.sources(a.name for a in session.accounts):
            items = session.cached_posts(session.feed_key(source.account, source.feed))
            merger.push(source, items, more=False)
        return list(merger.items)

    def _show(self, items: list[Any]) -> None:
        if self.column.notifications:
            self.list.set_items(group_notifications(items), keep_selection=True)
        else:
            self.list.set_items(items, keep_selection=True)

    def _report(self, errors: dict[str, Exception], doing: str) -> None:
        for name, error in errors.items():
            self.app.report_error(error, doing=f"{doing} for {name} ({self.column.label})")

    async def load(self) -> None:
        """The newest page from every account of the column."""
        reader = self.app.main_screen.reader
        if self.mirrors == "posts":
            self.list.set_items(reader.posts.items, keep_selection=True)
            return
        if self.mirrors == "notes":
            self.list.set_items(reader.notification_rows(), keep_selection=True)
            return
        session, page_size = self.app.session, self.app.config.ui.timeline_limit
        accounts = self._accounts()
        pager: Pager[Any]
        if self.column.notifications:
            pager = notification_pager(session, accounts, page_size)
        else:
            pager = post_pager(session, self.column.selection.feed, accounts, page_size)
        if not pager.sources:
            return
        loaded = await pager.first()
        self._report(loaded.errors, "Fetching")
        if loaded.replaced:
            self._pager = pager
            self._show(pager.items)

    async def older(self) -> None:
        pager = self._pager
        if pager is None or not pager.has_more:
            return
        loaded = await pager.older()
        if pager is not self._pager:
            return
        if self.column.notifications:
            self._show(pager.items)
        else:
            self.list.apply_change(loaded.change)
        self._report(loaded.errors, "Loading older posts")

    @on(PostList.NeedMore)
    @on(NotificationList.NeedMore)
    def _need_more(self, event: ItemList.NeedMore) -> None:
        if self.mirrors:
            return  # the reader's next page: the main screen asks for it
        event.stop()  # this column's own pages, not the main timeline's
        self.app.guard(self.older, doing="Loading older posts", group=f"column-{self.index}-more")

    def selected_post(self) -> Post | None:
        item = self.list.selected
        if isinstance(item, NotificationGroup):
            return item.post
        return item if isinstance(item, Post) else None


class ColumnDeck(Vertical):
    """Every column: side by side when wide, one at a time under a tab strip when narrow."""

    SCOPED_CSS = False
    DEFAULT_CSS = """
    ColumnDeck { width: 3fr; height: 1fr; }
    ColumnDeck > #column-tabs { height: 1; background: $panel; }
    ColumnDeck.wide > #column-tabs { display: none; }
    ColumnDeck > #columns { height: 1fr; }
    """

    app: MurmurApp

    def __init__(self, columns: tuple[Column, ...], *, id: str | None = None, classes: str = ""):
        super().__init__(id=id, classes=classes)
        self.columns = list(columns)
        self.current = 0

    def compose(self) -> Any:
        yield Static("", id="column-tabs", markup=False)
        with Horizontal(id="columns"):
            for index, column in enumerate(self.columns):
                yield FeedColumn(column, index)

    def on_mount(self) -> None:
        self._mark()

    def feed_columns(self) -> list[FeedColumn]:
        return list(self.query(FeedColumn))

    def set_wide(self, wide: bool) -> None:
        self.set_class(wide, "wide")
        self.set_class(not wide, "narrow")

    def _mark(self) -> None:
        columns = self.feed_columns()
        for n, column in enumerate(columns):
            column.set_class(n == self.current, "current")
            column.set_class(n == 0, "first")
        parts: list[tuple[str, str] | str] = []
        for n, column in enumerate(columns, start=1):
            style = "reverse bold" if n - 1 == self.current else "$text-muted"
            parts += [(f" {n} {column.column.label} ", style), " "]
        self.query_one("#column-tabs", Static).update(Content.assemble(*parts))

    def focused_column(self) -> FeedColumn | None:
        """The column holding focus, if one does."""
        focused = self.app.focused
        for column in self.feed_columns():
            if focused is not None and (focused is column or column in focused.ancestors):
                return column
        return None

    def show(self, index: int) -> None:
        """Show (when narrow) and focus column `index`."""
        columns = self.feed_columns()
        if not columns:
            return
        self.current = max(0, min(index, len(columns) - 1))
        self._mark()
        columns[self.current].list.focus()

    def show_pane(self, pane: str) -> None:
        """The main screen's "timeline" or "notifications" pane: the first column of that kind."""
        columns = self.feed_columns()
        notes = pane != "timeline"
        wanted = [n for n, c in enumerate(columns) if c.column.notifications == notes]
        self.show(wanted[0] if wanted else (0 if pane == "timeline" else len(columns) - 1))

    def cycle(self, step: int) -> bool:
        """Focus the next (previous) column; False past either end (the composer is next)."""
        column = self.focused_column()
        at = (column.index if column is not None else self.current) + step
        if not 0 <= at < len(self.feed_columns()):
            return False
        self.show(at)
        return True

    def selected_post(self) -> Post | None:
        columns = self.feed_columns()
        column = self.focused_column() or (columns[self.current] if columns else None)
        return column.selected_post() if column is not None else None

    def mirror(self, kind: str, call: str, *args: Any, **kwargs: Any) -> None:
        """What the reader told the main screen, for the columns that show the same
        (`kind` "posts" or "notes"; `call` a list method: set_items, apply_change, remove)."""
        for column in self.feed_columns():
            if column.mirrors == kind:
                getattr(column.list, call)(*args, **kwargs)

    def focused_list(self) -> ItemList[Any] | None:
        column = self.focused_column()
        return column.list if column is not None else None

    def load_all(self) -> None:
        for column in self.feed_columns():
            self.app.guard(
                column.load, doing=f"Fetching {column.column.label}", group=f"column-{column.index}"
            )

    async def retarget(self, selection: FeedSelection) -> None:
        """`F` or the palette chose a feed: the focused column shows it (this run only)."""
        columns = self.feed_columns()
        if not columns:
            return
        focused = self.focused_column()
        index = focused.index if focused is not None else self.current
        feed = Column(str(selection.feed), selection.account or "")
        self.columns[index] = feed
        await columns[index].remove()
        replacement = FeedColumn(feed, index)
        holder = self.query_one("#columns", Horizontal)
        if index < len(holder.children):
            await holder.mount(replacement, before=index)
        else:
            await holder.mount(replacement)
        self.show(index)
        await replacement.load()


def add_column(app: MurmurApp, answer: str) -> None:
    """Add the column `answer` names ("FEED [ACCOUNT]"): save it to config.toml, show it."""
    from tui.store.config import Config, ConfigError
    from tui.store.config_edit import update_config

    accounts = [a.name for a in app.session.accounts]
    words = answer.split()
    if not words:
        return
    account = words[1] if len(words) > 1 else ""
    if len(words) > 2 or (account and account not in accounts):
        known = ", ".join(accounts) or "none"
        app.notify(
            f"Give a feed and, after it, an account ({known}).", severity="warning", markup=False
        )
        return
    try:
        column = column_from(words[0], account)
    except ValueError as exc:
        app.notify(str(exc), severity="warning", markup=False)
        return
    main = app.main_screen
    # The first column keeps what the screen showed (the timeline, the notifications) too.
    shown = (Column(str(main.selection.feed), main.selection.account or ""), Column(NOTES))

    def added(config: Config) -> Config:
        return replace(config, columns=(*(config.columns or shown), column))

    async def save() -> None:
        try:
            written = update_config(added, app.config.path)
        except ConfigError as exc:
            app.report_error(str(exc), doing="Adding the column")
            return
        app.config = replace(app.config, columns=written.columns)
        await main.show_columns(written.columns)
        app.notify(f"Column added: {column.label}.", markup=False)

    app.guard(save, doing="Adding the column")


def add_column_from_app(app: MurmurApp) -> None:
    """Palette "Add column…": ask for the feed (and account), then `add_column`."""
    from tui.networks.base import Prompt
    from tui.ui.screens.login import PromptScreen

    accounts = [a.name for a in app.session.accounts]
    info = "A feed: home, notifications, tag:NAME, list:ID, user:WHO, local, public…"
    if accounts:
        info += f" Then, for one account only, its name ({', '.join(accounts)})."
    app.push_screen(
        PromptScreen(Prompt("column", "Add column", info=info)),
        lambda answer: add_column(app, answer or ""),
    )
