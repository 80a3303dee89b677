"""Fixtures every test area shares: a private MURMUR_HOME and the path to shared/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
PASSPHRASE = "correct horse battery staple"


def in_ci() -> bool:
    """Under CI a server that cannot start is a failure, never a skip."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture
def murmur_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty, private Murmur home (config, vault, cache) with a known passphrase."""
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    monkeypatch.setenv("MURMUR_HOME", str(home))
    monkeypatch.setenv("MURMUR_PASSPHRASE", PASSPHRASE)
    return home
