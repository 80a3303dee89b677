"""Unlock once per login session: commands in a row ask the key agent before the passphrase."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest
import tomlkit

from tui.store import agent

pytestmark = pytest.mark.network  # the commands start the key agent, a daemon

NO_NETWORK_RELAY = "ws://127.0.0.1:9"  # logging in to Nostr touches no relay


@pytest.fixture
def counted(murmur_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A passphrase_command that notes each run: how often the vault key was derived."""
    monkeypatch.delenv("MURMUR_PASSPHRASE")
    runs = murmur_home / "passphrase-runs"
    script = f"import sys; open({str(runs)!r}, 'a').write('run\\n'); print('correct horse')"
    command = shlex.join([sys.executable, "-c", script])
    config = tomlkit.dumps({"vault": {"passphrase_command": command}})
    (murmur_home / "config.toml").write_text(config)
    return runs


def runs(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


def login(murmur) -> None:
    result = murmur("login", "nostr", "--generate", "--relay", NO_NETWORK_RELAY)
    assert result.code == 0, result.err


def test_two_commands_in_a_row_derive_the_key_once(murmur, counted: Path) -> None:
    login(murmur)
    assert runs(counted) == 1
    login(murmur)  # a second account: the vault is opened with the agent's key
    assert runs(counted) == 1
    accounts = murmur("accounts").out.splitlines()
    assert len(accounts) == 2
    # What was written with the agent's key opens with the passphrase too.
    assert murmur("lock").code == 0
    name = accounts[0].split("\t")[0]
    removed = murmur("accounts", "remove", name)
    assert removed.code == 0, removed.err
    assert runs(counted) == 2


def test_murmur_lock_forgets_the_key(murmur, counted: Path) -> None:
    login(murmur)
    locked = murmur("lock")
    assert locked.code == 0
    assert "locked" in locked.out
    assert agent.info() is None  # the agent is gone
    login(murmur)
    assert runs(counted) == 2  # asked again
    assert "nothing to lock" not in murmur("lock").out
    assert "nothing to lock" in murmur("lock").out


def test_config_can_turn_the_agent_off(murmur, counted: Path, murmur_home: Path) -> None:
    config = murmur_home / "config.toml"
    config.write_text(config.read_text() + "\n[agent]\nenabled = false\n")
    login(murmur)
    login(murmur)
    assert runs(counted) == 2
    assert agent.info() is None
    assert "nothing to lock" in murmur("lock").out


def test_config_sets_the_idle_time(murmur, counted: Path, murmur_home: Path) -> None:
    config = murmur_home / "config.toml"
    config.write_text(config.read_text() + "\n[agent]\nidle_minutes = 7\n")
    login(murmur)
    assert agent.info()["idle"] == [7 * 60]


def test_a_bad_idle_time_is_a_config_error(murmur, murmur_home: Path) -> None:
    (murmur_home / "config.toml").write_text("[agent]\nidle_minutes = 0\n")
    result = murmur("config", "check")
    assert result.code == 2
    assert "agent.idle_minutes" in result.err


def test_the_app_session_takes_the_agents_vault(murmur, counted: Path) -> None:
    import asyncio

    from tui.cli.common import _agent_vault
    from tui.session import Session
    from tui.store.config import load_config

    login(murmur)
    config = load_config()
    vault = _agent_vault(config)  # what `murmur` (the app) does before its first paint
    assert vault is not None
    session = Session(config)
    session.preset_vault(vault)
    assert session.needs_passphrase and session.has_preset_passphrase
    asyncio.run(session.unlock(None))  # what the main screen does after the first paint
    assert not session.needs_passphrase
    assert set(session.networks) == {config.accounts[0].name}
    assert runs(counted) == 1
