"""The encrypted vault: private files, wrong passphrases, damage, concurrent writers."""

from __future__ import annotations

import asyncio
import os
import shlex
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import PASSPHRASE
from tui.store import paths
from tui.store.config import VaultConfig
from tui.store.vault import (
    PassphraseUnavailable,
    Vault,
    VaultCorrupt,
    VaultError,
    VaultMissing,
    VaultPermissions,
    WrongPassphrase,
    resolve_passphrase,
)

TOKEN = "tok-9f8e7d6c5b4a-very-secret"
ROOT = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
async def vault_path(tmp_path: Path) -> Path:
    """A vault with one entry, in a folder the vault created."""
    path = tmp_path / "fresh" / "data" / "vault.bin"
    vault = await Vault.unlock(path, PASSPHRASE)
    await vault.set("alice", {"access_token": TOKEN})
    return path


async def test_new_vault_is_private_and_round_trips(vault_path: Path) -> None:
    assert mode(vault_path) == 0o600
    assert mode(vault_path.parent) == 0o700
    assert mode(vault_path.with_name("vault.bin.lock")) == 0o600
    vault = await Vault.unlock(vault_path, PASSPHRASE, create=False)
    assert vault.names() == ["alice"]
    assert vault.get("alice") == {"access_token": TOKEN}
    assert vault.get("nobody") == {}
    await vault.set("bob", {"app_password": "x", "did": "did:plc:bob"})
    await vault.remove("alice")
    again = await Vault.unlock(vault_path, PASSPHRASE)
    assert again.names() == ["bob"]
    assert again.get("bob") == {"app_password": "x", "did": "did:plc:bob"}
    assert sorted(p.name for p in vault_path.parent.iterdir()) == ["vault.bin", "vault.bin.lock"]


async def test_missing_vault_without_create(tmp_path: Path) -> None:
    with pytest.raises(VaultMissing, match="no vault"):
        await Vault.unlock(tmp_path / "vault.bin", PASSPHRASE, create=False)


async def test_wrong_passphrase(vault_path: Path) -> None:
    with pytest.raises(WrongPassphrase) as info:
        await Vault.unlock(vault_path, "correct horse battery stapler")
    assert PASSPHRASE not in str(info.value)
    assert isinstance(info.value, VaultError)


async def test_every_tampered_byte_is_detected(vault_path: Path) -> None:
    original = vault_path.read_bytes()
    # header (magic excluded: that is "not a vault"), salt, mac, checksum, nonce, ciphertext, end
    for offset in (8, 9, 12, 30, 40, 80, 110, 120, len(original) // 2, len(original) - 1):
        damaged = bytearray(original)
        damaged[offset] ^= 0x01
        vault_path.write_bytes(bytes(damaged))
        with pytest.raises(VaultCorrupt):
            await Vault.unlock(vault_path, PASSPHRASE)
    vault_path.write_bytes(b"NOTAVAULT" + original[9:])
    with pytest.raises(VaultCorrupt, match="not a Murmur vault"):
        await Vault.unlock(vault_path, PASSPHRASE)


async def test_tampering_with_a_recomputed_checksum_is_still_detected(vault_path: Path) -> None:
    """The unkeyed checksum only finds accidents; the keyed MAC and the box stop forgeries."""
    from tui.store.vault import _HEADER, _checksum

    data = bytearray(vault_path.read_bytes())
    data[-1] ^= 0x01
    size, digest = _HEADER.size, 32
    header, mac, box = data[:size], data[size : size + digest], data[size + 2 * digest :]
    forged = bytes(header + mac + _checksum(bytes(header), bytes(mac), bytes(box)) + box)
    vault_path.write_bytes(forged)
    with pytest.raises(VaultCorrupt, match="do not authenticate"):
        await Vault.unlock(vault_path, PASSPHRASE)


async def test_truncated_vault_is_corrupt(vault_path: Path) -> None:
    original = vault_path.read_bytes()
    for length in (0, 5, 20, 60, 100, len(original) - 16, len(original) - 1):
        vault_path.write_bytes(original[:length])
        with pytest.raises(VaultCorrupt):
            await Vault.unlock(vault_path, PASSPHRASE)


@pytest.mark.parametrize("loose", [0o640, 0o604, 0o660])
async def test_vault_readable_by_others_is_refused(vault_path: Path, loose: int) -> None:
    os.chmod(vault_path, loose)
    with pytest.raises(VaultPermissions) as info:
        await Vault.unlock(vault_path, PASSPHRASE)
    assert f"chmod 600 {vault_path}" in str(info.value)
    os.chmod(vault_path, 0o600)
    assert (await Vault.unlock(vault_path, PASSPHRASE)).get("alice")


async def test_symlinked_vault_is_refused(vault_path: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.bin"
    link.symlink_to(vault_path)
    with pytest.raises(VaultPermissions, match="symbolic link"):
        await Vault.unlock(link, PASSPHRASE)


async def test_unlock_does_not_block_the_event_loop(tmp_path: Path) -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:  # cancelled below; each tick shows the loop was free for 10 ms
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    await Vault.unlock(tmp_path / "vault.bin", PASSPHRASE)
    task.cancel()
    assert ticks > 3  # Argon2id at MODERATE takes a good fraction of a second


async def test_no_secret_appears_in_plaintext_under_murmur_home(murmur_home: Path) -> None:
    vault = await Vault.unlock(paths.vault_file(), PASSPHRASE)
    await vault.set("alice", {"access_token": TOKEN})
    await vault.set("nostr", {"nsec": TOKEN + "-nsec"})
    await vault.remove("nostr")
    assert TOKEN not in repr(vault)
    files = [p for p in murmur_home.rglob("*") if p.is_file()]
    assert paths.vault_file() in files
    for file in files:
        data = file.read_bytes()
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            assert TOKEN.encode(encoding) not in data, file
            assert PASSPHRASE.encode(encoding) not in data, file


WRITER = textwrap.dedent(
    """
    import asyncio, sys
    from tui.store.vault import Vault

    async def main(path, who, count):
        vault = await Vault.unlock(path, sys.argv[4])
        for i in range(count):
            await vault.set(f"{who}-{i}", {"token": f"{who}-secret-{i}"})
        print("done", flush=True)

    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
    """
)


async def test_two_writer_processes_keep_each_others_entries(tmp_path: Path) -> None:
    """Both start before the vault exists, so creation races too; nothing may be lost."""
    path = tmp_path / "shared" / "vault.bin"
    count = 15
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), who, str(count), PASSPHRASE],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for who in ("left", "right")
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
        assert out.strip() == b"done"
    vault = await Vault.unlock(path, PASSPHRASE, create=False)
    expected = sorted(f"{who}-{i}" for who in ("left", "right") for i in range(count))
    assert vault.names() == expected
    assert vault.get("right-7") == {"token": "right-secret-7"}
    assert mode(path) == 0o600


