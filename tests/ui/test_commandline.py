"""The `:` command line, `|` pipes, the `y` copy menu and [keymap] macros, as a user drives them:
keys pressed in the running app, results read from the screen, the networks' recorded calls,
the clipboard and the files Murmur writes."""

from __future__ import annotations

import json

from tests.ui.pilot import screen_lines, started, toasts
from tui.feed import FeedSelection
from tui.model import FeedRef, FilterAction
from tui.ui.widgets.notifications import NotificationList
from tui.ui.widgets.timeline import PostList

NARROW = (80, 24)


def timeline(app):
    return app.main_screen.query_one("#timeline", PostList)


def bar(app):
    from tui.ui.widgets.commandbar import CommandBar

    assert isinstance(app.screen, CommandBar), app.screen
    return app.screen


async def type_text(pilot, text: str) -> None:
    for char in text:
        await pilot.press({" ": "space"}.get(char, char))


async def command(pilot, line: str) -> None:
    """`:` LINE enter, then wait for what it started."""
    await pilot.press("colon")
    await pilot.pause()
    await type_text(pilot, line)
    await pilot.press("enter")
    await started(pilot)


def output_text(app) -> str:
    from tui.ui.pipe import OutputScreen

    assert isinstance(app.screen, OutputScreen), app.screen
    return app.screen.text


# ----- the command line itself -------------------------------------------------------------------


