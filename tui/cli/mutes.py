"""`murmur mutes`: every account's muted and blocked people, muted threads where the network
can tell, and the filter rules; `murmur mutes remove WHO` unmutes, unblocks or drops one."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from typing import Any

from tui.cli.common import (
    EXIT_OK,
    CommandFailed,
    UsageError,
    _config,
    _from_each,
    _pick,
    _run_async,
    _session,
    _warn,
)
from tui.cli.output import _iso

WORDS = {"mute": "muted", "block": "blocked", "thread": "thread muted", "filter": "filter"}


def add_parser(sub: Any) -> None:
    mutes = sub.add_parser(
        "mutes", help="list muted and blocked people, muted threads and filter rules"
    )
    mutes.add_argument("--account", metavar="NAME", help="only this account")
    mutes.add_argument("--json", action="store_true", help="one JSON object per line")
    action = mutes.add_subparsers(dest="action", metavar="ACTION")
    remove = action.add_parser(
        "remove", help="unmute, unblock or unmute the thread of WHO, or drop the filter rule WHO"
    )
    remove.add_argument("who", help="a handle as listed (@name@server, npub…), a uid, or a rule")
    remove.add_argument("--account", metavar="NAME", dest="remove_account", help="only here")


def _matches(entry: Any, who: str) -> bool:
    want = who.strip().lower().lstrip("@")
    label = entry.label.lower().lstrip("@")
    return want in {entry.uid.lower(), label} or (
        entry.kind != "thread" and label.endswith(f"({want})")
    )


async def _entries(session: Any, names: list[str]) -> tuple[list[tuple[str, Any]], list[str], list]:
    return await _from_each(session, names, lambda n: n.muted())


def _line(account: str, entry: Any) -> str:
    until = f" · until {entry.until.strftime('%Y-%m-%d %H:%M')} UTC" if entry.until else ""
    return f"{WORDS[entry.kind]:<13} {entry.label}  ({account}{until})"


def _dict(account: str, entry: Any) -> dict[str, Any]:
    return {
        "kind": entry.kind,
        "account": account,
        "uid": entry.uid,
        "label": entry.label,
        "until": _iso(entry.until) if entry.until else None,
    }


def cmd_mutes(args: argparse.Namespace) -> int:
    if getattr(args, "action", None) == "remove":
        return _remove(args)

    async def go() -> int:
        config = _config()
        session = await _session(config)
        try:
            found, failures, notes = await _entries(session, _pick(session, args.account))
        finally:
            await session.close_all()
        for account, entry in found:
            print(
                json.dumps(_dict(account, entry), ensure_ascii=False)
                if args.json
                else _line(account, entry)
            )
        for rule in config.filters:
            what = ", ".join(rule.authors) if rule.authors else rule.match
            if args.json:
                row = {"kind": "filter", "name": rule.name, "match": rule.match}
                row |= {"action": rule.action.value, "authors": list(rule.authors)}
                print(json.dumps(row, ensure_ascii=False))
            else:
                print(f"{'filter':<13} {rule.name}: {what} ({rule.action.value})")
        if not found and not config.filters and not args.json:
            print("Nobody muted or blocked, no muted threads, no filter rules.")
        _warn(notes)
        if failures:
            raise CommandFailed("; ".join(failures))
        return EXIT_OK

    return _run_async(go)


def _remove(args: argparse.Namespace) -> int:
    async def go() -> int:
        config = _config()
        account = args.remove_account or args.account
        session = await _session(config)
        try:
            found, failures, _notes = await _entries(session, _pick(session, account))
            chosen = [(a, e) for a, e in found if _matches(e, args.who)]
            for name, entry in chosen:
                await session.network_for(name).undo_muted(entry)
                done = {"mute": "unmuted", "block": "unblocked", "thread": "unmuted the thread"}
                print(f"{name}: {done[entry.kind]} {entry.label}")
        finally:
            await session.close_all()
        if not chosen:
            if any(r.name == args.who for r in config.filters):
                return _drop_rule(config, args.who)
            if failures:
                raise CommandFailed("; ".join(failures))
            raise UsageError(f"{args.who!r} is not muted, blocked or a filter rule here")
        return EXIT_OK

    return _run_async(go)


def _drop_rule(config: Any, name: str) -> int:
    from tui.store.config_edit import update_config

    update_config(
        lambda c: replace(c, filters=tuple(r for r in c.filters if r.name != name)), config.path
    )
    print(f"filter rule {name!r} removed")
    return EXIT_OK
