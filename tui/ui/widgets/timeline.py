"""The timeline widget: posts newest first on the generic virtual list (`item_list.ItemList`),
filtered by the user's rules."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from textual.binding import BindingType
from textual.content import Content
from textual.message import Message
from textual.strip import Strip

from tui.feed import Verdict, verdict
from tui.model import FilterRule, Item
from tui.ui import keymap
from tui.ui.render import View, render_item
from tui.ui.screens.media import InlinePreviews
from tui.ui.widgets.item_list import ItemList

if TYPE_CHECKING:
    from tui.ui.readstate import ReadState

DIVIDER = " new since you last looked "
UNREAD_MARK = ("● ", "bold $text-accent")

__all__ = ["ItemList", "PostList"]


def marked_unread(content: Content, width: int) -> Content:
    """`content` with the unread dot at the start of its first line, the line's width kept
    (the dot takes two cells of the gap before the time, where there is one)."""
    first, newline, rest = content.plain.partition("\n")
    head = content[: len(first)]
    mark = Content.assemble(UNREAD_MARK)
    if head.cell_length + 2 > width:
        gap = first.find("  ")
        head = head[:gap] + head[gap + 2 :] if gap >= 0 else head.truncate(max(1, width - 2))
    return Content.assemble(mark, head, content[len(first) :]) if newline else mark + head


def with_divider(content: Content, width: int) -> Content:
    label = Content.assemble(("──", "$accent"), (DIVIDER, "bold $accent"))
    line = label + Content("─" * max(0, width - label.cell_length)).stylize("$accent")
    return Content.assemble(line.truncate(width), "\n", content)


class UnreadList:
    """Unread state on a list of items: the dot, `]`/`[`, `U`, the count for the tab bar.

    Mixed into PostList and NotificationList, which say how an item's state is read and set.
    """

    @dataclass
    class UnreadChanged(Message):
        """How many loaded items are unread changed (the tab bar shows it)."""

        item_list: ItemList
        count: int

        @property
        def control(self) -> ItemList:
            return self.item_list

    _unread_count: int = -1

    def is_unread(self, item: object) -> bool:
        raise NotImplementedError

    def set_read(self, items: Sequence[object], read: bool) -> None:
        raise NotImplementedError

    @property
    def unread_total(self) -> int:
        """Unread items among those loaded."""
        if self._unread_count < 0:
            self._unread_count = sum(1 for item in self.items if self.is_unread(item))  # type: ignore[attr-defined]
        return self._unread_count

    _recount_due: bool = False
    _counted: int = -1  # the count last reported

    def _recount(self) -> None:
        """Count again after this round of changes (once, however many there were): a burst
        of live posts or a 50,000-post list costs one pass, off the key's own path."""
        self._unread_count = -1
        if self._recount_due or not self.is_mounted:  # type: ignore[attr-defined]
            return
        self._recount_due = True
        self.call_after_refresh(self._report_count)  # type: ignore[attr-defined]

    def _report_count(self) -> None:
        self._recount_due = False
        count = self.unread_total
        if count != self._counted:
            self._counted = count
            self.post_message(self.UnreadChanged(self, count))  # type: ignore[attr-defined,arg-type]

    def _jump_unread(self, step: int) -> None:
        self.scan_all()  # type: ignore[attr-defined]  # under a limit: every match, to jump past
        items = self.shown_items  # type: ignore[attr-defined]
        index = self.selected_index + step  # type: ignore[attr-defined]
        while 0 <= index < len(items):
            if self.is_unread(items[index]):
                self.select_index(index)  # type: ignore[attr-defined]
                return
            index += step
        where = "below" if step > 0 else "above"
        self.app.notify(f"No unread {self.NOUNS[1]} {where}.")  # type: ignore[attr-defined]

    def action_next_unread(self) -> None:
        self._jump_unread(1)

    def action_previous_unread(self) -> None:
        self._jump_unread(-1)

    def action_toggle_read(self) -> None:
        item = self.selected  # type: ignore[attr-defined]
        if item is not None:
            self._reading = None  # the user said how it is: leaving it changes nothing
            self.set_read([item], read=self.is_unread(item))

    # An unread item keeps its dot while it is selected (the reader sees which one is new) and
    # is read once the selection moves on from it; enter reads it at once.
    _reading: str | None = None

    def _moved(self, before: object) -> None:
        """The selection moved from `before`: it has been read, unless `U` said otherwise."""
        pending, self._reading = self._reading, None
        now = self.selected  # type: ignore[attr-defined]
        if before is not None and before is not now and pending is not None:
            if pending == self.item_uid(before) and self.is_unread(before):  # type: ignore[attr-defined]
                self.set_read([before], read=True)
        if now is not None and self.is_unread(now):
            self._reading = self.item_uid(now)  # type: ignore[attr-defined]

    def _read_now(self) -> None:
        """Opened: read, whether or not the selection moves on."""
        item = self.selected  # type: ignore[attr-defined]
        self._reading = None
        if item is not None and self.is_unread(item):
            self.set_read([item], read=True)


