"""User-defined columns: side by side when wide, tabs at 80 columns, saved in config.toml."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from tests.ui.fakes import NOW, FakeNetwork
from tests.ui.pilot import screen_lines, started
from tui.columns import Column
from tui.model import FeedRef, Page, RichText
from tui.store.config import ConfigError, load_config
from tui.ui.screens.thread import ThreadScreen
from tui.ui.widgets.columns import ColumnDeck

NARROW = (80, 24)
WIDE = (200, 50)

COLUMNS = (Column("home"), Column("tag:python", "masto"), Column("notifications"))


def tagged(net: FakeNetwork) -> None:
    """The network's tag feeds hold their own posts ("#python 0"…, 60 of them, two pages)."""
    home = net.timeline

    async def timeline(feed: FeedRef, cursor: str | None = None, limit: int = 40) -> Page:
        if feed.kind.value != "tag":
            return await home(feed, cursor, limit)
        net.calls.append(("timeline", (str(feed), cursor)))
        posts = [
            replace(
                p,
                uid=f"{p.uid}:{feed.arg}:{n}",
                key=f"{p.key}:{feed.arg}:{n}",
                content=RichText(f"#{feed.arg} {n}"),
                created_at=NOW - timedelta(minutes=n),
            )
            for n, p in enumerate(net.posts * 2)
        ]
        start = int(cursor) if cursor else 0
        older = str(start + limit) if start + limit < len(posts) else None
        return Page(tuple(posts[start : start + limit]), older=older)

    net.timeline = timeline  # type: ignore[method-assign]


def deck(app) -> ColumnDeck:
    return app.main_screen.query_one(ColumnDeck)


def column_list(app, index: int):
    return app.main_screen.query_one(f"#column-{index}-list")


@pytest.fixture
def nets():
    masto, sky = FakeNetwork("masto"), FakeNetwork("sky2")
    tagged(masto)
    return {"masto": masto, "sky2": sky}


async def test_wide_columns_show_side_by_side_each_with_its_feed(build_app, nets):
    app = build_app(nets, columns=COLUMNS)
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        lines = screen_lines(app)
        titles = next(line for line in lines if "#python · masto" in line)
        assert "Home" in titles and "Notifications" in titles
        home, tag, notes = (column_list(app, n) for n in range(3))
        assert home.items[0].content.text.startswith("Post 0")
        assert [p.content.text for p in tag.items[:2]] == ["#python 0", "#python 1"]
        assert notes.item_count > 0
        assert ("timeline", ("tag:python", None)) in nets["masto"].calls
        sky_feeds = [arg[0] for op, arg in nets["sky2"].calls if op == "timeline"]
        assert "tag:python" not in sky_feeds
        # Every column is on screen at once: its posts show beside the others.
        row = next(line for line in lines if "#python 0" in line)
        assert "Post 0 from masto" in row


async def test_tab_moves_between_columns_and_keys_act_on_the_focused_one(build_app, nets):
    app = build_app(nets, columns=COLUMNS)
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        assert app.focused is column_list(app, 0)
        await pilot.press("tab")
        assert app.focused is column_list(app, 1)
        await pilot.press("j")
        chosen = column_list(app, 1).selected
        assert chosen.content.text == "#python 1"
        await pilot.press("f")
        await started(pilot)
        assert chosen.uid in [arg[0] for op, arg in nets["masto"].calls if op == "react"]
        assert column_list(app, 1).selected.mine.liked
        await pilot.press("enter")
        await started(pilot)
        assert isinstance(app.screen, ThreadScreen) and app.screen.post.uid == chosen.uid
        await pilot.press("escape", "tab")
        assert app.focused is column_list(app, 2)
        await pilot.press("tab")  # past the last column: the composer
        assert app.main_screen.query_one("#compose-pane").has_focus_within
        await pilot.press("shift+tab")
        assert app.focused is column_list(app, 2)


async def test_at_80_columns_they_are_tabs(build_app, nets):
    app = build_app(nets, columns=COLUMNS)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        lines = screen_lines(app)
        assert "1 Home" in lines[0] and "2 #python · masto" in lines[0]
        assert "3 Notifications" in lines[0]
        assert any("Post 0 from masto" in line for line in lines)
        assert not any("#python 0" in line for line in lines)
        await pilot.press("tab")
        lines = screen_lines(app)
        assert any("#python 0" in line for line in lines)
        assert not any("Post 0 from masto" in line for line in lines)
        assert column_list(app, 1).visible_text()[0].strip()


async def test_a_column_pages_its_own_feed(build_app, nets):
    app = build_app(nets, columns=COLUMNS)
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        await pilot.press("tab", "G")
        await started(pilot)
        assert ("timeline", ("tag:python", "40")) in nets["masto"].calls
        assert column_list(app, 1).item_count == 60
        main_pages = [arg for op, arg in nets["masto"].calls if op == "timeline" and arg[1]]
        assert all(feed == "tag:python" for feed, _ in main_pages)


