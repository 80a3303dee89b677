"""Small builders for model objects used by the feed and widget tests.

Remote-looking strings go through `tui.text` only where a test is about hostile input; these
builders take text that is already clean, as adapters hand it over.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tui.model import (
    Author,
    Media,
    MediaKind,
    NetworkKind,
    Notification,
    NotificationKind,
    Post,
    RichText,
)

T0 = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


def at(minutes_ago: float) -> datetime:
    return T0 - timedelta(minutes=minutes_ago)


def author(
    handle: str = "alice@example.social",
    name: str = "",
    *,
    account: str = "me",
    network: NetworkKind = NetworkKind.MASTODON,
) -> Author:
    return Author(network, account, f"{network.value}:{handle}", handle, name)


def post(
    uid: str,
    minutes_ago: float = 0,
    text: str = "",
    *,
    account: str = "me",
    network: NetworkKind = NetworkKind.MASTODON,
    key: str = "",
    by: Author | None = None,
    cw: str = "",
    alt: str = "",
    labels: tuple[str, ...] = (),
    content: RichText | None = None,
    media: tuple[Media, ...] | None = None,
    **kw: object,
) -> Post:
    if media is None:
        media = (Media(MediaKind.IMAGE, "https://img.example/1.png", alt),) if alt else ()
    return Post(
        network,
        account,
        uid,
        at(minutes_ago),
        by or author(account=account, network=network),
        content if content is not None else RichText(text or f"post {uid}"),
        key=key,
        content_warning=cw,
        media=media,
        labels=labels,
        **kw,  # type: ignore[arg-type]
    )


def notification(
    uid: str,
    kind: NotificationKind | str,
    minutes_ago: float,
    actor: str,
    about: Post | None = None,
    *,
    account: str = "me",
    unread: bool = True,
) -> Notification:
    return Notification(
        NetworkKind.MASTODON,
        account,
        uid,
        str(kind),
        at(minutes_ago),
        (author(actor, actor.split("@")[0].title(), account=account),),
        about,
        unread=unread,
    )
