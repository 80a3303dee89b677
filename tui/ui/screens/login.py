"""Log in to a network from inside the app: one form per network, questions as dialogs.

The form gathers what `tui.networks.base.login` takes up front; anything else the flow needs (an
authorization code, a 2FA token) is asked through `PromptScreen`. On success the session stores
the secrets in the vault and the account in config.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from textual import on
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Input, Label, Static, TabbedContent, TabPane, TextArea

from tui.model import NetworkKind
from tui.networks.base import Ask, LoginResult, NetworkError, Prompt
from tui.ui import keymap
from tui.ui.messages import AccountAdded

if TYPE_CHECKING:
    from tui.ui.app import MurmurApp

LoginFunction = Callable[[NetworkKind, Mapping[str, str], Ask], Awaitable[LoginResult]]


class PromptScreen(ModalScreen[str]):
    """One question of a login flow; esc cancels (the flow gets an empty answer)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel", tooltip="Cancel")]

    def __init__(self, prompt: Prompt) -> None:
        super().__init__()
        self.prompt = prompt

    def compose(self) -> Any:
        with Vertical(classes="dialog wide-dialog"):
            yield Static(self.prompt.label, classes="dialog-title", markup=False)
            if self.prompt.info:
                yield Static(self.prompt.info, id="prompt-info", markup=False)
            yield Input(password=self.prompt.secret, id="prompt-answer")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _answered(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss("")


class LoginScreen(Screen[LoginResult | None]):
    BINDINGS = [
        *keymap.BACK,
        Binding(
            "ctrl+s",
            "submit",
            "Log in",
            id="login.submit",
            priority=True,
            tooltip="Log in with the form shown",
        ),
    ]
    app: MurmurApp

    def __init__(self, login: LoginFunction | None = None) -> None:
        super().__init__()
        self._login = login

    def compose(self) -> Any:
        relays = "\n".join(self.app.config.nostr.default_relays)
        with Vertical(id="login"):
            yield Static(
                "Log in — ctrl+s logs in with the form shown, esc goes back", classes="pane-title"
            )
            with TabbedContent(id="login-tabs"):
                with TabPane("Mastodon", id="mastodon"):
                    yield Label("Server (for example mastodon.social)")
                    yield Input(id="mastodon-server", compact=True)
                    yield Label("Access token (optional: leave empty to authorize in a browser)")
                    yield Input(id="mastodon-token", password=True, compact=True)
                with TabPane("Bluesky", id="bluesky"):
                    yield Label("Handle or email")
                    yield Input(id="bluesky-handle", compact=True)
                    yield Label("Service (empty: the handle's own PDS)")
                    yield Input(id="bluesky-service", compact=True)
                    yield Label("App password (Settings → App passwords)")
                    yield Input(id="bluesky-password", password=True, compact=True)
                with TabPane("Nostr", id="nostr"):
                    yield Label("Key: nsec, hex or ncryptsec (empty: generate a new key)")
                    yield Input(id="nostr-key", password=True, compact=True)
                    yield Label("Relays, one per line")
                    yield TextArea(relays, id="nostr-relays")
            yield Button("Log in", id="login-submit", variant="primary")
            yield Static("", id="login-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self._focus_form()

    def _focus_form(self) -> None:
        """Typing goes into the shown form's first field at once."""
        active = self.query_one(TabbedContent).active or "mastodon"
        first = self.query_one(f"#{active}").query(Input)
        if first:
            first.first().focus()

    def _value(self, selector: str) -> str:
        return self.query_one(selector, Input).value.strip()

    def params(self) -> tuple[NetworkKind, dict[str, str]]:
        kind = NetworkKind(self.query_one(TabbedContent).active or "mastodon")
        params: dict[str, str] = {}
        if kind is NetworkKind.MASTODON:
            params["server"] = self._value("#mastodon-server")
            if token := self._value("#mastodon-token"):
                params["token"] = token
        elif kind is NetworkKind.BLUESKY:
            params["handle"] = self._value("#bluesky-handle")
            if service := self._value("#bluesky-service"):
                params["service"] = service
            params["password"] = self._value("#bluesky-password")
        else:
            if key := self._value("#nostr-key"):
                params["key"] = key
            else:
                params["generate"] = "1"
            relays = [r.strip() for r in self.query_one("#nostr-relays", TextArea).text.split()]
            if relays:
                params["relays"] = ",".join(r for r in relays if r)
        return kind, params

    @on(Button.Pressed, "#login-submit")
    def action_submit(self) -> None:
        kind, params = self.params()
        status = self.query_one("#login-status", Static)
        status.update(f"Logging in to {kind.value}…")

        async def ask(prompt: Prompt) -> str:
            return await self.app.push_screen_wait(PromptScreen(prompt))

        async def go() -> None:
            login = self._login
            if login is None:
                from tui.networks.base import login
            try:
                result = await login(kind, params, ask)
                if any(a.name == result.account.name for a in self.app.session.accounts):
                    raise ValueError(f"an account named {result.account.name!r} exists already")
                network = await self.app.session.add_account(result)
            except (NetworkError, ValueError) as exc:  # a sentence for the user: in the form
                status.update(f"Login failed: {exc}")
                self.app.report_error(exc, doing="Login")
                return
            except Exception as exc:  # noqa: BLE001 - a bug: logged by the app's one route
                status.update(f"Login failed: unexpected {type(exc).__name__} (! lists errors)")
                self.app.handle_failure(exc, doing="Login")
                return
            status.update(f"Logged in as {result.account.name}.")
            self.app.notify(f"Logged in as {result.account.name}.", markup=False)
            self.post_message(AccountAdded(network))
            self.dismiss(result)

        self.run_worker(go(), group="login", exclusive=True, exit_on_error=False)

    def action_back(self) -> None:
        self.dismiss(None)
