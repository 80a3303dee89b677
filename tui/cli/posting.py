"""Commands that write: post, and the outbox of what waits to be sent."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.cli.common import (
    EXIT_OK,
    CommandFailed,
    UsageError,
    _config,
    _pick,
    _run_async,
    _session,
    _stdin_text,
)
from tui.cli.output import _iso
from tui.cli.scheduled import schedule_of

if TYPE_CHECKING:
    from tui.session import Session


def add_poll_arguments(post: argparse.ArgumentParser) -> None:
    post.add_argument(
        "--poll",
        action="append",
        default=[],
        metavar="CHOICE",
        help="a choice of a poll (repeat for each; Mastodon)",
    )
    post.add_argument(
        "--poll-expires",
        default="1d",
        metavar="DURATION",
        help="how long the poll stays open: 30m, 6h, 1d, 7d (default 1d)",
    )
    post.add_argument(
        "--poll-multiple", action="store_true", help="voters may pick several choices"
    )
    post.add_argument(
        "--poll-hide-totals", action="store_true", help="hide the counts until the poll ends"
    )


def poll_draft(args: argparse.Namespace) -> Any:
    from tui.model import PollDraft
    from tui.polls import duration

    choices = [c.strip() for c in args.poll]
    if not choices:
        if args.poll_multiple or args.poll_hide_totals:
            raise UsageError("--poll-multiple and --poll-hide-totals need --poll choices")
        return None
    if len(choices) < 2:
        raise UsageError("--poll: a poll needs at least two choices")
    if any(not c for c in choices):
        raise UsageError("--poll: a choice is empty")
    if len(set(choices)) < len(choices):
        raise UsageError("--poll: two choices are the same")
    try:
        seconds = duration(args.poll_expires)
    except ValueError as exc:
        raise UsageError(f"--poll-expires: {exc}") from None
    return PollDraft(
        tuple(choices),
        expires_in=seconds,
        multiple=args.poll_multiple,
        hide_totals=args.poll_hide_totals,
    )


def cmd_post(args: argparse.Namespace) -> int:
    from tui.model import Draft, MediaUpload
    from tui.session import DraftRefused

    text = _stdin_text("the text to post") if args.text == "-" else args.text
    text = text.rstrip("\n")
    if not text.strip() and not args.media:
        raise UsageError("nothing to post: give TEXT, or - and text on standard input")
    if len(args.alt) > len(args.media):
        raise UsageError("--alt given without a --media for it")
    media = []
    for i, path in enumerate(args.media):
        if not Path(path).is_file():
            raise UsageError(f"--media: no such file {path!r}")
        alt = args.alt[i] if i < len(args.alt) else ""
        media.append(MediaUpload(str(Path(path).resolve()), alt))
    poll = poll_draft(args)
    scheduled_at = schedule_of(args)
    if poll is not None and media:
        raise UsageError("a post cannot have both --poll and --media")

    async def go() -> int:
        config = _config()
        session = await _session(config)
        try:
            targets = [n for a in args.account for n in _pick(session, a)] or _pick(session, None)
            if not args.account:
                defaults = list(config.compose.default_accounts)
                targets = defaults or targets[:1]
            reply_to = None
            if args.reply_to:
                reply_to = await _find_post(session, targets[0], args.reply_to)
            draft = Draft(
                text=text,
                targets=tuple(targets),
                content_warning=args.cw,
                visibility=args.visibility,
                language=config.compose.language,
                reply_to=reply_to,
                media=tuple(media),
                poll=poll,
                scheduled_at=scheduled_at,
            )
            try:
                entries = await session.send(draft)
            except DraftRefused as exc:
                raise UsageError(f"not sent: {exc}") from None
        finally:
            await session.close_all()
        failed = [e for e in entries if e.state != "sent"]
        for entry in entries:
            if entry.state == "sent" and scheduled_at is not None:
                print(f"{entry.account}\tscheduled\t{_iso(scheduled_at)}\t{entry.remote_uid}")
            elif entry.state == "sent":
                print(f"{entry.account}\tsent\t{entry.remote_uid}")
        if failed:
            details = "; ".join(f"{e.account}: {e.error}" for e in failed)
            raise CommandFailed(f"not sent (kept in the outbox to retry): {details}")
        return EXIT_OK

    return _run_async(go)


def cmd_outbox(args: argparse.Namespace) -> int:
    from tui.cli import outbox as cli_outbox
    from tui.session import DraftRefused

    async def go() -> int:
        config = _config()
        retrying = getattr(args, "action", None) == "retry"
        session = await _session(config, need_vault=retrying)
        try:
            lines, failures = await cli_outbox.run(args, session)
        except DraftRefused as exc:
            raise UsageError(str(exc)) from None
        finally:
            await session.close_all()
        for line in lines:
            print(line)
        if failures:
            raise CommandFailed("not sent (still in the outbox): " + "; ".join(failures))
        return EXIT_OK

    return _run_async(go)


async def _find_post(session: Session, account: str, uid: str) -> Any:
    from tui.model import Post

    network = session.network_for(account)
    await session.open_all([account])
    item = await network.post(uid)
    if not isinstance(item, Post):
        raise CommandFailed(f"{account}: cannot reply to {uid}: {getattr(item, 'reason', '')}")
    return item
