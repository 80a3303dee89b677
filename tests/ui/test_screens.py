"""Screens and bindings: links, copy, profile, search, notifications, help, keymap, login,
passphrase, layout, errors."""

from __future__ import annotations

from tests.ui.fakes import FakeNetwork
from tests.ui.pilot import started, toasts
from tui.model import Account, NetworkKind
from tui.networks.base import LoginResult, Prompt, Transient
from tui.ui.screens.help import HelpScreen
from tui.ui.screens.links import LinksScreen
from tui.ui.screens.login import LoginScreen, PromptScreen
from tui.ui.screens.profile import ProfileScreen
from tui.ui.screens.search import SearchScreen
from tui.ui.widgets.timeline import PostList

NARROW = (80, 24)
WIDE = (160, 48)


def timeline(app):
    return app.main_screen.query_one("#timeline", PostList)


async def test_links_list_opens_http_links(build_app, networks, monkeypatch):
    app = build_app(networks)
    opened: list[str] = []
    monkeypatch.setattr(app, "open_url", lambda url, **kw: opened.append(url))
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("o")
        assert isinstance(app.screen, LinksScreen)
        assert app.screen.links[0] == "https://news.example/a"
        await pilot.press("enter")
        assert opened == ["https://news.example/a"]
        await pilot.press("escape")
        assert app.screen is app.main_screen


