"""`murmur demo` in tmux at 80x24: a private message to a neighbour from the Messages screen
(`C`, `n`) goes out gift-wrapped (never as a public note), and their private answer shows."""

from __future__ import annotations

import asyncio

import pytest

from tests.e2e.test_demo_in_tmux import wait_for_events
from tests.nostr.conftest import raw_query
from tests.support import free_port
from tui.demo.community import load_data, neighbours

pytestmark = pytest.mark.network


async def test_demo_private_message_and_answer(terminal, term_env, tmp_path):
    neighbour = next(p for p in neighbours(load_data()) if not p.bot)
    port = free_port()
    url = f"ws://127.0.0.1:{port}"
    env = {k: v for k, v in term_env.items() if k != "MURMUR_HOME"}
    terminal.start(
        ["demo", "--port", str(port), "--keep", str(tmp_path / "demo")], size=(80, 24), env=env
    )
    await asyncio.to_thread(terminal.wait_for, "Søren Østergaard", 60)

    terminal.keys("C")
    await asyncio.to_thread(terminal.wait_for, "Direct messages")
    terminal.keys("n")
    await asyncio.to_thread(terminal.wait_for, "New private message")
    terminal.type(neighbour.keys.npub)
    terminal.keys("Enter")
    text = "just between us: ça va? 🌱"
    terminal.type(text)
    terminal.keys("Enter")

    wraps = await wait_for_events(url, {"kinds": [1059], "#p": [neighbour.keys.public_hex]})
    assert wraps and all(w["content"] != text for w in wraps)  # sealed, not readable
    notes = await raw_query(url, {"kinds": [1], "limit": 1000})
    assert all(text not in n["content"] for n in notes)

    name = neighbour.display_name or neighbour.name
    screen = await asyncio.to_thread(terminal.wait_for, name, 60)
    assert "ça va?" in screen and "Traceback" not in screen
