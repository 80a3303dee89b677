"""The find / limit line under a list: `/` finds as you type, `l` limits the list.

The list mounts the bar right below itself and tells it what to show. While a pattern is typed
the bar holds an input; once a limit is set it stays as a one-line status, "limit: PATTERN
(N of M)", until the limit is cleared (`l` then an empty pattern, or escape on the list).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.widgets import Input, Static

from tui.ui import keymap

if TYPE_CHECKING:
    from tui.ui.widgets.item_list import ItemList

PROMPTS = {"find": "/", "limit": "limit: "}


class FindBar(Horizontal):
    BINDINGS: ClassVar[list[BindingType]] = [*keymap.FIND_BAR]

    DEFAULT_CSS = """
    FindBar {
        height: 1;
        background: $panel;
        & > #find-prompt { width: auto; color: $text-accent; text-style: bold; }
        & > Input { border: none; height: 1; padding: 0; width: 1fr; background: $panel; }
        & > Input:focus { border: none; }
        & > #find-status { width: auto; color: $text-muted; padding: 0 1; }
        & > #find-status.-problem { color: $warning; }
    }
    """

    def __init__(self, owner: ItemList, mode: str, text: str = "") -> None:
        super().__init__()
        self.owner = owner
        self.mode = ""
        self._first = (mode, text)
        self._early: list[tuple[str, str | None]] = []
        self.opening = True  # mounting: what is typed meanwhile waits in `_early`

    def typed_early(self, key: str, character: str | None) -> None:
        self._early.append((key, character))

    def on_mount(self) -> None:
        self.opening = False
        self.edit(*self._first)
        field = self.input
        for key, character in self._early:
            if key == "enter":
                field.action_submit()
            elif key == "escape":
                self.action_cancel()
            elif key == "backspace":
                field.action_delete_left()
            elif character is not None and character.isprintable():
                field.insert_text_at_cursor(character)
        self._early.clear()

    def compose(self) -> ComposeResult:
        yield Static("", id="find-prompt", markup=False)
        yield Input(id="find-input", select_on_focus=False)
        yield Static("", id="find-status", markup=False)

    @property
    def editing(self) -> bool:
        return bool(self.mode)

    @property
    def input(self) -> Input:
        return self.query_one("#find-input", Input)

    def edit(self, mode: str, text: str = "") -> None:
        """Open the input for a find or a limit, `text` in it."""
        self.mode = mode
        self.query_one("#find-prompt", Static).update(PROMPTS[mode])
        self._status("")
        field = self.input
        field.display = True
        with field.prevent(Input.Changed):
            field.value = text
        field.cursor_position = len(text)
        self.display = True
        self.screen.set_focus(field)  # at once: the next key typed goes to the input
        if mode == "find":
            self.owner.find_start()

    def show_status(self, text: str) -> None:
        """The list's limit changed: say so, or go away when neither limit nor input is left."""
        if self.editing:
            return
        if not text:
            self.display = False
            return
        self.query_one("#find-prompt", Static).update("")
        self.input.display = False
        self._status(text)

    def _status(self, text: str, problem: bool = False) -> None:
        status = self.query_one("#find-status", Static)
        status.update(text)
        status.set_class(problem, "-problem")

    def _done(self) -> None:
        self.mode = ""
        self.screen.set_focus(self.owner)
        self.show_status(self.owner.limit_status())

    @on(Input.Changed, "#find-input")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if self.mode == "find":
            found = self.owner.find_preview(event.value)
            self._status("" if found else "no match", problem=not found)

    @on(Input.Submitted, "#find-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        mode, pattern = self.mode, event.value
        if mode == "find":
            found = self.owner.find_commit(pattern)
            if not found:
                self.notify(f"Not found: {pattern.strip()}", severity="warning", markup=False)
        self.mode = ""
        if mode == "limit":
            self.owner.set_limit(pattern)
        self._done()

    def action_cancel(self) -> None:
        if self.mode == "find":
            self.owner.find_cancel()
        self._done()
