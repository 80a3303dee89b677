"""`murmur demo` details a newcomer meets (issue 9, items 16 and 20), in tmux: the relay's
address shows inside the app, quitting a temporary demo with a draft says the draft will be
lost, and NO_COLOR draws readable text with the selection in reverse video."""

from __future__ import annotations

import asyncio
import re

import pytest

from tests.support import free_port

pytestmark = pytest.mark.network

COLOUR = re.compile(r"\x1b\[[0-9;]*(?:38|48);[25];[0-9;]*m")


async def test_demo_shows_its_relay_and_warns_that_a_draft_will_be_lost(terminal, term_env):
    port = free_port()
    env = {k: v for k, v in term_env.items() if k != "MURMUR_HOME"}
    terminal.start(["demo", "--port", str(port)], size=(80, 24), env=env)
    screen = await asyncio.to_thread(terminal.wait_for, "Søren Østergaard", 60)
    assert f"demo relay ws://127.0.0.1:{port}" in screen

    terminal.keys("c")
    terminal.type("half a thought")
    await asyncio.to_thread(terminal.wait_for, "half a thought", 5)
    terminal.keys("Escape", "q")
    screen = await asyncio.to_thread(terminal.wait_for, "Quit with an unsent draft?")
    assert "draft will be lost" in screen
    terminal.keys("y")
    await asyncio.to_thread(terminal.wait_for, "MURMUR-EXITED 0")


@pytest.mark.parametrize("theme", ["no-color", "monochrome", "ansi"])
async def test_without_colours_text_is_readable_and_the_selection_reversed(
    terminal, term_env, tmp_path, theme
):
    port = free_port()
    env = {k: v for k, v in term_env.items() if k != "MURMUR_HOME"}
    home = tmp_path / "demo"
    if theme == "no-color":
        env["NO_COLOR"] = "1"
    else:
        home.mkdir(mode=0o700)
        (home / "config.toml").write_text(f'[ui]\ntheme = "{theme}"\n')
    terminal.start(["demo", "--port", str(port), "--keep", str(home)], size=(80, 24), env=env)
    await asyncio.to_thread(terminal.wait_for, "Søren Østergaard", 60)
    screen = terminal.screen_with_escapes()
    # No 256-colour or true colour anywhere: badges included ([N] on the demo's Nostr posts).
    assert not COLOUR.findall(screen), sorted(set(COLOUR.findall(screen)))[:10]
    assert "[N]" in screen
    # The selected post is drawn in reverse video.
    assert re.search(r"\x1b\[[0-9;]*\b7[;m]", screen)
    if theme == "no-color":
        # Only default colours: nothing can be black on black.
        assert not re.search(r"\x1b\[[0-9;]*\b(3[0-7]|4[0-7]|9[0-7]|10[0-7])m", screen)
