"""The narrow layout's tab bar: which pane is showing, with unread counts. Not focusable: the
panes are switched with keys (tab/shift+tab, 1/2/3), never by moving focus to the bar."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

PANES = ("timeline", "notifications", "compose")
_TITLES = {"timeline": "Timeline", "notifications": "Notifications", "compose": "Compose"}


class TabBar(Static):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.current = PANES[0]
        self.badges: dict[str, str] = {}

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
        for n, pane in enumerate(PANES, start=1):
            label = f" {n} {_TITLES[pane]}"
            if self.badges.get(pane):
                label += f" ({self.badges[pane]})"
            label += " "
            parts.append((label, "reverse bold" if pane == self.current else "$text-muted"))
            parts.append(" ")
        self.update(Content.assemble(*parts))
