"""Network-neutral model objects.

Every object is frozen and carries the `network` it came from, the local `account` that saw it, a
stable network-qualified `uid` and `created_at` in UTC. All text in these objects has already
passed `tui.text` (the one sanitiser): widgets may render it, but only as text, never as markup.
Adapters build these objects; nothing here knows about HTTP, relays or Textual.

What the first screen does not need lives in `tui.model_more`, loaded on first use of one of its
names (`from tui.model import Profile` works as for any other).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Generic, TypeVar

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class NetworkKind(StrEnum):
    MASTODON = "mastodon"
    BLUESKY = "bluesky"
    NOSTR = "nostr"


class SpanKind(StrEnum):
    LINK = "link"
    MENTION = "mention"
    HASHTAG = "hashtag"
    EMOJI = "emoji"  # custom emoji shown as :shortcode:


@dataclass(frozen=True, slots=True)
class Span:
    """A styled range of `RichText.text`, in code points: `text[start:end]`.

    `target` is what the span points at: a URL for links, a handle/DID/pubkey for mentions, the
    tag without '#' for hashtags. `host` is the real host of a link (shown beside link text that
    does not name it).
    """

    start: int
    end: int
    kind: SpanKind
    target: str = ""
    host: str = ""


@dataclass(frozen=True, slots=True)
class RichText:
    """Sanitised plain text plus spans. Build it with `tui.text`, never by hand from remote data."""

    text: str = ""
    spans: tuple[Span, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.text)

    @property
    def links(self) -> tuple[str, ...]:
        return tuple(s.target for s in self.spans if s.kind is SpanKind.LINK)


@dataclass(frozen=True, slots=True)
class Account:
    """A local account as configured: which network, which server, which identity.

    `name` is the user's label for it (unique in config). `options` holds network-specific keys
    from config (relays for Nostr, labelers for Bluesky...).
    """

    name: str
    network: NetworkKind
    server: str = ""
    handle: str = ""
    options: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Author:
    network: NetworkKind
    account: str
    uid: str
    handle: str
    display_name: str = ""
    url: str = ""
    avatar_url: str = ""
    bot: bool = False
    # NIP-05 / domain handle verified state is adapter knowledge; "" when not applicable.
    verified_domain: str = ""

    @property
    def name(self) -> str:
        return self.display_name or self.handle


class MediaKind(StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    GIFV = "gifv"
    AUDIO = "audio"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Media:
    kind: MediaKind
    url: str
    alt: str = ""
    preview_url: str = ""
    width: int | None = None
    height: int | None = None
    size: int | None = None  # bytes, where the network says (Nostr imeta)
    mime: str = ""  # e.g. "image/jpeg", where the network says


@dataclass(frozen=True, slots=True)
class LinkCard:
    url: str
    title: str = ""
    description: str = ""
    host: str = ""


@dataclass(frozen=True, slots=True)
class PollOption:
    title: str
    votes: int | None = None


@dataclass(frozen=True, slots=True)
class Poll:
    id: str
    options: tuple[PollOption, ...]
    expires_at: datetime | None = None
    expired: bool = False
    multiple: bool = False
    voters: int | None = None
    voted: bool = False
    own_votes: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Counts:
    replies: int | None = None
    reposts: int | None = None
    likes: int | None = None
    quotes: int | None = None


@dataclass(frozen=True, slots=True)
class MyState:
    """What the account that saw the post has done to it."""

    liked: bool = False
    reposted: bool = False
    bookmarked: bool = False
    pinned: bool = False


@dataclass(frozen=True, slots=True)
class Post:
    """A post (status, skeet, note).

    For a repost, this object is the repost: `author` is who reposted, `repost_of` the original,
    and `created_at` when it was reposted. `key` identifies the post across accounts (the
    ActivityPub URI, the AT-URI, the event id) so that two accounts seeing it show it once.
    `ref` keeps what the adapter needs to act on the post later (cid, root refs, relay hints),
    as strings only.
    """

    network: NetworkKind
    account: str
    uid: str
    created_at: datetime
    author: Author
    content: RichText = RichText()
    key: str = ""
    url: str = ""
    content_warning: str = ""
    sensitive: bool = False
    reply_to: str | None = None  # uid of the parent post
    reply_to_author: str = ""  # handle of the parent's author, for "replying to @x"
    repost_of: Post | None = None
    quote: Post | Placeholder | None = None
    media: tuple[Media, ...] = ()
    card: LinkCard | None = None
    poll: Poll | None = None
    counts: Counts = Counts()
    mine: MyState = MyState()
    visibility: str = ""  # public, unlisted, private, direct; "" where the network has none
    language: str = ""
    edited_at: datetime | None = None
    labels: tuple[str, ...] = ()  # moderation labels (Bluesky), "!hide"/"!warn" included
    ref: Mapping[str, str] = field(default_factory=dict)

    @property
    def dedupe_key(self) -> str:
        return self.key or self.uid

    @property
    def shown(self) -> Post:
        """The post whose content is displayed: the original for a repost."""
        return self.repost_of if self.repost_of is not None else self

    def with_state(self, **changes: object) -> Post:
        return replace(self, mine=replace(self.mine, **changes))


@dataclass(frozen=True, slots=True)
class Placeholder:
    """Stands where an item could not be understood, saying what was wrong. Never raises."""

    network: NetworkKind
    account: str
    uid: str
    reason: str
    created_at: datetime = EPOCH
    key: str = ""

    @property
    def dedupe_key(self) -> str:
        return self.key or self.uid


class NotificationKind(StrEnum):
    MENTION = "mention"
    REPLY = "reply"
    REPOST = "repost"
    LIKE = "like"
    QUOTE = "quote"
    FOLLOW = "follow"
    FOLLOW_REQUEST = "follow_request"
    POLL = "poll"
    STATUS = "status"  # someone I subscribed to posted
    UPDATE = "update"  # a post I interacted with was edited
    ADMIN_SIGNUP = "admin.sign_up"
    ADMIN_REPORT = "admin.report"
    SEVERED = "severed_relationships"
    MODERATION_WARNING = "moderation_warning"
    MESSAGE = "message"  # a new private message (post: the message)
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Notification:
    """One notification; `actors` holds everyone in a grouped one (first is the newest).

    `kind` is a NotificationKind value when known; an unknown type keeps the server's word in
    `kind` (sanitised) so it can be shown generically.
    """

    network: NetworkKind
    account: str
    uid: str
    kind: str
    created_at: datetime
    actors: tuple[Author, ...] = ()
    post: Post | None = None
    text: str = ""  # extra words for kinds without a post (moderation warning, severed...)
    unread: bool = True
    group_key: str = ""

    @property
    def actor(self) -> Author | None:
        return self.actors[0] if self.actors else None

    @property
    def dedupe_key(self) -> str:
        return self.uid


Item = Post | Placeholder
NotificationItem = Notification | Placeholder

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """A page of items, newest first, with opaque cursors for newer and older pages."""

    items: tuple[T, ...] = ()
    newer: str | None = None
    older: str | None = None
    # What went wrong while the page still came (a relay that failed while others answered),
    # one sentence each, for the user.
    warnings: tuple[str, ...] = ()


class FeedKind(StrEnum):
    HOME = "home"
    LOCAL = "local"
    PUBLIC = "public"
    TAG = "tag"
    LIST = "list"
    USER = "user"
    BOOKMARKS = "bookmarks"
    FAVOURITES = "favourites"
    DIRECT = "direct"
    CUSTOM = "custom"  # Bluesky feed generator, arg is its AT-URI


_FEEDS_WITH_ARG = {FeedKind.TAG, FeedKind.LIST, FeedKind.USER, FeedKind.CUSTOM}


@dataclass(frozen=True, slots=True)
class FeedRef:
    kind: FeedKind = FeedKind.HOME
    arg: str = ""
    label: str = ""

    @classmethod
    def parse(cls, spec: str) -> FeedRef:
        """Parse `home`, `local`, `public`, `tag:NAME`, `list:ID`, `user:WHO`, `custom:URI`...

        Raises ValueError with a message that names what was expected.
        """
        name, sep, arg = spec.strip().partition(":")
        try:
            kind = FeedKind(name.lower())
        except ValueError:
            choices = ", ".join(k.value for k in FeedKind)
            raise ValueError(f"unknown feed {spec!r}: expected one of {choices}") from None
        if kind in _FEEDS_WITH_ARG and not arg:
            raise ValueError(f"feed {kind.value!r} needs an argument, as in {kind.value}:NAME")
        if kind not in _FEEDS_WITH_ARG and sep:
            raise ValueError(f"feed {kind.value!r} takes no argument")
        if kind is FeedKind.TAG:
            arg = arg.lstrip("#")
        return cls(kind, arg)

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.arg}" if self.arg else self.kind.value

    @property
    def title(self) -> str:
        if self.label:
            return self.label
        if self.kind is FeedKind.TAG:
            return f"#{self.arg}"
        return str(self)


class VerificationState(StrEnum):
    VERIFIED = "verified"
    FAILED = "failed"  # claimed, but the domain does not confirm it
    NONE = "none"  # nothing claimed


class ProfileTab(StrEnum):
    """The profile screen's lists of an author's posts."""

    POSTS = "posts"  # without replies, pinned first
    REPLIES = "replies"  # posts and replies
    MEDIA = "media"  # posts with media


class Reaction(StrEnum):
    LIKE = "like"
    REPOST = "repost"
    BOOKMARK = "bookmark"
    PIN = "pin"


class ConnectionState(StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"  # live: streaming or subscribed
    POLLING = "polling"  # no live stream, polling instead
    RECONNECTING = "reconnecting"
    OFFLINE = "offline"


class EventKind(StrEnum):
    POST = "post"  # a new post for a feed (payload: Post)
    UPDATE = "update"  # a post changed (edit, counts) (payload: Post)
    DELETE = "delete"  # payload: uid of the deleted post
    NOTIFICATION = "notification"  # payload: Notification
    STATE = "state"  # connection state changed (payload: ConnectionState; detail says why)


@dataclass(frozen=True, slots=True)
class Event:
    """A live event from `Network.stream()`."""

    kind: EventKind
    network: NetworkKind
    account: str
    payload: object
    feed: FeedRef | None = None
    detail: str = ""  # e.g. "relays 3/5" or "streaming unavailable: polling every 60 s"
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def utc(dt: datetime) -> datetime:
    """Normalise a datetime to aware UTC (naive values are taken as UTC)."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


