"""One stream out of many: merging sources by time, dedupe, the user's filter rules, grouping.

A timeline shows posts from every account × feed at once. Each source pages newest-first at its
own speed; `Merger` buffers per source and releases an item only once every source still expected
to deliver has reached that point in time, so a slow server never lets an older post appear above
a newer one. Filtering and notification grouping live here too, so the widgets only draw.
No Textual here: the CLI and tests use this module directly.
"""

from __future__ import annotations

import heapq
import re
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Generic, TypeVar

from tui.model import (
    Account,
    Author,
    FeedKind,
    FeedRef,
    FilterAction,
    FilterRule,
    Item,
    Notification,
    NotificationItem,
    NetworkKind,
    NotificationKind,
    Placeholder,
    Post,
)

# ------------------------------------------------------------------------------------------------
# Merging


@dataclass(frozen=True, slots=True)
class Source:
    """One account's view of one feed: the unit that pages on its own."""

    account: str
    feed: FeedRef = FeedRef()

    def __str__(self) -> str:
        return f"{self.account}|{self.feed}"


def _sort_key(item: Item | Notification) -> tuple[float, str]:
    # Ascending order of this key is newest first; the uid breaks ties deterministically.
    return (-item.created_at.timestamp(), item.uid)


M = TypeVar("M", Post, Placeholder, Notification)


@dataclass(slots=True)
class Change(Generic[M]):
    """What one call changed in `Merger.items`.

    `inserted` holds (final index, item) pairs in ascending index order: applying them in that
    order to the previous list yields the new one. `updated` are items replaced in place.
    """

    inserted: list[tuple[int, M]] = field(default_factory=list)
    updated: list[M] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.inserted or self.updated)

    @property
    def items(self) -> list[M]:
        return [item for _, item in self.inserted]


@dataclass(slots=True)
class _SourceState:
    frontier: float | None = None  # timestamp of the oldest item delivered; None: nothing yet
    active: bool = True  # still expected to deliver older items


