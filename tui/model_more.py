"""The part of `tui.model` that the first screen does not need: profiles, search, lists, threads,
conversations and drafts. Import these names from `tui.model` as any other: it loads this module
the first time one of them is asked for (building the classes at start-up cost milliseconds that
the first paint waited for).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tui.model import (
    EPOCH,
    Author,
    FeedKind,
    FeedRef,
    Item,
    NetworkKind,
    Post,
    RichText,
    VerificationState,
)


@dataclass(frozen=True, slots=True)
class Conversation:
    """A private conversation: its participants other than me, the newest message, read state.

    Messages are `Post`s with visibility "direct"; `ref["legacy"]` marks a Nostr NIP-04 one.
    """

    network: NetworkKind
    account: str
    uid: str
    participants: tuple[Author, ...]
    last: Post | None = None
    unread: bool = False
    updated_at: datetime = EPOCH

    @property
    def dedupe_key(self) -> str:
        return self.uid


@dataclass(frozen=True, slots=True)
class UserList:
    """A list of people the user curates: a Mastodon list, a Bluesky curate list, a Nostr
    follow set (NIP-51 kind 30000). `id` is what `list:ID` and the list calls take."""

    network: NetworkKind
    account: str
    id: str
    title: str
    members: int | None = None  # None when the server does not say without asking

    @property
    def feed(self) -> FeedRef:
        return FeedRef(FeedKind.LIST, self.id, self.title)


@dataclass(frozen=True, slots=True)
class Thread:
    post: Item
    ancestors: tuple[Item, ...] = ()
    descendants: tuple[Item, ...] = ()


@dataclass(frozen=True, slots=True)
class ProfileField:
    """A name/value pair of a profile (sanitised remote text). `verified_at` is when the server
    confirmed the link in `value` points back at the profile (Mastodon's rel=me check);
    `domain` is that link's host."""

    name: str
    value: RichText
    verified: bool = False
    verified_at: datetime | None = None
    domain: str = ""


@dataclass(frozen=True, slots=True)
class Verification:
    """What a profile's identity claim came to: a Nostr NIP-05 name, a Bluesky handle domain,
    a Mastodon verified link. `claim` is the identifier or domain (sanitised)."""

    method: str  # "nip05", "handle", "link"
    state: VerificationState = VerificationState.NONE
    claim: str = ""

    @property
    def text(self) -> str:
        domain = self.claim.rpartition("@")[2] if self.method == "nip05" else self.claim
        if self.method == "handle":
            if self.state is VerificationState.VERIFIED:
                return f"handle verified ({domain})"
            return "invalid handle" if self.state is VerificationState.FAILED else ""
        label = "NIP-05" if self.method == "nip05" else "link"
        if self.state is VerificationState.VERIFIED:
            return f"{label} verified ✓ {self.claim if self.method == 'nip05' else domain}"
        if self.state is VerificationState.FAILED:
            return f"{label} not verified: {domain} does not confirm {self.claim}"
        return f"no {label}"


@dataclass(frozen=True, slots=True)
class Relationship:
    following: bool = False
    followed_by: bool = False
    requested: bool = False
    muting: bool = False
    blocking: bool = False
    blocked_by: bool = False


@dataclass(frozen=True, slots=True)
class Profile:
    author: Author
    bio: RichText = RichText()
    fields: tuple[ProfileField, ...] = ()
    followers: int | None = None
    following: int | None = None
    posts: int | None = None
    created_at: datetime | None = None
    relationship: Relationship | None = None  # None for my own profile or when unknown
    header_url: str = ""
    verification: tuple[Verification, ...] = ()


@dataclass(frozen=True, slots=True)
class Tag:
    name: str
    url: str = ""
    uses: int | None = None


@dataclass(frozen=True, slots=True)
class SearchResults:
    authors: tuple[Author, ...] = ()
    posts: tuple[Item, ...] = ()
    tags: tuple[Tag, ...] = ()
    # Why part of the search could not be made here (e.g. no relay offers full-text search).
    note: str = ""


@dataclass(frozen=True, slots=True)
class MediaUpload:
    path: str
    alt: str = ""
    mime: str = ""
    # An attachment the post already has (editing): its id on the server; `path` is then "".
    remote_id: str = ""


@dataclass(frozen=True, slots=True)
class PollDraft:
    options: tuple[str, ...]
    expires_in: int = 86400  # seconds
    multiple: bool = False
    hide_totals: bool = False  # counts stay hidden until the poll ends (Mastodon)


@dataclass(frozen=True, slots=True)
class Draft:
    """What the user wrote, before it is sent to one or several accounts.

    `reply_to` / `quote_of` are Posts as seen by one account; an adapter posting from another
    account resolves them by `key`/`url` or refuses with Unsupported. `idempotency_key` is fixed
    when the draft enters the outbox so that a retry never posts twice.
    """

    text: str
    targets: tuple[str, ...] = ()  # account names
    content_warning: str = ""
    sensitive: bool = False
    visibility: str = ""
    language: str = ""
    reply_to: Post | None = None
    quote_of: Post | None = None
    media: tuple[MediaUpload, ...] = ()
    poll: PollDraft | None = None
    idempotency_key: str = ""
    scheduled_at: datetime | None = None
