"""What the screens that show one OptionList of rows share: the highlighted row, moving the
highlight (the keymap's list keys call `cursor`) and closing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from textual.widgets import OptionList

R = TypeVar("R")


class OptionRows:
    """Mixin for a Screen whose OptionList has one option per row of a list it keeps."""

    def highlighted_row(self, rows: Sequence[R]) -> R | None:
        index = self.query_one(OptionList).highlighted  # type: ignore[attr-defined]
        if index is None or not 0 <= index < len(rows):
            return None
        return rows[index]

    def action_cursor(self, direction: str) -> None:
        options: Any = self.query_one(OptionList)  # type: ignore[attr-defined]
        options.action_cursor_down() if direction == "down" else options.action_cursor_up()

    def action_close(self) -> None:
        self.dismiss(None)  # type: ignore[attr-defined]
