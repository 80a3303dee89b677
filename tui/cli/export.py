"""`murmur export DIR`: every account's posts, follows and (with --keys) Nostr key, to a folder.

Progress lines go to stderr; stdout says where each account's export is. Exit 0 when every
account was exported, 1 naming the accounts that failed (the others' exports are complete), 2
when an existing export is in the way (nothing is written then) or the options are wrong.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

from tui.cli.common import (
    EXIT_OK,
    CommandFailed,
    UsageError,
    _config,
    _has_tty,
    _pick,
    _run_async,
    _session,
    _stdin_text,
)


def add_parser(sub: Any) -> None:
    export = sub.add_parser(
        "export", help="save your posts, follows and lists (and keys) to a folder, per account"
    )
    export.add_argument(
        "--account",
        action="append",
        default=[],
        metavar="NAME",
        help="export only NAME (repeatable; default: every account)",
    )
    export.add_argument("--force", action="store_true", help="write over an existing export in DIR")
    export.add_argument(
        "--resume",
        action="store_true",
        help="finish an interrupted export in DIR: append, without duplicates",
    )
    export.add_argument(
        "--media", action="store_true", help="also download your images and other media"
    )
    export.add_argument(
        "--keys",
        action="store_true",
        help="also export Nostr secret keys, encrypted with a password (NIP-49 ncryptsec)",
    )
    export.add_argument(
        "--password-stdin",
        action="store_true",
        help="with --keys: read the export password from stdin instead of asking",
    )
    export.add_argument("dir", metavar="DIR", help="the folder to export to")


def _password(args: argparse.Namespace) -> str:
    """The password that encrypts exported keys: typed twice at the terminal, or stdin's first
    line with --password-stdin."""
    from tui.export.keys import WeakPassword, check_password

    if args.password_stdin:
        lines = _stdin_text("the export password").splitlines()
        password = lines[0] if lines else ""
    else:
        if not _has_tty():
            raise UsageError("--keys: no terminal to ask for a password; use --password-stdin")
        password = getpass.getpass("Password for the exported keys: ")
        again = getpass.getpass("The same password again: ")
        if again != password:
            raise UsageError("--keys: the two passwords differ")
    try:
        check_password(password)
    except WeakPassword as exc:
        raise UsageError(f"--keys: {exc}") from None
    return password


def _progress(account: str, line: str) -> None:
    print(f"murmur: {account}: {line}", file=sys.stderr, flush=True)


def cmd_export(args: argparse.Namespace) -> int:
    from tui.export import ExportRefused, export_accounts, plan_folders
    from tui.model import NetworkKind

    if args.force and args.resume:
        raise UsageError("--force and --resume: choose one")
    if args.password_stdin and not args.keys:
        raise UsageError("--password-stdin goes with --keys")
    dest = Path(args.dir).expanduser()

    async def go() -> int:
        session = await _session(_config())
        try:
            names = [a.name for a in session.accounts]
            if not names:
                raise UsageError("no accounts yet: add one with `murmur login`")
            if args.account:
                names = list(dict.fromkeys(n for a in args.account for n in _pick(session, a)))
            try:
                plan_folders(dest, names, force=args.force, resume=args.resume)
            except ExportRefused as exc:
                raise UsageError(str(exc)) from None
            kinds = {a.network for a in session.accounts if a.name in names}
            password = _password(args) if args.keys and NetworkKind.NOSTR in kinds else None
            try:
                results = await export_accounts(
                    session,
                    dest,
                    names,
                    force=args.force,
                    resume=args.resume,
                    media=args.media,
                    password=password,
                    progress=_progress,
                )
            except ExportRefused as exc:
                raise UsageError(str(exc)) from None
        finally:
            await session.close_all()
        for result in results.values():
            if result.ok:
                print(f"{result.account}: exported to {result.folder}")
        failed = [r for r in results.values() if not r.ok]
        if failed:
            raise CommandFailed(
                "export failed for "
                + "; ".join(
                    f"{r.account} ({r.error}; partial export in {r.folder})" for r in failed
                )
            )
        return EXIT_OK

    return _run_async(go)
