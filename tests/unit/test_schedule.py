"""When a scheduled post goes out, as people write it (the composer's field, `--schedule`)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tui.schedule import parse_when

NOW = datetime(2026, 12, 1, 20, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is UTC here, and the machine's own zone again afterwards."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("in 2h", NOW + timedelta(hours=2)),
        ("in 90m", NOW + timedelta(minutes=90)),
        ("1d", NOW + timedelta(days=1)),
        ("tomorrow 09:00", datetime(2026, 12, 2, 9, 0, tzinfo=UTC)),
        ("today 23:15", datetime(2026, 12, 1, 23, 15, tzinfo=UTC)),
        ("08:00", datetime(2026, 12, 2, 8, 0, tzinfo=UTC)),  # already past today: tomorrow's
        ("2026-12-24T09:00", datetime(2026, 12, 24, 9, 0, tzinfo=UTC)),
        ("2026-12-24 09:00+01:00", datetime(2026, 12, 24, 8, 0, tzinfo=UTC)),
        ("2026-12-24T09:00:00Z", datetime(2026, 12, 24, 9, 0, tzinfo=UTC)),
    ],
)
def test_times_people_write(text: str, expected: datetime) -> None:
    assert parse_when(text, NOW) == expected


@pytest.mark.parametrize("text", ["in 4m", "today 20:33", "2026-12-01T20:00"])
def test_less_than_five_minutes_ahead_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="at least 5 minutes ahead"):
        parse_when(text, NOW)


@pytest.mark.parametrize("text", ["", "soon", "tomorrow", "in two hours", "25:00", "today 9"])
def test_unreadable_times_say_how_to_write_them(text: str) -> None:
    with pytest.raises(ValueError, match="in 2h, tomorrow 09:00"):
        parse_when(text, NOW)


def test_five_minutes_ahead_is_accepted() -> None:
    assert parse_when("in 5m", NOW) == NOW + timedelta(minutes=5)
