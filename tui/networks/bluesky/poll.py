"""Live updates for Bluesky by polling: the AppView offers clients no push stream.

Every `interval` seconds the home timeline's first page and the first page of notifications are
read; what was not there before comes out as events, oldest first. The first round only learns
what is already shown (the app fetched it when it opened the feed). A failed round reports the
state and tries again after a wait that grows while failures go on (tui.backoff's rule); an
AuthError ends the stream (the app shows it once).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from tui.backoff import delay
from tui.model import ConnectionState, Event, EventKind, FeedRef, Notification, Post
from tui.networks.base import AuthError, NetworkError

if TYPE_CHECKING:
    from tui.networks.bluesky.network import BlueskyNetwork

MAX_WAIT = 600.0  # the longest wait between rounds while the server keeps failing
SEEN_CAP = 2000  # remembered keys per kind; a page is 40, so this covers a long absence


class _Seen:
    def __init__(self) -> None:
        self._keys: OrderedDict[str, None] = OrderedDict()

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
            page = await net.timeline(home)
            noted = await net.notifications()
        except AuthError:
            net.set_state(ConnectionState.OFFLINE, "session expired: log in again")
            raise
        except NetworkError as exc:
            net.set_state(ConnectionState.RECONNECTING, exc.message)
            yield _state(net, ConnectionState.RECONNECTING, exc.message)
            # A server in trouble is asked less and less often, by the one backoff rule.
            await asyncio.sleep(delay(failures, first=interval, ceiling=max(interval, MAX_WAIT)))
            failures += 1
            continue
        else:
            failures = 0
            new_posts = [p for p in page.items if posts.add(p.dedupe_key)]
            new_notes = [n for n in noted.items if notes.add(n.uid)]
            if first:
                net.set_state(ConnectionState.POLLING, detail)
                yield _state(net, ConnectionState.POLLING, detail)
            else:
                if net.state is not ConnectionState.POLLING:
                    net.set_state(ConnectionState.POLLING, detail)
                    yield _state(net, ConnectionState.POLLING, detail)
                for post in reversed(new_posts):
                    if isinstance(post, Post):
                        yield Event(EventKind.POST, net.kind, net.account.name, post, feed=home)
                for note in reversed(new_notes):
                    if isinstance(note, Notification):
                        yield Event(EventKind.NOTIFICATION, net.kind, net.account.name, note)
            first = False
        await asyncio.sleep(interval)


def _state(net: BlueskyNetwork, state: ConnectionState, detail: str) -> Event:
    return Event(EventKind.STATE, net.kind, net.account.name, state, detail=detail)
