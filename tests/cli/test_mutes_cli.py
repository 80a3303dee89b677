"""`murmur mutes` against the Mastodon contract server, run as a user runs it (a subprocess
with its own MURMUR_HOME): it lists mutes and blocks, and `mutes remove` undoes one."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.network


async def login(amurmur, server) -> str:
    result = await amurmur("login", "mastodon", server.url, "--token-stdin", stdin="test-token\n")
    assert result.code == 0, result.err
    return result.out.split("logged in as ")[1].split()[0]


def acct(server, username: str) -> str:
    return next(a.id for a in server.world.accounts.values() if a.username == username)


async def test_mutes_lists_then_removes_a_mute_and_a_block(amurmur, server):
    name = await login(amurmur, server)
    me = acct(server, "alice")
    server.world.mutes.add((me, acct(server, "bob")))
    server.world.mute_expires[(me, acct(server, "bob"))] = 3600
    server.world.blocks.add((me, acct(server, "carol")))

    listed = await amurmur("mutes", "--json")
    assert listed.code == 0, listed.err
    rows = [json.loads(line) for line in listed.out.splitlines()]
    assert [(r["kind"], r["label"], r["account"]) for r in rows] == [
        ("mute", "@bob@murmur.test", name),
        ("block", "@carol@remote.example", name),
    ]
    assert rows[0]["until"].endswith("Z") and rows[1]["until"] is None

    text = await amurmur("mutes")
    assert text.code == 0, text.err
    assert "muted         @bob@murmur.test" in text.out and "until" in text.out
    assert "blocked       @carol@remote.example" in text.out

    removed = await amurmur("mutes", "remove", "bob@murmur.test")
    assert removed.code == 0, removed.err
    assert f"{name}: unmuted @bob@murmur.test" in removed.out
    assert not server.world.mutes
    removed = await amurmur("mutes", "remove", "@carol@remote.example")
    assert removed.code == 0 and not server.world.blocks

    nothing = await amurmur("mutes", "remove", "@dave@nowhere.example")
    assert nothing.code == 2 and "is not muted, blocked or a filter rule" in nothing.err
    assert "Nobody muted or blocked" in (await amurmur("mutes")).out


async def test_mutes_in_a_terminal_lists_a_muted_thread_of_nostr(amurmur, local_relay):
    """In a real pseudo-terminal: a Nostr account's mute list, people and threads alike."""
    from tests.cli.test_login_pty import Terminal
    from tests.nostr.conftest import raw_publish
    from tui.networks.nostr.event import sign
    from tui.networks.nostr.keys import Keys

    me, bob = Keys.generate(), Keys.generate()
    root = sign(me, 1, "a thread I muted")
    await raw_publish(
        local_relay.url, root, sign(me, 10000, "", [["p", bob.public_hex], ["e", root.id]])
    )
    added = await amurmur(
        "login", "nostr", "--key-stdin", "--relay", local_relay.url, stdin=me.nsec + "\n"
    )
    assert added.code == 0, added.err
    async with Terminal("mutes") as term:
        await term.expect(rb"muted +npub1\w+")
        await term.expect(rb"thread muted +a thread I muted")
        assert await term.exit_code() == 0
    assert bob.npub.encode() in term.output
