"""MurmurApp: the Textual application over a Session.

Module-level imports stay minimal so the cached timeline paints before anything network-specific
(or even the other screens) is imported: screens, widgets and the command palette provider load
lazily.
"""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import signal
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, NoReturn

from textual import on
from textual.app import App
from textual.worker import Worker, WorkerState

from tui.networks.base import NetworkError
from tui.ui import keymap, themes
from tui.ui.messages import AccountAdded, EditRequested, ReplyRequested

if TYPE_CHECKING:
    from textual.command import Provider
    from textual.screen import Screen

    from tui.model import Post
    from tui.session import Session
    from tui.store.config import Config
    from tui.ui.widgets.compose import ComposePane


def _current_worker() -> Worker[Any] | None:
    from textual.worker import NoActiveWorker, get_current_worker

    try:
        return get_current_worker()
    except NoActiveWorker:
        return None


def _speaks_to_the_user(error: BaseException) -> bool:
    """A NetworkError, a vault refusal, a local file or program problem, or input the user
    typed wrong: a sentence to show. Anything else is a bug, for the error log."""
    from tui.store.vault import VaultError

    return isinstance(error, NetworkError | VaultError | OSError | ValueError)


@dataclass(frozen=True, slots=True)
class AppMessage:
    """One error shown during this run, for the messages screen."""

    at: datetime
    text: str


def _commands() -> type[Provider]:
    from tui.ui.commands import MurmurCommands

    return MurmurCommands


