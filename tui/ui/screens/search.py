"""Search posts on the chosen accounts at once; results are a PostList with the post actions."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from textual import on
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from tui.feed import Merger, Source
from tui.networks.base import Capability
from tui.ui import keymap
from tui.ui.screens.actions import PostActions
from tui.ui.widgets.timeline import PostList

if TYPE_CHECKING:
    from tui.ui.app import MurmurApp


class SearchScreen(PostActions, Screen[None]):
    BINDINGS = [*keymap.BACK, *keymap.POST]
    app: MurmurApp

    def __init__(self, accounts: list[str]) -> None:
        super().__init__()
        self.accounts = accounts

    def compose(self) -> Any:
        with Vertical(classes="pane"):
            yield Static("Search · " + ", ".join(self.accounts), classes="pane-title", markup=False)
            yield Input(
                placeholder="words, #tag or @handle — enter searches",
                id="search-query",
                compact=True,
            )
            yield Static("", id="search-status", markup=False)
            yield PostList(
                rules=self.app.config.filters,
                context="public",
                relative_time=self.app.config.ui.relative_time,
                show_counts=self.app.config.ui.show_counts,
                id="search-results",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted, "#search-query")
    def _search(self, event: Input.Submitted) -> None:
        query = event.value.strip()
        if query:
            self.app.guard(
                lambda: self.run_search(query), doing="Searching", group="search", exclusive=True
            )

    async def run_search(self, query: str) -> None:
        session = self.app.session
        names = [
            n
            for n in self.accounts
            if n in session.networks and session.networks[n].supports(Capability.SEARCH)
        ]
        status = self.query_one("#search-status", Static)
        if not names:
            status.update("None of these accounts can search.")
            return
        status.update(f"Searching {', '.join(names)}…")
        results = await asyncio.gather(
            *(session.networks[n].search(query) for n in names), return_exceptions=True
        )
        merger: Merger[Any] = Merger()
        for name, found in zip(names, results):
            if isinstance(found, Exception):
                self.app.report_error(found, doing=f"Searching on {name}")
                continue
            merger.push(Source(name), found.posts, more=False)
        status.update(f"{len(merger)} posts for {query!r}")
        post_list = self.query_one(PostList)
        post_list.set_items(list(merger.items))
        if len(merger):
            post_list.focus()

    def post_list(self) -> PostList | None:
        return self.query_one(PostList)

    @on(PostList.Opened)
    def _open(self, event: PostList.Opened) -> None:
        self.open_thread(event.item)

    def action_back(self) -> None:
        self.dismiss(None)
