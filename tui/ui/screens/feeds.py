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

from tui.feed import FeedSelection
from tui.model import FeedRef

if TYPE_CHECKING:
    from tui.ui.app import MurmurApp

_STANDARD = ("home", "local", "public")


class FeedPicker(ModalScreen[FeedSelection | None]):
    BINDINGS = [
        Binding(
            "escape", "dismiss(None)", "Back", id="feeds.back", tooltip="Keep the current feed"
        ),
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
            yield Input(
                placeholder="or type a feed: tag:NAME, user:WHO, list:ID, public…",
                id="feed-spec",
                compact=True,
            )

    def on_mount(self) -> None:
        accounts = [a.name for a in self.app.session.accounts]
        for feed in _STANDARD:
            self._add(FeedSelection.one_feed(FeedRef.parse(feed)))
        for name in accounts:
            self._add(FeedSelection.one_account(name))
        options = self.query_one(OptionList)
        current = self.current
        options.highlighted = self.choices.index(current) if current in self.choices else 0
        options.focus()
        self.app.guard(self._load_feeds, doing="Listing feeds", group="feeds")

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
        for name, feeds in zip(networks, results):
            if isinstance(feeds, BaseException):
                continue
            for feed in feeds:
                self._add(FeedSelection.one_feed(feed, account=name))

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[event.option_index])

    @on(Input.Submitted, "#feed-spec")
    def _typed(self, event: Input.Submitted) -> None:
        try:
            feed = FeedRef.parse(event.value)
        except ValueError as exc:
            self.app.notify(str(exc), severity="error", markup=False)
            return
        self.dismiss(FeedSelection.one_feed(feed, account=self.current.account))
