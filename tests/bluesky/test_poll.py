"""Bluesky's polling loop: it waits by the shared backoff rule while the server keeps failing."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tui.model import ConnectionState, NetworkKind, Page
from tui.networks.base import Transient
from tui.networks.bluesky import poll


class FailingThenFine:
    """A stand-in adapter whose reads fail `failures` times, then answer empty pages."""

    kind = NetworkKind.BLUESKY

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.account = SimpleNamespace(name="a.test")
        self.state = ConnectionState.OFFLINE
        self.states: list[ConnectionState] = []

    def set_state(self, state: ConnectionState, detail: str = "") -> None:
        self.state = state
        self.states.append(state)

    async def timeline(self, feed, cursor=None, limit=40) -> Page:
        if self.failures:
            self.failures -= 1
            raise Transient("the server did not answer")
        return Page()

    async def notifications(self, cursor=None, limit=40) -> Page:
        return Page()


class Enough(Exception):
    """Ends the polling loop once a test has seen the rounds it wanted."""


def waits_until(monkeypatch, rounds: int) -> list[float]:
    """Record the loop's waits instead of waiting; the `rounds`-th wait ends the loop."""
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) >= rounds:
            raise Enough

    monkeypatch.setattr(poll, "_sleep", record)
    return waits


async def test_failed_rounds_wait_longer_each_time_then_the_interval(monkeypatch) -> None:
    waits = waits_until(monkeypatch, 7)
    net = FailingThenFine(failures=6)
    events = poll.events(net, 30.0)
    with pytest.raises(Enough):
        await anext(events)  # nothing to deliver: state goes to the listeners only
    assert net.states == [ConnectionState.RECONNECTING] * 6 + [ConnectionState.POLLING]
    # Equal jitter: try n waits between half and all of min(600, 30 * 2**n).
    for n, wait in enumerate(waits[:6]):
        cap = min(600.0, 30.0 * 2**n)
        assert cap / 2 <= wait <= cap, (n, wait)
    assert waits[5] >= 300.0  # after six failures the server is asked every 5-10 minutes
    assert waits[6] == 30.0  # back to the interval once the server answers


class Scripted(FailingThenFine):
    """Reads fail or answer in the order given: True fails, False answers."""

    def __init__(self, script: list[bool]) -> None:
        super().__init__(0)
        self.script = script

    async def timeline(self, feed, cursor=None, limit=40) -> Page:
        if self.script and self.script.pop(0):
            raise Transient("the server did not answer")
        return Page()


async def test_one_success_resets_the_backoff(monkeypatch) -> None:
    """After failures, one answer brings the wait back: the next failure waits as little as the
    first one did."""
    waits = waits_until(monkeypatch, 5)
    net = Scripted([True, True, True, False, True])
    with pytest.raises(Enough):
        await anext(poll.events(net, 30.0))
    assert net.states == [ConnectionState.RECONNECTING] * 3 + [
        ConnectionState.POLLING,
        ConnectionState.RECONNECTING,
    ]
    assert waits[2] >= 60.0  # the third failure in a row: between 60 and 120 s
    assert waits[3] == 30.0  # answered: the ordinary interval
    assert 15.0 <= waits[4] <= 30.0  # a failure after that waits as little as the first did


@pytest.mark.parametrize("interval", [0.5, 900.0])
async def test_the_wait_never_falls_below_half_the_interval(monkeypatch, interval) -> None:
    waits = waits_until(monkeypatch, 3)
    net = FailingThenFine(failures=3)
    with pytest.raises(Enough):
        await anext(poll.events(net, interval))
    assert net.states == [ConnectionState.RECONNECTING] * 3
    assert all(w >= interval / 2 for w in waits)
