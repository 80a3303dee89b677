"""The test helpers themselves: waits end on the event or fail with a sentence at the deadline."""

from __future__ import annotations

import socket

import pytest

from tests.support import (
    HOSTILE,
    SHARED,
    free_port,
    hostile_html,
    hostile_strings,
    port_open,
    wait_for_port,
    wait_until,
    wait_until_async,
)


def test_the_shared_folder_and_its_hostile_cases_are_found() -> None:
    assert (SHARED / "DESIGN.md").is_file()
    strings, html = dict(hostile_strings()), dict(hostile_html())
    assert len(strings) > 10 and len(html) > 5
    assert "hi\x1b]52;" in strings["osc52-clipboard-st"]
    deep = html["deep-nesting"]  # a `repeat` case comes expanded
    assert deep.startswith("<span><span>") and "deep" in deep
    assert HOSTILE == SHARED / "hostile"


def test_wait_until_returns_the_first_true_value() -> None:
    calls = iter([0, None, "", "found"])
    assert wait_until(lambda: next(calls), 5, "a value", interval=0) == "found"


def test_wait_until_fails_naming_what_it_waited_for() -> None:
    with pytest.raises(AssertionError, match=r"not within 0.05 s: the answer \(last seen: 0\)"):
        wait_until(lambda: 0, 0.05, "the answer", interval=0.01)


async def test_wait_until_async_takes_plain_and_async_predicates() -> None:
    values = iter([False, True])

    async def later() -> bool:
        return next(values)

    assert await wait_until_async(later, 5, "an async value", interval=0) is True
    assert await wait_until_async(lambda: 3, 5, "a plain value") == 3
    with pytest.raises(AssertionError, match="never"):
        await wait_until_async(lambda: None, 0.05, "never", interval=0.01)


def test_a_port_is_waited_for_until_something_listens() -> None:
    port = free_port()
    assert not port_open(port)
    with pytest.raises(AssertionError, match="the relay"):
        wait_for_port(port, 0.1, "the relay")
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))
        s.listen()
        wait_for_port(port, 5)
        assert port_open(port)


def test_waiting_for_a_port_stops_when_the_server_has_exited() -> None:
    with pytest.raises(AssertionError, match="exited before listening"):
        wait_for_port(free_port(), 30, "the daemon", alive=lambda: False)