class MurmurApp(App[int]):
    CSS_PATH = "murmur.tcss"
    TITLE = "Murmur"
    BINDINGS = [*keymap.APP, *keymap.CMDLINE, *keymap.DIRECT_MESSAGES, *keymap.FOLLOW_REQUESTS_KEY]
    COMMANDS = App.COMMANDS | {_commands}
    ENABLE_COMMAND_PALETTE = True

    def __init__(
        self,
        session: Session,
        *,
        config: Config,
        status_note: str = "",
        home_is_temporary: bool = False,
    ) -> None:
        self.session = session
        self.config = config
        # Shown at the start of the status bar (the demo's relay address, for a second client).
        self.status_note = status_note
        # The home (cache, drafts) is deleted on exit: a draft does not come back.
        self.home_is_temporary = home_is_temporary
        self._no_color = themes.wants_no_color()
        self.messages: list[AppMessage] = []
        # One's own posts as their servers confirmed them this run, oldest first: shown where a
        # server does not list them yet (a thread's replies).
        self.confirmed_posts: list[Post] = []
        self.terminator: Terminator | None = None
        self.macros: dict[str, str] = {}  # [keymap] "key" = ":command" (see apply_keymap)
        # Without colours, ANSI colours stay native so Textual's NO_COLOR filter maps every
        # colour to the terminal's default (its greyscale filter would turn "default" black).
        super().__init__(ansi_color=True if self._no_color else None)

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
        if self.terminator is not None:
            self.terminator.attach(asyncio.get_running_loop())

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return {**super().get_theme_variable_defaults(), **themes.BADGE_COLOURS}

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
        self.macros = keymap.macros(overrides)
        if self.macros:
            self._check_macros({k: v for k, v in overrides.items() if k not in self.macros})
        for n, key in enumerate(self.macros):
            # A macro is an app binding: keys a widget or screen uses (typing included) win.
            self.bind(key, f"run_macro({n})", description=":" + self.macros[key], show=False)
        self.set_keymap(
            {k: v for k, v in overrides.items() if k not in unknown and k not in self.macros}
        )

    def _check_macros(self, bindings: dict[str, str]) -> None:
        """A warning for each macro whose command is unknown or whose key another binding has."""
        from tui.ui.commandline import CommandError, find, split

        rows = keymap.help_rows(bindings)
        for key, line in self.macros.items():
            problem = ""
            try:
                find(split(line)[0])
            except CommandError as exc:
                problem = str(exc)
            taken = [r.binding_id for r in rows if key in (k.strip() for k in r.keys.split(","))]
            if taken:
                problem = f"the key is also bound to {', '.join(taken)}, which wins there"
            if problem:
                message = f"[keymap] {key!r}: {problem}"
                self.notify(message, title="Keymap", severity="warning", markup=False)

    # ----- the command line (tui/ui/commandline.py) ---------------------------------------------
    def action_command_line(self, text: str = "") -> None:
        from tui.ui.widgets.commandbar import open_command_line

        open_command_line(self, text)

    def action_pipe_prompt(self) -> None:
        self.action_command_line("pipe ")

    def action_run_macro(self, n: int) -> None:
        from tui.ui.commandline import run_line

        run_line(self, list(self.macros.values())[n])

    def action_copy_menu(self) -> None:
        from tui.ui.commandline import CommandError, selected_post
        from tui.ui.screens.copy import CopyMenu

        try:
            post = selected_post(self)
        except CommandError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        if post is not None:
            self.push_screen(CopyMenu(post))

    # ----- errors ----------------------------------------------------------------------------
    def report_error(self, error: BaseException | str, *, doing: str = "", group: str = "") -> None:
        """Show an error the user can act on as a toast and in the status bar: never a traceback.

        Every message is also kept for the messages screen (`!`), so a toast missed is not lost.
        An exception that is no sentence for the user (a bug) goes to `handle_failure`.
        """
        if isinstance(error, BaseException) and not _speaks_to_the_user(error):
            self.handle_failure(error, doing=doing, group=group)
            return
        message = error if isinstance(error, str) else (str(error) or type(error).__name__)
        if doing:
            message = f"{doing}: {message}"
        self.messages.append(AppMessage(datetime.now(), message))
        self.notify(message, title="Error", severity="error", markup=False, timeout=8)
        # Said from inside a worker: the next success of that worker's group clears it.
        origin = _current_worker()
        if not group and origin is not None:
            group = origin.group
        status = self.status_bar
        if status is not None:
            status.set_error(message, group=group, origin=origin)

    def handle_failure(self, error: BaseException, *, doing: str = "", group: str = "") -> None:
        """The one route for work that failed: a NetworkError (or another error that is a
        sentence for the user, see `_speaks_to_the_user`) is shown;
        anything else is a bug, written with its traceback to the error log, and the toast
        says where that log is."""
        if _speaks_to_the_user(error):
            self.report_error(error, doing=doing, group=group)
            return
        from tui import errorlog

        try:
            where = str(errorlog.log_exception(error, doing=doing))
        except OSError as exc:  # the log itself cannot be written: say that instead
            where = f"nowhere (the error log cannot be written: {exc})"
        self.report_error(
            f"unexpected {type(error).__name__}; details in {where}", doing=doing, group=group
        )

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
        """Run `work` in a worker of `group`; a failure is routed by `on_worker_state_changed`."""

        async def runner() -> None:
            await work()

        return self.run_worker(
            runner(),
            name=doing,
            group=group,
            description=doing,
            exclusive=exclusive,
            exit_on_error=False,
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state is WorkerState.ERROR and worker.error is not None:
            self.handle_failure(worker.error, doing=worker.description, group=worker.group)
        elif event.state is WorkerState.SUCCESS:
            status = self.status_bar
            if status is not None:
                status.succeeded(worker.group, worker)

    def action_messages(self) -> None:
        from tui.ui.screens.messages import MessagesScreen

        if not isinstance(self.screen, MessagesScreen):
            self.push_screen(MessagesScreen(self.messages))

    def action_conversations(self) -> None:
        from tui.ui.screens.conversations import ConversationsScreen

        if not isinstance(self.screen, ConversationsScreen):
            self.push_screen(ConversationsScreen(self.session))

    def action_follow_requests(self) -> None:
        from tui.ui.screens.requests import open_requests

        open_requests(self)

    def action_outbox(self) -> None:
        from tui.ui.screens.outbox import OutboxScreen, open_outbox

        if not isinstance(self.screen, OutboxScreen):
            open_outbox(self)

    def on_compose_pane_sent(self, event: ComposePane.Sent) -> None:
        """Keep each post a server confirmed, with the parent it replies to."""
        from dataclasses import replace

        from tui.model import Post

        for entry in event.entries:
            post, parent = entry.post, entry.draft.reply_to
            if entry.state != "sent" or not isinstance(post, Post):
                continue
            if not post.reply_to and parent is not None and parent.account == post.account:
                post = replace(post, reply_to=parent.uid)
            self.confirmed_posts.append(post)

    # ----- app-wide actions --------------------------------------------------------------------
    @property
    def main_screen(self) -> Any:
        """The main screen (always at the bottom of the stack)."""
        return self.screen_stack[0]

    async def back_to_main(self) -> None:
        """Close every screen above the main screen; returns once the main screen is back."""
        while len(self.screen_stack) > 1:
            await self.pop_screen()

    @on(ReplyRequested)
    async def _reply_requested(self, event: ReplyRequested) -> None:
        """Back to the main screen with the composer replying to the post."""
        await self.back_to_main()
        await self.main_screen.reply_to(event.post)

    @on(EditRequested)
    async def _edit_requested(self, event: EditRequested) -> None:
        await self.back_to_main()
        await self.main_screen.edit(event.post, event.draft, redraft=event.redraft)

    @on(AccountAdded)
    async def _account_added(self, event: AccountAdded) -> None:
        await self.back_to_main()
        self.main_screen.add_account(event.network)

    def action_open_profile(self) -> None:
        """Ask for a handle, npub or DID and open that profile on an account that fits it."""
        from tui.networks.base import Prompt
        from tui.ui.screens.login import PromptScreen

        def answered(who: str | None) -> None:
            who = (who or "").strip()
            if not who:
                return
            account = account_for(who, self.session.accounts, self.main_screen.selection.account)
            if account is None:
                self.notify("Log in to an account first.", severity="warning")
                return
            from tui.ui.screens.profile import ProfileScreen

            self.push_screen(ProfileScreen(account, who))

        self.push_screen(
            PromptScreen(
                Prompt(
                    "who",
                    "Open profile",
                    info="A handle (@name@server, name.bsky.social), an npub or a DID.",
                )
            ),
            answered,
        )

    def action_login(self) -> None:
        from tui.ui.screens.login import LoginScreen

        self.push_screen(LoginScreen())

    def action_help(self) -> None:
        from tui.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def has_unsent_draft(self) -> bool:
        return bool(self.screen_stack) and self.main_screen.composer_holds_text()

    def action_request_quit(self) -> None:
        if not self.has_unsent_draft():
            self.exit(0)
            return
        from tui.ui.screens.confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit(0)

        if self.home_is_temporary:
            detail = (
                "The draft will be lost: this demo's home is deleted on exit "
                "(murmur demo --keep DIR keeps it)."
            )
        else:
            detail = "The draft stays saved and comes back next time."
        self.push_screen(ConfirmScreen("Quit with an unsent draft?", detail, yes="Quit"), answered)

    async def action_quit(self) -> None:
        self.action_request_quit()

    async def on_unmount(self) -> None:
        await self.session.close_all()

    # ----- leaving the app: copy, open -----------------------------------------------------------
    def copy_text(self, text: str, *, what: str = "Text") -> None:
        """Copy by OSC 52 and, inside tmux, into tmux's buffer; the toast says where it went."""
        self.copy_to_clipboard(text)
        if not os.environ.get("TMUX"):
            self.notify(f"{what} sent to the terminal's clipboard (OSC 52).", markup=False)
            return

        async def into_tmux() -> None:
            message, ok = await tmux_copy(text, what)
            self.notify(message, severity="information" if ok else "warning", markup=False)

        self.guard(into_tmux, doing=f"Copying the {what.lower()}", group="copy")

    def open_url(self, url: str, *, new_tab: bool = True) -> None:
        """Open `url` with `[ui] opener`, else the system browser; where there is none, say so
        and offer to copy the link instead."""
        from tui.text import link_host

        opener = self.config.ui.opener
        if opener:
            argv = [*shlex.split(opener), url]

            async def run_opener() -> None:
                status = await run_detached(argv)
                if status:
                    self.report_error(
                        f"{argv[0]} exited with status {status}", doing=f"Opening {link_host(url)}"
                    )

            self.notify(f"Opening {link_host(url)} with {argv[0]}.", markup=False)
            self.guard(run_opener, doing=f"Opening {link_host(url)}", group="open")
            return
        missing = no_browser_reason()
        if missing:
            self.offer_copy(url, missing)
            return

        async def run_browser() -> None:
            import webbrowser

            if not await asyncio.to_thread(webbrowser.open, url, 2 if new_tab else 0):
                self.offer_copy(url, "No browser accepted the link.")

        self.notify("Opening " + link_host(url), markup=False)
        self.guard(run_browser, doing=f"Opening {link_host(url)}", group="open")

    def offer_copy(self, url: str, reason: str) -> None:
        from tui.ui.screens.confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                self.copy_text(url, what="Link")

        self.push_screen(
            ConfirmScreen(
                "No browser to open the link",
                f"{reason} Copy the link instead? ([ui] opener in config.toml names a command "
                "that opens links.)",
                yes="Copy link",
            ),
            answered,
        )

    # ----- the terminal goes away --------------------------------------------------------------
    def save_draft_now(self) -> None:
        """Write the composer's draft to the cache at once: the process is about to end (a
        signal). While $EDITOR runs, what it has saved so far is the draft."""
        from tui.ui.widgets.compose import ComposePane, from_editor

        for screen in self.screen_stack:
            for pane in screen.query(ComposePane):
                text: str | None = None
                path = pane.editor_path
                if path is not None:
                    try:
                        text = from_editor(path.read_text(encoding="utf-8", errors="replace"))
                    except OSError as exc:  # the form's text is saved instead
                        from tui import errorlog

                        errorlog.log_exception(exc, doing="Reading the draft from $EDITOR")
                pane.save_draft(text)
                if path is not None and text is not None:
                    path.unlink(missing_ok=True)  # the process ends before the editor's cleanup


def account_for(who: str, accounts: Sequence[Any], preferred: str | None = None) -> str | None:
    """The account to look `who` up on: one of the network the identifier belongs to (npub and
    hex keys: Nostr; did: and bare domains: Bluesky; @name@server: Mastodon), the preferred
    (selected) account first; any account when the shape says nothing."""
    from tui.model import NetworkKind

    text = who.strip().lstrip("@")
    kind: NetworkKind | None = None
    if text.startswith(("npub1", "nprofile1", "nostr:")) or re.fullmatch(r"[0-9a-f]{64}", text):
        kind = NetworkKind.NOSTR
    elif text.startswith("did:") or ("@" not in text and "." in text):
        kind = NetworkKind.BLUESKY
    elif "@" in text:
        kind = NetworkKind.MASTODON
    ordered = sorted(accounts, key=lambda a: a.name != preferred)
    for account in ordered:
        if kind is None or account.network is kind:
            return str(account.name)
    return str(ordered[0].name) if ordered else None


TMUX_TIMEOUT = 5.0
OPENER_WAIT = 10.0  # how long an opener's exit status is waited for (a browser may keep running)
TERMINATE_GRACE = 3.0  # seconds a normal exit gets after SIGHUP/SIGTERM before the process ends


def child_env() -> dict[str, str]:
    """The environment for programs the app starts: the vault passphrase never reaches them."""
    from tui.store.vault import PASSPHRASE_ENV

    return {k: v for k, v in os.environ.items() if k != PASSPHRASE_ENV}


async def run_detached(argv: list[str]) -> int | None:
    """Start `argv` (no shell, no terminal, scrubbed environment); its exit status if it ends
    within OPENER_WAIT, else None. Failing to start raises OSError."""
    process = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
        env=child_env(),
        start_new_session=True,
    )
    try:
        return await asyncio.wait_for(process.wait(), OPENER_WAIT)
    except TimeoutError:
        return None


