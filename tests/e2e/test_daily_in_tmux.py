"""Polls, edits and reports in the app in tmux, against the Mastodon contract server."""

from __future__ import annotations

import asyncio

import httpx
import pytest

pytestmark = pytest.mark.network


async def wait(terminal, text: str, timeout: float = 30.0) -> str:
    return await asyncio.to_thread(terminal.wait_for, text, timeout)


async def test_edit_vote_and_report_in_tmux(terminal, term_env, amurmur, server):
    login = await amurmur("login", "mastodon", server.url, "--token-stdin", stdin="test-token\n")
    assert login.code == 0, login.err
    posted = await amurmur("post", "Helo from tmux")
    assert posted.code == 0, posted.err
    terminal.start([], size=(80, 24), env=term_env)
    await wait(terminal, "Helo from tmux")
    await wait(terminal, "connected (streaming)")

    # Edit: E on my newest post opens it in the composer; ctrl+s saves the edit.
    terminal.keys("g", "g", "E")
    await wait(terminal, "editing your post")
    terminal.keys(*["BSpace"] * len("Helo from tmux"))
    terminal.type("Hello from tmux")
    terminal.keys("C-s")
    await wait(terminal, "Edited.")
    texts = [s.text for s in server.world.statuses.values()]
    mine = next((s for s in server.world.statuses.values() if s.text == "Hello from tmux"), None)
    assert mine is not None, texts[-3:]
    assert len(mine.history) == 2
    await wait(terminal, "✎ edited")

    # Vote: a poll arrives live; enter opens the vote dialog, a digit chooses, enter votes.
    async with httpx.AsyncClient() as client:
        await client.post(
            f"{server.url}/_test/statuses",
            json={"as": "bob", "status": "Vim or Emacs?", "poll": {"options": ["vim", "emacs"]}},
        )
    await wait(terminal, "1 new post")
    terminal.keys("g", "g")
    await wait(terminal, "Vim or Emacs?")
    terminal.keys("Enter")
    await wait(terminal, "2 ○ emacs")
    terminal.keys("2", "Enter")
    await wait(terminal, "Voted.")
    polled = next(s for s in server.world.statuses.values() if s.text == "Vim or Emacs?")
    assert list(server.world.polls[polled.poll].votes.values()) == [[1]]

    # Report: ctrl+x, a rule, a comment, ctrl+s.
    terminal.keys("C-x")
    await wait(terminal, "Rules it breaks")
    terminal.keys("Tab", "Space", "Tab")
    terminal.type("spam in a poll")
    terminal.keys("C-s")
    screen = await wait(terminal, "Reported. Thank you.")
    report = server.world.reports[-1]
    assert report["comment"] == "spam in a poll" and report["rule_ids"]
    assert report["status_ids"] == [polled.id]
    assert "Traceback" not in screen
