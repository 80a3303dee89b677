"""Mutes and blocks: every account's muted and blocked people, the threads muted where the
network can tell, and the user's own filter rules, each with an undo key that asks first.

Also the "mute this thread" action on a post (mixed into `PostActions`) and the "for how long?"
question the profile's mute asks where the network can end a mute by itself.
Nothing from a server is markup: labels reach the widgets as plain `Content`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual import on
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.model import FilterRule, Post
from tui.networks.base import Capability, Muted
from tui.ui import keymap
from tui.ui.screens.rows import OptionRows

if TYPE_CHECKING:
    from tui.ui.app import MurmurApp

_UNITS = {"": 1, "s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"^\s*(\d{1,6})\s*(s|min|m|h|d|w)?\s*$", re.IGNORECASE)
DURATION_QUESTION = "Mute for how long? (empty: forever; 1h, 1d, 7d)"


def parse_duration(text: str) -> int:
    """ "" → 0 (forever); "90m", "1h", "1d", "7d", "2w" → seconds. ValueError otherwise."""
    if not text.strip():
        return 0
    found = _DURATION.match(text)
    if found is None or int(found.group(1)) == 0:
        raise ValueError(f"not a duration: {text.strip()!r} (try 1h, 1d or 7d)")
    return int(found.group(1)) * _UNITS[(found.group(2) or "").lower()]


class DurationScreen(ModalScreen[int | None]):
    """How long a mute lasts: seconds (0: forever), or None when cancelled (esc)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="duration.cancel", tooltip="Cancel")]

    def __init__(self, who: str) -> None:
        super().__init__()
        self.who = who

    def compose(self) -> Any:
        with Vertical(classes="dialog wide-dialog"):
            yield Static(f"Mute {self.who}", classes="dialog-title", markup=False)
            yield Static(DURATION_QUESTION, id="duration-question", markup=False)
            yield Input(placeholder="forever", id="duration-answer")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _answered(self, event: Input.Submitted) -> None:
        try:
            seconds = parse_duration(event.value)
        except ValueError as exc:
            self.query_one("#duration-question", Static).update(f"{exc}\n{DURATION_QUESTION}")
            return
        self.dismiss(seconds)

    def action_cancel(self) -> None:
        self.dismiss(None)


# ----- mute a thread (a key on every screen with post keys, and :mute-thread) ------------------


async def mute_thread(app: MurmurApp, post: Post) -> None:
    """Mute the thread `post` belongs to; `u` (undo) unmutes it again."""
    network = app.session.networks.get(post.account)
    if network is None:
        app.notify(f"{post.account} is not connected.", severity="warning", markup=False)
        return
    if not network.supports(Capability.MUTE_THREAD):
        app.notify(f"{network.kind.value.capitalize()} cannot mute a thread.", severity="warning")
        return
    from tui.ui.undo import UndoEntry, record

    async def inverse() -> None:
        await network.mute_thread(post, undo=True)

    await network.mute_thread(post)
    record(app, UndoEntry("mute of the thread", inverse=inverse))
    app.notify("Thread muted: its notifications stop. :mutes lists it.")


class MuteThreadActions:
    """Mixed into `PostActions`; needs `selected_post()`."""

    app: MurmurApp

    def selected_post(self) -> Post | None:
        raise NotImplementedError

    def action_mute_thread(self) -> None:
        post = self.selected_post()
        if post is not None:
            self.app.guard(
                lambda: mute_thread(self.app, post), doing="Muting the thread", group="mute"
            )


# ----- the screen ------------------------------------------------------------------------------

