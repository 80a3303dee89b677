"""The encrypted vault: access tokens, app passwords and Nostr keys, per account.

File layout (all integers big-endian):

    header    magic b"MURMURV1" | version u8 | kdf u8 (1 = Argon2id) | opslimit u32 |
              memlimit u64 | salt (16)
    mac       BLAKE2b(header, key=K): proves the passphrase is right and the header untouched
    checksum  BLAKE2b(header | mac | box), unkeyed: finds a damaged file before the slow KDF
    box       SecretBox(BLAKE2b(header, key=K)) of the JSON map account → {key: value},
              padded; a fresh random nonce on every write

K is derived from the passphrase (NFKC) with Argon2id at MODERATE limits; it is kept in memory
only, for the life of the Vault object, so writes need no second derivation. Any changed byte
fails the checksum (VaultCorrupt); a forged checksum then fails the MAC or the box. Writes go
through a temp file + fsync + rename under an fcntl lock on `vault.bin.lock`, re-reading the
file under the lock so that two processes never lose each other's entries.
"""

from __future__ import annotations

import asyncio
import errno
import getpass
import json
import os
import shlex
import stat
import struct
import subprocess
import sys
import unicodedata
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

import nacl.bindings
import nacl.encoding
import nacl.exceptions
import nacl.hash
import nacl.pwhash.argon2id as argon2id
import nacl.secret
import nacl.utils

from tui.store import paths

if TYPE_CHECKING:
    from tui.store.config import VaultConfig

MAGIC = b"MURMURV1"
VERSION = 1
KDF_ARGON2ID = 1
PASSPHRASE_ENV = "MURMUR_PASSPHRASE"

_HEADER = struct.Struct(">8sBBIQ16s")
_DIGEST = 32
_PAD = 512  # plaintext is padded to a multiple of this, so its size says little about secrets
_MAX_OPS = argon2id.OPSLIMIT_SENSITIVE
_MAX_MEM = argon2id.MEMLIMIT_SENSITIVE  # a forged header must not make us allocate terabytes
_COMMAND_TIMEOUT = 120.0


class VaultError(Exception):
    """Base of every vault problem; messages never contain secrets."""


class WrongPassphrase(VaultError):
    pass


class VaultCorrupt(VaultError):
    pass


class VaultPermissions(VaultError):
    pass


class VaultMissing(VaultError):
    pass


class PassphraseUnavailable(VaultError):
    pass


def _blake(data: bytes, *, key: bytes = b"", person: bytes) -> bytes:
    return nacl.hash.blake2b(
        data, digest_size=_DIGEST, key=key, person=person, encoder=nacl.encoding.RawEncoder
    )


def _derive(passphrase: str, salt: bytes, opslimit: int, memlimit: int) -> bytes:
    if not passphrase:
        raise WrongPassphrase("the vault passphrase is empty")
    secret = unicodedata.normalize("NFKC", passphrase).encode("utf-8")
    return argon2id.kdf(nacl.secret.SecretBox.KEY_SIZE, secret, salt, opslimit, memlimit)


def _header_mac(header: bytes, key: bytes) -> bytes:
    return _blake(header, key=key, person=b"murmur-vault-mac")


def _box(header: bytes, key: bytes) -> nacl.secret.SecretBox:
    return nacl.secret.SecretBox(_blake(header, key=key, person=b"murmur-vault-enc"))


def _checksum(header: bytes, mac: bytes, box: bytes) -> bytes:
    return _blake(header + mac + box, person=b"murmur-vault-sum")


def _new_header() -> bytes:
    salt = nacl.utils.random(argon2id.SALTBYTES)
    return _HEADER.pack(
        MAGIC, VERSION, KDF_ARGON2ID, argon2id.OPSLIMIT_MODERATE, argon2id.MEMLIMIT_MODERATE, salt
    )


def _split(path: Path, data: bytes) -> tuple[bytes, bytes, bytes, tuple[int, int, bytes]]:
    """Check the file's structure and checksum; return header, mac, box and the KDF params."""
    minimum = _HEADER.size + 2 * _DIGEST + nacl.secret.SecretBox.NONCE_SIZE
    if len(data) < _HEADER.size or data[:8] != MAGIC:
        raise VaultCorrupt(f"{path} is not a Murmur vault (or its start is damaged)")
    magic, version, kdf, opslimit, memlimit, salt = _HEADER.unpack_from(data)
    if version != VERSION:
        raise VaultCorrupt(
            f"{path} says it is vault version {version}; this Murmur reads version {VERSION} "
            "(the file was written by a newer Murmur, or it is damaged)"
        )
    if len(data) < minimum + nacl.secret.SecretBox.MACBYTES:
        raise VaultCorrupt(f"{path} is truncated ({len(data)} bytes); restore it from a backup")
    header = data[: _HEADER.size]
    mac = data[_HEADER.size : _HEADER.size + _DIGEST]
    checksum = data[_HEADER.size + _DIGEST : _HEADER.size + 2 * _DIGEST]
    box = data[_HEADER.size + 2 * _DIGEST :]
    if not nacl.bindings.sodium_memcmp(checksum, _checksum(header, mac, box)):
        raise VaultCorrupt(f"{path} is damaged or truncated (checksum mismatch)")
    valid_params = (
        kdf == KDF_ARGON2ID
        and argon2id.OPSLIMIT_MIN <= opslimit <= _MAX_OPS
        and argon2id.MEMLIMIT_MIN <= memlimit <= _MAX_MEM
    )
    if not valid_params:
        raise VaultCorrupt(f"{path} has key derivation parameters outside the safe range")
    return header, mac, box, (opslimit, memlimit, salt)


