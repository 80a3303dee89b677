"""Real servers for the export tests: the Mastodon contract server, nostr-sdk's relay."""

from __future__ import annotations

from tests.cli.conftest import amurmur  # noqa: F401
from tests.mastodon.conftest import server  # noqa: F401
from tests.nostr.conftest import local_relay  # noqa: F401
