"""Mastodon and every server speaking its client API (Pleroma/Akkoma, GoToSocial, Takahē...).

`MastodonNetwork` and `login` load on first use, so reading `tui.networks.mastodon.options`
(config does, for every command) does not import httpx or websockets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.networks.mastodon.login import login
    from tui.networks.mastodon.network import MastodonNetwork

__all__ = ["MastodonNetwork", "login"]


def __getattr__(name: str) -> Any:
    if name == "login":
        from tui.networks.mastodon.login import login

        return login
    if name == "MastodonNetwork":
        from tui.networks.mastodon.network import MastodonNetwork

        return MastodonNetwork
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
