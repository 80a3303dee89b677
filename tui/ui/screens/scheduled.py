"""Scheduled posts of every account, the soonest first; `d` cancels one (after asking).

Accounts whose network has no scheduled posts are listed with that sentence. Texts come from
servers: they reach the widgets as plain `Content`, never markup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from tui.model import Post
from tui.schedule import describe
from tui.ui import keymap
from tui.ui.screens.rows import OptionRows

if TYPE_CHECKING:
    from tui.session import Session


def scheduled_content(post: Post) -> Content:
    text = " ".join(post.content.text.split()) or "(media only)"
    parts: list[Content | tuple[str, str] | str] = [
        (describe(post.created_at), "bold"),
        (f"  {post.account}", "$text-muted"),
    ]
    if post.content_warning:
        parts.append((f"  CW: {post.content_warning}", "$warning"))
    parts.append("\n" + text[:200])
    return Content.assemble(*parts)


class ScheduledScreen(OptionRows, Screen[None]):
    BINDINGS = keymap.SCHEDULED

    def __init__(self, session: Session) -> None:
        super().__init__(id="scheduled")
        self.session = session
        self.posts: list[Post] = []
        self.notes: list[str] = []
        self.loaded = False

    def compose(self) -> Any:
        with Vertical(classes="pane"):
            yield Static("Scheduled posts", classes="pane-title")
            yield Static("Loading…", id="scheduled-notes", markup=False)
            yield OptionList(id="scheduled-list")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.action_reload()

    def action_reload(self) -> None:
        self.app.guard(self._load, doing="Loading scheduled posts", group="scheduled")  # type: ignore[attr-defined]

    async def _load(self) -> None:
        answers = await self.session.ask_each(lambda network: network.scheduled())
        self.posts = sorted((post for _name, post in answers.found), key=lambda p: p.created_at)
        self.notes = answers.notes
        self._show()
        self.loaded = True

    def _show(self) -> None:
        options = self.query_one(OptionList)
        keep = options.highlighted
        options.clear_options()
        options.add_options(Option(scheduled_content(p)) for p in self.posts)
        if self.posts:
            options.highlighted = min(keep or 0, len(self.posts) - 1)
        summary = (
            f"{len(self.posts)} scheduled: d cancels one."
            if self.posts
            else "No scheduled posts (the composer's Schedule field sets one)."
        )
        self.query_one("#scheduled-notes", Static).update("\n".join([summary, *self.notes]))

    @property
    def selected(self) -> Post | None:
        return self.highlighted_row(self.posts)

    def action_cancel_post(self) -> None:
        from tui.ui.screens.confirm import ConfirmScreen

        post = self.selected
        if post is None:
            self.app.notify("No scheduled post selected.", severity="warning")
            return
        first = " ".join(post.content.text.split())[:80]

        def answered(yes: bool | None) -> None:
            if yes:
                self._cancel(post)

        self.app.push_screen(
            ConfirmScreen(
                f"Cancel the post scheduled for {describe(post.created_at)}?",
                first,
                yes="Cancel it (it is never published)",
            ),
            answered,
        )

    def _cancel(self, post: Post) -> None:
        async def cancel() -> None:
            await self.session.network_for(post.account).cancel_scheduled(post)
            if post in self.posts:
                self.posts.remove(post)
            self._show()
            self.app.notify("Scheduled post cancelled: it will not be published.")

        self.app.guard(cancel, doing="Cancelling the scheduled post", group="scheduled")  # type: ignore[attr-defined]
