"""The demo relay (nostr-sdk's LocalRelay on 127.0.0.1) and the journal that keeps what it holds."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import websockets
from nostr_sdk import LocalRelay, LocalRelayBuilder, RateLimit


# Info level only: with no handler configured, warnings would reach the terminal under the app.
log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"


class DemoError(Exception):
    """The demo cannot start (busy port, unreadable demo home): a message for the user."""


async def start_relay(port: int | None) -> tuple[LocalRelay, str]:
    """nostr-sdk's LocalRelay on 127.0.0.1 (`port`, or one the OS picks). Returns it and its URL."""
    builder = LocalRelayBuilder().addr(LOOPBACK)
    # The default limit (60 notes a minute per connection) would refuse the seeding.
    builder = builder.rate_limit(RateLimit(max_reqs=1000, notes_per_minute=100_000))
    # The default cap of 500 events per filter would hide part of the community from one query.
    builder = builder.max_filter_limit(10_000)
    if port is not None:
        builder = builder.port(port)
    relay = builder.build()
    try:
        await relay.run()
    except Exception as exc:  # nostr-sdk raises its own generic error type
        where = f"port {port}" if port is not None else "a free port"
        raise DemoError(f"cannot start the demo relay on {LOOPBACK} {where}: {exc}") from exc
    return relay, str(await relay.url())


class Journal:
    """Every event the relay accepted, one JSON object a line, so a kept demo can be replayed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.ids: set[str] = set()
        self.events: list[dict[str, Any]] = []
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                with contextlib.suppress(ValueError):
                    raw = json.loads(line)
                    if isinstance(raw, dict) and raw.get("id") not in self.ids:
                        self.ids.add(raw["id"])
                        self.events.append(raw)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._file = os.fdopen(fd, "a", encoding="utf-8")

    def add(self, event: dict[str, Any]) -> None:
        if event["id"] in self.ids:
            return
        self.ids.add(event["id"])
        self._file.write(json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()


async def publish_all(relay_url: str, events: Sequence[dict[str, Any]]) -> int:
    """Send `events` over one connection and wait for every OK. Returns how many were refused."""
    if not events:
        return 0
    refused = 0
    async with websockets.connect(relay_url, max_size=2**24) as ws:
        for event in events:
            await ws.send(json.dumps(["EVENT", event], ensure_ascii=False))
        pending = {e["id"] for e in events}
        while pending:
            msg = json.loads(await asyncio.wait_for(ws.recv(), 30))
            if msg[0] == "OK" and msg[1] in pending:
                pending.discard(msg[1])
                if not msg[2]:
                    refused += 1
                    log.info("demo relay refused %s: %s", msg[1], msg[3] if len(msg) > 3 else "")
    return refused
