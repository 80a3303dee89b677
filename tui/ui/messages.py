"""Messages the screens send up to the app: they ask, the app (with the main screen) acts.

A screen never calls the app's or another screen's methods to change what the main screen shows:
it posts one of these, which bubbles from the screen to the app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from tui.model import Draft, Post
    from tui.networks.base import Network


class AccountAdded(Message):
    """A login finished: the main screen shows the account, connects it and merges it in."""

    def __init__(self, network: Network) -> None:
        super().__init__()
        self.network = network


class EditRequested(Message):
    """Edit `post` in the main screen's composer, starting from `draft`; with `redraft` the
    draft is a new post (the network has no edits: the original is being deleted)."""

    def __init__(self, post: Post, draft: Draft, *, redraft: bool = False) -> None:
        super().__init__()
        self.post = post
        self.draft = draft
        self.redraft = redraft


class ReplyRequested(Message):
    """Reply to `post` in the main screen's composer (from whichever screen shows the post)."""

    def __init__(self, post: Post) -> None:
        super().__init__()
        self.post = post
