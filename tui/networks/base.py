"""The Network contract: one async interface every network adapter implements.

The UI asks `capabilities`, never `isinstance`. Adapters raise only `NetworkError` subclasses;
anything malformed from a server becomes a `Placeholder` item, never an exception in the UI.
This module must not import textual, httpx or websockets: the UI imports it.
"""

from __future__ import annotations

import functools
import importlib
import re
import sys
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Self

from tui.model import (
    Account,
    Author,
    ConnectionState,
    Event,
    FeedKind,
    FeedRef,
    Item,
    NetworkKind,
    NotificationItem,
    Page,
    Post,
    ProfileTab,
    Reaction,
)

if TYPE_CHECKING:  # tui.model loads these on first use
    from tui.model import (
        Conversation,
        Draft,
        Profile,
        Relationship,
        SearchResults,
        Thread,
        UserList,
    )


class Capability(StrEnum):
    EDIT = "edit"
    DELETE = "delete"
    BOOKMARK = "bookmark"
    PIN = "pin"
    POLL = "poll"
    VOTE = "vote"
    VISIBILITY = "visibility"
    CONTENT_WARNING = "content_warning"
    LANGUAGE = "language"
    DIRECT = "direct"
    STREAM = "stream"
    SEARCH = "search"
    LISTS = "lists"
    MEDIA = "media"
    QUOTE = "quote"
    REPORT = "report"
    MUTE = "mute"
    MUTE_THREAD = "mute_thread"
    MUTE_DURATION = "mute_duration"  # `mute(who, duration=seconds)` ends by itself
    BLOCK = "block"
    SCHEDULE = "schedule"
    CUSTOM_FEEDS = "custom_feeds"
    MARK_READ = "mark_read"
    # Replies address people by @-mentioning them in the text (Mastodon); elsewhere the reply
    # reference itself reaches the author and a mention would notify twice.
    REPLY_MENTIONS = "reply_mentions"


class Counting(StrEnum):
    """How a network counts a post's length."""

    CODEPOINTS = "codepoints"  # Nostr (no hard limit; relays cap bytes)
    GRAPHEMES = "graphemes"  # Bluesky: 300 graphemes
    MASTODON = "mastodon"  # code points, URLs weigh url_weight, @user@domain counts as @user


_URL_RE = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
_MENTION_RE = re.compile(r"(?<![\w/])@([\w.+-]+)@[\w.-]+\w", re.UNICODE)


class _Graphemes:
    """The `regex` patterns of grapheme counting (Bluesky's limit), compiled on first use:
    importing `regex` and compiling them cost every start-up time."""

    def __init__(self) -> None:
        import regex

        self.cluster = regex.compile(r"\X")
        self.consonant = regex.compile(r"\p{InCB=Consonant}")
        self.linker = regex.compile(r"\p{InCB=Linker}")
        self.extend = regex.compile(r"\p{InCB=Extend}")
        self.prepend = regex.compile(r"\p{GCB=Prepend}")


@functools.cache
def _graphemes() -> _Graphemes:
    return _Graphemes()


def _missed_conjunct_breaks(cluster: str) -> int:
    """Breaks `\\X` leaves out inside `cluster`: it joins a virama to the next consonant (GB9c)
    even when no consonant comes before the virama, as in "b्ष" (two clusters by UAX #29).
    """
    g = _graphemes()
    missed = 0
    state = ""  # "consonant" after a consonant, "linked" once a virama (linker) follows it
    for i, ch in enumerate(cluster):
        if g.consonant.match(ch):
            if i and state != "linked" and not g.prepend.match(cluster[i - 1]):
                missed += 1
            state = "consonant"
        elif g.linker.match(ch):
            state = "linked" if state else ""
        elif not g.extend.match(ch):
            state = ""
    return missed


