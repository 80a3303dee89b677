"""The outbox rule, through the session: a post is stored before it is sent, leaves the outbox
only when its server confirms, and a failed one stays to be retried."""

from __future__ import annotations

from pathlib import Path

from tests.ui.conftest import make_config
from tests.ui.fakes import FakeNetwork, Transient
from tui.model import Draft
from tui.session import Session
from tui.store.cache import Cache


def session_with(tmp_path: Path, *nets: FakeNetwork) -> tuple[Session, Cache]:
    networks = {n.account.name: n for n in nets}
    cache = Cache(tmp_path / "cache.sqlite")
    return Session(make_config(networks), cache=cache, networks=networks), cache


async def test_a_confirmed_post_leaves_the_outbox_and_a_failed_one_stays(tmp_path):
    ok, down = FakeNetwork("ok"), FakeNetwork("down")
    down.fail["publish"] = Transient("server unreachable", account="down")
    session, cache = session_with(tmp_path, ok, down)
    seen: list[tuple[str, str]] = []

    entries = await session.send(
        Draft("hello both", targets=("ok", "down")),
        on_update=lambda e: seen.append((e.account, e.state)),
    )

    assert {e.account: e.state for e in entries} == {"ok": "sent", "down": "failed"}
    assert ("ok", "queued") in seen and ("ok", "sending") in seen and ("ok", "sent") in seen
    left = cache.outbox()
    assert [(e.account, e.state, e.draft.text) for e in left] == [("down", "failed", "hello both")]
    assert session.pending() == left

    del down.fail["publish"]
    retried = await session.retry(left[0].id)
    assert retried.state == "sent" and retried.remote_uid
    assert cache.outbox() == []


async def test_entry_reads_one_outbox_entry(tmp_path):
    cache = Cache(tmp_path / "cache.sqlite")
    first, second = cache.enqueue(Draft("x", targets=("a", "b")))
    assert cache.entry(second.id) == second
    assert cache.entry("no-such-id") is None
    assert first.id != second.id


async def test_a_rejection_needs_an_edit_and_a_passing_failure_is_retried_at_start(tmp_path):
    from tui.networks.base import BadResponse

    flaky, strict = FakeNetwork("flaky"), FakeNetwork("strict")
    flaky.fail["publish"] = Transient("server unreachable", account="flaky")
    rejection = BadResponse("Validation failed", account="strict", status=422)
    strict.fail["publish"] = rejection
    session, cache = session_with(tmp_path, flaky, strict)
    await session.send(Draft("one", targets=("flaky", "strict")))
    by_account = {e.account: e for e in cache.outbox()}
    assert by_account["flaky"].retryable and not by_account["flaky"].needs_edit
    assert by_account["strict"].needs_edit and not by_account["strict"].retryable

    # The next start: the passing failure goes out, the rejection is left for an edit.
    del flaky.fail["publish"], strict.fail["publish"]
    restarted = Session(session.config, cache=Cache(tmp_path / "cache.sqlite"),
                        networks={"flaky": flaky, "strict": strict})  # fmt: skip
    sent = await restarted.deliver_pending()
    assert [(e.account, e.state) for e in sent] == [("flaky", "sent")]
    assert [e.account for e in restarted.pending()] == ["strict"]
    assert sum(1 for c in strict.calls if c[0] == "publish") == 1


async def test_an_entry_claimed_by_another_run_is_not_sent_twice(tmp_path):
    net = FakeNetwork("one")
    net.fail["publish"] = Transient("down", account="one")
    session, cache = session_with(tmp_path, net)
    [entry] = await session.send(Draft("once", targets=("one",)))
    del net.fail["publish"]
    other = Cache(tmp_path / "cache.sqlite")
    other.mark_sending(entry.id)  # another process is sending it right now
    result = await session.retry(entry.id)
    assert result.state == "sending"
    assert sum(1 for c in net.calls if c[0] == "publish") == 1


async def test_the_confirmed_post_comes_back_with_the_entry(tmp_path):
    net = FakeNetwork("one")
    session, _ = session_with(tmp_path, net)
    [entry] = await session.send(Draft("mine", targets=("one",)))
    assert entry.state == "sent" and entry.post is not None
    assert entry.post.uid == entry.remote_uid


async def test_a_held_post_waits_in_the_outbox_and_undo_takes_it_back_unsent(tmp_path):
    import asyncio

    import pytest

    from tui.session import Hold, SendCancelled

    net = FakeNetwork("one")
    session, cache = session_with(tmp_path, net)
    hold = Hold(60)
    sending = asyncio.create_task(
        session.send(Draft("second thoughts", targets=("one",)), hold=hold)
    )
    async with asyncio.timeout(10):
        while not cache.outbox():
            await asyncio.sleep(0.01)
    # Waiting: stored (a crash keeps it), but neither sent nor offered for a retry.
    assert [e.state for e in cache.outbox()] == ["queued"]
    assert session.retryable() == []
    assert hold.cancel()
    with pytest.raises(SendCancelled) as cancelled:
        await sending
    assert cancelled.value.draft.text == "second thoughts"
    assert cache.outbox() == []
    assert not [c for c in net.calls if c[0] == "publish"]
    assert not hold.cancel()  # once is enough


async def test_a_held_post_goes_out_when_its_window_passes(tmp_path):
    from tui.session import Hold

    net = FakeNetwork("one")
    session, cache = session_with(tmp_path, net)
    hold = Hold(0.05)
    [entry] = await session.send(Draft("on its way", targets=("one",)), hold=hold)
    assert entry.state == "sent"
    assert not hold.cancel()  # too late: it went out
    assert cache.outbox() == []
