"""A thread: ancestors, the post, and its replies in one PostList, the post selected."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from tui.model import Post
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
            yield Static(
                Content.assemble(
                    ("Thread · ", "$text-muted"), (self.post.shown.author.name, "bold")
                ),
                classes="pane-title",
            )
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

    async def _load(self) -> None:
        network = self.app.session.network_for(self.post.account)
        thread = await network.thread(self.post.shown)
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