class Merger(Generic[M]):
    """Merges items from many sources newest first, without ever reordering what was shown.

    `push(source, page)` takes one page from a source (newest first, as servers send them).
    Items wait in a buffer until no active source can still deliver something newer: the release
    threshold is the least advanced frontier among active sources. A source marked done (its
    last page), failed or given up stops holding the others back. `insert_live()` places stream
    items at their time position straight away. Dedupe is by `dedupe_key`: the first item seen
    is kept and the other accounts that saw it are remembered (`accounts_of`).
    """

    def __init__(self, sources: Iterable[Source] = ()) -> None:
        self._sources: dict[Source, _SourceState] = {}
        self._pending: list[tuple[tuple[float, str], int, M]] = []  # heap, newest first
        self._offered = 0  # tie-breaker so the heap never compares items
        self._items: list[M] = []
        self._keys: list[tuple[float, str]] = []  # _sort_key of each item, ascending
        self._seen: dict[str, M] = {}  # dedupe_key -> kept item (released or pending)
        self._by_uid: dict[str, M] = {}
        self._accounts: dict[str, list[str]] = {}  # dedupe_key -> accounts that saw it
        for source in sources:
            self.add_source(source)

    # ----- reading -------------------------------------------------------------------------
    @property
    def items(self) -> Sequence[M]:
        """Released items, newest first. Treat as read-only."""
        return self._items

    def __len__(self) -> int:
        return len(self._items)

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    def everything(self) -> list[M]:
        """Released and held-back items together, newest first."""
        held = [item for _, _, item in sorted(self._pending)]
        return [*self._items, *held]

    @property
    def sources(self) -> list[Source]:
        return list(self._sources)

    def accounts_of(self, item: M) -> tuple[str, ...]:
        """Every local account that saw this item, the one it is shown as first."""
        return tuple(self._accounts.get(item.dedupe_key, (item.account,)))

    def get(self, uid: str) -> M | None:
        return self._by_uid.get(uid)

    def index_of(self, uid: str) -> int | None:
        item = self._by_uid.get(uid)
        if item is None:
            return None
        key = _sort_key(item)
        i = bisect_left(self._keys, key)
        if i < len(self._items) and self._keys[i] == key:
            return i
        return None  # still pending

    def active_sources(self) -> list[Source]:
        """Sources still expected to deliver, the one holding the others back first.

        The app asks these for their next page when the reader nears the end.
        """
        active = [(s, st) for s, st in self._sources.items() if st.active]
        inf = float("inf")
        active.sort(key=lambda p: -(p[1].frontier if p[1].frontier is not None else inf))
        return [s for s, _ in active]

    @property
    def threshold(self) -> float | None:
        """Timestamp above which (inclusive) items are released; None when nothing holds back."""
        frontiers = [st.frontier for st in self._sources.values() if st.active]
        if not frontiers:
            return None
        if any(f is None for f in frontiers):
            return float("inf")
        return max(f for f in frontiers if f is not None)

    # ----- sources -------------------------------------------------------------------------
    def add_source(self, source: Source) -> None:
        """Expect pages from `source`; until its first page it holds back release."""
        self._sources.setdefault(source, _SourceState())

    def push(self, source: Source, items: Iterable[M], *, more: bool = True) -> Change[M]:
        """Take one page from `source`. `more=False` means this was its last page."""
        state = self._sources.setdefault(source, _SourceState())
        oldest = state.frontier
        for item in items:
            ts = item.created_at.timestamp()
            oldest = ts if oldest is None else min(oldest, ts)
            self._offer(item)
        state.frontier = oldest
        if not more:
            state.active = False
        return self._release()

    def finish(self, source: Source) -> Change[M]:
        """The source has nothing older, failed or was given up: stop waiting for it."""
        self._sources.setdefault(source, _SourceState()).active = False
        return self._release()

    fail = finish

    def resume(self, source: Source) -> None:
        """Wait for `source` again (its next page was requested after a failure)."""
        state = self._sources.setdefault(source, _SourceState())
        state.active = True

    # ----- live and updates ----------------------------------------------------------------
    def insert_live(self, items: Iterable[M]) -> Change[M]:
        """Items from a stream or a refresh: placed at their time position now.

        A live item older than the release threshold waits in the buffer like any other, so it
        cannot appear above items that are still to come.
        """
        for item in items:
            self._offer(item)
        return self._release()

    def update(self, item: M) -> Change[M]:
        """Replace the item with the same uid (new counts, my like...), keeping its place."""
        old = self._by_uid.get(item.uid)
        if old is None:
            return Change()
        if old.created_at != item.created_at:
            item = replace(item, created_at=old.created_at)  # never move a shown item
        self._by_uid[item.uid] = item
        self._seen[old.dedupe_key] = item
        index = self.index_of(item.uid)
        if index is not None:
            self._items[index] = item
            return Change(updated=[item])
        self._pending = [(k, n, item if it.uid == item.uid else it) for k, n, it in self._pending]
        return Change()

    def remove(self, uid: str) -> int | None:
        """Drop an item (deleted on the server); returns the index it had, if shown."""
        index = self.index_of(uid)
        item = self._by_uid.pop(uid, None)
        if item is None:
            return None
        self._seen.pop(item.dedupe_key, None)
        self._accounts.pop(item.dedupe_key, None)
        if index is not None:
            del self._items[index]
            del self._keys[index]
            return index
        self._pending = [entry for entry in self._pending if entry[2].uid != uid]
        heapq.heapify(self._pending)
        return None

    # ----- internals -----------------------------------------------------------------------
    def _offer(self, item: M) -> None:
        key = item.dedupe_key
        kept = self._seen.get(key)
        if kept is not None:
            accounts = self._accounts.setdefault(key, [kept.account])
            if item.account not in accounts:
                accounts.append(item.account)
            return
        self._seen[key] = item
        self._by_uid[item.uid] = item
        self._offered += 1
        heapq.heappush(self._pending, (_sort_key(item), self._offered, item))

    def _release(self) -> Change[M]:
        threshold = self.threshold
        limit = (-threshold if threshold is not None else float("inf"), "\U0010ffff")
        released: list[tuple[tuple[float, str], M]] = []
        pending = self._pending
        while pending and (threshold is None or pending[0][0] <= limit):
            key, _, item = heapq.heappop(pending)
            released.append((key, item))
        if not released:
            return Change()
        keys, items = self._keys, self._items
        if not keys or released[0][0] > keys[-1]:
            # The common case while paging: everything released is older than what is shown.
            start = len(items)
            keys.extend(k for k, _ in released)
            items.extend(it for _, it in released)
            return Change(inserted=[(start + n, it) for n, (_, it) in enumerate(released)])
        inserted: list[tuple[int, M]] = []
        for key, item in released:  # ascending keys: each lands at or after the previous one
            index = bisect_left(keys, key)
            keys.insert(index, key)
            items.insert(index, item)
            inserted.append((index, item))
        return Change(inserted=inserted)


# ------------------------------------------------------------------------------------------------
# What the user picked


