"""The app's flows driven from the keyboard with Pilot, over in-memory fake networks."""

from __future__ import annotations

from tests.ui.pilot import started
from tui.networks.base import Capability
from tui.model import Post, Reaction
from tui.ui.screens.thread import ThreadScreen
from tui.ui.widgets.timeline import PostList

NARROW = (80, 24)
WIDE = (160, 48)


def timeline(app):
    return app.main_screen.query_one("#timeline", PostList)


async def test_start_merges_every_account_newest_first(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        items = timeline(app).items if hasattr(timeline(app), "items") else None
        shown = list(app.main_screen.merger.items)
        assert {p.account for p in shown} == {"masto", "sky2"}
        assert [p.created_at for p in shown] == sorted((p.created_at for p in shown), reverse=True)
        assert items is None or len(items) == len(shown)
        assert "masto" in app.main_screen.query_one("#status").text
        assert "connected" in app.main_screen.query_one("#status").text


async def test_j_k_move_and_enter_opens_thread(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        posts = list(app.main_screen.merger.items)
        await pilot.press("j", "j", "k")
        assert timeline(app).selected.uid == posts[1].uid
        await pilot.press("enter")
        await started(pilot)
        assert isinstance(app.screen, ThreadScreen)
        assert ("thread", posts[1].uid) in networks[posts[1].account].calls
        await pilot.press("escape")
        assert app.screen is app.main_screen


async def test_like_is_optimistic_and_calls_the_network(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        post = timeline(app).selected
        await pilot.press("f")
        await started(pilot)
        net = networks[post.account]
        assert ("react", (post.uid, Reaction.LIKE.value, False)) in net.calls
        assert timeline(app).selected.mine.liked
        await pilot.press("b")
        await started(pilot)
        assert ("react", (post.uid, "repost", False)) in net.calls
        assert timeline(app).selected.mine.reposted


async def test_failed_like_is_reverted_and_shown_as_a_toast(build_app, networks):
    from tui.networks.base import Transient

    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        post = timeline(app).selected
        networks[post.account].fail["react"] = Transient("server on fire", account=post.account)
        await pilot.press("f")
        await started(pilot)
        assert not timeline(app).selected.mine.liked
        messages = [n.message for n in app._notifications]
        assert any("server on fire" in m for m in messages)
        assert "server on fire" in app.main_screen.query_one("#status").text


async def test_reply_fills_the_composer(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        post: Post = timeline(app).selected
        await pilot.press("r")
        compose = app.main_screen.query_one("#compose-pane")
        assert compose.reply_to == post.shown
        assert compose.text_area.text.startswith(f"@{post.author.handle} ")
        assert compose.targets == [post.account]


async def test_reply_from_a_thread_goes_back_to_the_composer(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("enter")
        await started(pilot)
        assert isinstance(app.screen, ThreadScreen)
        thread_items = app.screen.query_one("#thread", PostList)
        await pilot.press("k")  # the parent, above the opened post
        parent = thread_items.selected
        assert parent.content.text == "the parent"
        await pilot.press("r")
        await pilot.pause()
        assert app.screen is app.main_screen
        compose = app.main_screen.query_one("#compose-pane")
        assert compose.reply_to == parent.shown
        assert compose.targets == [parent.account]
        assert app.main_screen.query_one("#compose-pane").has_class("current")


async def test_my_confirmed_reply_shows_in_the_thread_the_server_does_not_list_it_in_yet(
    build_app, networks
):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        post = timeline(app).selected
        await pilot.press("enter")
        await started(pilot)
        await pilot.press("r", *"my own reply", "ctrl+s")
        await started(pilot)
        assert [op for op, _ in networks[post.account].calls].count("publish") == 1
        assert timeline(app).selected.uid == post.uid  # back in the timeline, on the post
        await pilot.press("enter")
        await started(pilot)
        assert isinstance(app.screen, ThreadScreen)
        assert [op for op, _ in networks[post.account].calls].count("thread") == 2
        shown = [p.content.text for p in app.screen.query_one("#thread", PostList).items]
        # The fake server lists only its own parent and child: the reply is ours, under the post.
        assert shown[0] == "the parent" and shown[1] == post.content.text
        assert shown[2].endswith("my own reply") and shown[3] == "a reply"


async def test_public_for_all_accounts_asks_only_the_accounts_that_have_it(build_app, networks):
    from tests.ui.pilot import toasts
    from tui.model import FeedKind

    networks["sky2"].refused_feeds = {FeedKind.PUBLIC}  # as Bluesky: no public feed
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("F", *"public", "enter")
        await started(pilot)
        assert app.main_screen.selection.feed.kind is FeedKind.PUBLIC
        assert not toasts(app)
        asked = {
            name for name, net in networks.items()
            for op, arg in net.calls if op == "timeline" and arg[0].startswith("public")
        }  # fmt: skip
        assert asked == {"masto"}
        shown = list(timeline(app).items)
        assert shown and {p.account for p in shown} == {"masto"}
        assert ("timeline", ("public", None)) in networks["masto"].calls


async def test_reply_mentions_nobody_where_the_network_threads_replies_itself(build_app, networks):
    for net in networks.values():
        net.capabilities = net.capabilities - {Capability.REPLY_MENTIONS}
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        post: Post = timeline(app).selected
        await pilot.press("r")
        compose = app.main_screen.query_one("#compose-pane")
        assert compose.reply_to == post.shown
        assert compose.text_area.text == ""
