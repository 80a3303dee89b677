"""Bluesky (AT Protocol): hand-written XRPC over the shared httpx client.

`BlueskyNetwork` implements the Network contract; `login` runs the app-password login. Both load
on first use, so reading `tui.networks.bluesky.options` does not import httpx.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.networks.bluesky.login import login
    from tui.networks.bluesky.network import BlueskyNetwork

__all__ = ["BlueskyNetwork", "login"]


def __getattr__(name: str) -> Any:
    if name == "login":
        from tui.networks.bluesky.login import login

        return login
    if name == "BlueskyNetwork":
        from tui.networks.bluesky.network import BlueskyNetwork

        return BlueskyNetwork
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
