"""The notifications pane in the app: how rows wrap, acting on a notification's post, paging."""

from __future__ import annotations

from tests.ui.fakes import FakeNetwork
from tests.ui.pilot import started
from tui.ui.widgets.notifications import NotificationList

NARROW = (80, 24)
LONG = (
    "@newcomer welcome to the neighbourhood! If you write code, #python threads are on "
    "Tuesdays and everyone brings a question, a snippet or a story about a bug that bit them"
)


def notifications(app) -> NotificationList:
    return app.main_screen.query_one("#notifications", NotificationList)


async def test_every_wrapped_line_of_a_notification_post_is_indented(build_app):
    net = FakeNetwork("masto")
    net.add_mention(LONG)
    app = build_app({"masto": net})
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("2")
        await pilot.pause()
        rows = notifications(app).visible_text()
        start = next(n for n, row in enumerate(rows) if "mentioned you" in row)
        body = rows[start + 1 : rows.index(next(r for r in rows[start:] if r.startswith("──")))]
        text = [row.rstrip() for row in body]
        assert len(text) >= 3  # the post wrapped, then the counts line
        assert all(row.startswith("  ") and row[2] != " " for row in text), text
        assert " ".join(row.strip() for row in text[:-1]) == LONG
