"""The status bar: every account with its connection state, unread counts and the last error.

Everything shown may contain remote words (a relay's detail, an error body), so the bar is built
from `Content` parts, never from markup.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.content import Content
from textual.timer import Timer
from textual.widgets import Static

from tui.model import ConnectionState

ERROR_SECONDS = 30.0  # how long an error stays in the bar (all of them: `!` lists this run's)

_MARK = {
    ConnectionState.CONNECTED: ("●", "$success"),
    ConnectionState.POLLING: ("◐", "$warning"),
    ConnectionState.CONNECTING: ("○", "$warning"),
    ConnectionState.RECONNECTING: ("◌", "$warning"),
    ConnectionState.OFFLINE: ("✕", "$error"),
}


@dataclass(slots=True)
class _AccountState:
    network: str
    state: ConnectionState = ConnectionState.OFFLINE
    detail: str = ""


class StatusBar(Static):
    """One line: `name ● connected (relays 3/5) · … · 3 unread · error`."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self._accounts: dict[str, _AccountState] = {}
        self._unread = 0
        self._messages = 0  # unread private messages among the unread notifications
        self._note = ""
        self._pending = ""  # something waiting to go out: "Sending in 5 s — u to undo"
        self._error = ""
        self._error_group = ""
        self._error_origin: object = None
        self._error_timer: Timer | None = None

    def on_mount(self) -> None:
        self._note = str(getattr(self.app, "status_note", "") or "")
        self._redraw()

    def set_account(
        self, name: str, network: str, state: ConnectionState, detail: str = ""
    ) -> None:
        self._accounts[name] = _AccountState(network, ConnectionState(state), detail)
        self._redraw()

    def set_pending(self, text: str) -> None:
        self._pending = text
        self._redraw()

    def set_unread(self, count: int) -> None:
        self._unread = count
        self._redraw()

    def set_messages(self, count: int) -> None:
        self._messages = count
        self._redraw()

    def set_error(self, message: str, *, group: str = "", origin: object = None) -> None:
        """Show `message` until ERROR_SECONDS pass or later work of the same `group` succeeds
        (`origin`, the work that reported it, finishing does not count)."""
        self._error = message.splitlines()[0] if message else ""
        self._error_group = group if message else ""
        self._error_origin = origin if message else None
        if self._error_timer is not None:
            self._error_timer.stop()
            self._error_timer = None
        if message and self.is_mounted:
            self._error_timer = self.set_timer(ERROR_SECONDS, self.clear_error)
        self._redraw()

    def clear_error(self) -> None:
        self.set_error("")

    def succeeded(self, group: str, work: object = None) -> None:
        """Work of `group` succeeded: an error that group left earlier is stale now."""
        if self._error and group and group == self._error_group and work is not self._error_origin:
            self.clear_error()

    @property
    def error(self) -> str:
        return self._error

    @property
    def text(self) -> str:
        return self._content().plain

    def _content(self) -> Content:
        parts: list[Content | tuple[str, str] | str] = []
        if self._note:
            parts.append((self._note, "$text-muted"))
        if not self._accounts:
            parts.append(("no accounts: ctrl+p → Log in", "$text-muted"))
        for name, acc in self._accounts.items():
            if parts:
                parts.append("  ")
            mark, colour = _MARK.get(acc.state, ("?", "$warning"))
            parts.append((name, "bold"))
            parts.append(" ")
            parts.append((f"{mark} {acc.state.value}", colour))
            if acc.detail and acc.detail != acc.state.value:
                parts.append((f" ({acc.detail})", "$text-muted"))
        if self._pending:
            parts.append("  ")
            parts.append((self._pending, "bold $warning"))
        if self._unread:
            parts.append("  ")
            parts.append((f"{self._unread} unread", "bold $accent"))
        if self._messages:
            parts.append("  ")
            parts.append((f"✉ {self._messages} new message(s): C", "bold $accent"))
        if self._error:
            parts.append("  ")
            parts.append((f"⚠ {self._error}", "$error"))
        return Content.assemble(*parts)

    def _redraw(self) -> None:
        self.update(self._content())
