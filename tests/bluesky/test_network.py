"""The Bluesky adapter against Bluesky's reference network (PLC + PDS + AppView).

Two accounts act as people would; the AppView indexes asynchronously, so every read that follows
a write waits for `bsky.process_all()` first.
"""

from __future__ import annotations

import asyncio
import struct
import zlib
from pathlib import Path

import httpx
import pytest

from tests.support import wait_until_async
from tui.model import (
    Draft,
    FeedKind,
    FeedRef,
    MediaKind,
    MediaUpload,
    Notification,
    Placeholder,
    Post,
    Reaction,
    SpanKind,
)
from tui.networks.base import AuthError, Capability, Prompt, Unsupported
from tui.networks.bluesky.login import login
from tui.networks.bluesky.network import BlueskyNetwork
from tui.networks.bluesky.login import resolve_pds

from .conftest import BskyNet, Person

pytestmark = pytest.mark.network


async def no_questions(prompt: Prompt) -> str:
    raise AssertionError(f"unexpected question: {prompt.label}")


class Vault:
    """Stands in for the vault: remembers what was saved, and which token was in use then."""

    def __init__(self) -> None:
        self.saved: list[dict[str, str]] = []
        self.network: BlueskyNetwork | None = None
        self.token_in_use_when_saved: list[str] = []

    async def save(self, secrets) -> None:
        assert self.network is not None
        self.token_in_use_when_saved.append(self.network.xrpc.access_jwt)
        self.saved.append(dict(secrets))


async def connect(bsky: BskyNet, who: Person, vault: Vault | None = None) -> BlueskyNetwork:
    result = await login(
        {"handle": who.handle, "service": bsky.pds, "password": who.app_password}, no_questions
    )
    vault = vault or Vault()
    net = BlueskyNetwork(result.account, result.secrets, save_credentials=vault.save)
    vault.network = net
    await net.open()
    return net


@pytest.fixture
async def pair(bsky: BskyNet):
    alice_acct = bsky.create_account("alice", "Alice")
    bob_acct = bsky.create_account("bob", "Bob")
    bsky.process_all()
    alice, bob = await connect(bsky, alice_acct), await connect(bsky, bob_acct)
    try:
        yield alice, bob
    finally:
        await alice.close()
        await bob.close()


def tiny_png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


async def home(net: BlueskyNetwork) -> list:
    return list((await net.timeline(FeedRef(FeedKind.HOME))).items)


# ----- login -------------------------------------------------------------------------------------
async def test_login_with_app_password_gives_account_and_tokens(bsky: BskyNet) -> None:
    who = bsky.create_account("carol")
    result = await login(
        {"handle": "@" + who.handle.upper(), "service": bsky.pds, "password": who.app_password},
        no_questions,
    )
    assert result.account.name == who.handle
    assert result.account.handle == who.handle
    assert result.account.server == bsky.pds
    assert result.account.options["service"] == bsky.pds
    assert result.secrets["did"] == who.did
    assert result.secrets["pds"] == bsky.pds
    assert result.secrets["access_jwt"] and result.secrets["refresh_jwt"]


async def test_wrong_password_is_a_clear_auth_error(bsky: BskyNet) -> None:
    who = bsky.create_account("dave")
    with pytest.raises(AuthError) as err:
        await login({"handle": who.handle, "service": bsky.pds, "password": "nope"}, no_questions)
    assert "wrong handle or app password" in str(err.value)


async def test_password_is_asked_when_not_given(bsky: BskyNet) -> None:
    who = bsky.create_account("erin")
    asked: list[str] = []

    async def ask(prompt: Prompt) -> str:
        asked.append(prompt.key)
        return who.app_password

    result = await login({"handle": who.handle, "service": bsky.pds}, ask)
    assert asked == ["password"] and result.secrets["did"] == who.did


async def test_the_pds_is_read_from_the_did_document(bsky: BskyNet) -> None:
    who = bsky.create_account("frank")
    assert await resolve_pds(who.did, plc=bsky.plc) == bsky.pds


