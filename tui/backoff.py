"""The one backoff rule: waits that double from `first` up to `ceiling`, with equal jitter.

Every retry loop in Murmur (HTTP retries, relay reconnects, live-stream restarts, the Mastodon
stream's return to streaming) waits by this rule, so that many accounts or relays never retry in
lockstep and no loop retries at once.
"""

from __future__ import annotations

import random
from collections.abc import Callable


def delay(
    attempt: int,
    *,
    first: float = 1.0,
    ceiling: float = 60.0,
    rand: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait before try number `attempt + 1` (attempt 0: the first retry).

    The cap doubles from `first`; the wait falls in the upper half of it ("equal jitter"), so a
    retry is never immediate yet never in step with another client's.
    """
    cap = min(ceiling, first * 2 ** min(max(attempt, 0), 32))
    return cap / 2 + rand() * cap / 2
