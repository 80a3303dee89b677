"""What every command shares: exit codes and errors, the session and vault, the terminal."""

from __future__ import annotations

import asyncio
import getpass
import os
import sys
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.networks.base import Prompt
    from tui.session import Session
    from tui.store.config import Config


EXIT_OK, EXIT_NETWORK, EXIT_USAGE = 0, 1, 2
EXIT_UNEXPECTED = 1  # a bug: logged with its traceback, the path printed


class UsageError(Exception):
    """A mistake of the user's: exit 2 with the message."""


class CommandFailed(Exception):
    """A server or network failed: exit 1 with the message."""


def _err(message: str) -> None:
    print(f"murmur: {message}", file=sys.stderr)


def _warn(warnings: Iterable[tuple[str, str]]) -> None:
    """What went wrong while pages still came (a relay down, authors not reached), once each."""
    for account, warning in warnings:
        print(f"murmur: warning: {account}: {warning}", file=sys.stderr)


def _run_async(factory: Callable[[], Coroutine[Any, Any, int]]) -> int:
    return asyncio.run(factory())


def _config() -> Config:
    from tui.store.config import load_config

    return load_config()


async def _session(config: Config, *, need_vault: bool = True, create: bool = False) -> Session:
    """A session with the vault unlocked and the cache open."""
    from tui.session import Session
    from tui.store import paths
    from tui.store.cache import Cache

    cache = Cache(paths.cache_file())
    session = Session(config, cache)
    if need_vault and (config.accounts or create) and not await session.unlock_from_agent():
        passphrase = _passphrase(config, create=create and not paths.vault_file().exists())
        await session.unlock(passphrase)
    return session


def _passphrase(config: Config, *, create: bool = False) -> str:
    from tui.store.vault import resolve_passphrase

    return resolve_passphrase(config.vault, interactive=_has_tty(), confirm=create)


def _has_tty() -> bool:
    """Whether this process has a terminal to ask questions at (stdin may be a pipe)."""
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return False
    os.close(fd)
    return True


def _stdin_text(what: str) -> str:
    """All of standard input as text; bytes that are not UTF-8 are a usage error."""
    if sys.stdin is None or sys.stdin.closed:
        raise UsageError(f"expected {what} on standard input")
    data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read()
    if isinstance(data, str):
        if not _is_utf8(data):
            raise UsageError(f"standard input: expected {what} as UTF-8 text")
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"standard input: expected {what} as UTF-8 text") from None


def _read_stdin(what: str) -> str:
    value = _stdin_text(what).strip()
    if not value:
        raise UsageError(f"expected {what} on standard input, got nothing")
    return value


async def _ask(prompt: Prompt) -> str:
    """Answer a login flow's question at the terminal (works over SSH: no browser needed)."""
    if not _has_tty():
        raise UsageError(f"{prompt.label}: needs a terminal to ask (no tty)")
    if prompt.info:
        print(prompt.info, file=sys.stderr, flush=True)
    ask = getpass.getpass if prompt.secret else _tty_input
    answer = await asyncio.to_thread(ask, f"{prompt.label}: ")
    return answer.strip()


def _tty_input(label: str) -> str:
    """One line typed at the terminal. A terminal cannot seek, so it is opened twice, to write
    and to read, each in text mode (one "r+" text file over it fails: "not seekable")."""
    with (
        open("/dev/tty", "w", encoding="utf-8") as out,
        open("/dev/tty", encoding="utf-8", errors="replace") as typed,
    ):
        out.write(label)
        out.flush()
        return typed.readline()


def _pick(session: Session, name: str | None) -> list[str]:
    if name is None:
        names = list(session.networks)
        if not names and not session.errors:
            raise UsageError("no accounts yet: add one with `murmur login`")
        return names
    if name not in {a.name for a in session.accounts}:
        known = ", ".join(a.name for a in session.accounts) or "none"
        raise UsageError(f"no account named {name!r} (accounts: {known})")
    return [name]


async def _from_each(
    session: Session, names: list[str], ask: Callable[[Any], Awaitable[Iterable[Any]]]
) -> tuple[list[tuple[str, Any]], list[str], list[tuple[str, str]]]:
    """`Session.ask_each` as a command reports it: the (account, item) pairs, the failures
    for CommandFailed, the notes for `_warn`."""
    answers = await session.ask_each(ask, names)
    return answers.found, answers.failures, answers.unsupported


def _failures(results: dict[str, Any]) -> list[str]:
    return [f"{name}: {_reason(r)}" for name, r in results.items() if isinstance(r, Exception)]


def _reason(exc: Exception) -> str:
    from tui.networks.base import NetworkError

    if isinstance(exc, NetworkError):
        return exc.message
    return str(exc) or type(exc).__name__


def _agent_vault(config: Config) -> Any:
    """The vault opened with the key agent's key, or None (the app then unlocks as usual)."""
    from tui.store import paths
    from tui.store.vault import Vault, VaultError

    if not config.agent.enabled:
        return None
    try:
        return Vault.from_agent(paths.vault_file())
    except VaultError:
        return None  # a damaged or unsafe vault: the usual unlock reports it in the app


def _env_passphrase(config: Config) -> str | None:
    """The passphrase from MURMUR_PASSPHRASE or passphrase_command, or None."""
    from tui.store.vault import PassphraseUnavailable, resolve_passphrase

    try:
        return resolve_passphrase(config.vault, interactive=False)
    except PassphraseUnavailable:
        return None


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