@dataclass(frozen=True, slots=True)
class FeedSelection:
    """All accounts, one account, or one feed: which sources the timeline merges.

    `account=None` means every configured account; `feed` defaults to home. A feed such as
    `tag:x` with `account=None` merges that tag from every account.
    """

    account: str | None = None
    feed: FeedRef = FeedRef()

    @classmethod
    def everything(cls) -> FeedSelection:
        return cls()

    @classmethod
    def one_account(cls, account: str) -> FeedSelection:
        return cls(account=account)

    @classmethod
    def one_feed(cls, feed: FeedRef, account: str | None = None) -> FeedSelection:
        return cls(account=account, feed=feed)

    def sources(self, accounts: Iterable[Account | str]) -> list[Source]:
        names = [a if isinstance(a, str) else a.name for a in accounts]
        return [Source(n, self.feed) for n in names if self.account in (None, n)]

    @property
    def context(self) -> str:
        """The filter context of this selection (a feed kind)."""
        return self.feed.kind.value

    @property
    def title(self) -> str:
        who = self.account or "all accounts"
        if self.feed.kind is FeedKind.HOME and not self.feed.arg:
            return who
        return f"{self.feed.title} · {who}"


# The feed kinds each network serves, until its adapter declares them (`feed_kinds`).
_SERVED: dict[NetworkKind, frozenset[FeedKind]] = {
    NetworkKind.MASTODON: frozenset(FeedKind),
    NetworkKind.BLUESKY: frozenset(
        {FeedKind.HOME, FeedKind.USER, FeedKind.LIST, FeedKind.CUSTOM, FeedKind.BOOKMARKS}
    ),
    NetworkKind.NOSTR: frozenset(
        {FeedKind.HOME, FeedKind.USER, FeedKind.TAG, FeedKind.PUBLIC, FeedKind.LIST}
    ),
}


def serves(account: Account, kind: FeedKind, network: object = None) -> bool:
    """Whether `account` (its network, when connected) can show a feed of `kind`."""
    declared = getattr(network, "feed_kinds", None)
    if declared is not None:
        return kind in declared
    return kind in _SERVED.get(account.network, frozenset(FeedKind))


def served_sources(
    selection: FeedSelection, accounts: Iterable[str], networks: Mapping[str, object]
) -> list[Source]:
    """The selection's sources among `accounts`, without those whose network has no such feed
    (Bluesky has no public feed: "public" for all accounts does not ask it)."""
    found = []
    for source in selection.sources(accounts):
        network = networks.get(source.account)
        account = getattr(network, "account", None)
        if account is None or serves(account, source.feed.kind, network):
            found.append(source)
    return found


# ------------------------------------------------------------------------------------------------
# Filters


@dataclass(frozen=True, slots=True)
class Verdict:
    """Why an item is hidden or put behind a warning.

    `rule_name` names the user's rule, or the network label when `by_label` is true.
    """

    action: FilterAction
    rule_name: str
    by_label: bool = False
    said: str = ""  # the network's own words for why (a Bluesky label and its labeler)

    @property
    def hidden(self) -> bool:
        return self.action is FilterAction.HIDE

    @property
    def reason(self) -> str:
        what = "hidden" if self.hidden else "warning"
        if self.by_label and self.said:
            return f"{what}: {self.said}"
        if self.by_label:
            return f"{what}: labelled {self.rule_name!r} by the network"
        return f"{what} by your rule {self.rule_name!r}"


class RuleError(ValueError):
    """A filter rule that cannot be used (a bad regular expression)."""


@lru_cache(maxsize=512)
def _compile(match: str, regex: bool, whole_word: bool) -> re.Pattern[str]:
    if regex:
        try:
            return re.compile(match, re.IGNORECASE)
        except re.error as exc:
            raise RuleError(f"bad regular expression {match!r}: {exc}") from None
    phrase = re.escape(match.strip())
    if whole_word:
        phrase = rf"(?<!\w){phrase}(?!\w)"
    return re.compile(phrase, re.IGNORECASE)


def check_rule(rule: FilterRule) -> str | None:
    """A sentence saying what is wrong with `rule`, or None when it is usable."""
    if not rule.match.strip() and not rule.authors:
        return f"rule {rule.name!r} matches nothing: give it a phrase or authors"
    if rule.match.strip():
        try:
            _compile(rule.match, rule.regex, rule.whole_word)
        except RuleError as exc:
            return f"rule {rule.name!r}: {exc}"
    return None


def _texts(post: Post) -> Iterable[str]:
    shown = post.shown
    yield shown.content.text
    yield shown.content_warning
    for media in shown.media:
        yield media.alt


def _handle(handle: str) -> str:
    return handle.lstrip("@").casefold()


def _rule_applies(rule: FilterRule, item: Post | Notification, context: str) -> bool:
    if rule.networks and item.network.value not in rule.networks:
        return False
    if rule.accounts and item.account not in rule.accounts:
        return False
    return not rule.contexts or context in rule.contexts


def _rule_matches(rule: FilterRule, authors: Sequence[Author], texts: Iterable[str]) -> bool:
    if rule.authors:
        muted = {_handle(a) for a in rule.authors}
        if any(_handle(a.handle) in muted for a in authors):
            return True
    if not rule.match.strip():
        return False
    try:
        pattern = _compile(rule.match, rule.regex, rule.whole_word)
    except RuleError:
        return False  # reported by check_rule when config loads; never breaks the timeline
    return any(text and pattern.search(text) for text in texts)


