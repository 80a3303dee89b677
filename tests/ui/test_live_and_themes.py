"""Live stream events, paging older posts, feed selection, and the colour themes."""

from __future__ import annotations

import pytest

from tests.ui.fakes import FakeNetwork
from tests.ui.pilot import started
from tui.feed import FeedSelection
from tui.model import ConnectionState
from tui.session import Session
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


async def wait_for(pilot, until, what: str) -> None:
    for _ in range(100):
        await pilot.pause()
        if until():
            return
    raise AssertionError(f"never happened: {what}")


async def test_a_live_post_at_the_top_waits_behind_the_new_bar(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        posts = timeline(app)
        reading = posts.selected
        assert posts.selected_index == 0 and posts.scroll_offset.y == 0
        before = posts.item_count
        live = networks["sky2"].push_post("fresh from the stream")
        await wait_for(pilot, lambda: posts.item_count > before, "the live post arrived")
        assert posts.items[0].uid == live.uid
        assert posts.selected.uid == reading.uid  # the selection stayed on what was read
        assert "1 new post" in posts.visible_text()[0]
        await pilot.press("f")  # acts on the post being read, not the new one
        await started(pilot)
        liked = [
            arg for op, arg in networks["masto"].calls + networks["sky2"].calls if op == "react"
        ]
        assert liked == [(reading.uid, "like", False)]
        await pilot.press("g", "g")
        assert posts.selected.uid == live.uid
        assert "new post" not in posts.visible_text()[0]


async def test_my_post_shows_in_the_timeline_once_the_server_confirms(
    build_app, networks, confirmed_posts
):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        calls = len(networks["masto"].calls)
        await pilot.press("c", *"my news", "ctrl+s")
        await started(pilot)
        assert any(op == "publish" for op, _ in networks["masto"].calls[calls:])
        assert not any(op == "timeline" for op, _ in networks["masto"].calls[calls:])
        texts = [p.content.text for p in timeline(app).items]
        assert "my news" in texts


class _WithPost:
    """An outbox entry that also carries the post its server confirmed."""

    def __init__(self, entry: object, post: object) -> None:
        self._entry, self.post = entry, post

    def __getattr__(self, name: str) -> object:
        return getattr(self._entry, name)


@pytest.fixture
def confirmed_posts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Until `OutboxEntry` carries the confirmed post as `post` (the outbox's part of 9.14),
    attach the post the network returned from `publish` to the entry `Session` hands back."""
    from tui.store.cache import OutboxEntry

    if "post" in OutboxEntry.__dataclass_fields__:
        return
    deliver = Session._deliver

    async def delivering(self: Session, entry: object, on_update: object) -> object:
        network = self.networks[entry.account]  # type: ignore[attr-defined]
        publish, published = network.publish, []

        async def recording(draft: object) -> object:
            post = await publish(draft)  # type: ignore[arg-type]
            published.append(post)
            return post

        network.publish = recording  # type: ignore[method-assign]
        try:
            final = await deliver(self, entry, on_update)  # type: ignore[arg-type]
        finally:
            del network.publish
        return _WithPost(final, published[-1] if published else None)

    monkeypatch.setattr(Session, "_deliver", delivering)
