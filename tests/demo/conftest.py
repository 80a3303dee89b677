"""A running demo for the tests: relay on a free port, seeded community, config and vault."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tui.demo import Demo, start_demo
from tui.networks.nostr.keys import Keys
from tui.store.vault import Vault


async def user_keys(demo: Demo) -> Keys:
    """The user's key, read the way the app reads it: from the demo's vault."""
    vault = await Vault.unlock(demo.home / "vault.bin", demo.passphrase, create=False)
    return Keys.parse(vault.get("demo")["nsec"])


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def demo() -> AsyncIterator[Demo]:
    running = await start_demo(None, None)
    try:
        yield running
    finally:
        await running.stop()


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def user(demo: Demo) -> Keys:
    return await user_keys(demo)