async def _tmux(*args: str, data: bytes | None = None) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        "tmux",
        *args,
        stdin=asyncio.subprocess.PIPE if data is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=child_env(),
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(data), TMUX_TIMEOUT)
    except TimeoutError:
        process.kill()
        return 1, "tmux did not answer"
    return process.returncode or 0, (out or err).decode(errors="replace").strip()


async def tmux_copy(text: str, what: str) -> tuple[str, bool]:
    """Load `text` into tmux's paste buffer; a truthful sentence on where it went, and whether
    it got anywhere. OSC 52 (already written) reaches the outer terminal only when tmux's
    `set-clipboard` is `on`; the default, `external`, drops it."""
    try:
        status, output = await _tmux("load-buffer", "-", data=text.encode())
    except OSError as exc:
        status, output = 1, str(exc)
    if status:
        return (
            f"{what} not copied: tmux load-buffer failed ({output}), and tmux passes OSC 52 "
            "on only with `set -g set-clipboard on`.",
            False,
        )
    try:
        _, setting = await _tmux("show-options", "-gv", "set-clipboard")
    except OSError:
        setting = ""
    if setting == "on":
        return f"{what} copied to the tmux buffer and the terminal's clipboard.", True
    return (
        f"{what} copied to the tmux buffer (prefix ] pastes). For the system clipboard too: "
        "set -g set-clipboard on in tmux.conf.",
        True,
    )


