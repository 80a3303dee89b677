"""Exporting a Nostr account from real relays (nostr-sdk's LocalRelay on 127.0.0.1)."""

from __future__ import annotations

import pytest

from tests.export.helpers import jsonl, session_of
from tests.nostr.conftest import LocalRelay, raw_publish, raw_query
from tests.support import free_port
from tui.export import export_accounts
from tui.model import Account, NetworkKind
from tui.networks.nostr.event import sign, verify_event
from tui.networks.nostr.keys import Keys
from tui.networks.nostr.network import NostrNetwork

pytestmark = pytest.mark.network

T0 = 1_700_000_000
PASSWORD = "export pass phrase ünïcode"


@pytest.fixture
async def second_relay():
    relay = LocalRelay(free_port())
    await relay.start()
    yield relay
    relay.stop()


def network(keys: Keys, relay_url: str) -> NostrNetwork:
    account = Account("me", NetworkKind.NOSTR, handle=keys.npub, options={"relays": [relay_url]})
    return NostrNetwork(account, {"nsec": keys.nsec})


async def publish_history(keys: Keys, first: str, second: str) -> None:
    """Notes on both relays, some on one only; lists; others' events beside mine."""
    stranger = Keys.generate()
    notes = [sign(keys, 1, f"note {n}", created_at=T0 + n * 60) for n in range(30)]
    same_second = [sign(keys, 1, f"burst {n}", created_at=T0 + 5000) for n in range(8)]
    reply = sign(keys, 1, "a reply", [["e", notes[0].id, "", "reply"]], created_at=T0 + 6000)
    reaction = sign(keys, 7, "+", [["e", notes[1].id]], created_at=T0 + 6100)
    follows = sign(keys, 3, "", [["p", stranger.public_hex]], created_at=T0 + 6200)
    relays = sign(keys, 10002, "", [["r", first], ["r", second, "write"]], created_at=T0 + 6300)
    mutes = sign(keys, 10000, "", [["p", "ab" * 32]], created_at=T0 + 6400)
    theirs = sign(stranger, 1, "not mine", created_at=T0 + 100)
    await raw_publish(first, *notes[:20], *same_second, follows, relays, mutes, theirs)
    await raw_publish(second, *notes[10:], reply, reaction, theirs)


async def run_export(tmp_path, net: NostrNetwork, **options):
    session = session_of(net)
    try:
        results = await export_accounts(session, tmp_path / "out", ["me"], **options)
    finally:
        await session.close_all()
    result = results["me"]
    assert result.ok, result.error
    return result.folder


async def test_events_reverify_and_are_what_the_relays_hold(
    tmp_path, local_relay, second_relay, monkeypatch
):
    from tui.export import nostr as nostr_export

    monkeypatch.setattr(nostr_export, "PAGE", 7)  # many pages, one second holding more than one
    keys = Keys.generate()
    await publish_history(keys, local_relay.url, second_relay.url)
    # Only the first relay is configured: the second is found in my relay list (kind 10002).
    folder = await run_export(tmp_path, network(keys, local_relay.url))

    exported = jsonl(folder / "events.jsonl")
    for raw in exported:
        assert verify_event(raw, check_future=False).to_dict() == raw
    held: dict[str, dict] = {}
    for url in (local_relay.url, second_relay.url):
        for ev in await raw_query(url, {"authors": [keys.public_hex], "limit": 5000}):
            held[ev["id"]] = ev
    assert len(held) == 30 + 8 + 1 + 1 + 3
    assert len(exported) == len(held)
    assert {e["id"]: e for e in exported} == held

    follow_list = (folder / "follow_list.json").read_text()
    assert verify_event(__import__("json").loads(follow_list)).kind == 3
    assert (folder / "relay_list.json").exists() and (folder / "mute_list.json").exists()

    posts = jsonl(folder / "posts.jsonl")
    assert len(posts) == 30 + 8 + 1
    assert [p["created_at"] for p in posts] == sorted(p["created_at"] for p in posts)
    assert posts[0]["text"] == "note 0"
    assert {p["server_id"] for p in posts} <= set(held)
    assert all(p["url"].startswith("nostr:nevent1") for p in posts)
    readme = (folder / "README.txt").read_text()
    assert "events.jsonl" in readme and "not in this export" in readme
    assert not (folder / "nostr_key.ncryptsec").exists()


