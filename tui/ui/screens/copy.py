"""The copy menu (`y`): y the post's link (so `yy` copies it), h its author's full handle (the
npub on Nostr), t its text, j its JSON in the CLI's `--json` shape. Copied by OSC 52, and into
tmux's buffer inside tmux, like every copy (`MurmurApp.copy_text`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.model import Post
from tui.ui import keymap

if TYPE_CHECKING:
    from tui.ui.app import MurmurApp

# what → (label in the menu, what the toast calls it)
WHAT = {
    "link": ("the post's link", "Link"),
    "handle": ("the author's handle (npub on Nostr)", "Handle"),
    "text": ("the post's text", "Text"),
    "json": ("the post as JSON", "JSON"),
}


def copy_value(post: Post, what: str) -> str:
    """The text `what` copies from `post`; "" when the post has none."""
    from tui.cli.output import _post_json
    from tui.ui.pipe import _handle

    if what == "link":
        return post.shown.url or post.url
    if what == "handle":
        return _handle(post)
    if what == "text":
        return post.shown.content.text
    return _post_json(post)


def copy_what(app: MurmurApp, post: Post, what: str) -> None:
    value = copy_value(post, what)
    if not value:
        app.notify(f"This post has no {WHAT[what][1].lower()} to copy.", severity="warning")
        return
    app.copy_text(value, what=WHAT[what][1])


class CopyMenu(ModalScreen[None]):
    BINDINGS = keymap.COPY_MENU
    DEFAULT_CSS = """
    CopyMenu > .dialog { width: 52; }
    """
    app: MurmurApp

    def __init__(self, post: Post) -> None:
        super().__init__()
        self.post = post

    def compose(self) -> Any:
        from tui.ui.screens.help import pretty_keys

        active = dict(self.app._keymap)
        rows = []
        for binding in keymap.COPY_MENU:
            what = binding.action.removeprefix("copy('").removesuffix("')")
            if what not in WHAT:
                continue
            keys = pretty_keys(active.get(binding.id or "", binding.key))
            rows.append(Content.assemble((keys.ljust(4), "bold"), WHAT[what][0]))
        with Vertical(classes="dialog"):
            yield Static("Copy", classes="dialog-title")
            yield Static(Content("\n").join(rows), id="copy-choices")
            yield Static("esc: back", classes="dialog-keys")

    def action_copy(self, what: str) -> None:
        self.dismiss(None)
        copy_what(self.app, self.post, what)
