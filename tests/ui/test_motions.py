"""Vim motions in the lists, pressed as a reader presses them: counts, gg/G/10G, paging by whole
posts (ctrl+f/b, ctrl+d/u), H/M/L and zz; and the pane keys that moved to alt+1/2/3."""

from __future__ import annotations

import re

from tests.feed.factories import author, post
from tests.ui.pilot import started
from tests.widgets.harness import ListApp
from tui.model import Post
from tui.ui.render import View
from tui.ui.widgets import item_list
from tui.ui.widgets.timeline import PostList

SIZE = (80, 24)
HEADER = re.compile(r"^User (\d+) @user\d+@ex\.social")


def posts(count: int) -> list[Post]:
    """Posts three to eight lines tall at 80 columns, in no regular order."""
    return [
        post(
            f"p{n}",
            n,
            f"post number {n} " + "words " * ((n * 37) % 61),
            by=author(f"user{n}@ex.social", f"User {n}"),
        )
        for n in range(count)
    ]


def blocks(widget: PostList) -> list[tuple[int, int, int]]:
    """The posts on screen as (number, first row, last row), the separator row included."""
    found: list[tuple[int, int, int]] = []
    current: list[int] | None = None
    lines = widget.visible_text()
    for row, line in enumerate(lines):
        match = HEADER.match(line)
        if match:
            current = [int(match.group(1)), row, -1]
        elif line.startswith("─") and current is not None:
            current[2] = row
            found.append((current[0], current[1], current[2]))
            current = None
    return found


def whole(widget: PostList) -> list[int]:
    return [number for number, _, _ in blocks(widget)]


def top_number(widget: PostList) -> int:
    """The post on the first row: the view must start on a post's first line."""
    match = HEADER.match(widget.visible_text()[0])
    assert match, f"the view starts inside a post: {widget.visible_text()[:2]}"
    return int(match.group(1))


async def test_counts_move_that_many_posts_and_do_not_outlive_the_next_key() -> None:
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=SIZE) as pilot:
        widget.set_items(posts(200))
        await pilot.pause()
        await pilot.press("5", "j")
        assert widget.selected_index == 5
        await pilot.press("3", "k")
        assert widget.selected_index == 2
        await pilot.press("1", "2", "j")
        assert widget.selected_index == 14
        await pilot.press("down")
        assert widget.selected_index == 15
        await pilot.press("4", "t", "j")  # another key between: the count is gone
        assert widget.selected_index == 16
        await pilot.press("0", "j")  # 0 does not start a count
        assert widget.selected_index == 17
        await pilot.press("1", "0", "0", "0", "k")  # more than there is above: the first
        assert widget.selected_index == 0
        assert top_number(widget) == 0


async def test_gg_G_and_a_count_before_G_go_to_that_post() -> None:
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=SIZE) as pilot:
        widget.set_items(posts(200))
        await pilot.pause()
        await pilot.press("G")
        await pilot.pause()
        assert widget.selected_index == 199
        assert 199 in whole(widget)
        await pilot.press("g", "g")
        await pilot.pause()
        assert widget.selected_index == 0
        assert top_number(widget) == 0
        await pilot.press("1", "0", "G")
        await pilot.pause()
        assert widget.selected_index == 9  # the tenth post
        assert 9 in whole(widget)
        await pilot.press("g", "j")  # a lone g waits for the second: j moves on its own
        assert widget.selected_index == 10
        await pilot.press("5", "g", "g")
        await pilot.pause()
        assert widget.selected_index == 4
        await pilot.press("end")
        assert widget.selected_index == 199
        await pilot.press("home")
        assert widget.selected_index == 0


async def test_page_keys_move_by_whole_posts() -> None:
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=SIZE) as pilot:
        widget.set_items(posts(300))
        await pilot.pause()
        for key in ("ctrl+f", "pagedown", "space"):
            before = blocks(widget)
            last_whole = before[-1][0]
            await pilot.press(key)
            await pilot.pause()
            top = top_number(widget)
            # what was cut at the bottom (or the first post below) now starts the screen
            assert top == last_whole + 1, (key, before, widget.visible_text()[:1])
            assert widget.selected_index == top
        for key in ("ctrl+b", "pageup"):
            first_before = top_number(widget)
            await pilot.press(key)
            await pilot.pause()
            after = whole(widget)
            top_number(widget)
            # the posts just above the old screen fill the new one, down to the old top
            assert after[-1] in (first_before - 1, first_before), (key, after, first_before)
            assert widget.selected_index == first_before - 1
        await pilot.press("3", "ctrl+f")
        await pilot.pause()
        assert top_number(widget) == widget.selected_index
        assert widget.selected_index > 10


