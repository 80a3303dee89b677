"""Postponed drafts, like neomutt's postponed messages: `enter` resumes one in the composer (a
reply still replies to its post), `d` deletes one. Newest first."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from tui.model import Draft
from tui.text import clean
from tui.ui.screens.rows import OptionRows

if TYPE_CHECKING:
    from tui.store.cache import Cache


def draft_content(draft: Draft, when: datetime) -> Content:
    text = " ".join(draft.text.split()) or "(media only)"
    stamp = when.astimezone().strftime("%Y-%m-%d %H:%M")
    head: list[Content | tuple[str, str] | str] = [
        (", ".join(draft.targets) or "default accounts", "bold"),
        (f"  {stamp}", "$text-muted"),
    ]
    if draft.reply_to is not None:
        # The post replied to came from a server: cleaned, and never read as markup.
        who = clean(draft.reply_to.author.handle or draft.reply_to.author.display_name)
        head.append((f"  ↩ reply to {who}", "$text-muted"))
    return Content.assemble(*head, "\n", text[:200])


class DraftsScreen(OptionRows, Screen[tuple[str, Draft] | None]):
    """Dismisses with (id, draft) to resume in the composer, or None."""

    BINDINGS = [
        Binding("escape", "close", "Back", id="drafts.back", tooltip="Back to the main screen"),
        Binding("enter", "resume", "Resume", id="drafts.resume", tooltip="Resume the draft"),
        Binding("d", "delete", "Delete", id="drafts.delete", tooltip="Delete the draft"),
        Binding("j", "cursor('down')", "Down", show=False, id="drafts.down", tooltip="Next"),
        Binding("k", "cursor('up')", "Up", show=False, id="drafts.up", tooltip="Previous"),
    ]

    def __init__(self, cache: Cache) -> None:
        super().__init__(id="drafts")
        self.cache = cache
        self.drafts: list[tuple[str, datetime, Draft]] = []

    def compose(self) -> Any:
        with Vertical():
            yield Static("Postponed drafts", classes="pane-title")
            yield Static("", id="drafts-summary", markup=False)
            yield OptionList(id="drafts-list")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()
        self.query_one(OptionList).focus()

    def reload(self) -> None:
        options = self.query_one(OptionList)
        keep = options.highlighted
        self.drafts = self.cache.postponed()
        options.clear_options()
        options.add_options(Option(draft_content(d, when), id=i) for i, when, d in self.drafts)
        if self.drafts:
            options.highlighted = min(keep or 0, len(self.drafts) - 1)
        self.query_one("#drafts-summary", Static).update(
            f"{len(self.drafts)} postponed: enter resumes, d deletes."
            if self.drafts
            else "No postponed drafts (ctrl+o in the composer puts one aside)."
        )

    @property
    def selected(self) -> tuple[str, datetime, Draft] | None:
        return self.highlighted_row(self.drafts)

    def action_resume(self) -> None:
        chosen = self.selected
        if chosen is not None:
            self.dismiss((chosen[0], chosen[2]))

    def action_delete(self) -> None:
        chosen = self.selected
        if chosen is None:
            return
        self.cache.delete_draft(chosen[0])
        self.app.notify("Draft deleted.")
        self.reload()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_resume()
