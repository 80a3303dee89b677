"""The reader without Textual: paging, merging, live events, connection state, read state."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import make_config
from tests.ui.fakes import ALL_CAPS, NOW, FakeNetwork
from tui.feed import Change, FeedSelection
from tui.model import ConnectionState, Event, EventKind, FeedRef, NetworkKind, Page
from tui.networks.base import Capability, NotFound, Transient
from tui.reader import Listener, Reader, notification_pager, post_pager
from tui.session import Session
from tui.store.cache import Cache


class Recorder(Listener):
    """Keeps what a screen would draw: the timeline as a list, the last notification rows."""

    def __init__(self) -> None:
        self.timeline: list[Any] = []
        self.rows: list[Any] = []
        self.unread = 0
        self.states: list[tuple[str, Any, str]] = []
        self.errors: list[str] = []

    def posts_reset(self, items: list[Any]) -> None:
        self.timeline = list(items)

    def posts_changed(self, change: Change[Any]) -> None:
        for index, item in change.inserted:
            self.timeline.insert(index, item)
        for item in change.updated:
            self.timeline = [item if i.uid == item.uid else i for i in self.timeline]

    def post_removed(self, uid: str) -> None:
        self.timeline = [i for i in self.timeline if i.uid != uid]

    def notifications_changed(self, rows: list[Any], unread: int) -> None:
        self.rows, self.unread = rows, unread

    def connection_changed(self, account: str, network: str, state: Any, detail: str) -> None:
        self.states.append((account, state, detail))

    def failed(self, error: Exception, doing: str) -> None:
        self.errors.append(f"{doing}: {error}")


def session_of(tmp_path: Path, *nets: FakeNetwork) -> Session:
    networks = {n.account.name: n for n in nets}
    return Session(make_config(networks), Cache(tmp_path / "cache.sqlite"), networks)


def reader_of(session: Session, page_size: int = 40) -> tuple[Reader, Recorder]:
    drawn = Recorder()
    return Reader(session, drawn, page_size=page_size), drawn


def cursors(net: FakeNetwork, op: str = "timeline") -> list[object]:
    return [arg for name, arg in net.calls if name == op]


# ----- one paging path ------------------------------------------------------------------------


async def test_collect_pages_every_account_until_the_count(tmp_path):
    a, b = FakeNetwork("masto", posts=100), FakeNetwork("sky2", NetworkKind.BLUESKY, posts=100)
    session = session_of(tmp_path, a, b)
    pager = post_pager(session, FeedRef(), ["masto", "sky2"], page_size=40)
    items, errors = await pager.collect(150)
    assert errors == {}
    assert len(items) == 150
    times = [i.created_at for i in items]
    assert times == sorted(times, reverse=True)
    assert len({i.uid for i in items}) == 150
    assert cursors(a) == [("home", None), ("home", "40")]
    assert cursors(b) == [("home", None), ("home", "40")]


async def test_collect_stops_at_the_end_of_every_account(tmp_path):
    net = FakeNetwork("masto", posts=55)
    pager = post_pager(session_of(tmp_path, net), FeedRef(), ["masto"], page_size=20)
    items, errors = await pager.collect(1000)
    assert (len(items), errors) == (55, {})
    assert cursors(net) == [("home", None), ("home", "20"), ("home", "40")]


async def test_collect_notifications_pages_the_same_way(tmp_path):
    net = FakeNetwork("masto")
    for n in range(60):
        net.add_mention(f"mention {n}", minutes_ago=40 + n)
    pager = notification_pager(session_of(tmp_path, net), ["masto"], page_size=40)
    items, errors = await pager.collect(50)
    assert (len(items), errors) == (50, {})
    assert cursors(net, "notifications") == [None, "40"]


async def test_a_failing_account_is_a_value_and_the_others_still_page(tmp_path):
    good, bad = FakeNetwork("masto", posts=60), FakeNetwork("sky2", NetworkKind.BLUESKY)
    bad.fail["timeline"] = Transient("server down", account="sky2")
    pager = post_pager(session_of(tmp_path, good, bad), FeedRef(), ["masto", "sky2"], 40)
    items, errors = await pager.collect(60)
    assert len(items) == 60 and {i.account for i in items} == {"masto"}
    assert list(errors) == ["sky2"] and "server down" in str(errors["sky2"])


async def test_pages_that_bring_nothing_new_end_the_collection(tmp_path):
    class Repeats(FakeNetwork):
        async def timeline(self, feed, cursor=None, limit=40):
            self.calls.append(("timeline", (str(feed), cursor)))
            return Page(tuple(self.posts[:limit]), older=f"again{len(self.calls)}")

    net = Repeats("masto")
    items, _ = await post_pager(session_of(tmp_path, net), FeedRef(), ["masto"], 10).collect(50)
    assert len(items) == 10
    assert len(cursors(net)) == 2


# ----- the app's reader -----------------------------------------------------------------------


async def test_older_pages_land_in_time_order_across_accounts(tmp_path):
    a, b = FakeNetwork("masto", posts=100), FakeNetwork("sky2", NetworkKind.BLUESKY, posts=100)
    reader, drawn = reader_of(session_of(tmp_path, a, b), page_size=30)
    await reader.refresh_posts()
    first = len(drawn.timeline)
    await reader.older_posts()
    await reader.older_posts()
    assert len(drawn.timeline) > first
    assert drawn.timeline == list(reader.merger.items)  # the changes applied give the merge
    times = [i.created_at for i in drawn.timeline]
    assert times == sorted(times, reverse=True)


async def test_a_failed_older_page_keeps_its_cursor_and_is_asked_again(tmp_path):
    net = FakeNetwork("masto", posts=100)
    reader, drawn = reader_of(session_of(tmp_path, net))
    await reader.refresh_posts()
    net.fail["timeline"] = Transient("timed out", account="masto")
    await reader.older_posts()
    assert len(drawn.errors) == 1
    assert (
        drawn.errors[0].startswith("Loading older posts for masto")
        and "timed out" in drawn.errors[0]
    )
    del net.fail["timeline"]
    assert reader.posts.has_more
    await reader.older_posts()
    assert cursors(net)[-2:] == [("home", "40"), ("home", "40")]
    assert len(drawn.timeline) == 80


async def test_a_refresh_where_every_account_fails_keeps_what_is_shown(tmp_path):
    net = FakeNetwork("masto")
    reader, drawn = reader_of(session_of(tmp_path, net))
    await reader.refresh_posts()
    shown = list(drawn.timeline)
    net.fail["timeline"] = Transient("offline", account="masto")
    await reader.refresh_posts()
    assert drawn.timeline == shown
    assert len(drawn.errors) == 1
    assert drawn.errors[0].startswith("Fetching home for masto") and "offline" in drawn.errors[0]


async def test_a_refresh_reconnects_every_account_first_and_reports_a_failure(tmp_path):
    class Reconnecting(FakeNetwork):
        async def reconnect(self) -> None:
            self.calls.append(("reconnect", None))
            if "reconnect" in self.fail:
                raise self.fail["reconnect"]

    a, b = Reconnecting("masto"), Reconnecting("sky2", NetworkKind.BLUESKY)
    b.fail["reconnect"] = Transient("no route", account="sky2")
    reader, drawn = reader_of(session_of(tmp_path, a, b))
    await reader.refresh()
    for net in (a, b):
        assert [name for name, _ in net.calls][0] == "reconnect", net.calls
        assert ("timeline", ("home", None)) in net.calls
    assert drawn.errors == ["Reconnecting sky2: sky2: no route"]
    assert len(drawn.timeline) == 60  # the refresh went on


async def test_page_warnings_are_kept_once_each(tmp_path):
    class Warns(FakeNetwork):
        async def timeline(self, feed, cursor=None, limit=40):
            page = await super().timeline(feed, cursor, limit)
            return replace(page, warnings=("ws://r.example: connection refused",))

    net = Warns("masto", posts=60)
    pager = post_pager(session_of(tmp_path, net), FeedRef(), ["masto"], page_size=40)
    items, errors = await pager.collect(60)
    assert (len(items), errors) == (60, {})
    assert list(pager.warnings) == [("masto", "ws://r.example: connection refused")]


async def test_live_posts_for_the_feed_on_screen_only(tmp_path):
    net = FakeNetwork("masto")
    reader, drawn = reader_of(session_of(tmp_path, net))
    await reader.refresh_posts()
    fresh = replace(net.posts[0], uid="masto:live", key="live", created_at=NOW.replace(hour=13))
    reader.handle_event(Event(EventKind.POST, NetworkKind.MASTODON, "masto", fresh, feed=None))
    assert drawn.timeline[0].uid == "masto:live"
    tagged = replace(fresh, uid="masto:tagged", key="tagged")
    tag = FeedRef.parse("tag:cats")
    reader.handle_event(Event(EventKind.POST, NetworkKind.MASTODON, "masto", tagged, feed=tag))
    assert "masto:tagged" not in {i.uid for i in drawn.timeline}
    reader.handle_event(Event(EventKind.DELETE, NetworkKind.MASTODON, "masto", "masto:live"))
    assert "masto:live" not in {i.uid for i in drawn.timeline}


async def test_connection_state_reaches_the_listener_once_per_change(tmp_path):
    net = FakeNetwork("masto")
    reader, drawn = reader_of(session_of(tmp_path, net))
    reader.watch("masto", net)
    reader.watch("masto", net)  # watching twice is still one route
    net.set_state(ConnectionState.RECONNECTING, "retry in 4 s")
    # Mastodon also sends the same change as a STATE event: not drawn twice.
    reader.handle_event(
        Event(
            EventKind.STATE,
            NetworkKind.MASTODON,
            "masto",
            ConnectionState.RECONNECTING,
            detail="retry in 4 s",
        )
    )
    assert drawn.states == [
        ("masto", ConnectionState.OFFLINE, ""),
        ("masto", ConnectionState.RECONNECTING, "retry in 4 s"),
    ]


async def test_my_confirmed_post_shows_in_the_home_timeline_at_once(tmp_path):
    net = FakeNetwork("masto")
    reader, drawn = reader_of(session_of(tmp_path, net))
    await reader.refresh_posts()
    mine = replace(net.own_post("just posted"), created_at=NOW.replace(hour=13))
    reader.confirmed(mine)
    assert drawn.timeline[0] == mine
    reader.select(FeedSelection.one_feed(FeedRef.parse("tag:cats")))
    await reader.refresh_posts()
    reader.confirmed(replace(mine, uid="masto:other", key="other"))
    assert "masto:other" not in {i.uid for i in drawn.timeline}


# ----- read state -----------------------------------------------------------------------------


def no_markers() -> frozenset[Capability]:
    return ALL_CAPS - {Capability.MARK_READ}


async def test_read_state_survives_a_refresh_and_a_restart_without_server_markers(tmp_path):
    net = FakeNetwork("masto", capabilities=no_markers())
    reader, drawn = reader_of(session_of(tmp_path, net))
    await reader.refresh_notifications()
    assert drawn.unread > 0
    accounts = reader.mark_read()
    await reader.tell_servers(accounts)
    assert drawn.unread == 0
    assert ("mark_read", None) not in net.calls
    await reader.refresh_notifications()  # the server still says unread
    assert drawn.unread == 0
    again, drawn_again = reader_of(session_of(tmp_path, net))  # a restart on the same cache
    await again.refresh_notifications()
    assert drawn_again.unread == 0
    assert drawn.errors == drawn_again.errors == []
    net.add_mention("something new", minutes_ago=-5)
    await again.refresh_notifications()
    assert drawn_again.unread == 1  # what came after is still unread


async def test_a_server_without_markers_is_not_an_error(tmp_path):
    class NoMarkers(FakeNetwork):
        async def mark_notifications_read(self, up_to=None):
            self.calls.append(("mark_read", up_to))
            raise NotFound("Record not found", account=self.account.name)

    net = NoMarkers("masto")
    reader, drawn = reader_of(session_of(tmp_path, net))
    await reader.refresh_notifications()
    await reader.tell_servers(reader.mark_read())
    assert ("mark_read", None) in net.calls
    assert (drawn.errors, drawn.unread) == ([], 0)


async def test_where_the_server_keeps_markers_it_is_told(tmp_path):
    net = FakeNetwork("masto")
    reader, drawn = reader_of(session_of(tmp_path, net))
    await reader.refresh_notifications()
    await reader.tell_servers(reader.mark_read())
    assert ("mark_read", None) in net.calls


def test_the_reader_imports_no_textual():
    code = "import sys, tui.reader, tui.cli; assert 'textual' not in sys.modules, 'textual'"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.fixture(autouse=True)
def _private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    monkeypatch.setenv("MURMUR_HOME", str(home))
