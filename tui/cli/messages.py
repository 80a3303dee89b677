"""`murmur messages`: private conversations of every account (or one), newest first."""

from __future__ import annotations

import argparse
import json
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
from tui.cli.output import _author_json, _iso, _post_dict


def add_parser(sub: Any) -> None:
    messages = sub.add_parser("messages", help="list private conversations (direct messages)")
    messages.add_argument("--account", metavar="NAME", help="only this account")
    messages.add_argument("--limit", type=int, default=20)
    messages.add_argument("--json", action="store_true", help="one JSON object per line")


def _conversation_dict(conv: Any) -> dict[str, Any]:
    last = conv.last
    return {
        "uid": conv.uid,
        "network": conv.network.value,
        "account": conv.account,
        "participants": [_author_json(a) for a in conv.participants],
        "unread": conv.unread,
        "updated_at": _iso(conv.updated_at),
        "last": _post_dict(last) if last is not None else None,
        "legacy": bool(last is not None and last.ref.get("legacy")),
    }


def _conversation_line(conv: Any) -> str:
    who = ", ".join(f"{a.name} (@{a.handle})" for a in conv.participants) or "(only me)"
    mark = "● " if conv.unread else "  "
    when = conv.updated_at.strftime("%Y-%m-%d %H:%M")
    text = conv.last.content.text.replace("\n", " ") if conv.last is not None else ""
    if conv.last is not None and conv.last.ref.get("legacy"):
        text = f"[{conv.last.ref['legacy']}] {text}"
    if len(text) > 200:
        text = text[:199] + "…"
    return f"{mark}[{conv.network.value}] {who} · {when}\n    {text}"


def cmd_messages(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise UsageError("--limit: expected a positive number")

    async def go() -> int:
        session = await _session(_config())
        try:
            names = _pick(session, args.account)
            pairs, failures, notes = await _from_each(
                session, names, lambda n: n.conversations(args.limit)
            )
        finally:
            await session.close_all()
        found = sorted((conv for _name, conv in pairs), key=lambda c: c.updated_at, reverse=True)
        show = (
            (lambda c: json.dumps(_conversation_dict(c), ensure_ascii=False))
            if args.json
            else (_conversation_line)
        )
        for conv in found[: args.limit]:
            print(show(conv))
        _warn(notes)
        if failures:
            raise CommandFailed("; ".join(failures))
        return EXIT_OK

    return _run_async(go)
