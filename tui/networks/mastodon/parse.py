"""Mastodon-API JSON → tui.model objects, tolerant of every server's dialect.

Servers omit fields, send null, send ids as integers, spell `acct` with or without the domain and
put HTML where text belongs. Every function here accepts whatever arrived and either builds a
model object with sanitised text or a `Placeholder` saying what was wrong; none raises.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from tui.model import (
    Author,
    Counts,
    Item,
    LinkCard,
    Media,
    MediaKind,
    MyState,
    NetworkKind,
    Notification,
    NotificationItem,
    NotificationKind,
    Placeholder,
    Poll,
    PollOption,
    Post,
    Profile,
    ProfileField,
    Relationship,
    RichText,
    Tag,
    Verification,
    VerificationState,
)
from tui.text import clean, clean_line, html_to_rich, link_host, safe_url

NET = NetworkKind.MASTODON

# The server's notification type → our kind. Anything not listed keeps its (sanitised) name.
NOTIFICATION_KINDS: dict[str, str] = {
    "mention": NotificationKind.MENTION,
    "status": NotificationKind.STATUS,
    "reblog": NotificationKind.REPOST,
    "follow": NotificationKind.FOLLOW,
    "follow_request": NotificationKind.FOLLOW_REQUEST,
    "favourite": NotificationKind.LIKE,
    "poll": NotificationKind.POLL,
    "update": NotificationKind.UPDATE,
    "quote": NotificationKind.QUOTE,
    "quoted_update": NotificationKind.UPDATE,
    "admin.sign_up": NotificationKind.ADMIN_SIGNUP,
    "admin.report": NotificationKind.ADMIN_REPORT,
    "severed_relationships": NotificationKind.SEVERED,
    "moderation_warning": NotificationKind.MODERATION_WARNING,
}

_MEDIA_KINDS = {k.value: k for k in MediaKind}


class Malformed(ValueError):
    """Raised inside this module only; callers get a Placeholder with the message."""


def sid(value: Any) -> str:
    """An id as a string: servers send strings, some send integers."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return clean_line(value.strip(), max_len=200)
    return ""


def text(value: Any, max_len: int = 500) -> str:
    return clean_line(value, max_len=max_len) if isinstance(value, str) else ""


