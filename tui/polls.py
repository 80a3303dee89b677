"""Poll durations as people write them (`30m`, `6h`, `1d`), for the composer and the CLI."""

from __future__ import annotations

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
DEFAULT = "1d"


def duration(text: str) -> int:
    """Seconds in `30m`, `6h`, `1d`, `1w` or a bare number of seconds; ValueError otherwise."""
    value = text.strip().lower()
    unit = _UNITS.get(value[-1:], 0) if value else 0
    number = value[:-1] if unit else value
    if not number.isdigit() or int(number) <= 0:
        raise ValueError(f"expected a duration such as 30m, 6h or 1d, got {text!r}")
    return int(number) * (unit or 1)


def choices(text: str) -> list[str]:
    """Poll choices from the composer's one-line field: separated by `|`."""
    return [c.strip() for c in text.split("|") if c.strip()]
