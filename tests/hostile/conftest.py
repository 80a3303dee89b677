"""The hostile server, the adapters pointed at it, and what every test checks afterwards."""

from __future__ import annotations

import asyncio
import tracemalloc
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.hostile.server import DID, HostileServer, gzip_bomb
from tui.model import Account, NetworkKind
from tui.networks.bluesky.network import BlueskyNetwork
from tui.networks.bluesky import xrpc as bluesky_xrpc
from tui.networks.http import Http
from tui.networks.mastodon.network import MastodonNetwork
from tui.networks.mastodon import network as mastodon_network

TOKEN = "mastodon-secret-token-0123456789"
ACCESS_JWT = "bluesky-access-jwt-0123456789"
REFRESH_JWT = "bluesky-refresh-jwt-0123456789"
SECRETS = (TOKEN, ACCESS_JWT, REFRESH_JWT)
# A short whole-request deadline for the modes that stall, so tests do not wait 30 s.
SHORT_DEADLINE = 3.0


@pytest.fixture
def hostile():
    gzip_bomb()  # built once, before any measured call
    server = HostileServer()
    server.start()
    yield server
    server.stop()
    # Whatever the test did: no credential ever reached the other origin.
    for seen in server.seen_on(server.other_port):
        assert "authorization" not in seen.headers, seen
        for secret in SECRETS:
            assert secret not in repr(seen.headers) and secret.encode() not in seen.body, seen


class FastHttp(Http):
    """The real client with short waits: quick retries and a short whole-request deadline."""

    backoff_base = 0.01

    def __init__(self, *args: Any, **kw: Any) -> None:
        kw.setdefault("deadline", SHORT_DEADLINE)
        super().__init__(*args, **kw)


@pytest.fixture
async def mastodon(hostile: HostileServer, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(mastodon_network, "Http", FastHttp)
    account = Account(name="alice@hostile", network=NetworkKind.MASTODON, server=hostile.url)
    net = MastodonNetwork(account, {"access_token": TOKEN})
    yield net
    await net.close()


@pytest.fixture
async def bluesky(hostile: HostileServer, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(bluesky_xrpc, "Http", FastHttp)
    account = Account(name="alice.test", network=NetworkKind.BLUESKY, handle="alice.test")
    secrets = {"did": DID, "access_jwt": ACCESS_JWT, "refresh_jwt": REFRESH_JWT, "pds": hostile.url}

    async def save(new: Any) -> None:
        pass

    net = BlueskyNetwork(account, secrets, save_credentials=save)
    yield net
    await net.close()


@dataclass
class Outcome:
    value: Any
    error: BaseException | None
    peak: int  # bytes: peak traced allocation while the call ran


async def measured(call: Awaitable[Any]) -> Outcome:
    """Run `call`, catching what it raises, with the peak of traced allocations meanwhile."""
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base, _ = tracemalloc.get_traced_memory()
    value: Any = None
    error: BaseException | None = None
    try:
        value = await asyncio.wait_for(call, 120)
    except Exception as exc:  # noqa: BLE001 - the test inspects whatever was raised
        error = exc
    _, peak = tracemalloc.get_traced_memory()
    if started:
        tracemalloc.stop()
    return Outcome(value, error, peak - base)
