"""`murmur export`: each account's data in a folder of its own, in the formats the networks'
own tools read (the CLI and the app's "Export account…" both run `export_accounts`).

One folder per account under the destination; an existing, non-empty one is refused unless
`force` (files are written again) or `resume` (JSON Lines files are appended to, without
duplicates). Accounts are exported concurrently, and one that fails leaves the others' exports
complete; its folder's README.txt says it is incomplete. Network modules (`tui.export.NETWORK`)
are imported only when an account of theirs is exported.
"""

from __future__ import annotations

import asyncio
import importlib
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.export.base import DIR_MODE, ExportContext, write_text

if TYPE_CHECKING:
    from tui.session import Session

Progress = Callable[[str, str], None]  # (account, line)
_UNSAFE = re.compile(r"[^\w.@+-]", re.ASCII)


class ExportRefused(Exception):
    """The export would overwrite something: a sentence for the user (nothing was written)."""


@dataclass
class AccountResult:
    account: str
    folder: Path
    error: str | None = None  # why this account's export failed, a sentence for the user
    files: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None


def folder_name(account: str) -> str:
    """A folder name for an account name (which may hold `@`, `:` or `/`)."""
    name = _UNSAFE.sub("_", account).strip(".") or "account"
    return name[:120]


def plan_folders(
    dest: Path, accounts: Sequence[str], *, force: bool = False, resume: bool = False
) -> dict[str, Path]:
    """Each account's folder; raises ExportRefused (writing nothing) when one exists with
    something in it and neither `force` nor `resume` allows that, or `dest` is not a folder."""
    if dest.exists() and not dest.is_dir():
        raise ExportRefused(f"{dest} exists and is not a folder")
    folders: dict[str, Path] = {}
    for name in accounts:
        folder = dest / folder_name(name)
        if folder in folders.values():
            folder = dest / f"{folder_name(name)}-{len(folders) + 1}"
        folders[name] = folder
    if force or resume:
        return folders
    taken = [f for f in folders.values() if f.is_dir() and any(f.iterdir())]
    taken += [f for f in folders.values() if f.exists() and not f.is_dir()]
    if taken:
        names = ", ".join(str(f) for f in taken)
        raise ExportRefused(
            f"an export is already there ({names}): add --resume to finish it, or --force to "
            "write it again"
        )
    return folders


def _module(kind: str) -> Any:
    name = f"tui.export.{kind}"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise


def _readme(kind: str, ctx: ExportContext, notes: list[str], error: str | None) -> str:
    from tui import __version__

    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"Murmur export of {ctx.account} ({kind}), {when}, murmur {__version__}"]
    if error is not None:
        lines += [
            "",
            f"INCOMPLETE: {error}",
            "Run the same `murmur export` again with --resume to finish it.",
        ]
    lines += ["", "Files:"]
    width = max((len(n) for n in ctx.files), default=0)
    for name, what in sorted(ctx.files.items()):
        lines.append(f"  {name.ljust(width)}  {what}")
    lines.append(f"  {'README.txt'.ljust(width)}  this file")
    for note in notes:
        lines += ["", note]
    return "\n".join(lines) + "\n"


async def _export_one(
    network: Any,
    ctx: ExportContext,
    password: str | None,
    error: str | None = None,
) -> str | None:
    """Run one account's export (unless `error` says it could not even be opened), then its
    keys, which need no server; return None, or why it failed (a sentence)."""
    from tui.export import keys

    notes: list[str] = []
    kind = network.kind.value
    if error is None:
        module = _module(kind)
        if module is None:
            error = f"export for {kind.capitalize()} is not available in this build"
        else:
            error = await _guarded(ctx, module.export(network, ctx))

    async def export_keys() -> None:
        notes.extend(await keys.export_keys(network, ctx, password))

    key_error = await _guarded(ctx, export_keys())
    return _finish(kind, ctx, notes, error or key_error)


async def _guarded(ctx: ExportContext, step: Awaitable[None]) -> str | None:
    """Await one step of an export; None, or why it failed (a sentence for the user)."""
    from tui import errorlog
    from tui.networks.base import NetworkError

    try:
        await step
    except NetworkError as exc:
        return exc.message
    except OSError as exc:
        where = exc.filename or ctx.dest
        return f"could not write {where}: {exc.strerror or exc}"
    except Exception as exc:  # noqa: BLE001 - one account's bug must not end the others'
        try:
            log = errorlog.log_exception(exc, doing=f"exporting {ctx.account}")
        except OSError:
            return f"an unexpected error happened ({type(exc).__name__}: {exc})"
        return f"an unexpected error happened ({type(exc).__name__}); details are in {log}"
    return None


def _finish(kind: str, ctx: ExportContext, notes: list[str], error: str | None) -> str | None:
    """Write README.txt (saying what is incomplete, if anything); return the account's error."""
    try:
        write_text(ctx.dest / "README.txt", _readme(kind, ctx, notes, error))
    except OSError as exc:
        error = error or f"could not write README.txt: {exc.strerror or exc}"
    return error


async def export_accounts(
    session: Session,
    dest: Path,
    accounts: Sequence[str],
    *,
    force: bool = False,
    resume: bool = False,
    media: bool = False,
    password: str | None = None,
    progress: Progress | None = None,
) -> dict[str, AccountResult]:
    """Export `accounts` (names) of `session` under `dest`; returns each account's result.

    `password` (from `--keys`) encrypts Nostr secret keys; None exports no key. Raises
    ExportRefused before writing anything when an existing export is in the way.
    """
    folders = plan_folders(dest, accounts, force=force, resume=resume)
    try:
        dest.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportRefused(f"cannot make the folder {dest}: {exc.strerror or exc}") from None
    results = {name: AccountResult(name, folder) for name, folder in folders.items()}
    say = progress or (lambda account, line: None)
    usable = [n for n in accounts if n in session.networks]
    for name in accounts:
        if name not in session.networks:
            error = session.errors.get(name)
            results[name].error = getattr(error, "message", None) or "this account cannot be used"
    opened = await session.open_all(usable)
    for name, error in opened.items():
        if error is not None:
            results[name].error = getattr(error, "message", None) or str(error)

    kinds = {a.name: a.network.value for a in session.accounts}

    async def one(name: str) -> None:
        result = results[name]
        try:
            result.folder.mkdir(mode=DIR_MODE, exist_ok=True)
        except OSError as exc:
            result.error = f"cannot make the folder {result.folder}: {exc.strerror or exc}"
            say(name, f"failed: {result.error}")
            return
        ctx = ExportContext(
            account=name,
            dest=result.folder,
            resume=resume,
            media=media,
            progress=lambda line: say(name, line),
            files=result.files,
        )
        network = session.networks.get(name)
        if network is None:  # it could not even be made: the folder says why
            result.error = _finish(kinds.get(name, "?"), ctx, [], result.error)
            say(name, f"failed: {result.error}")
            return
        if result.error is None:
            say(name, f"exporting to {result.folder}")
        result.error = await _export_one(network, ctx, password, result.error)
        say(name, "done" if result.error is None else f"failed: {result.error}")

    await asyncio.gather(*(one(n) for n in folders))
    return results
