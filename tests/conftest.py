"""Fixtures every test area shares: a private MURMUR_HOME and the path to shared/."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

# Re-exported for the files that still import them from here; new code imports tests.support.
from tests.support import SHARED, free_port

__all__ = ["PASSPHRASE", "SHARED", "free_port", "in_ci", "install_debian_package", "need_command"]

PASSPHRASE = "correct horse battery staple"


def in_ci() -> bool:
    """Under CI a server that cannot start is a failure, never a skip."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def install_debian_package(package: str) -> bool:
    """Install a Debian package the tests need (tmux, postgresql) when running as root.

    A fresh machine has Python, Node and little else; the test command sets up the rest itself.
    Returns whether apt-get succeeded.
    """
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return False
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")

    def install() -> bool:
        cmd = ["apt-get", "install", "-y", "-q", package]
        return subprocess.run(cmd, env=env, capture_output=True).returncode == 0

    if install():
        return True
    subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
    return install()


def need_command(command: str, package: str) -> str:
    """The path of `command`, installing `package` if needed; under CI a missing tool fails."""
    found = shutil.which(command)
    if found is None and install_debian_package(package):
        found = shutil.which(command)
    if found is None:
        message = f"{command} is not installed (apt-get install {package})"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture
def murmur_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty, private Murmur home (config, vault, cache) with a known passphrase."""
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    monkeypatch.setenv("MURMUR_HOME", str(home))
    monkeypatch.setenv("MURMUR_PASSPHRASE", PASSPHRASE)
    yield home
    from tui.store import agent

    agent.lock()  # a key agent started by the test's commands ends with it


# Fixtures that start a server (or a daemon): a test using one, even indirectly, must carry
# `pytest.mark.network`, so that `pytest -m "not network"` is a fast tier that starts none.
SERVER_FIXTURES = frozenset(
    {
        "any_relay",  # nostr
        "auth_relay",
        "local_relay",
        "read_auth_relay",
        "relays",
        "search_relay",
        "sqlite_relay",
        "domain",  # NIP-05's HTTP server
        "bsky",  # Bluesky's reference network
        "pair",
        "bluesky",  # the hostile server
        "hostile",
        "mastodon",
        "demo",  # the demo relay
        "net",  # the Mastodon contract server
        "nostream",
        "server",
        "takahe",
        "other_server",
        "running",  # the key agent
    }
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    unmarked = []
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        if info is None or item.get_closest_marker("network") is not None:
            continue
        for name in item.fixturenames:
            defs = info.name2fixturedefs.get(name) or ()
            # A parametrize argument is a pseudo-fixture defined in pytest, not in tests/.
            if name in SERVER_FIXTURES and defs and defs[-1].func.__module__.startswith("tests"):
                unmarked.append(f"{item.nodeid} (uses {name})")
                break
    if unmarked:
        raise pytest.UsageError(
            "tests that start a server need pytest.mark.network:\n  " + "\n  ".join(unmarked)
        )