async def test_add_column_from_the_palette_saves_it_in_the_config(build_app, nets, tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(
        '# my accounts\n[[accounts]]\nname = "masto"\nnetwork = "mastodon"\n'
        'server = "https://example.social"\n\n[[accounts]]\nname = "sky2"\nnetwork = "bluesky"\n'
    )
    app = build_app(nets, path=path)
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        assert not app.main_screen.query(ColumnDeck)
        await pilot.press("ctrl+p")
        await pilot.press(*"Add column")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press(*"tag:python masto", "enter")
        await started(pilot)
        written = load_config(path)
        assert written.columns == (
            Column("home"),
            Column("notifications"),
            Column("tag:python", "masto"),
        )
        assert path.read_text().startswith("# my accounts\n")
        assert [c.column for c in deck(app).feed_columns()] == list(written.columns)
        assert column_list(app, 2).items[0].content.text == "#python 0"
        assert app.focused is column_list(app, 2)


async def test_column_command_adds_a_column_and_export_opens_the_export_screen(
    build_app, nets, tmp_path
):
    from tests.ui.test_commandline import command
    from tui.ui.screens.export import ExportScreen

    path = tmp_path / "config.toml"
    path.write_text(
        '[[accounts]]\nname = "masto"\nnetwork = "mastodon"\nserver = "https://example.social"\n'
    )
    app = build_app(nets, path=path)
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        await command(pilot, "column tag:python masto")
        await started(pilot)
        assert load_config(path).columns[-1] == Column("tag:python", "masto")
        assert column_list(app, 2).items[0].content.text == "#python 0"
        await command(pilot, "column tag:rust nobody")
        assert load_config(path).columns[-1] == Column("tag:python", "masto")  # refused
        await command(pilot, "export")
        assert isinstance(app.screen, ExportScreen)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text('[[accounts]]\nname = "masto"\nnetwork = "nostr"\n\n' + text)
    return path


def test_columns_in_the_config_are_checked(tmp_path):
    good = write(
        tmp_path,
        '[[columns]]\nfeed = "tag:#python"\naccount = "masto"\n\n'
        '[[columns]]\nfeed = "notifications"\ntitle = "Pings"\n',
    )
    assert load_config(good).columns == (
        Column("tag:python", "masto"),
        Column("notifications", "", "Pings"),
    )
    for text, key, line in [
        ('[[columns]]\nfeed = "home"\nacount = "masto"\n', "columns[0].acount", 7),
        ('[[columns]]\nfeed = "home"\naccount = "nobody"\n', "columns[0].account", 7),
        ('[[columns]]\nfeed = "tag"\n', "columns[0].feed", 6),
        ('[[columns]]\ntitle = "x"\n', "columns[0].feed", 5),
    ]:
        with pytest.raises(ConfigError) as caught:
            load_config(write(tmp_path, text))
        assert caught.value.key == key
        assert caught.value.line == line


async def settle(pilot, until) -> None:
    """Pause until `until()` holds; a bounded number of turns of the event loop."""
    for _ in range(50):
        await pilot.pause()
        if until():
            return
    raise AssertionError("never happened")


async def test_the_timelines_column_gets_live_posts_and_m_marks_the_notifications_column(
    build_app, nets
):
    app = build_app(nets, columns=COLUMNS)
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        home, notes = column_list(app, 0), column_list(app, 2)
        live = nets["masto"].push_post("just now")
        await settle(pilot, lambda: any(p.uid == live.uid for p in home.items))
        assert any(row.unread for row in notes.items)
        app.main_screen.deck.show(2)  # m marks the focused column read
        await pilot.press("m")
        await settle(pilot, lambda: not any(row.unread for row in notes.items))
        assert "unread" not in app.main_screen.query_one("#status").text


async def test_a_notifications_column_for_one_account_shows_only_its_notifications(build_app, nets):
    columns = (Column("home"), Column("notifications", "sky2"))
    app = build_app(nets, columns=columns)
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        notes = column_list(app, 1)
        assert notes.item_count > 0
        assert {row.account for row in notes.items} == {"sky2"}
        assert any("Notifications · sky2" in line for line in screen_lines(app))


async def test_p_on_a_follow_in_a_notifications_column_opens_the_followers_profile(build_app, nets):
    from tui.ui.screens.profile import ProfileScreen

    app = build_app(nets, columns=(Column("notifications", "masto"),))
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        notes = column_list(app, 0)
        follow = next(n for n, row in enumerate(notes.items) if row.kind == "follow")
        notes.select_index(follow)
        await pilot.press("p")
        await started(pilot)
        assert isinstance(app.screen, ProfileScreen)
        assert ("profile", notes.items[follow].actors[0].uid) in nets["masto"].calls


async def test_choosing_a_feed_changes_the_focused_column(build_app, nets):
    app = build_app(nets, columns=COLUMNS)
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        await pilot.press("ctrl+p", *"Show account: sky2")
        await pilot.pause()
        await pilot.press("enter")
        await started(pilot)
        home = column_list(app, 0)
        assert {p.account for p in home.items} == {"sky2"}
        assert [c.column for c in deck(app).feed_columns()][1:] == list(COLUMNS[1:])
        assert any("Home · sky2" in line for line in screen_lines(app))
        assert app.focused is home
