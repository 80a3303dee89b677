"""Mutes in the app, as a user goes through them (Pilot, the real Mastodon adapter against the
contract server): alt+m mutes a post's thread, the profile's mute asks for how long, and the
Mutes and blocks screen (:mutes) lists them with the filter rules and undoes one after asking."""

from __future__ import annotations

import pytest

from tests.mastodon import conftest as mastodon_fixtures
from tests.support import wait_until_async
from tests.ui.fakes import FakeNetwork
from tests.ui.pilot import screen_lines, started, toasts
from tui.model import FilterRule, NetworkKind, Post
from tui.ui.widgets.timeline import PostList

server = mastodon_fixtures.server  # the contract server, as a fixture here too
network_for = mastodon_fixtures.network_for

WIDE = (120, 40)


def timeline(app) -> PostList:
    return app.main_screen.query_one("#timeline", PostList)


async def until(pilot, ready, what: str) -> None:
    await wait_until_async(ready, what=what)
    await pilot.pause()


async def command(pilot, line: str) -> None:
    await pilot.press("colon")
    await pilot.pause()
    await pilot.press(*["space" if c == " " else c for c in line])
    await pilot.press("enter")
    await started(pilot)


def shown(app) -> str:
    return "\n".join(screen_lines(app))


@pytest.mark.network
async def test_mute_a_thread_mute_for_a_day_then_undo_from_the_mutes_screen(build_app, server):
    net = network_for(server)
    rule = FilterRule(name="spoilers", match="spoilers")
    app = build_app({net.account.name: net}, filters=(rule,))
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        post = next(p for p in timeline(app).items if isinstance(p, Post) and not p.repost_of)
        timeline(app).select_uid(post.uid)
        await pilot.press("alt+m")
        await until(pilot, lambda: bool(server.world.thread_mutes), "the thread mute")
        assert [sid for _, sid in server.world.thread_mutes] == [post.ref["id"]]
        await until(pilot, lambda: any("Thread muted" in t for t in toasts(app)), "the toast")

        await command(pilot, "profile @bob@murmur.test")
        await until(pilot, lambda: type(app.screen).__name__ == "ProfileScreen", "the profile")
        await until(pilot, lambda: app.screen.profile is not None, "the profile to load")
        await pilot.press("M")
        await until(pilot, lambda: type(app.screen).__name__ == "DurationScreen", "the question")
        assert "for how long? (empty: forever; 1h, 1d, 7d)" in shown(app)
        await pilot.press("1", "d", "enter")
        await until(pilot, lambda: bool(server.world.mutes), "the mute")
        bob = next(a.id for a in server.world.accounts.values() if a.username == "bob")
        assert server.world.mute_expires[(next(iter(server.world.mutes))[0], bob)] == 86400
        await started(pilot)
        await pilot.press("escape")
        await started(pilot)

        await command(pilot, "mutes")
        await until(pilot, lambda: type(app.screen).__name__ == "MutesScreen", "the screen")
        await until(pilot, lambda: app.screen.loaded, "the lists")
        text = app.screen.text
        assert "muted        @bob@murmur.test" in text and "until" in text
        assert "thread muted" in text
        assert "filter       spoilers: 'spoilers' (hide)" in text
        assert "@bob@murmur.test" in shown(app)

        await pilot.press("u")  # bob's mute comes first
        await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", "the question")
        assert "Unmute @bob@murmur.test on" in shown(app)
        await pilot.press("y")
        await until(pilot, lambda: not server.world.mutes, "the unmute")
        await started(pilot)
        assert "@bob@murmur.test" not in app.screen.text
        assert "thread muted" in app.screen.text


async def test_networks_without_timed_mutes_say_so_and_mute_at_once(build_app):
    sky = FakeNetwork("sky", NetworkKind.BLUESKY)
    app = build_app({"sky": sky})
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        await command(pilot, "profile alice.test")
        await until(pilot, lambda: type(app.screen).__name__ == "ProfileScreen", "the profile")
        await until(pilot, lambda: app.screen.profile is not None, "the profile to load")
        await pilot.press("M")
        await started(pilot)
        assert type(app.screen).__name__ == "ProfileScreen"  # no question asked
        assert any("mutes have no duration" in t for t in toasts(app))
        assert any(c[0] == "mute" for c in sky.calls)


async def test_a_filter_rule_is_removed_from_the_mutes_screen_after_asking(
    build_app, networks, _private_home
):
    app = build_app(networks)
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        await command(pilot, "filter add spoilers")
        assert 'match = "spoilers"' in (_private_home / "config.toml").read_text()
        await command(pilot, "mutes")
        await until(pilot, lambda: type(app.screen).__name__ == "MutesScreen", "the screen")
        await until(pilot, lambda: app.screen.loaded, "the lists")
        text = app.screen.text
        # The fakes keep no mute list: each account says so instead of failing the screen.
        assert "this network keeps no mute list" in text
        assert "filter       spoilers: 'spoilers' (hide)" in text
        await pilot.press("u")
        await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", "the question")
        await pilot.press("n")  # declined: nothing changes
        await started(pilot)
        assert app.config.filters and type(app.screen).__name__ == "MutesScreen"
        await pilot.press("u")
        await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", "the question")
        assert "Remove the filter rule 'spoilers' from config.toml?" in shown(app)
        await pilot.press("y")
        await until(pilot, lambda: not app.config.filters, "the rule to go")
        await started(pilot)
        assert "spoilers" not in (_private_home / "config.toml").read_text()
        assert "spoilers" not in app.screen.text
