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
