"""Account options: each network declares the keys its `[[accounts]]` tables may hold.

A declaration lives next to the adapter that reads it (`tui/networks/<net>/options.py`) and
imports nothing heavy, so config can check a file without loading httpx or websockets. Config
validates each account table against its network's declaration, fills in the defaults and hands
the adapter typed values in `account.options`.

`kind` says what a value must be:
  "bool"     true or false
  "int"      a whole number from `low` to `high`
  "seconds"  a number of seconds (whole or not) from `low` to `high`
  "url"      an https:// URL (http:// only for this machine)
  "relays"   an array of ws:// or wss:// URLs
  "dids"     an array of DIDs ("did:plc:...")
  "feed"     a feed such as "home" or "tag:NAME"

`default_from` names a global setting ("nostr.default_relays") whose value is the default, so
one `[nostr]` line reaches every Nostr account that does not set the key itself.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

KINDS = ("bool", "int", "seconds", "url", "relays", "dids", "feed")


@dataclass(frozen=True, slots=True)
class Option:
    name: str
    kind: str
    default: object
    help: str
    low: float | None = None
    high: float | None = None
    default_from: str = ""  # "section.key" of a global setting that supplies the default
    # Written by the network's login for the record, not a setting: accepted in config (older
    # files have it), not documented in config.example.toml, and no adapter behaviour hangs on it.
    recorded: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"option {self.name}: unknown kind {self.kind!r}")


# Keys every network reads.
COMMON: tuple[Option, ...] = (
    Option(
        "default_feed",
        "feed",
        "home",
        "the feed the timeline starts on (when all accounts agree; else home)",
    ),
)

# network value → the module declaring its OPTIONS (light: no adapter imports).
MODULES = {
    "mastodon": "tui.networks.mastodon.options",
    "bluesky": "tui.networks.bluesky.options",
    "nostr": "tui.networks.nostr.options",
}


def declared(network: str) -> tuple[Option, ...]:
    """Every option an account of `network` ("mastodon", ...) may set: common ones first."""
    module = importlib.import_module(MODULES[network])
    return (*COMMON, *module.OPTIONS)


def all_declared() -> dict[str, tuple[Option, ...]]:
    return {network: declared(network) for network in MODULES}
