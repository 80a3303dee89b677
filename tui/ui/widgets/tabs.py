"""The narrow layout's tab bar: which pane is showing, with unread counts. Not focusable: the
panes are switched with keys (tab/shift+tab, alt+1/2/3), never by moving focus to the bar; each
tab names the key in effect for it (after the user's `[keymap]`)."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

PANES = ("timeline", "notifications", "compose")
_TITLES = {"timeline": "Timeline", "notifications": "Notifications", "compose": "Compose"}


class TabBar(Static):
    def __init__(self, *, id: str | None = None, keys: dict[str, str] | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.current = PANES[0]
        self.badges: dict[str, str] = {}
        self.keys = keys or {}  # pane → the key that shows it

    def show(self, pane: str) -> None:
        self.current = pane
        self._redraw()

    def set_badge(self, pane: str, badge: str) -> None:
        self.badges[pane] = badge
        self._redraw()

    def on_mount(self) -> None:
        self._redraw()

    def _redraw(self) -> None:
        parts: list[Content | tuple[str, str] | str] = []
        for pane in PANES:
            key = self.keys.get(pane, "")
            label = f" {key} {_TITLES[pane]}" if key else f" {_TITLES[pane]}"
            if self.badges.get(pane):
                label += f" ({self.badges[pane]})"
            label += " "
            parts.append((label, "reverse bold" if pane == self.current else "$text-muted"))
            parts.append(" ")
        self.update(Content.assemble(*parts))
