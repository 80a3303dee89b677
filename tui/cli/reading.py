"""Commands that read: timeline and notifications (through the reader), follow."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tui.cli.common import (
    EXIT_OK,
    CommandFailed,
    UsageError,
    _config,
    _failures,
    _pick,
    _run_async,
    _session,
    _warn,
)
from tui.cli.output import _notification_json, _notification_line, _post_json, _post_line

if TYPE_CHECKING:
    from tui.session import Session


def cmd_timeline(args: argparse.Namespace) -> int:
    from tui.model import FeedRef
    from tui.reader import post_pager

    try:
        feed = FeedRef.parse(args.feed)
    except ValueError as exc:
        raise UsageError(f"--feed: {exc}") from None
    show = _post_json if args.json else _post_line
    return _print_pages(args, lambda s, names, size: post_pager(s, feed, names, size), show)


def cmd_notifications(args: argparse.Namespace) -> int:
    from tui.reader import notification_pager

    show = _notification_json if args.json else _notification_line
    return _print_pages(args, notification_pager, show)


def _print_pages(
    args: argparse.Namespace,
    pager_for: Callable[[Session, list[str], int], Any],
    show: Callable[[Any], str],
) -> int:
    """Page the chosen accounts until --limit items or the end, print them, warn of partial
    failures (a relay down beside others that answered) and fail when an account failed."""
    if args.limit < 1:
        raise UsageError("--limit: expected a positive number")

    async def go() -> int:
        from tui.reader import PAGE_SIZE

        session = await _session(_config())
        try:
            pager = pager_for(session, _pick(session, args.account), min(args.limit, PAGE_SIZE))
            items, errors = await pager.collect(args.limit)
        finally:
            await session.close_all()
        for item in items:
            print(show(item))
        _warn(pager.warnings)
        failures = _failures(errors)
        if failures:
            raise CommandFailed("; ".join(failures))
        return EXIT_OK

    return _run_async(go)


def cmd_follow(args: argparse.Namespace) -> int:
    undo = args.command == "unfollow"

    async def go() -> int:
        session = await _session(_config())
        try:
            names = _pick(session, args.account)[:1]
            results = await session.open_all(names)
            failures = _failures(results)
            if failures:
                raise CommandFailed("; ".join(failures))
            network = session.network_for(names[0])
            relationship = await network.follow(args.who, undo=undo)
        finally:
            await session.close_all()
        done = "unfollowed" if undo else "following"
        if not undo and relationship.requested and not relationship.following:
            done = "requested"  # a locked account: they approve followers
        print(f"{names[0]}: {done} {args.who}")
        return EXIT_OK

    return _run_async(go)
