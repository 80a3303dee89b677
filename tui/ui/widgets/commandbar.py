"""The `:` command line: one line at the bottom of the screen, with completion and history.

tab completes the word under the cursor (again: the next candidate; shift+tab the previous), the
line above shows the candidates or what the command typed so far takes; up/down recall earlier
lines that start with what is typed (kept in `command-history` in the state folder); enter runs
the line (`tui.ui.commandline`), esc leaves.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tui.ui import commandline, keymap

if TYPE_CHECKING:
    from tui.ui.app import MurmurApp

HISTORY_SIZE = 500


def history_file() -> Path:
    from tui.store import paths

    return paths.state_dir() / "command-history"


class History:
    """Command lines, oldest first, one per line in a private file; a line used again moves to
    the end (no duplicates)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or history_file()
        try:
            text = self.path.read_text("utf-8", errors="replace")
        except FileNotFoundError:
            text = ""
        self.lines = [line for line in text.splitlines() if line.strip()][-HISTORY_SIZE:]

    def add(self, line: str) -> None:
        line = " ".join(line.split("\n")).strip()
        if not line:
            return
        if line in self.lines:
            self.lines.remove(line)
        self.lines.append(line)
        del self.lines[:-HISTORY_SIZE]

    def save(self) -> None:
        from tui.store import paths

        data = "".join(f"{line}\n" for line in self.lines).encode("utf-8")
        paths.write_private_file(self.path, data)

    def older(self, prefix: str, before: int) -> int | None:
        """The index of the newest line before `before` that starts with `prefix`."""
        for index in range(min(before, len(self.lines)) - 1, -1, -1):
            if self.lines[index].startswith(prefix):
                return index
        return None

    def newer(self, prefix: str, after: int) -> int | None:
        for index in range(after + 1, len(self.lines)):
            if self.lines[index].startswith(prefix):
                return index
        return None


class CommandBar(ModalScreen[str | None]):
    """The command line, over the bottom of the screen it acts on; dismissed with the line."""

    BINDINGS = keymap.COMMAND_BAR
    DEFAULT_CSS = """
    CommandBar { background: transparent; }
    CommandBar > #command-bar {
        dock: bottom;
        height: auto;
        width: 100%;
        background: $surface;
        border-top: tall $accent;
    }
    CommandBar #command-hint { color: $text-muted; height: auto; max-height: 6; }
    CommandBar #command-row { height: 1; }
    CommandBar #command-colon { width: 1; text-style: bold; }
    CommandBar #command-input { width: 1fr; border: none; height: 1; padding: 0; }
    """
    app: MurmurApp

    def __init__(self, text: str = "", history: History | None = None) -> None:
        super().__init__()
        self.initial = text
        self.history = history if history is not None else History()
        self._recall: tuple[str, int] | None = None  # (prefix, index) while going through history
        self._cycle: tuple[list[str], int] | None = None  # candidates and the one shown
        self._set_to: str | None = None  # the value we set (its Changed event is not typing)

    def compose(self) -> Any:
        with Vertical(id="command-bar"):
            yield Static("", id="command-hint", markup=False)
            with Horizontal(id="command-row"):
                yield Static(":", id="command-colon")
                yield Input(self.initial, id="command-input", compact=True, select_on_focus=False)

    def on_mount(self) -> None:
        field = self.input
        field.focus()
        field.cursor_position = len(field.value)
        self._describe()

    @property
    def input(self) -> Input:
        return self.query_one("#command-input", Input)

    @property
    def hint(self) -> str:
        return str(self.query_one("#command-hint", Static).render())

    def _set(self, value: str) -> None:
        self._set_to = value
        field = self.input
        field.value = value
        field.cursor_position = len(value)

    def _say(self, text: str | Content) -> None:
        self.query_one("#command-hint", Static).update(text)

    def _describe(self) -> None:
        """Under way: what the command being typed takes."""
        name, _ = commandline.split(self.input.value)
        if not name or " " not in self.input.value.lstrip():
            self._say("tab completes · up/down: history · enter runs · esc leaves")
            return
        try:
            cmd = commandline.find(name)
        except commandline.CommandError as exc:
            self._say(str(exc))
            return
        self._say(Content.assemble((cmd.synopsis, "bold"), "  ", cmd.help))

    @on(Input.Changed, "#command-input")
    def _typed(self, event: Input.Changed) -> None:
        if event.value == self._set_to:
            self._set_to = None
            return
        self._recall = None
        self._cycle = None
        self._describe()

    @on(Input.Submitted, "#command-input")
    def _run(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    # ----- completion ----------------------------------------------------------------------
    def action_complete(self, step: int = 1) -> None:
        if self._cycle is not None:
            candidates, at = self._cycle
            at = (at + step) % len(candidates)
            self._cycle = (candidates, at)
            self._set(candidates[at])
            self._show_candidates(candidates, at)
            return
        value = self.input.value
        candidates = commandline.completions(self.app, value)
        if not candidates:
            problems = commandline.feed_problems(self.app)
            self._say("no completions" + ("; " + "; ".join(problems) if problems else ""))
            return
        if len(candidates) == 1:
            self._set(candidates[0])
            self._describe()
            return
        prefix = commandline.common_prefix(candidates)
        if len(prefix) > len(value):
            self._set(prefix)  # the next tab completes from there
        else:
            self._cycle = (candidates, -1 if step > 0 else 0)
        self._show_candidates(candidates, -1)

    def _show_candidates(self, candidates: list[str], at: int) -> None:
        parts: list[tuple[str, str] | str] = []
        for n, line in enumerate(candidates):
            word = line.rstrip().rsplit(" ", 1)[-1] or line
            parts.append((word, "reverse") if n == at else word)
            parts.append("  ")
        self._say(Content.assemble(*parts))

    # ----- history -------------------------------------------------------------------------
    def action_history(self, step: int) -> None:
        prefix, index = self._recall or (self.input.value, len(self.history.lines))
        if step < 0:
            found = self.history.older(prefix, index)
        else:
            found = self.history.newer(prefix, index)
        if found is None:
            if step > 0:  # below the newest: back to what was typed
                self._recall = None
                self._set(prefix)
            return
        self._recall = (prefix, found)
        self._cycle = None
        self._set(self.history.lines[found])

    def action_cancel(self) -> None:
        self.dismiss(None)


def open_command_line(app: MurmurApp, text: str = "") -> None:
    """Open the command line (with `text` typed); enter runs the line and keeps it in the
    history."""
    if isinstance(app.screen, CommandBar):
        return
    history = History()
    if app.session.networks and not commandline.account_feeds(app):
        app.guard(lambda: commandline.load_account_feeds(app), doing="Listing feeds", group="feeds")

    def done(line: str | None) -> None:
        if not line or not line.strip():
            return
        history.add(line)

        async def save() -> None:
            import asyncio

            await asyncio.to_thread(history.save)

        app.guard(save, doing="Saving the command history", group="history")
        commandline.run_line(app, line)

    app.push_screen(CommandBar(text, history), done)
