"""The real `murmur` in a real terminal: tmux runs it, send-keys types, capture-pane reads.

These are the checks a person would make by hand, automated: they go through the real terminal
output path (no Pilot), at the sizes users have (80x24, 160x48).
"""

from __future__ import annotations

from collections.abc import Callable

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

# Real servers and the CLI runner from the other test areas.
from tests.bluesky.conftest import bsky  # noqa: F401
from tests.cli.conftest import amurmur  # noqa: F401
from tests.conftest import need_command
from tests.mastodon.conftest import server  # noqa: F401
from tests.nostr.conftest import local_relay  # noqa: F401

REPO = Path(__file__).resolve().parents[2]


class Terminal:
    def __init__(self, socket: str) -> None:
        self.socket = socket
        self.session = "murmur"

    def _tmux(self, *args: str) -> str:
        proc = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=30
        )
        return proc.stdout

    def start(self, args: list[str], *, size: tuple[int, int], env: dict[str, str]) -> None:
        exports = " ".join(f"{k}={_quote(v)}" for k, v in env.items())
        # COLUMNS/LINES from the test runner would override the real terminal size.
        argv = " ".join(map(_quote, args))
        command = f"env -u COLUMNS -u LINES {exports} {_quote(sys.executable)} -m tui {argv}"
        # Keep the pane after exit so a crash's last screen can be read.
        self._tmux(
            "new-session",
            "-d",
            "-s",
            self.session,
            "-x",
            str(size[0]),
            "-y",
            str(size[1]),
            f"cd {_quote(str(REPO))} && {command}; echo MURMUR-EXITED $?; sleep 600",
        )

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", self.session)

    def screen_with_escapes(self) -> str:
        """The screen with its colour and attribute escape sequences (as tmux keeps them)."""
        return self._tmux("capture-pane", "-p", "-e", "-t", self.session)

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        return self.wait_until(lambda screen: text in screen, timeout, text)

    def wait_until(self, done: Callable[[str], bool], timeout: float, what: str) -> str:
        """The screen once `done(screen)` holds; fails after `timeout` s or if the app ended."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if done(screen):
                return screen
            if "MURMUR-EXITED" in screen or "Traceback" in screen:
                break
            time.sleep(0.2)
        raise AssertionError(f"{what!r} did not appear; the screen was:\n{screen}")

    def keys(self, *keys: str, pause: float = 0.25) -> None:
        # One key per send-keys: tmux would send ESC followed by a key as alt+key.
        for key in keys:
            self._tmux("send-keys", "-t", self.session, key)
            time.sleep(pause)

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-t", self.session, "-l", text)
        time.sleep(0.3)

    def stop(self) -> None:
        self._tmux("kill-server")


def _quote(value: str) -> str:
    return "'" + value.replace("'", "'\\''") + "'"


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    need_command("tmux", "tmux")
    term = Terminal(f"murmur-test-{uuid.uuid4().hex[:8]}")
    try:
        yield term
    finally:
        term.stop()


@pytest.fixture
def term_env(murmur_home: Path) -> dict[str, str]:
    return {
        "MURMUR_HOME": str(murmur_home),
        "MURMUR_PASSPHRASE": os.environ["MURMUR_PASSPHRASE"],
        "TERM": "xterm-256color",
        "PYTHONPATH": str(REPO),
    }
