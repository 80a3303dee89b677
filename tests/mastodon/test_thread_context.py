"""A thread opened on a reply holds the whole conversation, not only the replies below it."""

from __future__ import annotations

import pytest

from tui.model import Draft, FeedKind, FeedRef, Post

pytestmark = pytest.mark.network


async def test_a_reply_opens_with_its_siblings_and_the_other_branches(net):
    page = await net.timeline(FeedRef(FeedKind.HOME), limit=40)
    welcome = next(p for p in page.items if isinstance(p, Post) and "welcome" in p.content.text)

    async def reply(to: Post, text: str) -> Post:
        draft = Draft(text=net.reply_mentions(to) + text, reply_to=to, idempotency_key=text)
        return await net.publish(draft)

    first = await reply(welcome, "first answer")
    second = await reply(welcome, "second answer")
    under_second = await reply(second, "under the second")
    under_first = await reply(first, "under the first")

    thread = await net.thread(first)
    assert thread.post.uid == first.uid
    assert [a.content.text for a in thread.ancestors][-1] == welcome.content.text
    shown = [d.uid for d in thread.descendants]
    assert {second.uid, under_second.uid, under_first.uid} <= set(shown)
    assert first.uid not in shown
    assert len(shown) == len(set(shown))
    assert not {a.uid for a in thread.ancestors} & set(shown)
