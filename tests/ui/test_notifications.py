"""The notifications pane in the app: how rows wrap, acting on a notification's post, paging."""

from __future__ import annotations

from datetime import timedelta

from tests.ui.fakes import NOW, FakeNetwork, make_author
from tests.ui.pilot import started, toasts
from tui.model import Notification, Page
from tui.ui.screens.confirm import ConfirmScreen
from tui.ui.screens.links import LinksScreen
from tui.ui.screens.profile import ProfileScreen
from tui.ui.screens.thread import ThreadScreen
from tui.ui.widgets.notifications import NotificationList

NARROW = (80, 24)
LONG = (
    "@newcomer welcome to the neighbourhood! If you write code, #python threads are on "
    "Tuesdays and everyone brings a question, a snippet or a story about a bug that bit them"
)


def notifications(app) -> NotificationList:
    return app.main_screen.query_one("#notifications", NotificationList)


async def test_every_wrapped_line_of_a_notification_post_is_indented(build_app):
    net = FakeNetwork("masto")
    net.add_mention(LONG)
    app = build_app({"masto": net})
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("alt+2")
        await pilot.pause()
        rows = notifications(app).visible_text()
        start = next(n for n, row in enumerate(rows) if "mentioned you" in row)
        body = rows[start + 1 : rows.index(next(r for r in rows[start:] if r.startswith("──")))]
        text = [row.rstrip() for row in body]
        assert len(text) >= 3  # the post wrapped, then the counts line
        assert all(row.startswith("  ") and row[2] != " " for row in text), text
        assert " ".join(row.strip() for row in text[:-1]) == LONG


def posts_acted_on(net: FakeNetwork) -> list[object]:
    return [arg for op, arg in net.calls if op == "react"]


async def test_post_keys_act_on_the_selected_notifications_post(build_app, monkeypatch):
    net = FakeNetwork("masto")
    note = net.add_mention("have you read this?", url="https://books.example/b")
    about = note.post
    app = build_app({"masto": net})
    opened: list[str] = []
    monkeypatch.setattr(app, "open_url", lambda url, **kw: opened.append(url))
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("alt+2")
        assert notifications(app).selected.post == about
        for key, reaction in (("f", "like"), ("b", "repost"), ("B", "bookmark")):
            await pilot.press(key)
            await started(pilot)
            assert posts_acted_on(net)[-1] == (about.uid, reaction, False)
        shown = notifications(app).selected.post.mine
        assert shown.liked and shown.reposted and shown.bookmarked
        assert not any(p.mine.liked for p in app.main_screen.merger.items)
        await pilot.press("y", "y")
        assert app.clipboard == about.url
        await pilot.press("o")
        assert isinstance(app.screen, LinksScreen)
        assert app.screen.links == ["https://books.example/b", about.url]
        await pilot.press("enter", "escape")
        assert opened == ["https://books.example/b"]
        await pilot.press("p")
        await started(pilot)
        assert isinstance(app.screen, ProfileScreen)
        assert ("profile", about.author.uid) in net.calls
        await pilot.press("escape", "enter")
        await started(pilot)
        assert isinstance(app.screen, ThreadScreen)
        assert ("thread", about.uid) in net.calls
        await pilot.press("escape", "r")
        compose = app.main_screen.query_one("#compose-pane")
        assert compose.reply_to.uid == about.uid
        assert compose.text_area.text.startswith(f"@{about.author.handle} ")


async def test_v_and_delete_act_on_the_notifications_post(build_app):
    net = FakeNetwork("masto")
    net.add_mention("the ending of the film", content_warning="spoilers")
    mine = net.own_post("a post of mine people liked")
    fan = make_author(net.kind, "masto", "fan9")
    net.notes.insert(
        1,
        Notification(
            net.kind,
            "masto",
            "masto:like:mine",
            "like",
            NOW - timedelta(minutes=2),
            (fan,),
            post=mine,
        ),
    )
    app = build_app({"masto": net})
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("alt+2")
        text = "\n".join(notifications(app).visible_text())
        assert "spoilers" in text and "the ending of the film" not in text
        await pilot.press("v")
        assert "the ending of the film" in "\n".join(notifications(app).visible_text())
        await pilot.press("D")
        assert any("only delete your own" in t for t in toasts(app))
        while notifications(app).selected.post != mine:
            await pilot.press("j")
        await pilot.press("D")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await started(pilot)
        assert ("delete", mine.uid) in net.calls
        assert all(row.post != mine for row in notifications(app).items)


