"""Pipes: the selected post (or a whole thread) to a shell command, as plain text or as JSON.

The plain text is the sanitised text the app shows, in a mail-like shape (From, Date, URL, then
the body); JSON is the CLI's `--json` shape, one post per line. The command runs in a worker under
`sh -c` without the vault passphrase in its environment, never blocking the UI; a small screen
shows the first lines of its output (sanitised: a program's output can hold escape sequences) and
its exit status. Esc closes it, and ends the command when it is still running.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.model import NetworkKind, Post
from tui.text import clean, clean_line

if TYPE_CHECKING:
    from tui.ui.app import MurmurApp

MAX_OUTPUT = 64 * 1024  # bytes of output kept; the rest is read and dropped
SHOWN_LINES = 40  # lines of output the screen shows


def _handle(post: Post) -> str:
    from tui.cli.output import _author_json

    author = post.shown.author
    shown = _author_json(author) or {}
    if author.network is NetworkKind.NOSTR:
        return shown.get("npub") or author.handle
    return "@" + author.handle.lstrip("@")


def post_text(post: Post) -> str:
    """One post as plain text: a few header lines, a blank line, the body."""
    shown = post.shown
    head = [f"From: {clean_line(shown.author.name)} ({clean_line(_handle(post))})"]
    if post.repost_of is not None:
        head.append(f"Reposted-By: {clean_line(post.author.name)} (@{post.author.handle})")
    head.append(f"Date: {shown.created_at.strftime('%Y-%m-%d %H:%M %Z').strip()}")
    head.append(f"Network: {post.network.value} ({post.account})")
    if shown.url:
        head.append(f"URL: {clean_line(shown.url)}")
    if shown.reply_to_author:
        head.append(f"In-Reply-To: @{clean_line(shown.reply_to_author)}")
    if shown.content_warning:
        head.append(f"Content-Warning: {clean_line(shown.content_warning)}")
    body = clean(shown.content.text)
    tail = [
        f"[{m.kind.value}] {clean_line(m.url)} {clean_line(m.alt)}".rstrip() for m in shown.media
    ]
    if shown.card is not None:
        tail.append(f"[link] {clean_line(shown.card.url)} {clean_line(shown.card.title)}".rstrip())
    return "\n".join([*head, "", body, *(["", *tail] if tail else [])]) + "\n"


def posts_text(posts: Sequence[Post]) -> str:
    """Posts as plain text, separated by a line of dashes (a thread, oldest first)."""
    return ("\n" + "-" * 40 + "\n\n").join(post_text(p) for p in posts)


def posts_json(posts: Sequence[Post]) -> str:
    """Posts in the CLI's --json shape, one JSON object per line."""
    from tui.cli.output import _post_json

    return "".join(_post_json(p) + "\n" for p in posts)


@dataclass(frozen=True, slots=True)
class PipeResult:
    status: int  # the exit status; -N when signal N ended it
    output: str  # stdout and stderr, sanitised, at most MAX_OUTPUT bytes of it
    dropped: int  # bytes of output beyond MAX_OUTPUT

    @property
    def said(self) -> str:
        if self.status < 0:
            try:
                name = signal.Signals(-self.status).name
            except ValueError:
                name = f"signal {-self.status}"
            return f"ended by {name}"
        return f"exit status {self.status}"


class PipeRun:
    """One shell command fed `data`; `kill()` ends it (and what it started)."""

    def __init__(self, command: str, data: bytes) -> None:
        self.command = command
        self.data = data
        self.process: asyncio.subprocess.Process | None = None

    async def run(self) -> PipeResult:
        from tui.ui.app import child_env

        process = await asyncio.create_subprocess_shell(
            self.command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=child_env(),
            start_new_session=True,  # its own process group: kill() ends all of it
        )
        self.process = process
        kept = bytearray()
        dropped = 0

        async def feed() -> None:
            assert process.stdin is not None
            try:
                process.stdin.write(self.data)
                await process.stdin.drain()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the command did not read all of it (head -1, true): its choice
            finally:
                process.stdin.close()

        async def read() -> None:
            nonlocal dropped
            assert process.stdout is not None
            while chunk := await process.stdout.read(65536):
                room = MAX_OUTPUT - len(kept)
                kept.extend(chunk[:room])
                dropped += max(0, len(chunk) - room)

        await asyncio.gather(feed(), read())
        status = await process.wait()
        return PipeResult(status, clean(kept.decode("utf-8", errors="replace")), dropped)

    def kill(self) -> None:
        process = self.process
        if process is None or process.returncode is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass  # it ended meanwhile


