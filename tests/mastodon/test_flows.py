"""Flows through the Mastodon adapter against the contract server on 127.0.0.1."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tests.mastodon.conftest import Live, network_for
from tui.model import (
    ConnectionState,
    Draft,
    EventKind,
    FeedKind,
    FeedRef,
    MediaUpload,
    Notification,
    NotificationKind,
    PollDraft,
    Post,
    Reaction,
    SpanKind,
)
from tui.networks.base import AuthError, BadResponse, NotFound, Prompt, Transient
from tui.networks.mastodon.login import login
from tui.networks.mastodon.login import Apps

pytestmark = pytest.mark.network  # the contract server

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


async def _read_code(prompt: Prompt) -> str:
    """What a person does: open the printed URL in a browser and copy the code shown."""
    url = re.search(r"http://\S+", prompt.info).group(0)
    async with httpx.AsyncClient() as client:
        page = (await client.get(url)).text
    return re.search(r"<code id='code'>([^<]+)</code>", page).group(1)


async def test_login_with_the_out_of_band_code(server, tmp_path):
    prompts: list[Prompt] = []

    async def ask(prompt: Prompt) -> str:
        prompts.append(prompt)
        return await _read_code(prompt)

    apps = Apps(tmp_path / "apps.json")
    result = await login({"server": server.url}, ask, apps=apps)
    assert prompts[0].label == "Authorization code"
    assert "urn%3Aietf%3Awg%3Aoauth%3A2.0%3Aoob" in prompts[0].info
    assert result.account.name == "alice@murmur.test"
    assert result.account.server == server.url
    assert set(result.secrets) == {"access_token", "client_id", "client_secret"}
    registered = [r for r in server.received if r.path == "/api/v1/apps"]
    assert registered[0].form["scopes"] == "read write follow push"
    assert (tmp_path / "apps.json").stat().st_mode & 0o777 == 0o600

    again = await login({"server": server.url}, ask, apps=apps)  # the same app, reused
    assert again.secrets["client_id"] == result.secrets["client_id"]
    assert [r.path for r in server.received].count("/api/v1/apps") == 1


async def test_a_forgotten_app_is_registered_again_at_the_next_login(server, tmp_path):
    apps = Apps(tmp_path / "apps.json")
    await login({"server": server.url}, _read_code, apps=apps)
    server.world.apps.clear()  # an admin removed it

    async def typed_anyway(prompt: Prompt) -> str:
        return "some-code"

    with pytest.raises(AuthError, match="log in again"):
        await login({"server": server.url}, typed_anyway, apps=apps)
    result = await login({"server": server.url}, _read_code, apps=apps)
    assert result.secrets["client_id"] in server.world.apps


async def test_a_loopback_server_without_a_scheme_says_what_was_tried(server, tmp_path):
    bare = server.url.removeprefix("http://")

    async def ask(prompt: Prompt) -> str:
        raise AssertionError("nothing is asked before the server answers")

    with pytest.raises(Transient) as err:
        await login({"server": bare}, ask, apps=Apps(tmp_path / "apps.json"))
    message = str(err.value)
    assert f"tried https://{bare}" in message
    assert f"http://{bare}" in message.replace(f"https://{bare}", "")
    assert not [r for r in server.received if r.path == "/api/v1/apps"]


async def test_login_with_a_token_over_loopback_http(server):
    async def ask(prompt: Prompt) -> str:
        raise AssertionError("a token login asks nothing")

    result = await login({"server": server.url, "token": "test-token"}, ask)
    assert result.account.handle == "alice@murmur.test"
    assert result.secrets == {"access_token": "test-token"}


async def test_login_with_a_wrong_token_is_an_auth_error(server):
    with pytest.raises(AuthError, match="401"):
        await login({"server": server.url, "token": "nope"}, _read_code)


async def test_limits_come_from_the_instance(net):
    assert net.limits.max_chars == 500
    assert net.limits.count("see https://example.org/a/very/long/path @bob@remote.example") == (
        4 + 23 + 1 + 4
    )


async def test_post_with_media_and_alt_text_then_edit_and_delete(net, server, tmp_path: Path):
    image = tmp_path / "dot.png"
    image.write_bytes(PNG)
    draft = Draft(
        text="A picture",
        media=(MediaUpload(str(image), alt="a single dot"),),
        content_warning="eye strain",
        visibility="unlisted",
        language="en",
        idempotency_key="draft-1",
    )
    post = await net.publish(draft)
    assert post.media[0].alt == "a single dot"
    assert post.media[0].url.startswith(server.url)
    assert post.content_warning == "eye strain" and post.sensitive
    assert post.visibility == "unlisted"
    sent = [r for r in server.received if r.path == "/api/v1/statuses"][-1]
    assert sent.headers["idempotency-key"] == "draft-1"
    # The server had to finish processing the upload before the post was sent.
    assert [r.path for r in server.received].count(f"/api/v1/media/{post.ref['media_ids']}") >= 1

    again = await net.publish(draft)  # a retry of the same draft does not post twice
    assert again.uid == post.uid

    source = await net.edit_source(post)
    assert source.text == "A picture"
    edited = await net.edit(post, Draft(text="A better picture", content_warning="eye strain"))
    assert edited.content.text == "A better picture" and edited.edited_at is not None
    assert edited.media == post.media
    versions = await net.history(edited)
    assert [v.content.text for v in versions] == ["A picture", "A better picture"]

    await net.delete(edited)
    with pytest.raises(NotFound):
        await net.post(edited.uid)


async def test_post_a_poll_and_vote(net, server):
    post = await net.publish(
        Draft(
            text="Which?",
            poll=PollDraft(("one", "two", "three"), 3600, multiple=True),
            idempotency_key="poll-1",
        )
    )
    assert [o.title for o in post.poll.options] == ["one", "two", "three"]
    assert post.poll.multiple
    bob = network_for(server, "bob-token")
    await bob.open()
    seen = await bob.post(f"mastodon:{bob.account.name}:{post.ref['id']}")
    voted = await bob.vote(seen, [0, 2])
    assert voted.poll.voted and voted.poll.own_votes == (0, 2)
    assert [o.votes for o in voted.poll.options] == [1, 0, 1]
    await bob.close()


async def test_reply_prefills_mentions_and_threads(net):
    page = await net.timeline(FeedRef(FeedKind.HOME), limit=40)
    welcome = next(p for p in page.items if isinstance(p, Post) and "welcome" in p.content.text)
    assert net.reply_mentions(welcome) == "@bob@murmur.test "
    reply = await net.publish(
        Draft(
            text=net.reply_mentions(welcome) + "hi again", reply_to=welcome, idempotency_key="r-1"
        )
    )
    assert reply.reply_to == welcome.uid
    thread = await net.thread(welcome)
    assert [a.content.text for a in thread.ancestors] == ["Hello fediverse, this is a thread"]
    assert any(d.uid == reply.uid for d in thread.descendants)


async def test_home_timeline_pages_across_pages_without_repeats(net, server):
    seen: list[str] = []
    cursor = None
    pages = 0
    for _ in range(100):  # the server holds a few pages; more would mean paging never ends
        page = await net.timeline(FeedRef(FeedKind.HOME), cursor=cursor, limit=20)
        seen += [p.uid for p in page.items]
        pages += 1
        if page.older is None:
            break
        cursor = page.older
    else:
        raise AssertionError(f"still an older page after {pages} pages")
    assert pages >= 3
    assert len(seen) == len(set(seen))
    ids = [int(u.rsplit(":", 1)[1]) for u in seen]
    assert ids == sorted(ids, reverse=True)

    first = await net.timeline(FeedRef(FeedKind.HOME), limit=5)
    async with httpx.AsyncClient() as client:
        await client.post(f"{server.url}/_test/statuses", json={"as": "bob", "status": "Fresh"})
    newer = await net.timeline(FeedRef(FeedKind.HOME), cursor=first.newer, limit=5)
    assert [p.content.text for p in newer.items] == ["Fresh"]


async def test_a_link_to_another_host_is_followed_only_without_the_token(net, server):
    from tests.http.scripted_server import Answer, ScriptedServer

    other = ScriptedServer()
    await other.start()
    try:
        server.fault(
            "/api/v1/timelines/public",
            200,
            b"[]",
            headers={"Link": f'<{other.url}/api/v1/timelines/public?max_id=1>; rel="next"'},
        )
        page = await net.timeline(FeedRef(FeedKind.PUBLIC))
        assert page.older is None  # the foreign link is not kept
        other.queue("/x", Answer(200, b"[]"))
        with pytest.raises(BadResponse, match="another server"):
            await net.timeline(FeedRef(FeedKind.PUBLIC), cursor=f"url:{other.url}/x")
        assert other.seen == []
    finally:
        await other.stop()


@pytest.mark.parametrize(
    ("feed", "expect"),
    [
        ("local", "Post number"),
        ("public", "Post number"),
        ("tag:murmur", "#murmur"),
        ("bookmarks", "Tabs or spaces?"),
        ("favourites", "welcome"),
        ("direct", "Only for"),
    ],
)
async def test_every_timeline(net, feed, expect):
    page = await net.timeline(FeedRef.parse(feed))
    assert page.items
    assert any(expect in p.shown.content.text for p in page.items if isinstance(p, Post))


async def test_lists_and_user_timeline_with_pinned(net):
    feeds = await net.feeds()
    assert [f.label for f in feeds] == ["Friends"]
    listed = await net.timeline(feeds[0])
    assert {p.author.handle for p in listed.items} == {"bob@murmur.test"}
    mine = await net.timeline(FeedRef(FeedKind.USER, "alice"))
    target = next(p for p in mine.items if isinstance(p, Post) and "thread" in p.content.text)
    pinned = await net.react(target, Reaction.PIN)
    assert pinned.mine.pinned
    again = await net.timeline(FeedRef(FeedKind.USER, "alice@murmur.test"))
    assert again.items[0].uid == target.uid and again.items[0].ref.get("pinned") == "1"


async def test_actions_favourite_boost_bookmark(net):
    page = await net.timeline(FeedRef(FeedKind.PUBLIC), limit=5)
    post = next(p for p in page.items if isinstance(p, Post))
    liked = await net.react(post, Reaction.LIKE)
    assert liked.mine.liked and liked.counts.likes == 1
    boosted = await net.react(post, Reaction.REPOST)
    assert boosted.mine.reposted and boosted.uid == post.uid
    marked = await net.react(post, Reaction.BOOKMARK)
    assert marked.mine.bookmarked
    unliked = await net.react(post, Reaction.LIKE, undo=True)
    assert not unliked.mine.liked


async def test_profile_follow_mute_block_and_report(net, server):
    me = await net.profile("alice")
    assert me.relationship is None
    assert me.bio.text.startswith("I test things")
    assert me.fields[0].name == "Site" and me.fields[0].value.text.startswith("alice.example")
    bob = await net.profile("@bob@murmur.test")
    assert bob.relationship.following and bob.relationship.followed_by
    assert (await net.mute("bob")).muting
    assert (await net.block(bob.author.uid)).blocking
    assert not (await net.block("bob", undo=True)).blocking
    assert not (await net.follow("carol@remote.example", undo=True)).following
    rules = await net.rules()
    await net.report(bob.author, "spam", rule_ids=[rules[1][0]])
    report = server.world.reports[-1]
    assert report["comment"] == "spam" and report["rule_ids"] == ["2"]


async def test_search_resolves_accounts_tags_and_posts(net, server):
    results = await net.search("carol")
    assert [a.handle for a in results.authors] == ["carol@remote.example"]
    tags = await net.search("murm")
    assert [t.name for t in tags.tags] == ["murmur"]
    assert [r.arg("resolve") for r in server.received if r.path == "/api/v2/search"][0] == "true"


async def test_scheduled_posts_can_be_listed_and_cancelled(net):
    from datetime import UTC, datetime, timedelta

    when = datetime.now(UTC) + timedelta(days=1)
    post = await net.publish(Draft(text="later", scheduled_at=when, idempotency_key="s-1"))
    assert post.ref["scheduled_id"] and post.content.text == "later"
    assert [p.uid for p in await net.scheduled()] == [post.uid]
    await net.cancel_scheduled(post)
    assert await net.scheduled() == []


async def test_markers_keep_the_read_position(net):
    page = await net.timeline(FeedRef(FeedKind.HOME), limit=3)
    assert await net.read_marker("home") is None
    await net.set_read_marker(page.items[1])
    assert await net.read_marker("home") == page.items[1].uid
    notes = await net.notifications()
    await net.mark_notifications_read(notes.items[0])


async def test_grouped_notifications_of_every_kind(net):
    page = await net.notifications()
    kinds = {n.kind for n in page.items}
    assert {
        NotificationKind.REPLY,
        NotificationKind.LIKE,
        NotificationKind.REPOST,
        NotificationKind.FOLLOW,
        NotificationKind.FOLLOW_REQUEST,
        NotificationKind.POLL,
        NotificationKind.STATUS,
        NotificationKind.UPDATE,
        NotificationKind.ADMIN_SIGNUP,
        NotificationKind.SEVERED,
        NotificationKind.MODERATION_WARNING,
    } <= kinds
    likes = next(n for n in page.items if n.kind == NotificationKind.LIKE)
    assert len(likes.actors) == 2 and likes.group_key
    severed = next(n for n in page.items if n.kind == NotificationKind.SEVERED)
    assert "remote.example" in severed.text


async def test_a_link_whose_text_names_another_host_shows_its_real_host(net):
    page = await net.timeline(FeedRef(FeedKind.HOME), limit=40)
    trick = next(p for p in page.items if isinstance(p, Post) and "bank.example" in p.content.text)
    link = next(s for s in trick.content.spans if s.kind is SpanKind.LINK)
    assert link.host == "evil.example"
    assert "evil.example" in trick.content.text
    assert ":blobcat:" in trick.content.text


async def test_streamed_post_and_notification_arrive(net, server):
    async with Live(net) as live:
        await live.until(lambda: live.in_state(ConnectionState.CONNECTED))
        assert live.states[-1][1] == "streaming"
        async with httpx.AsyncClient() as client:
            await client.post(
                f"{server.url}/_test/statuses", json={"as": "bob", "status": "@alice live!"}
            )
        await live.until(lambda: live.posts() and live.notifications())
    post, note = live.posts()[0], live.notifications()[0]
    assert post.content.text == "@alice live!" and post.author.handle == "bob@murmur.test"
    assert isinstance(note, Notification) and note.kind == NotificationKind.MENTION
    # Each change of state is told once.
    assert not any(e.kind is EventKind.STATE for e in live.events)
    assert [s for s, _ in live.states] == [ConnectionState.CONNECTING, ConnectionState.CONNECTED]


async def test_the_stream_sends_the_shared_user_agent_and_token(net, server):
    from tui.networks.http import USER_AGENT

    async with Live(net) as live:
        await live.until(lambda: live.in_state(ConnectionState.CONNECTED))
    upgrade = next(r for r in server.received if r.path == "/api/v1/streaming")
    assert upgrade.headers["user-agent"] == USER_AGENT
    assert upgrade.headers["authorization"] == "Bearer test-token"


async def test_a_server_whose_streaming_url_answers_404_is_polled(nostream):
    await _polls(nostream)


async def test_takahe_without_streaming_is_polled(takahe):
    await _polls(takahe)


async def _polls(server):
    net = network_for(server)
    await net.open()
    net.poll_interval = 0.2
    try:
        async with Live(net) as live:
            await live.until(lambda: live.in_state(ConnectionState.POLLING))
            assert "polling" in live.states[-1][1]
            async with httpx.AsyncClient() as client:
                await client.post(
                    f"{server.url}/_test/statuses", json={"as": "bob", "status": "polled"}
                )
            await live.until(live.posts)
        assert live.posts()[0].content.text == "polled"
    finally:
        await net.close()


async def test_direct_stays_direct(net, server):
    from tui.networks.base import Unsupported

    sent = await net.publish(Draft(text="@bob just us", visibility="direct", idempotency_key="d1"))
    assert sent.visibility == "direct"
    assert server.world.statuses[sent.ref["id"]].visibility == "direct"
    # A reply that names no visibility keeps the conversation as narrow as it was.
    reply = await net.publish(Draft(text="@bob still us", reply_to=sent, idempotency_key="d2"))
    assert server.world.statuses[reply.ref["id"]].visibility == "direct"
    # A visibility Mastodon does not have is refused before anything is sent.
    before = len([r for r in server.received if r.path == "/api/v1/statuses"])
    with pytest.raises(Unsupported, match="no visibility 'followers'"):
        await net.publish(Draft(text="x", visibility="followers", idempotency_key="d3"))
    assert len([r for r in server.received if r.path == "/api/v1/statuses"]) == before
    # Who can see a post cannot change by editing it.
    with pytest.raises(Unsupported, match="cannot change who can see"):
        await net.edit(sent, Draft(text="@bob now for all", visibility="public"))


async def test_a_server_that_widens_a_direct_post_has_it_deleted_at_once(net, server):
    from tui.networks.base import Unsupported

    server.ignores_visibility = True
    with pytest.raises(Unsupported, match="published this post as public, not direct"):
        await net.publish(Draft(text="@bob secret", visibility="direct", idempotency_key="w1"))
    assert not [s for s in server.world.statuses.values() if s.text == "@bob secret"]
