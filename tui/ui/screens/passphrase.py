"""Asks for the vault passphrase and unlocks the session; esc continues with the cache only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

if TYPE_CHECKING:
    from tui.ui.app import MurmurApp


class PassphraseScreen(ModalScreen[bool]):
    BINDINGS = [
        Binding(
            "escape",
            "offline",
            "Offline",
            id="passphrase.skip",
            tooltip="Continue without unlocking: cached posts only",
        ),
    ]
    app: MurmurApp

    def compose(self) -> Any:
        with Vertical(classes="dialog"):
            yield Static("Unlock Murmur", classes="dialog-title")
            yield Static("Your tokens and keys are encrypted. Enter the vault passphrase.")
            yield Input(password=True, placeholder="passphrase", id="passphrase")
            yield Static("", id="passphrase-error", classes="error", markup=False)
            yield Static("enter: unlock    esc: read the cache offline", classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#passphrase", Input).focus()

    @on(Input.Submitted, "#passphrase")
    def _submitted(self, event: Input.Submitted) -> None:
        passphrase = event.value
        field = self.query_one("#passphrase", Input)
        field.disabled = True
        self.query_one("#passphrase-error", Static).update("Unlocking…")

        async def unlock() -> None:
            try:
                await self.app.session.unlock(passphrase)
            except Exception as exc:  # noqa: BLE001 - wrong passphrase or a broken vault: say so
                field.disabled = False
                field.value = ""
                field.focus()
                self.query_one("#passphrase-error", Static).update(str(exc) or "could not unlock")
                return
            self.dismiss(True)

        self.run_worker(unlock(), exclusive=True, exit_on_error=False)

    def action_offline(self) -> None:
        self.dismiss(False)
