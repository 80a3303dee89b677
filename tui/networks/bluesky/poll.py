"""Live updates for Bluesky by polling: the AppView offers clients no push stream.

Every `interval` seconds the home timeline and notifications are read back to the newest item
already delivered (several pages after a burst); what is new comes out as events, oldest first.
The first round only learns what is already shown (the app fetched it when it opened the feed).
A failed round tells the state listeners (`set_state`, the one route of connection state: the
stream itself carries posts and notifications only) and tries again after a wait that grows while
failures go on (tui.backoff's rule); an AuthError ends the stream (the app shows it once).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

from tui.backoff import delay
from tui.model import (
    ConnectionState,
    Event,
    EventKind,
    FeedRef,
    Item,
    Notification,
    NotificationItem,
    Page,
    Post,
)
from tui.networks.base import AuthError, NetworkError

if TYPE_CHECKING:
    from tui.networks.bluesky.network import BlueskyNetwork

_sleep = asyncio.sleep  # the wait between rounds (tests step rounds by hand)
PAGE = 100  # items per request while polling (the AppView's maximum)
MAX_PAGES = 10  # how far back one round reads to catch up after a burst
MAX_WAIT = 600.0  # the longest wait between rounds while the server keeps failing
SEEN_CAP = 2000  # remembered keys per kind; a page is 40, so this covers a long absence


class _Seen:
    def __init__(self) -> None:
        self._keys: OrderedDict[str, None] = OrderedDict()

    def __contains__(self, key: str) -> bool:
        return key in self._keys

    def add(self, key: str) -> bool:
        """True when the key is new."""
        if key in self._keys:
            return False
        self._keys[key] = None
        while len(self._keys) > SEEN_CAP:
            self._keys.popitem(last=False)
        return True


async def events(net: BlueskyNetwork, interval: float) -> AsyncIterator[Event]:
    home = FeedRef()
    posts, notes = _Seen(), _Seen()
    first = True
    failures = 0
    detail = f"polling every {interval:g} s"
    while True:
        try:
            # The first round only learns what is shown; later rounds page back to it.
            pages = 1 if first else MAX_PAGES
            page_items = await _since(
                lambda cursor: net.timeline(home, cursor, PAGE), posts, _post_key, pages
            )
            note_items = await _since(
                lambda cursor: net.notifications(cursor, PAGE), notes, _note_key, pages
            )
        except AuthError:
            net.set_state(ConnectionState.OFFLINE, "session expired: log in again")
            raise
        except NetworkError as exc:
            net.set_state(ConnectionState.RECONNECTING, exc.message)
            # A server in trouble is asked less and less often, by the one backoff rule.
            await _sleep(delay(failures, first=interval, ceiling=max(interval, MAX_WAIT)))
            failures += 1
            continue
        else:
            failures = 0
            new_posts = [p for p in page_items if posts.add(_post_key(p))]
            new_notes = [n for n in note_items if notes.add(_note_key(n))]
            if first or net.state is not ConnectionState.POLLING:
                net.set_state(ConnectionState.POLLING, detail)
            if not first:
                for post in reversed(new_posts):
                    if isinstance(post, Post):
                        yield Event(EventKind.POST, net.kind, net.account.name, post, feed=home)
                for note in reversed(new_notes):
                    if isinstance(note, Notification):
                        yield Event(EventKind.NOTIFICATION, net.kind, net.account.name, note)
            first = False
        await _sleep(interval)


def _post_key(item: Item) -> str:
    return item.dedupe_key


def _note_key(item: NotificationItem) -> str:
    return item.uid


async def _since(
    fetch: Callable[[str | None], Awaitable[Page]],
    seen: _Seen,
    key: Callable[[Any], str],
    pages: int,
) -> list:
    """Items newest first, paging back until one already seen (or `pages` pages): a burst
    larger than a page between two rounds arrives whole."""
    items: list = []
    cursor = None
    for _ in range(pages):
        page = await fetch(cursor)
        items.extend(page.items)
        if not page.items or not page.older or any(key(i) in seen for i in page.items):
            break
        cursor = page.older
    return items