async def test_colon_opens_the_command_line_and_escape_leaves_it(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("colon")
        await pilot.pause()
        assert bar(app).input.has_focus
        assert any(line.startswith(":") for line in screen_lines(app)[-3:])
        await type_text(pilot, "theme nord")
        await pilot.press("escape")
        await started(pilot)
        assert app.screen is app.main_screen
        assert app.theme != "nord"


async def test_an_unknown_command_says_so_and_suggests(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await command(pilot, "thme nord")
        said = toasts(app)[-1]
        assert "unknown command :thme" in said and ":theme" in said
        assert app.screen is app.main_screen


async def test_tab_completes_command_names_and_arguments(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("colon")
        await pilot.pause()
        await type_text(pilot, "fe")
        await pilot.press("tab")
        assert bar(app).input.value == "feed "
        assert ":feed" in bar(app).hint  # what it takes is shown
        await type_text(pilot, "ta")
        await pilot.press("tab")
        assert bar(app).input.value == "feed tag:"
        await type_text(pilot, "python")
        await pilot.press("enter")
        await started(pilot)
        assert app.main_screen.selection == FeedSelection.one_feed(FeedRef.parse("tag:python"))


async def test_tab_with_several_candidates_lists_them_and_cycles(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("colon")
        await pilot.pause()
        await type_text(pilot, "set ")
        await pilot.press("tab")
        hint = bar(app).hint
        assert "relative_time" in hint and "show_counts" in hint
        assert bar(app).input.value == "set "
        await pilot.press("tab")
        first = bar(app).input.value
        await pilot.press("tab")
        second = bar(app).input.value
        assert first.startswith("set ") and second.startswith("set ") and first != second
        await pilot.press("shift+tab")
        assert bar(app).input.value == first
        await pilot.press("escape")


async def test_account_feeds_complete_by_name(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("colon")
        await started(pilot)  # the accounts' own feeds are listed meanwhile
        await type_text(pilot, "feed li")
        await pilot.press("tab")
        assert bar(app).input.value == "feed list:"
        await pilot.press("tab")
        assert bar(app).input.value == "feed list:friends"
        await pilot.press("escape")


async def test_history_recalls_with_up_and_survives_a_restart(build_app, networks, _private_home):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await command(pilot, "theme nord")
        await command(pilot, "account sky2")
        await pilot.press("colon")
        await pilot.pause()
        await pilot.press("up")
        assert bar(app).input.value == "account sky2"
        await pilot.press("up")
        assert bar(app).input.value == "theme nord"
        await pilot.press("down", "down")
        assert bar(app).input.value == ""
        await type_text(pilot, "th")
        await pilot.press("up")  # only lines that start with what is typed
        assert bar(app).input.value == "theme nord"
        await pilot.press("escape")
    saved = (_private_home / "command-history").read_text()
    assert saved.splitlines() == ["theme nord", "account sky2"]
    assert oct((_private_home / "command-history").stat().st_mode & 0o777) == "0o600"

    again = build_app(networks)
    async with again.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("colon")
        await pilot.pause()
        await pilot.press("up")
        assert bar(again).input.value == "account sky2"
        await pilot.press("escape")


# ----- each command ------------------------------------------------------------------------------


async def test_feed_command_switches_feeds_and_panes(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await command(pilot, "feed tag:python")
        assert ("timeline", ("tag:python", None)) in networks["masto"].calls
        assert "#python" in "\n".join(screen_lines(app))
        await command(pilot, "feed list:friends sky2")
        selection = app.main_screen.selection
        assert selection.account == "sky2" and str(selection.feed) == "list:friends"
        assert ("timeline", ("list:friends", None)) in networks["sky2"].calls
        await command(pilot, "feed notifications")
        assert isinstance(app.focused, NotificationList)
        await command(pilot, "feed home")
        assert app.main_screen.selection == FeedSelection.one_feed(FeedRef())
        assert isinstance(app.focused, PostList)
        await command(pilot, "feed tag:")
        assert "needs an argument" in toasts(app)[-1]
        await command(pilot, "feed local sky2")  # Bluesky has no local feed
        assert "no local feed on sky2" in toasts(app)[-1]


async def test_feed_without_arguments_opens_the_feed_picker(build_app, networks):
    from tui.ui.screens.feeds import FeedPicker

    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await command(pilot, "feed")
        assert isinstance(app.screen, FeedPicker)


async def test_account_command_shows_one_account_then_all(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await command(pilot, "account sky2")
        assert {p.account for p in app.main_screen.merger.items} == {"sky2"}
        await command(pilot, "account all")
        assert {p.account for p in app.main_screen.merger.items} == {"masto", "sky2"}
        await command(pilot, "account nobody")
        assert "no account named 'nobody'" in toasts(app)[-1]


async def test_follow_and_unfollow_go_to_the_account_of_the_handles_network(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await command(pilot, "follow @bob@example.social")
        assert ("follow", ("@bob@example.social", False)) in networks["masto"].calls
        assert "You follow @bob@example.social on masto." in toasts(app)
        await command(pilot, "follow carol.bsky.social")
        assert ("follow", ("carol.bsky.social", False)) in networks["sky2"].calls
        await command(pilot, "unfollow @bob@example.social")
        assert ("follow", ("@bob@example.social", True)) in networks["masto"].calls


async def test_follow_completes_authors_seen_in_the_timeline(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("colon")
        await pilot.pause()
        await type_text(pilot, "follow @alice")
        await pilot.press("tab")
        assert "@alice0" in bar(app).hint and "@alice1" in bar(app).hint
        await pilot.press("escape")


async def test_open_n_opens_the_nth_link_of_the_selected_post(build_app, networks, monkeypatch):
    from tui.ui.app import MurmurApp
    from tui.ui.screens.links import LinksScreen

    opened: list[str] = []
    monkeypatch.setattr(MurmurApp, "open_url", lambda self, url, **kw: opened.append(url))
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        post = timeline(app).selected
        await command(pilot, "open 1")
        await command(pilot, "open 2")
        assert opened == ["https://news.example/a", post.url]
        await command(pilot, "open 9")
        assert "this post has 2 link(s)" in toasts(app)[-1]
        await command(pilot, "open")
        assert isinstance(app.screen, LinksScreen)


async def test_theme_command_and_a_wrong_name(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await command(pilot, "theme nord")
        assert app.theme == "nord"
        await command(pilot, "theme nrod")
        assert "unknown theme 'nrod'" in toasts(app)[-1] and "nord" in toasts(app)[-1]
        assert app.theme == "nord"


async def test_set_changes_what_the_lists_show_at_once(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        text = "\n".join(timeline(app).visible_text())
        assert "2025-05-01" not in text and "♥" in text
        await command(pilot, "set relative_time false")
        assert app.config.ui.relative_time is False
        assert "2025-05-01" in "\n".join(timeline(app).visible_text())
        await command(pilot, "set show_counts off")
        assert "♥" not in "\n".join(timeline(app).visible_text())
        await command(pilot, "set wide_width 60")
        assert app.main_screen.wide
        await command(pilot, "set relative_time maybe")
        assert "relative_time is true or false" in toasts(app)[-1]
        await command(pilot, "set nonsense 1")
        assert "no setting 'nonsense'" in toasts(app)[-1]
        await command(pilot, "set")
        assert "relative_time = False" in output_text(app)


async def test_filter_add_list_remove_saves_config_and_hides_at_once(
    build_app, networks, _private_home
):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        first = timeline(app).selected
        assert first.content.text.startswith("Post 0 from masto")
        await command(pilot, "filter add --warn from masto")
        rule = app.config.filters[-1]
        assert (rule.name, rule.match, rule.action) == (
            "from masto",
            "from masto",
            FilterAction.WARN,
        )
        saved = (_private_home / "config.toml").read_text()
        assert 'match = "from masto"' in saved and 'action = "warn"' in saved
        shown = "\n".join(timeline(app).visible_text())
        assert "from masto" in shown and "your rule" in shown and "Post 0 from masto" not in shown

        await command(pilot, "filter list")
        assert "from masto" in output_text(app)
        await pilot.press("escape")

        await command(pilot, "filter remove from masto")
        assert app.config.filters == ()
        assert "from masto" not in (_private_home / "config.toml").read_text()
        assert "Post 0 from masto" in "\n".join(timeline(app).visible_text())
        await command(pilot, "filter remove nothing")
        assert "no rule named 'nothing'" in toasts(app)[-1]


async def test_search_compose_refresh_help_messages_outbox_commands(build_app, networks):
    from tui.ui.screens.help import HelpScreen
    from tui.ui.screens.messages import MessagesScreen
    from tui.ui.screens.outbox import OutboxScreen
    from tui.ui.screens.search import SearchScreen
    from tui.ui.widgets.compose import ComposePane

    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await command(pilot, "search Post 1")
        assert isinstance(app.screen, SearchScreen)
        assert ("search", "Post 1") in networks["masto"].calls
        await command(pilot, "compose")  # from another screen: back to the main screen
        assert app.screen is app.main_screen
        assert app.focused in app.main_screen.query_one(ComposePane).query("*")
        await pilot.press("escape")
        before = sum(op == "timeline" for op, _ in networks["masto"].calls)
        await command(pilot, "refresh")
        assert sum(op == "timeline" for op, _ in networks["masto"].calls) > before
        await command(pilot, "help")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await command(pilot, "messages")
        assert isinstance(app.screen, MessagesScreen)
        await pilot.press("escape")
        await command(pilot, "outbox")
        assert isinstance(app.screen, OutboxScreen)


async def test_quit_command_and_its_alias(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await command(pilot, "q")
    assert app.return_code == 0


async def test_help_lists_every_command(build_app, networks):
    from tui.ui import commandline

    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        options = app.screen.query_one("#help-table")
        ids = {options.get_option_at_index(i).id for i in range(options.option_count)}
        assert {f"command:{name}" for name in commandline.COMMANDS} <= ids
        assert {"app.command_line", "post.pipe", "copy.handle", "command_line.complete"} <= ids


# ----- pipes -------------------------------------------------------------------------------------


async def test_pipe_sends_the_post_as_text_and_shows_output_and_status(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await command(pilot, "pipe tr a-z A-Z")
        text = output_text(app)
        assert "POST 0 FROM MASTO" in text and "FROM: ALICE 0 (@ALICE0)" in text
        assert "exit status 0" in text
        await pilot.press("escape")
        await command(pilot, "pipe exit 3")
        assert "exit status 3" in output_text(app)


async def test_pipe_output_is_sanitised(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await command(pilot, r"pipe printf 'a\033]52;c;eA==\007b\033[31mc\n'")
        text = output_text(app)
        assert "\x1b" not in text and "\x07" not in text
        assert "\nabc\n" in text


async def test_pipe_json_is_the_cli_json_shape(build_app, networks, tmp_path):
    out = tmp_path / "post.json"
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        post = timeline(app).selected
        await command(pilot, f"pipe-json cat > {out}")
        assert "exit status 0" in output_text(app)
    data = json.loads(out.read_text())
    assert data["uid"] == post.uid and data["text"] == post.content.text
    assert data["author"]["handle"] == post.author.handle and data["url"] == post.url


async def test_pipe_thread_sends_every_post_of_the_thread(build_app, networks, tmp_path):
    out = tmp_path / "thread.jsonl"
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        post = timeline(app).selected
        await command(pilot, f"pipe-thread-json cat > {out}")
        uids = [json.loads(line)["uid"] for line in out.read_text().splitlines()]
        assert uids == [f"{post.uid}:parent", post.uid, f"{post.uid}:child"]
        await pilot.press("escape", "enter")  # in the thread screen: what it shows
        await started(pilot)
        await command(pilot, "pipe-thread grep -c ^From:")
        assert "\n3\n" in output_text(app)


async def test_bar_key_opens_the_command_line_with_pipe(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("vertical_line")
        await pilot.pause()
        assert bar(app).input.value == "pipe "
        await type_text(pilot, "wc -l")
        await pilot.press("enter")
        await started(pilot)
        assert "exit status 0" in output_text(app)


async def test_escape_ends_a_command_still_running(build_app, networks, tmp_path):
    marker = tmp_path / "ended"
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("colon")
        await pilot.pause()
        await type_text(pilot, f"pipe trap 'touch {marker}' TERM; cat; sleep 60 & wait")
        await pilot.press("enter")
        await pilot.pause()
        assert "running…" in output_text(app)
        await pilot.press("escape")
        await started(pilot)  # the worker ends because the command was ended
        assert app.screen is app.main_screen
    assert marker.exists()


# ----- the copy menu -----------------------------------------------------------------------------


async def test_copy_menu_keys(build_app, networks, monkeypatch):
    from tui.ui.screens.copy import CopyMenu

    monkeypatch.delenv("TMUX", raising=False)
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        post = timeline(app).selected
        await pilot.press("y")
        assert isinstance(app.screen, CopyMenu)
        assert "the author's handle" in "\n".join(screen_lines(app))
        await pilot.press("y")  # yy: the link, as before
        assert app.clipboard == post.url
        assert app.screen is app.main_screen
        await pilot.press("y", "h")
        assert app.clipboard == "@" + post.author.handle
        await pilot.press("y", "t")
        assert app.clipboard == post.content.text
        await pilot.press("y", "j")
        assert json.loads(app.clipboard)["uid"] == post.uid
        await pilot.press("y", "escape")
        assert app.screen is app.main_screen


async def test_copy_handle_of_a_nostr_author_is_the_npub(build_app):
    from dataclasses import replace

    from tests.ui.fakes import FakeNetwork
    from tui.model import Author, NetworkKind
    from tui.networks.nostr import nip19

    net = FakeNetwork("relay", NetworkKind.NOSTR)
    pubkey = "ab" * 32
    nora = Author(NetworkKind.NOSTR, "relay", f"nostr:{pubkey}", "npub1ab…", "Nora")
    net.posts = [replace(net.posts[0], author=nora)]
    app = build_app({"relay": net})
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await command(pilot, "copy handle")
        assert app.clipboard == nip19.npub(pubkey)


# ----- macros ------------------------------------------------------------------------------------


async def test_keymap_macro_runs_its_command_line(build_app, networks, tmp_path):
    from tui.ui.keymap import unknown_ids

    out = tmp_path / "macro.txt"
    keymap = {"x": ":theme nord", "ctrl+t": f":pipe tr a-z A-Z > {out}", "list.down": "j,down"}
    assert unknown_ids(keymap) == []
    app = build_app(networks, keymap=keymap)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("x")
        await started(pilot)
        assert app.theme == "nord"
        await pilot.press("ctrl+t")
        await started(pilot)
        assert "POST 0 FROM MASTO" in out.read_text()
        await pilot.press("escape", "question_mark")
        await pilot.pause()
        options = app.screen.query_one("#help-table")
        help_text = "\n".join(
            str(options.get_option_at_index(i).prompt) for i in range(options.option_count)
        )
        assert ":pipe tr a-z A-Z" in help_text and ":theme nord" in help_text


async def test_a_macro_does_not_fire_while_typing(build_app, networks):
    app = build_app(networks, keymap={"x": ":theme nord"})
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("c")
        await type_text(pilot, "six")
        await started(pilot)
        assert app.theme != "nord"


def test_readme_lists_every_command_and_key():
    from pathlib import Path

    from tui.ui import commandline

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    missing = [name for name in commandline.COMMANDS if f"`:{name}" not in readme]
    assert missing == []
    assert "| `:` |" in readme and "| `\\|` |" in readme and '"x" = ":pipe wl-copy"' in readme


async def test_a_macro_naming_no_command_is_reported_at_start(build_app, networks):
    app = build_app(networks, keymap={"x": ":nosuch thing"})
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        assert any("[keymap] 'x': unknown command :nosuch" in t for t in toasts(app))


async def test_a_macro_on_a_key_in_use_is_reported_at_start(build_app, networks):
    app = build_app(networks, keymap={"f": ":theme nord"})
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        assert any("'f': the key is also bound to post.like" in t for t in toasts(app))


async def test_mark_read_login_and_profile_commands(build_app, networks):
    from tui.ui.screens.login import LoginScreen
    from tui.ui.screens.profile import ProfileScreen

    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        notes = app.main_screen.query_one("#notifications", NotificationList)
        assert notes.unread_count
        await command(pilot, "mark-read notifications")
        assert notes.unread_count == 0
        posts = app.main_screen.query_one("#timeline", PostList)
        await pilot.press("U")  # the selected post unread again, by hand
        assert posts.unread_total == 1
        await command(pilot, "mark-read")  # the focused pane: the timeline
        assert posts.unread_total == 0
        await command(pilot, "profile @bob@example.social")
        assert isinstance(app.screen, ProfileScreen)
        assert ("profile", "@bob@example.social") in networks["masto"].calls
        await pilot.press("escape")
        await command(pilot, "login")
        assert isinstance(app.screen, LoginScreen)


async def test_the_command_line_keys_can_be_rebound(build_app, networks):
    keymap = {"app.command_line": "ctrl+k", "command_line.complete": "ctrl+n"}
    app = build_app(networks, keymap=keymap)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("ctrl+k")
        await pilot.pause()
        await type_text(pilot, "the")
        await pilot.press("ctrl+n")
        assert bar(app).input.value == "theme "
        await pilot.press("escape")


async def test_colon_and_bar_are_text_in_the_composer(build_app, networks):
    from tui.ui.widgets.compose import ComposePane

    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("c")
        await type_text(pilot, "a:b|c")
        await pilot.pause()
        assert app.screen is app.main_screen
        assert app.main_screen.query_one(ComposePane).has_unsent_text()


async def test_every_palette_entry_is_a_command(build_app, networks):
    from tui.ui import commandline

    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        entries = commandline.palette_entries(app)
        assert {"Compose a post", "Show account: sky2", "Theme: nord"} <= {e.title for e in entries}
        for entry in entries:
            name, _ = commandline.split(entry.line)
            assert commandline.find(name).name == name, entry


def test_history_keeps_each_line_once_newest_last_and_caps(tmp_path):
    from tui.ui.widgets.commandbar import HISTORY_SIZE, History

    path = tmp_path / "state" / "command-history"
    history = History(path)
    for line in ["feed home", "theme nord", "feed home", "  ", "pipe wc\n-w"]:
        history.add(line)
    assert history.lines == ["theme nord", "feed home", "pipe wc -w"]
    history.save()
    assert History(path).lines == ["theme nord", "feed home", "pipe wc -w"]
    for n in range(HISTORY_SIZE + 10):
        history.add(f"open {n}")
    history.save()
    again = History(path).lines
    assert len(again) == HISTORY_SIZE and again[-1] == f"open {HISTORY_SIZE + 9}"


async def test_commands_missing_what_they_need_say_what_would_work(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await command(pilot, "pipe")
        assert "expected a shell command, as in :pipe wc -w" in toasts(app)[-1]
        await command(pilot, "copy nonsense")
        assert "expected link, handle, text or json" in toasts(app)[-1]
        await command(pilot, "follow")
        assert "expected who" in toasts(app)[-1]
        assert app.screen is app.main_screen
