"""Follow requests and scheduled posts in the app, as a user goes through them (Pilot).

The Mastodon flows run the real adapter against the contract server (responses schema-checked
when the test ends); the fakes stand for networks that have neither.
"""

from __future__ import annotations

import pytest

from tests.mastodon import conftest as mastodon_fixtures
from tests.support import wait_until_async
from tests.ui.fakes import ALL_CAPS, FakeNetwork
from tests.ui.pilot import screen_lines, started, toasts
from tui.model import NetworkKind, Post
from tui.networks.base import Capability
from tui.ui.screens.confirm import ConfirmScreen
from tui.ui.screens.requests import RequestsScreen
from tui.ui.screens.scheduled import ScheduledScreen
from tui.ui.widgets.compose import ComposePane
from tui.ui.widgets.notifications import NotificationList
from tui.ui.widgets.timeline import PostList

server = mastodon_fixtures.server  # the contract server, as a fixture here too
network_for = mastodon_fixtures.network_for

WIDE = (120, 40)


async def until(pilot, ready, what: str) -> None:
    """Let the app and the in-process server run until `ready()`, with a deadline."""
    await wait_until_async(ready, what=what)
    await pilot.pause()


async def typed(pilot, text: str) -> None:
    await pilot.press(*["space" if c == " " else c for c in text])


async def command(pilot, line: str) -> None:
    await pilot.press("colon")
    await pilot.pause()
    await typed(pilot, line)
    await pilot.press("enter")
    await pilot.pause()


def shown(app) -> str:
    return "\n".join(screen_lines(app))


def ids(server, *names: str) -> tuple[str, ...]:
    return tuple(server.world.by_username(n).id for n in names)


@pytest.fixture
def mastodon_app(build_app, server):
    net = network_for(server)
    return build_app({net.account.name: net}), net


@pytest.mark.network
async def test_enter_on_a_follow_request_opens_requests_and_a_accepts(mastodon_app, server):
    app, net = mastodon_app
    carol, alice = ids(server, "carol@remote.example", "alice")
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        await pilot.press("alt+2")
        notes = app.main_screen.query_one("#notifications", NotificationList)
        await until(pilot, lambda: any(r.kind == "follow_request" for r in notes.items), "notes")
        request = next(r for r in notes.items if r.kind == "follow_request")
        notes.select_uid(request.uid)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, RequestsScreen), "the requests screen")
        await until(pilot, lambda: app.screen.loaded, "the requests to load")
        assert "@carol@remote.example" in shown(app) and "1 waiting" in shown(app)
        await pilot.press("a")
        await until(pilot, lambda: (carol, alice) in server.world.follows, "the acceptance")
        await until(pilot, lambda: "No follow requests waiting." in shown(app), "the list")
        assert any("Accepted Carol" in t for t in toasts(app))


@pytest.mark.network
async def test_requests_command_then_d_rejects(mastodon_app, server):
    app, net = mastodon_app
    carol, alice = ids(server, "carol@remote.example", "alice")
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        await command(pilot, "requests")
        await until(pilot, lambda: isinstance(app.screen, RequestsScreen), "the requests screen")
        await until(pilot, lambda: app.screen.loaded, "the requests to load")
        await pilot.press("d")
        await until(pilot, lambda: not server.world.follow_requests, "the rejection")
        assert (carol, alice) not in server.world.follows
        assert any("Rejected Carol" in t for t in toasts(app))
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.main_screen


@pytest.mark.network
async def test_following_a_locked_account_shows_requested_in_the_profile(mastodon_app, server):
    app, net = mastodon_app
    dave = server.routes.make_account("dave", "Dave")
    dave.locked = True
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        await command(pilot, "profile dave")
        await until(pilot, lambda: "Dave" in shown(app), "the profile")
        await pilot.press("F")
        await until(pilot, lambda: server.world.follow_requests, "the request")
        await until(pilot, lambda: "follow requested" in shown(app), "the requested state")
        assert (ids(server, "alice")[0], dave.id) not in server.world.follows


