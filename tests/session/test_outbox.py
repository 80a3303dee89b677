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
