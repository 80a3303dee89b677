"""The notifications pane: grouped rows ("3 people liked your post") on the timeline's list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from textual.binding import BindingType
from textual.content import Content

from tui.feed import (
    NotificationGroup,
    NotificationRow,
    Verdict,
    group_notifications,
    mark_read,
    unread_count,
    verdict,
)
from tui.model import FilterRule, NotificationItem
from tui.ui import keymap
from tui.ui.render import View, render_notification
from tui.ui.widgets.item_list import ItemList
from tui.ui.widgets.timeline import UnreadList

if TYPE_CHECKING:
    from tui.ui.readstate import ReadState


class NotificationList(UnreadList, ItemList[NotificationRow]):
    """Notification groups newest first, unread ones marked with a dot."""

    BINDINGS: ClassVar[list[BindingType]] = [*ItemList.BINDINGS, *keymap.UNREAD]

    DEFAULT_CSS = """
    NotificationList { height: 1fr; }
    """
    NOUNS = ("notification", "notifications")

    class Opened(ItemList.Opened):
        """Enter on a group: open the post (or thread) it is about. `item` is the group."""

    class Highlighted(ItemList.Highlighted):
        """The selection moved to another group."""

    class NeedMore(ItemList.NeedMore):
        """Near the end: fetch older notifications."""

    def __init__(
        self,
        *,
        rules: Sequence[FilterRule] = (),
        relative_time: bool = True,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(relative_time=relative_time, id=id, classes=classes)
        self._rules = tuple(rules)
        self._verdicts: dict[str, Verdict | None] = {}
        self.read_state: ReadState | None = None

    @property
    def unread_count(self) -> int:
        return unread_count(self._items)

    # ----- unread state ------------------------------------------------------------------------
    def track(self, read_state: ReadState | None) -> None:
        self.read_state = read_state
        self.set_items(self._items, keep_selection=True)

    def _overlaid(self, row: NotificationRow) -> NotificationRow:
        """The row with what the user marked here (selected, `U`) over the server's word."""
        state = self.read_state
        if state is None or not isinstance(row, NotificationGroup):
            return row
        notes = tuple(
            n if (mark := state.explicit("notification", n.uid)) is None
            else replace(n, unread=not mark)
            for n in row.notifications
        )  # fmt: skip
        return row if notes == row.notifications else NotificationGroup(notes)

    def is_unread(self, item: object) -> bool:
        return isinstance(item, NotificationGroup) and item.unread

    def set_read(self, items: Sequence[object], read: bool) -> None:
        groups = [i for i in items if isinstance(i, NotificationGroup) and i.unread == read]
        if not groups:
            return
        if self.read_state is not None:
            if read:
                uids = [n.uid for g in groups for n in g.notifications]
            else:
                uids = [g.first.uid for g in groups]
            self.read_state.mark("notification", uids, read)
        for group in groups:
            if read:
                self.replace_item(group.read())
            else:
                first = replace(group.first, unread=True)
                self.replace_item(NotificationGroup((first, *group.notifications[1:])))
        self._recount()

    def set_items(self, items: Sequence[NotificationRow], *, keep_selection: bool = False) -> None:
        super().set_items([self._overlaid(r) for r in items], keep_selection=keep_selection)
        self._recount()

    def _select(self, index: int) -> None:
        before = self.selected
        super()._select(index)
        self._moved(before)

    def action_open(self) -> None:
        self._read_now()
        super().action_open()

    def set_rules(self, rules: Sequence[FilterRule]) -> None:
        self._rules = tuple(rules)
        self._verdicts.clear()
        self.set_items(self._items)

    def verdict_for(self, row: NotificationRow) -> Verdict | None:
        if not isinstance(row, NotificationGroup):
            return None
        if row.uid not in self._verdicts:
            found = None
            for member in row.notifications:  # the group hides only if every member would
                found = verdict(member, self._rules, "notifications")
                if found is None:
                    break
            self._verdicts[row.uid] = found
        return self._verdicts[row.uid]

    def render_content(self, item: NotificationRow, view: View) -> Content:
        return render_notification(item, view, self.verdict_for(item))

    def set_notifications(self, items: Sequence[NotificationItem]) -> None:
        """Group raw notifications (newest first) and show them."""
        self.set_items(group_notifications(items))

    def mark_all_read(self) -> None:
        """Clear every unread marker (the app also tells the servers that keep this state)."""
        if not self.unread_count:
            return
        if self.read_state is not None:
            uids = [
                n.uid
                for row in self._items
                if isinstance(row, NotificationGroup)
                for n in row.notifications
                if n.unread
            ]
            self.read_state.mark("notification", uids, True)
        self._items = mark_read(self._items)
        self._uid_index = None
        self._clear_render()
        self._recount()

    def mark_read(self, uid: str) -> None:
        index = self.index_of(uid)
        if index is None:
            return
        row = self._shown[index]  # index_of counts what is shown (under a limit, the matches)
        if isinstance(row, NotificationGroup) and row.unread:
            self.replace_item(row.read())
