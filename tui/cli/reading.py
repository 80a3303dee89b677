"""Commands that read: timeline and notifications (through the reader), follow."""

from __future__ import annotations

import argparse

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


def cmd_timeline(args: argparse.Namespace) -> int:
    from tui.model import FeedRef

    try:
        feed = FeedRef.parse(args.feed)
    except ValueError as exc:
        raise UsageError(f"--feed: {exc}") from None
    if args.limit < 1:
        raise UsageError("--limit: expected a positive number")

    async def go() -> int:
        from tui.reader import PAGE_SIZE, post_pager

        session = await _session(_config())
        try:
            names = _pick(session, args.account)
            pager = post_pager(session, feed, names, min(args.limit, PAGE_SIZE))
            items, errors = await pager.collect(args.limit)
        finally:
            await session.close_all()
        for item in items:
            print(_post_json(item) if args.json else _post_line(item))
        _warn(pager.warnings)
        failures = _failures(errors)
        if failures:
            raise CommandFailed("; ".join(failures))
        return EXIT_OK

    return _run_async(go)


def cmd_notifications(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise UsageError("--limit: expected a positive number")

    async def go() -> int:
        from tui.reader import PAGE_SIZE, notification_pager

        session = await _session(_config())
        try:
            names = _pick(session, args.account)
            pager = notification_pager(session, names, min(args.limit, PAGE_SIZE))
            items, errors = await pager.collect(args.limit)
        finally:
            await session.close_all()
        for item in items:
            print(_notification_json(item) if args.json else _notification_line(item))
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
            await network.follow(args.who, undo=undo)
        finally:
            await session.close_all()
        print(f"{names[0]}: {'unfollowed' if undo else 'following'} {args.who}")
        return EXIT_OK

    return _run_async(go)