class OutputScreen(ModalScreen[None]):
    """Lines of text in a small screen: a pipe's output and exit status, a listing."""

    BINDINGS = [
        Binding(
            "escape,q,enter",
            "close",
            "Close",
            id="output.close",
            tooltip="Close (ends a command still running)",
        ),
    ]
    DEFAULT_CSS = """
    OutputScreen > .dialog { width: 90%; max-height: 90%; }
    OutputScreen #output-body { height: auto; max-height: 30; }
    OutputScreen #output-status.failed { color: $error; text-style: bold; }
    """

    def __init__(self, title: str, lines: Sequence[str] = (), status: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.lines = list(lines)
        self.status = status
        self.pipe_run: PipeRun | None = None

    def compose(self) -> Any:
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False, id="output-title")
            with VerticalScroll(id="output-body"):
                yield Static("\n".join(self.lines), markup=False, id="output-text")
            yield Static(self.status, markup=False, id="output-status")
            yield Static("esc / q / enter: close", classes="dialog-keys", markup=False)

    @property
    def text(self) -> str:
        """What the screen says: title, output and status (for tests and tools)."""
        body = str(self.query_one("#output-text", Static).render())
        status = str(self.query_one("#output-status", Static).render())
        return f"{self.title_text}\n{body}\n{status}"

    def show(self, lines: Sequence[str], status: str, *, failed: bool = False) -> None:
        self.lines = list(lines)
        self.status = status
        self.query_one("#output-text", Static).update(Content("\n".join(self.lines)))
        state = self.query_one("#output-status", Static)
        state.update(Content(status))
        state.set_class(failed, "failed")

    def action_close(self) -> None:
        if self.pipe_run is not None:
            self.pipe_run.kill()
        self.dismiss(None)


def show_text(app: MurmurApp, title: str, lines: Sequence[str]) -> None:
    app.push_screen(OutputScreen(title, lines))


def shown_lines(output: str, dropped: int) -> list[str]:
    lines = output.splitlines()
    shown = lines[:SHOWN_LINES]
    more = len(lines) - len(shown)
    if more or dropped:
        extra = f"{more} more line(s)" if more else ""
        if dropped:
            extra = (extra + " and " if extra else "") + f"{dropped} more byte(s)"
        shown.append(f"… {extra} not shown")
    return shown or ["(no output)"]


def pipe_post(app: MurmurApp, command: str, posts: Sequence[Post], *, as_json: bool) -> PipeRun:
    """Pipe `posts` to `command`: the output screen opens at once, the command runs in a worker."""
    data = (posts_json(posts) if as_json else posts_text(posts)).encode("utf-8")
    what = "JSON" if as_json else "text"
    count = "the thread" if len(posts) > 1 else "the post"
    screen = OutputScreen(f"| {clean_line(command)}  ({count} as {what})", ["running…"])
    run = PipeRun(command, data)
    screen.pipe_run = run
    app.push_screen(screen)

    async def go() -> None:
        try:
            result = await run.run()
        except OSError as exc:
            if screen.is_attached:
                screen.show([], f"could not run the command: {exc}", failed=True)
            raise
        finally:
            screen.pipe_run = None
        if screen.is_attached:
            screen.show(
                shown_lines(result.output, result.dropped), result.said, failed=bool(result.status)
            )
        elif result.status:
            app.notify(f"| {command}: {result.said}", severity="warning", markup=False)

    app.guard(go, doing=f"Piping to {clean_line(command, 60)}", group="pipe")
    return run
