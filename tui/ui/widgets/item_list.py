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
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar, overload

from rich.segment import Segment
from textual import events
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
from tui.ui import find, keymap
from tui.ui.render import View, content_height, now_utc

if TYPE_CHECKING:
    from tui.ui.widgets.findbar import FindBar

T = TypeVar("T")

NEED_MORE_ITEMS = 10  # post NeedMore when the cursor is this close to the end
IDLE_AFTER = 0.5  # seconds without input before measuring heights in the background
IDLE_TICK = 0.05  # seconds between idle measuring slices
IDLE_BUDGET = 0.015  # seconds of measuring per slice: a key arriving meanwhile waits at most this
ESTIMATED_HEIGHT = 5  # lines per unmeasured item until some are measured
SCAN_AHEAD = 64  # under a limit, matches found beyond the selection before the rest in idle time


def _chain(*ranges: range) -> Iterator[int]:
    for part in ranges:
        yield from part


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
        *keymap.MOTIONS,
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
        "item-list--match",
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
        & > .item-list--match { background: $warning 60%; color: $text; text-style: bold; }
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
        self._all: list[T] = []  # every loaded item
        self._shown: list[T] = self._all  # what the list shows: all, or the limit's matches
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
        # counts and two-key motions (gg, zz): each key pressed here gets a serial number, and
        # a count or a prefix holds only for the key right after it
        self._keys = 0
        self._key = ""
        self._count = ""
        self._count_at = -1
        self._prefix: tuple[str, int, int] | None = None  # (key, count, serial)
        # find and limit (tui.ui.find)
        self._matcher = find.Matcher(self.is_unread)
        self._find = find.Query()
        self._find_origin: str | None = None
        self._limit = find.Query()
        # Under a limit the matches shown are those of `_all[_scan_top:_scan_at]`: looked at
        # from where the reader was, down to `_scan_at` and up to `_scan_top`; the rest in idle
        # time (or at once when a key needs them all).
        self._scan_at = 0
        self._scan_top = 0
        self._all_positions: dict[str, int] | None = None  # uid → index in `_all`, under a limit
        self._bar: FindBar | None = None

    @property
    def _items(self) -> list[T]:
        """Every loaded item (what a subclass keeps), whatever a limit shows."""
        return self._all

    @_items.setter
    def _items(self, items: list[T]) -> None:
        self._all = items
        self._all_positions = None
        if self._limit:
            self._refilter()
        else:
            self._shown = items

    # ----- what subclasses provide ---------------------------------------------------------
    def item_uid(self, item: T) -> str:
        return item.uid  # type: ignore[attr-defined]

    def render_content(self, item: T, view: View) -> Content:
        raise NotImplementedError

    def is_unread(self, item: object) -> bool:
        """Read state for `is:unread` (find and limit); items without it are read."""
        return bool(getattr(item, "unread", False))

    # ----- public API ----------------------------------------------------------------------
    @property
    def items(self) -> Sequence[T]:
        """Every loaded item, a limit or not."""
        return self._all

    @property
    def item_count(self) -> int:
        return len(self._all)

    @property
    def shown_items(self) -> Sequence[T]:
        """What the list shows: every item, or under a limit the matches found so far."""
        return self._shown

    @property
    def selected_index(self) -> int:
        return self._selected

    @property
    def selected(self) -> T | None:
        return self._shown[self._selected] if 0 <= self._selected < len(self._shown) else None

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
        shown = {self.item_uid(item) for item in self._all} if keep_selection else set()
        self._all = list(items)
        self._all_positions = None
        self._shown = self._all
        self._uid_index = None
        self._reset_layout()
        if self._limit:
            wanted = anchor[0] if anchor is not None else None
            self._restart_scan(wanted or (self.item_uid(kept) if kept is not None else None))
        self._need_more_sent_at = -1
        self._new_count = 0
        if anchor is not None and (index := self.index_of(anchor[0])) is not None:
            self._selected = index
            self._restore(index, anchor[1])
            if keep_selection:
                above = self._shown[:index]
                self._new_count = sum(1 for item in above if self.item_uid(item) not in shown)
                if self._new_count:
                    self._scroll_to_selected()  # below the "N new" line, not under it
        else:
            index = self.index_of(self.item_uid(kept)) if kept is not None else None
            self._selected = index if index is not None else (0 if self._shown else -1)
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
        before = len(self._shown)
        self.insert([(n, item) for n, item in enumerate(items)])
        self._new_count += len(self._shown) - before  # under a limit, only the matches
        if at_top:
            self._scroll_to_selected()  # below the "N new" line, not under it
        self.refresh()

    def append(self, items: Sequence[T]) -> None:
        """Older items at the end (the next page)."""
        start = len(self._all)
        self.insert([(start + n, item) for n, item in enumerate(items)])

    def insert(self, positions: Iterable[tuple[int, T]]) -> None:
        """Insert items at their final indices (ascending), as `tui.feed.Change` gives them.

        What the reader is looking at stays on the same screen row.
        """
        positions = list(positions)
        if not positions:
            return
        if self._limit:
            self._insert_limited(positions)
        else:
            self._insert_shown(positions)

    def _insert_limited(self, positions: list[tuple[int, T]]) -> None:
        """Insert into every item; show the matches. Newer items on top and older ones at the
        end go straight in; anything else looks through the loaded items again."""
        count = len(self._all)
        prefix = all(index == n for n, (index, _) in enumerate(positions))
        appended = all(index == count + n for n, (index, _) in enumerate(positions))
        for index, item in positions:
            self._all.insert(index, item)
        self._all_positions = None
        if prefix and self._scan_top > 0:  # above what was looked at: looked at with the rest
            self._scan_top += len(positions)
            self._scan_at += len(positions)
        elif prefix:
            self._scan_at += len(positions)
            matches = [item for _, item in positions if self._matches_limit(item)]
            self._insert_shown(list(enumerate(matches)))
        elif appended:
            if self._scan_at >= count:  # the look-through had finished: it goes on
                self._scan_more(len(self._all))
        else:
            self._refilter()
        self._limit_changed()

    def _insert_shown(self, positions: list[tuple[int, T]]) -> None:
        top = self._top_item()
        row = self._row_of(top) if top is not None else 0
        items = self._shown
        selected = self._selected
        for index, item in positions:  # ascending final indices
            items.insert(index, item)
            if index <= selected:
                selected += 1
        self._heights.insert(index for index, _ in positions)
        self._selected = 0 if self._selected < 0 and items else selected
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
            if self._all and change.inserted[0][0] == 0 and self._is_prefix(change):
                self.prepend(change.items)
            else:
                self.insert(change.inserted)
        for item in change.updated:
            self.replace_item(item)

    def replace_item(self, item: T) -> None:
        """Swap in a new version of an item with the same uid (counts, my like...)."""
        uid = self.item_uid(item)
        if self._shown is not self._all:
            where = self._all_index(uid)
            if where is not None:
                self._all[where] = item
        index = self.index_of(uid)
        if index is None:
            return
        self._shown[index] = item
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
        if self._shown is not self._all:
            where = self._all_index(uid)
            if where is not None:
                del self._all[where]
                self._all_positions = None
                if where < self._scan_at:
                    self._scan_at -= 1
                if where < self._scan_top:
                    self._scan_top -= 1
        index = self.index_of(uid)
        if index is None:
            self._limit_changed()
            return None
        top = self._top_item()
        row = self._row_of(top) if top is not None else 0
        del self._shown[index]
        self._heights.delete(index)
        self._forget(uid)
        self._uid_index = None
        if self._selected > index or self._selected >= len(self._shown):
            self._selected -= 1
        if top is not None and self._shown:
            self._restore(min(top - (index < top), len(self._shown) - 1), row)
        self._changed()
        self._post_highlight()
        self._limit_changed()
        return None

    def index_of(self, uid: str) -> int | None:
        if self._uid_index is None:
            self._uid_index = {self.item_uid(item): n for n, item in enumerate(self._shown)}
        return self._uid_index.get(uid)

    def select_uid(self, uid: str) -> bool:
        index = self.index_of(uid)
        if index is None:
            return False
        self._select(index)
        return True

    def select_index(self, index: int) -> None:
        if self._shown:
            self._select(max(0, min(index, len(self._shown) - 1)))

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

    # ----- actions: motions ---------------------------------------------------------------
    def on_key(self, event: events.Key) -> None:
        """Every key reaches the list before its binding runs: number it, so a count or a
        prefix (`5`, `g`, `z`) holds only for the key right after it."""
        self._keys += 1
        self._key = event.key
        if self._bar is not None and self._bar.opening:
            # typed after / or l while the bar is still being mounted: it goes to the bar
            event.stop()
            event.prevent_default()
            self._bar.typed_early(event.key, event.character)

    def _take_count(self, default: int = 1) -> int:
        count = int(self._count) if self._count and self._count_at == self._keys - 1 else 0
        self._count = ""
        return count or default

    def _take_prefix(self, key: str) -> int | None:
        """The count given before `key` was pressed the first time, if it was the last key."""
        prefix, self._prefix = self._prefix, None
        if prefix is not None and prefix[0] == key and prefix[2] == self._keys - 1:
            return prefix[1]
        return None

    def action_count(self) -> None:
        digit = self._key
        if len(digit) != 1 or not digit.isdigit():
            return
        pending = self._count if self._count_at == self._keys - 1 else ""
        if not pending and digit == "0":
            return  # a count does not start with 0
        self._count = (pending + digit)[:6]
        self._count_at = self._keys

    def action_cursor_down(self) -> None:
        self._select(self._selected + self._take_count())

    def action_cursor_up(self) -> None:
        self._select(self._selected - self._take_count())

    def action_go_prefix(self) -> None:
        count = self._take_prefix("g")
        if count is None:
            self._prefix = ("g", self._take_count(0), self._keys)
        elif count:
            self._go_to(count)
        else:
            self.action_first()

    def action_z_prefix(self) -> None:
        if self._take_prefix("z") is None:
            self._prefix = ("z", self._take_count(0), self._keys)
        else:
            self.centre_selected()

    def action_first(self) -> None:
        self._new_count = 0
        self._scan_above()
        self._select(0)

    def action_last(self) -> None:
        count = self._take_count(0)
        if count:
            self._go_to(count)
            return
        self._scan_more(len(self._all))
        self._select(len(self._shown) - 1)

    def _go_to(self, number: int) -> None:
        """Select the `number`th item (from 1), the last when there are fewer."""
        self._scan_above()
        self._select(number - 1)

    def action_page_down(self) -> None:
        for _ in range(self._take_count()):
            self._page_forward()

    def action_page_up(self) -> None:
        for _ in range(self._take_count()):
            self._page_back()

    def action_half_down(self) -> None:
        for _ in range(self._take_count()):
            self._half(1)

    def action_half_up(self) -> None:
        for _ in range(self._take_count()):
            self._half(-1)

    def action_screen_top(self) -> None:
        first, last = self._whole_on_screen()
        if first >= 0:
            self._select(min(first + self._take_count() - 1, last))

    def action_screen_bottom(self) -> None:
        first, last = self._whole_on_screen()
        if first >= 0:
            self._select(max(last - self._take_count() + 1, first))

    def action_screen_middle(self) -> None:
        if not self._shown or not self._width:
            return
        y = self.scroll_offset.y + self._margin()
        bottom = min(self.scroll_offset.y + self.scrollable_content_region.height, self._total())
        self._select(self._heights.index_at(y + max(0, bottom - y - 1) // 2))

    # ----- motions by whole posts ----------------------------------------------------------
    def _margin(self) -> int:
        """Rows at the top the "N new" line covers."""
        return 1 if self._new_count else 0

    def _total(self) -> int:
        return self._heights.total

    def _first_whole(self) -> int:
        """The first item that starts on screen (the top one unless the view cuts it)."""
        heights = self._heights
        y = self.scroll_offset.y + self._margin()
        index = heights.index_at(y)
        if heights.start(index) < y and index + 1 < len(heights):
            index += 1
        return index

    def _whole_on_screen(self) -> tuple[int, int]:
        """First and last item wholly on screen (the first alone when it is taller)."""
        if not self._shown or not self._width:
            return -1, -1
        self._measure_view()
        heights = self._heights
        first = self._first_whole()
        bottom = self.scroll_offset.y + self.scrollable_content_region.height
        last = first
        while last + 1 < len(heights) and heights.start(last + 2) <= bottom:
            last += 1
        return first, last

    def _show_from(self, index: int) -> None:
        """Scroll so item `index` starts the view (below the "N new" line)."""
        self._measure_around(index)
        self._scroll_to_line(self._heights.start(index) - self._margin())

    def _page_forward(self) -> None:
        if not self._shown or not self._width:
            return
        self._measure_view()
        heights = self._heights
        bottom = self.scroll_offset.y + self.scrollable_content_region.height
        cut = heights.index_at(bottom - 1)  # the item on the last row
        target = cut if heights.start(cut + 1) > bottom else cut + 1
        target = max(target, self._first_whole() + 1)
        self._ensure_shown(target + 1)
        if target >= len(self._shown):
            self._select(len(self._shown) - 1)
            return
        self._show_from(target)
        self._select(target)

    def _page_back(self) -> None:
        if not self._shown or not self._width:
            return
        self._fill_above()
        heights = self._heights
        view = self.scrollable_content_region.height - self._margin()
        y = self.scroll_offset.y + self._margin()
        top = heights.index_at(y)
        last = top if heights.start(top) < y else top - 1  # ends the new screen
        if last < 0:
            self._select(0)
            return
        self._measure_around(last)
        first, lines = last, heights.heights[last]
        while first > 0 and lines + heights.heights[first - 1] <= view:
            first -= 1
            lines += heights.heights[first]
        self._show_from(first)
        self._select(last)

    def _half(self, direction: int) -> None:
        """Half a screen of whole posts: the view and the selection move by as many items."""
        if not self._shown or not self._width:
            return
        if direction < 0:
            self._fill_above()
        heights = self._heights
        half = max(1, (self.scrollable_content_region.height - self._margin()) // 2)
        first = self._first_whole()
        self._measure_around(first)
        moved, lines, at = 0, 0, first
        while True:
            nxt = at if direction > 0 else at - 1
            if nxt < 0 or nxt >= len(heights) - 1:
                break
            if moved and lines + heights.heights[nxt] > half:
                break
            lines += heights.heights[nxt]
            at += direction
            moved += 1
            self._ensure_shown(at + 1)
        moved = max(moved, 1)
        self._show_from(max(0, min(first + direction * moved, len(self._shown) - 1)))
        self._select(self._selected + direction * moved)

    def centre_selected(self) -> None:
        """Scroll so the selected item sits mid-screen, the view starting on a whole item."""
        index = self._selected
        if index < 0 or not self._width:
            return
        self._measure_around(index)
        heights = self._heights
        room = (self.scrollable_content_region.height - self._margin()) - heights.heights[index]
        first, lines = index, 0
        while first > 0 and lines + heights.heights[first - 1] <= room // 2:
            first -= 1
            lines += heights.heights[first]
        self._show_from(first)
        self.refresh()

    # ----- find and limit -------------------------------------------------------------------
    @property
    def find_query(self) -> find.Query:
        return self._find

    @property
    def limit_query(self) -> find.Query:
        return self._limit

    @property
    def limit_counted(self) -> bool:
        """Whether the limit has looked at every loaded item (the count is final)."""
        return not self._limit or (self._scan_top <= 0 and self._scan_at >= len(self._all))

    def limit_status(self) -> str:
        if not self._limit:
            return ""
        shown, total = len(self._shown), len(self._all)
        if self.limit_counted:
            return f"limit: {self._limit.pattern} ({shown} of {total})"
        return f"limit: {self._limit.pattern} ({shown}… of {total}, counting)"

    def action_find(self) -> None:
        self._open_bar("find")

    def action_limit(self) -> None:
        self._open_bar("limit")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_limit":  # escape stays "back" on screens when nothing is limited
            return bool(self._limit)
        return True

    def action_clear_limit(self) -> None:
        self.set_limit("")

    def action_find_next(self) -> None:
        for _ in range(self._take_count()):
            if not self.find_next(1):
                break

    def action_find_previous(self) -> None:
        for _ in range(self._take_count()):
            if not self.find_next(-1):
                break

    def _open_bar(self, mode: str) -> None:
        from tui.ui.widgets.findbar import FindBar

        text = self._limit.pattern if mode == "limit" else ""
        if self._bar is None or not self._bar.is_attached:
            self._bar = FindBar(self, mode, text)
            self.parent.mount(self._bar, after=self)  # type: ignore[union-attr]
        else:
            self._bar.edit(mode, text)

    def find_start(self) -> None:
        """An incremental find begins: remember where, so cancelling goes back there."""
        item = self.selected
        self._find_origin = self.item_uid(item) if item is not None else None

    def find_preview(self, pattern: str) -> bool:
        """As the pattern is typed: highlight it and select the first match from where the find
        started (that item included). False when nothing loaded matches."""
        self._last_input = time.monotonic()
        self._set_find(find.parse(pattern))
        origin = self.index_of(self._find_origin) if self._find_origin else None
        start = origin if origin is not None else max(0, self._selected)
        if not self._find:
            self._select(start)
            return True
        found = self._search(start, 1)
        if found is None:
            self._select(start)
            return False
        self._select(found)
        return True

    def find_commit(self, pattern: str) -> bool:
        self._find_origin = None
        self._set_find(find.parse(pattern))
        return not self._find or self._search(max(0, self._selected), 1) is not None

    def find_cancel(self) -> None:
        origin = self.index_of(self._find_origin) if self._find_origin else None
        self._find_origin = None
        self._set_find(find.Query())
        if origin is not None:
            self._select(origin)

    def find_next(self, direction: int) -> bool:
        """Select the next (1) or previous (-1) match, wrapping around; False if none."""
        if not self._find:
            self.notify("No find yet: / to find.", severity="warning")
            return False
        found = self._search(self._selected + direction, direction)
        if found is None:
            self.notify(f"Not found: {self._find.pattern}", severity="warning", markup=False)
            return False
        self._select(found)
        return True

    def _search(self, start: int, direction: int) -> int | None:
        """The first shown item at or after `start` going `direction` that matches, wrapping."""
        start += self.scan_all()  # under a limit, look through all its matches
        items, count, query = self._shown, len(self._shown), self._find
        if not count:
            return None
        matches = self._matcher.matches
        start %= count
        order = range(start, count) if direction > 0 else range(start, -1, -1)
        wrapped = range(0, start) if direction > 0 else range(count - 1, start, -1)
        for index in (*order, *wrapped) if count <= 64 else _chain(order, wrapped):
            if matches(items[index], query):
                return index
        return None

    def _set_find(self, query: find.Query) -> None:
        if query != self._find:
            self._find = query
            self._clear_render()  # heights hold: highlighting changes no line

    def set_limit(self, pattern: str) -> None:
        """Show only the items matching `pattern` ("" shows everything again), keeping the
        selection where it still shows (else the next match below it)."""
        query = find.parse(pattern)
        self._last_input = time.monotonic()  # the new list paints first; idle work waits
        if query == self._limit:
            return
        anchor = self._anchor()
        self._limit = query
        if not query:
            self._shown = self._all
            self._uid_index = None
            self._reset_layout()
            index = self.index_of(anchor[0]) if anchor is not None else None
            self._selected = index if index is not None else (0 if self._shown else -1)
            if index is not None and anchor is not None:
                self._restore(index, anchor[1])
            else:
                self._scroll_to_line(0)
            self._changed()
            self._post_highlight()
        else:
            self._refilter(anchor)
        self._limit_changed()

    def _matches_limit(self, item: T) -> bool:
        return self._matcher.matches(item, self._limit)

    def _all_index(self, uid: str) -> int | None:
        if self._shown is self._all:  # no limit: the uid index is that of every item
            return self.index_of(uid)
        if self._all_positions is None:  # kept while the loaded items stay as they are
            self._all_positions = {self.item_uid(item): n for n, item in enumerate(self._all)}
        return self._all_positions.get(uid)

    def _refilter(self, anchor: tuple[str, int] | None = None) -> None:
        """Look through every loaded item again for the limit, keeping the selection."""
        if anchor is None:
            anchor = self._anchor()
        index = self._restart_scan(anchor[0] if anchor is not None else None)
        self._selected = index if index is not None else (0 if self._shown else -1)
        if index is not None and anchor is not None:
            self._restore(index, max(0, anchor[1]))
        else:
            self._scroll_to_line(0)
        self._changed()
        self._post_highlight()

    def _restart_scan(self, uid: str | None) -> int | None:
        """Empty the shown list and look again from `uid`: a screen of matches above it, then
        below it a few screens; the rest in idle time. The cost is that of a screen, wherever
        `uid` is among the loaded items.

        Returns where `uid` shows, or the first match below it when it does not match.
        """
        where = self._all_index(uid) if uid is not None else None
        self._shown = []
        self._scan_at = self._scan_top = 0
        self._uid_index = None
        self._contents.clear()
        self._strips.clear()
        found = None
        if where is not None:
            items, matches, query = self._all, self._matcher.matches, self._limit
            above: list[T] = []
            at, want = where, max(self.size.height, 1)  # each match takes a row at least
            while at > 0 and len(above) < want:
                at -= 1
                if matches(items[at], query):
                    above.append(items[at])
            above.reverse()
            self._shown = above
            self._heights.reset(len(above))
            self._scan_top, self._scan_at = at, where
            self._scan_more(where + 1)
            found = len(self._shown)
            if found and self.item_uid(self._shown[-1]) == uid:
                found -= 1
        else:
            self._heights.reset(0)
        self._ensure_shown((found or 0) + SCAN_AHEAD)
        if found is not None and self._shown:
            return min(found, len(self._shown) - 1)
        return None

    def scan_all(self) -> int:
        """Under a limit, look at every loaded item now (a key needs all the matches). Returns
        how many matches were added above what showed (indices move by that much)."""
        added = self._scan_above()
        self._scan_more(len(self._all))
        return added

    def _scan_above(self, *, want: int = 0, until: float = 0.0) -> int:
        """Look at items above those looked at, nearest first, adding their matches on top
        (what is on screen stays where it is); stop early once `want` were added or at `until`.
        Returns how many were added."""
        if self._shown is self._all or self._scan_top <= 0:
            return 0
        items, matches, query = self._all, self._matcher.matches, self._limit
        found: list[T] = []
        at = self._scan_top
        while at > 0:
            at -= 1
            if matches(items[at], query):
                found.append(items[at])
                if want and len(found) >= want:
                    break
            if until and not at & 63 and time.perf_counter() > until:
                break
        self._scan_top = at
        if found:
            found.reverse()
            self._insert_shown(list(enumerate(found)))
        if self.limit_counted:
            self._limit_changed()
        return len(found)

    def _ensure_shown(self, count: int) -> None:
        """Under a limit, find matches until `count` show (or every item was looked at)."""
        if self._shown is not self._all and len(self._shown) < count:
            self._scan_more(len(self._all), want=count)

    def _scan_more(self, stop: int, *, want: int = 0, until: float = 0.0) -> None:
        """Look at items of `_all` up to `stop`, adding matches to what shows; stop early once
        `want` show or at `until` (a perf_counter deadline)."""
        if self._shown is self._all or self._scan_at >= min(stop, len(self._all)):
            return
        items, shown, matches, query = self._all, self._shown, self._matcher.matches, self._limit
        first = len(shown)
        at, stop = self._scan_at, min(stop, len(items))
        while at < stop:
            item = items[at]
            at += 1
            if matches(item, query):
                shown.append(item)
                if want and len(shown) >= want:
                    break
            if until and not at & 63 and time.perf_counter() > until:
                break
        self._scan_at = at
        if len(shown) > first:
            if self._uid_index is not None:
                for n in range(first, len(shown)):
                    self._uid_index[self.item_uid(shown[n])] = n
            self._heights.insert(range(first, len(shown)))
            if self._selected < 0:
                self._selected = 0
            self._update_virtual_size()
        if self.limit_counted:
            self._limit_changed()

    def _limit_changed(self) -> None:
        if self._bar is not None and self._bar.is_attached:
            self._bar.show_status(self.limit_status())

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
        if self._scan_top > 0 and new_value < old_value:  # scrolled up (the mouse, a bar)
            self.call_later(self._fill_above)

    def _fill_above(self) -> None:
        """Under a limit, near the top of what was looked at: look above for more matches
        before moving up into them (the view stays where it is)."""
        if self._limit and self._scan_top > 0:
            if self.scroll_offset.y < 2 * self.scrollable_content_region.height:
                self._scan_above(want=SCAN_AHEAD)

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
        if line >= heights.total or not self._shown:
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
        text = f" ↑ {self._new_count} new {noun} — gg to go up "
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
            if self._find:
                style = self.get_visual_style("item-list--match")
                for start, end in find.spans(content.plain, self._find):
                    content = content.stylize(style, start, end)
            self._contents[uid] = content
        return content

    def _measure(self, item: T) -> int:
        """Lines the item takes at the current width, its separator included."""
        return content_height(self._content(item), self._width) + 1

    def _render_strips(self, index: int) -> list[Strip]:
        item = self._shown[index]
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
        self._heights.reset(len(self._shown))
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
        if not self._width or not self._shown:
            return
        heights, items = self._heights, self._shown
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
        self._measure_items(range(min(index + 1, len(self._shown))))

    def _measure_around(self, index: int) -> None:
        """Measure item `index` and a screen of items on either side: all that shows with it."""
        heights, count = self._heights, len(self._shown)
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
        if not self._width or not self._shown:
            return
        y = self.scroll_offset.y
        bottom = y + self.scrollable_content_region.height
        if not self.limit_counted and bottom >= self._heights.total:
            self._ensure_shown(len(self._shown) + SCAN_AHEAD)
        heights, count = self._heights, len(self._shown)

        def on_screen() -> Iterator[int]:  # at or below the top item: the view does not move
            index = heights.index_at(y)
            line = heights.start(index)
            while index < count and line < bottom:
                yield index
                line += heights.heights[index]
                index += 1

        self._measure_items(on_screen())

    def _measure_idle(self) -> None:
        if not self.limit_counted:
            if time.monotonic() - self._last_input >= IDLE_AFTER:
                until = time.perf_counter() + IDLE_BUDGET
                if self._scan_top > 0:
                    self._scan_above(until=until)
                else:
                    self._scan_more(len(self._all), until=until)
            return
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
        if not self._shown or not self._width:
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
            # the view starts on a whole post: the one cut at the top goes off screen
            first = self._heights.index_at(y + margin)
            if self._heights.start(first) < y + margin and first < index:
                y = self._heights.start(first + 1) - margin
        if y != self.scroll_offset.y:
            self._scroll_to_line(y)

    def _select(self, index: int) -> None:
        if not self._shown:
            return
        self._last_input = time.monotonic()
        if index < SCAN_AHEAD and self._scan_top > 0 and self._limit:
            index += self._scan_above(want=SCAN_AHEAD)  # moving up past what was looked at
        self._ensure_shown(index + SCAN_AHEAD)
        index = max(0, min(index, len(self._shown) - 1))
        if index == 0:
            self._new_count = 0
        previous, self._selected = self._selected, index
        self._scroll_to_selected()
        self.refresh()
        self._check_need_more()
        if previous != index:
            self._post_highlight()

    def _page(self, direction: int) -> None:
        if not self._shown:
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
        count = len(self._shown)
        if not count or self._need_more_sent_at == count or not self.is_mounted:
            return
        if not self.limit_counted:  # matches may still be among what is loaded
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
