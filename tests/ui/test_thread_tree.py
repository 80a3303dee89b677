"""The thread screen as a tree: indented replies, collapsed branches, parent and sibling keys."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from tests.ui.fakes import NOW, FakeNetwork
from tests.ui.pilot import screen_lines, started
from tui.model import Post, RichText, Thread
from tui.ui.screens.thread import ThreadScreen

NARROW = (80, 24)
WIDE = (200, 50)

LONG = (
    "a reply deep in the thread that goes on long enough to wrap over several lines even "
    "when the screen is wide, so every one of its lines must carry the guides of its depth"
)


def conversation(net: FakeNetwork) -> dict[str, Post]:
    """root ─ a ─ a1, a2 ─ a2x ─ … (a chain nine deep); root ─ b ─ b1."""
    base = net.posts[0]
    shape = [
        ("root", None, "the root post"),
        ("a", "root", "first answer"),
        ("b", "root", "second answer"),
        ("a1", "a", "answer to first, one"),
        ("a2", "a", "answer to first, two"),
        ("b1", "b", "answer to second"),
    ]
    parent = "a2"
    for depth in range(3, 10):
        shape.append((f"d{depth}", parent, LONG if depth == 9 else f"depth {depth}"))
        parent = f"d{depth}"
    posts: dict[str, Post] = {}
    for minute, (name, reply_to, text) in enumerate(shape):
        posts[name] = replace(
            base,
            uid=f"{net.account.name}:{name}",
            key=f"key:{name}",
            reply_to=f"{net.account.name}:{reply_to}" if reply_to else None,
            content=RichText(text),
            created_at=NOW - timedelta(hours=1) + timedelta(minutes=minute),
            url=f"https://example.org/{name}",
        )
    return posts


def serve(net: FakeNetwork, posts: dict[str, Post]) -> None:
    """The network answers a thread with every post of the conversation, in a scrambled order."""

    async def thread(post: Post) -> Thread:
        net.calls.append(("thread", post.uid))
        rest = [p for p in reversed(posts.values()) if p.uid != post.uid]
        return Thread(posts.get(post.uid.split(":", 1)[1], post), (), tuple(rest))

    net.thread = thread  # type: ignore[method-assign]


def thread_list(app):
    assert isinstance(app.screen, ThreadScreen)
    return app.screen.query_one("#thread")


def texts(app) -> list[str]:
    return [p.content.text for p in thread_list(app).items]


async def open_thread_of(pilot, post: Post) -> None:
    app = pilot.app
    assert app.main_screen.query_one("#timeline").select_uid(post.uid)
    await pilot.press("enter")
    await started(pilot)


async def test_replies_are_indented_under_their_parent_with_the_depth_beyond_six(build_app):
    net = FakeNetwork("masto", posts=3)
    posts = conversation(net)
    serve(net, posts)
    net.posts.insert(0, posts["a2"])
    app = build_app({"masto": net})
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await open_thread_of(pilot, posts["a2"])
        shown = texts(app)
        assert shown[:6] == [
            "the root post",
            "first answer",
            "answer to first, one",
            "answer to first, two",
            "depth 3",
            "depth 4",
        ]
        assert shown[-2:] == ["second answer", "answer to second"]
        assert thread_list(app).selected.uid == posts["a2"].uid  # the opened post
        lines = screen_lines(app)
        a2 = next(line for line in lines if "answer to first, two" in line)
        assert a2.startswith("│ │ ")
        await pilot.press("G", "k", "k")  # up from the end to the reply nine deep
        assert thread_list(app).selected.uid == posts["d9"].uid
        await pilot.pause()
        rows = thread_list(app).visible_text()
        deep = [row for row in rows if row.startswith("│ │ │ │ │ 9› ")]
        # Every wrapped line of the deep reply carries its guides and the text keeps its room.
        words = " ".join(row.removeprefix("│ │ │ │ │ 9› ").strip() for row in deep)
        assert LONG in words
        assert all(len(row.rstrip()) <= 80 for row in lines)


async def test_space_collapses_and_expands_a_branch(build_app):
    net = FakeNetwork("masto", posts=3)
    posts = conversation(net)
    serve(net, posts)
    net.posts.insert(0, posts["root"])
    app = build_app({"masto": net})
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await open_thread_of(pilot, posts["root"])
        await pilot.press("j")
        assert thread_list(app).selected.uid == posts["a"].uid
        await pilot.press("space")
        await pilot.pause()
        assert texts(app) == ["the root post", "first answer", "second answer", "answer to second"]
        assert any("+9 replies hidden" in line for line in screen_lines(app))
        assert thread_list(app).selected.uid == posts["a"].uid
        await pilot.press("space")
        await pilot.pause()
        assert "depth 9" not in texts(app)  # LONG is its text
        assert "answer to first, one" in texts(app)
        assert not any("hidden" in line for line in screen_lines(app))


async def test_h_goes_to_the_parent_and_shift_j_k_between_siblings(build_app):
    net = FakeNetwork("masto", posts=3)
    posts = conversation(net)
    serve(net, posts)
    net.posts.insert(0, posts["a1"])
    app = build_app({"masto": net})
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await open_thread_of(pilot, posts["a1"])

        def at() -> str:
            return thread_list(app).selected.uid.split(":", 1)[1]

        assert at() == "a1"
        await pilot.press("J")
        assert at() == "a2"
        await pilot.press("J")  # the last reply to "a": stays
        assert at() == "a2"
        await pilot.press("K")
        assert at() == "a1"
        await pilot.press("h")
        assert at() == "a"
        await pilot.press("J")  # over the whole branch of "a"
        assert at() == "b"
        await pilot.press("K", "left")
        assert at() == "root"
        await pilot.press("left")  # the root has no parent
        assert at() == "root"


async def test_a_move_into_a_collapsed_branch_opens_it(build_app):
    net = FakeNetwork("masto", posts=3)
    posts = conversation(net)
    serve(net, posts)
    net.posts.insert(0, posts["a2"])
    app = build_app({"masto": net})
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await open_thread_of(pilot, posts["a2"])
        await pilot.press("h", "h", "space")  # collapse the root
        await pilot.pause()
        assert texts(app) == ["the root post"]
        await pilot.press("escape")
        await open_thread_of(pilot, posts["a2"])
        assert thread_list(app).selected.uid == posts["a2"].uid


async def test_a_reply_notification_opens_the_whole_conversation_on_the_reply(build_app):
    net = FakeNetwork("masto", posts=3)
    posts = conversation(net)
    serve(net, posts)
    note = net.add_mention("x")
    net.notes[0] = replace(note, kind="reply", post=posts["b1"])
    app = build_app({"masto": net})
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        await pilot.press("tab", "enter")
        await started(pilot)
        assert thread_list(app).selected.uid == posts["b1"].uid
        assert len(texts(app)) == len(posts)
        assert texts(app)[0] == "the root post"


async def test_a_thread_whose_replies_form_a_cycle_still_opens(build_app):
    net = FakeNetwork("masto", posts=3)
    base = net.posts[0]
    a = replace(base, uid="masto:a", reply_to="masto:b", content=RichText("a"))
    b = replace(base, uid="masto:b", reply_to="masto:a", content=RichText("b"))
    me = replace(base, uid="masto:me", reply_to="masto:me", content=RichText("me"))
    net.posts.insert(0, me)

    async def thread(post: Post) -> Thread:
        return Thread(me, (a, b), (a, me, b))

    net.thread = thread  # type: ignore[method-assign]
    app = build_app({"masto": net})
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await open_thread_of(pilot, me)
        assert sorted(texts(app)) == ["a", "b", "me"]
        await pilot.press("h", "J", "K", "space")
        assert thread_list(app).selected is not None


async def test_deleting_my_reply_selects_the_post_it_answered_and_keeps_the_tree(build_app):
    net = FakeNetwork("masto", posts=3)
    posts = conversation(net)
    posts["a2"] = replace(posts["a2"], author=net.me)
    serve(net, posts)
    net.posts.insert(0, posts["a2"])
    app = build_app({"masto": net})
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await open_thread_of(pilot, posts["a2"])
        await pilot.press("D", "y")
        await started(pilot)
        assert ("delete", posts["a2"].uid) in net.calls
        assert thread_list(app).selected.uid == posts["a"].uid
        assert "answer to first, two" not in texts(app)
        assert "depth 3" in texts(app)  # its replies still show
