"""The timeline widget driven from the keyboard, as a reader uses it."""

from __future__ import annotations

from rich.cells import cell_len

from tests.feed.factories import author, post
from tests.widgets.harness import ListApp
from tui.feed import Merger, Source
from tui.model import Counts, FilterRule, Post
from tui.ui.widgets.timeline import PostList


def posts(count: int, start: int = 0, prefix: str = "p") -> list[Post]:
    return [
        post(
            f"{prefix}{n}",
            n * 2,
            f"post number {n} " + "words " * (n % 9),
            by=author(f"user{n}@ex.social", f"User {n}"),
            counts=Counts(n, 1, 2),
        )
        for n in range(start, start + count)
    ]


def screen(widget: PostList) -> str:
    return "\n".join(widget.visible_text())


async def test_keys_move_the_selection_and_keep_it_on_screen() -> None:
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=(80, 24)) as pilot:
        widget.set_items(posts(60))
        await pilot.pause()
        assert widget.selected_index == 0
        await pilot.press("j", "j", "down")
        assert widget.selected_index == 3
        await pilot.press("k")
        assert widget.selected_index == 2
        for _ in range(20):
            await pilot.press("j")
        await pilot.pause()
        assert widget.selected_index == 22
        assert "User 22 @user22@ex.social" in screen(widget)
        await pilot.press("G")
        await pilot.pause()
        assert widget.selected_index == 59
        assert "User 59" in screen(widget)
        await pilot.press("g", "g")
        await pilot.pause()
        assert widget.selected_index == 0
        assert widget.visible_text()[0].startswith("User 0 ")
        await pilot.press("pagedown")
        await pilot.pause()
        after_page = widget.selected_index
        assert after_page > 2
        assert f"User {after_page} " in screen(widget)
        await pilot.press("space")
        assert widget.selected_index > after_page
        await pilot.press("pageup", "pageup")
        assert widget.selected_index < after_page
        await pilot.press("end", "home")
        assert widget.selected_index == 0


async def test_enter_opens_and_moving_highlights() -> None:
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=(80, 24)) as pilot:
        widget.set_items(posts(5))
        await pilot.press("j", "enter")
        await pilot.pause()
        opened = app.of(PostList.Opened)
        assert [m.item.uid for m in opened] == ["p1"]
        assert opened[0].control is widget
        assert app.of(PostList.Highlighted)[-1].item.uid == "p1"


async def test_prepend_keeps_the_viewed_post_in_place_and_says_how_many_are_new() -> None:
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=(80, 24)) as pilot:
        widget.set_items(posts(40, start=3))
        for _ in range(12):
            await pilot.press("j")
        await pilot.pause()
        before = widget.visible_text()
        chosen = widget.selected.uid
        widget.prepend(posts(3, prefix="new"))
        await pilot.pause()
        after = widget.visible_text()
        assert "3 new posts" in after[0]
        assert after[1:] == before[1:]
        assert widget.selected.uid == chosen
        assert widget.item_count == 43
        await pilot.press("g", "g")
        await pilot.pause()
        assert widget.new_count == 0
        assert widget.selected.uid == "new0"
        assert "new posts" not in screen(widget)


async def test_more_new_posts_than_those_above_the_selection_keep_it_on_its_post() -> None:
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=(80, 24)) as pilot:
        widget.set_items(posts(40, start=3))
        await pilot.press("j", "j", "j")
        await pilot.pause()
        chosen = widget.selected.uid
        widget.prepend(posts(30, prefix="new"))  # a long absence: a page of them at once
        await pilot.pause()
        assert widget.selected.uid == chosen
        assert "30 new posts" in widget.visible_text()[0]


async def test_at_the_top_new_posts_wait_behind_the_bar_and_the_selection_stays() -> None:
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=(80, 24)) as pilot:
        widget.set_items(posts(10, start=2))
        await pilot.pause()
        widget.prepend(posts(1, prefix="fresh"))
        await pilot.pause()
        assert widget.selected.uid == "p2"  # the next key acts on what is being read
        assert "1 new post" in widget.visible_text()[0]
        assert widget.visible_text()[1].startswith("User 2 ")
        await pilot.press("g", "g")
        await pilot.pause()
        assert widget.selected.uid == "fresh0"
        assert widget.visible_text()[0].startswith("User 0 ")
        assert widget.new_count == 0


async def test_a_refresh_keeps_the_selection_and_shows_what_is_new_above() -> None:
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=(80, 24)) as pilot:
        widget.set_items(posts(10, start=2))
        await pilot.pause()
        widget.set_items([*posts(2), *posts(10, start=2)], keep_selection=True)
        await pilot.pause()
        assert widget.selected.uid == "p2"  # the next key acts on what was being read
        assert widget.visible_text()[0].startswith("User 0 ")  # at the top: new ones in view
        assert widget.new_count == 0


async def test_a_refresh_below_the_top_counts_what_is_new_above() -> None:
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=(80, 24)) as pilot:
        widget.set_items(posts(30, start=2))
        for _ in range(8):
            await pilot.press("j")
        await pilot.pause()
        chosen = widget.selected.uid
        widget.set_items([*posts(2), *posts(30, start=2)], keep_selection=True)
        await pilot.pause()
        assert widget.selected.uid == chosen
        assert widget.new_count == 2
        assert "2 new posts" in widget.visible_text()[0]


