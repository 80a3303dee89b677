"""The timeline widget: posts newest first on the generic virtual list (`item_list.ItemList`),
filtered by the user's rules."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content

from tui.feed import Verdict, verdict
from tui.model import FilterRule, Item
from tui.ui.render import View, render_item
from tui.ui.widgets.item_list import ItemList

__all__ = ["ItemList", "PostList"]


class PostList(ItemList[Item]):
    """The timeline: posts newest first, filtered by the user's rules (hidden posts say why)."""

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
        self._verdicts: dict[str, Verdict | None] = {}

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
        uid = item.uid
        if uid not in self._verdicts:
            self._verdicts[uid] = verdict(item, self._rules, self._filter_context)
        return self._verdicts[uid]

    def render_content(self, item: Item, view: View) -> Content:
        return render_item(item, view, self.verdict_for(item))

    def replace_item(self, item: Item) -> None:
        self._verdicts.pop(item.uid, None)
        super().replace_item(item)

    def _relayout_keep_selection(self) -> None:
        anchor = self._anchor()
        self._reset_layout()
        if anchor is not None and (index := self.index_of(anchor[0])) is not None:
            self._restore(index, anchor[1])
        self._changed()
