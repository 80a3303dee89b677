"""A tiny app that mounts one list widget and records the messages it sends."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.message import Message
from textual.widget import Widget


class ListApp(App[None]):
    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget
        self.messages: list[Message] = []

    def compose(self) -> ComposeResult:
        yield self.widget

    def on_mount(self) -> None:
        self.widget.focus()

    def on_item_list_opened(self, message: Message) -> None:
        self.messages.append(message)

    def on_post_list_opened(self, message: Message) -> None:
        self.messages.append(message)

    def on_post_list_highlighted(self, message: Message) -> None:
        self.messages.append(message)

    def on_post_list_need_more(self, message: Message) -> None:
        self.messages.append(message)

    def on_notification_list_opened(self, message: Message) -> None:
        self.messages.append(message)

    def on_notification_list_need_more(self, message: Message) -> None:
        self.messages.append(message)

    def of(self, kind: type[Message]) -> list[Message]:
        return [m for m in self.messages if isinstance(m, kind)]