def verdict(
    item: Item | NotificationItem, rules: Sequence[FilterRule], context: str = "home"
) -> Verdict | None:
    """The strongest verdict of the user's rules and the network's labels, or None.

    Hiding beats warning; the user's own rule is named before a network label.
    """
    if isinstance(item, Placeholder):
        return None
    if isinstance(item, Notification):
        post = item.post
        authors: list[Author] = list(item.actors)
        texts: list[str] = [item.text]
    else:
        post = item
        authors = []
        texts = []
    if post is not None:
        authors += [post.author, post.shown.author]
        texts += list(_texts(post))
    found: Verdict | None = None
    for rule in rules:
        if not _rule_applies(rule, item, context) or not _rule_matches(rule, authors, texts):
            continue
        if rule.action is FilterAction.HIDE:
            return Verdict(FilterAction.HIDE, rule.name)
        found = found or Verdict(FilterAction.WARN, rule.name)
    label = _label_verdict(post) if post is not None else None
    if label is not None and (found is None or label.hidden):
        return label
    return found


def _label_verdict(post: Post) -> Verdict | None:
    labels = post.labels + (post.repost_of.labels if post.repost_of is not None else ())
    if not labels:
        return None
    named = ", ".join(dict.fromkeys(lb for lb in labels if not lb.startswith("!")))
    for bang, action in (("!hide", FilterAction.HIDE), ("!warn", FilterAction.WARN)):
        if bang in labels:
            said = post.shown.content_warning
            return Verdict(action, named or bang, by_label=True, said=said)
    return None


# ------------------------------------------------------------------------------------------------
# Notifications

GROUPABLE = frozenset({NotificationKind.LIKE, NotificationKind.REPOST, NotificationKind.FOLLOW})
GROUP_WINDOW = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class NotificationGroup:
    """Notifications shown as one row: "3 people liked your post". Newest first."""

    notifications: tuple[Notification, ...]

    @property
    def first(self) -> Notification:
        return self.notifications[0]

    @property
    def uid(self) -> str:
        return self.first.uid

    @property
    def kind(self) -> str:
        return self.first.kind

    @property
    def network(self) -> NetworkKind:
        return self.first.network

    @property
    def account(self) -> str:
        return self.first.account

    @property
    def created_at(self) -> datetime:
        return self.first.created_at

    @property
    def post(self) -> Post | None:
        return self.first.post

    @property
    def dedupe_key(self) -> str:
        return self.uid

    @property
    def actors(self) -> tuple[Author, ...]:
        """Everyone in the group, newest first, each once."""
        seen: dict[str, Author] = {}
        for n in self.notifications:
            for actor in n.actors:
                seen.setdefault(actor.uid, actor)
        return tuple(seen.values())

    @property
    def unread(self) -> bool:
        return any(n.unread for n in self.notifications)

    def read(self) -> NotificationGroup:
        return NotificationGroup(tuple(replace(n, unread=False) for n in self.notifications))


NotificationRow = NotificationGroup | Placeholder


def _group_key(n: Notification) -> tuple[str, ...] | None:
    if n.group_key:
        return ("server", n.account, n.group_key)
    if n.kind not in GROUPABLE:
        return None
    post_key = n.post.dedupe_key if n.post is not None else ""
    return (n.kind, n.account, post_key)


def group_notifications(
    items: Iterable[NotificationItem], window: timedelta = GROUP_WINDOW
) -> list[NotificationRow]:
    """Group likes, reposts and follows of the same post by the same account within `window`.

    Input and output are newest first; a group sits where its newest notification was. A
    server-supplied `group_key` (Mastodon's grouped notifications) is honoured as given.
    """
    rows: list[list[Notification] | Placeholder] = []
    open_groups: dict[tuple[str, ...], list[Notification]] = {}
    for item in sorted(items, key=_sort_key):
        if isinstance(item, Placeholder):
            rows.append(item)
            continue
        key = _group_key(item)
        group = open_groups.get(key) if key is not None else None
        if group is not None and group[0].created_at - item.created_at <= window:
            group.append(item)
            continue
        group = [item]
        rows.append(group)
        if key is not None:
            open_groups[key] = group
    return [r if isinstance(r, Placeholder) else NotificationGroup(tuple(r)) for r in rows]


def mark_read(rows: Iterable[NotificationRow]) -> list[NotificationRow]:
    return [r.read() if isinstance(r, NotificationGroup) else r for r in rows]


def unread_count(rows: Iterable[NotificationRow]) -> int:
    return sum(1 for r in rows if isinstance(r, NotificationGroup) and r.unread)
