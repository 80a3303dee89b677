"""`murmur scheduled`: posts waiting to go out later; cancel one. Also `post --schedule`."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
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
from tui.cli.output import _iso, _post_dict


def add_schedule_argument(post: argparse.ArgumentParser) -> None:
    post.add_argument(
        "--schedule",
        metavar="WHEN",
        help="publish later: in 2h, tomorrow 09:00, 2026-12-24T09:00 (5 minutes ahead at least; "
        "Mastodon)",
    )


def schedule_of(args: argparse.Namespace) -> datetime | None:
    """`--schedule` as an aware UTC time, or None; a usage error when unreadable or too soon."""
    from tui.schedule import parse_when

    if not getattr(args, "schedule", None):
        return None
    try:
        return parse_when(args.schedule)
    except ValueError as exc:
        raise UsageError(f"--schedule: {exc}") from None


def add_parser(sub: Any) -> None:
    scheduled = sub.add_parser("scheduled", help="list scheduled posts, or cancel one")
    scheduled.add_argument("--account", metavar="NAME", help="only this account")
    scheduled.add_argument("--json", action="store_true", help="one JSON object per line")
    actions = scheduled.add_subparsers(dest="action", metavar="ACTION")
    cancel = actions.add_parser("cancel", help="cancel a scheduled post (it is never published)")
    cancel.add_argument("--account", metavar="NAME", help="the account it was scheduled on")
    cancel.add_argument("id", help="its id, as `murmur scheduled` lists it")


def _dict(post: Any) -> dict[str, Any]:
    return {
        **_post_dict(post),
        "scheduled_id": post.ref.get("scheduled_id", ""),
        "scheduled_at": _iso(post.created_at),
    }


def _line(post: Any) -> str:
    from tui.schedule import describe

    text = post.content.text.replace("\n", " ")
    if len(text) > 200:
        text = text[:199] + "…"
    sid = post.ref.get("scheduled_id", "")
    return f"{sid}\t{post.account}\t{describe(post.created_at)}\t{text}"


async def _collect(session: Any, names: list[str]) -> tuple[list[Any], list[str], list[Any]]:
    """(scheduled posts, failures, notes) of the accounts `names`."""
    found, failures, notes = await _from_each(session, names, lambda n: n.scheduled())
    posts = sorted((post for _name, post in found), key=lambda p: p.created_at)
    return posts, failures, notes


def cmd_scheduled(args: argparse.Namespace) -> int:
    cancelling = getattr(args, "action", None) == "cancel"

    async def go() -> int:
        session = await _session(_config())
        try:
            names = _pick(session, args.account)
            posts, failures, notes = await _collect(session, names)
            if cancelling:
                chosen = [p for p in posts if p.ref.get("scheduled_id") == args.id.strip()]
                if not chosen:
                    if failures:
                        raise CommandFailed("; ".join(failures))
                    raise CommandFailed(f"no scheduled post {args.id!r} (see `murmur scheduled`)")
                await session.network_for(chosen[0].account).cancel_scheduled(chosen[0])
        finally:
            await session.close_all()
        if cancelling:
            print(f"{chosen[0].account}: cancelled scheduled post {args.id.strip()}")
            return EXIT_OK
        for post in posts:
            print(json.dumps(_dict(post), ensure_ascii=False) if args.json else _line(post))
        _warn(notes)
        if failures:
            raise CommandFailed("; ".join(failures))
        return EXIT_OK

    return _run_async(go)
