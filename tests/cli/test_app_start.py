"""`murmur` with no command: the cached timeline paints first, then the vault unlocks with the
passphrase from the environment (no prompt), then fresh posts from a real relay merge in."""

from __future__ import annotations

import pytest

from tests.conftest import PASSPHRASE
from tests.nostr.conftest import raw_publish
from tests.ui.pilot import started
from tui.networks.nostr.event import sign
from tui.networks.nostr.keys import Keys

pytestmark = pytest.mark.network


async def test_app_unlocks_with_the_preset_passphrase_after_painting_the_cache(
    amurmur, local_relay
):
    from tui.model import FeedRef
    from tui.session import Session, feed_key
    from tui.store import paths
    from tui.store.cache import Cache
    from tui.store.config import load_config
    from tui.ui.app import MurmurApp
    from tui.ui.widgets.timeline import PostList

    friend = Keys.generate()
    login = await amurmur("login", "nostr", "--generate", "--relay", local_relay.url)
    assert login.code == 0, login.err
    await raw_publish(local_relay.url, sign(friend, 1, "an older note, read before"))
    assert (await amurmur("follow", friend.npub)).code == 0
    assert (await amurmur("timeline")).code == 0  # fills the cache
    await raw_publish(local_relay.url, sign(friend, 1, "a fresh note from the relay"))

    config = load_config()
    session = Session(config, Cache(paths.cache_file()))
    session.preset_passphrase(PASSPHRASE)
    account = config.accounts[0].name
    assert session.cached_posts(feed_key(account, FeedRef()))
    app = MurmurApp(session, config=config)
    async with app.run_test(size=(100, 30)) as pilot:
        timeline = app.screen.query_one("#timeline", PostList)
        await started(pilot)
        texts = [p.content.text for p in timeline.items]
        assert "a fresh note from the relay" in texts
        assert "an older note, read before" in texts
        assert session.vault is not None
        assert app.screen.__class__.__name__ != "PassphraseScreen"
