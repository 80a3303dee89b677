"""When to publish a scheduled post, as people write it, for the composer and the CLI.

`in 2h`, `in 90m`, `in 1d` (also without `in`), `tomorrow 09:00`, `today 18:30`, a bare `09:00`
(its next occurrence), or an ISO time (`2026-12-24T09:00`, `2026-12-24 09:00+01:00`). Times
without an offset are local. Mastodon refuses a time less than five minutes ahead: so do we,
before anything is stored.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo

from tui.polls import duration

MIN_AHEAD = timedelta(minutes=5)
HELP = "write it as in 2h, tomorrow 09:00 or 2026-12-24T09:00"
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")


def _local() -> tzinfo:
    zone = datetime.now().astimezone().tzinfo
    return zone if zone is not None else UTC


def _clock(text: str) -> tuple[int, int]:
    match = _CLOCK.fullmatch(text.strip())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(f"expected a time of day such as 09:00, got {text!r}")
    return int(match[1]), int(match[2])


def parse_when(text: str, now: datetime | None = None) -> datetime:
    """The moment `text` names, aware and in UTC; ValueError with a sentence otherwise,
    also when it is less than five minutes ahead of `now`."""
    now = now if now is not None else datetime.now(UTC)
    local_now = now.astimezone(_local())
    words = text.strip().lower().split()
    if not words:
        raise ValueError(f"no time given: {HELP}")
    at: datetime
    try:
        if words[0] == "in" and len(words) == 2:
            at = now + timedelta(seconds=duration(words[1]))
        elif len(words) == 1 and re.fullmatch(r"\d+[smhdw]", words[0]):
            at = now + timedelta(seconds=duration(words[0]))
        elif words[0] in ("today", "tomorrow") and len(words) == 2:
            hour, minute = _clock(words[1])
            day = local_now + timedelta(days=1 if words[0] == "tomorrow" else 0)
            at = day.replace(hour=hour, minute=minute, second=0, microsecond=0)
        elif len(words) == 1 and _CLOCK.fullmatch(words[0]):
            hour, minute = _clock(words[0])
            at = local_now.replace(hour=hour, minute=minute, second=0, microsecond=0)
            if at <= local_now:
                at += timedelta(days=1)
        else:
            at = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
            if at.tzinfo is None:
                at = at.replace(tzinfo=_local())
    except ValueError:
        raise ValueError(f"cannot read {text.strip()!r} as a time: {HELP}") from None
    at = at.astimezone(UTC)
    if at < now + MIN_AHEAD:
        raise ValueError(
            f"{text.strip()!r} is {describe(at)}: a scheduled post must be at least 5 minutes ahead"
        )
    return at


def describe(at: datetime) -> str:
    """`at` for people: local time, with its offset."""
    return at.astimezone(_local()).strftime("%Y-%m-%d %H:%M %z").strip()
