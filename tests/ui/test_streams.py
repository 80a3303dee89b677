"""Live streams that stop: restarted after a growing, jittered wait, shown in the status bar."""

from __future__ import annotations

import asyncio

import pytest

from tests.ui.fakes import ALL_CAPS, FakeNetwork
from tests.ui.pilot import started, toasts
from tui.networks.base import AuthError, Capability, Transient
from tui import live
from tui.ui.widgets.timeline import PostList

NARROW = (80, 24)


def status(app) -> str:
    return app.main_screen.query_one("#status").text


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> tuple[list[float], asyncio.Event]:
    """Backoff waits are recorded and last until the test opens the gate."""
    delays: list[float] = []
    gate = asyncio.Event()

    async def wait(seconds: float) -> None:
        delays.append(seconds)
        await gate.wait()

    monkeypatch.setattr(live, "sleep", wait)
    return delays, gate


async def settle(pilot, until) -> None:
    for _ in range(50):
        await pilot.pause()
        if until():
            return
    raise AssertionError("never happened")


async def test_a_stream_that_fails_or_ends_is_restarted_after_a_backoff(build_app, waits):
    delays, gate = waits
    net = FakeNetwork("masto")
    net.stream_script = [Transient("socket closed", account="masto"), None]
    app = build_app({"masto": net})
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await settle(pilot, lambda: delays)
        assert "masto ◌ reconnecting (retry in 1 s: masto: socket closed)" in status(app)
        assert net.stream_calls == 1
        gate.set()
        await settle(pilot, lambda: net.stream_calls == 3)
        assert 0.5 <= delays[0] <= 1 <= delays[1] <= 2  # doubling, jittered
        await settle(pilot, lambda: "connected" in status(app))
        live_post = net.push_post("after the reconnect")
        timeline = app.main_screen.query_one("#timeline", PostList)
        await settle(pilot, lambda: timeline.items[0].uid == live_post.uid)
        assert app.is_running and not toasts(app)


async def test_a_stream_refused_for_credentials_is_not_retried(build_app, waits):
    delays, _ = waits
    net = FakeNetwork("masto")
    net.stream_script = [AuthError("token revoked", account="masto")]
    app = build_app({"masto": net})
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await settle(pilot, lambda: toasts(app))
        assert any("token revoked" in t for t in toasts(app))
        assert "offline (log in again)" in status(app)
        assert net.stream_calls == 1 and delays == []


async def test_a_network_without_a_live_stream_is_not_reconnected(build_app, waits):
    delays, _ = waits
    net = FakeNetwork("sky", capabilities=ALL_CAPS - {Capability.STREAM})
    net.stream_script = [None]
    app = build_app({"sky": net})
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        for _ in range(5):
            await pilot.pause()
        assert net.stream_calls == 1 and delays == []
        assert "reconnecting" not in status(app)


async def test_a_stream_that_ran_long_enough_starts_the_backoff_over(monkeypatch) -> None:
    monkeypatch.setattr(live, "HEALTHY_AFTER", 0.0)  # every run counts as healthy
    delays: list[float] = []

    async def wait(seconds: float) -> None:
        delays.append(seconds)

    monkeypatch.setattr(live, "sleep", wait)
    net = FakeNetwork("masto")
    net.stream_script = [None, None, None, AuthError("stop here")]
    states: list[str] = []
    with pytest.raises(AuthError):
        await live.follow(net, lambda event: None, lambda state, detail: states.append(state))
    assert len(delays) == 3 and all(d <= 1 for d in delays)
    assert states.count("reconnecting") == 3 and states[-1] == "offline"


async def test_a_state_change_sent_twice_reaches_the_status_bar_once(build_app, monkeypatch):
    from tui.model import ConnectionState, Event, EventKind
    from tui.ui.widgets.statusbar import StatusBar

    drawn: list[tuple[str, str]] = []
    set_account = StatusBar.set_account

    def recording(self, name, network, state, detail=""):
        drawn.append((str(state), detail))
        set_account(self, name, network, state, detail)

    monkeypatch.setattr(StatusBar, "set_account", recording)
    net = FakeNetwork("masto")
    app = build_app({"masto": net})
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        drawn.clear()
        # As Mastodon does: the adapter sets its state and also streams a STATE event.
        net.set_state(ConnectionState.RECONNECTING, "polling")
        net.events.put_nowait(
            Event(
                EventKind.STATE, net.kind, "masto", ConnectionState.RECONNECTING, detail="polling"
            )
        )
        net.push_post("after the state event")
        timeline = app.main_screen.query_one("#timeline", PostList)
        await settle(pilot, lambda: timeline.item_count > 30)
        assert drawn == [("reconnecting", "polling")]
        assert "reconnecting (polling)" in status(app)


async def test_a_bug_in_a_stream_is_logged_with_its_traceback_and_the_stream_restarts(
    build_app, waits
):
    from tui.store import paths

    delays, gate = waits
    net = FakeNetwork("masto")
    net.stream_script = [KeyError("payload")]
    app = build_app({"masto": net})
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await settle(pilot, lambda: delays)
        log = paths.log_file()
        assert f"unexpected KeyError, details in {log}" in " ".join(status(app).split())
        text = log.read_text()
        assert "Live updates for masto: KeyError" in text and "Traceback" in text
        gate.set()
        await settle(pilot, lambda: net.stream_calls == 2)
