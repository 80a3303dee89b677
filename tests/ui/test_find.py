"""Find (`/`, `n`, `N`) and limit (`l`) over what is loaded, as a reader types them; and the
pattern language itself (tui.ui.find)."""

from __future__ import annotations

from tests.feed.factories import author, post
from tests.ui.pilot import screen_lines, started
from tests.widgets.harness import ListApp
from tui.feed import NotificationGroup
from tui.model import (
    Media,
    MediaKind,
    NetworkKind,
    Notification,
    NotificationKind,
    Post,
    RichText,
    Span,
    SpanKind,
)
from tui.ui import find
from tui.ui.widgets.findbar import FindBar
from tui.ui.widgets.notifications import NotificationList
from tui.ui.widgets.timeline import PostList

SIZE = (80, 24)
ANIMALS = ("cat", "dog", "owl", "fox", "yak")


def posts(count: int) -> list[Post]:
    """Post n talks about one animal; every seventh has a photo; the networks take turns."""
    kinds = list(NetworkKind)
    return [
        post(
            f"p{n}",
            n,
            f"post {n} about a {ANIMALS[n % 5]} " + "words " * (n % 4),
            by=author(f"user{n}@ex.social", f"User {n}"),
            network=kinds[n % 3],
            media=(Media(MediaKind.IMAGE, "https://img.example/x.png", "a photo"),)
            if n % 7 == 0
            else (),
        )
        for n in range(count)
    ]


def tagged(uid: str, text: str, tag: str) -> Post:
    start = text.index("#" + tag)
    content = RichText(text, (Span(start, start + len(tag) + 1, SpanKind.HASHTAG, tag),))
    return post(uid, 1, content=content, by=author("tagger@ex.social", "Tagger"))


def bar_text(app) -> str:
    return "\n".join(screen_lines(app))


def highlighted(widget: PostList, word: str) -> list[str]:
    """Texts drawn with the match style on screen."""
    style = widget.get_visual_style("item-list--match").rich_style
    found = []
    for y in range(widget.scrollable_content_region.height):
        for segment in widget.render_line(y):
            if segment.style is not None and segment.style.bgcolor == style.bgcolor:
                found.append(segment.text)
    return [text for text in found if word.lower() in text.lower()]


# ----- the pattern language ------------------------------------------------------------------


def test_patterns_match_text_author_tag_network_media_and_unread() -> None:
    items = posts(30)
    matcher = find.Matcher()

    def hits(pattern: str) -> list[str]:
        query = find.parse(pattern)
        return [p.uid for p in items if matcher.matches(p, query)]

    assert hits("OWL") == [f"p{n}" for n in range(30) if n % 5 == 2]
    assert hits("owl words") == [f"p{n}" for n in range(30) if n % 5 == 2 and n % 4]
    assert hits("@user12") == ["p12"]
    assert hits("@user1 owl") == ["p12", "p17"]  # every word must match...
    assert hits('"user 12"') == ["p12"]  # ...and a phrase in quotes is one word
    assert hits("network:nostr") == [f"p{n}" for n in range(30) if n % 3 == 2]
    assert hits("has:media") == [f"p{n}" for n in range(30) if n % 7 == 0]
    assert hits("has:media network:mastodon") == ["p0", "p21"]
    assert hits("") == [p.uid for p in items]
    unread = find.Matcher(lambda item: item.uid in {"p3", "p4"})
    assert [p.uid for p in items if unread.matches(p, find.parse("is:unread"))] == ["p3", "p4"]
    tag = tagged("t1", "loving #Python today", "Python")
    assert find.Matcher().matches(tag, find.parse("#python"))
    assert not find.Matcher().matches(items[0], find.parse("#python"))


def test_a_changed_item_is_looked_at_afresh() -> None:
    matcher = find.Matcher()
    first = post("p1", 1, "about cats")
    assert matcher.matches(first, find.parse("cats"))
    edited = post("p1", 1, "about dogs")
    assert matcher.matches(edited, find.parse("dogs"))
    assert not matcher.matches(edited, find.parse("cats"))


