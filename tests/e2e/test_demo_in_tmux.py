"""`murmur demo` as a newcomer meets it, in tmux at 80x24 and 160x48: posts show, keys move and
open a thread, a post written in the composer and sent with ctrl+s lands on the demo relay
signed, and a neighbour's reply shows up in the notifications pane."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.nostr.conftest import raw_query
from tests.support import free_port
from tui.networks.nostr.event import verify_event

pytestmark = pytest.mark.network


async def wait_for_events(url: str, flt: dict, timeout: float = 30.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        events = await raw_query(url, flt)
        if events:
            return events
        await asyncio.sleep(0.5)
    raise AssertionError(f"no event matching {flt} reached the relay")


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
async def test_demo_post_reply_and_notification(terminal, term_env, tmp_path, size):
    port = free_port()
    url = f"ws://127.0.0.1:{port}"
    env = {k: v for k, v in term_env.items() if k != "MURMUR_HOME"}
    terminal.start(
        ["demo", "--port", str(port), "--keep", str(tmp_path / "demo")], size=size, env=env
    )
    screen = await asyncio.to_thread(terminal.wait_for, "Søren Østergaard", 60)
    assert "Timeline" in screen and "connected" in screen

    terminal.keys("j", "j", "k", "Enter")
    await asyncio.to_thread(terminal.wait_for, "Thread ·")
    terminal.keys("Escape")
    await asyncio.to_thread(terminal.wait_for, "Timeline ·")

    text = f"Hello neighbours, first post from tmux {size[0]}x{size[1]} — ça va? 🌱"
    terminal.keys("c")
    terminal.type(text)
    terminal.keys("C-s")
    await asyncio.to_thread(terminal.wait_for, "Sent to demo")

    mine = await wait_for_events(url, {"kinds": [1], "limit": 1000})
    posted = [e for e in mine if e["content"] == text]
    assert len(posted) == 1
    assert verify_event(posted[0]) is not None

    replies = await wait_for_events(url, {"kinds": [1], "#e": [posted[0]["id"]]})
    reply_words = replies[0]["content"].split()[:3]
    words = " ".join(reply_words)
    wide = size[0] >= 160

    def pane(screen: str) -> list[str]:
        """The notifications pane's lines: the middle column when wide, the screen otherwise."""
        lines = screen.splitlines()
        return [line.split("▏")[1] if wide and "▏" in line else line for line in lines]

    # To the notifications pane, and to its newest row (it may wait behind a "new" bar).
    terminal.keys("Escape", "M-2", "g", "g")
    screen = await asyncio.to_thread(
        terminal.wait_until, lambda s: any(words in line for line in pane(s)), 30, words
    )
    # The notification row above the reply's text says it is a reply (↩) and unread (●).
    lines = pane(screen)
    row = next(i for i, line in enumerate(lines) if words in line)
    assert "● ↩" in lines[row - 1]
    assert "Traceback" not in screen
