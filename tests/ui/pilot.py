"""Helpers for Pilot tests."""

from __future__ import annotations

from textual.pilot import Pilot


async def started(pilot: Pilot) -> None:
    """Wait until every worker but the endless live streams is done."""
    app = pilot.app
    for _ in range(100):
        await pilot.pause()
        busy = [w for w in app.workers if not w.group.startswith("stream:") and not w.is_finished]
        if not busy:
            await pilot.pause()
            return
        await app.workers.wait_for_complete(busy)
    raise AssertionError("workers never settled")


def toasts(app: object) -> list[str]:
    return [str(n.message) for n in app._notifications]  # type: ignore[attr-defined]


def screen_lines(app: object) -> list[str]:
    """The screen as a user sees it: one string per terminal line."""
    strips = app.screen._compositor.render_strips()  # type: ignore[attr-defined]
    return [strip.text for strip in strips]
