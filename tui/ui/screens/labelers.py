"""The Labelers screen (:labelers): a Bluesky account's labelers and the user's rule per label.

Each subscribed labeler (app.bsky.labeler.getServices) is listed with the labels it publishes and
what Murmur does with each: hide, warn or show. `h`, `w`, `s` set the highlighted label's rule
(saved in the account's Bluesky preferences, as contentLabelPref with the labeler's DID), `a`
subscribes to another labeler by handle or DID, `d` unsubscribes from the highlighted one. When
something changed, closing the screen refreshes the timeline so that its verdicts follow.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import on
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.networks.base import NetworkError
from tui.networks.bluesky.moderation import DEFAULT_LABELER, HIDE, IGNORE, LabelerInfo
from tui.text import clean_line
from tui.ui import keymap

if TYPE_CHECKING:
    from tui.networks.bluesky.network import BlueskyNetwork
    from tui.ui.app import MurmurApp

RULE_WORDS = {HIDE: "hide", "warn": "warn", IGNORE: "show"}


@dataclass(frozen=True, slots=True)
class Row:
    labeler: str  # the labeler's DID
    label: str = ""  # "" for the labeler's own row


class LabelersScreen(ModalScreen[None]):
    app: MurmurApp

    DEFAULT_CSS = """
    #labeler-rows { height: auto; max-height: 24; }
    #labeler-add { display: none; }
    #labeler-add.adding { display: block; }
    """

    BINDINGS = keymap.LABELERS_SCREEN

    def __init__(self, network: BlueskyNetwork) -> None:
        super().__init__()
        self.network = network
        self.rows: list[Row] = []
        self.labelers: list[LabelerInfo] = []
        self.changed = False

    def compose(self) -> Any:
        with Vertical(classes="dialog wide-dialog"):
            yield Static(Content(f"Labelers — {self.network.account.name}"), classes="dialog-title")
            yield OptionList(id="labeler-rows")
            yield Input(placeholder="labeler to add: handle or DID", id="labeler-add", compact=True)
            yield Static(
                "h hide · w warn · s show · a add a labeler · d unsubscribe · esc back",
                id="labeler-status",
                markup=False,
            )

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self._run(self._load, "Listing labelers")

    def _run(self, work: Callable[[], Awaitable[object]], doing: str) -> None:
        self.app.guard(work, doing=doing, group="labelers", exclusive=True)

    def _say(self, words: str) -> None:
        self.query_one("#labeler-status", Static).update(Content(words))

    async def _load(self) -> None:
        self.labelers = await self.network.labelers()
        self._show()

    def lines(self) -> list[str]:
        """The rows as shown: a labeler's name and DID, then one line per label and its rule."""
        moderation = self.network.moderation
        out: list[str] = []
        self.rows = []
        for info in self.labelers:
            own = " (Bluesky's own)" if info.did == DEFAULT_LABELER else ""
            out.append(f"{info.name}  {info.did}{own}")
            self.rows.append(Row(info.did))
            for label in info.labels:
                if label.startswith("!"):
                    continue  # moderators' system labels: not the user's to choose
                rule = RULE_WORDS.get(moderation.visibility(info.did, label), "warn")
                about = info.descriptions.get(label, "")
                out.append(f"  {label:<22} {rule:<5} {about}".rstrip())
                self.rows.append(Row(info.did, label))
        return out

    def _show(self) -> None:
        options = self.query_one(OptionList)
        keep = options.highlighted
        options.clear_options()
        options.add_options([Option(Content(clean_line(line, 300))) for line in self.lines()])
        if self.rows:
            options.highlighted = min(keep or 0, len(self.rows) - 1)
        if not self.labelers:
            self._say("No labelers. a adds one.")

    def _current(self) -> Row | None:
        index = self.query_one(OptionList).highlighted
        return self.rows[index] if index is not None and index < len(self.rows) else None

    def action_close(self) -> None:
        changed = self.changed
        self.dismiss(None)
        main = self.app.main_screen
        if changed and hasattr(main, "action_refresh"):
            main.action_refresh()  # the posts are judged again under the new rules

    def action_rule(self, visibility: str) -> None:
        row = self._current()
        if row is None or not row.label:
            self._say("Highlight a label first (the lines under a labeler).")
            return

        async def work() -> None:
            await self.network.set_label_visibility(row.labeler, row.label, visibility)
            self.changed = True
            self._show()
            self._say(f"{row.label}: {visibility}. The timeline follows when you close this.")

        self._run(work, f"Setting {row.label} to {visibility}")

    def action_unsubscribe(self) -> None:
        row = self._current()
        if row is None:
            return

        async def work() -> None:
            try:
                await self.network.subscribe_labeler(row.labeler, undo=True)
            except NetworkError as exc:
                self._say(str(exc))
                return
            self.changed = True
            await self._load()
            self._say(f"Unsubscribed from {row.labeler}.")

        self._run(work, "Unsubscribing")

    def action_add(self) -> None:
        field = self.query_one("#labeler-add", Input)
        field.add_class("adding")
        field.focus()

    @on(Input.Submitted, "#labeler-add")
    def _add(self, event: Input.Submitted) -> None:
        who = event.value.strip()
        field = self.query_one("#labeler-add", Input)
        field.value = ""
        field.remove_class("adding")
        self.query_one(OptionList).focus()
        if not who:
            return

        async def work() -> None:
            try:
                await self.network.subscribe_labeler(who)
            except NetworkError as exc:
                self._say(str(exc))
                return
            self.changed = True
            await self._load()
            self._say(f"Subscribed to {who}.")

        self._run(work, f"Subscribing to {who}")
