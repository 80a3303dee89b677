"""What a new user hits first on real servers (issue 9, UI side): screens that fail to load say
so, relationship and reaction keys answer at once and reconcile, search shows people and tags,
a profile opens by handle from the palette, help reads at 80 columns, dialogs take typing at
once, errors clear from the status bar and stay listed on the messages screen."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from tests.ui.fakes import ALL_CAPS, FakeNetwork, make_author
from tests.ui.pilot import screen_lines, started, toasts
from tui.model import NetworkKind, SearchResults, Tag
from tui.networks.base import Capability, NotFound, Transient
from tui.ui.screens.profile import ProfileScreen
from tui.ui.screens.search import SearchScreen
from tui.ui.widgets.timeline import PostList

NARROW = (80, 24)


def timeline(app):
    return app.main_screen.query_one("#timeline", PostList)


def gate(net: FakeNetwork, name: str) -> asyncio.Event:
    """Hold `net.<name>` until the returned event is set: what the user sees meanwhile is the
    optimistic state."""
    release = asyncio.Event()
    real = getattr(net, name)

    async def held(*args, **kwargs):
        await release.wait()
        return await real(*args, **kwargs)

    setattr(net, name, held)
    return release


# ----- 9.10: a screen whose load fails says so; F/M/X give feedback ---------------------------


async def test_a_profile_that_cannot_load_says_so_instead_of_loading_forever(build_app, networks):
    post = networks["masto"].posts[0]
    networks["masto"].fail["profile"] = NotFound("no account nostr:abc on this server")
    networks["sky2"].fail["profile"] = NotFound("no account nostr:abc on this server")
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("p")
        await started(pilot)
        assert isinstance(app.screen, ProfileScreen)
        text = "\n".join(screen_lines(app))
        assert "Loading…" not in text
        assert "Could not load the profile" in text
        assert "no account nostr:abc on this server" in text
        assert any("Loading the profile" in t for t in toasts(app))
        await pilot.press("F")
        assert any("not loaded" in t for t in toasts(app))
        assert not any(op == "follow" for op, _ in networks[post.account].calls)


async def test_follow_shows_at_once_then_says_done(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        account = timeline(app).selected.account
        release = gate(networks[account], "follow")
        await pilot.press("p")
        await started(pilot)
        assert "you follow them" not in app.screen.text
        await pilot.press("F")
        await pilot.pause()
        assert "you follow them" in app.screen.text  # before the server answered
        assert "11 followers" in app.screen.text  # the fake's profile has 10
        release.set()
        await started(pilot)
        assert "you follow them" in app.screen.text
        assert any(t.startswith("Followed ") for t in toasts(app))


async def test_mute_and_block_toggle_with_feedback_and_revert_on_failure(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        account = timeline(app).selected.account
        await pilot.press("p")
        await started(pilot)
        await pilot.press("M")
        await started(pilot)
        assert "muted" in app.screen.text
        assert any(t.startswith("Muted ") for t in toasts(app))
        networks[account].fail["block"] = Transient("server said 503")
        await pilot.press("X")
        await started(pilot)
        assert "blocked" not in app.screen.text  # reverted
        assert any("Could not block" in t and "503" in t for t in toasts(app))


# ----- 9.14: reactions update counts at once and reconcile ------------------------------------


async def test_like_counts_at_once_and_reverts_when_the_server_refuses(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        post = timeline(app).selected
        net = networks[post.account]
        likes = post.counts.likes or 0
        release = gate(net, "react")
        await pilot.press("f")
        await pilot.pause()
        shown = timeline(app).selected
        assert shown.mine.liked and shown.counts.likes == likes + 1
        assert f"♥ {likes + 1}" in "\n".join(screen_lines(app))
        release.set()
        await started(pilot)
        assert timeline(app).selected.counts.likes == likes + 1

        net.react = type(net).react.__get__(net)  # ungated
        net.fail["react"] = Transient("rate limited")
        await pilot.press("b")
        await started(pilot)
        back = timeline(app).selected
        assert not back.mine.reposted and back.counts.reposts == post.counts.reposts
        assert any("Could not repost" in t and "rate limited" in t for t in toasts(app))


async def test_liking_a_boost_marks_the_boosted_post(build_app, networks):
    net = networks["masto"]
    original = net.posts[1]
    booster = make_author(NetworkKind.MASTODON, "masto", "booster")
    wrapper = replace(original, uid="masto:boost", author=booster, repost_of=original, key="b")
    net.posts[0] = wrapper
    app = build_app({"masto": net})
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        assert timeline(app).selected.uid == "masto:boost"
        await pilot.press("f")
        await started(pilot)
        assert timeline(app).selected.shown.mine.liked


# ----- 9.14: a profile opens by handle from the palette ---------------------------------------


async def test_open_profile_by_npub_from_the_palette(build_app):
    nets = {
        "masto": FakeNetwork("masto", NetworkKind.MASTODON),
        "nos": FakeNetwork("nos", NetworkKind.NOSTR),
    }
    app = build_app(nets)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"Open profile")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press(*"npub1blockedperson", "enter")
        await started(pilot)
        assert isinstance(app.screen, ProfileScreen)
        assert ("profile", "npub1blockedperson") in nets["nos"].calls
        await pilot.press("X")
        await started(pilot)
        assert ("block", ("nostr:user:npub1blockedperson", False)) in nets["nos"].calls


# ----- 9.11: search shows people, tags and posts ----------------------------------------------


async def test_search_lists_people_and_tags_and_opens_them(build_app, networks):
    net = networks["masto"]
    person = make_author(NetworkKind.MASTODON, "masto", "catlover", "Cat Lover")

    async def search(query):
        net.calls.append(("search", query))
        return SearchResults(authors=(person,), tags=(Tag("cats", uses=12),))

    net.search = search
    app = build_app({"masto": net})
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("S", *"cat", "enter")
        await started(pilot)
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        status = "\n".join(screen_lines(app))
        assert "1 person, 1 tag, 0 posts" in status
        assert "Cat Lover" in status and "#cats" in status
        await pilot.press("enter")  # the person
        await started(pilot)
        assert isinstance(app.screen, ProfileScreen)
        assert ("profile", person.uid) in net.calls
        await pilot.press("escape", "j", "enter")  # the tag
        await started(pilot)
        assert app.screen is app.main_screen
        assert str(app.main_screen.selection.feed) == "tag:cats"


async def test_search_says_which_accounts_cannot_search(build_app):
    nets = {
        "masto": FakeNetwork("masto"),
        "nos": FakeNetwork("nos", NetworkKind.NOSTR, capabilities=ALL_CAPS - {Capability.SEARCH}),
    }
    app = build_app(nets)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("S", *"Post 1", "enter")
        await started(pilot)
        text = "\n".join(screen_lines(app))
        assert "nos cannot search" in text
        assert "posts for 'Post 1'" in text
        assert not any(op == "search" for op, _ in nets["nos"].calls)


async def test_search_says_what_an_account_could_not_search(build_app):
    """A relay without text search: the people and tags found show, and the reason posts were
    not searched by text is on the screen."""
    nostr = FakeNetwork("nos", NetworkKind.NOSTR)
    why = "none of these relays offers text search (NIP-50): people you have seen were searched"

    async def search(query: str) -> SearchResults:
        return SearchResults(authors=(make_author(NetworkKind.NOSTR, "nos", "ada", "Ada"),),
                             note=why)  # fmt: skip

    nostr.search = search  # type: ignore[method-assign]
    app = build_app({"nos": nostr})
    async with app.run_test(size=(120, 30)) as pilot:
        await started(pilot)
        await pilot.press("S", *"Ada", "enter")
        await started(pilot)
        text = " ".join(" ".join(screen_lines(app)).split())
        assert "1 person, 0 tags, 0 posts for 'Ada'" in text
        assert "nos: none of these relays offers text search (NIP-50)" in text


# ----- 9.19: help, dialogs, feeds offered, errors that clear, messages ------------------------


async def test_help_reads_at_80_columns_and_moves_with_j_and_k(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        assert "[keymap]" in text
        assert "Quit (asks when a draft is unsent)" in text  # the whole description shows
        table = app.screen.query_one("#help-table")
        first = table.highlighted
        await pilot.press("j", "j")
        assert table.highlighted > first
        await pilot.press("k")
        assert table.highlighted == first + 1


async def test_feed_picker_takes_typing_at_once(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("F")
        await pilot.pause()
        await pilot.press(*"tag:cats", "enter")
        await started(pilot)
        assert str(app.main_screen.selection.feed) == "tag:cats"


async def test_feed_picker_offers_only_feeds_some_account_serves(build_app):
    nets = {
        "sky": FakeNetwork("sky", NetworkKind.BLUESKY),
        "nos": FakeNetwork("nos", NetworkKind.NOSTR),
    }
    app = build_app(nets)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("F")
        await started(pilot)
        labels = app.screen.labels
        assert "local · all accounts" not in labels  # neither Bluesky nor Nostr has one
        assert "public · all accounts" in labels  # Nostr has one
        await pilot.press(*"local", "enter")
        assert any("No local feed" in t for t in toasts(app))


async def test_login_form_takes_typing_at_once(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        app.action_login()
        await pilot.pause()
        await pilot.press(*"mastodon.example")
        assert app.screen.query_one("#mastodon-server").value == "mastodon.example"


async def test_status_bar_error_clears_on_the_next_success_and_stays_in_messages(
    build_app, networks
):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        status = app.main_screen.query_one("#status")
        networks["masto"].fail["timeline"] = Transient("server said 502")
        networks["sky2"].fail["timeline"] = Transient("server said 502")
        await pilot.press("R")
        await started(pilot)
        assert "502" in status.text
        del networks["masto"].fail["timeline"], networks["sky2"].fail["timeline"]
        await pilot.press("R")
        await started(pilot)
        assert "502" not in status.text
        await pilot.press("exclamation_mark")
        await pilot.pause()
        assert type(app.screen).__name__ == "MessagesScreen"
        assert "server said 502" in "\n".join(screen_lines(app))


async def test_status_bar_error_clears_after_a_while(build_app, networks, monkeypatch):
    from tui.ui.widgets import statusbar

    monkeypatch.setattr(statusbar, "ERROR_SECONDS", 0.2)
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        status = app.main_screen.query_one("#status")
        app.report_error(Transient("gone away"), doing="Testing")
        assert "gone away" in status.text
        for _ in range(100):  # the timer's own deadline is 0.2 s; this loop's is 100 pauses
            await pilot.pause(0.05)
            if not status.error:
                break
        assert "gone away" not in status.text


# ----- 10.11: worker failures are routed in one place -----------------------------------------


async def test_a_programming_error_is_logged_and_the_toast_says_where(build_app, networks):
    from tui.store import paths

    networks["masto"].fail["thread"] = KeyError("bug in the adapter")  # not a NetworkError
    networks["sky2"].fail["thread"] = KeyError("bug in the adapter")
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("enter")
        await started(pilot)
        log = paths.log_file()
        toast = next(t for t in toasts(app) if "Loading the thread" in t)
        assert "unexpected KeyError" in toast and str(log) in toast
        text = log.read_text()
        assert "Traceback" in text and "bug in the adapter" in text
        assert app.guard  # the old entry point still works for other code


async def test_a_network_error_is_a_toast_and_not_logged(build_app, networks):
    from tui.store import paths

    networks["masto"].fail["thread"] = Transient("the server is busy")
    networks["sky2"].fail["thread"] = Transient("the server is busy")
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("enter")
        await started(pilot)
        assert any("the server is busy" in t for t in toasts(app))
        assert "the server is busy" in app.main_screen.query_one("#status").text
        log = paths.log_file()
        assert not log.exists() or "the server is busy" not in log.read_text()


# ----- 9.17 / 9.18: copy inside tmux, open without a browser, the opener ----------------------


def _tmux_server(tmp_path):
    """A private tmux server; $TMUX pointing at it makes the app think it runs inside."""
    import subprocess

    from tests.conftest import need_command

    need_command("tmux", "tmux")  # installed here, or a failure under CI: never a skip
    socket = str(tmp_path / "tmux.sock")
    subprocess.run(["tmux", "-S", socket, "new-session", "-d", "-s", "t"], check=True, timeout=30)
    return socket


def _tmux(socket, *args):
    import subprocess

    return subprocess.run(
        ["tmux", "-S", socket, *args], capture_output=True, text=True, timeout=30
    ).stdout


async def test_y_inside_tmux_loads_the_tmux_buffer_and_says_so(
    build_app, networks, tmp_path, monkeypatch
):
    socket = _tmux_server(tmp_path)
    try:
        monkeypatch.setenv("TMUX", f"{socket},1,0")
        _tmux(socket, "set", "-g", "set-clipboard", "external")  # tmux's default
        app = build_app(networks)
        async with app.run_test(size=NARROW) as pilot:
            await started(pilot)
            url = timeline(app).selected.url
            await pilot.press("y", "y")
            await started(pilot)
            assert _tmux(socket, "show-buffer") == url
            said = toasts(app)[-1]
            assert "tmux buffer" in said and "set-clipboard on" in said
            assert "Link copied." not in toasts(app)

            _tmux(socket, "set", "-g", "set-clipboard", "on")
            await pilot.press("j", "y", "y")
            await started(pilot)
            assert _tmux(socket, "show-buffer") == timeline(app).selected.url
            assert "the terminal's clipboard" in toasts(app)[-1]
    finally:
        _tmux(socket, "kill-server")


async def test_y_outside_tmux_says_osc52(build_app, networks, monkeypatch):
    monkeypatch.delenv("TMUX", raising=False)
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("y", "y")
        assert "OSC 52" in toasts(app)[-1]


async def test_o_without_a_browser_says_so_and_offers_copy(build_app, networks, monkeypatch):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER", "TMUX"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.1 5000 10.0.0.2 22")
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("o", "enter")
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        assert "No browser" in text and "over SSH" in text
        await pilot.press("y")
        await started(pilot)
        assert app.clipboard == "https://news.example/a"


async def test_o_runs_the_configured_opener_without_a_shell_or_the_passphrase(
    build_app, networks, tmp_path, monkeypatch
):
    from tui.store.config import UiConfig

    record = tmp_path / "opened.txt"
    script = tmp_path / "opener.sh"
    script.write_text(f'#!/bin/sh\nprintf "%s|%s" "$1" "$MURMUR_PASSPHRASE" > {record}\n')
    script.chmod(0o700)
    monkeypatch.setenv("MURMUR_PASSPHRASE", "secret words")
    app = build_app(networks, ui=UiConfig(opener=str(script)))
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("o", "enter")
        await started(pilot)
        assert record.read_text() == "https://news.example/a|"
        assert any("with " in t for t in toasts(app))


async def test_a_thread_that_cannot_load_says_so(build_app, networks):
    for net in networks.values():
        net.fail["thread"] = Transient("the server is busy")
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("enter")
        await started(pilot)
        assert "could not load the replies: the server is busy" in "\n".join(screen_lines(app))


async def test_feed_picker_says_when_an_account_cannot_list_its_feeds(build_app, networks):
    async def broken_feeds():
        raise Transient("lists are down")

    networks["masto"].feeds = broken_feeds
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("F")
        await started(pilot)
        assert "masto's own feeds could not be listed: lists are down" in "\n".join(
            screen_lines(app)
        )


async def test_quit_with_a_draft_in_a_temporary_demo_says_it_will_be_lost(build_app, networks):
    from tui.ui.app import MurmurApp

    app = build_app(networks)
    demo = MurmurApp(
        app.session,
        config=app.config,
        status_note="demo relay ws://127.0.0.1:4242",
        home_is_temporary=True,
    )
    async with demo.run_test(size=NARROW) as pilot:
        await started(pilot)
        assert "demo relay ws://127.0.0.1:4242" in demo.main_screen.query_one("#status").text
        await pilot.press("c", *"half a thought", "escape", "q")
        await pilot.pause()
        assert "draft will be lost" in "\n".join(screen_lines(demo))


# ----- 10.10: signals end the app in every state ----------------------------------------------


class _Exited(Exception):
    pass


async def test_a_signal_while_suspended_for_the_editor_ends_at_once_with_the_draft_saved(
    build_app, networks, monkeypatch
):
    import signal

    from tui.ui import app as app_module
    from tui.ui.app import Terminator

    def fake_exit(status):
        raise _Exited(status)

    monkeypatch.setattr(app_module.os, "_exit", fake_exit)
    app = build_app(networks)
    cleaned: list[bool] = []
    app.terminator = Terminator(app, cleanup=lambda: cleaned.append(True))
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("c", *"not lost")
        app.app_suspend_signal.publish(app)  # as App.suspend does before running $EDITOR
        try:
            app.terminator._handle(signal.SIGHUP, None)
        except _Exited as exited:
            status = exited.args[0]
        else:
            raise AssertionError("the process would have waited for the editor")
        assert status == 128 + signal.SIGHUP
        assert cleaned == [True]
        from tui.store.cache import Cache

        reopened = Cache(app.session.cache.path)  # the app closed its own on the way out
        try:
            draft = reopened.load_draft()
        finally:
            reopened.close()
        assert draft is not None and draft.text == "not lost"


async def test_search_gives_the_servers_reason_when_an_account_cannot_search(build_app):
    from tui.networks.base import Unsupported

    nos = FakeNetwork("nos", NetworkKind.NOSTR)

    async def no_search(query):
        raise Unsupported("none of these relays offers search (NIP-50)")

    nos.search = no_search
    app = build_app({"nos": nos})
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("S", *"cats", "enter")
        await started(pilot)
        status = str(app.screen.query_one("#search-status").render())
        assert "nos cannot search: none of these relays offers search (NIP-50)" in status
