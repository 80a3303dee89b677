"""The demo home: a config that names the demo relay, the user's key only inside the vault."""

from __future__ import annotations

import stat

import pytest

from tests.demo.conftest import user_keys
from tui.demo import Demo
from tui.model import NetworkKind
from tui.store.config import load_config
from tui.store.vault import resolve_passphrase

pytestmark = [pytest.mark.network, pytest.mark.asyncio(loop_scope="module")]


async def test_config_has_one_nostr_account_on_the_demo_relay(demo: Demo):
    config = load_config(demo.config_path)
    assert demo.config_path == demo.home / "config.toml"
    [account] = config.accounts
    assert account.name == "demo" and account.network is NetworkKind.NOSTR
    assert account.handle == demo.user_npub
    assert list(account.options["relays"]) == [demo.relay_url]
    # Nothing may leave 127.0.0.1, not even through the default relay list.
    assert list(config.nostr.default_relays) == [demo.relay_url]


async def test_the_vault_holds_the_users_nsec(demo: Demo):
    keys = await user_keys(demo)
    assert keys.npub == demo.user_npub


async def test_the_passphrase_command_in_config_opens_the_vault(demo: Demo):
    config = load_config(demo.config_path)
    assert resolve_passphrase(config.vault, interactive=False) == demo.passphrase


async def test_no_plaintext_secret_anywhere_in_the_demo_home(demo: Demo):
    keys = await user_keys(demo)
    needles = [keys.nsec.encode(), keys.secret.hex().encode(), keys.secret]
    files = [p for p in demo.home.rglob("*") if p.is_file()]
    assert files
    for path in files:
        data = path.read_bytes()
        for needle in needles:
            assert needle not in data, path.name


async def test_secrets_are_private_files(demo: Demo):
    for name in ("vault.bin", "demo-passphrase", "config.toml"):
        mode = stat.S_IMODE((demo.home / name).stat().st_mode)
        assert mode & 0o077 == 0, name