class FilterAction(StrEnum):
    HIDE = "hide"  # collapsed to one line that names the rule; the user can look anyway
    WARN = "warn"  # shown behind a warning that names the rule, like a content warning


@dataclass(frozen=True, slots=True)
class FilterRule:
    """One of the user's own rules from `[[filters]]` in config.

    `match` is a phrase (case-insensitive, whole words unless `whole_word` is false) or, with
    `regex`, a Python regular expression. Empty `networks`/`accounts`/`contexts` mean all.
    `contexts` are feed kinds ("home", "public", "tag"...) plus "notifications" and "thread".
    """

    name: str
    match: str
    action: FilterAction = FilterAction.HIDE
    regex: bool = False
    whole_word: bool = True
    networks: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    contexts: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()  # handles to mute by this rule, whatever the text


# ----- loaded on first use: tui/model_more.py ----------------------------------------------------
LATER = frozenset(
    {
        "Conversation",
        "Draft",
        "MediaUpload",
        "PollDraft",
        "Profile",
        "ProfileField",
        "Relationship",
        "SearchResults",
        "Tag",
        "Thread",
        "UserList",
        "Verification",
    }
)


def __getattr__(name: str) -> object:
    if name not in LATER:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from tui import model_more

    value = getattr(model_more, name)
    globals()[name] = value  # once: later lookups find it here
    return value
