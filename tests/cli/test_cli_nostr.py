"""CLI flows against a real relay (nostr-sdk's LocalRelay on 127.0.0.1): login, post, follow,
timeline and notifications, checked on the relay itself with a plain websocket client."""

from __future__ import annotations

import json
import time

import pytest

from tests.support import free_port
from tests.nostr.conftest import raw_publish, raw_query
from tui.networks.nostr.event import sign, verify_event
from tui.networks.nostr.keys import Keys
from tui.networks.nostr.nip19 import pubkey_from

pytestmark = pytest.mark.network


async def in_terminal(*args: str, timeout: float = 120) -> tuple[int, str]:
    """Run `murmur` as a user does: in a pseudo-terminal that is its controlling terminal.
    Returns the exit code and everything it wrote (stdout and stderr share the terminal)."""
    import asyncio
    import fcntl
    import os
    import pty
    import sys
    import termios

    master, slave = pty.openpty()

    def take_terminal() -> None:
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tui",
        *args,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
        preexec_fn=take_terminal,
    )
    os.close(slave)
    loop = asyncio.get_running_loop()
    chunks: list[bytes] = []
    done = asyncio.Event()

    def readable() -> None:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            data = b""
        if data:
            chunks.append(data)
        else:
            loop.remove_reader(master)
            done.set()

    loop.add_reader(master, readable)
    try:
        async with asyncio.timeout(timeout):
            code = await proc.wait()
            await done.wait()
    finally:
        loop.remove_reader(master)
        os.close(master)
    return code, b"".join(chunks).decode(errors="replace").replace("\r\n", "\n")


def pubkey_of(npub: str) -> str:
    return pubkey_from(npub)


async def login(amurmur, relay_url: str) -> str:
    result = await amurmur("login", "nostr", "--generate", "--relay", relay_url)
    assert result.code == 0, result.err
    npub = result.out.split("public key:")[1].split()[0]
    return npub


async def test_login_generate_then_accounts_lists_it(amurmur, local_relay):
    npub = await login(amurmur, local_relay.url)
    listed = await amurmur("accounts", "--json")
    assert listed.code == 0
    rows = [json.loads(line) for line in listed.out.splitlines()]
    assert [r["network"] for r in rows] == ["nostr"]
    assert rows[0]["handle"] == npub


async def test_login_key_stdin_imports_the_same_identity(amurmur, local_relay):
    keys = Keys.generate()
    result = await amurmur(
        "login", "nostr", "--key-stdin", "--relay", local_relay.url, stdin=keys.nsec + "\n"
    )
    assert result.code == 0, result.err
    assert keys.npub in result.out


async def test_post_puts_exact_non_ascii_text_on_the_relay_signed(amurmur, local_relay):
    npub = await login(amurmur, local_relay.url)
    text = "Grüße aus Köln — 日本語のテキスト, مرحبا 🌍👩‍💻 #murmur"
    result = await amurmur("post", text)
    assert result.code == 0, result.err
    events = await raw_query(local_relay.url, {"kinds": [1], "authors": [pubkey_of(npub)]})
    assert len(events) == 1
    event = events[0]
    assert event["content"] == text
    assert verify_event(event) is not None
    assert ["t", "murmur"] in event["tags"]


async def test_post_from_stdin(amurmur, local_relay):
    npub = await login(amurmur, local_relay.url)
    result = await amurmur("post", "-", stdin="line one\nline two\n")
    assert result.code == 0, result.err
    events = await raw_query(local_relay.url, {"kinds": [1], "authors": [pubkey_of(npub)]})
    assert [e["content"] for e in events] == ["line one\nline two"]


async def test_follow_then_timeline_shows_their_notes(amurmur, local_relay):
    await login(amurmur, local_relay.url)
    friend = Keys.generate()
    await raw_publish(
        local_relay.url,
        sign(friend, 0, json.dumps({"name": "Friend", "display_name": "A Friend"})),
        sign(friend, 1, "hello from a friend ✨"),
    )
    followed = await amurmur("follow", friend.npub)
    assert followed.code == 0, followed.err
    contacts = await raw_query(local_relay.url, {"kinds": [3]})
    assert any(["p", friend.public_hex] == t[:2] for c in contacts for t in c["tags"])

    timeline = await amurmur("timeline", "--json", "--limit", "10")
    assert timeline.code == 0, timeline.err
    posts = [json.loads(line) for line in timeline.out.splitlines()]
    assert [p["text"] for p in posts] == ["hello from a friend ✨"]
    assert posts[0]["network"] == "nostr"
    assert posts[0]["author"]["display_name"] == "A Friend"
    assert posts[0]["created_at"].endswith("Z")


