"""Rendering details the lists rely on: heights, links, time labels."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from textual.content import Content

from tests.feed.factories import T0, author, notification, post
from tui.feed import group_notifications
from tui.model import NotificationKind, RichText, Span, SpanKind
from tui.ui.render import (
    View,
    content_height,
    relative_time,
    render_item,
    render_notification,
)

TEXT = st.lists(
    st.sampled_from(list("ab cd  ef\n日本語👨‍👩‍👧é") + ["x" * 30, " " * 5]), max_size=120
).map("".join)


@settings(max_examples=150, deadline=None)
@given(TEXT, st.integers(min_value=2, max_value=120))
def test_content_height_matches_textual_wrapping(text: str, width: int) -> None:
    content = render_item(post("p", 1, text or "x", by=author("a@b.c", text[:40])), View(width, T0))
    assert content_height(content, width) == content.get_height({}, width)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from([*"ab \t\n日é", "x" * 30, "👨‍👩‍👧", "ｗｉｄｅ"]), max_size=80).map(
        "".join
    ),
    st.integers(min_value=1, max_value=60),
)
def test_content_height_matches_textual_on_tabs_wide_and_narrow(text: str, width: int) -> None:
    content = Content(text)
    assert content_height(content, width) == content.get_height({}, width)


@settings(max_examples=100, deadline=None)
@given(
    TEXT,
    st.sampled_from([NotificationKind.MENTION, NotificationKind.LIKE]),
    st.integers(min_value=24, max_value=120),
)
def test_notification_text_keeps_its_indent_on_every_line(
    text: str, kind: NotificationKind, width: int
) -> None:
    about = post("p", 1, text or "x")
    (row,) = group_notifications([notification("n", kind, 1, "ann@ex.social", about)])
    content = render_notification(row, View(width, T0))
    lines = content.wrap(width)
    assert len(lines) == content_height(content, width) == content.get_height({}, width)
    assert all(line.plain.startswith("  ") for line in lines[1:])


def link_styles(target: str) -> list[object]:
    item = post("p", 1, content=RichText("click here", (Span(0, 5, SpanKind.LINK, target),)))
    content = render_item(item, View(80, T0))
    return [s.style.link for s in content.spans if hasattr(s.style, "link") and s.style.link]


def test_only_http_links_become_terminal_hyperlinks() -> None:
    assert link_styles("https://example.org/a") == ["https://example.org/a"]
    assert link_styles("javascript:alert(1)") == []
    assert link_styles("file:///etc/passwd") == []


def test_relative_time_labels() -> None:
    assert relative_time(T0 - timedelta(seconds=10), T0) == "now"
    assert relative_time(T0 - timedelta(minutes=5), T0) == "5m"
    assert relative_time(T0 - timedelta(hours=3), T0) == "3h"
    assert relative_time(T0 - timedelta(days=2), T0) == "2d"


def test_a_bare_npub_is_shortened_in_a_post_header_and_kept_whole_elsewhere() -> None:
    from tui.model import Author, NetworkKind
    from tui.ui.render import author_line

    npub = "npub1" + "q" * 58
    who = Author(NetworkKind.NOSTR, "demo", "nostr:" + "0" * 64, npub, "Ada")
    line = author_line(who, NetworkKind.NOSTR, "5m", 80).plain
    assert "Ada @npub1qqqq…qqqq" in line
    assert "…" not in line.split("@", 1)[1].split("…", 1)[1]  # shortened, not cut at the edge
    named = Author(NetworkKind.NOSTR, "demo", "nostr:" + "0" * 64, "ada@example.org", "Ada")
    assert "@ada@example.org" in author_line(named, NetworkKind.NOSTR, "5m", 80).plain