async def test_reload_sees_another_writer(vault_path: Path) -> None:
    first = await Vault.unlock(vault_path, PASSPHRASE)
    second = await Vault.unlock(vault_path, PASSPHRASE)
    await second.set("carol", {"token": "c"})
    assert first.get("carol") == {}
    await first.set("dave", {"token": "d"})  # a write merges what is on disk
    assert first.names() == ["alice", "carol", "dave"]
    await second.reload()
    assert second.names() == ["alice", "carol", "dave"]


async def test_vault_replaced_by_another_is_not_overwritten(vault_path: Path) -> None:
    vault = await Vault.unlock(vault_path, PASSPHRASE)
    vault_path.unlink()
    other = await Vault.unlock(vault_path, "another passphrase")
    await other.set("eve", {"token": "e"})
    with pytest.raises(VaultError, match="replaced"):
        await vault.set("alice", {"token": "overwrite"})
    assert (await Vault.unlock(vault_path, "another passphrase")).names() == ["eve"]


# ----- where the passphrase comes from -------------------------------------------------------


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MURMUR_PASSPHRASE", raising=False)


def test_passphrase_from_environment_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MURMUR_PASSPHRASE", "from env")
    config = VaultConfig(passphrase_command="false")
    assert resolve_passphrase(config, interactive=False) == "from env"


def test_passphrase_command_first_line_without_a_shell(no_env: None, tmp_path: Path) -> None:
    script = "print('s3cret with spaces'); print('second line'); print('$HOME')"
    command = shlex.join([sys.executable, "-c", script])
    assert resolve_passphrase(VaultConfig(command), interactive=False) == "s3cret with spaces"
    # No shell: the metacharacters are plain arguments, nothing is expanded or chained.
    marker = tmp_path / "ran"
    echo = f"{shlex.quote(sys.executable)} -c 'import sys; print(sys.argv[1])' 'a; touch {marker}'"
    assert resolve_passphrase(VaultConfig(echo), interactive=False) == f"a; touch {marker}"
    assert not marker.exists()


async def test_passphrase_command_unlocks_the_vault(no_env: None, vault_path: Path) -> None:
    command = shlex.join([sys.executable, "-c", f"print({PASSPHRASE!r})"])
    passphrase = resolve_passphrase(VaultConfig(command), interactive=False)
    assert (await Vault.unlock(vault_path, passphrase)).get("alice") == {"access_token": TOKEN}


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("/nonexistent/murmur-pass", "failed"),
        ("false", "exit status 1"),
        ("true", "printed no passphrase"),
        ("'unclosed", "cannot be parsed"),
    ],
)
def test_failing_passphrase_command(no_env: None, command: str, message: str) -> None:
    with pytest.raises(PassphraseUnavailable, match=message):
        resolve_passphrase(VaultConfig(command), interactive=False)


def test_no_source_says_how_to_provide_one(no_env: None) -> None:
    with pytest.raises(PassphraseUnavailable) as info:
        resolve_passphrase(VaultConfig(), interactive=False)
    text = str(info.value)
    assert "MURMUR_PASSPHRASE" in text and "passphrase_command" in text


def test_prompt_confirms_when_creating(no_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter(["one", "two", "", "three", "three"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert resolve_passphrase(VaultConfig(), interactive=True, confirm=True) == "three"
    answers = iter(["only once"])
    assert resolve_passphrase(VaultConfig(), interactive=True) == "only once"
