"""The notifications pane: grouped rows, unread markers, mark read, enter opens the group."""

from __future__ import annotations

from tests.feed.factories import notification, post
from tests.widgets.harness import ListApp
from tui.model import NetworkKind, NotificationKind, Placeholder
from tui.ui.widgets.notifications import NotificationList

LIKE = NotificationKind.LIKE


def sample() -> list:
    mine = post("p1", 90, "my thoughts on tea")
    return [
        notification("n1", LIKE, 1, "ann@ex.social", mine),
        notification(
            "n2",
            NotificationKind.MENTION,
            2,
            "bob@ex.social",
            post("p2", 2, "@me what do you think?"),
        ),
        notification("n3", LIKE, 3, "cat@ex.social", mine),
        notification("n4", LIKE, 4, "dan@ex.social", mine, unread=False),
        notification("n5", NotificationKind.FOLLOW, 5, "eve@ex.social", unread=False),
        Placeholder(NetworkKind.BLUESKY, "me", "x1", "unknown notification type 'zap'"),
    ]


async def test_grouped_rows_with_unread_markers_and_mark_all_read() -> None:
    widget = NotificationList()
    app = ListApp(widget)
    async with app.run_test(size=(80, 24)) as pilot:
        widget.set_notifications(sample())
        await pilot.pause()
        text = "\n".join(widget.visible_text())
        assert "● ♥ Ann, Cat and 1 other liked your post" in text
        assert "my thoughts on tea" in text
        assert "● @ Bob mentioned you" in text
        assert "what do you think?" in text
        assert "  + Eve followed you" in text
        assert "unknown notification type 'zap'" in text
        assert widget.unread_count == 2
        widget.mark_all_read()
        await pilot.pause()
        assert widget.unread_count == 0
        assert "●" not in "\n".join(widget.visible_text())


async def test_enter_opens_the_group_and_mark_read_clears_one() -> None:
    widget = NotificationList()
    app = ListApp(widget)
    async with app.run_test(size=(80, 24)) as pilot:
        widget.set_notifications(sample())
        await pilot.press("enter")
        await pilot.pause()
        opened = app.of(NotificationList.Opened)
        assert len(opened) == 1 and opened[0].item.post.uid == "p1"
        widget.mark_read(opened[0].item.uid)
        await pilot.pause()
        assert widget.unread_count == 1
        await pilot.press("j")
        assert widget.selected.kind == "mention"


async def test_a_new_notification_shows_on_top_when_the_reader_is_at_the_top() -> None:
    widget = NotificationList()
    app = ListApp(widget)
    async with app.run_test(size=(80, 24)) as pilot:
        widget.set_notifications(sample())
        await pilot.pause()
        newest = notification(
            "n0", NotificationKind.MENTION, 0, "fay@ex.social", post("p0", 0, "@me fresh news")
        )
        widget.set_notifications([newest, *sample()])
        await pilot.pause()
        assert widget.selected.kind == "mention" and widget.selected.post.uid == "p0"
        assert "fresh news" in "\n".join(widget.visible_text())


async def test_a_reader_further_down_keeps_their_place() -> None:
    widget = NotificationList()
    app = ListApp(widget)
    async with app.run_test(size=(80, 24)) as pilot:
        widget.set_notifications(sample())
        await pilot.press("j")
        kept = widget.selected.uid
        newest = notification(
            "n0", NotificationKind.MENTION, 0, "fay@ex.social", post("p0", 0, "@me fresh news")
        )
        widget.set_notifications([newest, *sample()])
        await pilot.pause()
        assert widget.selected.uid == kept
