"""What many test areas need: the shared folder, hostile cases, ports, waiting with a deadline.

Import from here rather than recomputing a path or writing another poll loop:

- `SHARED`, `FIXTURES`, `HOSTILE`: the `../shared` folder beside the repository and its parts.
- `hostile_strings()`, `hostile_html()`: the cases of shared/hostile as (name, value) pairs,
  with the `repeat` cases expanded.
- `free_port()`, `port_open()`, `wait_for_port()`: a port nothing listens on; whether something
  listens; waiting until it does.
- `wait_until()` / `wait_until_async()`: wait for a condition, failing with a sentence after a
  deadline. Never `sleep` to let something happen: wait for the thing itself.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import socket
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

REPO = Path(__file__).resolve().parents[1]
# The shared folder sits beside the repository (in a worktree, beside the worktree: a symlink).
SHARED = Path(__file__).parents[1].parent / "shared"
FIXTURES = SHARED / "fixtures"
HOSTILE = SHARED / "hostile"

# Long enough for a loaded two-core machine; a test that passes waits far less.
DEFAULT_TIMEOUT = 30.0


# ----- hostile cases ----------------------------------------------------------------------------
def hostile_cases(name: str) -> list[dict[str, Any]]:
    """The raw cases of shared/hostile/`name` (e.g. "strings.json")."""
    return json.loads((HOSTILE / name).read_text(encoding="utf-8"))


def hostile_string(case: dict[str, Any]) -> str:
    """The text of one strings.json case, a `repeat` case expanded."""
    if "repeat" in case:
        rep = case["repeat"]
        return rep.get("prefix", "") + rep["unit"] * rep["times"]
    return case["text"]


def hostile_html_value(case: dict[str, Any]) -> str:
    """The HTML of one html.json case, a `repeat` case (deep nesting) expanded."""
    if "repeat" in case:
        rep = case["repeat"]
        n = rep["times"]
        return rep["prefix_unit"] * n + rep["middle"] + rep["suffix_unit"] * n
    return case["html"]


def hostile_strings() -> list[tuple[str, str]]:
    """Every strings.json case as (name, text)."""
    return [(case["name"], hostile_string(case)) for case in hostile_cases("strings.json")]


def hostile_html() -> list[tuple[str, str]]:
    """Every html.json case as (name, html)."""
    return [(case["name"], hostile_html_value(case)) for case in hostile_cases("html.json")]


# ----- ports ------------------------------------------------------------------------------------
def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something accepts TCP connections on host:port now."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_for_port(
    port: int,
    timeout: float = DEFAULT_TIMEOUT,
    what: str = "",
    *,
    host: str = "127.0.0.1",
    alive: Callable[[], bool] | None = None,
) -> None:
    """Wait until host:port accepts connections; fail after `timeout` or when `alive()` is false
    (the process that should listen has exited)."""

    def ready() -> bool:
        if alive is not None and not alive():
            raise AssertionError(f"{what or f'the server on port {port}'} exited before listening")
        return port_open(port, host)

    wait_until(ready, timeout, what or f"something listening on {host}:{port}")


# ----- waiting ----------------------------------------------------------------------------------
def _failure(what: str, timeout: float, last: object) -> AssertionError:
    return AssertionError(f"not within {timeout:g} s: {what} (last seen: {last!r})")


def wait_until(
    predicate: Callable[[], T],
    timeout: float = DEFAULT_TIMEOUT,
    what: str = "the condition",
    *,
    interval: float = 0.05,
) -> T:
    """Call `predicate` until it returns something truthy and return that; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise _failure(what, timeout, value)
        time.sleep(interval)


async def wait_until_async(
    predicate: Callable[[], T | Awaitable[T]],
    timeout: float = DEFAULT_TIMEOUT,
    what: str = "the condition",
    *,
    interval: float = 0.05,
) -> T:
    """`wait_until` for the event loop: `predicate` may be a plain or an async function."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value  # type: ignore[return-value]
        if time.monotonic() >= deadline:
            raise _failure(what, timeout, value)
        await asyncio.sleep(interval)
