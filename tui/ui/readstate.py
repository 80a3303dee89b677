"""What the user has read, per post and notification, kept in the cache across runs.

A post is unread when the user marked it so, or when it is newer than what the feed showed when
the user last looked (the "new since you last looked" boundary) and has not been selected since.
The boundary of a feed is fixed for the run: it is where the divider is drawn. When the user
leaves the feed (another feed, quitting) the boundary moves up to the newest post shown, and the
posts above the old boundary that are still unread are recorded as unread one by one, so nothing
the user skipped turns read behind their back. A crash before that loses nothing either: the old
boundary stays and so does every explicit mark.

A feed seen for the first time starts with everything already there read (a new user does not
start with a thousand unread posts); what arrives after that is new.

Textual-free: the lists ask it, the cache keeps it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tui.model import Placeholder

if TYPE_CHECKING:
    from tui.feed import FeedSelection
    from tui.store.cache import Cache, ReadKind


def selection_key(selection: FeedSelection) -> str:
    """The key under which a feed's boundary and reading position are kept."""
    return f"{selection.account or '*'}|{selection.feed}"


def _stamp(moment: datetime) -> float:
    return moment.timestamp()


class ReadState:
    def __init__(self, cache: Cache | None) -> None:
        self.cache = cache
        self._marks: dict[str, dict[str, bool]] = {
            "post": cache.read_states("post") if cache is not None else {},
            "notification": cache.read_states("notification") if cache is not None else {},
        }
        self._boundaries: dict[str, datetime | None] = {}

    def _keep(self, write: Callable[[Cache], object], doing: str) -> None:
        """Write through to the cache. A cache that cannot take it (locked by another process
        for too long, a full disk) costs only the memory of it after a restart: logged, and
        the reader reads on."""
        if self.cache is None:
            return
        try:
            write(self.cache)
        except sqlite3.Error as exc:
            from tui.errorlog import log_exception

            log_exception(exc, doing=doing)

    # ----- explicit marks ----------------------------------------------------------------------
    def mark(self, kind: ReadKind, uids: Iterable[str], read: bool) -> None:
        marks = self._marks[kind]
        changed = [uid for uid in uids if marks.get(uid) is not read]
        if not changed:
            return
        for uid in changed:
            marks[uid] = read
        self._keep(lambda c: c.set_read_state(kind, changed, read), "Saving what was read")

    def explicit(self, kind: ReadKind, uid: str) -> bool | None:
        """True: marked read, False: marked unread, None: never marked."""
        return self._marks[kind].get(uid)

    # ----- posts -------------------------------------------------------------------------------
    def boundary(self, feed: str, items: Sequence[Any] = ()) -> datetime | None:
        """This run's "last looked" moment of `feed` (None until the feed has shown anything).

        Stored from an earlier run, or, the first time the feed shows posts, the newest of them.
        """
        if feed in self._boundaries:
            return self._boundaries[feed]
        cache = self.cache
        stored = cache.get_marker(f"seen:{feed}") if cache is not None else None
        moment: datetime | None = None
        if stored is not None:
            try:
                moment = datetime.fromtimestamp(float(stored), UTC)
            except (ValueError, OverflowError, OSError):
                moment = None  # a marker written by something else: start afresh
        if moment is None:
            newest = _newest(items)
            if newest is None:
                return None  # nothing shown yet: decided when posts arrive
            moment = newest
            self._keep(
                lambda c: c.set_marker(f"seen:{feed}", repr(_stamp(newest))),
                "Saving where a feed starts",
            )
        self._boundaries[feed] = moment
        return moment

    def post_unread(self, item: Any, boundary: datetime | None) -> bool:
        if isinstance(item, Placeholder):
            return False
        marked = self._marks["post"].get(item.uid)
        if marked is not None:
            return not marked
        return boundary is not None and item.created_at > boundary

    def leave(self, feed: str, items: Sequence[Any]) -> None:
        """The user leaves `feed` (another feed, quitting): keep what is still unread as
        unread, and move the boundary up to the newest post shown, for the next run."""
        boundary = self._boundaries.get(feed)
        newest = _newest(items)
        if boundary is None or newest is None or newest <= boundary:
            return
        marks = self._marks["post"]
        still_unread = [
            i.uid
            for i in items
            if not isinstance(i, Placeholder) and i.created_at > boundary and i.uid not in marks
        ]
        self.mark("post", still_unread, False)
        self._keep(
            lambda c: c.set_marker(f"seen:{feed}", repr(_stamp(newest))),
            "Saving where the feed was last looked at",
        )
        self._boundaries.pop(feed, None)  # the next visit in this run starts from there

    # ----- reading position --------------------------------------------------------------------
    def position(self, feed: str) -> str | None:
        return self.cache.get_marker(f"position:{feed}") if self.cache is not None else None

    def set_position(self, feed: str, uid: str) -> None:
        self._keep(lambda c: c.set_marker(f"position:{feed}", uid), "Saving the reading position")


def _newest(items: Iterable[Any]) -> datetime | None:
    moments = [i.created_at for i in items if not isinstance(i, Placeholder)]
    return max(moments) if moments else None
