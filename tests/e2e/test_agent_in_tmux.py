"""The app asks the key agent first: opened after a CLI command, it needs no passphrase."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import uuid
from pathlib import Path

import tomlkit

from tests.e2e.conftest import Terminal

CLOSED_RELAY = "ws://127.0.0.1:9"  # nothing listens: no traffic leaves the machine


def _setup(home: Path) -> Path:
    runs = home / "passphrase-runs"
    script = f"import sys; open({str(runs)!r}, 'a').write('run\\n'); print('correct horse')"
    config = {
        "vault": {"passphrase_command": shlex.join([sys.executable, "-c", script])},
        "nostr": {"default_relays": [CLOSED_RELAY]},
    }
    (home / "config.toml").write_text(tomlkit.dumps(config))
    return runs


def _murmur(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        start_new_session=True,
    )


def _runs(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


def test_the_app_opens_the_vault_with_the_agents_key(terminal, term_env, murmur_home, monkeypatch):
    monkeypatch.delenv("MURMUR_PASSPHRASE")  # tmux passes the test's environment on
    runs = _setup(murmur_home)
    env = {k: v for k, v in term_env.items() if k != "MURMUR_PASSPHRASE"}
    cli_env = dict(os.environ) | env
    login = _murmur(cli_env, "login", "nostr", "--generate", "--relay", CLOSED_RELAY)
    assert login.returncode == 0, login.stderr
    assert _runs(runs) == 1

    terminal.start([], size=(80, 24), env=env)
    # The account's network exists (and finds its relay closed): the vault is open.
    screen = terminal.wait_for("offline")
    assert "Unlock Murmur" not in screen
    assert _runs(runs) == 1  # the app took the key from the agent: no passphrase was asked for
    terminal.stop()

    assert _murmur(cli_env, "lock").returncode == 0
    again = Terminal(f"murmur-test-{uuid.uuid4().hex[:8]}")  # a new tmux server: no old screen
    try:
        again.start([], size=(80, 24), env=env)
        again.wait_for("offline")  # opened again...
        assert _runs(runs) == 2  # ...with the passphrase: after `murmur lock` it is needed
    finally:
        again.stop()
