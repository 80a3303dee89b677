"""TEMPORARY stand-ins for modules being written in parallel (tui.text, the list widgets, the
cache). Installed by conftest only while the real module is missing; delete once all landed."""

from __future__ import annotations

import sys
import types
import uuid
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widget import Widget


def _text_module() -> types.ModuleType:
    mod = types.ModuleType("tui.text")

    def link_host(url: str) -> str:
        return urlsplit(url).hostname or ""

    def safe_url(url: str) -> str | None:
        return url if urlsplit(url).scheme in ("http", "https") else None

    mod.link_host = link_host  # type: ignore[attr-defined]
    mod.safe_url = safe_url  # type: ignore[attr-defined]
    return mod


class _List(Widget, can_focus=True):
    BINDINGS = [
        Binding("j,down", "move(1)", id="list.down", tooltip="down"),
        Binding("k,up", "move(-1)", id="list.up", tooltip="up"),
        Binding("g", "top", id="list.top", tooltip="top"),
        Binding("G", "bottom", id="list.bottom", tooltip="bottom"),
        Binding("enter", "open", id="list.open", tooltip="open"),
        Binding("v", "reveal", id="list.reveal", tooltip="reveal"),
        Binding("t", "time", id="list.time", tooltip="time"),
    ]

    class Opened(Message):
        def __init__(self, item: object) -> None:
            super().__init__()
            self.item = item
            self.group = item

    class Highlighted(Opened):
        pass

    class NeedMore(Message):
        pass

    def __init__(self, *, rules=(), context="home", relative_time=True, id=None, classes=None):
        super().__init__(id=id, classes=classes)
        self.items: list = []
        self.selected_index = 0

    @property
    def selected(self):
        return self.items[self.selected_index] if self.items else None

    def render(self) -> Content:
        lines = []
        for n, item in enumerate(self.items[:40]):
            text = getattr(getattr(item, "content", None), "text", "") or getattr(item, "kind", "")
            lines.append(("> " if n == self.selected_index else "  ") + text.replace("\n", " "))
        return Content("\n".join(lines))

    def set_items(self, items) -> None:
        self.items = list(items)
        self.selected_index = min(self.selected_index, max(0, len(self.items) - 1))
        self.refresh()

    def prepend(self, items) -> None:
        self.items[:0] = list(items)
        self.refresh()

    def append(self, items) -> None:
        self.items.extend(items)
        self.refresh()

    def replace_item(self, item) -> None:
        self.items = [item if i.uid == item.uid else i for i in self.items]
        self.refresh()

    def remove(self, uid) -> None:
        self.items = [i for i in self.items if i.uid != uid]
        self.refresh()

    def set_rules(self, rules) -> None:
        pass

    def select_uid(self, uid) -> None:
        for n, i in enumerate(self.items):
            if i.uid == uid:
                self.selected_index = n

    def mark_all_read(self) -> None:
        self.items = [i.read() if hasattr(i, "read") else i for i in self.items]

    def action_move(self, step: int) -> None:
        self.selected_index = max(0, min(len(self.items) - 1, self.selected_index + step))
        if self.selected_index == len(self.items) - 1:
            self.post_message(self.NeedMore())
        self.refresh()

    def action_top(self) -> None:
        self.selected_index = 0

    def action_bottom(self) -> None:
        self.selected_index = max(0, len(self.items) - 1)
        self.post_message(self.NeedMore())

    def action_open(self) -> None:
        if self.selected is not None:
            self.post_message(self.Opened(self.selected))

    def toggle_reveal(self) -> None:
        pass

    action_reveal = toggle_reveal
    action_time = toggle_reveal


@dataclass
class OutboxEntry:
    id: str
    account: str
    draft: object
    state: str = "queued"
    error: str = ""
    post_uid: str = ""


class MemoryCache:
    def __init__(self, path=None) -> None:
        self.posts: dict[str, list] = {}
        self.entries: list[OutboxEntry] = []
        self.draft = None

    def load_posts(self, key, limit=200):
        return self.posts.get(key, [])[:limit]

    def save_posts(self, key, items):
        self.posts[key] = list(items)

    def save_notifications(self, items):
        pass

    def enqueue(self, draft):
        made = [OutboxEntry(uuid.uuid4().hex, t, draft) for t in draft.targets]
        self.entries.extend(made)
        return made

    def _set(self, entry_id, **kw):
        self.entries = [replace(e, **kw) if e.id == entry_id else e for e in self.entries]

    def mark_sending(self, entry_id):
        self._set(entry_id, state="sending")

    def mark_sent(self, entry_id, uid):
        self._set(entry_id, state="sent", post_uid=uid)

    def mark_failed(self, entry_id, error):
        self._set(entry_id, state="failed", error=error)

    def outbox(self):
        return list(self.entries)

    def save_draft(self, draft):
        self.draft = draft

    def load_draft(self):
        return self.draft

    def delete_draft(self):
        self.draft = None

    def close(self):
        pass


def install() -> None:
    try:
        import tui.text  # noqa: F401
    except ImportError:
        sys.modules["tui.text"] = _text_module()
    try:
        import tui.ui.widgets.timeline  # noqa: F401
    except ImportError:
        mod = types.ModuleType("tui.ui.widgets.timeline")
        mod.PostList = type("PostList", (_List,), {})  # type: ignore[attr-defined]
        sys.modules["tui.ui.widgets.timeline"] = mod
    try:
        import tui.ui.widgets.notifications  # noqa: F401
    except ImportError:
        mod = types.ModuleType("tui.ui.widgets.notifications")
        mod.NotificationList = type("NotificationList", (_List,), {})  # type: ignore[attr-defined]
        sys.modules["tui.ui.widgets.notifications"] = mod
    try:
        import tui.store.cache  # noqa: F401
    except ImportError:
        mod = types.ModuleType("tui.store.cache")
        mod.Cache = MemoryCache  # type: ignore[attr-defined]
        mod.OutboxEntry = OutboxEntry  # type: ignore[attr-defined]
        sys.modules["tui.store.cache"] = mod
