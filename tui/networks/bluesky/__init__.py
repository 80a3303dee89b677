"""Bluesky (AT Protocol): hand-written XRPC over the shared httpx client.

`BlueskyNetwork` implements the Network contract; `login` runs the app-password login. Both load
on first use, so reading `tui.networks.bluesky.options` does not import httpx.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.networks.bluesky.login import login
    from tui.networks.bluesky.network import BlueskyNetwork

__all__ = ["BlueskyNetwork", "login"]


class _Package(types.ModuleType):
    """Loads `login` and `BlueskyNetwork` on first use. `login` is also the name of a submodule,
    which the import system binds here once loaded: the function always wins, as it did when
    this package imported it eagerly."""

    def __getattribute__(self, name: str) -> Any:
        if name == "login":
            from tui.networks.bluesky.login import login

            return login
        if name == "BlueskyNetwork":
            from tui.networks.bluesky.network import BlueskyNetwork

            return BlueskyNetwork
        return super().__getattribute__(name)


sys.modules[__name__].__class__ = _Package
