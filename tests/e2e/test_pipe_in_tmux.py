"""`:pipe` in the real app, in a real terminal: `murmur demo` in tmux, the command line typed with
send-keys, a real shell command run on the selected post, its output and exit status read off
the screen and its file off the disk."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import pytest

from tests.support import free_port

pytestmark = pytest.mark.network


def wait_for_file(path: Path, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().endswith("\n"):
            return path.read_text()
        time.sleep(0.2)
    raise AssertionError(f"{path} was not written")


async def test_pipe_runs_a_real_command_on_the_selected_post(terminal, term_env, tmp_path):
    port = free_port()
    env = {k: v for k, v in term_env.items() if k != "MURMUR_HOME"}
    terminal.start(
        ["demo", "--port", str(port), "--keep", str(tmp_path / "demo")], size=(80, 24), env=env
    )
    await asyncio.to_thread(terminal.wait_for, "Søren Østergaard", 60)

    out = tmp_path / "upper.txt"
    terminal.keys(":")
    await asyncio.to_thread(terminal.wait_for, "tab completes")
    terminal.type(f"pipe tr a-z A-Z > {out}")
    terminal.keys("Enter")
    screen = await asyncio.to_thread(terminal.wait_for, "exit status 0")
    assert "Traceback" not in screen
    text = await asyncio.to_thread(wait_for_file, out)
    head = text.splitlines()[0]
    assert head.startswith("FROM: ") and head == head.upper()
    assert "NETWORK: NOSTR (DEMO)" in text

    # The output shows in the app: `|` opens the command line with "pipe " typed.
    terminal.keys("Escape", "|")
    await asyncio.to_thread(terminal.wait_for, ":pipe")
    terminal.type("wc -l")
    terminal.keys("Enter")
    screen = await asyncio.to_thread(terminal.wait_for, "exit status 0")
    lines = text.count("\n")
    assert re.search(rf"│ {lines} +│", screen), screen  # wc's output, inside the dialog

    # A failing command says so.
    terminal.keys("Escape", ":")
    await asyncio.to_thread(terminal.wait_for, "tab completes")
    terminal.type("pipe exit 7")
    terminal.keys("Enter")
    await asyncio.to_thread(terminal.wait_for, "exit status 7")
