"""Search the chosen accounts at once: people, tags and posts, as the servers return them.

People and tags are listed above the posts; enter on a person opens their profile, enter on a
tag shows its feed in the timeline. Posts are a PostList with the post actions. An account that
cannot search is named, with the reason.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import on
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.feed import FeedSelection, Merger, Source
from tui.model import Author, FeedKind, FeedRef, SearchResults, Tag
from tui.networks.base import Capability, Unsupported
from tui.ui.render import shown_handle
from tui.ui import keymap
from tui.ui.screens.actions import PostActions
from tui.ui.widgets.timeline import PostList

if TYPE_CHECKING:
    from tui.ui.app import MurmurApp


@dataclass(frozen=True, slots=True)
class Found:
    """One row of the people-and-tags list: a person (with the account that found them) or a tag."""

    account: str
    author: Author | None = None
    tag: Tag | None = None


def cannot_search(app: MurmurApp, name: str) -> str:
    """Why account `name` cannot search, or "" when it can."""
    session = app.session
    network = session.networks.get(name)
    if network is None:
        error = session.errors.get(name)
        return f"{name} is not connected" + (f" ({error})" if error else "")
    if not network.supports(Capability.SEARCH):
        return f"{name} cannot search: {network.kind.value} offers no search here"
    return ""


class SearchScreen(PostActions, Screen[None]):
    BINDINGS = [*keymap.BACK, *keymap.POST, *keymap.UNDO, *keymap.MEDIA, *keymap.LIST_MOVES]
    app: MurmurApp

    def __init__(self, accounts: list[str]) -> None:
        super().__init__()
        self.accounts = accounts
        self.found: list[Found] = []

    def compose(self) -> Any:
        with Vertical(classes="pane"):
            yield Static("Search · " + ", ".join(self.accounts), classes="pane-title", markup=False)
            yield Input(
                placeholder="words, #tag or @handle — enter searches",
                id="search-query",
                compact=True,
            )
            yield Static("", id="search-status", markup=False)
            yield OptionList(id="search-people")
            yield PostList(
                rules=self.app.config.filters,
                context="public",
                relative_time=self.app.config.ui.relative_time,
                show_counts=self.app.config.ui.show_counts,
                id="search-results",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#search-people", OptionList).display = False
        self.query_one(Input).focus()
        unable = [why for n in self.accounts if (why := cannot_search(self.app, n))]
        if unable:
            self.query_one("#search-status", Static).update("; ".join(unable) + ".")

    @on(Input.Submitted, "#search-query")
    def _search(self, event: Input.Submitted) -> None:
        query = event.value.strip()
        if query:
            self.app.guard(
                lambda: self.run_search(query), doing="Searching", group="search", exclusive=True
            )

    async def run_search(self, query: str) -> None:
        session = self.app.session
        unable = [why for n in self.accounts if (why := cannot_search(self.app, n))]
        names = [n for n in self.accounts if not cannot_search(self.app, n)]
        status = self.query_one("#search-status", Static)
        if not names:
            status.update("; ".join(unable) + "." if unable else "No account to search.")
            return
        status.update(f"Searching {', '.join(names)}…")
        results = await asyncio.gather(
            *(session.networks[n].search(query) for n in names), return_exceptions=True
        )
        merger: Merger[Any] = Merger()
        found: list[Found] = []
        failed: list[str] = []
        for name, result in zip(names, results, strict=True):
            if isinstance(result, BaseException):
                if not isinstance(result, Exception):
                    raise result
                if isinstance(result, Unsupported):  # the account cannot: say why, inline
                    unable.append(f"{name} cannot search: {result}")
                    continue
                failed.append(name)
                self.app.handle_failure(result, doing=f"Searching on {name}", group="search")
                continue
            assert isinstance(result, SearchResults)
            if result.note:  # what this account could not search, and why
                unable.append(f"{name}: {result.note}")
            merger.push(Source(name), result.posts, more=False)
            found.extend(Found(name, author=a) for a in result.authors)
            found.extend(Found(name, tag=t) for t in result.tags)
        self.show_found(found)
        posts = list(merger.items)
        people = sum(f.author is not None for f in found)
        tags = len(found) - people
        words = [
            _plural(people, "person", "people"),
            _plural(tags, "tag", "tags"),
            _plural(len(posts), "post", "posts"),
        ]
        summary = ", ".join(words) + f" for {query!r}"
        notes = unable + [f"{n} failed (! lists errors)" for n in failed]
        status.update(summary + ("; " + "; ".join(notes) if notes else ""))
        post_list = self.query_one(PostList)
        post_list.set_items(posts)
        if found:
            self.query_one("#search-people", OptionList).focus()
        elif posts:
            post_list.focus()

    def show_found(self, found: list[Found]) -> None:
        # Tags the same name from several accounts are one row.
        seen: set[str] = set()
        rows: list[Found] = []
        for row in found:
            key = f"tag:{row.tag.name.lower()}" if row.tag else f"{row.account}|{row.author.uid}"  # type: ignore[union-attr]
            if key not in seen:
                seen.add(key)
                rows.append(row)
        self.found = rows
        people = self.query_one("#search-people", OptionList)
        people.clear_options()
        people.add_options([Option(_label(r)) for r in rows])
        people.display = bool(rows)
        if rows:
            people.highlighted = 0

    @on(OptionList.OptionSelected, "#search-people")
    def _open_found(self, event: OptionList.OptionSelected) -> None:
        row = self.found[event.option_index]
        if row.author is not None:
            from tui.ui.screens.profile import ProfileScreen

            self.app.push_screen(ProfileScreen(row.account, row.author.uid or row.author.handle))
        elif row.tag is not None:
            account = self.accounts[0] if len(self.accounts) == 1 else None
            feed = FeedRef(FeedKind.TAG, row.tag.name.lstrip("#"))
            self.dismiss(None)
            self.app.main_screen.select_feed(FeedSelection.one_feed(feed, account=account))

    def action_cursor_down(self) -> None:
        """j/k in the people-and-tags list (the post list and the field handle their own)."""
        people = self.query_one("#search-people", OptionList)
        if people.has_focus:
            people.action_cursor_down()

    def action_cursor_up(self) -> None:
        people = self.query_one("#search-people", OptionList)
        if people.has_focus:
            people.action_cursor_up()

    @property
    def found_text(self) -> str:
        return "\n".join(_label(r).plain for r in self.found)

    def post_list(self) -> PostList | None:
        return self.query_one(PostList)

    @on(PostList.Opened)
    def _open(self, event: PostList.Opened) -> None:
        self.open_thread(event.item)

    def action_back(self) -> None:
        self.dismiss(None)


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _label(row: Found) -> Content:
    """A person or a tag as plain Content: names and handles are remote text, never markup."""
    if row.tag is not None:
        uses = f"  {row.tag.uses:,} uses" if row.tag.uses is not None else ""
        return Content.assemble(("#" + row.tag.name.lstrip("#"), "bold"), (uses, "$text-muted"))
    author = row.author
    assert author is not None
    return Content.assemble(
        (author.name, "bold"),
        "  ",
        ("@" + shown_handle(author.handle.lstrip("@")), "$text-muted"),
        (f"  via {row.account}", "$text-muted"),
    )
