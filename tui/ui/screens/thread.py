"""A thread: ancestors, the post, and its replies in one PostList, the post selected.

One's own replies that a server confirmed during this run show in the thread even when the
server does not list them yet (Bluesky's AppView indexes replies a while after they are made).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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


def with_confirmed(items: Sequence[Any], confirmed: Iterable[Post]) -> list[Any]:
    """`items` (a thread, in order) with the confirmed posts that reply to one of them and are
    not listed yet, each after its parent and the replies below that parent."""
    merged = list(items)
    listed = {getattr(i, "uid", "") for i in merged} | {
        getattr(i, "dedupe_key", "") for i in merged
    }
    for post in confirmed:  # oldest first: a reply to one's own reply finds its parent
        if not post.reply_to or post.uid in listed or post.dedupe_key in listed:
            continue
        parent = next(
            (n for n, item in enumerate(merged) if getattr(item, "uid", None) == post.reply_to),
            None,
        )
        if parent is None:
            continue
        at, below = parent + 1, {post.reply_to}
        while at < len(merged) and getattr(merged[at], "reply_to", None) in below:
            below.add(merged[at].uid)
            at += 1
        merged.insert(at, post)
        listed |= {post.uid, post.dedupe_key}
    return merged


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
        items = [*thread.ancestors, thread.post, *thread.descendants]
        post_list.set_items(with_confirmed(items, self._confirmed()))
        post_list.select_uid(thread.post.uid)

    def _confirmed(self) -> list[Post]:
        """This run's own posts on the thread's account, as their servers confirmed them."""
        return [p for p in self.app.confirmed_posts if p.account == self.post.account]

    def on_screen_resume(self) -> None:
        # Back from a screen above: a reply confirmed meanwhile shows.
        post_list = self.query_one(PostList)
        merged = with_confirmed(post_list.items, self._confirmed())
        if len(merged) != post_list.item_count:
            selected = post_list.selected
            post_list.set_items(merged)
            if isinstance(selected, Post):
                post_list.select_uid(selected.uid)

    def post_list(self) -> PostList | None:
        return self.query_one(PostList)

    @on(PostList.Opened)
    def _open(self, event: PostList.Opened) -> None:
        if isinstance(event.item, Post) and event.item.uid != self.post.shown.uid:
            self.open_thread(event.item)

    def action_back(self) -> None:
        self.dismiss(None)
