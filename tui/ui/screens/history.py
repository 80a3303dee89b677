"""The versions of an edited post, oldest first (Mastodon's edit history)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.model import Post
from tui.ui.render import View, absolute_time, now_utc, render_item

if TYPE_CHECKING:
    from tui.ui.app import MurmurApp


class HistoryScreen(ModalScreen[None]):
    app: MurmurApp

    DEFAULT_CSS = """
    #history-versions { height: auto; max-height: 20; }
    .history-when { margin-top: 1; }
    """

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Back", id="history.back", tooltip="Close the history")
    ]

    def __init__(self, post: Post, versions: list[Post]) -> None:
        super().__init__()
        self.post = post
        self.versions = versions

    def compose(self) -> Any:
        with Vertical(classes="dialog wide-dialog", id="history-dialog"):
            count = len(self.versions)
            yield Static(
                Content.assemble(
                    ("Edit history · ", "$text-muted"),
                    (self.post.shown.author.name, "bold"),
                    (f" · {count} version{'' if count == 1 else 's'}", "$text-muted"),
                ),
                classes="dialog-title",
            )
            with VerticalScroll(id="history-versions"):
                width = max(20, int(self.app.size.width * 0.9) - 6)
                for n, version in enumerate(self.versions):
                    label = "original" if n == 0 else f"edit {n}"
                    if n == count - 1 and n:
                        label += " (current)"
                    yield Static(
                        Content.assemble(
                            (f"{label} · ", "bold"),
                            (absolute_time(version.created_at), "$text-muted"),
                        ),
                        classes="history-when",
                    )
                    view = View(width, now_utc(), absolute=True, revealed=True, counts=False)
                    poll = version.poll
                    version = replace(version, edited_at=None, poll=None)  # each is one version
                    yield Static(render_item(version, view), classes="history-version")
                    if poll is not None:  # a version keeps its choices, not their counts
                        choices = " · ".join(o.title for o in poll.options)
                        yield Static(
                            Content.assemble(("▤ poll: ", "$text-muted"), choices),
                            classes="history-version",
                        )
            yield Static("esc: back", classes="dialog-keys")
