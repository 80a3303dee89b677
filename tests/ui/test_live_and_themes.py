"""Live stream events, paging older posts, feed selection, and the colour themes."""

from __future__ import annotations

from tests.ui.fakes import FakeNetwork
from tests.ui.pilot import started
from tui.feed import FeedSelection
from tui.model import ConnectionState
from tui.ui.widgets.timeline import PostList

NARROW = (80, 24)


def timeline(app):
    return app.main_screen.query_one("#timeline", PostList)


async def test_live_post_is_prepended_and_state_changes_show(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        before = timeline(app).item_count
        live = networks["sky2"].push_post("fresh from the stream")
        for _ in range(20):
            await pilot.pause()
            if timeline(app).item_count > before:
                break
        assert timeline(app).items[0].uid == live.uid
        networks["masto"].set_state(ConnectionState.RECONNECTING, "retry in 4 s")
        await pilot.pause()
        assert "reconnecting (retry in 4 s)" in app.main_screen.query_one("#status").text


async def test_reaching_the_end_loads_older_pages_with_cursors(build_app):
    nets = {"masto": FakeNetwork("masto", posts=100)}
    app = build_app(nets)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        assert timeline(app).item_count == 40
        await pilot.press("G")
        await started(pilot)
        assert ("timeline", ("home", "40")) in nets["masto"].calls
        assert timeline(app).item_count > 40


async def test_one_account_selection_shows_only_that_account(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        app.main_screen.select_feed(FeedSelection.one_account("sky2"))
        await started(pilot)
        assert {p.account for p in timeline(app).items} == {"sky2"}
        assert "sky2" in str(app.main_screen.query_one("#feed-title").render())


async def test_feed_picker_key_switches_to_public(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("F")
        await pilot.pause()
        await pilot.press("down", "down", "enter")  # home, local, public
        await started(pilot)
        assert ("timeline", ("public", None)) in networks["masto"].calls


async def test_ansi_and_monochrome_themes_and_no_color(build_app, networks, monkeypatch):
    from tui.store.config import UiConfig

    app = build_app(networks, ui=UiConfig(theme="ansi"))
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        assert app.theme == "ansi" and app.current_theme.ansi
    monkeypatch.setenv("NO_COLOR", "1")
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        assert app.theme == "monochrome"
        await pilot.press("j")
        assert timeline(app).selected_index == 1


async def test_monochrome_selection_is_reverse_video(build_app, networks):
    from tui.store.config import UiConfig

    app = build_app(networks, ui=UiConfig(theme="monochrome"))
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        style = timeline(app).get_component_rich_style("item-list--selected")
        assert style.reverse


def watched(net: FakeNetwork) -> list[tuple[str, bool]]:
    return [arg for op, arg in net.calls if op == "watch"]


async def test_the_feed_on_screen_is_watched_live_and_the_one_left_is_not(build_app, networks):
    from tui.model import FeedRef

    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("F")
        await pilot.pause()
        await pilot.press("down", "down", "enter")  # home, local, public
        await started(pilot)
        for net in networks.values():
            assert watched(net) == [("home", False), ("public", True)]
        app.main_screen.select_feed(FeedSelection.one_feed(FeedRef.parse("tag:cats"), "sky2"))
        await started(pilot)
        assert watched(networks["masto"])[2:] == [("public", False)]
        assert watched(networks["sky2"])[2:] == [("public", False), ("tag:cats", True)]
        app.main_screen.select_feed(FeedSelection.one_account("sky2"))
        await started(pilot)
        assert watched(networks["sky2"])[4:] == [("tag:cats", False), ("home", True)]
        assert len(watched(networks["masto"])) == 3  # not in the selection: left alone


async def test_a_refused_watch_is_a_toast_and_the_feed_still_shows(build_app, networks):
    from tests.ui.pilot import toasts
    from tui.model import FeedRef
    from tui.networks.base import Transient

    networks["masto"].fail["watch"] = Transient("no streaming here", account="masto")
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        app.main_screen.select_feed(FeedSelection.one_feed(FeedRef.parse("public")))
        await started(pilot)
        assert any("no streaming here" in t for t in toasts(app))
        assert ("timeline", ("public", None)) in networks["masto"].calls
        assert timeline(app).item_count > 0