def grapheme_count(text: str) -> int:
    """Extended grapheme clusters (UAX #29) in `text`, as Bluesky counts its 300.

    `regex`'s `\\X` follows current Unicode, as the reference library's `Intl.Segmenter` does:
    Hangul syllable sequences, Indic conjuncts, prepended marks, CRLF and emoji sequences are
    one cluster each. One rule it applies too widely is corrected here.
    """
    g = _graphemes()
    count = 0
    for cluster in g.cluster.findall(text):
        count += 1
        if len(cluster) > 1 and g.linker.search(cluster):
            count += _missed_conjunct_breaks(cluster)
    return count


@dataclass(frozen=True, slots=True)
class Limits:
    max_chars: int = 500
    counting: Counting = Counting.CODEPOINTS
    url_weight: int = 23
    max_media: int = 4
    max_poll_options: int = 4
    max_poll_option_chars: int = 50
    cw_counts: bool = True  # Mastodon counts the content warning in the limit
    # Warnings the network sends as labels, (value, name); any other warning text goes into the
    # post itself where the network has no free-text warnings (Bluesky). Empty: free text works.
    self_labels: tuple[tuple[str, str], ...] = ()
    # Private conversations (`conversations()` and friends); where False, `messages_note` says
    # why in words fit for the Messages screen.
    messages: bool = False
    messages_note: str = "direct messages are not supported on this network"

    def warning_label(self, content_warning: str) -> str | None:
        """The label a warning is sent as, or None when it goes out as text (or needs none)."""
        wanted = content_warning.strip().lower().replace(" ", "-")
        for value, name in self.self_labels:
            if wanted in (value, name.lower().replace(" ", "-")):
                return value
        return None

    def count(self, text: str, content_warning: str = "") -> int:
        extra = content_warning if self.cw_counts else ""
        if self.counting is Counting.GRAPHEMES:
            return grapheme_count(text)
        if self.counting is Counting.MASTODON:
            weighted = _URL_RE.sub("x" * self.url_weight, text)
            weighted = _MENTION_RE.sub(r"@\1", weighted)
            return len(weighted) + len(extra)
        return len(text) + len(extra)

    def remaining(self, text: str, content_warning: str = "") -> int:
        return self.max_chars - self.count(text, content_warning)


@dataclass(frozen=True, slots=True)
class Muted:
    """One entry of the "Mutes and blocks" list: a muted or blocked person, or a muted thread.

    `uid` is what undoing needs (the person's uid, or the thread's post uid); `label` is
    sanitised text to show; `until` is when a timed mute ends (None: forever).
    """

    kind: str  # "mute", "block" or "thread"
    uid: str
    label: str
    until: datetime | None = None