# ----- reading and writing -----------------------------------------------------------------------
async def test_followed_posts_reach_the_timeline_with_byte_exact_facets(bsky, pair) -> None:
    alice, bob = pair
    rel = await bob.follow(alice.account.handle)
    assert rel.following
    text = f"Grüße 👩‍👩‍👧 aus Köln — see https://example.com/ü?x=1 @{bob.account.handle} #café!"
    sent = await alice.publish(Draft(text=text, language="de"))
    assert sent.content.text == text
    bsky.process_all()

    post = next(p for p in await home(bob) if p.key == sent.key)
    assert post.author.handle == alice.account.handle
    assert post.author.display_name == "Alice"
    assert post.language == "de"
    assert post.url.startswith(f"https://bsky.app/profile/{alice.account.handle}/post/")
    spans = {s.kind: (post.content.text[s.start : s.end], s.target) for s in post.content.spans}
    # The link's target is the same URL, percent-encoded by the one sanitiser.
    assert spans[SpanKind.LINK] == ("https://example.com/ü?x=1", "https://example.com/%C3%BC?x=1")
    assert spans[SpanKind.MENTION] == (f"@{bob.account.handle}", bob.did)
    assert spans[SpanKind.HASHTAG] == ("#café", "café")

    # What the AppView stored is exactly the byte ranges of those words.
    raw = await bob.xrpc.query("app.bsky.feed.getPosts", {"uris": [sent.key]})
    record = raw["posts"][0]["record"]
    data = record["text"].encode("utf-8")
    ranges = [(f["index"]["byteStart"], f["index"]["byteEnd"]) for f in record["facets"]]
    pieces = [data[start:end].decode() for start, end in ranges]
    assert pieces == ["https://example.com/ü?x=1", f"@{bob.account.handle}", "#café"]
    assert record["langs"] == ["de"]


async def test_reply_and_quote_carry_strong_refs(bsky, pair) -> None:
    alice, bob = pair
    root = await alice.publish(Draft(text="root post"))
    bsky.process_all()
    first = await bob.publish(Draft(text="first reply", reply_to=root))
    bsky.process_all()
    second = await alice.publish(Draft(text="reply to the reply", reply_to=first))
    quote = await bob.publish(Draft(text="look at this", quote_of=root))
    bsky.process_all()

    raw = await alice.xrpc.query("app.bsky.feed.getPosts", {"uris": [second.key]})
    reply = raw["posts"][0]["record"]["reply"]
    assert reply["root"] == {"uri": root.key, "cid": root.ref["cid"]}
    assert reply["parent"] == {"uri": first.key, "cid": first.ref["cid"]}

    thread = await bob.thread(first)
    assert [a.key for a in thread.ancestors] == [root.key]
    assert [d.key for d in thread.descendants] == [second.key]
    assert isinstance(thread.post, Post) and thread.post.reply_to == root.uid

    seen = await bob.post(quote.uid)
    assert isinstance(seen, Post) and isinstance(seen.quote, Post)
    assert seen.quote.key == root.key and seen.quote.content.text == "root post"


async def test_like_and_repost_then_undo(bsky, pair) -> None:
    alice, bob = pair
    post = await alice.publish(Draft(text="like me"))
    bsky.process_all()
    liked = await bob.react(post, Reaction.LIKE)
    reposted = await bob.react(liked, Reaction.REPOST)
    assert reposted.mine.liked and reposted.mine.reposted
    bsky.process_all()
    seen = await bob.post(post.uid)
    assert seen.counts.likes == 1 and seen.counts.reposts == 1
    assert seen.mine.liked and seen.mine.reposted

    await bob.react(seen, Reaction.LIKE, undo=True)
    # Undo works from a stale copy too: the adapter asks which record to delete.
    await bob.react(post, Reaction.REPOST, undo=True)
    bsky.process_all()
    seen = await bob.post(post.uid)
    assert seen.counts.likes == 0 and seen.counts.reposts == 0
    assert not seen.mine.liked and not seen.mine.reposted