def test_notifications_match_their_people_and_post() -> None:
    liked = post("p9", 1, "my post about owls")
    who = author("ada@ex.social", "Ada Lovelace")
    group = NotificationGroup(
        (
            Notification(
                NetworkKind.MASTODON,
                "me",
                "n1",
                NotificationKind.LIKE,
                liked.created_at,
                (who,),
                liked,
            ),
        )
    )
    matcher = find.Matcher(lambda item: bool(getattr(item, "unread", False)))
    assert matcher.matches(group, find.parse("@ada owls"))
    assert matcher.matches(group, find.parse("is:unread lovelace"))
    assert not matcher.matches(group, find.parse("@bob"))


# ----- find ----------------------------------------------------------------------------------


async def test_slash_finds_as_you_type_and_highlights_the_match() -> None:
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=SIZE) as pilot:
        widget.set_items(posts(100))
        await pilot.pause()
        await pilot.press("1", "0", "G")  # start from post 9
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press(*"fox")
        await pilot.pause()
        assert widget.selected.uid == "p13"  # the first fox at or below where the find began
        assert highlighted(widget, "fox")
        await pilot.press("enter")
        await pilot.pause()
        assert app.focused is widget
        await pilot.press("n")
        assert widget.selected.uid == "p18"
        await pilot.press("3", "n")
        assert widget.selected.uid == "p33"
        await pilot.press("N")
        assert widget.selected.uid == "p28"
        await pilot.press("g", "g", "N")  # wraps around to the oldest match
        assert widget.selected.uid == "p98"


async def test_escape_while_finding_goes_back_where_the_find_began() -> None:
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=SIZE) as pilot:
        widget.set_items(posts(100))
        await pilot.pause()
        await pilot.press("5", "j", "slash")
        await pilot.pause()
        await pilot.press(*"fox")
        await pilot.pause()
        assert widget.selected.uid == "p8"
        await pilot.press("escape")
        await pilot.pause()
        assert widget.selected.uid == "p5"
        assert app.focused is widget
        assert not highlighted(widget, "fox")
        assert not app.query_one(FindBar).display


async def test_a_find_with_no_match_says_so_and_stays_put() -> None:
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=SIZE) as pilot:
        widget.set_items(posts(50))
        await pilot.pause()
        await pilot.press("3", "j", "slash")
        await pilot.pause()
        await pilot.press(*"zebra")
        await pilot.pause()
        assert widget.selected.uid == "p3"
        assert "no match" in bar_text(app)
        await pilot.press("enter", "n")
        await pilot.pause()
        assert widget.selected.uid == "p3"
        assert any("Not found: zebra" in str(n.message) for n in app._notifications)


async def test_typed_fast_after_slash_every_key_reaches_the_find() -> None:
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=SIZE) as pilot:
        widget.set_items(posts(50))
        await pilot.pause()
        await pilot.press("slash", *"owl", "enter")  # no pause: the bar is still mounting
        await pilot.pause()
        assert widget.find_query.words == ("owl",)
        assert widget.selected.uid == "p2"
        assert app.focused is widget


async def test_remote_markup_is_found_and_shown_as_text() -> None:
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=SIZE) as pilot:
        widget.set_items([post("m1", 1, "[red]alarm[/red] and [link=x]y[/link]"), *posts(5)])
        await pilot.pause()
        await pilot.press("G", "slash")
        await pilot.pause()
        await pilot.press(*"[red]alarm")
        await pilot.press("enter")
        await pilot.pause()
        assert widget.selected.uid == "m1"
        shown = "[red]alarm[/red] and [link=x]y[/link]"
        assert any(shown in line for line in widget.visible_text())
        assert highlighted(widget, "[red]alarm")


# ----- limit ---------------------------------------------------------------------------------


async def test_limit_shows_only_matches_with_a_count_and_keeps_the_selection() -> None:
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=SIZE) as pilot:
        widget.set_items(posts(100))
        await pilot.pause()
        await pilot.press("1", "2", "G")  # p11, a dog
        await pilot.press("l")
        await pilot.pause()
        await pilot.press(*"dog", "enter")
        await pilot.pause()
        assert widget.selected.uid == "p11"
        assert app.focused is widget
        assert "limit: dog (20 of 100)" in bar_text(app)
        assert all("dog" in p.content.text for p in widget.shown_items)
        assert all("cat" not in line for line in widget.visible_text())
        await pilot.press("j")
        assert widget.selected.uid == "p16"
        await pilot.press("G")
        assert widget.selected.uid == "p96"
        await pilot.press("l")  # the pattern is there to edit
        await pilot.pause()
        assert app.query_one("#find-input").value == "dog"
        await pilot.press(*" words", "enter")
        await pilot.pause()
        assert "limit: dog words (15 of 100)" in bar_text(app)
        assert widget.selected.uid == "p91"  # p96 has no words: the last match before it


