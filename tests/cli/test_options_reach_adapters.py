"""Options in config.toml reach the adapters that read them.

[nostr] settings: a user who limits Nostr to their own relay connects to that relay only (two
logging relays on 127.0.0.1: the configured one, and a lure that the user's and the followed
author's relay lists (NIP-65) point to). Mastodon: `streaming = false` polls, every
`poll_interval` seconds."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
import websockets

from tests.support import free_port
from tests.mastodon.conftest import server  # noqa: F401 - the Mastodon contract server
from tui.model import ConnectionState
from tui.networks.base import create
from tui.networks.nostr.event import sign
from tui.networks.nostr.keys import Keys

pytestmark = pytest.mark.network


class LoggingRelay:
    """A small in-memory relay that records every connection it accepts."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"ws://127.0.0.1:{self.port}"
        self.connections = 0
        self.events: list[dict] = []

    def matches(self, event: dict, flt: dict) -> bool:
        for key, field in (("ids", "id"), ("authors", "pubkey"), ("kinds", "kind")):
            if key in flt and event[field] not in flt[key]:
                return False
        for key, values in flt.items():
            if key.startswith("#"):
                tagged = {t[1] for t in event["tags"] if len(t) > 1 and t[0] == key[1:]}
                if not tagged & set(values):
                    return False
        if "since" in flt and event["created_at"] < flt["since"]:
            return False
        return not ("until" in flt and event["created_at"] > flt["until"])

    async def handle(self, ws) -> None:
        self.connections += 1
        async for raw in ws:
            message = json.loads(raw)
            if message[0] == "EVENT":
                self.events.append(message[1])
                await ws.send(json.dumps(["OK", message[1]["id"], True, ""]))
            elif message[0] == "REQ":
                sub, filters = message[1], message[2:]
                for flt in filters:
                    found = [e for e in self.events if self.matches(e, flt)]
                    found.sort(key=lambda e: e["created_at"], reverse=True)
                    for event in found[: flt.get("limit", len(found))]:
                        await ws.send(json.dumps(["EVENT", sub, event]))
                await ws.send(json.dumps(["EOSE", sub]))


@pytest.fixture
async def relays() -> AsyncIterator[tuple[LoggingRelay, LoggingRelay]]:
    mine, lure = LoggingRelay(), LoggingRelay()
    async with (
        websockets.serve(mine.handle, "127.0.0.1", mine.port),
        websockets.serve(lure.handle, "127.0.0.1", lure.port),
    ):
        yield mine, lure


async def test_timeline_connects_only_to_the_configured_relay(amurmur, murmur_home, relays):
    mine, lure = relays
    me, author = Keys.generate(), Keys.generate()
    # On my relay: whom I follow, and relay lists (mine and the author's) naming the lure.
    for event in (
        sign(me, 3, "", [["p", author.public_hex]]),
        sign(me, 10002, "", [["r", lure.url]]),
        sign(author, 10002, "", [["r", lure.url, "write"]]),
        sign(author, 1, "hello from my own relay"),
    ):
        mine.events.append(event.to_dict())
    lure.events.append(sign(author, 1, "hello from the lure").to_dict())
    (murmur_home / "config.toml").write_text(
        f'[nostr]\ndefault_relays = ["{mine.url}"]\nmax_relays_total = 1\n'
        "max_relays_per_author = 1\n"
    )
    login = await amurmur("login", "nostr", "--key-stdin", stdin=me.nsec + "\n")
    assert login.code == 0, login.err
    connected_at_login = mine.connections + lure.connections

    result = await amurmur("timeline", "--limit", "5")
    assert result.code == 0, result.err
    assert "hello from my own relay" in result.out
    assert mine.connections > connected_at_login
    assert lure.connections == 0


async def test_account_relays_override_the_default_relays(amurmur, murmur_home, relays):
    mine, lure = relays
    me = Keys.generate()
    mine.events.append(sign(me, 1, "my own note").to_dict())
    (murmur_home / "config.toml").write_text(f'[nostr]\ndefault_relays = ["{lure.url}"]\n')
    login = await amurmur("login", "nostr", "--key-stdin", "--relay", mine.url, stdin=me.nsec)
    assert login.code == 0, login.err
    result = await amurmur("timeline", "--feed", f"user:{me.npub}", "--limit", "5")
    assert result.code == 0, result.err
    assert "my own note" in result.out
    assert lure.connections == 0 and mine.connections > 0


async def test_caps_let_the_lure_in_when_they_allow_it(amurmur, murmur_home, relays):
    """The control: with room under the caps, outbox routing does follow the relay lists,
    so the test above shows the caps at work, not a lure nobody would visit."""
    mine, lure = relays
    me, author = Keys.generate(), Keys.generate()
    for event in (
        sign(me, 3, "", [["p", author.public_hex]]),
        sign(author, 10002, "", [["r", lure.url, "write"]]),
    ):
        mine.events.append(event.to_dict())
    lure.events.append(sign(author, 1, "hello from the lure").to_dict())
    (murmur_home / "config.toml").write_text(
        f'[nostr]\ndefault_relays = ["{mine.url}"]\nmax_relays_total = 5\n'
    )
    login = await amurmur("login", "nostr", "--key-stdin", stdin=me.nsec + "\n")
    assert login.code == 0, login.err
    result = await amurmur("timeline", "--limit", "5")
    assert result.code == 0, result.err
    assert lure.connections > 0
    assert "hello from the lure" in result.out


async def _first_state(server, murmur_home, extra: str) -> tuple[object, str]:  # noqa: F811
    from tui.store.config import load_config

    path = murmur_home / "config.toml"
    path.write_text(
        f'[[accounts]]\nname = "m"\nnetwork = "mastodon"\nserver = "{server.url}"\n{extra}'
    )
    account = load_config(path).account("m")
    net = create(account, {"access_token": "test-token"})
    await net.open()
    states: asyncio.Queue[tuple[object, str]] = asyncio.Queue()
    net.on_state(lambda state, detail: states.put_nowait((state, detail)))
    pump = asyncio.create_task(_drain(net.stream()))
    try:
        return await asyncio.wait_for(states.get(), 10)
    finally:
        pump.cancel()
        await asyncio.gather(pump, return_exceptions=True)
        await net.close()


async def _drain(stream) -> None:
    async for _ in stream:
        pass


async def test_mastodon_streaming_false_polls_at_the_configured_interval(
    server,  # noqa: F811
    murmur_home,
):
    state, detail = await _first_state(
        server, murmur_home, "streaming = false\npoll_interval = 7\n"
    )
    assert state == ConnectionState.POLLING
    assert detail == "polling every 7 s (streaming off in the config)"


async def test_mastodon_streams_by_default(server, murmur_home):  # noqa: F811
    state, detail = await _first_state(server, murmur_home, "")
    assert state == ConnectionState.CONNECTING and "streaming" in detail
