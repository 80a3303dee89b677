"""This run's errors, newest first: what the toasts and the status bar said, kept for reading."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from tui.ui import keymap

if TYPE_CHECKING:
    from tui.ui.app import AppMessage


class MessagesScreen(Screen[None]):
    BINDINGS = [*keymap.BACK, *keymap.LIST_MOVES]

    def __init__(self, messages: Sequence[AppMessage]) -> None:
        super().__init__()
        self.messages = list(messages)

    def compose(self) -> Any:
        with Vertical(classes="pane", id="messages-pane"):
            yield Static("Messages · this run's errors, newest first", classes="pane-title")
            if self.messages:
                # Error text may quote a server: plain Content, never markup.
                yield OptionList(
                    *[
                        Option(
                            Content.assemble(
                                (m.at.strftime("%H:%M:%S"), "$text-muted"), "  ", m.text
                            )
                        )
                        for m in reversed(self.messages)
                    ],
                    id="messages",
                )
            else:
                yield Static("No errors so far.", id="messages-empty")
        yield Footer()

    def on_mount(self) -> None:
        for found in self.query(OptionList):
            found.focus()

    @property
    def text(self) -> str:
        return "\n".join(m.text for m in reversed(self.messages)) or "No errors so far."

    def action_cursor_down(self) -> None:
        for found in self.query(OptionList):
            found.action_cursor_down()

    def action_cursor_up(self) -> None:
        for found in self.query(OptionList):
            found.action_cursor_up()

    def action_back(self) -> None:
        self.dismiss(None)
