"""`murmur outbox`: list what waits to be sent, send it again, or drop it.

A post enters the outbox before it is sent and leaves it only when its server confirms. What
failed for a passing reason (a network down, a server error, a rate limit) is retried here and at
the app's start; what the server rejected as it is (a 4xx other than 408/429) needs an edit and
is never sent again unchanged. Retries reuse each entry's idempotency key: nothing is posted twice.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.session import Session
    from tui.store.cache import OutboxEntry

SHORT_ID = 8  # characters of an entry's id shown and accepted (any unambiguous start works)


def add_parser(sub: Any) -> None:
    outbox = sub.add_parser("outbox", help="list, retry or drop posts waiting to be sent")
    outbox.add_argument("--json", action="store_true", help="one JSON object per line")
    actions = outbox.add_subparsers(dest="action", metavar="ACTION")
    retry = actions.add_parser("retry", help="send waiting posts again")
    which = retry.add_mutually_exclusive_group(required=True)
    which.add_argument("id", nargs="?", help="the entry's id (or its first characters)")
    which.add_argument("--all", action="store_true", help="every entry that can be retried")
    drop = actions.add_parser("drop", help="remove a post from the outbox without sending it")
    drop.add_argument("id", help="the entry's id (or its first characters)")


def entry_dict(entry: OutboxEntry) -> dict[str, Any]:
    draft = entry.draft
    return {
        "id": entry.id,
        "account": entry.account,
        "state": entry.state,
        "needs_edit": entry.needs_edit,
        "error": entry.error,
        "attempts": entry.attempts,
        "created_at": entry.created_at.isoformat().replace("+00:00", "Z"),
        "text": draft.text,
        "content_warning": draft.content_warning,
        "visibility": draft.visibility,
        "reply_to": draft.reply_to.uid if draft.reply_to is not None else None,
        "media": [m.path for m in draft.media],
    }


def entry_line(entry: OutboxEntry) -> str:
    first = entry.draft.text.strip().splitlines()[0] if entry.draft.text.strip() else "(media)"
    if len(first) > 60:
        first = first[:59] + "…"
    when = entry.created_at.strftime("%Y-%m-%d %H:%M")
    line = f"{entry.id[:SHORT_ID]}  {entry.account}  {entry.status}  {when}  {first}"
    return f"{line}\n    {entry.error}" if entry.error else line


async def run(args: argparse.Namespace, session: Session) -> tuple[list[str], list[str]]:
    """Do what `args` asks; return (lines for stdout, failures). Raises DraftRefused, NotFound."""
    action = getattr(args, "action", None)
    if action is None:
        entries = session.pending()
        if args.json:
            return [json.dumps(entry_dict(e), ensure_ascii=False) for e in entries], []
        return [entry_line(e) for e in entries] or ["The outbox is empty."], []
    if action == "drop":
        entry = session.drop(session.find_entry(args.id).id)
        return [f"{entry.id[:SHORT_ID]}  {entry.account}  dropped"], []
    if args.all:
        chosen = session.retryable()
        if not chosen:
            return ["Nothing to retry."], []
    else:
        chosen = [session.find_entry(args.id)]
    results = await asyncio.gather(*(session.retry(e.id) for e in chosen))
    lines = [
        f"{e.id[:SHORT_ID]}  {e.account}  "
        + (f"sent {e.remote_uid}" if e.state == "sent" else e.status)
        for e in results
    ]
    failures = [f"{e.account}: {e.error}" for e in results if e.state != "sent"]
    return lines, failures
