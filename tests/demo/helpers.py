"""Talking to the demo relay the way any Nostr client would: a plain websocket, NIP-01 frames."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

import websockets
from coincurve import PublicKeyXOnly
from nostr_sdk import Event

Raw = dict[str, Any]


async def fetch(url: str, *filters: Raw) -> list[Raw]:
    """Every stored event matching `filters`, read until EOSE."""
    async with websockets.connect(url, max_size=2**24) as ws:
        await ws.send(json.dumps(["REQ", "q", *filters]))
        events: list[Raw] = []
        while True:
            msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if msg[0] == "EVENT" and msg[1] == "q":
                events.append(msg[2])
            elif msg[0] in ("EOSE", "CLOSED"):
                return events


async def publish(url: str, event: Raw) -> list[Any]:
    """Send one event and return the relay's OK message."""
    async with websockets.connect(url) as ws:
        await ws.send(json.dumps(["EVENT", event], ensure_ascii=False))
        while True:
            msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if msg[0] == "OK":
                return msg


async def wait_for(
    url: str, flt: Raw, found: Callable[[list[Raw]], bool], timeout: float = 20.0
) -> list[Raw]:
    """Poll the relay until `found(events)` holds; fail after a generous deadline."""
    deadline = time.monotonic() + timeout
    while True:
        events = await fetch(url, flt)
        if found(events):
            return events
        if time.monotonic() > deadline:
            raise AssertionError(f"not found within {timeout:.0f} s: {flt}; had {len(events)}")
        await asyncio.sleep(0.25)


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
