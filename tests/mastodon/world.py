"""The contract server's data: accounts, statuses, notifications... and their JSON renderings.

Renderings follow the Mastodon API 4.x entities (validated against openapi-schema.json by the
tests). In "takahe" mode they reproduce the captured Takahē dialect: `acct` always carries the
domain except in verify_credentials, statuses carry `text` holding HTML, and fields added to
Mastodon after 4.3 are absent.
"""

from __future__ import annotations

import html
import itertools
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
TAG_RE = re.compile(r"(?<![\w&])#(\w+)")
MENTION_RE = re.compile(r"(?<![\w/])@(\w+)(?:@([\w.-]+\w))?")
URL_RE = re.compile(r"https?://[^\s<]+")


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@dataclass
class Acct:
    id: str
    username: str
    display_name: str
    domain: str = ""  # "" for local accounts
    note: str = ""
    bot: bool = False
    fields: list[tuple[str, str]] = field(default_factory=list)
    verified: dict[str, str] = field(default_factory=dict)  # field name → verified_at
    locked: bool = False  # follows wait for approval (follow requests)


@dataclass
class Media:
    id: str
    owner: str
    filename: str
    description: str
    size: int
    ready: bool = False


@dataclass
class PollState:
    id: str
    options: list[str]
    multiple: bool
    expires_at: datetime
    votes: dict[str, list[int]] = field(default_factory=dict)
    hide_totals: bool = False


@dataclass
class Status:
    id: str
    account: str
    text: str  # what the author typed (plain), rendered to HTML on output
    created_at: datetime
    visibility: str = "public"
    spoiler: str = ""
    sensitive: bool = False
    language: str | None = "en"
    in_reply_to: str | None = None
    reblog_of: str | None = None
    media: list[str] = field(default_factory=list)
    poll: str | None = None
    edited_at: datetime | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    html: str | None = None  # seeded raw HTML (hostile or tricky markup)
    emojis: list[str] = field(default_factory=list)


