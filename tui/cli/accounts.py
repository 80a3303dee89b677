"""Commands that manage accounts and settings: login, accounts, config check, lock."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    _ask,
    _config,
    _has_tty,
    _read_stdin,
    _run_async,
    _session,
)

if TYPE_CHECKING:
    from tui.store.config import Config


def cmd_login(args: argparse.Namespace) -> int:
    from tui.model import NetworkKind

    params: dict[str, str] = {}
    if args.network == "mastodon":
        params["server"] = args.server
        if args.token_stdin:
            params["token"] = _read_stdin("an access token")
        elif not _has_tty():  # before the server is asked to register an app
            raise UsageError("no terminal to ask for the authorization code: use --token-stdin")
    elif args.network == "bluesky":
        params["handle"] = args.handle
        if args.service:
            params["service"] = args.service
        if args.password_stdin:
            params["password"] = _read_stdin("an app password")
        elif not _has_tty():
            raise UsageError("no terminal to ask for the app password: use --password-stdin")
        else:
            params["password"] = getpass.getpass("App password: ")
    else:
        if args.generate:
            params["generate"] = "1"
        else:
            params["key"] = _read_stdin("a key (nsec, hex or ncryptsec)")
        if args.relay:
            params["relays"] = ",".join(args.relay)
    kind = NetworkKind(args.network)

    async def go() -> int:
        from tui.networks.base import login

        config = _config()
        session = await _session(config, create=True)
        try:
            result = await login(kind, params, _ask)
            if result.account.name in {a.name for a in config.accounts}:
                raise UsageError(
                    f"an account named {result.account.name!r} exists: "
                    f"remove it first with `murmur accounts remove {result.account.name}`"
                )
            await session.add_account(result)
        finally:
            await session.close_all()
        print(f"logged in as {result.account.name} ({kind.value})")
        if kind is NetworkKind.NOSTR and result.account.handle:
            print(f"public key: {result.account.handle}")
        return EXIT_OK

    return _run_async(go)


def cmd_accounts(args: argparse.Namespace) -> int:
    config = _config()
    if args.action == "remove":
        return _remove_account(config, args.name)
    for account in config.accounts:
        if args.json:
            print(
                json.dumps(
                    {
                        "name": account.name,
                        "network": account.network.value,
                        "server": account.server,
                        "handle": account.handle,
                    },
                    ensure_ascii=False,
                )
            )
        else:
            where = f" on {account.server}" if account.server else ""
            print(f"{account.name}\t{account.network.value}{where}")
    if not config.accounts and not args.json:
        print("no accounts yet: add one with `murmur login`", file=sys.stderr)
    return EXIT_OK


def _remove_account(config: Config, name: str) -> int:
    from tui.store.config_edit import remove_account, update_config

    if name not in {a.name for a in config.accounts}:
        raise UsageError(f"no account named {name!r}")

    async def go() -> int:
        session = await _session(config)
        try:
            if session.vault is not None:
                await session.vault.remove(name)
        finally:
            await session.close_all()
        update_config(lambda c: remove_account(c, name), config.path)
        print(f"removed {name}")
        return EXIT_OK

    return _run_async(go)


def cmd_config(args: argparse.Namespace) -> int:
    from tui.store import paths

    config = _config()
    path = config.path or paths.config_file()
    exists = Path(path).exists()
    problems = _app_problems(config) if exists else []
    for problem in problems:
        print(f"murmur: {problem}", file=sys.stderr)
    if problems:
        return EXIT_USAGE
    print(
        f"{path}: ok ({len(config.accounts)} accounts, {len(config.filters)} filters)"
        if exists
        else f"{path}: not found, using defaults"
    )
    return EXIT_OK


def _app_problems(config: Config) -> list[str]:
    """What the app reports at start: an unknown theme, unknown or clashing [keymap] bindings."""
    from textual.theme import BUILTIN_THEMES

    from tui.store.config import key_line
    from tui.ui import keymap, themes

    path = config.path

    def at(key: str, message: str) -> str:
        line = key_line(path, key) if path is not None else None
        where = f"{path}, line {line}" if line else str(path)
        return f"{where}: {key}: {message}"

    problems: list[str] = []
    names = {*BUILTIN_THEMES, *(t.name for t in themes.CUSTOM_THEMES)}
    if config.ui.theme not in names:
        problems.append(
            at("ui.theme", f"unknown theme {config.ui.theme!r} (known: {', '.join(sorted(names))})")
        )
    unknown = set(keymap.unknown_ids(config.keymap))
    for binding_id in config.keymap:
        if binding_id in unknown:
            message = f"unknown binding id {binding_id!r} (press ? in Murmur to see them)"
            problems.append(at(_keymap_key(binding_id), message))
    problems += [at(_keymap_key(b), m) for b, m in _clashes(config.keymap, unknown)]
    return problems


def _keymap_key(binding_id: str) -> str:
    return f"keymap.{json.dumps(binding_id)}" if "." in binding_id else f"keymap.{binding_id}"


def _clashes(overrides: Any, unknown: set[str]) -> list[tuple[str, str]]:
    """Rebound ids whose key another binding uses where both apply (same place, or everywhere)."""
    from tui.ui import keymap

    sections = [
        (name, [b for b in map(keymap._as_binding, entries) if b is not None and b.id])
        for name, entries in keymap._sections()
    ]
    everywhere = sections[0][1]

    def keys(binding: Any) -> set[str]:
        return {k.strip() for k in overrides.get(binding.id, binding.key).split(",") if k.strip()}

    found: list[tuple[str, str]] = []
    for binding_id in overrides:
        if binding_id in unknown:
            continue
        for _name, bindings in sections:
            mine = [b for b in bindings if b.id == binding_id]
            if not mine:
                continue
            wanted = keys(mine[0])
            scope = bindings if bindings is everywhere else [*bindings, *everywhere]
            if binding_id in {b.id for b in everywhere}:
                scope = [b for _n, bs in sections for b in bs]
            for other in scope:
                if other.id != binding_id and wanted & keys(other):
                    shared = ", ".join(sorted(wanted & keys(other)))
                    message = f"key {shared} is also bound to {other.id!r}"
                    if (binding_id, message) not in found:
                        found.append((binding_id, message))
    return found


def cmd_lock(args: argparse.Namespace) -> int:
    from tui.store import agent

    if agent.lock():
        print("locked: the key agent forgot the vault key")
    else:
        print("nothing to lock: no key agent is running")
    return EXIT_OK