async def test_limit_clears_with_an_empty_pattern_or_escape_keeping_the_selection() -> None:
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=SIZE) as pilot:
        widget.set_items(posts(100))
        await pilot.pause()
        await pilot.press("l")
        await pilot.pause()
        await pilot.press(*"owl", "enter", "3", "j")
        await pilot.pause()
        assert widget.selected.uid == "p17"
        await pilot.press("l")
        await pilot.pause()
        await pilot.press(*["backspace"] * 3, "enter")
        await pilot.pause()
        assert len(widget.shown_items) == 100
        assert widget.selected.uid == "p17"
        assert "limit:" not in bar_text(app)
        await pilot.press("l")
        await pilot.pause()
        await pilot.press(*"has:media", "enter")
        await pilot.pause()
        assert "limit: has:media (15 of 100)" in bar_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert len(widget.shown_items) == 100
        assert "limit:" not in bar_text(app)


async def test_a_hidden_selection_moves_to_the_next_match_below_it() -> None:
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=SIZE) as pilot:
        widget.set_items(posts(100))
        await pilot.pause()
        await pilot.press("4", "1", "G")  # p40, a cat
        await pilot.press("l")
        await pilot.pause()
        await pilot.press(*"network:nostr", "enter")
        await pilot.pause()
        assert widget.selected.uid == "p41"
        assert "(33 of 100)" in bar_text(app)


async def test_posts_arriving_under_a_limit_show_only_when_they_match() -> None:
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=SIZE) as pilot:
        widget.set_items(posts(40))
        await pilot.pause()
        await pilot.press("l")
        await pilot.pause()
        await pilot.press(*"yak", "enter")
        await pilot.pause()
        assert "limit: yak (8 of 40)" in bar_text(app)
        widget.prepend([post("new1", 0, "a new yak"), post("new2", 0, "a new cat")])
        widget.append([post("old1", 900, "an old yak"), post("old2", 900, "an old owl")])
        await pilot.pause()
        assert "limit: yak (10 of 44)" in bar_text(app)
        assert [p.uid for p in widget.shown_items][:1] == ["new1"]
        assert widget.shown_items[-1].uid == "old1"
        widget.remove("p4")
        await pilot.pause()
        assert "limit: yak (9 of 43)" in bar_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert widget.item_count == 43
        assert len(widget.shown_items) == 43


async def test_limit_over_fifty_thousand_counts_them_all_in_the_background() -> None:
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=SIZE) as pilot:
        widget.set_items(posts(50_000))
        await pilot.pause()
        await pilot.press("l")
        await pilot.pause()
        await pilot.press(*"fox words", "enter")
        await pilot.pause()
        assert widget.selected.uid == "p3"  # the first fox with words
        for _ in range(400):  # with a deadline: counting goes on in idle time
            if widget.limit_counted:
                break
            await pilot.pause(0.05)
        assert widget.limit_counted
        assert "limit: fox words (7500 of 50000)" in bar_text(app)
        await pilot.press("G")
        assert widget.selected.uid == "p49998"


# ----- in the app: timeline, notifications, thread ---------------------------------------------


