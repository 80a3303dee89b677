"""The account options the Bluesky adapter reads (see tui/networks/options.py)."""

from __future__ import annotations

from tui.networks.options import Option

OPTIONS: tuple[Option, ...] = (
    Option("labelers", "dids", (), "DIDs of moderation labelers whose labels to apply"),
    Option(
        "report_to",
        "dids",
        (),
        "DIDs of the moderation services reports go to (empty: the one your PDS names)",
    ),
    Option(
        "service",
        "url",
        "",
        "the service `murmur login bluesky` logged in at (kept for the record)",
        recorded=True,
    ),
)
