"""Mastodon and every server speaking its client API (Pleroma/Akkoma, GoToSocial, Takahē...).

The adapter loads on first use, so reading `tui.networks.mastodon.options` (config does, for
every command) does not import httpx or websockets.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.networks.mastodon.login import login
    from tui.networks.mastodon.network import MastodonNetwork

__all__ = ["MastodonNetwork", "login"]


class _Package(types.ModuleType):
    """Loads `login` and `MastodonNetwork` on first use. `login` is also the name of a submodule,
    which the import system binds here once loaded: the function always wins, as it did when
    this package imported it eagerly."""

    def __getattribute__(self, name: str) -> Any:
        if name == "login":
            from tui.networks.mastodon.login import login

            return login
        if name == "MastodonNetwork":
            from tui.networks.mastodon.network import MastodonNetwork

            return MastodonNetwork
        return super().__getattribute__(name)


sys.modules[__name__].__class__ = _Package
