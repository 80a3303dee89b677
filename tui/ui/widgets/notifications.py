"""The notifications pane: grouped rows ("3 people liked your post") on the timeline's list."""

from __future__ import annotations

from collections.abc import Sequence

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
from tui.ui.render import View, render_notification
from tui.ui.widgets.item_list import ItemList


class NotificationList(ItemList[NotificationRow]):
    """Notification groups newest first, unread ones marked with a dot."""

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

    @property
    def unread_count(self) -> int:
        return unread_count(self._items)

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
        self._items = mark_read(self._items)
        self._uid_index = None
        self._clear_render()

    def mark_read(self, uid: str) -> None:
        index = self.index_of(uid)
        if index is None:
            return
        row = self._items[index]
        if isinstance(row, NotificationGroup) and row.unread:
            self.replace_item(row.read())