class PostList(InlinePreviews, UnreadList, ItemList[Item]):
    """The timeline: posts newest first, filtered by the user's rules (hidden posts say why)."""

    BINDINGS: ClassVar[list[BindingType]] = [*ItemList.BINDINGS, *keymap.UNREAD]

    DEFAULT_CSS = """
    PostList { height: 1fr; }
    """

    class Opened(ItemList.Opened):
        """Enter on a post: open its thread."""

    class Highlighted(ItemList.Highlighted):
        """The selection moved to another post."""

    class NeedMore(ItemList.NeedMore):
        """Near the end of the loaded posts: fetch an older page."""

    def __init__(
        self,
        *,
        rules: Sequence[FilterRule] = (),
        context: str = "home",
        relative_time: bool = True,
        show_counts: bool = True,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(
            relative_time=relative_time, show_counts=show_counts, id=id, classes=classes
        )
        self._rules = tuple(rules)
        self._filter_context = context
        self._verdicts: dict[str, tuple[Item, Verdict | None]] = {}
        self.read_state: ReadState | None = None
        self.feed = ""  # the read state's key of the feed shown
        self._boundary: datetime | None = None
        self._divider_uid: str | None = None
        self._restore_pending = False

    # ----- unread state ------------------------------------------------------------------------
    def track(self, read_state: ReadState | None, feed: str) -> None:
        """Keep read state for `feed` (what the list shows from now on): the previous feed is
        left (its boundary moves up) and this one's divider and counts follow."""
        if self.read_state is not None and self.feed and self.feed != feed:
            self.read_state.leave(self.feed, self._items)
        self.read_state, self.feed = read_state, feed
        self._boundary = None
        self._restore_pending = True  # the first posts shown: back to where the reader was
        self._clear_render()
        self._place_divider()
        self._recount()

    def leave(self) -> None:
        """The reader is done with this feed for now (quitting): see ReadState.leave."""
        if self.read_state is not None and self.feed:
            self.read_state.leave(self.feed, self._items)

    def on_unmount(self) -> None:
        self.leave()

    def restore_position(self) -> bool:
        """Select the post that was selected when this feed was last read, if it is loaded."""
        if self.read_state is None or not self.feed:
            return False
        uid = self.read_state.position(self.feed)
        if uid is None or not self.select_uid(uid):
            return False
        self.call_after_refresh(self._scroll_to_selected)  # once the list knows its width
        return True

    def is_unread(self, item: object) -> bool:
        if self.read_state is None:
            return False
        if self._boundary is None:
            self._boundary = self.read_state.boundary(self.feed, self._items)
        return self.read_state.post_unread(item, self._boundary)

    def set_read(self, items: Sequence[object], read: bool) -> None:
        if self.read_state is None:
            return
        changed = [i for i in items if self.is_unread(i) == read]
        if not changed:
            return
        self.read_state.mark("post", [self.item_uid(i) for i in changed], read)  # type: ignore[arg-type]
        known = self._unread_count
        self._read_changed(changed)
        if known >= 0:  # one key, one item: no need to count the whole list again
            self._unread_count = known + (-len(changed) if read else len(changed))

    def mark_all_read(self) -> None:
        self.set_read(self._items, read=True)

    def _read_changed(self, items: Sequence[object]) -> None:
        # The dot takes no line of its own: heights stay, only the drawing changes.
        if len(items) > 64:
            self._clear_render()
        else:
            for item in items:
                self._forget(self.item_uid(item))  # type: ignore[arg-type]
        self._recount()
        self.refresh()

    def _place_divider(self) -> None:
        """Above the newest post from before the boundary, when something newer is above it."""
        found = None
        if self.read_state is not None and self._items:
            if self._boundary is None:
                self._boundary = self.read_state.boundary(self.feed, self._items)
            boundary = self._boundary
            if boundary is not None:
                for index, item in enumerate(self._items):
                    if item.created_at <= boundary:
                        found = self.item_uid(item) if index else None
                        break
        if found != self._divider_uid:
            old, self._divider_uid = self._divider_uid, found
            for uid in (old, found):
                if uid is not None and (index := self.index_of(uid)) is not None:
                    self._forget(uid)
                    self._remeasure(index)

    @property
    def divider_uid(self) -> str | None:
        """The post the "new since you last looked" line sits above (None: no line)."""
        return self._divider_uid

    # The list's own changes: the counts and the divider follow.
    def set_items(self, items: Sequence[Item], *, keep_selection: bool = False) -> None:
        super().set_items(items, keep_selection=keep_selection)
        if self._restore_pending and self._items:
            self._restore_pending = False
            self.restore_position()
        self._place_divider()
        self._recount()

    def insert(self, positions: Iterable[tuple[int, Item]]) -> None:
        super().insert(positions)
        self._place_divider()
        self._recount()

    def remove(self, uid: str | None = None):  # type: ignore[no-untyped-def]
        result = super().remove(uid)
        if uid is not None:
            self._place_divider()
            self._recount()
        return result

    def _select(self, index: int) -> None:
        before = self.selected
        super()._select(index)
        item = self.selected
        if item is None or self.read_state is None:
            return
        self._moved(before)
        if self.feed and item is not before:
            self.read_state.set_position(self.feed, self.item_uid(item))

    def action_open(self) -> None:
        self._read_now()
        super().action_open()

    @property
    def rules(self) -> tuple[FilterRule, ...]:
        return self._rules

    def set_rules(self, rules: Sequence[FilterRule], context: str | None = None) -> None:
        """New filter rules (or context): every height may change, the selection stays put."""
        self._rules = tuple(rules)
        if context is not None:
            self._filter_context = context
        self._verdicts.clear()
        self._relayout_keep_selection()

    def verdict_for(self, item: Item) -> Verdict | None:
        # Kept per version of the item: a refresh may bring the same post with new labels.
        cached = self._verdicts.get(item.uid)
        if cached is None or cached[0] is not item:
            cached = (item, verdict(item, self._rules, self._filter_context))
            self._verdicts[item.uid] = cached
        return cached[1]

    def render_content(self, item: Item, view: View) -> Content:
        view = self.preview_view(view, item.uid)  # [media] previews
        content = render_item(item, view, self.verdict_for(item))
        if self.is_unread(item):
            content = marked_unread(content, view.width)
        if self._divider_uid is not None and item.uid == self._divider_uid:
            content = with_divider(content, view.width)
        return content

    def replace_item(self, item: Item) -> None:
        self._verdicts.pop(item.uid, None)
        super().replace_item(item)

    def _render_strips(self, index: int) -> list[Strip]:
        strips = super()._render_strips(index)
        self.previews_on_screen(self._shown[index].uid)  # drawn: its thumbnails are wanted
        return strips

    def _relayout_keep_selection(self) -> None:
        anchor = self._anchor()
        self._reset_layout()
        if anchor is not None and (index := self.index_of(anchor[0])) is not None:
            self._restore(index, anchor[1])
        self._changed()
