"""Every key binding with its id and keys, generated from the bindings (and the user's keymap).

One row per binding, grouped under its section: the keys, what it does (wrapping at any width,
80 columns included) and the id to rebind it with. j/k move as in every other list.
"""

from __future__ import annotations

from typing import Any

from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from tui.ui import keymap

KEYS_WIDTH = 14


class HelpScreen(Screen[None]):
    BINDINGS = [*keymap.BACK, *keymap.LIST_MOVES]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[keymap.HelpRow] = []

    def compose(self) -> Any:
        with Vertical(id="help"):
            # Not markup: "[keymap]" is literal text here.
            yield Static(
                "Keys — rebind any id under [keymap] in config.toml",
                classes="pane-title",
                markup=False,
            )
            yield OptionList(id="help-table")
        yield Footer()

    def on_mount(self) -> None:
        active = dict(self.app._keymap)  # the keymap in effect, normalised by Textual
        self.rows = keymap.help_rows(active)
        options: list[Option | None] = []
        section = ""
        for row in self.rows:
            if row.section != section:
                section = row.section
                options.append(Option(Content.styled(section, "bold $accent"), disabled=True))
            keys = pretty_keys(row.keys)
            options.append(
                Option(
                    Content.assemble(
                        (keys.ljust(KEYS_WIDTH), "bold"),
                        " ",
                        row.description,
                        ("  " + row.binding_id, "$text-muted"),
                    ),
                    id=row.binding_id,
                )
            )
        options += command_options(getattr(self.app, "macros", {}))
        table = self.query_one(OptionList)
        table.add_options(options)
        table.highlighted = next(i for i, o in enumerate(options) if o and not o.disabled)
        table.focus()

    def keys_of(self, binding_id: str) -> str:
        return next(pretty_keys(r.keys) for r in self.rows if r.binding_id == binding_id)

    def action_cursor_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    def action_back(self) -> None:
        self.dismiss(None)


def command_options(macros: dict[str, str]) -> list[Option | None]:
    """The `:` commands (tui/ui/commandline.py) and the [keymap] macros, after the bindings."""
    from tui.ui import commandline

    options: list[Option | None] = [
        Option(Content.styled("Commands (: opens the command line)", "bold $accent"), disabled=True)
    ]
    for name, synopsis, text in commandline.help_lines():
        options.append(
            Option(Content.assemble((synopsis, "bold"), "  ", text), id=f"command:{name}")
        )
    if macros:
        options.append(Option(Content.styled("Macros ([keymap])", "bold $accent"), disabled=True))
        for key, line in macros.items():
            options.append(
                Option(Content.assemble((pretty_keys(key).ljust(KEYS_WIDTH), "bold"), " :", line))
            )
    return options


def pretty_keys(keys: str) -> str:
    names = {
        "question_mark": "?",
        "slash": "/",
        "escape": "esc",
        "exclamation_mark": "!",
        "colon": ":",
        "vertical_line": "|",
    }
    shown = [k.strip() for k in keys.split(",")]
    if any(k.startswith("alt+") for k in shown):  # not the characters those keys arrive as
        shown = [k for k in shown if k not in keymap.ALT_DIGIT_CHARACTERS]
    return ", ".join(names.get(k, k) for k in shown)
