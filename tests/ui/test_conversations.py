"""The Messages screen over accounts that cannot send private messages: each says why."""

from __future__ import annotations

from tests.ui.pilot import started
from tui.networks.base import Limits
from tui.ui.screens.conversations import ConversationsScreen

SIZE = (100, 30)


async def test_accounts_without_private_messages_say_why(build_app, networks):
    chatless = networks["masto"]
    chatless._limits = Limits(messages=False, messages_note="Bluesky chat is not available here")
    app = build_app(networks)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("C")
        await pilot.pause()
        assert isinstance(app.screen, ConversationsScreen)
        notes = app.screen.query_one("#conversations-notes")

        async def shown() -> str:
            for _ in range(100):  # the list loads in a worker: wait for it, with a bound
                text = str(notes.render())
                if "Loading" not in text:
                    return text
                await pilot.pause(0.05)
            raise AssertionError("the Messages screen never finished loading")

        text = await shown()
        assert "masto: Bluesky chat is not available here" in text
        assert "No private conversations yet" in text
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, ConversationsScreen)  # nobody can write: it says so
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ConversationsScreen)