async def test_notifications_show_a_reply_to_my_note(amurmur, local_relay):
    npub = await login(amurmur, local_relay.url)
    me = pubkey_of(npub)
    assert (await amurmur("post", "anyone there?")).code == 0
    mine = (await raw_query(local_relay.url, {"kinds": [1], "authors": [me]}))[0]
    stranger = Keys.generate()
    await raw_publish(
        local_relay.url,
        sign(stranger, 1, "yes, hello!", [["e", mine["id"], "", "root"], ["p", me]]),
    )
    result = await amurmur("notifications", "--json")
    assert result.code == 0, result.err
    rows = [json.loads(line) for line in result.out.splitlines()]
    assert [r["kind"] for r in rows] == ["reply"]
    assert rows[0]["post"]["text"] == "yes, hello!"


async def test_wrong_passphrase_exits_2_and_sends_nothing(amurmur, local_relay, monkeypatch):
    npub = await login(amurmur, local_relay.url)
    assert (await amurmur("lock")).code == 0  # the key agent would not ask for the passphrase
    monkeypatch.setenv("MURMUR_PASSPHRASE", "not the passphrase")
    result = await amurmur("post", "should never arrive")
    assert result.code == 2
    assert "passphrase" in result.err.lower()
    assert "Traceback" not in result.err
    assert await raw_query(local_relay.url, {"kinds": [1], "authors": [pubkey_of(npub)]}) == []


async def test_unreachable_relay_exits_1_and_keeps_the_post(amurmur, local_relay):
    from tui.store import paths
    from tui.store.cache import Cache

    await login(amurmur, local_relay.url)
    local_relay.stop()
    result = await amurmur("post", "kept for later")
    assert result.code == 1
    assert "outbox" in result.err
    assert "Traceback" not in result.err
    with Cache(paths.cache_file()) as cache:
        assert [(e.state, e.draft.text) for e in cache.outbox()] == [("failed", "kept for later")]


@pytest.mark.parametrize("visibility", ["unlisted", "private"])
async def test_post_with_a_visibility_nostr_lacks_is_refused_not_published(
    amurmur, local_relay, visibility
):
    npub = await login(amurmur, local_relay.url)
    code, shown = await in_terminal("post", "--visibility", visibility, "for your eyes only")
    assert code == 2, shown
    label = {"private": "followers-only"}.get(visibility, visibility)
    assert f"Nostr has no {label} posts" in shown
    assert "nothing was sent" in shown
    assert "Traceback" not in shown
    assert await raw_query(local_relay.url, {"kinds": [1], "authors": [pubkey_of(npub)]}) == []
    # Nothing waits in the outbox to be sent publicly later either.
    from tui.store import paths
    from tui.store.cache import Cache

    with Cache(paths.cache_file()) as cache:
        assert cache.outbox() == []
    public = await amurmur("post", "--visibility", "public", "for everyone")
    assert public.code == 0, public.err


async def test_post_direct_is_a_private_message_that_nostr_sdk_opens(amurmur, local_relay):
    import nostr_sdk

    npub = await login(amurmur, local_relay.url)
    friend = nostr_sdk.Keys.generate()
    friend_npub = friend.public_key().to_bech32()
    code, shown = await in_terminal("post", "--visibility", "direct", f"psst @{friend_npub}")
    assert code == 0, shown
    me = pubkey_of(npub)
    assert await raw_query(local_relay.url, {"kinds": [1], "authors": [me]}) == []
    wraps = await raw_query(
        local_relay.url, {"kinds": [1059], "#p": [friend.public_key().to_hex()]}
    )
    [gift] = [
        nostr_sdk.UnwrappedGift.from_gift_wrap(friend, nostr_sdk.Event.from_json(json.dumps(w)))
        for w in wraps
    ]
    assert gift.sender().to_hex() == me and gift.rumor().content().startswith("psst ")

    # The friend answers with nostr-sdk; `murmur messages` and notifications show it.
    # (a second later than the message it answers: both may be written within one second)
    later = nostr_sdk.Timestamp.from_secs(json.loads(gift.rumor().as_json())["created_at"] + 1)
    rumor = (
        nostr_sdk.EventBuilder(nostr_sdk.Kind(14), "got it")
        .tags([nostr_sdk.Tag.parse(["p", me])])
        .custom_created_at(later)
        .finalize_unsigned(friend.public_key())
    )
    answer = nostr_sdk.nip59_make_gift_wrap(friend, nostr_sdk.PublicKey.parse(me), rumor)
    await raw_publish(local_relay.url, verify_event(json.loads(answer.as_json())))
    listed = await amurmur("messages", "--json")
    assert listed.code == 0, listed.err
    [conv] = [json.loads(line) for line in listed.out.splitlines()]
    assert conv["last"]["text"] == "got it" and conv["unread"] is True
    assert [p["handle"] for p in conv["participants"]] == [friend_npub]
    notes = await amurmur("notifications", "--json")
    kinds = [json.loads(line)["kind"] for line in notes.out.splitlines()]
    assert "message" in kinds


