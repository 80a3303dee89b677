"""How the CLI prints posts and notifications: one line each, or one JSON object per line."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.model import Author, Item, NotificationItem


def _author_json(author: Author | None) -> dict[str, str] | None:
    """An author as scripts need it: full identifiers, never the display's abbreviations."""
    if author is None:
        return None
    from tui.model import NetworkKind

    handle, extra = author.handle, {}
    if author.network is NetworkKind.NOSTR and author.uid.startswith("nostr:"):
        from tui.networks.nostr import nip19

        try:
            npub = nip19.npub(author.uid.removeprefix("nostr:"))
        except ValueError:
            npub = ""
        if npub:
            extra = {"npub": npub}
            if "…" in handle:  # the short npub shown on screen when no NIP-05 name is verified
                handle = npub
    return {"handle": handle, "display_name": author.display_name, "uid": author.uid, **extra}


def _iso(dt: Any) -> str:
    return dt.isoformat().replace("+00:00", "Z")


def _post_dict(item: Item) -> dict[str, Any]:
    from tui.model import Post

    if not isinstance(item, Post):
        return {
            "uid": item.uid,
            "network": item.network.value,
            "account": item.account,
            "placeholder": item.reason,
            "created_at": _iso(item.created_at),
        }
    shown = item.shown
    return {
        "uid": item.uid,
        "network": item.network.value,
        "account": item.account,
        "author": _author_json(item.author),
        "created_at": _iso(item.created_at),
        "text": shown.content.text,
        "content_warning": shown.content_warning,
        "url": shown.url,
        "reply_to": shown.reply_to,
        "repost_of": item.repost_of.uid if item.repost_of is not None else None,
        "edited_at": _iso(shown.edited_at) if shown.edited_at is not None else None,
        "poll": _poll_dict(shown.poll) if shown.poll is not None else None,
    }


def _poll_dict(poll: Any) -> dict[str, Any]:
    return {
        "id": poll.id,
        "options": [{"title": o.title, "votes": o.votes} for o in poll.options],
        "multiple": poll.multiple,
        "expires_at": _iso(poll.expires_at) if poll.expires_at is not None else None,
        "expired": poll.expired,
        "voters": poll.voters,
        "voted": poll.voted,
        "own_votes": list(poll.own_votes),
    }


def _post_json(item: Item) -> str:
    return json.dumps(_post_dict(item), ensure_ascii=False)


def _post_line(item: Item) -> str:
    from tui.model import Post

    if not isinstance(item, Post):
        return f"[{item.network.value}] (unreadable item: {item.reason})"
    shown = item.shown
    head = f"[{item.network.value}] {shown.author.name} (@{shown.author.handle})"
    if item.repost_of is not None:
        head = f"{head} — reposted by {item.author.name}"
    when = item.created_at.strftime("%Y-%m-%d %H:%M")
    body = f"CW: {shown.content_warning}" if shown.content_warning else shown.content.text
    body = body.replace("\n", "\n    ")
    return f"{head} · {when}\n    {body}\n    {item.uid}"


def _notification_json(item: NotificationItem) -> str:
    from tui.model import Notification

    if not isinstance(item, Notification):
        return json.dumps(
            {"uid": item.uid, "kind": "placeholder", "placeholder": item.reason}, ensure_ascii=False
        )
    return json.dumps(
        {
            "uid": item.uid,
            "network": item.network.value,
            "account": item.account,
            "kind": item.kind,
            "actor": _author_json(item.actor),
            "created_at": _iso(item.created_at),
            "post": _post_dict(item.post) if item.post is not None else None,
        },
        ensure_ascii=False,
    )


def _notification_line(item: NotificationItem) -> str:
    from tui.model import Notification

    if not isinstance(item, Notification):
        return f"[{item.network.value}] (unreadable notification: {item.reason})"
    who = item.actor.name if item.actor else "someone"
    about = f": {item.post.content.text[:80]}" if item.post is not None else ""
    return f"[{item.network.value}] {item.kind} from {who}{about}".replace("\n", " ")