_KIND_WORDS = {"mute": "muted", "block": "blocked", "thread": "thread muted", "filter": "filter"}
_UNDO_WORDS = {"mute": "Unmute", "block": "Unblock", "thread": "Unmute the thread"}


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the screen: an account's Muted entry, or one of the user's filter rules."""

    account: str
    entry: Muted | None = None
    rule: FilterRule | None = None

    @property
    def kind(self) -> str:
        return self.entry.kind if self.entry is not None else "filter"

    @property
    def label(self) -> str:
        if self.entry is not None:
            return self.entry.label
        rule = self.rule
        assert rule is not None
        what = ", ".join(rule.authors) if rule.authors else repr(rule.match)
        return f"{rule.name}: {what} ({rule.action.value})"

    @property
    def question(self) -> str:
        if self.rule is not None:
            return f"Remove the filter rule {self.rule.name!r} from config.toml?"
        return f"{_UNDO_WORDS[self.kind]} {self.label} on {self.account}?"


def row_content(row: Row) -> Content:
    parts: list[Content | tuple[str, str] | str] = [
        (f"{_KIND_WORDS.get(row.kind, row.kind):<13}", "bold"),
        row.label,
    ]
    until = row.entry.until if row.entry is not None else None
    where = "your rules" if row.rule is not None else row.account
    note = f"  {where}" + (f" · until {_when(until)}" if until else "")
    parts.append((note, "$text-muted"))
    return Content.assemble(*parts)


def _when(at: datetime) -> str:
    return at.astimezone().strftime("%Y-%m-%d %H:%M")


async def collect(app: MurmurApp) -> tuple[list[Row], list[str]]:
    """Every account's mutes and blocks (concurrently) and the filter rules; notes say what
    an account could not tell."""
    answers = await app.session.ask_each(lambda network: network.muted())
    rows = [Row(name, entry=entry) for name, entry in answers.found]
    notes = answers.notes
    order = {"mute": 0, "thread": 1, "block": 2}
    rows.sort(key=lambda r: (order.get(r.kind, 3), r.account, r.label.lower()))
    rows += [Row("", rule=r) for r in app.config.filters]
    return rows, notes


class MutesScreen(OptionRows, Screen[None]):
    """Mutes and blocks (`:mutes`): u undoes the selected one, after asking."""

    BINDINGS = keymap.MUTES
    app: MurmurApp

    def __init__(self) -> None:
        super().__init__(id="mutes")
        self.rows: list[Row] = []
        self.loaded = False

    def compose(self) -> Any:
        with Vertical(classes="pane"):
            yield Static("Mutes and blocks", classes="pane-title")
            yield Static("Loading…", id="mutes-notes", markup=False)
            yield OptionList(id="mutes-list")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.action_reload()

    def action_reload(self) -> None:
        self.app.guard(self._load, doing="Loading mutes and blocks", group="mutes")

    async def _load(self) -> None:
        rows, notes = await collect(self.app)
        self.rows = rows
        options = self.query_one(OptionList)
        keep = options.highlighted
        options.clear_options()
        options.add_options(Option(row_content(r), id=str(i)) for i, r in enumerate(rows))
        if rows:
            options.highlighted = min(keep or 0, len(rows) - 1)
        summary = (
            f"{len(rows)} entr{'y' if len(rows) == 1 else 'ies'}; u undoes the selected one."
            if rows
            else "Nobody muted or blocked, no muted threads, no filter rules."
        )
        self.query_one("#mutes-notes", Static).update("\n".join([summary, *notes]))
        self.loaded = True

    @property
    def text(self) -> str:
        """What the screen lists, as plain text (for tests and screen readers)."""
        lines = [str(self.query_one("#mutes-notes", Static).render())]
        lines += [row_content(r).plain for r in self.rows]
        return "\n".join(lines)

    @property
    def selected(self) -> Row | None:
        return self.highlighted_row(self.rows)

    def action_undo_entry(self) -> None:
        row = self.selected
        if row is None:
            self.app.notify("Nothing selected.", severity="warning")
            return
        from tui.ui.screens.confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                self.app.guard(lambda: self._undo(row), doing="Undoing it", group="mutes")

        yes = "Remove" if row.rule is not None else _UNDO_WORDS[row.kind]
        self.app.push_screen(ConfirmScreen(row.question, yes=yes), answered)

    async def _undo(self, row: Row) -> None:
        if row.rule is not None:
            from tui.ui.commandline import _save_filters

            name = row.rule.name
            await _save_filters(self.app, lambda rules: tuple(r for r in rules if r.name != name))
            self.app.notify(f"Filter {name!r} removed.", markup=False)
        else:
            assert row.entry is not None
            await self.app.session.network_for(row.account).undo_muted(row.entry)
            done = {"mute": "Unmuted", "block": "Unblocked", "thread": "Unmuted the thread"}
            self.app.notify(f"{done[row.kind]}: {row.label}.", markup=False)
        await self._load()


def ask_mute_duration(screen: Any, mute: Any) -> None:
    """The profile's mute: where the network can end a mute by itself, ask for how long first
    (esc cancels); elsewhere mute at once and say mutes there last until undone."""
    profile = getattr(screen, "profile", None)
    network = screen.app.session.networks.get(getattr(screen, "account", ""))
    muting = profile is not None and profile.relationship and profile.relationship.muting
    if profile is None or network is None or muting:
        mute(0)  # not loaded, not connected or an unmute: _relate says what applies
        return
    if not network.supports(Capability.MUTE_DURATION):
        if network.supports(Capability.MUTE):
            screen.app.notify(
                f"{network.kind.value.capitalize()} mutes have no duration: until you unmute."
            )
        mute(0)
        return

    def answered(seconds: int | None) -> None:
        if seconds is not None:
            mute(seconds)

    screen.app.push_screen(DurationScreen(profile.author.handle), answered)
