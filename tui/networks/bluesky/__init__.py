"""Bluesky (AT Protocol): hand-written XRPC over the shared httpx client.

`BlueskyNetwork` implements the Network contract; `login` runs the app-password login.
"""

from tui.networks.bluesky.login import login
from tui.networks.bluesky.network import BlueskyNetwork

__all__ = ["BlueskyNetwork", "login"]
