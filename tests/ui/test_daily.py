"""Polls, edits and reports in the app, as a user goes through them (Pilot).

The Mastodon flows run the real adapter against the contract server (requests and responses
schema-checked); delete-and-redraft and the composer's notes use the fake networks, which say
exactly what a network without edits or polls declares.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.mastodon import conftest as mastodon_fixtures
from tests.support import wait_until_async
from tests.ui.fakes import FakeNetwork
from tests.ui.pilot import screen_lines, started, toasts
from tui.model import Draft, NetworkKind, Post
from tui.networks.base import Capability
from tui.ui.widgets.compose import ComposePane
from tui.ui.widgets.timeline import PostList

server = mastodon_fixtures.server  # the contract server, as a fixture here too
network_for = mastodon_fixtures.network_for

WIDE = (120, 40)
NARROW = (80, 24)


def timeline(app) -> PostList:
    return app.main_screen.query_one("#timeline", PostList)


def composer(app) -> ComposePane:
    return app.main_screen.query_one(ComposePane)


def account_id(server, username: str) -> str:
    return next(a.id for a in server.world.accounts.values() if a.username == username)


def find(app, test) -> Post:
    return next(p for p in timeline(app).items if isinstance(p, Post) and test(p))


async def typed(pilot, text: str) -> None:
    await pilot.press(*["space" if c == " " else c for c in text])


async def until(pilot, ready, what: str) -> None:
    """Let the app and the in-process server run until `ready()`, with a deadline."""
    await wait_until_async(ready, what=what)
    await pilot.pause()


@pytest.fixture
def mastodon_app(build_app, server):
    net = network_for(server)
    return build_app({net.account.name: net}), net


@pytest.mark.network
async def test_enter_on_an_open_poll_opens_the_vote_dialog_and_votes_by_number(
    mastodon_app, server
):
    app, net = mastodon_app
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        post = find(app, lambda p: p.repost_of is None and p.poll is not None)
        timeline(app).select_uid(post.uid)
        await pilot.press("enter")
        await until(pilot, lambda: type(app.screen).__name__ == "PollScreen", "the vote dialog")
        lines = "\n".join(screen_lines(app))
        assert "1 ○ tabs" in lines and "2 ○ spaces" in lines
        await pilot.press("2", "enter")
        await until(pilot, lambda: app.screen is app.main_screen, "the dialog to close")
        await started(pilot)
        poll = server.world.polls[server.world.statuses[post.ref["id"]].poll]
        assert poll.votes == {account_id(server, "alice"): [1]}
        voted = timeline(app).selected
        assert voted.shown.poll.voted and voted.shown.poll.own_votes == (1,)
        shown = "\n".join(screen_lines(app))
        assert "◉ spaces" in shown and "100% 1" in shown
        assert "Voted." in toasts(app)

        await pilot.press("enter")  # voted already: enter opens the thread as before
        await until(pilot, lambda: type(app.screen).__name__ == "ThreadScreen", "the thread")


@pytest.mark.network
async def test_a_poll_written_in_the_composer_reaches_the_server(mastodon_app, server):
    app, net = mastodon_app
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        await pilot.press("c")
        await typed(pilot, "Lunch?")
        compose = composer(app)
        compose.query_one("#compose-poll").focus()
        await typed(pilot, "soup | salad")
        await pilot.press("tab")
        await typed(pilot, "2h")
        await pilot.press("tab")  # to "Several choices"
        assert app.focused is compose.query_one("#compose-poll-multiple")
        await pilot.press("space")
        await pilot.press("ctrl+s")
        await started(pilot)
        await until(pilot, lambda: any("Sent to" in t for t in toasts(app)), "the post")
        status = max(server.world.statuses.values(), key=lambda s: s.created_at)
        assert status.text == "Lunch?"
        poll = server.world.polls[status.poll]
        assert poll.options == ["soup", "salad"] and poll.multiple and not poll.hide_totals
        assert (poll.expires_at - status.created_at).total_seconds() == pytest.approx(7200, abs=5)


@pytest.mark.network
async def test_edit_my_post_then_read_its_history(mastodon_app, server):
    app, net = mastodon_app
    await net.open()
    mine = await net.publish(Draft(text="Helo world", content_warning="typo ahead"))
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        await until(pilot, lambda: timeline(app).select_uid(mine.uid), "my post")
        await pilot.press("E")
        await until(pilot, lambda: composer(app).editing is not None, "the edit")
        compose = composer(app)
        assert compose.text_area.text == "Helo world"
        assert compose.query_one("#compose-cw").value == "typo ahead"
        assert "editing your post" in "\n".join(screen_lines(app))
        await pilot.press("home", "right", "right", "right")
        await typed(pilot, "l")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "Edited." in toasts(app), "the edit to be saved")
        status = server.world.statuses[mine.ref["id"]]
        assert status.text == "Hello world" and status.spoiler == "typo ahead"
        assert composer(app).editing is None
        await started(pilot)
        edited = timeline(app).items[timeline(app).index_of(mine.uid)]
        assert edited.edited_at is not None and edited.content.text == "Hello world"

        timeline(app).select_uid(mine.uid)
        await pilot.press("alt+e")
        await until(pilot, lambda: type(app.screen).__name__ == "HistoryScreen", "the history")
        shown = "\n".join(screen_lines(app))
        assert "2 versions" in shown and "original" in shown and "edit 1 (current)" in shown
        assert "Helo world" in shown and "Hello world" in shown
    await net.close()


@pytest.mark.network
async def test_report_a_post_with_a_rule_and_a_comment(mastodon_app, server):
    app, net = mastodon_app
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        post = find(app, lambda p: p.repost_of is None and p.author.handle.startswith("carol"))
        timeline(app).select_uid(post.uid)
        await pilot.press("ctrl+x")
        await until(pilot, lambda: type(app.screen).__name__ == "ReportScreen", "the dialog")
        rules = app.screen.query_one("#report-rules")
        await until(pilot, lambda: rules.option_count > 0, "the server's rules")
        rules.focus()
        await pilot.press("space")  # the first rule
        app.screen.query_one("#report-comment").focus()
        await typed(pilot, "not nice")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: bool(server.world.reports), "the report")
        report = server.world.reports[-1]
        first_rule = (await net.rules())[0][0]
        assert report["category"] == "violation" and report["rule_ids"] == [first_rule]
        assert report["comment"] == "not nice"
        assert report["status_ids"] == [post.ref["id"]]
        assert report["target_account"]["username"] == "carol"
        await until(pilot, lambda: app.screen is app.main_screen, "the dialog to close")
        assert "Reported. Thank you." in toasts(app)


async def test_delete_and_redraft_where_the_network_has_no_edits(build_app):
    sky = FakeNetwork("sky", NetworkKind.BLUESKY)
    mine = replace(sky.own_post("a post with a tpyo"), content_warning="")
    sky.posts.insert(0, mine)
    app = build_app({"sky": sky})
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        timeline(app).select_uid(mine.uid)
        await pilot.press("E")
        await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", "the question")
        assert "Delete and redraft?" in "\n".join(screen_lines(app))
        await pilot.press("y")
        await started(pilot)
        assert ("delete", mine.uid) in sky.calls
        assert composer(app).text_area.text == "a post with a tpyo"
        assert composer(app).editing is None  # a new post: the old one is gone
        assert timeline(app).index_of(mine.uid) is None


async def test_the_composer_says_where_polls_are_not_available(build_app):
    masto = FakeNetwork("masto", NetworkKind.MASTODON)
    masto.capabilities = masto.capabilities | {Capability.POLL}
    without_polls = masto.capabilities - {Capability.POLL}
    sky = FakeNetwork("sky", NetworkKind.BLUESKY, capabilities=without_polls)
    app = build_app({"masto": masto, "sky": sky})
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        await pilot.press("c")
        compose = composer(app)
        targets = compose.query_one("#compose-targets")
        targets.select("sky")
        await pilot.pause()
        note = str(compose.query_one("#compose-poll-note").render())
        assert note == "sky: polls are not available on Bluesky"
        assert compose.query_one("#compose-poll").display
        assert "sky: polls are not available on Bluesky" in "\n".join(screen_lines(app))
        targets.deselect("masto")
        await pilot.pause()  # no target takes a poll: nothing offered
        assert not compose.query_one("#compose-poll").display
        assert not compose.query_one("#compose-poll-note").display


async def test_the_palette_offers_report_and_says_what_a_network_cannot_do(build_app):
    from textual.command import CommandList

    masto = FakeNetwork("masto", NetworkKind.MASTODON)
    masto.capabilities = masto.capabilities | {Capability.REPORT}
    app = build_app({"masto": masto})
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)

        async def palette(entry: str) -> None:
            await pilot.press("ctrl+p")
            await typed(pilot, entry)
            await until(
                pilot,
                lambda: (
                    app.screen.query(CommandList)
                    and app.screen.query_one(CommandList).option_count > 0
                ),
                f"the palette to offer {entry}",
            )
            await pilot.press("enter")

        await palette("Report")
        await until(pilot, lambda: type(app.screen).__name__ == "ReportScreen", "the dialog")
        assert "Report a post by @" in "\n".join(screen_lines(app))
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.main_screen, "the main screen")

        await palette("Edit history")  # this network keeps no edits
        await until(
            pilot,
            lambda: "Mastodon posts cannot be edited: there is no history." in toasts(app),
            f"the answer (toasts: {toasts(app)})",
        )

        await palette("Vote in poll")
        await until(pilot, lambda: "This post has no poll." in toasts(app), "the answer")


async def test_edit_never_replaces_an_unsent_draft(build_app):
    sky = FakeNetwork("sky", NetworkKind.BLUESKY)
    mine = sky.own_post("an old post")
    sky.posts.insert(0, mine)
    app = build_app({"sky": sky})
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        await pilot.press("c")
        await typed(pilot, "half written")
        await pilot.press("escape")
        timeline(app).select_uid(mine.uid)
        await pilot.press("E")
        await until(pilot, lambda: any("unsent draft" in t for t in toasts(app)), "the refusal")
        assert app.screen is app.main_screen
        assert composer(app).text_area.text == "half written"
        assert ("delete", mine.uid) not in sky.calls


async def test_a_poll_sent_to_a_network_without_polls_is_refused_before_sending(build_app):
    masto = FakeNetwork("masto", NetworkKind.MASTODON)
    masto.capabilities = masto.capabilities | {Capability.POLL}
    sky = FakeNetwork("sky", NetworkKind.BLUESKY, capabilities=masto.capabilities)
    sky._limits = replace(sky._limits, max_poll_options=0)  # as BlueskyNetwork declares
    app = build_app({"masto": masto, "sky": sky})
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        await pilot.press("c")
        await typed(pilot, "Which?")
        compose = composer(app)
        compose.query_one("#compose-targets").select("sky")
        compose.query_one("#compose-poll").focus()
        await typed(pilot, "a | b")
        await pilot.press("ctrl+s")
        await until(
            pilot,
            lambda: any("sky: Bluesky has no polls; nothing was sent" in t for t in toasts(app)),
            "the refusal",
        )
        assert not [c for n in (masto, sky) for c in n.calls if c[0] == "publish"]


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


@pytest.mark.network
async def test_edit_the_alt_text_and_the_poll_of_my_posts(mastodon_app, server, tmp_path):
    from tui.model import MediaUpload, PollDraft

    app, net = mastodon_app
    image = tmp_path / "dot.png"
    image.write_bytes(PNG)
    await net.open()
    pictured = await net.publish(Draft(text="A dot", media=(MediaUpload(str(image), "a dot"),)))
    polled = await net.publish(Draft(text="Lunch?", poll=PollDraft(("soup", "salad"), 3600)))
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        compose = composer(app)

        await until(pilot, lambda: timeline(app).select_uid(pictured.uid), "the picture")
        await pilot.press("E")
        await until(pilot, lambda: compose.editing is not None, "the edit")
        alt = compose.query_one("#compose-alt")
        assert alt.value == "a dot"
        alt.focus()
        await pilot.press("end")
        await typed(pilot, " on white")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: toasts(app).count("Edited.") == 1, "the first edit")
        media_id = pictured.ref["media_ids"]
        assert server.world.media[media_id].description == "a dot on white"
        assert server.world.statuses[pictured.ref["id"]].media == [media_id]

        await started(pilot)
        await until(pilot, lambda: timeline(app).select_uid(polled.uid), "the poll")
        await pilot.press("E")
        await until(pilot, lambda: compose.editing is not None, "the second edit")
        choices = compose.query_one("#compose-poll")
        assert choices.value == "soup | salad"
        choices.focus()
        await pilot.press("end")
        await typed(pilot, " | nothing")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: toasts(app).count("Edited.") == 2, "the second edit")
        status = server.world.statuses[polled.ref["id"]]
        assert server.world.polls[status.poll].options == ["soup", "salad", "nothing"]

        await started(pilot)
        timeline(app).select_uid(polled.uid)
        await pilot.press("alt+e")
        await until(pilot, lambda: type(app.screen).__name__ == "HistoryScreen", "the history")
        polls = [
            ln[ln.index("▤ poll:") :].split("│")[0].rstrip()  # inside the dialog's border
            for ln in screen_lines(app)
            if "▤ poll:" in ln
        ]
        assert polls == ["▤ poll: soup · salad", "▤ poll: soup · salad · nothing"]
    await net.close()
