"""Talking to the demo relay the way any Nostr client would: a plain websocket, NIP-01 frames."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable
from typing import Any

import websockets
from coincurve import PublicKeyXOnly
from nostr_sdk import Event

from tests.support import wait_until_async

Raw = dict[str, Any]


ANSWER_TIMEOUT = 30.0  # for a whole exchange with the relay, however many frames it sends


async def fetch(url: str, *filters: Raw) -> list[Raw]:
    """Every stored event matching `filters`, read until EOSE."""
    async with asyncio.timeout(ANSWER_TIMEOUT), websockets.connect(url, max_size=2**24) as ws:
        await ws.send(json.dumps(["REQ", "q", *filters]))
        events: list[Raw] = []
        async for frame in ws:
            msg = json.loads(frame)
            if msg[0] == "EVENT" and msg[1] == "q":
                events.append(msg[2])
            elif msg[0] in ("EOSE", "CLOSED"):
                return events
    raise AssertionError(f"the relay closed before EOSE for {filters}")


async def publish(url: str, event: Raw) -> list[Any]:
    """Send one event and return the relay's OK message."""
    async with asyncio.timeout(ANSWER_TIMEOUT), websockets.connect(url) as ws:
        await ws.send(json.dumps(["EVENT", event], ensure_ascii=False))
        async for frame in ws:
            msg = json.loads(frame)
            if msg[0] == "OK":
                return msg
    raise AssertionError(f"the relay closed without an OK for {event['id']}")


async def wait_for(
    url: str, flt: Raw, found: Callable[[list[Raw]], bool], timeout: float = 20.0
) -> list[Raw]:
    """Ask the relay until `found(events)` holds; fail after a generous deadline."""

    async def events() -> list[Raw] | None:
        got = await fetch(url, flt)
        return got if found(got) else None

    return await wait_until_async(events, timeout, f"events matching {flt}", interval=0.25)


def verify_with_coincurve(event: Raw) -> bool:
    """NIP-01 id from compact JSON (ensure_ascii=False) and a BIP-340 check, independently."""
    payload = [
        0,
        event["pubkey"],
        event["created_at"],
        event["kind"],
        event["tags"],
        event["content"],
    ]
    digest = hashlib.sha256(
        json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    ).digest()
    if digest.hex() != event["id"]:
        return False
    key = PublicKeyXOnly(bytes.fromhex(event["pubkey"]))
    return key.verify(bytes.fromhex(event["sig"]), digest)


def verify_with_nostr_sdk(event: Raw) -> bool:
    return Event.from_json(json.dumps(event, ensure_ascii=False)).verify()


def tags(event: Raw, name: str) -> list[list[str]]:
    return [t for t in event["tags"] if t and t[0] == name]
