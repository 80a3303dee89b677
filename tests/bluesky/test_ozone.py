"""Reports and labels against the reference network's moderation service (Ozone).

A report made through Murmur's adapter must reach Ozone, where its moderator reads it back; a
label Ozone's moderator applies must hide, warn or show the post as the user's rule for that
labeler's label says, once the user subscribed to the labeler.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from tests.support import wait_until_async
from tui.model import Draft, FeedKind, FeedRef, Post
from tui.networks.base import Unsupported
from tui.networks.bluesky.login import login
from tui.networks.bluesky.network import BlueskyNetwork

from .conftest import BskyNet, Person
from .test_network import no_questions

pytestmark = pytest.mark.network


async def connect(bsky: BskyNet, who: Person, **options: object) -> BlueskyNetwork:
    result = await login(
        {"handle": who.handle, "service": bsky.pds, "password": who.app_password}, no_questions
    )
    account = replace(result.account, options={**result.account.options, **options})

    async def save(secrets) -> None:
        return None

    net = BlueskyNetwork(account, result.secrets, save_credentials=save)
    await net.open()
    return net


@pytest.fixture
async def pair(bsky: BskyNet) -> AsyncIterator[tuple[BlueskyNetwork, BlueskyNetwork]]:
    ozone = bsky.ozone()
    alice_acct = bsky.create_account("alice", "Alice")
    bob_acct = bsky.create_account("bob", "Bob")
    bsky.process_all()
    alice = await connect(bsky, alice_acct)
    bob = await connect(bsky, bob_acct, report_to=(ozone["did"],))
    try:
        yield alice, bob
    finally:
        await alice.close()
        await bob.close()


async def test_ozone_is_the_networks_labeler(bsky: BskyNet) -> None:
    ozone = bsky.ozone()
    assert ozone["did"] == bsky.mod_did and ozone["url"].startswith("http")


async def test_a_post_report_reaches_ozone_with_its_reason_and_words(bsky: BskyNet, pair) -> None:
    alice, bob = pair
    post = await alice.publish(Draft(text="buy cheap followers now"))
    bsky.process_all()
    seen = await bob.post(post.uid)
    assert isinstance(seen, Post)

    await bob.report(seen, "the same link in every reply", category="spam")

    reports = [r for r in bsky.ozone_reports() if r["subject"].get("uri") == post.key]
    assert len(reports) == 1
    (report,) = reports
    assert report["reportType"] == "com.atproto.moderation.defs#reasonSpam"
    assert report["comment"] == "the same link in every reply"
    assert report["createdBy"] == bob.did
    assert report["subject"]["cid"] == post.ref["cid"]


async def test_an_account_report_reaches_ozone(bsky: BskyNet, pair) -> None:
    alice, bob = pair
    assert alice.me is not None
    await bob.report(alice.me, "pretends to be someone else", category="misleading")
    reports = [r for r in bsky.ozone_reports() if r["subject"].get("did") == alice.did]
    assert [(r["reportType"], r["comment"], r["createdBy"]) for r in reports] == [
        (
            "com.atproto.moderation.defs#reasonMisleading",
            "pretends to be someone else",
            bob.did,
        )
    ]


async def test_without_report_to_the_pds_forwards_the_report_to_its_service(
    bsky: BskyNet, pair
) -> None:
    alice, _ = pair
    carol = await connect(bsky, bsky.create_account("carol"))
    try:
        assert alice.me is not None
        await carol.report(alice.me, "no services named", category="rude")
    finally:
        await carol.close()
    reports = [r for r in bsky.ozone_reports() if r["createdBy"] == carol.did]
    assert [(r["subject"].get("did"), r["reportType"], r["comment"]) for r in reports] == [
        (alice.did, "com.atproto.moderation.defs#reasonRude", "no services named")
    ]


async def test_labelers_lists_ozone_with_its_labels_once_subscribed(bsky: BskyNet, pair) -> None:
    _, bob = pair
    await bob.subscribe_labeler(bsky.mod_did)
    listed = {info.did: info for info in await bob.labelers()}
    ozone = listed[bsky.mod_did]
    assert ozone.name == "Dev-env Moderation"
    assert "spam" in ozone.labels and "rude" in ozone.labels
    assert bsky.mod_did in bob.moderation.labelers

    await bob.subscribe_labeler(bsky.mod_did, undo=True)
    assert bsky.mod_did not in [info.did for info in await bob.labelers()]


async def test_a_labeler_named_in_config_applies_and_stays(bsky: BskyNet, pair) -> None:
    alice, _ = pair
    dave = await connect(bsky, bsky.create_account("dave"), labelers=(bsky.mod_did,))
    try:
        assert bsky.mod_did in [info.did for info in await dave.labelers()]
        with pytest.raises(Unsupported, match="config.toml"):
            await dave.subscribe_labeler(bsky.mod_did, undo=True)
        await dave.follow(alice.did)
        post = await labelled_post(bsky, alice, "config readers follow the labeler")
        seen = await in_home(dave, post.uid)
        # No rule of dave's: the labeler's own declared default for "rude" (hide) applies.
        assert "!hide" in seen.labels
        assert seen.content_warning == "label rude from Dev-env Moderation"
    finally:
        await dave.close()


async def labelled_post(bsky: BskyNet, alice: BlueskyNetwork, text: str) -> Post:
    post = await alice.publish(Draft(text=text))
    bsky.process_all()
    applied = bsky.ozone_label("rude", uri=post.key, cid=post.ref["cid"])
    assert [(lb["src"], lb["val"]) for lb in applied] == [(bsky.mod_did, "rude")]
    return post


async def in_home(bob: BlueskyNetwork, uid: str) -> Post:
    async def find() -> Post | None:
        page = await bob.timeline(FeedRef(FeedKind.HOME))
        return next((i for i in page.items if isinstance(i, Post) and i.uid == uid), None)

    found = await wait_until_async(find, timeout=30)
    assert isinstance(found, Post)
    return found


@pytest.mark.parametrize(
    ("rule", "markers", "warning"),
    [
        ("hide", ("!hide",), "by your rule: label rude from Dev-env Moderation"),
        ("warn", ("!warn",), "by your rule: label rude from Dev-env Moderation"),
        ("show", (), ""),
    ],
)
async def test_an_ozone_label_follows_the_users_rule(
    bsky: BskyNet, pair, rule: str, markers: tuple[str, ...], warning: str
) -> None:
    alice, bob = pair
    await bob.follow(alice.did)
    await bob.subscribe_labeler(bsky.mod_did)
    await bob.set_label_visibility(bsky.mod_did, "rude", rule)
    post = await labelled_post(bsky, alice, f"you are all wrong ({rule})")

    seen = await in_home(bob, post.uid)
    assert "rude" in seen.labels
    assert tuple(m for m in seen.labels if m.startswith("!")) == markers
    assert seen.content_warning == warning
    assert seen.sensitive is bool(warning)


async def test_without_a_subscription_ozone_labels_do_not_apply(bsky: BskyNet, pair) -> None:
    alice, bob = pair
    await bob.follow(alice.did)
    post = await labelled_post(bsky, alice, "unsubscribed readers see this")
    seen = await in_home(bob, post.uid)
    assert seen.labels == () and seen.content_warning == ""


# ----- the app: the Labelers screen and the timeline's verdict ----------------------------------
async def test_the_labelers_screen_sets_a_rule_and_the_timeline_hides_saying_why(
    bsky: BskyNet, pair, tmp_path, monkeypatch
) -> None:
    from tests.ui.conftest import make_cache, make_config
    from tests.ui.pilot import screen_lines, started
    from tests.ui.test_commandline import command, type_text
    from tui.session import Session
    from tui.ui.app import MurmurApp
    from tui.ui.screens.labelers import LabelersScreen

    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    monkeypatch.setenv("MURMUR_HOME", str(home))
    alice, bob = pair
    await bob.follow(alice.did)
    post = await labelled_post(bsky, alice, "everyone here is a fool")

    nets = {bob.account.name: bob}
    config = make_config(nets)  # type: ignore[arg-type]
    app = MurmurApp(Session(config, cache=make_cache(tmp_path), networks=nets), config=config)

    async def shows(pilot, words: str) -> bool:
        await pilot.pause()
        return any(words in line for line in screen_lines(app))

    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        # Not subscribed yet: the post shows as it is.
        await wait_until_async(lambda: shows(pilot, "everyone here is a fool"), timeout=30)

        await command(pilot, "labelers")
        screen = app.screen
        assert isinstance(screen, LabelersScreen)
        await pilot.press("a")
        await type_text(pilot, bsky.mod_did)
        await pilot.press("enter")
        await started(pilot)
        await wait_until_async(lambda: shows(pilot, "Dev-env Moderation"), timeout=30)
        assert bsky.mod_did in bob.moderation.labelers

        rude = screen.rows.index(type(screen.rows[0])(bsky.mod_did, "rude"))
        await pilot.press(*["down"] * (rude - (screen.query_one("OptionList").highlighted or 0)))
        await pilot.press("h")
        await started(pilot)
        await wait_until_async(
            lambda: shows(pilot, "rude                   hide"), timeout=30, what="rude: hide"
        )
        assert bob.moderation.visibility(bsky.mod_did, "rude") == "hide"

        await pilot.press("escape")  # closing the screen refreshes the timeline
        await started(pilot)
        why = "⊘ hidden: by your rule: label rude from Dev-env Moderation"
        await wait_until_async(lambda: shows(pilot, why), timeout=30, what="the hidden line")
        assert not any("everyone here is a fool" in line for line in screen_lines(app))
    assert post.uid
