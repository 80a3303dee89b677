"""Bluesky's polling loop: it waits by the shared backoff rule while the server keeps failing."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tui.model import ConnectionState, EventKind, NetworkKind, Page
from tui.networks.base import Transient
from tui.networks.bluesky import poll


class FailingThenFine:
    """A stand-in adapter whose reads fail `failures` times, then answer empty pages."""

    kind = NetworkKind.BLUESKY

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.account = SimpleNamespace(name="a.test")
        self.state = ConnectionState.OFFLINE

    def set_state(self, state: ConnectionState, detail: str = "") -> None:
        self.state = state

    async def timeline(self, feed, cursor=None, limit=40) -> Page:
        if self.failures:
            self.failures -= 1
            raise Transient("the server did not answer")
        return Page()

    async def notifications(self, cursor=None, limit=40) -> Page:
        return Page()


async def test_failed_rounds_wait_longer_each_time_and_reset_on_success(monkeypatch) -> None:
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(poll, "_sleep", record)
    net = FailingThenFine(failures=6)
    events = poll.events(net, 30.0)
    states = [(await anext(events)).payload for _ in range(7)]
    assert states == [ConnectionState.RECONNECTING] * 6 + [ConnectionState.POLLING]
    # Equal jitter: try n waits between half and all of min(600, 30 * 2**n).
    for n, wait in enumerate(waits[:6]):
        cap = min(600.0, 30.0 * 2**n)
        assert cap / 2 <= wait <= cap, (n, wait)
    assert waits[5] >= 300.0  # after six failures the server is asked every 5-10 minutes

    # One success resets the rule: the next failure waits as little as the first one did.
    net.failures = 1
    again = [(await anext(events)).payload for _ in range(2)]
    await events.aclose()
    assert again == [ConnectionState.RECONNECTING, ConnectionState.POLLING]
    assert waits[6] == 30.0  # after the success, the ordinary interval
    assert 15.0 <= waits[7] <= 30.0, waits[7]


@pytest.mark.parametrize("interval", [0.5, 900.0])
async def test_the_wait_never_falls_below_half_the_interval(monkeypatch, interval) -> None:
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(poll, "_sleep", record)
    events = poll.events(FailingThenFine(failures=3), interval)
    for _ in range(3):
        assert (await anext(events)).kind is EventKind.STATE
    await events.aclose()
    assert all(w >= interval / 2 for w in waits)
