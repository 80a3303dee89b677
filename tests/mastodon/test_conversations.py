"""Mastodon private conversations against the contract server (requests and responses checked
against the API schema)."""

from __future__ import annotations

import pytest

from tests.mastodon.conftest import check_sent, network_for
from tui.model import NotificationKind

pytestmark = pytest.mark.network  # the contract server


async def test_conversations_list_reply_read_and_delete(server):
    alice = network_for(server)
    bob = network_for(server, "bob-token")
    await alice.open()
    await bob.open()
    try:
        assert alice.limits.messages
        sent = await bob.send_message(("alice",), "psst, only for you")
        assert sent.visibility == "direct"

        convs = await alice.conversations()
        mine = next(c for c in convs if c.last and "psst" in c.last.content.text)
        assert [a.handle.split("@")[0] for a in mine.participants] == ["bob"]
        assert mine.unread

        page = await alice.notifications()
        messages = [n for n in page.items if getattr(n, "kind", "") == NotificationKind.MESSAGE]
        assert any(n.post and "psst" in n.post.content.text for n in messages)

        reply = await alice.send_message(mine, "got it")
        assert reply.visibility == "direct" and reply.reply_to is not None
        thread = await alice.conversation(mine.uid)
        assert [p.content.text.split(" ", 1)[-1] for p in thread][-2:] == [
            "psst, only for you",
            "got it",
        ]
        # The reply stays in the same conversation, and bob sees it unread.
        [theirs] = [c for c in await bob.conversations() if c.uid == mine.uid]
        assert theirs.unread and theirs.last and "got it" in theirs.last.content.text

        await bob.mark_conversation_read(mine.uid)
        [theirs] = [c for c in await bob.conversations() if c.uid == mine.uid]
        assert not theirs.unread

        await alice.delete_conversation(mine.uid)
        assert mine.uid not in [c.uid for c in await alice.conversations()]
    finally:
        await alice.close()
        await bob.close()
    check_sent(server)
