"""`murmur requests`: who asks to follow a locked account; accept or reject them."""

from __future__ import annotations

import argparse
import json
from typing import Any

from tui.cli.common import (
    EXIT_OK,
    CommandFailed,
    _config,
    _from_each,
    _failures,
    _pick,
    _run_async,
    _session,
    _warn,
)
from tui.cli.output import _author_json


def add_parser(sub: Any) -> None:
    requests = sub.add_parser(
        "requests", help="list follow requests (locked accounts), or accept/reject one"
    )
    requests.add_argument("--account", metavar="NAME", help="only this account")
    requests.add_argument("--json", action="store_true", help="one JSON object per line")
    actions = requests.add_subparsers(dest="action", metavar="ACTION")
    for verb in ("accept", "reject"):
        p = actions.add_parser(verb, help=f"{verb} someone's request to follow you")
        p.add_argument("--account", metavar="NAME", help="the account they asked to follow")
        p.add_argument("who", help="their handle (@user@server) or uid, as listed")


def _line(name: str, author: Any) -> str:
    label = f"{author.name} (@{author.handle})" if author.name != author.handle else author.handle
    return f"{name}\t{label}\t{author.uid}"


def cmd_requests(args: argparse.Namespace) -> int:
    if getattr(args, "action", None) in ("accept", "reject"):
        return _answer(args, accept=args.action == "accept")

    async def go() -> int:
        session = await _session(_config())
        try:
            names = _pick(session, args.account)
            rows, failures, notes = await _from_each(session, names, lambda n: n.follow_requests())
        finally:
            await session.close_all()
        for name, author in rows:
            if args.json:
                print(json.dumps({"account": name, **(_author_json(author) or {})}))
            else:
                print(_line(name, author))
        _warn(notes)
        if failures:
            raise CommandFailed("; ".join(failures))
        return EXIT_OK

    return _run_async(go)


def _answer(args: argparse.Namespace, *, accept: bool) -> int:
    async def go() -> int:
        session = await _session(_config())
        try:
            names = _pick(session, args.account)[:1]
            failures = _failures(await session.open_all(names))
            if failures:
                raise CommandFailed("; ".join(failures))
            await session.network_for(names[0]).answer_follow_request(args.who, accept)
        finally:
            await session.close_all()
        print(f"{names[0]}: {'accepted' if accept else 'rejected'} {args.who}")
        return EXIT_OK

    return _run_async(go)