async def test_post_keys_on_a_notification_without_a_post_say_so(build_app):
    net = FakeNetwork("masto")
    app = build_app({"masto": net})
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("alt+2", "G")
        follow = notifications(app).selected
        assert follow.kind == "follow" and follow.post is None
        for key in ("f", "b", "B", "r", "o", "y", "D"):
            app.clear_notifications()
            await pilot.press(key)
            await started(pilot)
            assert toasts(app) == ["This notification is not about a post."], key
            assert app.screen is app.main_screen
        assert posts_acted_on(net) == []
        await pilot.press("p")  # a follow's person is its follower
        await started(pilot)
        assert isinstance(app.screen, ProfileScreen)
        assert ("profile", follow.actors[0].uid) in net.calls


class EndlessEmptyPages(FakeNetwork):
    """A server that answers an older page with no items but yet another cursor."""

    async def notifications(self, cursor=None, limit=40):
        if cursor:
            self.calls.append(("notifications", cursor))
            return Page((), older="again")
        page = await super().notifications(cursor, limit)
        return Page(page.items, older="next")


async def test_reaching_the_end_pages_older_notifications_per_account(build_app):
    net = FakeNetwork("masto")
    for n in range(96):  # 100 with the fake's own four
        net.add_mention(f"mention number {n}", minutes_ago=100 + n)
    quirky = EndlessEmptyPages("sky2")
    app = build_app({"masto": net, "sky2": quirky})
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        assert len(app.main_screen.notes) == 40 + 4
        await pilot.press("alt+2")
        for _ in range(4):
            await pilot.press("G")
            await started(pilot)
        cursors = lambda n: [c for op, c in n.calls if op == "notifications"]  # noqa: E731
        assert cursors(net) == [None, "40", "80"]
        assert cursors(quirky) == [None, "next"]  # an empty page ends that account
        rows = notifications(app).items
        assert len(app.main_screen.notes) == 100 + 4
        assert not toasts(app)
        assert "mention number 95" in " ".join(
            row.post.content.text for row in rows[-3:] if row.post is not None
        )
        times = [row.created_at for row in rows]
        assert times == sorted(times, reverse=True)  # older pages land at the end


async def test_read_stays_read_after_a_refresh_and_a_restart(build_app):
    from tests.ui.fakes import ALL_CAPS
    from tui.networks.base import Capability

    def status(app) -> str:
        return app.main_screen.query_one("#status").text

    # A server that keeps no read markers: it says "unread" on every fetch.
    net = FakeNetwork("masto", capabilities=ALL_CAPS - {Capability.MARK_READ})
    app = build_app({"masto": net})
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        assert "unread" in status(app)
        await pilot.press("alt+2", "m")
        await started(pilot)
        assert "unread" not in status(app)
        asked = net.calls.count(("notifications", None))
        await pilot.press("R")
        await started(pilot)
        assert net.calls.count(("notifications", None)) == asked + 1  # the server said "unread"
        assert "unread" not in status(app)
        assert not any(row.unread for row in notifications(app).items)
        assert not toasts(app) or toasts(app) == ["Refreshed."]
    restarted = build_app({"masto": net})  # a new app on the same cache
    async with restarted.run_test(size=NARROW) as pilot:
        await started(pilot)
        assert notifications(restarted).items
        assert not any(row.unread for row in notifications(restarted).items)
        assert "unread" not in status(restarted)


async def test_mark_read_on_a_server_without_markers_is_not_an_error(build_app):
    from tui.networks.base import NotFound

    class NoMarkers(FakeNetwork):
        async def mark_notifications_read(self, up_to=None):
            self.calls.append(("mark_read", up_to))
            raise NotFound("Record not found", account=self.account.name)

    net = NoMarkers("masto")
    app = build_app({"masto": net})
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("alt+2", "m")
        await started(pilot)
        assert ("mark_read", None) in net.calls
        assert not toasts(app)
        assert app.main_screen.query_one("#status").text.endswith("(streaming)")


async def test_a_live_notification_does_not_move_the_selection(build_app):
    from tui.model import Event, EventKind

    net = FakeNetwork("masto")
    app = build_app({"masto": net})
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("alt+2")
        pane = notifications(app)
        reading = pane.selected
        assert pane.selected_index == 0
        mention = net.add_mention("a brand new mention", minutes_ago=-1)
        net.events.put_nowait(Event(EventKind.NOTIFICATION, net.kind, "masto", mention))
        for _ in range(100):
            await pilot.pause()
            if pane.item_count > 2:
                break
        assert pane.items[0].uid == mention.uid
        assert pane.selected.uid == reading.uid
        assert "a brand new mention" in "\n".join(pane.visible_text())  # shown above it
        await pilot.press("f")  # acts on the post being read
        await started(pilot)
        assert [a for op, a in net.calls if op == "react"] == [(reading.post.uid, "like", False)]