async def test_bookmarks_are_offered_kept_listed_and_removed(bsky, pair) -> None:
    alice, bob = pair
    # This AppView serves app.bsky.bookmark.*, so the account offers bookmarks.
    assert bob.supports(Capability.BOOKMARK)
    post = await alice.publish(Draft(text="keep this for later"))
    other = await alice.publish(Draft(text="and this"))
    bsky.process_all()
    marked = await bob.react(post, Reaction.BOOKMARK)
    assert marked.mine.bookmarked and marked.key == post.key
    await bob.react(other, Reaction.BOOKMARK)
    bsky.process_all()
    seen = await bob.post(post.uid)
    assert seen.mine.bookmarked
    assert not (await alice.post(post.uid)).mine.bookmarked  # bookmarks are private

    async def listed() -> list:
        items = (await bob.timeline(FeedRef(FeedKind.BOOKMARKS))).items
        return [i.key for i in items] if len(items) == 2 else []

    assert set(await wait_until_async(listed, what="both bookmarks", interval=0.2)) == {
        post.key,
        other.key,
    }
    page = await bob.timeline(FeedRef(FeedKind.BOOKMARKS))
    assert all(isinstance(i, Post) and i.mine.bookmarked for i in page.items)

    unmarked = await bob.react(seen, Reaction.BOOKMARK, undo=True)
    assert not unmarked.mine.bookmarked
    bsky.process_all()

    async def only_other() -> bool:
        items = (await bob.timeline(FeedRef(FeedKind.BOOKMARKS))).items
        return [i.key for i in items] == [other.key]

    await wait_until_async(only_other, what="the bookmark to go", interval=0.2)
    assert not (await bob.post(post.uid)).mine.bookmarked


