"""Following a network's live stream for as long as the app runs.

A stream may end (the server closed it) or raise (a dropped connection the adapter did not absorb).
Either way it is started again after a wait by the one backoff rule (`tui.backoff.delay`: 1 s
doubling up to 60 s, jittered), back to 1 s once a stream has run long enough to count as
healthy; meanwhile the status bar says "reconnecting" and why. An AuthError is not retried: only
logging in again can help, so it goes up to be shown. Textual-free: the reader uses it.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable

from tui import backoff, errorlog
from tui.model import ConnectionState, Event
from tui.networks.base import AuthError, Network, NetworkError

HEALTHY_AFTER = 60.0  # a stream that ran this long resets the backoff
MAX_REASON = 80  # characters of the failure shown in the status bar

sleep = asyncio.sleep  # the one place the loop waits (tests replace it)


def _reason(exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else type(exc).__name__
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "…"


async def follow(
    network: Network,
    on_event: Callable[[Event], None],
    on_state: Callable[[ConnectionState, str], None],
) -> None:
    """Feed `on_event` from `network.stream()` until cancelled, restarting it whenever it stops."""
    failures = 0
    while True:
        started = time.monotonic()
        try:
            async for event in network.stream():
                on_event(event)
            reason = "stream ended"
        except AuthError:
            on_state(ConnectionState.OFFLINE, "log in again")
            raise
        except NetworkError as exc:
            reason = _reason(exc)
        except Exception as exc:  # noqa: BLE001 - a bug below: logged with its traceback
            where = errorlog.log_exception(exc, doing=f"Live updates for {network.account.name}")
            reason = f"unexpected {type(exc).__name__}, details in {where}"
        if time.monotonic() - started >= HEALTHY_AFTER:
            failures = 0
        delay = backoff.delay(failures)
        failures += 1
        on_state(ConnectionState.RECONNECTING, f"retry in {math.ceil(delay)} s: {reason}")
        await sleep(delay)
        on_state(network.state, network.state_detail)
