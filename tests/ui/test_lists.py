"""The Lists screen over a real Mastodon adapter and the contract server: make a list, add
someone, show it as the timeline, rename it and delete it, keys only."""

from __future__ import annotations

import pytest

from tests.mastodon.conftest import network_for, server  # noqa: F401 - the server fixture
from tests.ui.pilot import screen_lines, started, toasts
from tui.model import FeedKind
from tui.ui.screens.lists import ListMembersScreen, ListsScreen

pytestmark = pytest.mark.network  # the contract server

SIZE = (110, 32)


async def _until(pilot, ready, what: str):
    for _ in range(200):  # workers talk to the server: wait for the result, with a bound
        result = ready()
        if result:
            return result
        await pilot.pause(0.05)
    shown = "\n".join(screen_lines(pilot.app))
    raise AssertionError(f"gave up waiting for {what}; screen:\n{shown}")


def _shows(pilot, text: str) -> bool:
    return any(text in line for line in screen_lines(pilot.app))


async def _type(pilot, text: str) -> None:
    for ch in text:
        await pilot.press(ch)
    await pilot.press("enter")


async def test_lists_screen_makes_fills_opens_renames_and_deletes_a_list(build_app, server):  # noqa: F811
    net = network_for(server)
    name = net.account.name
    app = build_app({name: net})
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("colon")
        await _type(pilot, "lists")
        await _until(pilot, lambda: isinstance(app.screen, ListsScreen), "the Lists screen")
        await _until(pilot, lambda: _shows(pilot, "Friends"), "the seeded list")

        await pilot.press("n")
        await _type(pilot, "Neighbours")
        await _until(pilot, lambda: _shows(pilot, "Neighbours"), "the new list")
        made = next(i for i, (_, t, _) in server.world.lists.items() if t == "Neighbours")

        await pilot.press("j")
        await pilot.press("m")
        await _until(pilot, lambda: isinstance(app.screen, ListMembersScreen), "its people")
        await _until(pilot, lambda: _shows(pilot, "Nobody yet"), "an empty list")
        await pilot.press("a")
        await _type(pilot, "@carol@remote.example")
        await _until(pilot, lambda: _shows(pilot, "carol@remote.example"), "carol on the list")
        carol = next(a.id for a in server.world.accounts.values() if a.username == "carol")
        assert server.world.lists[made][2] == {carol}
        await pilot.press("escape")
        await _until(pilot, lambda: isinstance(app.screen, ListsScreen), "back to the lists")

        await pilot.press("r")
        await _type(pilot, "Near")
        await _until(pilot, lambda: server.world.lists[made][1] == "Near", "the rename")
        await _until(pilot, lambda: _shows(pilot, "Near"), "the new title")

        await pilot.press("d")
        await pilot.press("n")  # the question: no
        await pilot.pause()
        assert made in server.world.lists
        await pilot.press("d")
        await pilot.press("y")
        await _until(pilot, lambda: made not in server.world.lists, "the deletion")
        await _until(pilot, lambda: not _shows(pilot, "Near"), "the list gone")

        await pilot.press("enter")  # Friends, shown as the timeline
        await _until(pilot, lambda: not isinstance(app.screen, ListsScreen), "the main screen")
        selection = app.main_screen.selection
        assert selection.feed.kind is FeedKind.LIST and selection.account == name
        friends = next(i for i, (_, t, _) in server.world.lists.items() if t == "Friends")
        assert selection.feed.arg == friends


async def test_list_add_puts_the_profile_shown_on_a_list(build_app, server):  # noqa: F811
    net = network_for(server)
    app = build_app({net.account.name: net})
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("colon")
        await _type(pilot, "profile @carol@remote.example")
        await _until(pilot, lambda: _shows(pilot, "Carol"), "carol's profile")
        await _until(pilot, lambda: getattr(app.screen, "profile", None), "the profile loaded")
        await pilot.press("colon")
        await _type(pilot, "list-add friends")
        carol = next(a.id for a in server.world.accounts.values() if a.username == "carol")
        friends = next(i for i, (_, t, _) in server.world.lists.items() if t == "Friends")
        await _until(pilot, lambda: carol in server.world.lists[friends][2], "carol on Friends")
        said = "Added carol@remote.example to Friends."
        await _until(pilot, lambda: said in toasts(app), "the confirmation")

        await pilot.press("colon")
        await _type(pilot, "list-add Nope")
        refused = "no list 'Nope' on"
        await _until(pilot, lambda: any(refused in t for t in toasts(app)), "the refusal")


async def test_list_add_completes_the_accounts_lists(build_app, server):  # noqa: F811
    net = network_for(server)
    app = build_app({net.account.name: net})
    friends = next(i for i, (_, t, _) in server.world.lists.items() if t == "Friends")
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("colon")
        await started(pilot)  # the accounts' own feeds (their lists) are listed meanwhile
        for ch in "list-add ":
            await pilot.press(ch)
        await pilot.press("tab")
        field = app.screen.input
        await _until(pilot, lambda: field.value == f"list-add list:{friends}", "the completion")
        await pilot.press("escape")