async def test_networks_without_follow_requests_say_so(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        await pilot.press("W")
        await until(pilot, lambda: isinstance(app.screen, RequestsScreen), "the requests screen")
        await until(pilot, lambda: app.screen.loaded, "the requests to load")
        assert "sky2: Bluesky has no follow requests" in shown(app)


@pytest.mark.network
async def test_schedule_from_the_composer_then_list_and_cancel(mastodon_app, server):
    app, net = mastodon_app
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        await pilot.press("c")
        await typed(pilot, "See you at nine")
        compose = app.main_screen.query_one(ComposePane)
        compose.query_one("#compose-schedule").focus()
        await typed(pilot, "tomorrow 09:00")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: server.world.scheduled, "the scheduled post")
        await until(pilot, lambda: any("Scheduled for" in t for t in toasts(app)), "the toast")
        assert not any(s.text == "See you at nine" for s in server.world.statuses.values())
        timeline = app.main_screen.query_one("#timeline", PostList)
        assert not any(
            isinstance(p, Post) and p.content.text == "See you at nine" for p in timeline.items
        )
        assert compose.text_area.text == ""
        assert "scheduled" in compose.outbox_text()

        await command(pilot, "scheduled")
        await until(pilot, lambda: isinstance(app.screen, ScheduledScreen), "the scheduled list")
        await until(pilot, lambda: app.screen.loaded, "the list to load")
        assert "See you at nine" in shown(app) and "09:00" in shown(app)
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        assert server.world.scheduled  # asked first: nothing cancelled yet
        await pilot.press("y")
        await until(pilot, lambda: not server.world.scheduled, "the cancellation")
        await until(pilot, lambda: "No scheduled posts" in shown(app), "the emptied list")


@pytest.mark.network
async def test_u_cancels_a_post_just_scheduled(mastodon_app, server):
    app, net = mastodon_app
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        await pilot.press("c")
        await typed(pilot, "Undo me")
        app.main_screen.query_one("#compose-schedule").focus()
        await typed(pilot, "in 3h")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: server.world.scheduled, "the scheduled post")
        await until(pilot, lambda: any("Scheduled for" in t for t in toasts(app)), "the toast")
        timeline = app.main_screen.query_one("#timeline", PostList)
        await until(pilot, lambda: app.focused is timeline, "back in the timeline")
        await pilot.press("u")
        await until(pilot, lambda: not server.world.scheduled, "the cancellation")
        await until(pilot, lambda: any("Undone" in t for t in toasts(app)), "the toast")


@pytest.mark.network
async def test_a_schedule_too_soon_is_refused_before_anything_is_stored(mastodon_app, server):
    app, net = mastodon_app
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        await pilot.press("c")
        await typed(pilot, "Too soon")
        app.main_screen.query_one("#compose-schedule").focus()
        await typed(pilot, "in 2m")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: any("5 minutes ahead" in t for t in toasts(app)), "the refusal")
        assert server.world.scheduled == {} and app.session.pending() == []
        assert app.main_screen.query_one(ComposePane).text_area.text == "Too soon"


async def test_a_target_without_scheduling_is_named_and_refused(build_app):
    nets = {
        "masto": FakeNetwork(
            "masto", NetworkKind.MASTODON, capabilities=ALL_CAPS | {Capability.SCHEDULE}
        ),
        "sky2": FakeNetwork("sky2", NetworkKind.BLUESKY),
    }
    app = build_app(nets)
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        await pilot.press("c")
        compose = app.main_screen.query_one(ComposePane)
        compose.query_one("#compose-targets").select("sky2")
        await pilot.pause()
        note = compose.query_one("#compose-schedule-note")
        assert note.display and "sky2: Bluesky has no scheduled posts" in str(note.render())
        await typed(pilot, "Later")
        compose.query_one("#compose-schedule").focus()
        await typed(pilot, "in 2h")
        await pilot.press("ctrl+s")
        await until(
            pilot, lambda: any("Bluesky has no scheduled posts" in t for t in toasts(app)), "no"
        )
        assert app.session.pending() == []
        assert not any(op == "publish" for n in nets.values() for op, _ in n.calls)

        compose.query_one("#compose-targets").deselect("masto")
        await pilot.pause()
        assert not compose.query_one("#compose-schedule").display  # no target can schedule