async def test_need_more_is_posted_once_per_length_near_the_end() -> None:
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=(80, 24)) as pilot:
        widget.set_items(posts(30))
        await pilot.pause()
        assert app.of(PostList.NeedMore) == []
        await pilot.press("G", "k", "j")
        await pilot.pause()
        assert len(app.of(PostList.NeedMore)) == 1
        widget.append(posts(30, start=30))
        await pilot.press("G")
        await pilot.pause()
        assert len(app.of(PostList.NeedMore)) == 2


async def test_a_content_warning_stays_collapsed_until_revealed() -> None:
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=(80, 24)) as pilot:
        widget.set_items([post("cw", 1, "the butler did it", cw="Spoilers: the finale")])
        await pilot.pause()
        text = screen(widget)
        assert "Spoilers: the finale" in text and "v to show" in text
        assert "butler" not in text
        await pilot.press("v")
        await pilot.pause()
        assert "the butler did it" in screen(widget)
        await pilot.press("v")
        await pilot.pause()
        assert "butler" not in screen(widget)


async def test_a_post_hidden_by_a_rule_is_one_line_naming_the_rule() -> None:
    rules = [FilterRule("no cats", "cats")]
    widget = PostList(rules=rules)
    app = ListApp(widget)
    async with app.run_test(size=(80, 24)) as pilot:
        widget.set_items([post("a", 1, "I love cats so much"), post("b", 2, "dogs are fine")])
        await pilot.pause()
        lines = widget.visible_text()
        assert lines[0].strip() == "⊘ hidden by your rule 'no cats' — v to show anyway"
        assert lines[1].startswith("─")
        assert "cats" not in "\n".join(lines[1:])
        await pilot.press("v")
        await pilot.pause()
        assert "I love cats so much" in screen(widget)
        widget.set_rules([])
        await pilot.pause()
        assert "hidden by your rule" not in screen(widget)


async def test_replace_item_and_remove_update_what_is_shown() -> None:
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=(80, 24)) as pilot:
        items = posts(5)
        widget.set_items(items)
        await pilot.pause()
        widget.replace_item(items[0].with_state(liked=True, bookmarked=True))
        await pilot.pause()
        assert "liked · bookmarked" in screen(widget)
        widget.remove("p0")
        await pilot.pause()
        assert widget.item_count == 4
        assert widget.visible_text()[0].startswith("User 1 ")
        assert widget.select_uid("p3") and widget.selected.uid == "p3"


async def test_a_merger_change_applies_to_the_list() -> None:
    widget = PostList()
    app = ListApp(widget)
    merger = Merger([Source("a"), Source("b")])
    async with app.run_test(size=(80, 24)) as pilot:
        widget.apply_change(merger.push(Source("a"), posts(5, prefix="a")))
        widget.apply_change(merger.push(Source("b"), posts(5, prefix="b"), more=False))
        await pilot.pause()
        assert [p.uid for p in widget.items] == [p.uid for p in merger.items]
        widget.apply_change(merger.insert_live([post("live", 3)]))
        await pilot.pause()
        assert [p.uid for p in widget.items] == [p.uid for p in merger.items]


async def test_wide_characters_wrap_within_the_width() -> None:
    widget = PostList()
    app = ListApp(widget)
    cjk = "日本語のテキストと絵文字👨‍👩‍👧が混ざった長い投稿です。" * 6
    async with app.run_test(size=(40, 24)) as pilot:
        widget.set_items([post("w", 1, cjk, by=author("tanaka@ex.jp", "田中太郎🎌"))])
        await pilot.pause()
        width = widget.scrollable_content_region.width
        lines = widget.visible_text()
        assert all(cell_len(line) == width for line in lines)
        body = "".join(line.rstrip() for line in lines[1:])
        assert "日本語のテキスト" in body


async def test_t_switches_to_absolute_time() -> None:
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=(80, 24)) as pilot:
        widget.set_items(posts(2))
        await pilot.pause()
        first = widget.visible_text()[0]
        await pilot.press("t")
        await pilot.pause()
        header = widget.visible_text()[0]
        assert header != first
        assert header.rstrip().endswith(widget.items[0].created_at.astimezone().strftime("%H:%M"))


async def test_repost_reply_media_and_counts_are_shown() -> None:
    from tui.model import LinkCard, MyState

    original = post(
        "o",
        10,
        "original words",
        by=author("orig@ex.social", "Orig"),
        alt="a cat on a keyboard",
        reply_to="x",
        reply_to_author="bob@ex.social",
        card=LinkCard("https://news.example/a", "Big news", host="news.example"),
    )
    boost = post(
        "r",
        1,
        "",
        by=author("booster@ex.social", "Booster"),
        repost_of=original,
        mine=MyState(reposted=True),
    )
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=(80, 24)) as pilot:
        widget.set_items([boost])
        await pilot.pause()
        text = screen(widget)
        assert "↻ Booster reposted" in text
        assert "Orig @orig@ex.social" in text
        assert "↳ replying to @bob@ex.social" in text
        assert "▣ image: a cat on a keyboard" in text
        assert "⎘ news.example · Big news" in text
