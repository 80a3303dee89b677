"""Every key binding with its id and keys, generated from the bindings (and the user's keymap)."""

from __future__ import annotations

from typing import Any

from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Static

from tui.ui import keymap


class HelpScreen(Screen[None]):
    BINDINGS = keymap.BACK

    def compose(self) -> Any:
        with Vertical(id="help"):
            yield Static("Keys — rebind any id under [keymap] in config.toml", classes="pane-title")
            yield DataTable(id="help-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Where", "Keys", "Binding id", "What it does")
        active = dict(self.app._keymap)  # the keymap in effect, normalised by Textual
        for row in keymap.help_rows(active):
            table.add_row(row.section, _pretty(row.keys), row.binding_id, row.description)
        table.focus()

    def action_back(self) -> None:
        self.dismiss(None)


def _pretty(keys: str) -> str:
    names = {"question_mark": "?", "slash": "/", "escape": "esc"}
    return ", ".join(names.get(k.strip(), k.strip()) for k in keys.split(","))