async def test_y_copies_the_post_link_with_osc52(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        written: list[str] = []
        app._driver.write = written.append  # type: ignore[union-attr]
        post = timeline(app).selected
        await pilot.press("y", "y")  # the copy menu's y: the link
        assert app.clipboard == post.url
        assert any(w.startswith("\x1b]52;c;") for w in written)


async def test_profile_shows_author_and_follow_toggles(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        post = timeline(app).selected
        await pilot.press("p")
        await started(pilot)
        assert isinstance(app.screen, ProfileScreen)
        assert "Bio of" in app.screen.text and "they follow you" in app.screen.text
        await pilot.press("F")
        await started(pilot)
        assert ("follow", (post.author.uid, False)) in networks[post.account].calls
        assert "you follow them" in app.screen.text
        await pilot.press("escape")
        assert app.screen is app.main_screen


async def test_search_queries_every_selected_account(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("S")
        assert isinstance(app.screen, SearchScreen)
        await pilot.press(*"post 1", "enter")
        await started(pilot)
        assert ("search", "post 1") in networks["masto"].calls
        assert ("search", "post 1") in networks["sky2"].calls
        results = app.screen.query_one(PostList)
        assert results.item_count > 0


async def test_notifications_are_grouped_marked_read_and_open_the_post(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        status = app.main_screen.query_one("#status")
        assert "4 unread" in status.text  # 2 accounts × (3 likes grouped + 1 follow)
        await pilot.press("alt+2")
        await pilot.press("m")
        await started(pilot)
        assert ("mark_read", None) in networks["masto"].calls
        assert "unread" not in status.text
        await pilot.press("enter")
        await started(pilot)
        assert type(app.screen).__name__ == "ThreadScreen"


async def test_tab_cycles_panes_and_wide_shows_all_three(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        main = app.main_screen
        assert main.has_class("narrow")
        assert (
            not main.query_one("#notifications-pane").display
            or not main.query_one("#notifications-pane").region.width
        )
        await pilot.press("tab")
        assert main.query_one("#notifications-pane").has_class("current")
        await pilot.press("shift+tab")
        assert main.query_one("#timeline-pane").has_class("current")
        await pilot.resize_terminal(*WIDE)
        await pilot.pause()
        assert main.has_class("wide")
        for name in ("timeline", "notifications", "compose"):
            assert main.query_one(f"#{name}-pane").region.width > 20


async def test_help_is_generated_from_the_bindings(build_app, networks):
    app = build_app(networks, keymap={"post.like": "l"})
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        ids = {r.binding_id for r in app.screen.rows}
        for binding_id in ("post.like", "post.repost", "list.down", "compose.send", "app.quit"):
            assert binding_id in ids
        assert app.screen.keys_of("post.like") == "l"
        assert app.screen.keys_of("list.down") == "down, j"
        # alt+1 also arrives as "¡" from some terminals: bound, but help names alt+1 only
        assert app.screen.keys_of("pane.timeline") == "alt+1"


async def test_keymap_override_and_unknown_ids_warn(build_app, networks):
    app = build_app(networks, keymap={"post.like": "w", "no.such": "x"})
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        assert any("no.such" in t for t in toasts(app))
        post = timeline(app).selected
        await pilot.press("f")
        await started(pilot)
        assert not any(op == "react" for op, _ in networks[post.account].calls)
        await pilot.press("w")
        await started(pilot)
        assert ("react", (post.uid, "like", False)) in networks[post.account].calls


async def test_open_failure_is_a_toast_and_status_not_a_traceback(build_app, networks):
    networks["sky2"].fail["open"] = Transient("connection refused", account="sky2")
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        assert app.is_running
        assert any("connection refused" in t for t in toasts(app))
        assert "connection refused" in app.main_screen.query_one("#status").text
        assert {p.account for p in app.main_screen.merger.items} == {"masto"}


async def test_login_screen_runs_the_flow_and_asks_prompts(build_app, networks, monkeypatch):
    app = build_app(networks)
    seen: dict[str, object] = {}

    async def fake_login(kind, params, ask):
        seen["kind"], seen["params"] = kind, dict(params)
        seen["code"] = await ask(Prompt("code", "Authorization code", info="open the URL"))
        return LoginResult(Account("new", NetworkKind.MASTODON, "127.0.0.1"), {"token": "t"})

    added = []
    new = FakeNetwork("new", posts=3)

    async def add_account(result):
        added.append(result)
        app.session.networks["new"] = new
        return new

    monkeypatch.setattr(app.session, "add_account", add_account)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        app.push_screen(LoginScreen(login=fake_login))
        await pilot.pause()
        app.screen.query_one("#mastodon-server").value = "127.0.0.1:9"
        await pilot.press("ctrl+s")
        for _ in range(20):
            await pilot.pause()
            if isinstance(app.screen, PromptScreen):
                break
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*"abc", "enter")
        await started(pilot)
        assert seen == {
            "kind": NetworkKind.MASTODON,
            "params": {"server": "127.0.0.1:9"},
            "code": "abc",
        }
        assert added and added[0].account.name == "new"
        assert app.screen is app.main_screen
        # The main screen took the account in: connected, a target of the composer, merged.
        await started(pilot)
        assert ("open", None) in new.calls
        targets = app.main_screen.query_one("#compose-targets")
        assert "new" in [targets.get_option_at_index(i).value for i in range(targets.option_count)]
        assert "new" in app.main_screen.query_one("#status").text


async def test_passphrase_screen_unlocks_the_session(build_app, networks, monkeypatch):
    app = build_app(networks)
    tried: list[str | None] = []
    state = {"locked": True}

    async def unlock(passphrase):
        tried.append(passphrase)
        if passphrase != "right":
            raise ValueError("wrong passphrase")
        state["locked"] = False

    monkeypatch.setattr(
        type(app.session), "needs_passphrase", property(lambda self: state["locked"])
    )
    monkeypatch.setattr(app.session, "unlock", unlock)
    async with app.run_test(size=NARROW) as pilot:
        await pilot.pause()
        assert type(app.screen).__name__ == "PassphraseScreen"
        await pilot.press(*"wrong", "enter")
        await pilot.pause()
        await pilot.pause()
        assert type(app.screen).__name__ == "PassphraseScreen"
        assert "wrong passphrase" in str(app.screen.query_one("#passphrase-error").render())
        await pilot.press(*"right", "enter")
        await started(pilot)
        assert tried == ["wrong", "right"]
        assert app.screen is app.main_screen
