"""`murmur lists`: each account's lists, and managing them (create, rename, delete, members,
add, remove). A LIST is its id (as `list:ID` takes it) or its title."""

from __future__ import annotations

import argparse
import json
from typing import Any

from tui.cli.common import (
    EXIT_OK,
    CommandFailed,
    UsageError,
    _config,
    _failures,
    _from_each,
    _pick,
    _run_async,
    _session,
    _warn,
)
from tui.cli.output import _author_json


def add_parser(sub: Any) -> None:
    lists = sub.add_parser("lists", help="list or manage your lists (Mastodon, Bluesky, Nostr)")
    lists.add_argument("--account", metavar="NAME", help="only this account")
    lists.add_argument("--json", action="store_true", help="one JSON object per line")
    verbs = lists.add_subparsers(dest="action", metavar="ACTION")
    create = verbs.add_parser("create", help="make a new list")
    create.add_argument("title")
    rename = verbs.add_parser("rename", help="give a list a new title")
    rename.add_argument("list", metavar="LIST")
    rename.add_argument("title")
    delete = verbs.add_parser("delete", help="delete a list")
    delete.add_argument("list", metavar="LIST")
    members = verbs.add_parser("members", help="print the people on a list")
    members.add_argument("list", metavar="LIST")
    for verb, what in (("add", "add someone to a list"), ("remove", "take someone off a list")):
        p = verbs.add_parser(verb, help=what)
        p.add_argument("list", metavar="LIST")
        p.add_argument("who", help="a handle, @user@server, npub or DID")
    for p in (create, rename, members):  # `--json` after the action works too
        p.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="as JSON")


def _list_dict(entry: Any) -> dict[str, Any]:
    return {
        "id": entry.id,
        "title": entry.title,
        "network": entry.network.value,
        "account": entry.account,
        "members": entry.members,
        "feed": str(entry.feed),
    }


def _list_line(entry: Any) -> str:
    count = "" if entry.members is None else f" · {entry.members} people"
    title = entry.title or "(untitled)"
    return f"[{entry.network.value}] {entry.account}: {title}{count}\n    {entry.feed}"


def _print(value: dict[str, Any] | str, as_json: bool) -> None:
    print(json.dumps(value, ensure_ascii=False) if as_json else value)


def cmd_lists(args: argparse.Namespace) -> int:
    async def go() -> int:
        session = await _session(_config())
        notes: list[tuple[str, str]] = []
        try:
            names = _pick(session, args.account)
            if args.action is None:
                found, failures, notes = await _from_each(session, names, lambda n: n.lists())
                for _name, entry in found:
                    _print(_list_dict(entry) if args.json else _list_line(entry), args.json)
            else:
                failures = _failures(await session.open_all(names))
                if failures:
                    raise CommandFailed("; ".join(failures))
                await _act(session, names, args)
        finally:
            await session.close_all()
        _warn(notes)
        if failures:
            raise CommandFailed("; ".join(failures))
        return EXIT_OK

    return _run_async(go)


async def _find(session: Any, names: list[str], wanted: str) -> tuple[str, Any]:
    """The (account, list) LIST names: by id, else by title (case-insensitive)."""
    by_id: list[tuple[str, Any]] = []
    by_title: list[tuple[str, Any]] = []
    for name in names:
        for entry in await session.network_for(name).lists():
            if entry.id == wanted or str(entry.feed) == wanted:
                by_id.append((name, entry))
            elif entry.title.casefold() == wanted.casefold():
                by_title.append((name, entry))
    found = by_id or by_title
    if not found:
        raise UsageError(f"no list {wanted!r}: `murmur lists` shows them")
    if len(found) > 1:
        where = ", ".join(sorted({n for n, _ in found}))
        raise UsageError(f"{wanted!r} names more than one list ({where}): choose with --account")
    return found[0]


async def _act(session: Any, names: list[str], args: argparse.Namespace) -> None:
    action = args.action
    if action == "create":
        if len(names) != 1:
            raise UsageError("create: choose the account with --account")
        made = await session.network_for(names[0]).create_list(args.title)
        _print(_list_dict(made) if args.json else f"created {_list_line(made)}", args.json)
        return
    name, entry = await _find(session, names, args.list)
    net = session.network_for(name)
    if action == "rename":
        renamed = await net.rename_list(entry.id, args.title)
        _print(_list_dict(renamed) if args.json else f"renamed {_list_line(renamed)}", args.json)
    elif action == "delete":
        await net.delete_list(entry.id)
        print(f"deleted {entry.title or entry.id}")
    elif action == "members":
        for person in await net.list_members(entry.id):
            line = f"{person.name} (@{person.handle})"
            _print(_author_json(person) if args.json else line, args.json)
    elif action == "add":
        person = await net.add_to_list(entry.id, args.who)
        print(f"added {person.name} (@{person.handle}) to {entry.title or entry.id}")
    elif action == "remove":
        await net.remove_from_list(entry.id, args.who)
        print(f"removed {args.who} from {entry.title or entry.id}")
