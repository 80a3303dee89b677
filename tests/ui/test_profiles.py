"""The profile screen as a user sees it: fields with verified links, counts, identity checks,
pinned posts first, and the posts / replies / media tabs on tab and shift+tab."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from tests.ui.pilot import screen_lines, started
from tui import text
from tui.model import (
    Media,
    MediaKind,
    Page,
    Profile,
    ProfileField,
    ProfileTab,
    RichText,
    Verification,
    VerificationState,
)
from tui.networks.base import Unsupported
from tui.ui.screens.profile import ProfileScreen
from tui.ui.widgets.timeline import PostList

WIDE = (160, 48)


def rigged(net):
    """The fake network with a profile that has a verified link and a NIP-05 claim, and an
    author feed per tab (the posts tab starting with a pinned post)."""
    calls: list[ProfileTab] = []
    base = net.posts[0]
    pinned = replace(base, uid="pin:1", content=RichText("the pinned one"), ref={"pinned": "1"})
    plain = replace(base, uid="p:1", content=RichText("an ordinary post"))
    reply = replace(base, uid="r:1", content=RichText("a reply"), reply_to="x:1")
    media = replace(
        base,
        uid="m:1",
        content=RichText("a picture"),
        media=(Media(MediaKind.IMAGE, "https://img.example/a.png", alt="a cat"),),
    )
    feeds = {
        ProfileTab.POSTS: (pinned, plain),
        ProfileTab.REPLIES: (plain, reply),
        ProfileTab.MEDIA: (media,),
    }

    async def profile(who: str) -> Profile:
        original = await type(net).profile(net, who)
        return replace(
            original,
            fields=(
                ProfileField(
                    "site",
                    text.plain_to_rich("https://site.example/me"),
                    verified=True,
                    verified_at=datetime(2026, 1, 1, tzinfo=UTC),
                    domain="site.example",
                ),
                ProfileField("pronouns", RichText("they/them")),
            ),
            verification=(
                Verification("nip05", VerificationState.FAILED, "bob@liar.example"),
                Verification("handle", VerificationState.VERIFIED, "bob.example"),
            ),
        )

    async def author_feed(who, tab, cursor=None, limit=40):
        calls.append(tab)
        return Page(feeds[tab])

    net.profile = profile
    net.author_feed = author_feed
    return calls


async def open_profile(app, pilot) -> ProfileScreen:
    await started(pilot)
    await pilot.press("p")
    await started(pilot)
    assert isinstance(app.screen, ProfileScreen)
    return app.screen


async def test_profile_shows_fields_counts_and_verification(build_app, networks):
    for net in networks.values():
        rigged(net)
    app = build_app(networks)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_profile(app, pilot)
        shown = screen.text
        assert "30 posts · 20 following · 10 followers" in shown
        assert "site: https://site.example/me  ✓ site.example" in shown
        assert "pronouns: they/them" in shown
        assert "NIP-05 not verified: liar.example does not confirm bob@liar.example" in shown
        assert "handle verified (bob.example)" in shown
        lines = "\n".join(screen_lines(app))
        assert "✓ site.example" in lines and "handle verified (bob.example)" in lines


async def test_pinned_posts_come_first_and_say_so(build_app, networks):
    for net in networks.values():
        rigged(net)
    app = build_app(networks)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_profile(app, pilot)
        posts = screen.posts_text.splitlines()
        assert posts[1:] == ["pinned the pinned one", "an ordinary post"]
        lines = screen_lines(app)
        mark = next(i for i, line in enumerate(lines) if "📌 pinned" in line)
        assert any("the pinned one" in line for line in lines[mark + 1 : mark + 4])


async def test_tab_and_shift_tab_move_between_posts_replies_and_media(build_app, networks):
    calls = {name: rigged(net) for name, net in networks.items()}
    app = build_app(networks)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_profile(app, pilot)
        seen = calls[screen.account]
        assert seen == [ProfileTab.POSTS]
        await pilot.press("tab")
        await started(pilot)
        assert screen.tab is ProfileTab.REPLIES and seen[-1] is ProfileTab.REPLIES
        assert screen.posts_text.splitlines()[1:] == ["an ordinary post", "a reply"]
        await pilot.press("tab")
        await started(pilot)
        assert screen.posts_text.splitlines()[1:] == ["a picture"]
        assert " Media " in screen.posts_text.splitlines()[0]
        await pilot.press("shift+tab", "shift+tab")
        await started(pilot)
        assert screen.tab is ProfileTab.POSTS
        assert screen.posts_text.splitlines()[1] == "pinned the pinned one"
        assert app.screen.query_one(PostList).item_count == 2


async def test_a_tab_the_network_cannot_show_says_why(build_app, networks):
    for net in networks.values():

        async def author_feed(who, tab, cursor=None, limit=40, net=net):
            if tab is ProfileTab.MEDIA:
                raise Unsupported("no media tab here")
            return Page(tuple(net.posts[:1]))

        net.author_feed = author_feed
    app = build_app(networks)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_profile(app, pilot)
        await pilot.press("shift+tab")  # posts → media, backwards
        await started(pilot)
        assert screen.tab is ProfileTab.MEDIA
        assert "Could not load: no media tab here" in screen.posts_text.splitlines()[0]
        assert screen.items == []


async def test_j_and_enter_act_on_the_listed_posts(build_app, networks):
    for net in networks.values():
        rigged(net)
    app = build_app(networks)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_profile(app, pilot)
        posts = screen.query_one(PostList)
        assert posts.selected.uid == "pin:1"
        await pilot.press("j")
        assert posts.selected.uid == "p:1"
        await pilot.press("enter")
        await started(pilot)
        assert ("thread", "p:1") in networks[screen.account].calls


async def test_hostile_fields_claims_and_pinned_posts_are_harmless(build_app):
    from tests.ui.fakes import FakeNetwork
    from tests.ui.test_hostile import assert_harmless, hostile_strings, poison, terminal_output

    net = FakeNetwork("masto")
    poison(net)
    values = hostile_strings()
    hostile_profile = net.profile

    async def profile(who: str) -> Profile:
        shown = await hostile_profile(who)
        claims = tuple(
            Verification(method, state, text.clean_line(v, 253))
            for v in values
            for method, state in (
                ("nip05", VerificationState.FAILED),
                ("handle", VerificationState.VERIFIED),
            )
        )
        fields = tuple(
            replace(f, verified=True, domain=text.clean_line(v, 253))
            for f, v in zip(shown.fields, values, strict=False)
        )
        return replace(shown, fields=fields, verification=claims)

    async def author_feed(who, tab, cursor=None, limit=40):
        return Page(tuple(replace(p, ref={"pinned": "1"}) for p in net.posts))

    net.profile = profile
    net.author_feed = author_feed
    app = build_app({"masto": net})
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        app.push_screen(ProfileScreen("masto", "evil:0"))
        await started(pilot)
        screen = app.screen
        assert screen.items and all("pinned" in line for line in screen.posts_text.splitlines()[1:])
        outputs = []
        for _ in range(len(net.posts)):
            outputs.append(terminal_output(app))
            await pilot.press("j")
        for output in outputs:
            assert_harmless(output)
        assert app.is_running and app.screen is screen


async def test_i_shows_a_long_header_whole_and_the_keys_scroll_it(build_app, networks):
    from tui.ui.screens.profile import ProfileHeader

    for net in networks.values():
        rigged(net)
        original = net.profile

        async def long_profile(who: str, original=original) -> Profile:
            got = await original(who)
            many = tuple(ProfileField(f"field {n}", RichText(f"value {n}")) for n in range(30))
            return replace(got, fields=got.fields + many)

        net.profile = long_profile
    app = build_app(networks)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_profile(app, pilot)
        assert "field 29: value 29" not in "\n".join(screen_lines(app))
        await pilot.press("i")
        header = screen.query_one(ProfileHeader)
        assert app.focused is header
        await pilot.press(*"j" * 60)
        await pilot.pause()
        assert header.scroll_y > 0
        assert "field 29: value 29" in "\n".join(screen_lines(app))
        await pilot.press("i")  # back to the posts, which have the keys again
        assert isinstance(app.focused, PostList)