async def test_ncryptsec_decrypts_with_nostr_sdk_to_the_same_key(tmp_path, local_relay):
    from nostr_sdk import EncryptedSecretKey, KeySecurity

    keys = Keys.generate()
    await raw_publish(local_relay.url, sign(keys, 1, "hello", created_at=T0))
    folder = await run_export(tmp_path, network(keys, local_relay.url), password=PASSWORD)

    ncryptsec = (folder / "nostr_key.ncryptsec").read_text().strip()
    assert ncryptsec.startswith("ncryptsec1")
    assert (folder / "nostr_key.ncryptsec").stat().st_mode & 0o077 == 0
    encrypted = EncryptedSecretKey.from_bech32(ncryptsec)
    assert encrypted.key_security() == KeySecurity.UNKNOWN
    assert encrypted.decrypt(PASSWORD).to_hex() == keys.secret.hex()
    everything = "".join(p.read_text() for p in folder.iterdir() if p.is_file())
    assert keys.nsec not in everything and keys.secret.hex() not in everything


async def test_resuming_an_interrupted_export_adds_only_what_is_missing(tmp_path, local_relay):
    keys = Keys.generate()
    await raw_publish(
        local_relay.url, *(sign(keys, 1, f"n{n}", created_at=T0 + n) for n in range(12))
    )
    folder = await run_export(tmp_path, network(keys, local_relay.url))
    events = folder / "events.jsonl"
    lines = events.read_text().splitlines(keepends=True)
    events.write_text("".join(lines[:5]) + lines[5][:40])  # as if stopped while writing
    folder = await run_export(tmp_path, network(keys, local_relay.url), resume=True)
    exported = jsonl(events)
    assert len(exported) == len({e["id"] for e in exported}) == 12
    for raw in exported:
        verify_event(raw, check_future=False)
    assert len(jsonl(folder / "posts.jsonl")) == 12


async def test_a_relay_that_is_down_is_named_and_the_others_exported(tmp_path, local_relay):
    keys = Keys.generate()
    await raw_publish(local_relay.url, sign(keys, 1, "still here", created_at=T0))
    dead = f"ws://127.0.0.1:{free_port()}"
    account = Account(
        "me", NetworkKind.NOSTR, handle=keys.npub, options={"relays": [local_relay.url, dead]}
    )
    folder = await run_export(tmp_path, NostrNetwork(account, {"nsec": keys.nsec}))
    assert [p["text"] for p in jsonl(folder / "posts.jsonl")] == ["still here"]
    readme = (folder / "README.txt").read_text()
    assert f"not all read from: {dead}" in readme


async def test_the_key_is_exported_even_when_no_relay_answers(tmp_path):
    from nostr_sdk import EncryptedSecretKey

    keys = Keys.generate()
    net = network(keys, f"ws://127.0.0.1:{free_port()}")
    session = session_of(net)
    try:
        results = await export_accounts(session, tmp_path / "out", ["me"], password=PASSWORD)
    finally:
        await session.close_all()
    result = results["me"]
    assert not result.ok and "relay" in result.error
    ncryptsec = (result.folder / "nostr_key.ncryptsec").read_text().strip()
    assert EncryptedSecretKey.from_bech32(ncryptsec).decrypt(PASSWORD).to_hex() == keys.secret.hex()
    readme = (result.folder / "README.txt").read_text()
    assert "INCOMPLETE" in readme and "nostr_key.ncryptsec" in readme
