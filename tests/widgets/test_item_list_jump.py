"""Jumping anywhere in a long timeline lays out only what it shows, and the view holds still."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.feed.factories import author, post
from tests.widgets.harness import ListApp
from tui.model import Post
from tui.ui.render import View
from tui.ui.widgets import item_list
from tui.ui.widgets.timeline import PostList

MANY = 50_000


def posts(count: int, start: int = 0, prefix: str = "p") -> list[Post]:
    """Posts from one to several lines long at 80 columns, in no regular order."""
    return [
        post(
            f"{prefix}{n}",
            n,
            f"post number {n} " + "words " * ((n * 37) % 53),
            by=author(f"user{n}@ex.social", f"User {n}"),
        )
        for n in range(start, start + count)
    ]


@pytest.fixture(scope="module")
def many() -> list[Post]:
    return posts(MANY)


class CountingPostList(PostList):
    """Counts how many posts were laid out (rendered to measure or draw them)."""

    def __init__(self) -> None:
        super().__init__()
        self.laid_out = 0

    def render_content(self, item: Post, view: View):
        self.laid_out += 1
        return super().render_content(item, view)


def screen(widget: PostList) -> str:
    return "\n".join(widget.visible_text())


def header(n: int) -> str:
    return f"User {n} @user{n}@ex.social"


async def settle(pilot, widget: PostList, n: int) -> None:
    """Wait (with a deadline) until post `n`'s header is drawn."""
    deadline = time.monotonic() + 10
    while header(n) not in screen(widget):
        assert time.monotonic() < deadline, f"post {n} never came on screen:\n{screen(widget)}"
        await pilot.pause()


async def test_G_shows_the_oldest_post_at_the_bottom_then_k_and_g_move(many) -> None:
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=(80, 24)) as pilot:
        widget.set_items(many)
        await pilot.pause()
        await pilot.press("G")
        await pilot.pause()
        assert widget.selected.uid == f"p{MANY - 1}"
        lines = widget.visible_text()
        assert header(MANY - 1) in screen(widget)
        assert f"post number {MANY - 1} " in screen(widget)
        assert lines[-1].startswith("─")  # its separator on the last row: nothing below
        await pilot.press("k")
        await pilot.pause()
        assert widget.selected.uid == f"p{MANY - 2}"
        assert header(MANY - 2) in screen(widget)
        for _ in range(12):  # up into posts nobody measured yet
            await pilot.press("k")
            await pilot.pause()
            assert header(widget.selected_index) in screen(widget)
        assert widget.selected.uid == f"p{MANY - 14}"
        await pilot.press("g", "g")
        await pilot.pause()
        assert widget.selected.uid == "p0"
        assert widget.visible_text()[0].startswith(header(0))


async def test_G_lays_out_only_the_posts_around_the_oldest(many, monkeypatch) -> None:
    monkeypatch.setattr(item_list, "IDLE_AFTER", 3600)  # no background measuring meanwhile
    widget = CountingPostList()
    app = ListApp(widget)
    async with app.run_test(size=(80, 24)) as pilot:
        widget.set_items(many)
        await pilot.pause()
        await pilot.press("G")
        await pilot.pause()
        assert header(MANY - 1) in screen(widget)
        assert widget.laid_out < 200  # a few screens of posts, not fifty thousand


async def test_selecting_a_post_far_down_shows_it_and_its_neighbours(many) -> None:
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=(80, 24)) as pilot:
        widget.set_items(many)
        await pilot.pause()
        widget.select_index(30_000)
        await pilot.pause()
        assert widget.selected.uid == "p30000"
        assert header(30_000) in screen(widget)
        await pilot.press("j")
        await pilot.pause()
        assert header(30_001) in screen(widget)
        await pilot.press("k", "k")
        await pilot.pause()
        assert widget.selected.uid == "p29999"
        assert header(29_999) in screen(widget)
        await pilot.press("pagedown")
        await pilot.pause()
        assert widget.selected_index > 30_000
        assert header(widget.selected_index) in screen(widget)


async def test_after_a_resize_the_selection_stays_on_screen(many) -> None:
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=(80, 24)) as pilot:
        widget.set_items(many)
        await pilot.pause()
        widget.select_index(30_000)
        await pilot.pause()
        await pilot.resize_terminal(50, 16)
        await settle(pilot, widget, 30_000)
        assert widget.selected.uid == "p30000"
        await pilot.press("G")
        await pilot.resize_terminal(100, 30)
        await settle(pilot, widget, MANY - 1)
        assert widget.selected.uid == f"p{MANY - 1}"


async def test_new_posts_arriving_while_at_the_bottom_do_not_move_the_view(many) -> None:
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=(80, 24)) as pilot:
        widget.set_items(many)
        await pilot.pause()
        await pilot.press("G")
        await pilot.pause()
        before = widget.visible_text()
        widget.prepend(posts(3, start=MANY, prefix="new"))
        await pilot.pause()
        after = widget.visible_text()
        assert "3 new posts" in after[0]
        assert after[1:] == before[1:]
        assert widget.selected.uid == f"p{MANY - 1}"


async def test_measuring_in_idle_time_does_not_move_what_is_on_screen(monkeypatch) -> None:
    monkeypatch.setattr(item_list, "IDLE_AFTER", 0)
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=(80, 24)) as pilot:
        widget.set_items(posts(3000))
        widget.select_index(2000)
        await pilot.pause()
        before = widget.visible_text()
        assert header(2000) in "\n".join(before)
        deadline = time.monotonic() + 60
        while widget._heights.count < 3000:  # everything above the view measured meanwhile
            assert time.monotonic() < deadline, "idle measuring never finished"
            await asyncio.sleep(0.05)
        await pilot.pause()
        assert widget.visible_text() == before


async def test_scrolling_up_into_posts_not_yet_measured_moves_one_line_at_a_time(many) -> None:
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=(80, 24)) as pilot:
        widget.set_items(many)
        await pilot.pause()
        await pilot.press("G")
        await pilot.pause()
        for _ in range(60):  # well past the screen measured around the oldest post
            before = widget.visible_text()
            widget.scroll_up(animate=False, immediate=True)
            await pilot.pause()
            after = widget.visible_text()
            assert after[1:] == before[:-1]


async def test_a_shorter_window_keeps_the_selection_on_screen(many) -> None:
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=(80, 40)) as pilot:
        widget.set_items(many)
        await pilot.pause()
        await pilot.press("j", "j", "j", "j", "j", "j")
        await pilot.pause()
        await pilot.resize_terminal(80, 12)
        await settle(pilot, widget, 6)
        await pilot.press("G")
        await pilot.resize_terminal(80, 30)
        await settle(pilot, widget, MANY - 1)
