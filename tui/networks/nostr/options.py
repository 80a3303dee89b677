"""The account options the Nostr adapter reads (see tui/networks/options.py).

Their defaults are the global `[nostr]` settings, so limiting `[nostr] default_relays` to one's
own relay reaches every account that lists none.
"""

from __future__ import annotations

from tui.networks.options import Option

# The relays used when neither the account nor [nostr] default_relays names any.
DEFAULT_RELAYS = (
    "wss://relay.damus.io",
    "wss://nos.lol",
    "wss://relay.primal.net",
    "wss://relay.nostr.band",
)

OPTIONS: tuple[Option, ...] = (
    Option(
        "relays",
        "relays",
        DEFAULT_RELAYS,
        "your relays (ws:// or wss:// URLs); empty: [nostr] default_relays",
        default_from="nostr.default_relays",
    ),
    Option(
        "max_relays_per_author",
        "int",
        2,
        "read each followed author from at most this many of their relays (NIP-65)",
        low=1,
        high=20,
        default_from="nostr.max_relays_per_author",
    ),
    Option(
        "max_relays_total",
        "int",
        30,
        "never hold more than this many relay connections at once",
        low=1,
        high=500,
        default_from="nostr.max_relays_total",
    ),
)
