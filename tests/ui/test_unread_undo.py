"""Unread state, undo and postponed drafts, through the keys a reader presses (issue 13, items
5, 9 and 10). Restarts are a new app on the same cache file."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from tests.ui.fakes import NOW, FakeNetwork
from tests.ui.pilot import screen_lines, started, toasts
from tui.model import RichText
from tui.store.cache import Cache
from tui.store.config import ComposeConfig
from tui.ui.widgets.notifications import NotificationList
from tui.ui.widgets.timeline import PostList

NARROW = (80, 24)


def one() -> dict[str, FakeNetwork]:
    return {"masto": FakeNetwork("masto")}


def again(nets: dict[str, FakeNetwork]) -> dict[str, FakeNetwork]:
    """The same server for the next run (a network object belongs to one run's app)."""
    fresh = one()
    fresh["masto"].posts, fresh["masto"].notes = nets["masto"].posts, nets["masto"].notes
    return fresh


def newer(net: FakeNetwork, *texts: str) -> list[str]:
    """Posts that appeared since the last run, newest first; returns their uids."""
    added = [
        replace(
            net.posts[0],
            uid=f"masto:new:{n}",
            key=f"new:{n}",
            url=f"https://example.org/masto/new/{n}",
            content=RichText(text),
            created_at=NOW + timedelta(seconds=10 * (len(texts) - n)),  # before "now"
        )
        for n, text in enumerate(texts)
    ]
    net.posts[:0] = added
    return [p.uid for p in added]


def timeline(app) -> PostList:
    return app.main_screen.query_one("#timeline", PostList)


def tab_bar_line(app) -> str:
    return next(line for line in screen_lines(app) if "Timeline" in line and "Compose" in line)


async def test_divider_and_reading_position_survive_a_restart(build_app, tmp_path):
    nets = one()
    app = build_app(nets)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        # A first run: what is there is the starting point, nothing is "new".
        assert timeline(app).unread_total == 0 and timeline(app).divider_uid is None
        await pilot.press("j", "j", "j")
        assert timeline(app).selected.uid == "masto:post:3"

    fresh = newer(nets["masto"], "brand new", "also new")
    nets = again(nets)
    app = build_app(nets)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        posts = timeline(app)
        # Back where the reader was, with what arrived meanwhile above and counted.
        assert posts.selected.uid == "masto:post:3"
        assert "⚠ spoilers" in "\n".join(screen_lines(app))  # post 3, on screen
        assert posts.unread_total == 2
        assert "Timeline (2)" in tab_bar_line(app)
        assert "Timeline · all accounts · 2 unread" in "\n".join(screen_lines(app))
        assert posts.divider_uid == "masto:post:0"
        await pilot.press("g", "g")
        assert posts.selected.uid == fresh[0]
        lines = screen_lines(app)
        divider = next(n for n, line in enumerate(lines) if "new since you last looked" in line)
        above = lines[:divider]
        assert any("brand new" in line for line in above)
        assert any("also new" in line for line in above)
        assert "Post 0 from masto" in "\n".join(lines[divider:])
        # Both carry the dot: the selected one is read once the selection moves on.
        assert sum(line.startswith("● ") for line in above) == 2
        assert posts.unread_total == 2
        await pilot.press("j")
        assert posts.unread_total == 1 and not posts.is_unread(posts.items[0])
        assert "Timeline (1)" in tab_bar_line(app)

    # Another run: the divider moved up to what the last run showed; the post left unread
    # stays unread, the one read stays read, and the position is where it was left.
    nets = again(nets)
    app = build_app(nets)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        posts = timeline(app)
        assert posts.selected.uid == fresh[1]
        assert posts.divider_uid is None
        assert [p.uid for p in posts.items if posts.is_unread(p)] == [fresh[1]]


async def test_unread_keys_jump_toggle_and_mark_the_pane_read(build_app, tmp_path):
    nets = one()
    app = build_app(nets)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
    fresh = newer(nets["masto"], "n1", "n2", "n3")
    nets = again(nets)
    app = build_app(nets)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        posts = timeline(app)
        assert posts.selected.uid == "masto:post:0"
        assert posts.unread_total == 3
        await pilot.press("left_square_bracket")  # previous unread: the nearest above
        assert posts.selected.uid == fresh[2]
        await pilot.press("right_square_bracket")  # nothing unread below
        assert posts.selected.uid == fresh[2]
        assert "No unread posts below." in toasts(app)
        await pilot.press("U")  # read, by hand
        assert not posts.is_unread(posts.selected) and posts.unread_total == 2
        await pilot.press("U")  # unread again: and so it stays when the selection moves on
        assert posts.is_unread(posts.selected) and posts.unread_total == 3
        await pilot.press("g", "g")
        assert posts.is_unread(posts.items[2]) and posts.selected.uid == fresh[0]
        await pilot.press("right_square_bracket")  # the next unread; the one left is read
        assert posts.selected.uid == fresh[1] and posts.unread_total == 2
        await pilot.press("enter")  # opening a post reads it at once
        await started(pilot)
        assert posts.unread_total == 1
        await pilot.press("escape", "m")
        assert posts.unread_total == 0
        assert "Timeline (" not in tab_bar_line(app)
    with Cache(tmp_path / "cache.sqlite") as cache:
        marks = cache.read_states("post")
    assert all(marks[uid] for uid in fresh)


async def test_notifications_read_on_selection_and_u_marks_one_unread(build_app, tmp_path):
    nets = one()
    app = build_app(nets)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("tab")
        notes = app.main_screen.query_one("#notifications", NotificationList)
        assert app.focused is notes
        before = notes.unread_total
        assert before >= 2
        await pilot.press("j")
        chosen = notes.selected.uid
        assert notes.is_unread(notes.selected)  # the dot stays while it is selected
        await pilot.press("k")  # moved on: read
        assert notes.unread_total == before - 1
        assert not notes.is_unread(notes.items[notes.index_of(chosen)])
        await pilot.press("j")  # the first row was selected before: read too
        assert notes.unread_total == before - 2
        await pilot.press("U")
        assert notes.selected.uid == chosen and notes.unread_total == before - 1
        assert f"{before - 1} unread" in app.main_screen.query_one("#status").text
        assert f"Notifications ({before - 1})" in tab_bar_line(app)
        await pilot.press("g", "g", "right_square_bracket")  # the next unread: the one marked so
        assert notes.selected.uid == chosen
    nets = again(nets)
    app = build_app(nets)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        notes = app.main_screen.query_one("#notifications", NotificationList)
        row = notes.items[notes.index_of(chosen)]
        assert notes.is_unread(row)  # marked unread by hand: so after a restart too
        await pilot.press("tab", "m")
        assert notes.unread_total == 0


async def test_u_undoes_the_last_like_and_boost(build_app):
    nets = one()
    app = build_app(nets)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        post = timeline(app).selected
        await pilot.press("f", "b")
        await started(pilot)
        await pilot.press("u")  # the boost first
        await started(pilot)
        calls = [c for c in nets["masto"].calls if c[0] == "react"]
        assert calls[-1] == ("react", (post.uid, "repost", True))
        assert timeline(app).selected.mine.liked and not timeline(app).selected.mine.reposted
        await pilot.press("u")
        await started(pilot)
        assert nets["masto"].calls[-1] == ("react", (post.uid, "like", True))
        assert not timeline(app).selected.mine.liked
        await pilot.press("u")
        assert "Nothing to undo." in toasts(app)


async def test_u_undoes_a_like_in_a_thread_too(build_app):
    from tui.ui.screens.thread import ThreadScreen

    nets = one()
    app = build_app(nets)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("enter")
        await started(pilot)
        assert isinstance(app.screen, ThreadScreen)
        await pilot.press("f")
        await started(pilot)
        liked = [c for c in nets["masto"].calls if c[0] == "react"][-1]
        await pilot.press("u")
        await started(pilot)
        assert nets["masto"].calls[-1] == ("react", (liked[1][0], "like", True))
        assert isinstance(app.screen, ThreadScreen)


async def test_u_undoes_a_follow_made_on_a_profile(build_app):
    nets = one()
    app = build_app(nets)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        author = timeline(app).selected.author.uid
        await pilot.press("p")
        await started(pilot)
        await pilot.press("F")
        await started(pilot)
        await pilot.press("escape", "u")
        await started(pilot)
        assert nets["masto"].calls[-1] == ("follow", (author, True))


async def test_a_delete_waits_and_u_calls_it_off(build_app, monkeypatch):
    from tui.ui import undo

    nets = one()
    mine = nets["masto"].own_post("regrettable")
    nets["masto"].posts.insert(0, mine)
    app = build_app(nets)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        assert timeline(app).selected.uid == mine.uid
        monkeypatch.setattr(undo, "DELETE_DELAY", 60.0)
        await pilot.press("D", "y")
        assert "Deleting in 60 s — u to undo" in app.main_screen.query_one("#status").text
        await pilot.press("u")
        await started(pilot)
        assert not [c for c in nets["masto"].calls if c[0] == "delete"]
        assert timeline(app).index_of(mine.uid) is not None
        assert "u to undo" not in app.main_screen.query_one("#status").text
        # Without an undo the delete goes out once its wait is over.
        monkeypatch.setattr(undo, "DELETE_DELAY", 0.05)
        await pilot.press("D", "y")
        await started(pilot)
        assert ("delete", mine.uid) in nets["masto"].calls
        assert timeline(app).index_of(mine.uid) is None


async def test_undo_send_takes_the_post_back_before_it_leaves(build_app):
    nets = one()
    compose = ComposeConfig(default_accounts=("masto",), undo_send_seconds=60)
    app = build_app(nets, compose=compose)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("c", *"oops", "ctrl+s")
        await pilot.pause()
        status = app.main_screen.query_one("#status")
        assert "Sending in 60 s — u to undo" in status.text
        assert isinstance(app.focused, PostList)  # back in the feed, where u is undo
        assert [e.draft.text for e in app.session.pending()] == ["oops"]
        await pilot.press("u")
        await started(pilot)
        assert not [c for c in nets["masto"].calls if c[0] == "publish"]
        assert app.session.pending() == []
        pane = app.main_screen.query_one("#compose-pane")
        assert pane.text_area.text == "oops"
        assert app.main_screen.pane == "compose"
        assert "u to undo" not in status.text


async def test_a_post_goes_out_when_its_undo_window_passes(build_app):
    nets = one()
    compose = ComposeConfig(default_accounts=("masto",), undo_send_seconds=1)
    app = build_app(nets, compose=compose)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("c", *"fine", "ctrl+s")
        await started(pilot)  # the send worker ends once the window has passed
        assert [c[1].text for c in nets["masto"].calls if c[0] == "publish"] == ["fine"]
        assert app.session.pending() == []
        await pilot.press("u")  # too late to take back
        assert "Nothing to undo." in toasts(app)


async def test_postponed_drafts_resume_and_delete(build_app, tmp_path):
    nets = one()
    app = build_app(nets)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        post = timeline(app).selected
        await pilot.press("c", *"for later", "ctrl+o")
        pane = app.main_screen.query_one("#compose-pane")
        assert pane.text_area.text == ""
        await pilot.press("r", *"a reply", "ctrl+o")
        assert pane.text_area.text == "" and pane.reply_to is None
        await pilot.press("P")
        from tui.ui.screens.drafts import DraftsScreen

        assert isinstance(app.screen, DraftsScreen)
        assert len(app.screen.drafts) == 2
        assert "reply to" in "\n".join(screen_lines(app))
        await pilot.press("enter")  # the newest: the reply
        assert app.screen is app.main_screen
        assert pane.text_area.text.endswith("a reply")
        assert pane.reply_to is not None and pane.reply_to.uid == post.shown.uid
        await pilot.press("escape", "P")
        assert [d.text for _, _, d in app.screen.drafts] == ["for later"]
        await pilot.press("d")
        assert app.screen.drafts == []
        await pilot.press("escape")
    with Cache(tmp_path / "cache.sqlite") as cache:
        assert cache.postponed() == []


async def test_help_lists_the_new_keys_and_they_can_be_rebound(build_app, tmp_path):
    from tui.ui.screens.help import HelpScreen

    nets = one()
    app = build_app(nets, keymap={"unread.toggle": "x", "undo.last": "ctrl+z"})
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        help_screen = app.screen
        assert help_screen.keys_of("unread.next") == "right_square_bracket"
        assert help_screen.keys_of("unread.previous") == "left_square_bracket"
        assert help_screen.keys_of("drafts.list") == "P"
        assert help_screen.keys_of("compose.postpone") == "ctrl+o"
        assert help_screen.keys_of("post.profile") == "p"
        assert help_screen.keys_of("unread.toggle") == "x"
        assert help_screen.keys_of("undo.last") == "ctrl+z"
        await pilot.press("escape")
        post = timeline(app).selected
        await pilot.press("x")  # the selected post, marked unread with the rebound key
        assert timeline(app).is_unread(timeline(app).selected)
        await pilot.press("f")
        await started(pilot)
        await pilot.press("ctrl+z")
        await started(pilot)
        assert nets["masto"].calls[-1] == ("react", (post.uid, "like", True))


async def test_ones_own_post_arrives_read(build_app):
    nets = one()
    del nets["masto"].posts[0]  # everything shown is older than the post about to be sent
    app = build_app(nets)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("c", *"mine", "ctrl+s")
        await started(pilot)
        posts = timeline(app)
        [own] = [p for p in posts.items if p.content.text == "mine"]
        assert not posts.is_unread(own) and posts.unread_total == 0


def test_a_cache_that_refuses_a_write_costs_only_the_memory_of_it(tmp_path, monkeypatch):
    import sqlite3

    from tui import errorlog
    from tui.ui.readstate import ReadState

    cache = Cache(tmp_path / "cache.sqlite")

    def locked(*args: object) -> None:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(cache, "set_read_state", locked)
    monkeypatch.setattr(cache, "set_marker", locked)
    state = ReadState(cache)
    state.mark("post", ["masto:post:1"], True)
    state.set_position("*|home", "masto:post:1")
    assert state.explicit("post", "masto:post:1") is True  # kept for this run
    errorlog.close()  # flushed: the traceback went to the private log
    text = (tmp_path / "home" / "murmur.log").read_text()
    assert "database is locked" in text and "Saving what was read" in text
    cache.close()


def test_the_unread_dot_keeps_every_line_within_the_width():
    from textual.content import Content

    from tui.ui.widgets.timeline import marked_unread

    full = Content("Alice @alice" + " " * 60 + "[M] 5m")  # 78 cells: an author line at 78
    marked = marked_unread(Content.assemble(full, "\nthe text"), 78)
    first, second = marked.plain.split("\n")
    assert first.startswith("● Alice @alice") and first.endswith("[M] 5m")
    assert len(first) == 78 and second == "the text"
    crowded = Content("x" * 78)  # no gap to take from: cut, never wrapped to a new line
    assert marked_unread(crowded, 78).cell_length <= 78
    assert marked_unread(Content("↻ Bob reposted"), 78).plain == "● ↻ Bob reposted"


async def test_a_like_the_server_refused_is_not_undone(build_app):
    from tests.ui.fakes import Transient

    nets = one()
    app = build_app(nets)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        nets["masto"].fail["react"] = Transient("down", account="masto")
        await pilot.press("f")
        await started(pilot)
        del nets["masto"].fail["react"]
        await pilot.press("u")
        await started(pilot)
        assert "Nothing to undo." in toasts(app)
        tried = [c[1] for c in nets["masto"].calls if c[0] == "react"]
        assert tried == [("masto:post:0", "like", False)]  # the refused like; no unlike after