class NetworkError(Exception):
    """Base of every error an adapter raises. `str()` is a sentence fit to show a user."""

    def __init__(
        self,
        message: str,
        *,
        network: str = "",
        account: str = "",
        status: int = 0,
        code: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.network = network
        self.account = account
        self.status = status  # the HTTP status behind the error, 0 when there was none
        self.code = code  # the server's own error code (`error` field), "" when none

    def __str__(self) -> str:
        where = self.account or self.network
        return f"{where}: {self.message}" if where else self.message


class AuthError(NetworkError):
    """Credentials missing, wrong, expired or revoked: the user must log in again."""


class RateLimited(NetworkError):
    def __init__(self, message: str, retry_after: float, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class NotFound(NetworkError):
    pass


class Unsupported(NetworkError):
    """The network or server cannot do this (capability missing)."""


class Transient(NetworkError):
    """A failure worth retrying later: timeouts, refused connections, 5xx."""


class BadResponse(NetworkError):
    """The server answered something we cannot understand (HTML error page, bad JSON...)."""


CredentialsSaver = Callable[[Mapping[str, str]], Awaitable[None]]
StateListener = Callable[[ConnectionState, str], None]


class Network(ABC):
    """One local account on one network.

    `secrets` are the account's entries from the vault (tokens, keys). When an adapter obtains new
    credentials (a refreshed session), it awaits `save_credentials(new_secrets)` before using them.
    """

    kind: NetworkKind
    capabilities: frozenset[Capability] = frozenset()

    def __init__(
        self,
        account: Account,
        secrets: Mapping[str, str],
        *,
        save_credentials: CredentialsSaver | None = None,
    ) -> None:
        self.account = account
        self.secrets = dict(secrets)
        self._save_credentials = save_credentials
        self.state = ConnectionState.OFFLINE
        self.state_detail = ""
        self._state_listeners: list[StateListener] = []

    # ----- lifecycle -------------------------------------------------------------------------
    async def open(self) -> None:
        """Connect, check credentials, learn limits. Raises AuthError/Transient."""

    async def close(self) -> None:
        """Release connections. Safe to call twice."""

    async def reconnect(self) -> None:
        """Try again now whatever is down (the user asked for a refresh)."""

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ----- state -----------------------------------------------------------------------------
    def on_state(self, listener: StateListener) -> None:
        self._state_listeners.append(listener)

    def set_state(self, state: ConnectionState, detail: str = "") -> None:
        self.state, self.state_detail = state, detail
        for listener in list(self._state_listeners):
            listener(state, detail)

    async def save_credentials(self, secrets: Mapping[str, str]) -> None:
        self.secrets.update(secrets)
        if self._save_credentials is not None:
            await self._save_credentials(dict(self.secrets))

    def error(self, cls: type[NetworkError], message: str, **kw: object) -> NetworkError:
        """Build an error tagged with this account."""
        return cls(message, network=self.kind.value, account=self.account.name, **kw)

    # ----- description -----------------------------------------------------------------------
    @property
    def limits(self) -> Limits:
        return Limits()

    @property
    def me(self) -> Author | None:
        """The signed-in identity, once `open()` has run."""
        return None

    def supports(self, capability: Capability) -> bool:
        return capability in self.capabilities

    async def feeds(self) -> list[FeedRef]:
        """Feeds this account offers beyond home (lists, saved custom feeds...)."""
        return []

    # ----- reading ---------------------------------------------------------------------------
    @abstractmethod
    async def timeline(
        self, feed: FeedRef, cursor: str | None = None, limit: int = 40
    ) -> Page[Item]: ...

    @abstractmethod
    async def notifications(
        self, cursor: str | None = None, limit: int = 40
    ) -> Page[NotificationItem]: ...

    async def mark_notifications_read(self, up_to: NotificationItem | None = None) -> None:
        """Tell the server notifications were seen, where it keeps that state."""

    @abstractmethod
    async def thread(self, post: Post) -> Thread: ...

    async def post(self, uid: str) -> Item:
        """Fetch one post by uid."""
        raise self.error(Unsupported, "fetching a single post is not supported")

    async def profile(self, who: str) -> Profile:
        raise self.error(Unsupported, "profiles are not supported")

    async def author_feed(
        self, who: str, tab: ProfileTab, cursor: str | None = None, limit: int = 40
    ) -> Page[Item]:
        """An author's posts for a profile tab; the posts tab starts with pinned posts, each
        marked `ref["pinned"] == "1"`."""
        if tab is not ProfileTab.POSTS:
            raise self.error(Unsupported, f"the {tab.value} tab is not supported")
        return await self.timeline(FeedRef(FeedKind.USER, who), cursor, limit)

    async def search(self, query: str) -> SearchResults:
        raise self.error(Unsupported, "search is not supported")

    # ----- writing ---------------------------------------------------------------------------
    @abstractmethod
    async def publish(self, draft: Draft) -> Post: ...

    async def edit(self, post: Post, draft: Draft) -> Post:
        raise self.error(Unsupported, "editing is not supported")

    async def delete(self, post: Post) -> None:
        raise self.error(Unsupported, "deleting is not supported")

    async def react(self, post: Post, reaction: Reaction, undo: bool = False) -> Post:
        raise self.error(Unsupported, f"{reaction.value} is not supported")

    async def vote(self, post: Post, choices: list[int]) -> Post:
        raise self.error(Unsupported, "polls are not supported")

    async def follow(self, who: str, undo: bool = False) -> Relationship:
        raise self.error(Unsupported, "following is not supported")

    async def mute(self, who: str, undo: bool = False, *, duration: int = 0) -> Relationship:
        """Mute `who` (for `duration` seconds where MUTE_DURATION is supported; 0: forever)."""
        raise self.error(Unsupported, "muting is not supported")

    async def mute_thread(self, post: Post, undo: bool = False) -> None:
        """Stop (or resume) notifications from the thread `post` belongs to."""
        raise self.error(Unsupported, "muting threads is not supported")

    async def unmute_thread(self, uid: str) -> None:
        """Resume notifications of a thread listed by `muted()` (by its uid)."""
        raise self.error(Unsupported, "muting threads is not supported")

    async def muted(self) -> list[Muted]:
        """Whom this account mutes and blocks, and the threads it muted where known."""
        raise self.error(Unsupported, "this network keeps no mute list")

    async def undo_muted(self, entry: Muted) -> None:
        """Unmute, unblock or unmute the thread of one `muted()` entry."""
        if entry.kind == "thread":
            await self.unmute_thread(entry.uid)
        elif entry.kind == "block":
            await self.block(entry.uid, undo=True)
        else:
            await self.mute(entry.uid, undo=True)

    async def block(self, who: str, undo: bool = False) -> Relationship:
        raise self.error(Unsupported, "blocking is not supported")

    # ----- follow requests (locked accounts) and scheduled posts -------------------------------
    async def follow_requests(self, limit: int = 40) -> list[Author]:
        """People asking to follow this (locked) account, newest first."""
        raise self.error(Unsupported, f"{self.kind.value.capitalize()} has no follow requests")

    async def answer_follow_request(self, who: str, accept: bool) -> Relationship:
        """Accept or reject `who`'s request to follow (an author uid or a handle)."""
        raise self.error(Unsupported, f"{self.kind.value.capitalize()} has no follow requests")

    async def scheduled(self) -> list[Post]:
        """Posts waiting to go out later, dated when they will (`ref["scheduled_id"]`)."""
        raise self.error(Unsupported, f"{self.kind.value.capitalize()} has no scheduled posts")

    async def cancel_scheduled(self, post: Post) -> None:
        raise self.error(Unsupported, f"{self.kind.value.capitalize()} has no scheduled posts")

    # Report categories as (value, label), the first the default; `report(category=...)` takes
    # one of the values.
    report_categories: tuple[tuple[str, str], ...] = (("other", "Other"),)

    async def report(self, target: Author | Post, reason: str, *, category: str = "") -> None:
        raise self.error(Unsupported, "reporting is not supported")

    # ----- private messages (when `limits.messages`) -----------------------------------------
    async def conversations(self, limit: int = 40) -> list[Conversation]:
        """Private conversations, the most recently active first."""
        raise self.error(Unsupported, self.limits.messages_note)

    async def conversation(self, uid: str) -> list[Post]:
        """The messages of one conversation, oldest first."""
        raise self.error(Unsupported, self.limits.messages_note)

    async def send_message(self, to: tuple[str, ...] | Conversation, text: str) -> Post:
        """Send a private message to people (handles, npubs...) or into a conversation."""
        raise self.error(Unsupported, self.limits.messages_note)

    async def mark_conversation_read(self, uid: str) -> None:
        """Tell the server the conversation was read, where it keeps that state."""

    async def delete_conversation(self, uid: str) -> None:
        raise self.error(Unsupported, "deleting conversations is not supported")

    # ----- lists (Capability.LISTS): `<package>.lists` implements them --------------------------
    # `who` is what a person types (a handle, an npub, a DID) or an Author's uid.
    async def lists(self) -> list[UserList]:
        """The lists this account owns, in the server's order."""
        return await _lists_module(self).lists(self)

    async def create_list(self, title: str) -> UserList:
        return await _lists_module(self).create_list(self, title)

    async def rename_list(self, list_id: str, title: str) -> UserList:
        return await _lists_module(self).rename_list(self, list_id, title)

    async def delete_list(self, list_id: str) -> None:
        await _lists_module(self).delete_list(self, list_id)

    async def list_members(self, list_id: str) -> list[Author]:
        return await _lists_module(self).list_members(self, list_id)

    async def add_to_list(self, list_id: str, who: str) -> Author:
        """Add someone; answers who was added (as the server names them)."""
        return await _lists_module(self).add_to_list(self, list_id, who)

    async def remove_from_list(self, list_id: str, who: str) -> None:
        await _lists_module(self).remove_from_list(self, list_id, who)

    # ----- live ------------------------------------------------------------------------------
    async def watch(self, feed: FeedRef, on: bool = True) -> None:
        """Ask for live updates of `feed` while it is shown (on=False stops).

        Home and notifications are always live through `stream()`; adapters that can stream
        other feeds (Mastodon's public, hashtag and list streams) add them here.
        """

    async def stream(self) -> AsyncIterator[Event]:
        """Live events until cancelled. Adapters without a live source poll.

        The default yields nothing: the app polls `timeline` itself.
        """
        return
        yield  # pragma: no cover - makes this an async generator


@dataclass(frozen=True, slots=True)
class Prompt:
    """A question a login flow asks the user (the CLI prints it, the app shows a dialog)."""

    key: str
    label: str
    secret: bool = False
    info: str = ""  # shown before the question, e.g. the URL to open to authorize


Ask = Callable[[Prompt], Awaitable[str]]


@dataclass(frozen=True, slots=True)
class LoginResult:
    account: Account
    secrets: Mapping[str, str]


# Each network is a package with the same module names: `network.py` holds the adapter class,
# `login.py` its `async def login(params, ask)`, `options.py` its account options. Nothing is
# imported until first use, so start-up loads nothing network-specific.
ADAPTERS: dict[NetworkKind, tuple[str, str]] = {
    NetworkKind.MASTODON: ("tui.networks.mastodon", "MastodonNetwork"),
    NetworkKind.BLUESKY: ("tui.networks.bluesky", "BlueskyNetwork"),
    NetworkKind.NOSTR: ("tui.networks.nostr", "NostrNetwork"),
}


def _adapter_module(kind: NetworkKind, name: str) -> Any:
    package = ADAPTERS[NetworkKind(kind)][0]
    module_name = f"{package}.{name}"
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise Unsupported(f"the {kind} adapter is not available yet", network=kind) from None
        raise


def _lists_module(network: Network) -> Any:
    """The adapter package's `lists` module, or Unsupported where the network has none."""
    if not network.supports(Capability.LISTS):
        raise network.error(Unsupported, "lists are not supported on this network")
    return _adapter_module(network.kind, "lists")


def adapter_class(kind: NetworkKind) -> type[Network]:
    """Import a network adapter lazily, by kind, so nothing network-specific loads at start-up."""
    return getattr(_adapter_module(kind, "network"), ADAPTERS[NetworkKind(kind)][1])


async def login(kind: NetworkKind, params: Mapping[str, str], ask: Ask) -> LoginResult:
    """Run a network's login flow (`login.py` of its package).

    `params` holds what the user gave up front (server, handle, token, key, relays...); `ask` is
    awaited for anything else (an authorization code, a 2FA token). Raises NetworkError.
    """
    return await _adapter_module(kind, "login").login(params, ask)


def prepare(kinds: Iterable[NetworkKind]) -> None:
    """The slow part of `create` and of the first request, done ahead: import the adapters
    (httpx, websockets...) and what httpx loads lazily, and load the TLS roots. `Session` runs
    it once the app has painted the cached timeline (before that, it would hold the first paint).
    An adapter that cannot load is left for `create` to report."""
    for kind in {NetworkKind(k) for k in kinds}:
        try:
            adapter_class(kind)
        except Unsupported:
            continue  # create() raises it again, for each account of that kind
    http = sys.modules.get("tui.networks.http")  # loaded by the adapters that speak HTTP
    if http is not None:
        http.warm_up()


def create(
    account: Account,
    secrets: Mapping[str, str],
    *,
    save_credentials: CredentialsSaver | None = None,
) -> Network:
    return adapter_class(account.network)(account, secrets, save_credentials=save_credentials)
