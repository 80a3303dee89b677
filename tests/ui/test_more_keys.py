"""The keys the other flow tests leave out: bookmark, delete (with its confirmation) and the
command palette's entries."""

from __future__ import annotations

from tests.ui.pilot import started
from tui.model import Reaction
from tui.ui.widgets.timeline import PostList

NARROW = (80, 24)


def timeline(app):
    return app.main_screen.query_one("#timeline", PostList)


async def test_shift_b_bookmarks_and_again_removes_it(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        post = timeline(app).selected
        await pilot.press("B")
        await started(pilot)
        assert ("react", (post.uid, Reaction.BOOKMARK.value, False)) in networks[post.account].calls
        assert timeline(app).selected.mine.bookmarked
        await pilot.press("B")
        await started(pilot)
        assert ("react", (post.uid, Reaction.BOOKMARK.value, True)) in networks[post.account].calls
        assert not timeline(app).selected.mine.bookmarked


async def test_delete_asks_first_and_removes_my_post(build_app, networks):
    mine = networks["masto"].own_post("a post I regret")
    networks["masto"].posts.insert(0, mine)
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        timeline(app).select_uid(mine.uid)
        await pilot.press("D")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "ConfirmScreen"
        await pilot.press("n")  # changed my mind: nothing is sent
        await started(pilot)
        assert ("delete", mine.uid) not in networks["masto"].calls
        await pilot.press("D")
        await pilot.pause()
        await pilot.press("y")
        await started(pilot)
        assert ("delete", mine.uid) in networks["masto"].calls
        assert timeline(app).index_of(mine.uid) is None


async def test_delete_refuses_someone_elses_post(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("D")
        await started(pilot)
        assert app.screen is app.main_screen
        assert not any(op == "delete" for net in networks.values() for op, _ in net.calls)
        assert any("only delete your own" in str(n.message) for n in app._notifications)


async def test_palette_switches_to_one_account_and_changes_theme(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        for key in "Show account: sky2":
            await pilot.press("space" if key == " " else key)
        await pilot.pause(0.3)
        await pilot.press("enter")
        await started(pilot)
        assert {p.account for p in app.main_screen.merger.items} == {"sky2"}

        await pilot.press("ctrl+p")
        await pilot.pause()
        for key in "Theme: nord":
            await pilot.press("space" if key == " " else key)
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.theme == "nord"


async def test_the_tab_bar_names_the_keys_that_show_each_pane(build_app, networks):
    from tests.ui.pilot import screen_lines

    app = build_app(networks, keymap={"pane.notifications": "f2"})
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        tabs = screen_lines(app)[0]
        assert "alt+1 Timeline" in tabs and "f2 Notifications" in tabs
        assert "alt+3 Compose" in tabs
        await pilot.press("f2")
        assert app.main_screen.pane == "notifications"
