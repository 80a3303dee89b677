"""The vote dialog: a post's poll with its choices numbered; digits choose, enter votes.

A single-choice poll takes one number (typing another replaces it); a multiple-choice poll
toggles each number typed. The results are drawn as in the lists (`render.poll_lines`), so the
dialog reads the same at 80 columns. The choice titles are remote text: plain, never markup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import events
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.model import Post
from tui.networks.base import Capability
from tui.ui import keymap
from tui.ui.render import now_utc, poll_lines

if TYPE_CHECKING:
    from tui.networks.base import Network
    from tui.ui.app import MurmurApp

THREAD = "thread"  # what the dialog answers when the user asked for the thread instead
DIALOG_WIDTH = 76


def own_poll(post: Post, network: Network | None) -> bool:
    """Whether the poll is the account's own (Mastodon refuses a vote in one's own poll)."""
    me = network.me if network is not None else None
    return me is not None and post.shown.author.uid == me.uid


def can_vote(post: Post, network: Network | None) -> bool:
    """Whether `post` has a poll this account can still vote in."""
    poll = post.shown.poll
    return (
        poll is not None
        and not poll.expired
        and not poll.voted
        and network is not None
        and network.supports(Capability.VOTE)
        and not own_poll(post, network)
    )


class PollScreen(ModalScreen[Post | str | None]):
    """Answers the post with the vote counted, THREAD, or None when closed without voting."""

    BINDINGS = keymap.POLL_DIALOG
    app: MurmurApp

    def __init__(self, post: Post, network: Network) -> None:
        super().__init__()
        self.post = post
        self.network = network
        self.chosen: list[int] = []
        self.sending = False

    @property
    def poll(self) -> Any:
        return self.post.shown.poll

    def compose(self) -> Any:
        shown = self.post.shown
        with Vertical(classes="dialog wide-dialog", id="poll-dialog"):
            yield Static(
                Content.assemble(("Vote · ", "$text-muted"), (shown.author.name, "bold")),
                classes="dialog-title",
            )
            question = shown.content.text.strip()
            if question:
                yield Static(Content(question[:400]), id="poll-question")
            yield Static("", id="poll-choices")
            yield Static("", id="poll-keys", classes="dialog-keys")

    def on_mount(self) -> None:
        self._draw()

    def _draw(self) -> None:
        # The dialog is 90% of the screen, less its border and padding.
        width = min(DIALOG_WIDTH, max(20, int(self.app.size.width * 0.9) - 4))
        lines = poll_lines(self.poll, width, now_utc(), numbered=True, chosen=self.chosen)
        self.query_one("#poll-choices", Static).update(Content("\n").join(lines))
        count = len(self.poll.options)
        last = min(count, 9)
        how = "toggle choices" if self.poll.multiple else "choose"
        keys = f"1–{last}: {how}    enter: vote    t: thread    esc: close"
        if self.chosen:
            picked = ", ".join(str(n + 1) for n in sorted(self.chosen))
            keys = f"chosen: {picked}    " + keys
        self.query_one("#poll-keys", Static).update(Content(keys))

    def on_key(self, event: events.Key) -> None:
        if event.character is None or not event.character.isdigit():
            return
        n = int(event.character) - 1
        event.stop()
        if not 0 <= n < len(self.poll.options):
            self.app.notify(f"This poll has {len(self.poll.options)} choices.", severity="warning")
            return
        if self.poll.multiple:
            if n in self.chosen:
                self.chosen.remove(n)
            else:
                self.chosen.append(n)
        else:
            self.chosen = [n]
        self._draw()

    def action_submit(self) -> None:
        if self.sending:
            return
        if not self.chosen:
            self.app.notify("Choose with a number first.", severity="warning")
            return
        self.sending = True
        choices = sorted(self.chosen)

        async def vote() -> None:
            try:
                updated = await self.network.vote(self.post, choices)
            finally:
                self.sending = False
            self.app.notify("Voted.")
            self.dismiss(updated)

        self.app.guard(vote, doing="Could not vote", group="vote")

    def action_thread(self) -> None:
        self.dismiss(THREAD)

    def action_cancel(self) -> None:
        self.dismiss(None)
