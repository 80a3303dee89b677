"""Where files go, and that folders Murmur makes are private."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tui.store import paths


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_murmur_home_holds_everything(murmur_home: Path) -> None:
    assert paths.config_file() == murmur_home / "config.toml"
    assert paths.data_dir() == paths.cache_dir() == murmur_home
    assert paths.vault_file() == murmur_home / "vault.bin"
    assert paths.cache_file() == murmur_home / "cache.sqlite"


def test_without_murmur_home_the_platform_folders_are_used(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("MURMUR_HOME", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert paths.config_file() == tmp_path / "cfg" / "murmur" / "config.toml"
    assert paths.vault_file() == tmp_path / "data" / "murmur" / "vault.bin"
    assert paths.cache_file() == tmp_path / "cache" / "murmur" / "cache.sqlite"


def test_ensure_private_dir_creates_and_tightens(tmp_path: Path) -> None:
    made = paths.ensure_private_dir(tmp_path / "a" / "b")
    assert mode(made) == 0o700
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o755)
    os.chmod(loose, 0o755)
    paths.ensure_private_dir(loose)
    assert mode(loose) == 0o700


def test_write_private_file_replaces_atomically(tmp_path: Path) -> None:
    target = tmp_path / "d" / "file.bin"
    paths.write_private_file(target, b"one")
    paths.write_private_file(target, b"two")
    assert target.read_bytes() == b"two"
    assert mode(target) == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["file.bin"]


def test_a_shared_sticky_folder_such_as_tmp_is_never_closed(tmp_path) -> None:
    import os
    import stat as st

    from tui.store import paths

    shared = tmp_path / "shared-tmp"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    paths.write_private_file(shared / "file", b"x")  # a private file may live there...
    assert st.S_IMODE(shared.stat().st_mode) == 0o1777  # ...the folder stays open to others
    assert st.S_IMODE((shared / "file").stat().st_mode) == 0o600