def url(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    return safe_url(clean_line(value, max_len=2000)) or ""


def num(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def flag(value: Any) -> bool:
    return value is True


def when(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def as_dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


class Parser:
    """Builds model objects for one local account on one server.

    `domain` completes bare `acct` values (local users), so that handles are always user@domain.
    """

    def __init__(self, account: str, domain: str) -> None:
        self.account = account
        self.domain = domain

    # ----- ids -------------------------------------------------------------------------------
    def post_uid(self, status_id: str) -> str:
        return f"mastodon:{self.account}:{status_id}"

    def author_uid(self, account_id: str) -> str:
        return f"mastodon:{self.account}:account:{account_id}"

    def placeholder(self, uid_suffix: str, reason: str, key: str = "") -> Placeholder:
        return Placeholder(NET, self.account, self.post_uid(uid_suffix or "?"), reason, key=key)

    # ----- accounts --------------------------------------------------------------------------
    def handle(self, data: Mapping[str, Any]) -> str:
        acct = text(data.get("acct")) or text(data.get("username"))
        acct = acct.lstrip("@")
        if not acct:
            return ""
        if "@" not in acct and self.domain:
            acct = f"{acct}@{self.domain}"
        return acct

    def author(self, value: Any) -> Author:
        data = as_dict(value)
        account_id = sid(data.get("id"))
        handle = self.handle(data)
        if not account_id or not handle:
            raise Malformed("an account without id or acct")
        return Author(
            network=NET,
            account=self.account,
            uid=self.author_uid(account_id),
            handle=handle,
            display_name=text(data.get("display_name"), 200),
            url=url(data.get("url")),
            avatar_url=url(data.get("avatar_static")) or url(data.get("avatar")),
            bot=flag(data.get("bot")),
        )

    def profile(self, value: Any, relationship: Any = None) -> Profile:
        data = as_dict(value)
        fields = []
        checks = []
        for f in as_list(data.get("fields")):
            fd = as_dict(f)
            value = self.html(fd.get("value"), max_len=2000)
            verified_at = when(fd.get("verified_at")) if fd.get("verified_at") else None
            verified = verified_at is not None
            # The domain shown beside ✓ is the link's own host, never words the owner wrote.
            domain = next((host for u in value.links if (host := link_host(u))), "")
            if verified and domain:
                checks.append(Verification("link", VerificationState.VERIFIED, domain))
            fields.append(
                ProfileField(
                    name=text(fd.get("name"), 200),
                    value=value,
                    verified=verified,
                    verified_at=verified_at,
                    domain=domain if verified else "",
                )
            )
        return Profile(
            author=self.author(data),
            bio=self.html(data.get("note")),
            fields=tuple(fields),
            followers=num(data.get("followers_count")),
            following=num(data.get("following_count")),
            posts=num(data.get("statuses_count")),
            created_at=when(data.get("created_at")),
            relationship=self.relationship(relationship) if relationship is not None else None,
            header_url=url(data.get("header_static")) or url(data.get("header")),
            verification=tuple(checks),
        )

    def relationship(self, value: Any) -> Relationship:
        data = as_dict(value)
        return Relationship(
            following=flag(data.get("following")),
            followed_by=flag(data.get("followed_by")),
            requested=flag(data.get("requested")),
            muting=flag(data.get("muting")),
            blocking=flag(data.get("blocking")),
            blocked_by=flag(data.get("blocked_by")),
        )

    def html(self, value: Any, max_len: int = 20000) -> RichText:
        return html_to_rich(value, max_len=max_len) if isinstance(value, str) else RichText()

    # ----- statuses --------------------------------------------------------------------------
    def item(self, value: Any) -> Item:
        """A status or, when it cannot be understood, a Placeholder saying why."""
        data = as_dict(value)
        status_id = sid(data.get("id"))
        key = url(data.get("uri")) or text(data.get("uri"), 2000)
        if not data:
            return self.placeholder(status_id, "the server sent something that is not a status")
        try:
            return self.status(data)
        except Malformed as exc:
            return self.placeholder(status_id, f"unreadable status: {exc}", key=key)
        except RecursionError:  # reblogs or quotes nested without end
            return self.placeholder(status_id, "unreadable status: nested too deeply", key=key)

    def status(self, data: Mapping[str, Any]) -> Post:
        status_id = sid(data.get("id"))
        if not status_id:
            raise Malformed("no id")
        created = when(data.get("created_at"))
        if created is None:
            raise Malformed("no valid created_at")
        author = self.author(data.get("account"))
        reblog = data.get("reblog")
        repost_of = self.status(as_dict(reblog)) if isinstance(reblog, Mapping) else None
        uri = text(data.get("uri"), 2000)
        mentions = " ".join(
            h for h in (self.handle(as_dict(m)) for m in as_list(data.get("mentions"))) if h
        )
        ref = {"id": status_id, "account_id": author.uid.rsplit(":", 1)[-1]}
        if mentions:
            ref["mentions"] = mentions
        media_ids = [sid(as_dict(m).get("id")) for m in as_list(data.get("media_attachments"))]
        if any(media_ids):
            ref["media_ids"] = ",".join(m for m in media_ids if m)
        reply_id = sid(data.get("in_reply_to_id"))
        if reply_id:
            ref["in_reply_to_id"] = reply_id
        reply_to_author = ""
        reply_account = sid(data.get("in_reply_to_account_id"))
        if reply_account:
            for m in as_list(data.get("mentions")):
                if sid(as_dict(m).get("id")) == reply_account:
                    reply_to_author = self.handle(as_dict(m))
            if reply_account == ref["account_id"]:
                reply_to_author = author.handle
        return Post(
            network=NET,
            account=self.account,
            uid=self.post_uid(status_id),
            created_at=created,
            author=author,
            content=self.html(data.get("content")),
            key=uri,
            url=url(data.get("url")) or url(uri),
            content_warning=text(data.get("spoiler_text"), 1000),
            sensitive=flag(data.get("sensitive")),
            reply_to=self.post_uid(reply_id) if reply_id else None,
            reply_to_author=reply_to_author,
            repost_of=repost_of,
            quote=self.quote(data.get("quote")),
            media=tuple(
                m for m in (self.media(a) for a in as_list(data.get("media_attachments"))) if m
            ),
            card=self.card(data.get("card")),
            poll=self.poll(data.get("poll")),
            counts=Counts(
                replies=num(data.get("replies_count")),
                reposts=num(data.get("reblogs_count")),
                likes=num(data.get("favourites_count")),
                quotes=num(data.get("quotes_count")),
            ),
            mine=MyState(
                liked=flag(data.get("favourited")),
                reposted=flag(data.get("reblogged")),
                bookmarked=flag(data.get("bookmarked")),
                pinned=flag(data.get("pinned")),
            ),
            visibility=text(data.get("visibility"), 20),
            language=text(data.get("language"), 20),
            edited_at=when(data.get("edited_at")),
            ref=ref,
        )

    def quote(self, value: Any) -> Post | Placeholder | None:
        """Mastodon 4.4+ quotes: {state, quoted_status}; older forks put a Status directly."""
        data = as_dict(value)
        if not data:
            return None
        inner = data.get("quoted_status") if "state" in data else data
        if isinstance(inner, Mapping):
            item = self.item(inner)
            return item
        state = text(data.get("state"), 40) or "unavailable"
        return self.placeholder(
            sid(data.get("quoted_status_id")), f"quoted post not shown ({state})"
        )

    def media(self, value: Any) -> Media | None:
        data = as_dict(value)
        link = url(data.get("url")) or url(data.get("remote_url"))
        if not link:
            return None
        original = as_dict(as_dict(data.get("meta")).get("original"))
        return Media(
            kind=_MEDIA_KINDS.get(text(data.get("type"), 20), MediaKind.UNKNOWN),
            url=link,
            alt=clean(data["description"], max_len=1500)
            if isinstance(data.get("description"), str)
            else "",
            preview_url=url(data.get("preview_url")),
            width=num(original.get("width")),
            height=num(original.get("height")),
        )

    def card(self, value: Any) -> LinkCard | None:
        data = as_dict(value)
        link = url(data.get("url"))
        if not link:
            return None
        return LinkCard(
            url=link,
            title=text(data.get("title"), 300),
            description=text(data.get("description"), 500),
            host=link_host(link),
        )

    def poll(self, value: Any) -> Poll | None:
        data = as_dict(value)
        poll_id = sid(data.get("id"))
        if not poll_id:
            return None
        options = tuple(
            PollOption(
                title=text(as_dict(o).get("title"), 200), votes=num(as_dict(o).get("votes_count"))
            )
            for o in as_list(data.get("options"))
        )
        own = tuple(v for v in (num(x) for x in as_list(data.get("own_votes"))) if v is not None)
        return Poll(
            id=poll_id,
            options=options,
            expires_at=when(data.get("expires_at")),
            expired=flag(data.get("expired")),
            multiple=flag(data.get("multiple")),
            voters=num(data.get("voters_count")),
            voted=flag(data.get("voted")),
            own_votes=own,
        )

    def tag(self, value: Any) -> Tag | None:
        data = as_dict(value)
        name = text(data.get("name"), 200).lstrip("#")
        if not name:
            return None
        uses = None
        history = as_list(data.get("history"))
        if history:
            uses = sum(num(as_dict(h).get("uses")) or 0 for h in history)
        return Tag(name=name, url=url(data.get("url")), uses=uses)

    # ----- notifications ---------------------------------------------------------------------
    def notification(self, value: Any) -> NotificationItem:
        data = as_dict(value)
        notif_id = sid(data.get("id"))
        uid = f"mastodon:{self.account}:notification:{notif_id or '?'}"
        try:
            if not notif_id:
                raise Malformed("no id")
            created = when(data.get("created_at"))
            if created is None:
                raise Malformed("no valid created_at")
            actors = (self.author(data["account"]),) if data.get("account") else ()
            status = data.get("status")
            post = self.status(as_dict(status)) if isinstance(status, Mapping) else None
            return self._notification(uid, data, created, actors, post)
        except Malformed as exc:
            return Placeholder(NET, self.account, uid, f"unreadable notification: {exc}")
        except RecursionError:  # a status with reblogs or quotes nested without end
            return Placeholder(NET, self.account, uid, "unreadable notification: nested too deeply")

    def notification_group(
        self,
        value: Any,
        accounts: Mapping[str, Any],
        statuses: Mapping[str, Any],
    ) -> NotificationItem:
        """One entry of /api/v2/notifications, its accounts and statuses looked up by id."""
        data = as_dict(value)
        group_key = text(data.get("group_key"), 200)
        uid = f"mastodon:{self.account}:group:{group_key or '?'}"
        try:
            if not group_key:
                raise Malformed("no group_key")
            created = when(data.get("latest_page_notification_at"))
            if created is None:
                raise Malformed("no valid latest_page_notification_at")
            actors = tuple(
                self.author(accounts[a])
                for a in (sid(x) for x in as_list(data.get("sample_account_ids")))
                if a in accounts
            )
            status_id = sid(data.get("status_id"))
            post = self.status(as_dict(statuses[status_id])) if status_id in statuses else None
            return self._notification(uid, data, created, actors, post, group_key=group_key)
        except Malformed as exc:
            return Placeholder(NET, self.account, uid, f"unreadable notification: {exc}")
        except RecursionError:  # a status with reblogs or quotes nested without end
            return Placeholder(NET, self.account, uid, "unreadable notification: nested too deeply")

    def _notification(
        self,
        uid: str,
        data: Mapping[str, Any],
        created: datetime,
        actors: tuple[Author, ...],
        post: Post | None,
        group_key: str = "",
    ) -> Notification:
        raw_type = text(data.get("type"), 60) or "unknown"
        kind = NOTIFICATION_KINDS.get(raw_type, raw_type)
        if kind == NotificationKind.MENTION and post is not None and post.visibility == "direct":
            kind = NotificationKind.MESSAGE
        elif kind == NotificationKind.MENTION and post is not None and post.reply_to:
            kind = NotificationKind.REPLY
        return Notification(
            network=NET,
            account=self.account,
            uid=uid,
            kind=str(kind),
            created_at=created,
            actors=actors,
            post=post,
            text=self._notification_text(raw_type, data),
            group_key=group_key,
        )

    def _notification_text(self, raw_type: str, data: Mapping[str, Any]) -> str:
        """Words for notifications that carry no post, from the type-specific objects."""
        if raw_type == "severed_relationships":
            event = as_dict(data.get("event"))
            target = text(event.get("target_name"), 200)
            lost = num(event.get("following_count")) or 0
            lost += num(event.get("followers_count")) or 0
            kind = text(event.get("type"), 40).replace("_", " ")
            return f"relationships with {target} severed ({kind}): {lost} lost".strip()
        if raw_type == "moderation_warning":
            warning = as_dict(data.get("moderation_warning"))
            action = text(warning.get("action"), 40).replace("_", " ")
            words = text(warning.get("text"), 500)
            return f"moderation warning ({action}) {words}".strip()
        if raw_type == "admin.report":
            report = as_dict(data.get("report"))
            comment = text(report.get("comment"), 300)
            category = text(report.get("category"), 40)
            return f"new report ({category}) {comment}".strip()
        if raw_type not in NOTIFICATION_KINDS:
            return f"{raw_type} notification"
        return ""
