"""Choose what the timeline shows: every account, one account, or one feed (home, local, public,
tag:, list:, user:, and each account's own feeds such as lists and custom feeds)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from textual import on
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.feed import FeedSelection, serves
from tui.model import Account, FeedKind, FeedRef
from tui.networks.base import NetworkError

if TYPE_CHECKING:
    from tui.ui.app import MurmurApp

_STANDARD = ("home", "local", "public")


class FeedPicker(ModalScreen[FeedSelection | None]):
    """Typing goes to the feed field at once; up/down move in the list, enter on an empty field
    picks the highlighted entry."""

    BINDINGS = [
        Binding(
            "escape", "dismiss(None)", "Back", id="feeds.back", tooltip="Keep the current feed"
        ),
        Binding("down", "move(1)", "Down", show=False, id="feeds.down", tooltip="Next feed"),
        Binding("up", "move(-1)", "Up", show=False, id="feeds.up", tooltip="Previous feed"),
    ]
    app: MurmurApp

    def __init__(self, current: FeedSelection) -> None:
        super().__init__()
        self.current = current
        self.choices: list[FeedSelection] = []

    def compose(self) -> Any:
        with Vertical(classes="dialog wide-dialog"):
            yield Static("Show in the timeline", classes="dialog-title")
            yield OptionList(id="feed-options")
            yield Static("", id="feed-problems", classes="error", markup=False)
            yield Input(
                placeholder="or type a feed: tag:NAME, user:WHO, list:ID, public…",
                id="feed-spec",
                compact=True,
            )

    def on_mount(self) -> None:
        accounts = self.app.session.accounts
        for feed in _STANDARD:
            ref = FeedRef.parse(feed)
            if any(self._serves(a, ref.kind) for a in accounts):
                self._add(FeedSelection.one_feed(ref))
        for account in accounts:
            self._add(FeedSelection.one_account(account.name))
        options = self.query_one(OptionList)
        current = self.current
        options.highlighted = self.choices.index(current) if current in self.choices else 0
        self.query_one("#feed-spec", Input).focus()
        self.app.guard(self._load_feeds, doing="Listing feeds", group="feeds")

    def _serves(self, account: Account, kind: FeedKind) -> bool:
        return serves(account, kind, self.app.session.networks.get(account.name))

    @property
    def labels(self) -> list[str]:
        return [s.title for s in self.choices]

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if step > 0:
            options.action_cursor_down()
        else:
            options.action_cursor_up()

    def _add(self, selection: FeedSelection) -> None:
        if selection in self.choices:
            return
        self.choices.append(selection)
        label = selection.title + ("  (showing)" if selection == self.current else "")
        self.query_one(OptionList).add_option(Option(label))

    async def _load_feeds(self) -> None:
        networks = dict(self.app.session.networks)
        results = await asyncio.gather(
            *(n.feeds() for n in networks.values()), return_exceptions=True
        )
        problems: list[str] = []
        for name, feeds in zip(networks, results, strict=True):
            if isinstance(feeds, BaseException):
                if not isinstance(feeds, NetworkError):
                    raise feeds
                problems.append(f"{name}'s own feeds could not be listed: {feeds}")
                continue
            for feed in feeds:
                self._add(FeedSelection.one_feed(feed, account=name))
        if problems:
            self.query_one("#feed-problems", Static).update("\n".join(problems))

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[event.option_index])

    @on(Input.Submitted, "#feed-spec")
    def _typed(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            highlighted = self.query_one(OptionList).highlighted
            if highlighted is not None:
                self.dismiss(self.choices[highlighted])
            return
        try:
            feed = FeedRef.parse(event.value)
        except ValueError as exc:
            self.app.notify(str(exc), severity="error", markup=False)
            return
        account = self.current.account
        chosen = [a for a in self.app.session.accounts if account in (None, a.name)]
        if not any(self._serves(a, feed.kind) for a in chosen):
            where = account or "any account"
            self.app.notify(
                f"No {feed.kind.value} feed on {where}.", severity="warning", markup=False
            )
            return
        self.dismiss(FeedSelection.one_feed(feed, account=account))
