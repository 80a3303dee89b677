"""Mutes and blocks through the Mastodon adapter against the contract server: thread mutes,
timed mutes, and the list the "Mutes and blocks" screen shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tui.model import Draft, Notification
from tui.networks.base import Capability

pytestmark = pytest.mark.network  # the contract server


async def _reply_as_bob(server, status_id: str, text: str) -> None:
    async with httpx.AsyncClient() as client:
        answer = await client.post(
            f"{server.url}/_test/statuses",
            json={"as": "bob", "status": text, "in_reply_to_id": status_id},
        )
        answer.raise_for_status()


async def _notified_texts(net) -> list[str]:
    page = await net.notifications()
    return [
        n.post.content.text
        for n in page.items
        if isinstance(n, Notification) and n.post is not None
    ]


async def test_a_muted_thread_sends_no_more_notifications(net, server):
    assert net.supports(Capability.MUTE_THREAD)
    mine = await net.publish(Draft(text="Thread to mute"))
    other = await net.publish(Draft(text="Thread to keep"))
    await net.mute_thread(mine)
    status_id = net.status_id(mine)
    assert [sid for _, sid in server.world.thread_mutes] == [status_id]
    await _reply_as_bob(server, status_id, "@alice in the muted thread")
    await _reply_as_bob(server, net.status_id(other), "@alice in the kept thread")
    texts = await _notified_texts(net)
    assert any("in the kept thread" in t for t in texts)
    assert not any("in the muted thread" in t for t in texts)
    # It is listed, and undoing it from the list brings the notifications back.
    threads = [e for e in await net.muted() if e.kind == "thread"]
    assert len(threads) == 1 and "Thread to mute" in threads[0].label
    await net.undo_muted(threads[0])
    assert not server.world.thread_mutes
    assert any("in the muted thread" in t for t in await _notified_texts(net))
    assert not [e for e in await net.muted() if e.kind == "thread"]


async def test_mute_for_a_while_sends_the_duration_and_lists_its_end(net, server):
    assert net.supports(Capability.MUTE_DURATION)
    before = datetime.now(UTC)
    assert (await net.mute("bob", duration=3600)).muting
    sent = [r for r in server.received if r.path.endswith("/mute")][-1]
    assert int(sent.form["duration"]) == 3600 and sent.form["notifications"] in (True, "true")
    entries = await net.muted()
    bob = [e for e in entries if e.kind == "mute"]
    assert [e.label for e in bob] == ["@bob@murmur.test"]
    assert bob[0].until is not None
    assert before + timedelta(minutes=59) < bob[0].until < before + timedelta(minutes=61)
    await net.mute("carol@remote.example")
    forever = [e for e in await net.muted() if e.label.startswith("@carol")]
    assert forever and forever[0].until is None


async def test_the_list_holds_mutes_and_blocks_and_undoes_them(net, server):
    await net.mute("bob")
    await net.block("carol@remote.example")
    entries = {(e.kind, e.label) for e in await net.muted()}
    assert entries == {("mute", "@bob@murmur.test"), ("block", "@carol@remote.example")}
    for entry in await net.muted():
        await net.undo_muted(entry)
    assert await net.muted() == []
    assert not server.world.mutes and not server.world.blocks
