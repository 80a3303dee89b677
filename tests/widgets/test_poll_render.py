"""Poll results as the lists draw them: bars that fit 80 columns, counts hidden, remote text."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from rich.cells import cell_len

from tests.feed.factories import T0, notification, post
from tui.feed import group_notifications
from tui.model import NotificationKind, Poll, PollOption
from tui.ui.render import View, render_item, render_notification


def polled(poll: Poll):
    return replace(post("p", 1, "Tabs or spaces?"), poll=poll)


POLL = Poll(
    "1",
    (PollOption("tabs", 7), PollOption("spaces", 3)),
    expires_at=T0 + timedelta(hours=3),
    voted=True,
    own_votes=(0,),
)


def test_results_have_bars_and_percentages_within_80_columns():
    lines = render_item(polled(POLL), View(80, T0)).plain.splitlines()
    header = next(line for line in lines if line.startswith("▤"))
    assert header == "▤ poll · 10 votes · closes in 3h · voted"
    tabs = next(line for line in lines if line.startswith("  ◉ tabs"))
    spaces = next(line for line in lines if line.startswith("  ○ spaces"))
    assert tabs.endswith(" 70% 7") and spaces.endswith(" 30% 3")
    assert tabs.count("█") > spaces.count("█") > 0
    assert cell_len(tabs) == cell_len(spaces) == 80


def test_an_edited_post_says_so_beside_its_time():
    edited = replace(post("p", 1, "fixed the typo"), edited_at=T0)
    first = render_item(edited, View(80, T0)).plain.splitlines()[0]
    assert first.rstrip().endswith("✎ edited · 1m")
    plain = render_item(post("p", 1, "as first written"), View(80, T0)).plain
    assert "edited" not in plain


def test_long_wide_titles_are_cut_and_markup_stays_text():
    poll = Poll(
        "2",
        (PollOption("[bold]日本語の選択肢がとても長い場合の表示[/bold]", 1), PollOption("b", 1)),
        expired=True,
    )
    lines = render_item(polled(poll), View(80, T0)).plain.splitlines()
    first = next(line for line in lines if line.startswith("  ○ [bold]"))
    assert cell_len(first) <= 80 and first.endswith(" 50% 1")
    assert "closed" in next(line for line in lines if line.startswith("▤"))


def test_hidden_totals_say_so_instead_of_bars():
    poll = Poll("3", (PollOption("yes"), PollOption("no")), expires_at=T0 + timedelta(days=2))
    text = render_item(polled(poll), View(80, T0)).plain
    assert "█" not in text and "░" not in text
    assert "results are hidden until the poll closes" in text
    assert "closes in 2d" in text


def test_a_poll_that_ended_notification_shows_the_results():
    ended = replace(POLL, expired=True)
    (row,) = group_notifications(
        [notification("n", NotificationKind.POLL, 1, "ann@ex.social", polled(ended))]
    )
    text = render_notification(row, View(80, T0)).plain
    assert "a poll you took part in ended" in text
    assert "Tabs or spaces?" in text
    assert any(line.endswith(" 70% 7") for line in text.splitlines())