async def test_bookmarks_are_not_offered_where_the_appview_lacks_them(
    bsky, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui.networks.bluesky import network as module

    # Ask the real server for a method it does not have, as an older AppView answers bookmarks.
    monkeypatch.setattr(module, "BOOKMARKS_PROBE", "app.bsky.bookmark.getNoSuchThing")
    carol = await connect(bsky, bsky.create_account("carol"))
    try:
        assert not carol.supports(Capability.BOOKMARK)
        assert carol.supports(Capability.BLOCK)
        post = await carol.publish(Draft(text="mine"))
        with pytest.raises(Unsupported, match="no bookmarks"):
            await carol.react(post, Reaction.BOOKMARK)
        with pytest.raises(Unsupported, match="no bookmarks"):
            await carol.timeline(FeedRef(FeedKind.BOOKMARKS))
    finally:
        await carol.close()


async def test_image_with_alt_text_is_read_back(bsky, pair, tmp_path: Path) -> None:
    alice, bob = pair
    png = tiny_png(3, 2)
    path = tmp_path / "red.png"
    path.write_bytes(png)
    sent = await alice.publish(
        Draft(text="a red picture", media=(MediaUpload(str(path), alt="three red pixels"),))
    )
    bsky.process_all()
    seen = await bob.post(sent.uid)
    assert [(m.kind, m.alt, m.width, m.height) for m in seen.media] == [
        (MediaKind.IMAGE, "three red pixels", 3, 2)
    ]
    # The AppView's image URLs point at a CDN the test network lacks: the blob is on the PDS.
    raw = await bob.xrpc.query("app.bsky.feed.getPosts", {"uris": [sent.key]})
    blob_cid = raw["posts"][0]["record"]["embed"]["images"][0]["image"]["ref"]["$link"]
    got = httpx.get(
        f"{bsky.pds}/xrpc/com.atproto.sync.getBlob", params={"did": alice.did, "cid": blob_cid}
    )
    assert got.content == png


async def test_notifications_arrive_and_are_marked_seen(bsky, pair) -> None:
    alice, bob = pair
    post = await alice.publish(Draft(text="notify me"))
    bsky.process_all()
    await bob.follow(alice.did)
    await bob.react(post, Reaction.LIKE)
    await bob.publish(Draft(text="replying", reply_to=post))
    await bob.publish(Draft(text=f"hey @{alice.account.handle}"))
    bsky.process_all()

    page = await alice.notifications()
    kinds = sorted(n.kind for n in page.items)
    assert kinds == ["follow", "like", "mention", "reply"]
    like = next(n for n in page.items if n.kind == "like")
    assert like.post is not None and like.post.key == post.key
    assert like.actor is not None and like.actor.handle == bob.account.handle
    # Never having marked anything seen, the AppView counts only the newest as unread.
    assert page.items[0].unread and page.items[0].kind == "mention"
    assert await alice.unread_count() >= 1

    await alice.mark_notifications_read(page.items[0])
    bsky.process_all()
    assert await alice.unread_count() == 0
    assert not any(n.unread for n in (await alice.notifications()).items)

    again = await bob.publish(Draft(text=f"again @{alice.account.handle}"))

    # The AppView indexes asynchronously, even after process-all under load: wait (bounded)
    # for the new mention to be listed, then check that it shows as unread. (This AppView's
    # getUnreadCount stayed at 0 for it in full runs while the list said unread, so the list,
    # which is what the notifications pane shows, is the check.)
    async def listed() -> Notification | None:
        bsky.process_all()
        items = (await alice.notifications()).items
        return next((n for n in items if n.post is not None and n.post.key == again.key), None)

    newest = await wait_until_async(listed, what="the new mention to be listed", interval=0.2)
    assert newest.unread and newest.kind == "mention"


async def test_a_deleted_parent_shows_as_a_placeholder(bsky, pair) -> None:
    alice, bob = pair
    parent = await alice.publish(Draft(text="soon gone"))
    bsky.process_all()
    reply = await bob.publish(Draft(text="answer", reply_to=parent))
    await alice.delete(parent)
    bsky.process_all()
    thread = await bob.thread(reply)
    assert isinstance(thread.post, Post) and thread.post.key == reply.key
    assert len(thread.ancestors) == 1
    gone = thread.ancestors[0]
    assert isinstance(gone, Placeholder) and "deleted" in gone.reason
    assert gone.key == parent.key
    opened = await bob.thread(parent)  # opening the deleted post itself
    assert isinstance(opened.post, Placeholder) and "deleted" in opened.post.reason


async def test_content_warnings_become_self_labels_or_text(bsky, pair) -> None:
    alice, bob = pair
    labelled = await alice.publish(Draft(text="a wound", content_warning="Graphic media"))
    spoiler = await alice.publish(Draft(text="he dies", content_warning="spoilers"))
    bsky.process_all()
    seen = await bob.post(labelled.uid)
    assert "graphic-media" in seen.labels and seen.content_warning == "graphic media"
    # Adult content is off by default, so Bluesky's rules hide it from others, not from me.
    assert "!hide" in seen.labels
    mine = await alice.post(labelled.uid)
    assert "!hide" not in mine.labels and "!warn" in mine.labels
    text = (await bob.post(spoiler.uid)).content.text
    assert text == "CW: spoilers\n\nhe dies"


async def test_a_content_warning_equal_to_a_self_label_value_is_that_label(bsky, pair) -> None:
    alice, bob = pair
    assert alice.content_warning_plan("sexual").self_label == "sexual"
    plan = alice.content_warning_plan("spoilers")
    assert plan.in_text and not plan.self_label
    # The composer's counter counts the warning that will be written into the text.
    assert alice.limits.count("he dies", "spoilers") == len("CW: spoilers\n\nhe dies")
    assert alice.limits.count("he dies", "nudity") == len("he dies")
    labelled = await alice.publish(Draft(text="art", content_warning="nudity"))
    bsky.process_all()
    record = await alice.xrpc.query(
        "com.atproto.repo.getRecord",
        {
            "repo": alice.did,
            "collection": "app.bsky.feed.post",
            "rkey": labelled.key.rsplit("/")[-1],
        },
    )
    assert record["value"]["text"] == "art"
    assert record["value"]["labels"]["values"] == [{"val": "nudity"}]
    assert "nudity" in (await alice.post(labelled.uid)).labels


# ----- sessions ----------------------------------------------------------------------------------
async def test_an_expired_session_is_refreshed_and_saved_before_use(bsky) -> None:
    who = bsky.create_account("gina")
    vault = Vault()
    net = await connect(bsky, who, vault)
    try:
        old = net.xrpc.access_jwt
        net.xrpc.http.token = bsky.expire(old)
        expired = net.xrpc.access_jwt
        await home(net)
        assert net.xrpc.refreshes == 1
        assert len(vault.saved) == 1
        new = vault.saved[0]["access_jwt"]
        # (The PDS signs deterministically: within the same second `new` may equal `old`.)
        assert new != expired and net.xrpc.access_jwt == new
        assert vault.token_in_use_when_saved == [expired]  # saved before it was used
        assert vault.saved[0]["refresh_jwt"] == net.xrpc.refresh_jwt
        assert net.secrets["access_jwt"] == new
    finally:
        await net.close()


async def test_concurrent_calls_with_an_expired_token_refresh_once(bsky) -> None:
    who = bsky.create_account("hank")
    vault = Vault()
    net = await connect(bsky, who, vault)
    try:
        net.xrpc.http.token = bsky.expire(net.xrpc.access_jwt)
        await asyncio.gather(*(home(net) for _ in range(6)), net.unread_count())
        assert net.xrpc.refreshes == 1 and len(vault.saved) == 1
    finally:
        await net.close()


async def test_a_dead_session_asks_to_log_in_again_for_that_account_only(bsky, pair) -> None:
    alice, bob = pair
    alice.xrpc.http.token = bsky.expire(alice.xrpc.access_jwt)
    alice.xrpc.refresh_jwt = alice.xrpc.refresh_jwt[:-4] + "AAAA"
    with pytest.raises(AuthError) as err:
        await home(alice)
    assert "session expired: log in again" in str(err.value)
    assert err.value.account == alice.account.name
    await home(bob)  # the other account is untouched


# ----- graph and moderation ----------------------------------------------------------------------
async def test_follow_block_mute_and_their_undo(bsky, pair) -> None:
    alice, bob = pair
    assert (await bob.follow(alice.account.handle)).following
    assert not (await bob.follow(alice.account.handle, undo=True)).following
    assert (await bob.block(alice.did)).blocking
    bsky.process_all()
    assert (await bob.profile(alice.did)).relationship.blocking
    assert not (await bob.block(alice.did, undo=True)).blocking
    assert (await bob.mute(alice.did)).muting
    assert not (await bob.mute(alice.did, undo=True)).muting
    bsky.process_all()
    rel = (await bob.profile(alice.account.handle)).relationship
    assert rel is not None and not (rel.following or rel.blocking or rel.muting)


async def test_unblocking_someone_still_followed_shows_the_follow(bsky, pair) -> None:
    alice, bob = pair
    assert (await bob.follow(alice.account.handle)).following
    bsky.process_all()
    blocked = await bob.block(alice.did)
    assert blocked.blocking and blocked.following  # the follow record is still there
    bsky.process_all()
    # A profile read while the block exists: the AppView's view hides the follow; we do not.
    rel = (await bob.profile(alice.did)).relationship
    assert rel is not None and rel.blocking and rel.following
    unblocked = await bob.block(alice.did, undo=True)
    assert unblocked.following and not unblocked.blocking
    bsky.process_all()
    rel = (await bob.profile(alice.did)).relationship
    assert rel is not None and rel.following and not rel.blocking
    # Following again while already following makes no second follow record.
    assert (await bob.follow(alice.did)).following
    assert not (await bob.follow(alice.did, undo=True)).following
    bsky.process_all()
    rel = (await bob.profile(alice.did)).relationship
    assert rel is not None and not rel.following


async def test_threads_can_be_muted_and_posts_reported(bsky, pair) -> None:
    alice, bob = pair
    post = await alice.publish(Draft(text="a thread"))
    bsky.process_all()
    await bob.mute_thread(post)
    bsky.process_all()
    raw = await bob.xrpc.query("app.bsky.feed.getPosts", {"uris": [post.key]})
    assert raw["posts"][0]["viewer"].get("threadMuted") is True
    await bob.mute_thread(post, undo=True)
    await bob.report(post, "spam: selling things")
    await bob.report(post.author, "rude to everyone")


async def test_saved_feeds_and_lists_come_from_preferences_with_their_names(bsky, pair) -> None:
    alice, _ = pair
    x = alice.xrpc
    made = await x.procedure(
        "com.atproto.repo.createRecord",
        {
            "repo": alice.did,
            "collection": "app.bsky.graph.list",
            "record": {
                "$type": "app.bsky.graph.list",
                "purpose": "app.bsky.graph.defs#curatelist",
                "name": "Friends",
                "createdAt": "2025-01-01T00:00:00Z",
            },
        },
    )
    gen = await x.procedure(
        "com.atproto.repo.createRecord",
        {
            "repo": alice.did,
            "collection": "app.bsky.feed.generator",
            "record": {
                "$type": "app.bsky.feed.generator",
                "did": "did:web:feeds.example.com",
                "displayName": "Cat pictures",
                "createdAt": "2025-01-01T00:00:00Z",
            },
        },
    )
    await x.procedure(
        "app.bsky.actor.putPreferences",
        {
            "preferences": [
                {
                    "$type": "app.bsky.actor.defs#savedFeedsPrefV2",
                    "items": [
                        {"id": "1", "type": "timeline", "value": "following", "pinned": True},
                        {"id": "2", "type": "list", "value": made["uri"], "pinned": False},
                        {"id": "3", "type": "feed", "value": gen["uri"], "pinned": True},
                    ],
                }
            ]
        },
    )
    bsky.process_all()
    feeds = await alice.feeds()
    assert feeds == [
        FeedRef(FeedKind.CUSTOM, gen["uri"], "Cat pictures"),
        FeedRef(FeedKind.LIST, made["uri"], "Friends"),
    ]
    assert (await alice.timeline(feeds[1])).items == ()


async def test_author_feed_shows_reposts_by_whom(bsky, pair) -> None:
    alice, bob = pair
    post = await alice.publish(Draft(text="worth sharing"))
    bsky.process_all()
    await bob.react(post, Reaction.REPOST)
    bsky.process_all()
    items = (await alice.timeline(FeedRef(FeedKind.USER, bob.account.handle))).items
    assert len(items) == 1
    repost = items[0]
    assert repost.author.handle == bob.account.handle
    assert repost.repost_of is not None and repost.repost_of.key == post.key


async def _polling(net):
    """Start `net`'s live stream; return it and its first `anext`, running, once the first
    round (which only learns what is already shown) told the state listeners it polls."""
    from tui.model import ConnectionState

    polling = asyncio.Event()
    net.on_state(lambda state, _detail: polling.set() if state is ConnectionState.POLLING else None)
    events = net.stream()
    pending = asyncio.ensure_future(anext(events))
    await asyncio.wait_for(polling.wait(), 30)
    return events, pending


async def test_stream_polls_new_posts_and_notifications(bsky, pair) -> None:
    from tui.model import EventKind

    alice, bob = pair
    await bob.follow(alice.did)
    bsky.process_all()
    bob.poll_seconds = 0.3
    events, pending = await _polling(bob)

    post = await alice.publish(Draft(text=f"live for @{bob.account.handle}"))
    bsky.process_all()
    seen: dict = {}
    async with asyncio.timeout(60):  # one deadline for the whole wait, however many events
        first = await pending
        seen[first.kind] = first
        while not ({EventKind.POST, EventKind.NOTIFICATION} <= seen.keys()):
            event = await anext(events)
            assert event.kind is not EventKind.STATE  # state goes to the listeners only
            seen.setdefault(event.kind, event)
    assert seen[EventKind.POST].payload.key == post.key
    note = seen[EventKind.NOTIFICATION].payload
    assert note.kind == "mention" and note.post.key == post.key
    await events.aclose()


async def test_a_burst_larger_than_a_page_arrives_whole_in_order_and_once(
    bsky, pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui.model import EventKind
    from tui.networks.bluesky import poll

    alice, bob = pair
    await bob.follow(alice.did)
    bsky.process_all()
    # Rounds run when the test says so, and pages are small, so 50 posts span several pages.
    rounds: asyncio.Queue[None] = asyncio.Queue()

    async def next_round(seconds: float) -> None:
        await rounds.get()

    monkeypatch.setattr(poll, "_sleep", next_round)
    monkeypatch.setattr(poll, "PAGE", 20)
    events, pending = await _polling(bob)

    burst = []
    for i in range(50):
        text = f"burst {i}" + (f" @{bob.account.handle}" if i % 5 == 0 else "")
        burst.append((await alice.publish(Draft(text=text))).key)
    bsky.process_all()
    rounds.put_nowait(None)  # one round, after the whole burst
    posts, notes = [], []
    async with asyncio.timeout(60):  # one deadline for the whole burst
        while len(posts) < 50 or len(notes) < 10:
            event = await (pending if pending else anext(events))
            pending = None
            if event.kind is EventKind.POST:
                posts.append(event.payload.key)
            elif event.kind is EventKind.NOTIFICATION:
                notes.append(event.payload.post.key)
    assert posts == burst  # all of them, oldest first, none twice
    assert notes == burst[::5]
    await events.aclose()


async def test_a_reply_opens_with_its_siblings_and_the_other_branches(bsky, pair) -> None:
    alice, bob = pair
    root = await alice.publish(Draft(text="the root"))
    bsky.process_all()
    first = await bob.publish(Draft(text="first answer", reply_to=root))
    second = await alice.publish(Draft(text="second answer", reply_to=root))
    bsky.process_all()
    under_second = await bob.publish(Draft(text="under the second", reply_to=second))
    under_first = await alice.publish(Draft(text="under the first", reply_to=first))
    bsky.process_all()
    thread = await bob.thread(first)
    assert isinstance(thread.post, Post) and thread.post.key == first.key
    assert [a.key for a in thread.ancestors] == [root.key]
    shown = [d.key for d in thread.descendants]
    assert sorted(shown) == sorted([second.key, under_second.key, under_first.key])
