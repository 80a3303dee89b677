"""The outbox: every post not yet confirmed by its server, from this run or an earlier one.

`r` sends the selected entry again (with the idempotency key it was queued with, so a server
that already has it does not post it twice); `a` retries every entry that can be; `e` takes an
entry back into the composer to edit (what a server rejected as it is must be edited); `d` drops
an entry after asking. Nothing leaves the outbox without the user saying so or a server confirming.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from tui.model import Draft
from tui.ui.screens.rows import OptionRows

if TYPE_CHECKING:
    from tui.session import Session
    from tui.store.cache import OutboxEntry

_STATUS_STYLE = {"waiting": "$warning", "sending": "$warning", "needs an edit": "$error"}


def entry_content(entry: OutboxEntry) -> Content:
    text = " ".join(entry.draft.text.split()) or "(media only)"
    when = entry.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
    said = entry.status
    parts: list[Content | tuple[str, str] | str] = [
        (f"{entry.account}", "bold"),
        "  ",
        (said, _STATUS_STYLE.get(said, "$text-muted")),
        (f"  {when}\n", "$text-muted"),
        text[:200],
    ]
    if entry.error:
        parts.append((f"\n{entry.error}", "$text-muted"))
    return Content.assemble(*parts)


class OutboxScreen(OptionRows, Screen[Draft | None]):
    """Dismisses with a Draft to edit in the composer, or None."""

    BINDINGS = [
        Binding("escape", "close", "Back", id="outbox.back", tooltip="Back to the main screen"),
        Binding("r", "retry", "Retry", id="outbox.retry", tooltip="Send the selected post again"),
        Binding("a", "retry_all", "Retry all", id="outbox.retry_all", tooltip="Retry every post"),
        Binding("e", "edit", "Edit", id="outbox.edit", tooltip="Edit the post in the composer"),
        Binding("d", "drop", "Drop", id="outbox.drop", tooltip="Remove it without sending"),
        Binding("j", "cursor('down')", "Down", show=False, id="outbox.down", tooltip="Next"),
        Binding("k", "cursor('up')", "Up", show=False, id="outbox.up", tooltip="Previous"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__(id="outbox")
        self.session = session
        self.entries: list[OutboxEntry] = []

    def compose(self) -> Any:
        with Vertical():
            yield Static("Outbox", classes="pane-title")
            yield Static("", id="outbox-summary", markup=False)
            yield OptionList(id="outbox-list")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()
        self.query_one(OptionList).focus()

    def reload(self) -> None:
        options = self.query_one(OptionList)
        keep = options.highlighted
        self.entries = self.session.pending()
        options.clear_options()
        options.add_options(Option(entry_content(e), id=e.id) for e in self.entries)
        if self.entries:
            options.highlighted = min(keep or 0, len(self.entries) - 1)
        edits = sum(e.needs_edit for e in self.entries)
        summary = (
            f"{len(self.entries)} post(s) waiting; {edits} need an edit."
            if self.entries
            else "The outbox is empty: every post was confirmed by its server."
        )
        self.query_one("#outbox-summary", Static).update(summary)

    @property
    def selected(self) -> OutboxEntry | None:
        return self.highlighted_row(self.entries)

    def _send(self, entries: list[OutboxEntry]) -> None:
        async def send() -> None:
            results = await asyncio.gather(*(self.session.retry(e.id) for e in entries))
            sent = sum(r.state == "sent" for r in results)
            self.app.notify(f"Outbox: {sent} of {len(results)} sent.", markup=False)
            self.reload()

        self.app.guard(send, doing="Sending from the outbox", group="send")  # type: ignore[attr-defined]

    def action_retry(self) -> None:
        entry = self.selected
        if entry is None:
            return
        if entry.needs_edit:
            self.app.notify(
                "The server rejected this post as it is: edit it (e) or drop it (d).",
                severity="warning",
            )
            return
        self._send([entry])

    def action_retry_all(self) -> None:
        entries = self.session.retryable()
        if not entries:
            self.app.notify("Nothing to retry.")
            return
        self._send(entries)

    def action_edit(self) -> None:
        entry = self.selected
        if entry is None:
            return
        if entry.state == "sending":
            self.app.notify("This post is being sent right now.", severity="warning")
            return
        # The composer saves it as its draft before the entry leaves the outbox.
        self.dismiss(self.session.drop(entry.id).draft)

    def action_drop(self) -> None:
        entry = self.selected
        if entry is None:
            return
        from tui.ui.screens.confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                self.session.drop(entry.id)
                self.app.notify(f"Dropped the post to {entry.account}.", markup=False)
                self.reload()

        first = entry.draft.text.strip().splitlines()[0][:60] if entry.draft.text.strip() else ""
        self.app.push_screen(
            ConfirmScreen(
                f"Drop this post to {entry.account} without sending it?", first, yes="Drop"
            ),
            answered,
        )


def open_outbox(app: Any) -> None:
    """Show the outbox; an entry taken out to edit lands in the main screen's composer."""

    def chosen(draft: Draft | None) -> None:
        if draft is not None:
            main = app.main_screen
            main.with_composer(lambda compose: compose.load_draft(draft))
            main.show_pane("compose")

    app.push_screen(OutboxScreen(app.session), chosen)