async def test_post_direct_without_anyone_to_go_to_is_refused(amurmur, local_relay):
    await login(amurmur, local_relay.url)
    code, shown = await in_terminal("post", "--visibility", "direct", "to nobody")
    assert code == 2, shown
    assert "mention someone" in shown and "Traceback" not in shown


async def test_timeline_json_names_authors_by_full_npub(amurmur, local_relay):
    await login(amurmur, local_relay.url)
    friend = Keys.generate()
    await raw_publish(local_relay.url, sign(friend, 1, "who am I?"))
    assert (await amurmur("follow", friend.npub)).code == 0
    result = await amurmur("timeline", "--json")
    assert result.code == 0, result.err
    (row,) = [json.loads(line) for line in result.out.splitlines()]
    assert row["author"]["handle"] == friend.npub
    assert "…" not in result.out
    # The default account name is typable: no ellipsis.
    listed = await amurmur("accounts", "--json")
    name = json.loads(listed.out.splitlines()[0])["name"]
    assert "…" not in name
    named = await amurmur("timeline", "--account", name, "--json")
    assert named.code == 0, named.err


async def test_timeline_limit_20_is_not_emptied_by_future_dated_notes(amurmur, local_relay):
    await login(amurmur, local_relay.url)
    friend = Keys.generate()
    now = int(time.time())
    real = [sign(friend, 1, f"real {i}", created_at=now - 100 + i) for i in range(25)]
    ahead = [sign(friend, 1, f"ahead {i}", created_at=now + 30 * 86400 + i) for i in range(60)]
    for i in range(0, 85, 10):  # nostr-sdk's relay rate-limits one connection
        await raw_publish(local_relay.url, *(real + ahead)[i : i + 10])
    assert (await amurmur("follow", friend.npub)).code == 0
    result = await amurmur("timeline", "--json", "--limit", "20")
    assert result.code == 0, result.err
    texts = [json.loads(line)["text"] for line in result.out.splitlines()]
    assert texts == [f"real {i}" for i in range(24, 4, -1)]


async def test_timeline_names_the_relays_that_failed_and_exits_1(amurmur, local_relay):
    """A relay that accepts the connection and never answers, and one that refuses it."""
    import websockets

    async def silent(ws) -> None:
        async for _ in ws:
            pass

    async with websockets.serve(silent, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        quiet = f"ws://127.0.0.1:{port}"
        await login(amurmur, quiet)
        code, shown = await in_terminal("timeline")
        assert code == 1, shown
        assert quiet in shown and "no relay answered" in shown
        assert "Traceback" not in shown
        notes = await amurmur("notifications")
        assert notes.code == 1 and quiet in notes.err

    refused = f"ws://127.0.0.1:{free_port()}"
    from tui.store import paths

    config = paths.config_file()
    config.write_text(config.read_text().replace(quiet, refused))
    result = await amurmur("timeline")
    assert result.code == 1, result.err
    assert refused in result.err and "Traceback" not in result.err


async def test_a_refused_relay_beside_a_live_one_is_a_warning_not_a_failure(amurmur, local_relay):
    refused = f"ws://127.0.0.1:{free_port()}"
    result = await amurmur(
        "login", "nostr", "--generate", "--relay", local_relay.url, "--relay", refused
    )
    assert result.code == 0, result.err
    name = result.out.split("logged in as ")[1].split(" (")[0]
    me = pubkey_of(result.out.split("public key:")[1].split()[0])
    friend = Keys.generate()
    await raw_publish(
        local_relay.url,
        sign(friend, 1, "still heard"),
        sign(friend, 1, "hello there", [["p", me]]),
    )
    assert (await amurmur("follow", friend.npub)).code == 0
    warning = f"murmur: warning: {name}: {refused}: connection refused"

    timeline = await amurmur("timeline")
    assert timeline.code == 0, timeline.err
    assert "still heard" in timeline.out and refused not in timeline.out
    assert timeline.err.splitlines() == [warning]

    notes = await amurmur("notifications")
    assert notes.code == 0, notes.err
    assert "hello there" in notes.out
    assert notes.err.splitlines() == [warning]
