"""Hostile remote text rendered through the real widgets reaches the terminal harmlessly.

Each case from shared/hostile is built into posts the way adapters build them (through
`tui.text`) as author names, text, content warnings and alt text; a second set skips the
sanitiser to show that the renderer itself never lets a control character through. The check
is on what the compositor would write to the terminal: no ESC but Textual's own SGR/cursor
sequences and http(s) OSC 8 links, no C1, BEL, BS or CR, and markup shown literally.
"""

from __future__ import annotations

import re
from dataclasses import replace

from tests.feed.factories import author, notification, post
from tests.widgets.harness import ListApp
from tui import text
from tests.support import hostile_html, hostile_strings
from tui.model import Media, MediaKind, NotificationKind, Post, RichText, Span, SpanKind
from tui.ui.widgets.notifications import NotificationList
from tui.ui.widgets.timeline import PostList

CSI = re.compile(r"\x1b\[[0-9;:?<=>]*[ -/]*[@-~]")
OSC8 = re.compile(r"\x1b\]8;[^\x1b\x07]*;([^\x1b\x07]*)\x1b\\")
FORBIDDEN = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
MARKUP = [
    "[bold]x[/bold]",
    "[/]hello",
    "[@click=app.quit]Read more[/]",
    "[link=https://evil.example]bank.example[/link]",
]


def strings() -> list[str]:
    return [value for _, value in hostile_strings()]


def html_cases() -> list[str]:
    return [value for _, value in hostile_html()]


def sanitised_posts() -> list[Post]:
    made = []
    for n, value in enumerate(strings()):
        made.append(
            post(
                f"s{n}",
                n,
                "",
                by=author(text.clean_line(value)[:200] or "x", text.clean_line(value)),
                cw=text.clean_line(value) if n % 2 else "",
                alt=text.clean(value),
                content=text.plain_to_rich(value),
            )
        )
    for n, value in enumerate(html_cases()):
        made.append(post(f"h{n}", 100 + n, "", content=text.html_to_rich(value)))
    return made


def raw_posts() -> list[Post]:
    """Bypassing the sanitiser: the renderer must still keep control bytes off the terminal."""
    made = []
    for n, value in enumerate(strings()):
        if len(value) > 5000:
            continue  # size limits are the sanitiser's job
        link = Span(0, min(3, len(value)), SpanKind.LINK, "javascript:alert(1)\x1b]0;x\x07")
        made.append(
            post(
                f"r{n}",
                200 + n,
                "",
                by=author(value, value),
                cw=value if n % 2 else "",
                content=RichText(value, (link,)),
                media=(Media(MediaKind.IMAGE, "https://img.example/x.png", value),),
            )
        )
    return made


def markup_posts() -> list[Post]:
    return [
        post(f"m{n}", 300 + n, "", by=author("m@ex.social", value), content=RichText(value))
        for n, value in enumerate(MARKUP)
    ]


def terminal_output(app: ListApp) -> str:
    """What Textual would write to a real terminal for the current screen."""
    update = app.screen._compositor.render_update(full=True)
    return update.render_segments(app.console)


def assert_harmless(output: str) -> int:
    """Fail on any control byte that is not Textual's own; return how many links were made."""
    urls = OSC8.findall(output)
    for url in urls:  # an empty URL closes a hyperlink
        assert url == "" or url.startswith(("http://", "https://")), url
    stripped = OSC8.sub("", CSI.sub("", output))
    bad = FORBIDDEN.search(stripped)
    if bad is not None:
        near = stripped[max(0, bad.start() - 30) : bad.end() + 30]
        raise AssertionError(f"control byte {bad.group()!r} reached the terminal near {near!r}")
    return sum(1 for url in urls if url)


async def walk_and_check(app: ListApp, widget, pilot, count: int) -> tuple[str, int]:
    """Select each item in turn (and reveal it); check every frame. Returns text and links."""
    seen = []
    links = 0
    for _ in range(count):
        await pilot.pause()
        links += assert_harmless(terminal_output(app))
        seen.append("\n".join(widget.visible_text()))
        await pilot.press("v")  # revealed content warnings and alt text too
        await pilot.pause()
        assert_harmless(terminal_output(app))
        await pilot.press("v", "j")
    return "\n".join(seen), links


async def test_hostile_strings_render_harmlessly_in_the_timeline() -> None:
    items = sanitised_posts() + raw_posts()
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=(80, 24)) as pilot:
        widget.set_items(items)
        _, links = await walk_and_check(app, widget, pilot, len(items))
        assert widget.selected_index == len(items) - 1
        assert links > 0  # http(s) links did become hyperlinks, and were checked


async def test_markup_looking_text_shows_literally() -> None:
    items = markup_posts()
    widget = PostList()
    app = ListApp(widget)
    async with app.run_test(size=(80, 24)) as pilot:
        widget.set_items(items)
        shown, _ = await walk_and_check(app, widget, pilot, len(items))
        for value in MARKUP:
            assert shown.count(value) >= 2, value  # as display name and as text


async def test_hostile_strings_render_harmlessly_in_notifications() -> None:
    rows = []
    for n, value in enumerate(strings()):
        about = post(f"p{n}", n, "", content=text.plain_to_rich(value))
        item = notification(f"n{n}", NotificationKind.MENTION, n, "x@ex.social", about)
        actor = author(text.clean_line(value)[:100] or "x", text.clean_line(value))
        rows.append(replace(item, actors=(actor,), text=text.clean(value)))
    widget = NotificationList()
    app = ListApp(widget)
    async with app.run_test(size=(80, 24)) as pilot:
        widget.set_notifications(rows)
        await walk_and_check(app, widget, pilot, widget.item_count)
