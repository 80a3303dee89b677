"""The generic virtual list on the Line API, under the timeline and the notifications pane.

Only the rows on screen are drawn. `ItemList` keeps each item's height, exact once measured and
an estimate until then, with running sums in a Fenwick tree, so mapping a screen line to (item,
line within it) and an item to its first line are O(log n). Items are measured when they come
into view or near a jump target (`G`, `10G`, find-next, a restored position), and in idle time;
a measurement above the view moves the scroll offset by as much, so what is on screen stays put
while the scrollbar far from the view is approximate. Rendered strips are cached per item in an
LRU and thrown away on resize. Cost per keypress depends on the rows on screen, not the items
loaded.
"""

from __future__ import annotations

import time
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import ClassVar, Generic, TypeVar, overload

from rich.segment import Segment
from textual.await_remove import AwaitRemove
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.content import Content
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.visual import Visual

from tui.feed import Change
from tui.ui import keymap
from tui.ui.render import View, content_height, now_utc

T = TypeVar("T")

NEED_MORE_ITEMS = 10  # post NeedMore when the cursor is this close to the end
IDLE_AFTER = 0.5  # seconds without input before measuring heights in the background
IDLE_TICK = 0.05  # seconds between idle measuring slices
IDLE_BUDGET = 0.015  # seconds of measuring per slice: a key arriving meanwhile waits at most this
ESTIMATED_HEIGHT = 5  # lines per unmeasured item until some are measured


class _Heights:
    """Lines per item, exact once measured and estimated before, with their running sums.

    The sums live in a Fenwick tree of each height's difference from the estimate, so a fresh
    list is all zeros (no per-item work) and the first line of an item, the item at a line and
    a changed height each cost O(log n): a jump anywhere measures only the items it shows.
    Arrays, not lists of ints, so fifty thousand items cost a few hundred kilobytes.
    """

    __slots__ = ("_high", "_tree", "count", "estimate", "heights", "lines", "measured", "total")

    def __init__(self) -> None:
        self.estimate = ESTIMATED_HEIGHT
        self.count = 0  # items measured
        self.lines = 0  # lines of the measured items
        self.reset(0)

    def __len__(self) -> int:
        return len(self.heights)

    def reset(self, size: int) -> None:
        """`size` items, none measured, each at the average height measured so far."""
        if self.count:
            self.estimate = max(1, round(self.lines / self.count))
        self.count = self.lines = 0
        self.heights = array("i", [self.estimate]) * size
        self.measured = bytearray(size)
        self._tree = array("q", [0]) * (size + 1)
        self.total = self.estimate * size
        self._high = 1 << (size.bit_length() - 1) if size else 0

    def insert(self, indices: Iterable[int]) -> None:
        """Unmeasured items at these final indices (ascending)."""
        heights, measured, tree = self.heights, self.measured, self._tree
        appending = True
        for index in indices:
            appending = appending and index == len(heights)
            heights.insert(index, self.estimate)
            measured.insert(index, 0)
            if appending:  # a node covers (n - lowbit, n]: the sum of the nodes below it
                n = len(heights)
                node, low = 0, n - 1
                while low > n - (n & -n):
                    node += tree[low]
                    low &= low - 1
                tree.append(node)
        size = len(heights)
        self._high = 1 << (size.bit_length() - 1) if size else 0
        if appending:
            self.total = self.estimate * size + self._sum(size)
        else:
            self._rebuild()

    def delete(self, index: int) -> None:
        if self.measured[index]:
            self.count -= 1
            self.lines -= self.heights[index]
        del self.heights[index]
        del self.measured[index]
        self._rebuild()

    def set(self, index: int, height: int) -> int:
        """Record a measured height; returns how many lines it added."""
        if self.measured[index]:
            self.lines -= self.heights[index]
        else:
            self.measured[index] = 1
            self.count += 1
        self.lines += height
        delta = height - self.heights[index]
        if delta:
            self.heights[index] = height
            self.total += delta
            tree, size, n = self._tree, len(self.heights), index + 1
            while n <= size:
                tree[n] += delta
                n += n & -n
        return delta

    def start(self, index: int) -> int:
        """The first line of item `index` (the total for `len(self)`)."""
        return self.estimate * index + self._sum(index)

    def index_at(self, line: int) -> int:
        """The item holding `line`, the last one for lines past the end."""
        tree, size, estimate = self._tree, len(self.heights), self.estimate
        found, rest, step = 0, line, self._high
        while step:
            n = found + step
            if n <= size:
                lines = tree[n] + estimate * step  # node n covers `step` items here
                if lines <= rest:
                    found, rest = n, rest - lines
            step >>= 1
        return min(found, size - 1)

    def _sum(self, index: int) -> int:
        """How many lines items [0, index) have beyond the estimate."""
        tree, lines, n = self._tree, 0, index
        while n > 0:
            lines += tree[n]
            n &= n - 1
        return lines

    def _rebuild(self) -> None:
        estimate, size = self.estimate, len(self.heights)
        prefix = [0, *accumulate(self.heights)]
        nodes = (prefix[n] - prefix[n - (n & -n)] - estimate * (n & -n) for n in range(1, size + 1))
        self._tree = array("q", [0, *nodes])
        self.total = prefix[-1]
        self._high = 1 << (size.bit_length() - 1) if size else 0


