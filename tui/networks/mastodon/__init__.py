"""Mastodon and every server speaking its client API (Pleroma/Akkoma, GoToSocial, Takahē...)."""

from tui.networks.mastodon.login import login
from tui.networks.mastodon.network import MastodonNetwork

__all__ = ["MastodonNetwork", "login"]
