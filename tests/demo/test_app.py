"""`murmur demo` end to end: the app opens signed in and shows the community and notifications."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

import tui.demo
from tests.support import wait_until_async
from tui.ui.app import MurmurApp

pytestmark = pytest.mark.network  # the demo relay


async def test_the_app_opens_on_the_demo_and_shows_posts_and_notifications(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    seen: dict[str, Any] = {}
    run_async = MurmurApp.run_async

    async def look_then_quit(pilot: Any) -> None:
        app = pilot.app

        def both_filled() -> bool:
            timeline = app.screen.query("#timeline")
            notifications = app.screen.query("#notifications")
            if timeline and notifications:
                seen["posts"] = len(timeline.first().items)
                seen["notifications"] = len(notifications.first().items)
            return bool(seen.get("posts") and seen.get("notifications"))

        try:
            await wait_until_async(
                both_filled, 60, "posts and notifications on screen", interval=0.2
            )
        except AssertionError as exc:  # reported after the app has ended
            seen["error"] = str(exc)
        finally:
            seen["home"] = os.environ["MURMUR_HOME"]
            app.exit(0)

    async def headless(self: MurmurApp, **_: Any) -> Any:
        return await run_async(self, headless=True, size=(80, 24), auto_pilot=look_then_quit)

    monkeypatch.setattr(MurmurApp, "run_async", headless)
    monkeypatch.delenv("MURMUR_HOME", raising=False)
    code = await tui.demo._run_app(None, None)

    assert "error" not in seen, seen["error"]
    assert code == 0
    assert seen["posts"] > 20 and seen["notifications"] > 0
    [notice] = capsys.readouterr().out.splitlines()
    assert notice.startswith("Demo relay on ws://127.0.0.1:") and seen["home"] in notice
    assert not Path(seen["home"]).exists()  # a temporary home is deleted on exit