async def test_find_and_limit_in_the_app_panes_and_escape_still_goes_back(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        main = app.main_screen
        timeline = main.query_one("#timeline", PostList)
        last = timeline.items[-1]
        word = last.shown.content.text.split()[-1]
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press(*word, "enter")
        await pilot.pause()
        assert word.casefold() in timeline.selected.shown.content.text.casefold()
        await pilot.press("alt+2")
        notes = main.query_one("#notifications", NotificationList)
        assert app.focused is notes
        await pilot.press("l")
        await pilot.pause()
        await pilot.press(*"is:unread", "enter")
        await pilot.pause()
        unread = [row for row in notes.items if getattr(row, "unread", False)]
        assert len(notes.shown_items) == len(unread)
        assert f"limit: is:unread ({len(unread)} of {notes.item_count})" in bar_text(app)
        await pilot.press("escape")  # clears the limit; the app stays on the main screen
        await pilot.pause()
        assert app.screen is main
        assert len(notes.shown_items) == notes.item_count
        await pilot.press("alt+1", "enter")  # a thread
        await started(pilot)
        thread = app.screen
        assert thread is not main
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press("escape")  # closes the find, not the thread
        await pilot.pause()
        assert app.screen is thread
        await pilot.press("escape")  # no limit: back to the timeline
        await pilot.pause()
        assert app.screen is main


async def test_a_pattern_that_looks_like_markup_is_said_back_literally() -> None:
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=SIZE) as pilot:
        widget.set_items(posts(5))
        await pilot.pause()
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press(*"[b]zebra[/b]", "enter", "n")
        await pilot.pause()
        toasts = [n for n in app._notifications if "Not found" in str(n.message)]
        assert toasts and all(n.markup is False for n in toasts)
        assert any("Not found: [b]zebra[/b]" in str(n.message) for n in toasts)


async def test_a_limit_deep_in_fifty_thousand_keeps_the_post_on_its_row_and_reaches_the_top():
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=SIZE) as pilot:
        widget.set_items(posts(50_000))
        await pilot.pause()
        await pilot.press(*"30003", "G")  # p30002, an owl
        await pilot.pause()
        row = next(n for n, line in enumerate(widget.visible_text()) if "post 30002 " in line)
        await pilot.press("l")
        await pilot.pause()
        await pilot.press(*"owl", "enter")
        await pilot.pause()
        assert widget.selected.uid == "p30002"
        lines = widget.visible_text()
        assert "post 30002 " in lines[row]  # on the row it was on
        assert "post 29997 about a owl" in "\n".join(lines[:row])  # the match above shows too
        await pilot.press("k")
        assert widget.selected.uid == "p29997"
        for _ in range(400):  # the rest, above and below, counted in idle time
            if widget.limit_counted:
                break
            await pilot.pause(0.05)
        assert widget.limit_counted
        assert "limit: owl (10000 of 50000)" in bar_text(app)
        assert widget.selected.uid == "p29997"
        assert [p.uid for p in widget.shown_items[:2]] == ["p2", "p7"]
        await pilot.press("g", "g")
        assert widget.selected.uid == "p2"


async def test_moving_up_from_a_deep_limit_finds_every_match_above_at_once() -> None:
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=SIZE) as pilot:
        widget.set_items(posts(50_000))
        await pilot.pause()
        await pilot.press(*"40003", "G")  # p40002, an owl
        await pilot.press("l")
        await pilot.pause()
        await pilot.press(*"owl", "enter", "g", "g")  # at once, before any idle time
        assert widget.selected.uid == "p2"
        await pilot.press("5", "0", "0", "0", "G")  # the 5000th owl: p24997
        assert widget.selected.uid == "p24997"
        for _ in range(3):
            await pilot.press("ctrl+u")  # half screens up: the matches above come along
        assert widget.selected.uid.startswith("p249")


async def test_the_next_unread_under_a_limit_is_the_next_unread_match() -> None:
    unread = {"p3", "p12", "p40"}

    class Reading(PostList):
        def is_unread(self, item: object) -> bool:
            return getattr(item, "uid", "") in unread

        def set_read(self, items, read: bool) -> None:
            pass

    widget = Reading()
    app = ListApp(widget)
    async with app.run_test(size=SIZE) as pilot:
        widget.set_items(posts(100))
        await pilot.pause()
        await pilot.press("l")
        await pilot.pause()
        await pilot.press(*"owl", "enter")  # p2, p7, p12… (p3 and p40 are not owls)
        await pilot.pause()
        assert widget.selected.uid == "p2"
        await pilot.press("right_square_bracket")
        assert widget.selected.uid == "p12"
        await pilot.press("right_square_bracket")
        assert widget.selected.uid == "p12"  # no unread owl below