async def test_half_pages_move_view_and_selection_by_the_same_posts() -> None:
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=SIZE) as pilot:
        widget.set_items(posts(300))
        await pilot.pause()
        await pilot.press("2", "j")
        start_top, start_selected = top_number(widget), widget.selected_index
        await pilot.press("ctrl+d")
        await pilot.pause()
        moved = top_number(widget) - start_top
        assert moved >= 1
        assert widget.selected_index == start_selected + moved
        await pilot.press("ctrl+d")
        await pilot.pause()
        await pilot.press("ctrl+u", "ctrl+u")
        await pilot.pause()
        assert top_number(widget) == start_top
        assert widget.selected_index == start_selected
        await pilot.press("ctrl+u")  # at the top: the selection still goes up
        await pilot.pause()
        assert top_number(widget) == 0
        assert widget.selected_index < start_selected


async def test_H_M_L_select_on_screen_posts() -> None:
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=SIZE) as pilot:
        widget.set_items(posts(300))
        await pilot.pause()
        await pilot.press("4", "0", "G", "z", "z")
        await pilot.pause()
        on_screen = whole(widget)
        assert len(on_screen) >= 3
        await pilot.press("L")
        assert widget.selected_index == on_screen[-1]
        await pilot.press("H")
        assert widget.selected_index == on_screen[0]
        await pilot.press("2", "H")
        assert widget.selected_index == on_screen[1]
        await pilot.press("2", "L")
        assert widget.selected_index == on_screen[-2]
        await pilot.press("M")
        middle = widget.selected_index
        assert on_screen[0] < middle < on_screen[-1] or len(on_screen) < 3
        rows = {n: (first, last) for n, first, last in blocks(widget)}
        first, last = rows[middle]
        assert first <= len(widget.visible_text()) // 2 <= last + 1
        assert whole(widget) == on_screen  # H, M and L do not scroll


async def test_zz_puts_the_selected_post_mid_screen_from_a_post_boundary() -> None:
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=SIZE) as pilot:
        widget.set_items(posts(300))
        await pilot.pause()
        await pilot.press("1", "2", "0", "G")
        await pilot.pause()
        await pilot.press("z", "z")
        await pilot.pause()
        top_number(widget)
        rows = {n: (first, last) for n, first, last in blocks(widget)}
        first, last = rows[119]
        height = len(widget.visible_text())
        above, below = first, height - 1 - last
        assert above > 0 and below > 0
        assert abs(above - below) <= 9  # within one post of the middle
        await pilot.press("z", "j")  # a lone z waits for the second: j moves on its own
        assert widget.selected_index == 120


class CountingPostList(PostList):
    def __init__(self) -> None:
        super().__init__()
        self.laid_out = 0

    def render_content(self, item: Post, view: View):
        self.laid_out += 1
        return super().render_content(item, view)


async def test_motions_far_into_fifty_thousand_lay_out_only_what_they_show(monkeypatch) -> None:
    monkeypatch.setattr(item_list, "IDLE_AFTER", 3600)  # no background measuring meanwhile
    widget = CountingPostList()
    app = ListApp(widget)
    async with app.run_test(size=SIZE) as pilot:
        widget.set_items(posts(50_000))
        await pilot.pause()
        for keys in (("3", "0", "0", "0", "0", "G"), ("ctrl+f",), ("ctrl+d",), ("z", "z")):
            widget.laid_out = 0
            await pilot.press(*keys)
            await pilot.pause()
            top_number(widget)
            assert widget.laid_out < 200, (keys, widget.laid_out)  # screens, not thousands
        assert widget.selected_index > 29_999


async def test_panes_are_on_alt_digits_and_digits_count_in_the_lists(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        main = app.main_screen
        timeline = main.query_one("#timeline", PostList)
        await pilot.press("alt+2")
        assert main.pane == "notifications"
        await pilot.press("alt+3")
        assert main.pane == "compose"
        await pilot.press("escape")
        await pilot.press("alt+1")
        assert main.pane == "timeline"
        assert app.focused is timeline
        await pilot.press("2", "j")  # a count now, not the notifications pane
        assert main.pane == "timeline"
        assert timeline.selected_index == min(2, timeline.item_count - 1)
        # a terminal's alt+2 is ESC 2, which Textual names after macOS's option+2 (™)
        await pilot.press("trade_mark_sign")
        assert main.pane == "notifications"
        await pilot.press("inverted_exclamation_mark")
        assert main.pane == "timeline"
