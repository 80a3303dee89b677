"""Notification grouping: "3 people liked your post", unread state, mark read."""

from __future__ import annotations

from tests.feed.factories import notification, post
from tui.feed import NotificationGroup, group_notifications, mark_read, unread_count
from tui.model import NetworkKind, NotificationKind, Placeholder

LIKE = NotificationKind.LIKE


def test_likes_of_the_same_post_group_into_one_row_newest_first() -> None:
    mine = post("p1", 60, text="my post")
    rows = group_notifications(
        [
            notification("n1", LIKE, 1, "ann@ex.social", mine),
            notification("n2", NotificationKind.MENTION, 2, "bob@ex.social", post("p2", 2)),
            notification("n3", LIKE, 3, "cat@ex.social", mine),
            notification("n4", LIKE, 4, "dan@ex.social", mine),
            notification("n5", LIKE, 5, "ann@ex.social", mine),
        ]
    )
    assert len(rows) == 2
    group = rows[0]
    assert isinstance(group, NotificationGroup)
    assert [a.handle for a in group.actors] == ["ann@ex.social", "cat@ex.social", "dan@ex.social"]
    assert group.uid == "n1" and group.post == mine
    assert rows[1].kind == "mention"


def test_different_posts_accounts_or_far_apart_times_do_not_group() -> None:
    p1, p2 = post("p1", 100), post("p2", 100)
    rows = group_notifications(
        [
            notification("a", LIKE, 1, "ann@ex.social", p1),
            notification("b", LIKE, 2, "bob@ex.social", p2),
            notification("c", LIKE, 3, "cat@ex.social", p1, account="work"),
            notification("d", LIKE, 60 * 48, "dan@ex.social", p1),
        ]
    )
    assert len(rows) == 4


def test_mentions_are_never_grouped() -> None:
    p = post("p", 10)
    rows = group_notifications(
        [
            notification("a", NotificationKind.MENTION, 1, "ann@ex.social", p),
            notification("b", NotificationKind.MENTION, 2, "bob@ex.social", p),
        ]
    )
    assert len(rows) == 2


def test_a_group_is_unread_while_any_member_is_and_mark_read_clears_it() -> None:
    p = post("p", 10)
    rows = group_notifications(
        [
            notification("a", LIKE, 1, "ann@ex.social", p, unread=False),
            notification("b", LIKE, 2, "bob@ex.social", p),
            notification("c", NotificationKind.FOLLOW, 3, "cat@ex.social"),
            Placeholder(NetworkKind.BLUESKY, "me", "x", "unknown notification type 'zap'"),
        ]
    )
    assert unread_count(rows) == 2
    assert isinstance(rows[-1], Placeholder)
    read = mark_read(rows)
    assert unread_count(read) == 0
    assert all(not n.unread for n in read[0].notifications)  # type: ignore[union-attr]
