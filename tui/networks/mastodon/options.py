"""The account options the Mastodon adapter reads (see tui/networks/options.py)."""

from __future__ import annotations

from tui.networks.options import Option

OPTIONS: tuple[Option, ...] = (
    Option(
        "streaming",
        "bool",
        True,
        "use live streaming; false: always poll (Murmur also polls when the server has no "
        "streaming)",
    ),
    Option(
        "poll_interval",
        "seconds",
        60,
        "seconds between polls when not streaming",
        low=5,
        high=3600,
    ),
)
