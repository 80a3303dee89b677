"""MurmurApp: the Textual application over a Session.

Module-level imports stay minimal so the cached timeline paints before anything network-specific
(or even the other screens) is imported: screens, widgets and the command palette provider load
lazily.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.worker import Worker

from tui.ui import keymap, themes

if TYPE_CHECKING:
    from textual.command import Provider
    from textual.screen import Screen

    from tui.session import Session
    from tui.store.config import Config


def _commands() -> type[Provider]:
    from tui.ui.commands import MurmurCommands

    return MurmurCommands


class MurmurApp(App[int]):
    CSS_PATH = "murmur.tcss"
    TITLE = "Murmur"
    BINDINGS = keymap.APP
    COMMANDS = App.COMMANDS | {_commands}
    ENABLE_COMMAND_PALETTE = True

    def __init__(self, session: Session, *, config: Config) -> None:
        self.session = session
        self.config = config
        self._no_color = themes.wants_no_color()
        super().__init__()

    # ----- start-up --------------------------------------------------------------------------
    def get_default_screen(self) -> Screen[Any]:
        from tui.ui.screens.main import MainScreen

        return MainScreen()

    def on_mount(self) -> None:
        for theme in themes.CUSTOM_THEMES:
            self.register_theme(theme)
        name, warning = themes.choose_theme(
            self.config.ui.theme, set(self.available_themes), no_color=self._no_color
        )
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self.theme = name
        self._theme_changed(self.current_theme)
        if warning:
            self.notify(warning, severity="warning", markup=False)
        self.apply_keymap(self.config.keymap)

    def _theme_changed(self, theme: Any) -> None:
        # Without colours (or with only 16), the selection is reverse video, never a tint.
        self.set_class(themes.is_ansi(theme.name) or self._no_color, "-reverse-selection")

    def apply_keymap(self, overrides: dict[str, str] | Any) -> None:
        """Apply `[keymap]` from config; ids no binding has are reported, not ignored."""
        overrides = dict(overrides)
        unknown = keymap.unknown_ids(overrides)
        if unknown:
            self.notify(
                "unknown binding id(s) in [keymap]: " + ", ".join(unknown) + " (see ? for ids)",
                title="Keymap",
                severity="warning",
                markup=False,
            )
        self.set_keymap({k: v for k, v in overrides.items() if k not in unknown})

    # ----- errors ----------------------------------------------------------------------------
    def report_error(self, error: BaseException, *, doing: str = "") -> None:
        """Show an error as a toast and in the status bar: never a traceback."""
        message = str(error) or type(error).__name__
        if doing:
            message = f"{doing}: {message}"
        self.notify(message, title="Error", severity="error", markup=False, timeout=8)
        status = self.status_bar
        if status is not None:
            status.set_error(message)

    @property
    def status_bar(self) -> Any:
        from tui.ui.widgets.statusbar import StatusBar

        for screen in self.screen_stack:
            found = screen.query(StatusBar)
            if found:
                return found.first()
        return None

    def guard(
        self,
        work: Callable[[], Awaitable[object]],
        *,
        doing: str,
        group: str = "default",
        exclusive: bool = False,
    ) -> Worker[None]:
        """Run `work` in a worker; any exception becomes a toast instead of a crash."""

        async def runner() -> None:
            try:
                await work()
            except Exception as exc:  # noqa: BLE001 - the UI must survive anything below it
                self.report_error(exc, doing=doing)

        return self.run_worker(runner(), group=group, exclusive=exclusive, exit_on_error=False)

    # ----- app-wide actions --------------------------------------------------------------------
    @property
    def main_screen(self) -> Any:
        """The main screen (always at the bottom of the stack)."""
        return self.screen_stack[0]

    def start_reply(self, post: Any) -> None:
        """Back to the main screen with the composer replying to `post`."""
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.main_screen.start_reply(post)

    def account_added(self, network: Any) -> None:
        self.main_screen.account_added(network)

    def action_login(self) -> None:
        from tui.ui.screens.login import LoginScreen

        self.push_screen(LoginScreen())

    def action_help(self) -> None:
        from tui.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def has_unsent_draft(self) -> bool:
        from tui.ui.widgets.compose import ComposePane

        return any(c.has_unsent_text() for s in self.screen_stack for c in s.query(ComposePane))

    def action_request_quit(self) -> None:
        if not self.has_unsent_draft():
            self.exit(0)
            return
        from tui.ui.screens.confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit(0)

        self.push_screen(
            ConfirmScreen(
                "Quit with an unsent draft?",
                "The draft stays saved and comes back next time.",
                yes="Quit",
            ),
            answered,
        )

    async def action_quit(self) -> None:
        self.action_request_quit()

    async def on_unmount(self) -> None:
        await self.session.close_all()


def run(session: Session, config: Config) -> int:
    """Run the app until the user quits; returns the process exit status."""
    app = MurmurApp(session, config=config)
    app.run()
    return app.return_code or 0
