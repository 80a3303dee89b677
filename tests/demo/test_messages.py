"""The demo in the app (Pilot): send a private message to a neighbour and read the answer."""

from __future__ import annotations

from typing import Any

import pytest

import tui.demo
from tests.support import wait_until_async
from tui.demo.community import load_data, neighbours
from tui.ui.app import MurmurApp

pytestmark = pytest.mark.network  # the demo relay


async def test_a_private_message_to_a_neighbour_is_answered_privately(
    monkeypatch: pytest.MonkeyPatch,
):
    neighbour = next(p for p in neighbours(load_data()) if not p.bot)
    seen: dict[str, Any] = {}
    run_async = MurmurApp.run_async

    async def converse(pilot: Any) -> None:
        from tui.ui.screens.conversations import ConversationScreen, ConversationsScreen

        app = pilot.app
        try:
            await wait_until_async(
                lambda: (
                    bool(app.screen.query("#timeline")) and app.screen.query_one("#timeline").items
                ),
                60,
                "the timeline on screen",
                interval=0.2,
            )
            await pilot.press("C")
            await wait_until_async(
                lambda: isinstance(app.screen, ConversationsScreen), 20, "the Messages screen"
            )
            await pilot.press("n")
            await wait_until_async(
                lambda: isinstance(app.screen, ConversationScreen), 20, "a new conversation"
            )
            screen = app.screen
            await pilot.click("#conversation-to")
            await pilot.press(*neighbour.keys.npub, "enter")
            await pilot.press(*"hello neighbour, just between us", "enter")

            def answered() -> bool:
                authors = [m.author.uid for m in screen.messages]
                return "nostr:" + neighbour.keys.public_hex in authors

            await wait_until_async(answered, 60, "the neighbour's private answer", interval=0.2)
            seen["texts"] = [m.content.text for m in screen.messages]
            seen["shown"] = [str(s.render()) for s in screen.query("#conversation-messages Static")]

            def notified() -> bool:
                rows = app.main_screen.query_one("#notifications").items
                return any(getattr(r, "kind", "") == "message" for r in rows)

            await wait_until_async(notified, 60, "a message notification", interval=0.2)
            seen["status"] = app.main_screen.query_one("StatusBar").text
        except AssertionError as exc:  # reported after the app has ended
            seen["error"] = str(exc)
        finally:
            app.exit(0)

    async def headless(self: MurmurApp, **_: Any) -> Any:
        return await run_async(self, headless=True, size=(100, 30), auto_pilot=converse)

    monkeypatch.setattr(MurmurApp, "run_async", headless)
    monkeypatch.delenv("MURMUR_HOME", raising=False)
    code = await tui.demo._run_app(None, None)

    assert "error" not in seen, seen["error"]
    assert code == 0
    assert seen["texts"][0] == "hello neighbour, just between us", seen
    assert len(seen["texts"]) >= 2
    assert any("hello neighbour" in s for s in seen["shown"])
    assert "new message(s)" in seen["status"]