def no_browser_reason(environ: Mapping[str, str] | None = None) -> str:
    """Why no browser can open a link here, or "" when one may."""
    env = os.environ if environ is None else environ
    if sys.platform in ("darwin", "win32") or env.get("BROWSER"):
        return ""
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return ""
    remote = " (over SSH)" if env.get("SSH_CONNECTION") else ""
    return f"There is no display here{remote}, so no browser."


class Terminator:
    """SIGHUP and SIGTERM end the app in every state: the draft is saved, then the app exits
    normally; while suspended for $EDITOR (the event loop is blocked in the editor's wait, and
    resuming on a closed terminal would stop the process for good) the process ends at once.
    A normal exit that does not finish within TERMINATE_GRACE ends the process too."""

    def __init__(self, app: MurmurApp, cleanup: Callable[[], None] | None = None) -> None:
        self.app = app
        self.cleanup = cleanup
        self.suspended = False
        self.ending = False
        self.loop: asyncio.AbstractEventLoop | None = None

    def install(self) -> None:
        for sig in (signal.SIGHUP, signal.SIGTERM):
            signal.signal(sig, self._handle)

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        # Immediate: the loop is blocked while suspended, a queued callback would come too late.
        self.app.app_suspend_signal.subscribe(self.app, self._on_suspend, immediate=True)
        self.app.app_resume_signal.subscribe(self.app, self._on_resume, immediate=True)

    def _on_suspend(self, _app: object) -> None:
        self.suspended = True

    def _on_resume(self, _app: object) -> None:
        self.suspended = False

    def _handle(self, signum: int, _frame: object) -> None:
        status = 128 + signum
        if self.ending:
            self._finish(status)
        self.ending = True
        try:
            self.app.save_draft_now()
        except Exception as exc:  # noqa: BLE001 - logged; ending the process matters more now
            from tui import errorlog

            errorlog.log_exception(exc, doing="Saving the draft on a signal")
        if self.suspended or self.loop is None or self.loop.is_closed():
            self._finish(status)
        self.loop.call_soon_threadsafe(lambda: self.app.exit(return_code=status))
        watchdog = threading.Thread(
            target=self._finish_later, args=(status,), name="murmur-exit", daemon=True
        )
        watchdog.start()

    def _finish_later(self, status: int) -> None:
        time.sleep(TERMINATE_GRACE)
        self._finish(status)

    def _finish(self, status: int) -> NoReturn:
        if self.cleanup is not None:
            try:
                self.cleanup()
            except Exception as exc:  # noqa: BLE001 - logged; the process ends regardless
                from tui import errorlog

                errorlog.log_exception(exc, doing="Cleaning up on a signal")
        try:
            cache = self.app.session.cache
            if cache is not None and threading.current_thread() is threading.main_thread():
                cache.close()
        finally:
            os._exit(status)


def run(session: Session, config: Config) -> int:
    """Run the app until the user quits; returns the process exit status."""
    app = MurmurApp(session, config=config)
    app.terminator = Terminator(app)
    app.terminator.install()
    app.run()
    return app.return_code or 0
