"""Export accounts from inside the app: the same runner as `murmur export`, in a worker, with a
progress bar (one step per account) and the runner's progress lines."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Footer, Input, Label, Log, ProgressBar, Select, Static

from tui.ui import keymap

if TYPE_CHECKING:
    from tui.ui.app import MurmurApp

ALL = "*all*"
DEFAULT_FOLDER = "~/murmur-export"


class ExportScreen(Screen[None]):
    DEFAULT_CSS = """
    #export { padding: 0 1; }
    #export Label { margin-top: 1; }
    #export-progress { display: none; }
    #export-progress.running { display: block; }
    #export-options { height: auto; }
    #export-log { height: 1fr; min-height: 4; border: round $panel; }
    #export-status { height: auto; }
    """
    BINDINGS = [
        *keymap.BACK,
        Binding(
            "ctrl+s",
            "start",
            "Export",
            id="export.start",
            priority=True,
            tooltip="Export the chosen account(s) to the folder",
        ),
    ]
    app: MurmurApp

    def __init__(self) -> None:
        super().__init__()
        self.finished = asyncio.Event()  # set whenever an export started here has ended

    def compose(self) -> Any:
        accounts = [(a.name, a.name) for a in self.app.session.accounts]
        with Vertical(id="export"):
            yield Static(
                "Export account — ctrl+s exports, esc goes back",
                classes="pane-title",
            )
            yield Label("Account")
            choices = [("All accounts", ALL), *accounts]
            yield Select(choices, value=ALL, allow_blank=False, id="export-account", compact=True)
            yield Label("Folder (one folder per account is made in it, each with a README.txt)")
            yield Input(DEFAULT_FOLDER, id="export-folder", compact=True)
            yield Label("Password for Nostr keys (empty: keys are not exported)")
            yield Input(id="export-password", password=True, compact=True)
            with Horizontal(id="export-options"):
                yield Checkbox("Finish an interrupted export", id="export-resume", compact=True)
                yield Checkbox("Write over an export", id="export-force", compact=True)
                yield Checkbox("Download media", id="export-media", compact=True)
            yield Button("Export", id="export-start", variant="primary", compact=True)
            yield ProgressBar(id="export-progress", show_eta=False)
            yield Static("", id="export-status", markup=False)
            yield Log(id="export-log", max_lines=2000)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#export-folder", Input).focus()

    def _checked(self, selector: str) -> bool:
        return self.query_one(selector, Checkbox).value

    def _status(self, text: str) -> None:
        self.query_one("#export-status", Static).update(text)

    @on(Button.Pressed, "#export-start")
    def action_start(self) -> None:
        chosen = self.query_one("#export-account", Select).value
        names = [a.name for a in self.app.session.accounts]
        if chosen != ALL:
            names = [str(chosen)]
        folder = self.query_one("#export-folder", Input).value.strip()
        password = self.query_one("#export-password", Input).value or None
        resume, force = self._checked("#export-resume"), self._checked("#export-force")
        if not names:
            self._status("No accounts to export: log in first.")
            return
        if not folder:
            self._status("Which folder? Type one.")
            return
        if resume and force:
            self._status("Finish or write over: choose one.")
            return
        if password is not None:
            from tui.export.keys import WeakPassword, check_password

            try:
                check_password(password)
            except WeakPassword as exc:
                self._status(f"Not exported: {exc}.")
                return
        self.finished.clear()
        bar = self.query_one("#export-progress", ProgressBar)
        bar.update(total=len(names), progress=0)
        bar.add_class("running")
        log = self.query_one("#export-log", Log)
        self._status(f"Exporting {len(names)} account{'s' if len(names) != 1 else ''}…")

        def progress(account: str, line: str) -> None:
            log.write_line(f"{account}: {line}")
            if line == "done" or line.startswith("failed:"):
                bar.advance(1)

        async def go() -> None:
            try:
                await export()
            finally:
                self.finished.set()

        async def export() -> None:
            from tui.export import ExportRefused, export_accounts

            try:
                results = await export_accounts(
                    self.app.session,
                    Path(folder).expanduser(),
                    names,
                    force=force,
                    resume=resume,
                    media=self._checked("#export-media"),
                    password=password,
                    progress=progress,
                )
            except (ExportRefused, OSError) as exc:
                self._status(f"Not exported: {exc}")
                return
            except Exception as exc:  # noqa: BLE001 - a bug: logged by the app's one route
                self._status(f"Export failed: unexpected {type(exc).__name__} (! lists errors)")
                self.app.handle_failure(exc, doing="Export")
                return
            failed = [r for r in results.values() if not r.ok]
            where = Path(folder).expanduser()
            if failed:
                names_failed = ", ".join(f"{r.account} ({r.error})" for r in failed)
                self._status(f"Exported to {where}; failed: {names_failed}")
            else:
                self._status(f"Exported to {where}: every account is complete.")

        self.run_worker(go(), group="export", exclusive=True, exit_on_error=False)

    def action_back(self) -> None:
        self.dismiss(None)
