"""A thread: ancestors, the post, and its replies in one PostList, the post selected."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from tui.model import Post
from tui.networks.base import NetworkError
from tui.ui import keymap
from tui.ui.screens.actions import PostActions
from tui.ui.widgets.timeline import PostList

if TYPE_CHECKING:
    from tui.ui.app import MurmurApp


class ThreadScreen(PostActions, Screen[None]):
    BINDINGS = [*keymap.BACK, *keymap.POST]
    app: MurmurApp

    def __init__(self, post: Post) -> None:
        super().__init__()
        self.post = post

    def compose(self) -> Any:
        with Vertical(classes="pane"):
            yield Static(self._title(), classes="pane-title", id="thread-title")
            yield PostList(
                rules=self.app.config.filters,
                context="thread",
                relative_time=self.app.config.ui.relative_time,
                show_counts=self.app.config.ui.show_counts,
                id="thread",
            )
        yield Footer()

    def on_mount(self) -> None:
        post_list = self.query_one(PostList)
        post_list.set_items([self.post])
        post_list.focus()
        self.app.guard(self._load, doing="Loading the thread", group="thread", exclusive=True)

    def _title(self, problem: str = "") -> Content:
        parts: list[tuple[str, str] | str] = [
            ("Thread · ", "$text-muted"),
            (self.post.shown.author.name, "bold"),
        ]
        if problem:
            parts.append((f" · {problem}", "$error"))
        return Content.assemble(*parts)

    async def _load(self) -> None:
        try:
            network = self.app.session.network_for(self.post.account)
            thread = await network.thread(self.post.shown)
        except Exception as exc:
            # Only the post itself shows: the title says the rest could not be loaded.
            reason = str(exc) if isinstance(exc, NetworkError) else type(exc).__name__
            self.query_one("#thread-title", Static).update(
                self._title(f"could not load the replies: {reason}")
            )
            raise
        post_list = self.query_one(PostList)
        post_list.set_items([*thread.ancestors, thread.post, *thread.descendants])
        post_list.select_uid(thread.post.uid)

    def post_list(self) -> PostList | None:
        return self.query_one(PostList)

    @on(PostList.Opened)
    def _open(self, event: PostList.Opened) -> None:
        if isinstance(event.item, Post) and event.item.uid != self.post.shown.uid:
            self.open_thread(event.item)

    def action_back(self) -> None:
        self.dismiss(None)