@dataclass
class Note:
    id: str
    type: str
    target: str
    account: str
    created_at: datetime
    status: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class World:
    def __init__(self, mode: str, base_url: str) -> None:
        self.mode = mode
        self.base = base_url
        self.domain = "takahe.local" if mode == "takahe" else "murmur.test"
        self._ids = itertools.count(110000000000000000)
        self.accounts: dict[str, Acct] = {}
        self.tokens: dict[str, str] = {}
        self.statuses: dict[str, Status] = {}
        self.media: dict[str, Media] = {}
        self.polls: dict[str, PollState] = {}
        self.notes: dict[str, Note] = {}
        self.scheduled: dict[str, dict[str, Any]] = {}
        self.scheduled_keys: dict[tuple[str, str], str] = {}  # (owner, idempotency key) → id
        self.favourites: dict[str, set[str]] = {}
        self.bookmarks: dict[str, set[str]] = {}
        self.pins: dict[str, set[str]] = {}
        self.follows: set[tuple[str, str]] = set()
        self.follow_requests: set[tuple[str, str]] = set()  # (requester, locked account)
        # (follower, followed) → relationship fields other than the defaults (show boosts...)
        self.follow_options: dict[tuple[str, str], dict[str, Any]] = {}
        self.mutes: set[tuple[str, str]] = set()
        self.blocks: set[tuple[str, str]] = set()
        self.mute_expires: dict[tuple[str, str], int] = {}  # (viewer, muted) → seconds asked
        self.thread_mutes: set[tuple[str, str]] = set()  # (viewer, status id)
        self.markers: dict[tuple[str, str], tuple[str, datetime, int]] = {}
        self.lists: dict[str, tuple[str, str, set[str]]] = {}  # id → (owner, title, members)
        self.apps: dict[str, dict[str, str]] = {}
        self.codes: dict[str, tuple[str, str]] = {}  # code → (client_id, account)
        self.idempotency: dict[tuple[str, str], str] = {}
        self.reports: list[dict[str, Any]] = []
        self.clock = T0

    def new_id(self) -> str:
        return str(next(self._ids))

    def tick(self) -> datetime:
        self.clock += timedelta(minutes=1)
        return self.clock

    # ----- lookups ---------------------------------------------------------------------------
    def by_username(self, name: str) -> Acct | None:
        name = name.lstrip("@")
        user, _, host = name.partition("@")
        for a in self.accounts.values():
            if a.username == user and (not host or host in (a.domain, self.domain)):
                return a
        return None

    def acct(self, a: Acct, *, bare_local: bool) -> str:
        if a.domain:
            return f"{a.username}@{a.domain}"
        if self.mode == "takahe" and not bare_local:
            return f"{a.username}@{self.domain}"
        return a.username

    # ----- renderings ------------------------------------------------------------------------
    def account_json(self, a: Acct, *, credential: bool = False) -> dict[str, Any]:
        host = a.domain or self.domain
        profile = f"{self.base}/@{a.username}" if not a.domain else f"https://{host}/@{a.username}"
        statuses = [s for s in self.statuses.values() if s.account == a.id]
        data: dict[str, Any] = {
            "id": a.id,
            "username": a.username,
            "acct": self.acct(a, bare_local=credential),
            "url": profile,
            "display_name": a.display_name,
            "note": a.note,
            "avatar": f"{self.base}/avatars/{a.id}.png",
            "avatar_static": f"{self.base}/avatars/{a.id}.png",
            "header": f"{self.base}/headers/original/missing.png",
            "header_static": f"{self.base}/headers/original/missing.png",
            "locked": a.locked,
            "fields": [
                {"name": n, "value": v, "verified_at": a.verified.get(n)} for n, v in a.fields
            ],
            "emojis": [],
            "bot": a.bot,
            "group": False,
            "discoverable": True,
            "created_at": iso(T0 - timedelta(days=30)),
            "last_status_at": "2026-01-01" if statuses else None,
            "statuses_count": len(statuses),
            "followers_count": sum(1 for f in self.follows if f[1] == a.id),
            "following_count": sum(1 for f in self.follows if f[0] == a.id),
        }
        if self.mode != "takahe":
            data["uri"] = f"https://{host}/users/{a.username}"
            data["indexable"] = True
            data["noindex"] = False
        if credential:
            data["source"] = {
                "note": a.note,
                "fields": [{"name": n, "value": v, "verified_at": None} for n, v in a.fields],
                "privacy": "public",
                "sensitive": False,
                "language": "en",
                "follow_requests_count": sum(1 for r in self.follow_requests if r[1] == a.id),
            }
            if self.mode != "takahe":
                data["source"]["indexable"] = True
                data["source"]["hide_collections"] = False
                data["source"]["discoverable"] = True
                data["role"] = {
                    "id": "-99",
                    "name": "",
                    "color": "",
                    "permissions": "0",
                    "highlighted": False,
                }
        return data

    def content_html(self, s: Status) -> str:
        if s.html is not None:
            return s.html
        parts = []
        for para in s.text.split("\n\n"):
            escaped = html.escape(para, quote=False)

            def link(m: re.Match[str]) -> str:
                url = m.group(0)
                return f'<a href="{url}" rel="nofollow noopener" target="_blank">{url}</a>'

            def tag(m: re.Match[str]) -> str:
                return (
                    f'<a href="{self.base}/tags/{m.group(1).lower()}" class="mention hashtag" '
                    f'rel="tag">#<span>{m.group(1)}</span></a>'
                )

            def mention(m: re.Match[str]) -> str:
                who = self.by_username(m.group(0))
                if who is None:
                    return m.group(0)
                return (
                    f'<span class="h-card"><a href="{self.account_json(who)["url"]}" '
                    f'class="u-url mention">@<span>{who.username}</span></a></span>'
                )

            escaped = URL_RE.sub(link, escaped)
            escaped = TAG_RE.sub(tag, escaped)
            escaped = MENTION_RE.sub(mention, escaped)
            parts.append("<p>" + escaped.replace("\n", "<br />") + "</p>")
        return "".join(parts)

    def mentions(self, s: Status) -> list[Acct]:
        found = []
        for m in MENTION_RE.finditer(s.text):
            who = self.by_username(m.group(0))
            if who is not None and who not in found:
                found.append(who)
        return found

    def tags(self, s: Status) -> list[str]:
        return sorted({t.lower() for t in TAG_RE.findall(s.text)})

    def media_json(self, m: Media) -> dict[str, Any]:
        url = f"{self.base}/media/{m.id}/{m.filename}" if m.ready else None
        return {
            "id": m.id,
            "type": "image",
            "url": url,
            "preview_url": url,
            "remote_url": None,
            "meta": {"original": {"width": 64, "height": 48, "size": "64x48", "aspect": 1.33}},
            "description": m.description or None,
            "blurhash": None,
        }

    def poll_json(self, p: PollState, viewer: str | None) -> dict[str, Any]:
        counts = [0] * len(p.options)
        for choices in p.votes.values():
            for c in choices:
                counts[c] += 1
        data: dict[str, Any] = {
            "id": p.id,
            "expires_at": iso(p.expires_at),
            "expired": p.expires_at < self.clock,
            "multiple": p.multiple,
            "votes_count": sum(counts),
            "voters_count": len(p.votes) if p.multiple else None,
            "options": [{"title": t, "votes_count": c} for t, c in zip(p.options, counts)],
            "emojis": [],
        }
        if p.hide_totals and not data["expired"]:
            # Mastodon hides the counts of such a poll until it ends.
            data["votes_count"] = 0
            for option in data["options"]:
                option["votes_count"] = None
        if viewer is not None:
            data["voted"] = viewer in p.votes
            data["own_votes"] = p.votes.get(viewer, [])
        return data

    def status_json(self, s: Status, viewer: str | None, *, depth: int = 0) -> dict[str, Any]:
        author = self.accounts[s.account]
        host = author.domain or self.domain
        uri = f"https://{host}/users/{author.username}/statuses/{s.id}"
        reblog = None
        if s.reblog_of and depth == 0:
            reblog = self.status_json(self.statuses[s.reblog_of], viewer, depth=1)
        parent = self.statuses.get(s.in_reply_to or "")
        body = "" if s.reblog_of else self.content_html(s)
        data: dict[str, Any] = {
            "id": s.id,
            "uri": uri,
            "url": None if s.reblog_of else f"{self.base}/@{author.username}/{s.id}",
            "created_at": iso(s.created_at),
            "account": self.account_json(author),
            "content": body,
            "visibility": s.visibility,
            "sensitive": s.sensitive,
            "spoiler_text": s.spoiler,
            "media_attachments": [self.media_json(self.media[m]) for m in s.media],
            "application": None,
            "mentions": [
                {
                    "id": m.id,
                    "username": m.username,
                    "url": self.account_json(m)["url"],
                    "acct": self.acct(m, bare_local=False),
                }
                for m in self.mentions(s)
            ],
            "tags": [{"name": t, "url": f"{self.base}/tags/{t}"} for t in self.tags(s)],
            "emojis": [
                {
                    "shortcode": e,
                    "url": f"{self.base}/emoji/{e}.png",
                    "static_url": f"{self.base}/emoji/{e}.png",
                    "visible_in_picker": True,
                }
                for e in s.emojis
            ],
            "reblogs_count": sum(1 for x in self.statuses.values() if x.reblog_of == s.id),
            "favourites_count": sum(1 for f in self.favourites.values() if s.id in f),
            "replies_count": sum(1 for x in self.statuses.values() if x.in_reply_to == s.id),
            "in_reply_to_id": s.in_reply_to,
            "in_reply_to_account_id": parent.account if parent else None,
            "reblog": reblog,
            "poll": self.poll_json(self.polls[s.poll], viewer) if s.poll else None,
            "card": None,
            "language": s.language,
            "edited_at": iso(s.edited_at) if s.edited_at else None,
        }
        if viewer is not None:
            data["favourited"] = s.id in self.favourites.get(viewer, set())
            data["reblogged"] = any(
                x.reblog_of == s.id and x.account == viewer for x in self.statuses.values()
            )
            data["bookmarked"] = s.id in self.bookmarks.get(viewer, set())
            data["muted"] = (viewer, s.id) in self.thread_mutes
            if s.account == viewer:
                data["pinned"] = s.id in self.pins.get(viewer, set())
        if self.mode == "takahe":
            data["text"] = body  # Takahē puts the HTML here too
        return data

    def notification_json(self, n: Note, viewer: str) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": n.id,
            "type": n.type,
            "created_at": iso(n.created_at),
            "account": self.account_json(self.accounts[n.account]),
        }
        if self.mode != "takahe":
            data["group_key"] = self.group_key(n)
        if n.status:
            data["status"] = self.status_json(self.statuses[n.status], viewer)
        data.update(n.extra)
        return data

    def group_key(self, n: Note) -> str:
        if n.type in ("favourite", "reblog") and n.status:
            return f"{n.type}-{n.status}"
        return f"ungrouped-{n.id}"

    # ----- visibility of timelines -----------------------------------------------------------
    def visible(self, s: Status, viewer: str | None) -> bool:
        if viewer and ((viewer, s.account) in self.blocks or (viewer, s.account) in self.mutes):
            return False
        if s.visibility in ("public", "unlisted"):
            return True
        if viewer is None:
            return False
        if s.account == viewer:
            return True
        if s.visibility == "private":
            return (viewer, s.account) in self.follows
        return viewer in {m.id for m in self.mentions(s)}
