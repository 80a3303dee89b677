"""codec: every model object survives dumps → loads unchanged; bad input is a ValueError."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui import model as m
from tui.store.codec import dumps, loads

# ----- strategies for every model type -------------------------------------------------------

text = st.text(max_size=40)
short = st.text(max_size=12)
opt_int = st.none() | st.integers(min_value=0, max_value=10**9)
offsets = st.sampled_from(
    [UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-9, minutes=-30))]
)
when = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1), timezones=offsets
)
network = st.sampled_from(m.NetworkKind)
ref = st.dictionaries(short, short, max_size=3)

span = st.builds(
    m.Span,
    start=st.integers(0, 100),
    end=st.integers(0, 100),
    kind=st.sampled_from(m.SpanKind),
    target=text,
    host=short,
)
rich = st.builds(m.RichText, text=text, spans=st.lists(span, max_size=3).map(tuple))
author = st.builds(
    m.Author,
    network=network,
    account=short,
    uid=short,
    handle=short,
    display_name=text,
    url=short,
    avatar_url=short,
    bot=st.booleans(),
    verified_domain=short,
)
media = st.builds(
    m.Media,
    kind=st.sampled_from(m.MediaKind),
    url=short,
    alt=text,
    preview_url=short,
    width=opt_int,
    height=opt_int,
)
card = st.builds(m.LinkCard, url=short, title=text, description=text, host=short)
poll = st.builds(
    m.Poll,
    id=short,
    options=st.lists(st.builds(m.PollOption, title=text, votes=opt_int), max_size=4).map(tuple),
    expires_at=st.none() | when,
    expired=st.booleans(),
    multiple=st.booleans(),
    voters=opt_int,
    voted=st.booleans(),
    own_votes=st.lists(st.integers(0, 3), max_size=2).map(tuple),
)
counts = st.builds(m.Counts, replies=opt_int, reposts=opt_int, likes=opt_int, quotes=opt_int)
mine = st.builds(m.MyState, liked=st.booleans(), reposted=st.booleans(), bookmarked=st.booleans())
placeholder = st.builds(
    m.Placeholder,
    network=network,
    account=short,
    uid=short,
    reason=text,
    created_at=when,
    key=short,
)


def post_with(inner: st.SearchStrategy) -> st.SearchStrategy:
    return st.builds(
        m.Post,
        network=network,
        account=short,
        uid=short,
        created_at=when,
        author=author,
        content=rich,
        key=short,
        url=short,
        content_warning=text,
        sensitive=st.booleans(),
        reply_to=st.none() | short,
        reply_to_author=short,
        repost_of=st.none() | inner,
        quote=st.none() | inner | placeholder,
        media=st.lists(media, max_size=2).map(tuple),
        card=st.none() | card,
        poll=st.none() | poll,
        counts=counts,
        mine=mine,
        visibility=st.sampled_from(["", "public", "direct"]),
        language=short,
        edited_at=st.none() | when,
        labels=st.lists(short, max_size=2).map(tuple),
        ref=ref,
    )


simple_post = post_with(st.nothing())
post = post_with(simple_post)
item = post | placeholder
notification = st.builds(
    m.Notification,
    network=network,
    account=short,
    uid=short,
    kind=st.sampled_from(m.NotificationKind) | short,
    created_at=when,
    actors=st.lists(author, max_size=3).map(tuple),
    post=st.none() | post,
    text=text,
    unread=st.booleans(),
    group_key=short,
)
feed = st.builds(m.FeedRef, kind=st.sampled_from(m.FeedKind), arg=short, label=short)
draft = st.builds(
    m.Draft,
    text=text,
    targets=st.lists(short, max_size=3).map(tuple),
    content_warning=text,
    sensitive=st.booleans(),
    visibility=short,
    language=short,
    reply_to=st.none() | simple_post,
    quote_of=st.none() | simple_post,
    media=st.lists(st.builds(m.MediaUpload, path=text, alt=text, mime=short), max_size=2).map(
        tuple
    ),
    poll=st.none()
    | st.builds(
        m.PollDraft,
        options=st.lists(text, max_size=4).map(tuple),
        expires_in=st.integers(60, 10**7),
        multiple=st.booleans(),
    ),
    idempotency_key=short,
    scheduled_at=st.none() | when,
)
relationship = st.builds(
    m.Relationship, following=st.booleans(), blocking=st.booleans(), blocked_by=st.booleans()
)
profile_field = st.builds(
    m.ProfileField,
    name=text,
    value=rich,
    verified=st.booleans(),
    verified_at=st.none() | when,
    domain=short,
)
verification = st.builds(
    m.Verification, method=short, state=st.sampled_from(m.VerificationState), claim=text
)
profile = st.builds(
    m.Profile,
    author=author,
    bio=rich,
    fields=st.lists(profile_field, max_size=3).map(tuple),
    verification=st.lists(verification, max_size=2).map(tuple),
    followers=opt_int,
    following=opt_int,
    posts=opt_int,
    created_at=st.none() | when,
    relationship=st.none() | relationship,
    header_url=short,
)
tag = st.builds(m.Tag, name=short, url=short, uses=opt_int)

STRATEGIES: dict[type, st.SearchStrategy] = {
    m.Span: span,
    m.RichText: rich,
    m.Account: st.builds(
        m.Account,
        name=short,
        network=network,
        server=short,
        handle=short,
        options=st.dictionaries(
            st.sampled_from(["relays", "labelers", "streaming", "default_feed"]),
            st.lists(short, max_size=2).map(tuple) | st.booleans() | short,
        ),
    ),
    m.Author: author,
    m.Media: media,
    m.LinkCard: card,
    m.PollOption: st.builds(m.PollOption, title=text, votes=opt_int),
    m.Poll: poll,
    m.Counts: counts,
    m.MyState: mine,
    m.Post: post,
    m.Placeholder: placeholder,
    m.Notification: notification,
    m.Page: st.builds(
        m.Page, items=st.lists(item, max_size=3).map(tuple), newer=st.none() | short, older=short
    ),
    m.FeedRef: feed,
    m.Thread: st.builds(
        m.Thread,
        post=item,
        ancestors=st.lists(item, max_size=2).map(tuple),
        descendants=st.lists(item, max_size=2).map(tuple),
    ),
    m.ProfileField: profile_field,
    m.Verification: verification,
    m.UserList: st.builds(
        m.UserList,
        network=st.sampled_from(m.NetworkKind),
        account=short,
        id=short,
        title=text,
        members=opt_int,
    ),
    m.Relationship: relationship,
    m.Profile: profile,
    m.Tag: tag,
    m.SearchResults: st.builds(
        m.SearchResults,
        authors=st.lists(author, max_size=2).map(tuple),
        posts=st.lists(item, max_size=2).map(tuple),
        tags=st.lists(tag, max_size=2).map(tuple),
    ),
    m.Event: st.builds(
        m.Event,
        kind=st.sampled_from(m.EventKind),
        network=network,
        account=short,
        payload=post | notification | short | st.sampled_from(m.ConnectionState),
        feed=st.none() | feed,
        detail=text,
        created_at=when,
    ),
    m.MediaUpload: st.builds(m.MediaUpload, path=text, alt=text, mime=short),
    m.Conversation: st.builds(
        m.Conversation,
        network=network,
        account=short,
        uid=short,
        participants=st.lists(author, max_size=3).map(tuple),
        last=st.none() | post,
        unread=st.booleans(),
        updated_at=when,
    ),
    m.PollDraft: st.builds(m.PollDraft, options=st.lists(text, max_size=3).map(tuple)),
    m.Draft: draft,
    m.FilterRule: st.builds(
        m.FilterRule,
        name=short,
        match=text,
        action=st.sampled_from(m.FilterAction),
        regex=st.booleans(),
        whole_word=st.booleans(),
        networks=st.lists(short, max_size=2).map(tuple),
        authors=st.lists(short, max_size=2).map(tuple),
    ),
}


def test_every_model_dataclass_has_a_round_trip_strategy() -> None:
    from tui import model_more

    classes = {
        obj
        for module in (m, model_more)
        for obj in vars(module).values()
        if isinstance(obj, type)
        and dataclasses.is_dataclass(obj)
        and obj.__module__ == module.__name__
    }
    assert classes == set(STRATEGIES)
    assert {c.__name__ for c in classes if c.__module__ == model_more.__name__} == m.LATER


def test_the_first_screen_loads_none_of_the_later_model() -> None:
    """`tui.model_more` (profiles, drafts...) loads on first use, not with the app's first screen
    or the cache: a name from it used at import time somewhere would undo that."""
    code = (
        "import sys\n"
        "import tui.cli, tui.session, tui.store.cache, tui.ui.app, tui.ui.screens.main\n"
        "from tui.store.codec import dumps, loads\n"
        "from tui.model import Post\n"
        "assert 'tui.model_more' not in sys.modules, 'loaded at start-up'\n"
        "from tui.model import Draft\n"
        "assert loads(dumps(Draft(text='x'))) == Draft(text='x')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("cls", list(STRATEGIES), ids=lambda c: c.__name__)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_round_trip_is_equal(cls: type, data: st.DataObject) -> None:
    obj = data.draw(STRATEGIES[cls])
    text = dumps(obj)
    back = loads(text)
    assert back == obj
    assert type(back) is type(obj)
    assert dumps(back) == text  # stable: what was decoded encodes the same


def test_nested_types_come_back_exactly() -> None:
    author = m.Author(m.NetworkKind.BLUESKY, "sky", "did:plc:a", "a.example", "Ä 🎉")
    original = m.Post(
        m.NetworkKind.BLUESKY,
        "sky",
        "at://a/1",
        datetime(2024, 5, 1, 12, tzinfo=UTC),
        author,
        content=m.RichText("hi", (m.Span(0, 2, m.SpanKind.LINK, "https://x", "x"),)),
    )
    repost = m.Post(
        m.NetworkKind.BLUESKY,
        "sky",
        "at://b/2",
        datetime(2024, 5, 2, tzinfo=UTC),
        author,
        repost_of=original,
        quote=m.Placeholder(m.NetworkKind.BLUESKY, "sky", "q", "blocked"),
        media=(m.Media(m.MediaKind.IMAGE, "https://img", "alt"),),
        ref={"cid": "bafy"},
    )
    back = loads(dumps(repost))
    assert back.repost_of.content.spans[0].kind is m.SpanKind.LINK
    assert back.network is m.NetworkKind.BLUESKY
    assert isinstance(back.quote, m.Placeholder)
    assert back.media == (m.Media(m.MediaKind.IMAGE, "https://img", "alt"),)
    assert back.created_at.tzinfo is not None
    notification = m.Notification(
        m.NetworkKind.MASTODON, "a", "n", m.NotificationKind.FOLLOW, back.created_at
    )
    assert loads(dumps(notification)).kind is m.NotificationKind.FOLLOW
    unknown_kind = dataclasses.replace(notification, kind="emoji_reaction")
    assert loads(dumps(unknown_kind)).kind == "emoji_reaction"


def test_enums_datetimes_and_containers_at_top_level() -> None:
    moment = datetime(2030, 1, 1, 8, 30, tzinfo=timezone(timedelta(hours=5)))
    assert loads(dumps(moment)) == moment
    assert loads(dumps(moment)).utcoffset() == timedelta(hours=5)
    assert loads(dumps(m.FeedKind.TAG)) is m.FeedKind.TAG
    assert loads(dumps({"a": (1, m.Reaction.LIKE)})) == {"a": (1, m.Reaction.LIKE)}
    assert loads(dumps([m.FeedRef.parse("tag:x")])) == (m.FeedRef(m.FeedKind.TAG, "x"),)


@pytest.mark.parametrize(
    "text",
    [
        '{"$":"Spaceship","v":1}',
        '{"no":"tag"}',
        '{"$":"Post","uid":"missing most fields"}',
        '{"$":"Span","start":1,"end":2,"kind":"laser"}',
        '{"$":"Tag","name":"x","colour":"red"}',
        '{"$":"NetworkKind","v":"myspace"}',
        '{"$":"datetime","v":"yesterday"}',
        "not json",
        "[" * 100_000 + "]" * 100_000,
    ],
)
def test_unknown_or_malformed_input_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        loads(text)


def test_naive_datetimes_and_foreign_objects_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        dumps(m.Placeholder(m.NetworkKind.NOSTR, "a", "u", "r", created_at=datetime(2020, 1, 1)))
    with pytest.raises(TypeError):
        dumps(object())
    with pytest.raises(TypeError):
        dumps({1: "non-string key"})


def test_mapping_keys_cannot_pose_as_tags() -> None:
    post = m.Post(
        m.NetworkKind.NOSTR,
        "n",
        "e1",
        datetime(2024, 1, 1, tzinfo=UTC),
        m.Author(m.NetworkKind.NOSTR, "n", "pk", "npub1x"),
        ref={"$": "Post", "v": "Spaceship"},
    )
    assert loads(dumps(post)).ref == {"$": "Post", "v": "Spaceship"}


# ----- a start-up sized cache (benchmarks/codec.py times the same posts) -------------------


def sample_posts(count: int) -> list[m.Post]:
    posts = []
    start = datetime(2024, 6, 1, tzinfo=UTC)
    for i in range(count):
        author = m.Author(
            m.NetworkKind.MASTODON,
            "me",
            f"https://example.social/users/u{i % 50}",
            f"@u{i % 50}@example.social",
            f"User {i % 50}",
            f"https://example.social/@u{i % 50}",
            f"https://example.social/avatars/{i % 50}.png",
        )
        words = " ".join(f"word{j}" for j in range(30))
        content = m.RichText(
            f"Hello @friend check https://example.org/{i} #tag{i % 7} {words}",
            (
                m.Span(6, 13, m.SpanKind.MENTION, "@friend@example.social"),
                m.Span(20, 45, m.SpanKind.LINK, f"https://example.org/{i}", "example.org"),
                m.Span(46, 51, m.SpanKind.HASHTAG, f"tag{i % 7}"),
            ),
        )
        post = m.Post(
            m.NetworkKind.MASTODON,
            "me",
            f"mastodon:me:{i}",
            start + timedelta(minutes=i),
            author,
            content,
            key=f"https://example.social/statuses/{i}",
            url=f"https://example.social/@u/{i}",
            media=(m.Media(m.MediaKind.IMAGE, f"https://files/{i}.jpg", "a photo"),)
            if i % 3 == 0
            else (),
            counts=m.Counts(i % 5, i % 3, i % 11),
            visibility="public",
            language="en",
            ref={"id": str(i)},
        )
        if i % 5 == 0:
            post = dataclasses.replace(post, uid=f"mastodon:me:r{i}", repost_of=post)
        posts.append(post)
    return posts


def test_a_thousand_varied_posts_round_trip() -> None:
    """What start-up decodes from the cache (timed by benchmarks/codec.py) comes back whole."""
    posts = sample_posts(1000)
    assert [loads(dumps(p)) for p in posts] == posts