class ItemList(ScrollView, Generic[T], can_focus=True):
    """A keyboard-driven virtual list of variable-height items, newest first.

    Subclasses say how an item looks (`render_content`) and what identifies it (`item_uid`).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        *keymap.LIST_MOVES,
        Binding(
            "g,home", "first", "Top", show=False, id="list.top", tooltip="Go to the newest item"
        ),
        Binding(
            "G,end",
            "last",
            "Bottom",
            show=False,
            id="list.bottom",
            tooltip="Go to the oldest loaded item",
        ),
        Binding(
            "pagedown,space",
            "page_down",
            "Page down",
            show=False,
            id="list.page_down",
            tooltip="Move down one screen",
        ),
        Binding(
            "pageup",
            "page_up",
            "Page up",
            show=False,
            id="list.page_up",
            tooltip="Move up one screen",
        ),
        Binding("enter", "open", "Open", id="list.open", tooltip="Open the selected item"),
        Binding(
            "v",
            "reveal",
            "Show",
            id="list.reveal",
            tooltip="Show or hide a content-warned or filtered item",
        ),
        Binding(
            "t",
            "toggle_time",
            "Time",
            show=False,
            id="list.time",
            tooltip="Switch between relative and absolute times",
        ),
    ]

    NOUNS: ClassVar[tuple[str, str]] = ("post", "posts")  # for the "N new posts" line

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "item-list--item",
        "item-list--selected",
        "item-list--separator",
        "item-list--indicator",
    }

    DEFAULT_CSS = """
    ItemList {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-gutter: stable;
        background: $surface;
        & > .item-list--item { color: $foreground; }
        & > .item-list--selected { background: $primary 12%; }
        &:focus > .item-list--selected { background: $primary 28%; }
        & > .item-list--separator { color: $foreground 20%; }
        & > .item-list--indicator { background: $accent; color: $text; text-style: bold; }
    }
    """

    @dataclass
    class Opened(Message):
        """Enter on an item."""

        item_list: ItemList
        item: object

        @property
        def control(self) -> ItemList:
            return self.item_list

    @dataclass
    class Highlighted(Message):
        """The selection moved to `item`."""

        item_list: ItemList
        item: object

        @property
        def control(self) -> ItemList:
            return self.item_list

    @dataclass
    class NeedMore(Message):
        """The reader is near the end: load an older page. Sent once per list length."""

        item_list: ItemList

        @property
        def control(self) -> ItemList:
            return self.item_list

    def __init__(
        self,
        *,
        relative_time: bool = True,
        show_counts: bool = True,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._show_counts = show_counts
        self._items: list[T] = []
        self._selected = -1
        self._heights = _Heights()
        self._width = 0
        self._absolute = not relative_time
        self._now = now_utc()
        self._revealed: set[str] = set()
        self._uid_index: dict[str, int] | None = None
        self._contents: LRUCache[str, Content] = LRUCache(256)
        self._strips: LRUCache[tuple[str, bool], list[Strip]] = LRUCache(512)
        self._new_count = 0
        self._need_more_sent_at = -1
        self._last_input = time.monotonic()

    # ----- what subclasses provide ---------------------------------------------------------
    def item_uid(self, item: T) -> str:
        return item.uid  # type: ignore[attr-defined]

    def render_content(self, item: T, view: View) -> Content:
        raise NotImplementedError

    # ----- public API ----------------------------------------------------------------------
    @property
    def items(self) -> Sequence[T]:
        return self._items

    @property
    def item_count(self) -> int:
        return len(self._items)

    @property
    def selected_index(self) -> int:
        return self._selected

    @property
    def selected(self) -> T | None:
        return self._items[self._selected] if 0 <= self._selected < len(self._items) else None

    @property
    def new_count(self) -> int:
        """How many items arrived on top while the reader was scrolled down."""
        return self._new_count

    def set_items(self, items: Sequence[T], *, keep_selection: bool = False) -> None:
        """Replace everything, keeping the selected item (and where it is on screen) if present.

        A reader at the very top (first item selected, not scrolled) stays at the top, so what
        arrived above shows at once. With `keep_selection` (a refresh) the selection stays on
        its item even there; elsewhere what is new above it is counted on the "N new" line.
        """
        at_top = self.scroll_offset.y == 0 and self._selected <= 0
        anchor = None if at_top else self._anchor()
        kept = self.selected if keep_selection else None
        shown = {self.item_uid(item) for item in self._items} if keep_selection else set()
        self._items = list(items)
        self._uid_index = None
        self._reset_layout()
        self._need_more_sent_at = -1
        self._new_count = 0
        if anchor is not None and (index := self.index_of(anchor[0])) is not None:
            self._selected = index
            self._restore(index, anchor[1])
            if keep_selection:
                above = self._items[:index]
                self._new_count = sum(1 for item in above if self.item_uid(item) not in shown)
                if self._new_count:
                    self._scroll_to_selected()  # below the "N new" line, not under it
        else:
            index = self.index_of(self.item_uid(kept)) if kept is not None else None
            self._selected = index if index is not None else (0 if self._items else -1)
            self._scroll_to_line(0)
            if index:
                self._scroll_to_selected()  # the top stays in view unless that hides it
        self._changed()
        self._post_highlight()

    def prepend(self, items: Sequence[T]) -> None:
        """Newer items on top. The view and the selection do not move (the next key must not
        act on a post not yet read); an "N new posts" line says how many arrived above."""
        if not items:
            return
        at_top = self.scroll_offset.y == 0
        self.insert([(n, item) for n, item in enumerate(items)])
        self._new_count += len(items)
        if at_top:
            self._scroll_to_selected()  # below the "N new" line, not under it
        self.refresh()

    def append(self, items: Sequence[T]) -> None:
        """Older items at the end (the next page)."""
        start = len(self._items)
        self.insert([(start + n, item) for n, item in enumerate(items)])

    def insert(self, positions: Iterable[tuple[int, T]]) -> None:
        """Insert items at their final indices (ascending), as `tui.feed.Change` gives them.

        What the reader is looking at stays on the same screen row.
        """
        positions = list(positions)
        if not positions:
            return
        top = self._top_item()
        row = self._row_of(top) if top is not None else 0
        items = self._items
        above_selected = 0
        for index, item in positions:
            items.insert(index, item)
            if index <= self._selected:
                above_selected += 1
        self._heights.insert(index for index, _ in positions)
        if self._selected < 0 and items:
            self._selected = 0
        else:
            self._selected += above_selected
        self._uid_index = None
        if top is not None:
            for index, _ in positions:  # ascending final indices
                if index <= top:
                    top += 1
            self._restore(top, row)
        self._changed()

    def apply_change(self, change: Change) -> None:
        """Apply what `Merger` reported: inserts above the view count as new posts."""
        if change.inserted:
            if self._items and change.inserted[0][0] == 0 and self._is_prefix(change):
                self.prepend(change.items)
            else:
                self.insert(change.inserted)
        for item in change.updated:
            self.replace_item(item)

    def replace_item(self, item: T) -> None:
        """Swap in a new version of an item with the same uid (counts, my like...)."""
        index = self.index_of(self.item_uid(item))
        if index is None:
            return
        self._items[index] = item
        self._forget(self.item_uid(item))
        self._remeasure(index)

    @overload
    def remove(self) -> AwaitRemove: ...
    @overload
    def remove(self, uid: str) -> None: ...

    def remove(self, uid: str | None = None) -> AwaitRemove | None:
        """Drop the item `uid` from the list; without a uid, remove the widget as Textual does."""
        if uid is None:
            return super().remove()
        index = self.index_of(uid)
        if index is None:
            return None
        top = self._top_item()
        row = self._row_of(top) if top is not None else 0
        del self._items[index]
        self._heights.delete(index)
        self._forget(uid)
        self._uid_index = None
        if self._selected > index or self._selected >= len(self._items):
            self._selected -= 1
        if top is not None and self._items:
            self._restore(min(top - (index < top), len(self._items) - 1), row)
        self._changed()
        self._post_highlight()
        return None

    def index_of(self, uid: str) -> int | None:
        if self._uid_index is None:
            self._uid_index = {self.item_uid(item): n for n, item in enumerate(self._items)}
        return self._uid_index.get(uid)

    def select_uid(self, uid: str) -> bool:
        index = self.index_of(uid)
        if index is None:
            return False
        self._select(index)
        return True

    def select_index(self, index: int) -> None:
        if self._items:
            self._select(max(0, min(index, len(self._items) - 1)))

    def toggle_reveal(self) -> None:
        item = self.selected
        if item is None:
            return
        uid = self.item_uid(item)
        self._revealed.symmetric_difference_update({uid})
        self._forget(uid)
        self._remeasure(self._selected)
        self._scroll_to_selected()

    def toggle_absolute_time(self) -> None:
        self._absolute = not self._absolute
        self._clear_render()

    def is_revealed(self, uid: str) -> bool:
        return uid in self._revealed

    def visible_text(self) -> list[str]:
        """The plain text of the rows on screen (what a reader sees), for tests and tools."""
        return [self.render_line(y).text for y in range(self.scrollable_content_region.height)]

    # ----- actions -------------------------------------------------------------------------
    def action_cursor_down(self) -> None:
        self._select(self._selected + 1)

    def action_cursor_up(self) -> None:
        self._select(self._selected - 1)

    def action_first(self) -> None:
        self._new_count = 0
        self._select(0)

    def action_last(self) -> None:
        self._select(len(self._items) - 1)

    def action_page_down(self) -> None:
        self._page(1)

    def action_page_up(self) -> None:
        self._page(-1)

    def action_open(self) -> None:
        item = self.selected
        if item is not None:
            self.post_message(self.Opened(self, item))

    def action_reveal(self) -> None:
        self.toggle_reveal()

    def action_toggle_time(self) -> None:
        self.toggle_absolute_time()

    # ----- events --------------------------------------------------------------------------
    def on_mount(self) -> None:
        self.set_interval(IDLE_TICK, self._measure_idle)
        self.set_interval(30, self._tick)

    def _on_resize(self) -> None:
        if self._width and self.scrollable_content_region.width == self._width:
            self._scroll_to_selected()  # only the height changed: every measurement holds
            self._changed()
        else:
            self._relayout()

    def notify_style_update(self) -> None:
        self._clear_render()
        super().notify_style_update()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if round(new_value) == 0 and self._new_count:
            self._new_count = 0
            self.refresh()

    # ----- rendering -----------------------------------------------------------------------
    def render_lines(self, crop: Region) -> list[Strip]:
        if self.scrollable_content_region.width != self._width:
            self._relayout()
        self._measure_view()
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self._width or self.scrollable_content_region.width
        if y == 0 and self._new_count:
            return self._indicator(width)
        line = self.scroll_offset.y + y
        heights = self._heights
        if line >= heights.total or not self._items:
            return Strip.blank(width, self.get_visual_style("item-list--item").rich_style)
        index = heights.index_at(line)
        while not heights.measured[index] and self._width:  # at or below the top: nothing moves
            self._measure_items((index,))
            index = heights.index_at(line)
        strips = self._render_strips(index)
        within = line - heights.start(index)
        if within < len(strips):
            return strips[within]
        return Strip.blank(width, self.get_visual_style("item-list--item").rich_style)

    def _indicator(self, width: int) -> Strip:
        noun = self.NOUNS[0] if self._new_count == 1 else self.NOUNS[1]
        text = f" ↑ {self._new_count} new {noun} — g to go up "
        style = self.get_visual_style("item-list--indicator").rich_style
        return Strip([Segment(text, style)]).adjust_cell_length(width, style)

    def _view(self, revealed: bool = False) -> View:
        return View(
            self._width or self.scrollable_content_region.width,
            self._now,
            self._absolute,
            revealed,
            counts=self._show_counts,
        )

    def _content(self, item: T) -> Content:
        uid = self.item_uid(item)
        content = self._contents.get(uid)
        if content is None:
            content = self.render_content(item, self._view(uid in self._revealed))
            self._contents[uid] = content
        return content

    def _measure(self, item: T) -> int:
        """Lines the item takes at the current width, its separator included."""
        return content_height(self._content(item), self._width) + 1

    def _render_strips(self, index: int) -> list[Strip]:
        item = self._items[index]
        selected = index == self._selected
        key = (self.item_uid(item), selected)
        strips = self._strips.get(key)
        if strips is None:
            width = self._width
            component = "item-list--selected" if selected else "item-list--item"
            style = self.get_visual_style("item-list--item", component)
            rich_style = style.rich_style
            strips = [
                strip.extend_cell_length(width, rich_style).crop(0, width)
                for strip in Visual.to_strips(self, self._content(item), width, None, style)
            ]
            rule = self.get_visual_style("item-list--separator").rich_style
            strips.append(Strip([Segment("─" * width, rule)], width))
            self._strips[key] = strips
        return strips

    # ----- layout --------------------------------------------------------------------------
    def _reset_layout(self) -> None:
        self._heights.reset(len(self._items))
        self._contents.clear()
        self._strips.clear()

    def _clear_render(self) -> None:
        """Forget rendered strips (time, theme) but keep heights where they cannot change."""
        self._contents.clear()
        self._strips.clear()
        self.refresh()

    def _relayout(self) -> None:
        width = self.scrollable_content_region.width
        if width <= 0:
            return
        anchor = self._anchor() if self._width else None
        self._width = width
        self._reset_layout()
        if anchor is not None:  # same items: no need for the uid index
            self._restore(self._selected, anchor[1])
            self._scroll_to_selected()  # a shorter view may have lost the row it was on
        self._changed()

    def _measure_items(self, indices: Iterable[int], *, again: bool = False) -> None:
        """Measure the items among `indices` not measured yet (all of them with `again`).

        What is on screen stays on its row: lines gained above the view's top item move the
        scroll offset by as much. An unmeasured item cut by the top row (the reader scrolled up
        into it) grows upwards, so the item below it holds still.
        """
        if not self._width or not self._items:
            return
        heights, items = self._heights, self._items
        y = self.scroll_offset.y
        top = heights.index_at(y)
        if not heights.measured[top] and y > heights.start(top) and top + 1 < len(heights):
            top += 1
        shift = 0
        grown = False
        for index in indices:
            if heights.measured[index] and not again:
                continue
            delta = heights.set(index, self._measure(items[index]))
            grown = grown or bool(delta)
            if index < top:
                shift += delta
        if shift:
            self._scroll_to_line(y + shift)
        elif grown:
            self._update_virtual_size()

    def _measure_to_index(self, index: int) -> None:
        """Measure every item down to `index` (for a scrollbar that will not change)."""
        self._measure_items(range(min(index + 1, len(self._items))))

    def _measure_around(self, index: int) -> None:
        """Measure item `index` and a screen of items on either side: all that shows with it."""
        heights, count = self._heights, len(self._items)
        if not self._width or not 0 <= index < count:
            return
        screen = max(1, self.scrollable_content_region.height)

        def window() -> Iterator[int]:  # each index is measured before the next is asked for
            yield index
            above, lines = index, 0
            while above > 0 and lines < screen:
                above -= 1
                yield above
                lines += heights.heights[above]
            below, lines = index, heights.heights[index]
            while below < count - 1 and lines < screen:
                below += 1
                yield below
                lines += heights.heights[below]

        self._measure_items(window())

    def _measure_view(self) -> None:
        """Measure the items on screen before drawing them, so the scrollbar is right."""
        if not self._width or not self._items:
            return
        heights, count = self._heights, len(self._items)
        y = self.scroll_offset.y
        bottom = y + self.scrollable_content_region.height

        def on_screen() -> Iterator[int]:  # at or below the top item: the view does not move
            index = heights.index_at(y)
            line = heights.start(index)
            while index < count and line < bottom:
                yield index
                line += heights.heights[index]
                index += 1

        self._measure_items(on_screen())

    def _measure_idle(self) -> None:
        heights = self._heights
        if heights.count >= len(heights) or not self._width:
            return
        if time.monotonic() - self._last_input < IDLE_AFTER:
            return
        deadline = time.perf_counter() + IDLE_BUDGET
        while time.perf_counter() < deadline:
            start = heights.measured.find(0)
            if start < 0:
                return
            self._measure_items(range(start, min(start + 7, len(heights))))

    def _remeasure(self, index: int) -> None:
        """An item's look changed: fix its height and keep the view where it was."""
        if 0 <= index < len(self._heights) and self._heights.measured[index]:
            self._measure_items((index,), again=True)
        self.refresh()

    def _update_virtual_size(self) -> None:
        size = Size(self._width, self._heights.total)
        if size != self.virtual_size:
            self.virtual_size = size

    def _changed(self) -> None:
        self._update_virtual_size()
        self._check_need_more()
        self.refresh()

    def _forget(self, uid: str) -> None:
        self._contents.discard(uid)
        self._strips.discard((uid, True))
        self._strips.discard((uid, False))

    # ----- scrolling and selection ---------------------------------------------------------
    def _top_item(self) -> int | None:
        """The item at the top row of the view."""
        if not self._items or not self._width:
            return None
        return self._heights.index_at(self.scroll_offset.y)

    def _row_of(self, index: int) -> int:
        """Screen row of the first line of item `index` (negative when above the view)."""
        return self._heights.start(index) - self.scroll_offset.y

    def _anchor(self) -> tuple[str, int] | None:
        """The selected item and its row on screen, so a rebuild can put it back."""
        item = self.selected
        if item is None or not self._width:
            return None
        return self.item_uid(item), self._row_of(self._selected)

    def _restore(self, index: int, row: int) -> None:
        """Put item `index` on screen row `row`, measuring only what shows around it."""
        self._measure_around(index)
        self._scroll_to_line(self._heights.start(index) - row)

    def _scroll_to_line(self, y: int) -> None:
        self._update_virtual_size()
        self.scroll_to(y=max(0, y), animate=False, immediate=True, force=True)

    def _scroll_to_selected(self) -> None:
        index = self._selected
        if index < 0 or not self._width:
            return
        self._measure_around(index)
        top, height = self._heights.start(index), self._heights.heights[index]
        view_height = self.scrollable_content_region.height
        margin = 1 if self._new_count else 0
        y = self.scroll_offset.y
        if top < y + margin or height > view_height - margin:
            y = top - margin
        elif top + height > y + view_height:
            y = top + height - view_height
        if y != self.scroll_offset.y:
            self._scroll_to_line(y)

    def _select(self, index: int) -> None:
        if not self._items:
            return
        self._last_input = time.monotonic()
        index = max(0, min(index, len(self._items) - 1))
        if index == 0:
            self._new_count = 0
        previous, self._selected = self._selected, index
        self._scroll_to_selected()
        self.refresh()
        self._check_need_more()
        if previous != index:
            self._post_highlight()

    def _page(self, direction: int) -> None:
        if not self._items:
            return
        self._measure_around(self._selected)  # a screen either way: the target is exact
        view_height = self.scrollable_content_region.height
        line = max(0, self._heights.start(self._selected) + direction * view_height)
        index = self._heights.index_at(line)
        if index == self._selected:
            index += direction
        self._select(index)

    def _post_highlight(self) -> None:
        item = self.selected
        if item is not None and self.is_mounted:
            self.post_message(self.Highlighted(self, item))

    def _check_need_more(self) -> None:
        count = len(self._items)
        if not count or self._need_more_sent_at == count or not self.is_mounted:
            return
        near_end = self._selected >= count - NEED_MORE_ITEMS
        if not near_end and self._width:
            bottom = self.scroll_offset.y + self.scrollable_content_region.height
            near_end = bottom >= self._heights.total - 1
        if near_end:
            self._need_more_sent_at = count
            self.post_message(self.NeedMore(self))

    def _is_prefix(self, change: Change) -> bool:
        return all(index == n for n, (index, _) in enumerate(change.inserted))

    def _tick(self) -> None:
        """Relative times age: redraw what is on screen."""
        self._now = now_utc()
        if not self._absolute:
            self._clear_render()