def _decrypt(path: Path, header: bytes, mac: bytes, box: bytes, key: bytes) -> dict:
    if not nacl.bindings.sodium_memcmp(mac, _header_mac(header, key)):
        raise WrongPassphrase(f"wrong passphrase for {path}")
    try:
        plain = _box(header, key).decrypt(box)
        entries = json.loads(plain.decode("utf-8"))
    except (nacl.exceptions.CryptoError, UnicodeDecodeError, ValueError):
        raise VaultCorrupt(f"{path} is damaged (its contents do not authenticate)") from None
    valid = isinstance(entries, dict) and all(
        isinstance(secrets, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in secrets.items())
        for secrets in entries.values()
    )
    if not valid:
        raise VaultCorrupt(f"{path} holds data of an unexpected shape")
    return entries


def _encode(header: bytes, key: bytes, entries: Mapping[str, Mapping[str, str]]) -> bytes:
    plain = json.dumps(entries, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    plain += b" " * (-len(plain) % _PAD)  # JSON ignores trailing whitespace
    mac = _header_mac(header, key)
    box = bytes(_box(header, key).encrypt(plain))  # nonce: 24 fresh random bytes
    return header + mac + _checksum(header, mac, box) + box


def _read_private(path: Path) -> bytes:
    """Read the vault, refusing files other users could read or that are not ours."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise VaultPermissions(f"{path} is a symbolic link; refusing to follow it") from None
        raise
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        mode = stat.S_IMODE(st.st_mode)
        if st.st_uid != os.getuid():
            raise VaultPermissions(f"{path} belongs to another user; refusing to use it")
        if mode & 0o077:
            raise VaultPermissions(
                f"{path} can be read or changed by other users (mode {mode:o}); "
                f"make it private with: chmod 600 {path}"
            )
        return f.read()


def _locked(path: Path) -> AbstractContextManager[None]:
    """Hold the exclusive lock on the vault's sibling `vault.bin.lock`."""
    return paths.locked(path)


class Vault:
    """An unlocked vault. Create it with `await Vault.unlock(...)`.

    Reads (`get`, `names`) use the state seen at unlock or the last write; writes re-read the
    file under the lock, apply the one change and write, so concurrent writers merge.
    """

    def __init__(self, path: Path, header: bytes, key: bytes, entries: dict) -> None:
        self.path = path
        self._header = header
        self._key = key
        self._entries: dict[str, dict[str, str]] = entries

    def __repr__(self) -> str:  # never show the key or secrets
        return f"<Vault {self.path} {len(self._entries)} entries>"

    @classmethod
    async def unlock(
        cls,
        path: Path | str,
        passphrase: str,
        create: bool = True,
        *,
        agent_idle: int | None = None,
    ) -> Vault:
        """Open (or with `create`, make) the vault; the KDF runs in a thread, off the loop.

        `agent_idle` (seconds): leave the derived key with the key agent, which forgets it after
        that long without use. The passphrase itself is never handed on.
        """
        vault = await asyncio.to_thread(cls._unlock, Path(path), passphrase, create)
        if agent_idle is not None:
            await asyncio.to_thread(vault.share_with_agent, agent_idle)
        return vault

    @classmethod
    def from_agent(cls, path: Path | str) -> Vault | None:
        """The vault opened with the key the agent holds for it (no passphrase, no KDF), or None.

        Fast: without an agent this costs one failed connect. The key is filed under the vault's
        path and header, so a re-created vault is never opened with an old key.
        """
        from tui.store import agent

        path = Path(path)
        try:
            data = _read_private(path)
        except FileNotFoundError:
            return None
        header, mac, box, _params = _split(path, data)
        key = agent.get_key(agent.vault_id(path, header))
        if key is None:
            return None
        try:
            return cls(path, header, key, _decrypt(path, header, mac, box, key))
        except WrongPassphrase:
            return None  # not this vault's key after all: derive it as usual

    def share_with_agent(self, idle_seconds: int) -> bool:
        """Leave the derived key with the key agent (started if needed); False without one."""
        from tui.store import agent

        return agent.put_key(agent.vault_id(self.path, self._header), self._key, idle_seconds)

    @classmethod
    def _unlock(cls, path: Path, passphrase: str, create: bool) -> Vault:
        if path.exists() or not create:
            return cls._open(path, passphrase)
        # Creating under the lock makes sure two processes end up with one salt and one file.
        with _locked(path):
            if path.exists():
                return cls._open(path, passphrase)
            header = _new_header()
            _magic, _version, _kdf, ops, mem, salt = _HEADER.unpack(header)
            key = _derive(passphrase, salt, ops, mem)
            paths.write_private_file(path, _encode(header, key, {}))
            return cls(path, header, key, {})

    @classmethod
    def _open(cls, path: Path, passphrase: str) -> Vault:
        try:
            data = _read_private(path)
        except FileNotFoundError:
            raise VaultMissing(f"no vault at {path}") from None
        header, mac, box, (ops, mem, salt) = _split(path, data)
        key = _derive(passphrase, salt, ops, mem)
        return cls(path, header, key, _decrypt(path, header, mac, box, key))

    def names(self) -> list[str]:
        return sorted(self._entries)

    def get(self, name: str) -> dict[str, str]:
        """A copy of the secrets stored for account `name` ({} when there are none)."""
        return dict(self._entries.get(name, {}))

    async def set(self, name: str, secrets: Mapping[str, str]) -> None:
        """Store `secrets` for `name`, replacing what was there."""
        clean = {str(k): v for k, v in secrets.items()}
        if not all(isinstance(v, str) for v in clean.values()):
            raise TypeError("vault secrets must be strings")

        def change(entries: dict[str, dict[str, str]]) -> bool:
            entries[name] = clean
            return True

        await asyncio.to_thread(self._update, change)

    async def remove(self, name: str) -> None:
        await asyncio.to_thread(self._update, lambda entries: entries.pop(name, None) is not None)

    async def reload(self) -> None:
        """Pick up entries other processes wrote since unlock."""
        await asyncio.to_thread(self._update, lambda entries: False)

    def _update(self, change: Callable[[dict[str, dict[str, str]]], bool]) -> None:
        with _locked(self.path):
            try:
                data = _read_private(self.path)
            except FileNotFoundError:
                entries: dict[str, dict[str, str]] = {}  # deleted behind our back: write anew
            else:
                header, mac, box, _params = _split(self.path, data)
                if header != self._header:
                    raise VaultError(
                        f"{self.path} was replaced by another vault since it was unlocked; "
                        "unlock it again"
                    )
                entries = _decrypt(self.path, header, mac, box, self._key)
            if change(entries):
                paths.write_private_file(self.path, _encode(self._header, self._key, entries))
            self._entries = entries


_taken_passphrase: str | None = None


def take_env_passphrase() -> None:
    """Read MURMUR_PASSPHRASE once and remove it from the environment.

    Called first thing at start: no child process ($EDITOR, $BROWSER, passphrase_command, a
    media opener) inherits the passphrase, and `resolve_passphrase` still finds it.
    """
    global _taken_passphrase
    _taken_passphrase = os.environ.pop(PASSPHRASE_ENV, None) or None


def resolve_passphrase(
    vault_config: VaultConfig, *, interactive: bool, confirm: bool = False
) -> str:
    """The vault passphrase from MURMUR_PASSPHRASE (as taken at start), `passphrase_command`,
    or a prompt.

    `confirm` asks twice at the prompt (when a new vault is being created).
    """
    from_env = _taken_passphrase or os.environ.get(PASSPHRASE_ENV)
    if from_env:
        return from_env
    if vault_config.passphrase_command.strip():
        return _run_passphrase_command(vault_config.passphrase_command)
    if interactive:
        return _prompt(confirm)
    raise PassphraseUnavailable(
        "the vault passphrase is needed: set MURMUR_PASSPHRASE, set [vault] passphrase_command "
        'in config.toml (e.g. "pass show murmur"), or run Murmur in a terminal to be asked'
    )


def _run_passphrase_command(command: str) -> str:
    try:
        argv = shlex.split(command)
    except ValueError as e:
        raise PassphraseUnavailable(f"[vault] passphrase_command cannot be parsed: {e}") from None
    if not argv:
        raise PassphraseUnavailable("[vault] passphrase_command is empty")
    try:
        # stdin and stderr stay the terminal's, so tools like `pass` can ask for their own PIN.
        result = subprocess.run(argv, stdout=subprocess.PIPE, check=False, timeout=_COMMAND_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as e:
        reason = "took too long" if isinstance(e, subprocess.TimeoutExpired) else e.strerror
        raise PassphraseUnavailable(f"passphrase_command {argv[0]!r} failed: {reason}") from None
    if result.returncode != 0:
        raise PassphraseUnavailable(
            f"passphrase_command {argv[0]!r} failed with exit status {result.returncode}"
        )
    try:
        lines = result.stdout.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        raise PassphraseUnavailable(
            f"passphrase_command {argv[0]!r} printed no UTF-8 text"
        ) from None
    if not lines or not lines[0]:
        raise PassphraseUnavailable(f"passphrase_command {argv[0]!r} printed no passphrase")
    return lines[0]


def _prompt(confirm: bool) -> str:
    for _attempt in range(3):
        first = getpass.getpass("Vault passphrase: ")
        if not first:
            print("The passphrase cannot be empty.", file=sys.stderr)
            continue
        if not confirm or getpass.getpass("Repeat the passphrase: ") == first:
            return first
        print("The passphrases differ; try again.", file=sys.stderr)
    raise PassphraseUnavailable("no passphrase was entered")
