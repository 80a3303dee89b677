"""Undo: the last like, boost, bookmark, follow, mute or block sends its inverse; a delete or a
send still in its waiting window is cancelled before anything reaches a server.

One stack per app. Entries are closures made where the action happened (tui/ui/screens/actions.py,
the profile screen, the composer), so undoing needs no knowledge of networks here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from tui.session import Hold

DELETE_DELAY = 5.0  # seconds a delete waits, so that undo can cancel it
MAX_ENTRIES = 50


@dataclass(slots=True)
class UndoEntry:
    """What `u` undoes. Exactly one of `inverse` (send the opposite) or `hold` (cancel
    something still waiting) is set. `label` names it for the user: "like", "delete"."""

    label: str
    inverse: Callable[[], Awaitable[None]] | None = None
    hold: Hold | None = None
    # Run on the event loop after a hold was cancelled (put the draft back...).
    cancelled: Callable[[], None] | None = None
    dead: bool = False  # the action itself failed: there is nothing to undo

    @property
    def live(self) -> bool:
        """Still undoable: a hold only while it waits, an action only if it happened."""
        return not self.dead and (self.hold is None or self.hold.waiting)


class UndoStack:
    def __init__(self) -> None:
        self._entries: list[UndoEntry] = []

    def push(self, entry: UndoEntry) -> None:
        self._entries.append(entry)
        del self._entries[:-MAX_ENTRIES]

    def pop(self) -> UndoEntry | None:
        """The newest entry that can still be undone (spent holds are dropped)."""
        while self._entries:
            entry = self._entries.pop()
            if entry.live:
                return entry
        return None

    def __len__(self) -> int:
        return sum(1 for e in self._entries if e.live)


_STACKS: WeakKeyDictionary[Any, UndoStack] = WeakKeyDictionary()


def stack_of(app: Any) -> UndoStack:
    """The app's undo stack."""
    stack = _STACKS.get(app)
    if stack is None:
        stack = _STACKS[app] = UndoStack()
    return stack


def record(app: Any, entry: UndoEntry) -> None:
    stack_of(app).push(entry)


def undo_last(app: Any) -> None:
    """Undo the newest undoable action of `app`, telling the user what happened."""
    entry = stack_of(app).pop()
    if entry is None:
        app.notify("Nothing to undo.")
        return
    if entry.hold is not None:
        if entry.hold.cancel():
            if entry.cancelled is not None:
                entry.cancelled()
            app.notify(f"Undone: the {entry.label} was cancelled; nothing was sent.", markup=False)
        else:
            app.notify(
                f"Too late: the {entry.label} already went out.", severity="warning", markup=False
            )
        return
    inverse = entry.inverse
    assert inverse is not None

    async def run() -> None:
        await inverse()
        app.notify(f"Undone: {entry.label}.", markup=False)

    app.guard(run, doing=f"Could not undo the {entry.label}", group="undo")
