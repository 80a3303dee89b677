"""Fixtures: the contract server in each mode, a signed-in adapter, and the schema check.

Every JSON body the server sent during a test is validated against openapi-schema.json when the
test ends, so the adapter is only ever tested against responses a real server could send.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
from collections.abc import Callable
from functools import cache
from typing import Any

import jsonschema
import pytest

from tests.mastodon.server import ContractServer
from tests.support import FIXTURES
from tui.model import Account, ConnectionState, Event, EventKind, NetworkKind, Notification, Post
from tui.networks.mastodon.network import MastodonNetwork

SCHEMA = FIXTURES / "mastodon" / "openapi-schema.json"
TAKAHE = FIXTURES / "mastodon" / "takahe"
# Added to Mastodon after 4.3: older servers (and Takahē) leave them out.
AFTER_4_3 = {"group_key", "indexable", "uri", "api_versions", "role", "noindex"}
ALWAYS_REQUIRED = {("Status", "uri")}


@cache
def components() -> dict[str, Any]:
    spec = json.loads(SCHEMA.read_text())
    comps = copy.deepcopy(spec["components"])
    for name, schema in comps["schemas"].items():
        _relax(name, schema)
    return comps


def _relax(name: str, schema: Any) -> None:
    if isinstance(schema, dict):
        req = schema.get("required")
        if isinstance(req, list):
            schema["required"] = [
                r for r in req if r not in AFTER_4_3 or (name, r) in ALWAYS_REQUIRED
            ]
        for value in schema.values():
            _relax(name, value)
    elif isinstance(schema, list):
        for value in schema:
            _relax(name, value)


def validate(schema: str, body: Any) -> None:
    """Validate against a component; "X[]" is a list of X and "X{}" a map of X."""
    name = schema.rstrip("[]{}")
    target: dict[str, Any] = {"$ref": f"#/components/schemas/{name}"}
    if schema.endswith("[]"):
        target = {"type": "array", "items": target}
    elif schema.endswith("{}"):
        target = {"type": "object", "additionalProperties": target}
    jsonschema.Draft202012Validator({"components": components(), **target}).validate(body)


def check_sent(server: ContractServer) -> None:
    if server.violations:
        pytest.fail("requests that break the API contract:\n" + "\n".join(server.violations))
    for path, schema, body in server.sent:
        try:
            validate(schema, body)
        except jsonschema.ValidationError as exc:
            where = "/".join(str(p) for p in exc.absolute_path)
            pytest.fail(f"{path}: response is not a valid {schema} at {where}: {exc.message}")


async def _server(mode: str):
    server = ContractServer(mode)
    await server.start()
    try:
        yield server
        check_sent(server)
    finally:
        await server.stop()


@pytest.fixture
async def server():
    async for s in _server("mastodon"):
        yield s


@pytest.fixture
async def takahe():
    async for s in _server("takahe"):
        yield s


@pytest.fixture
async def nostream():
    async for s in _server("nostream"):
        yield s


def network_for(server: ContractServer, token: str = "test-token") -> MastodonNetwork:
    account = Account(
        name=f"alice@{server.world.domain}",
        network=NetworkKind.MASTODON,
        server=server.url,
        handle=f"alice@{server.world.domain}",
    )
    net = MastodonNetwork(account, {"access_token": token})
    net.http.backoff_base = 0.01
    return net


@pytest.fixture
async def net(server: ContractServer):
    n = network_for(server)
    await n.open()
    yield n
    await n.close()


class Live:
    """A network's live stream consumed in the background, its events and state changes kept,
    with a way to wait (with a deadline) until something has arrived."""

    def __init__(self, net: MastodonNetwork) -> None:
        self.net = net
        self.events: list[Event] = []
        self.states: list[tuple[ConnectionState, str]] = []
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        net.on_state(self._on_state)

    def _on_state(self, state: ConnectionState, detail: str) -> None:
        self.states.append((state, detail))
        self._changed.set()

    async def _run(self) -> None:
        async for event in self.net.stream():
            self.events.append(event)
            self._changed.set()

    async def __aenter__(self) -> Live:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def until(self, ready: Callable[[], Any], timeout: float = 20.0) -> Any:
        """Wait until `ready()` is true (returning it), failing after `timeout` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not (result := ready()):
            if self._task is not None and self._task.done():
                self._task.result()  # the stream ended: show why
                pytest.fail("the live stream ended")
            left = deadline - loop.time()
            if left <= 0:
                pytest.fail(f"gave up waiting after {timeout} s; states: {self.states[-5:]}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(left, 0.5))
        return result

    def posts(self) -> list[Post]:
        return [e.payload for e in self.events if e.kind is EventKind.POST]

    def notifications(self) -> list[Notification]:
        return [e.payload for e in self.events if e.kind is EventKind.NOTIFICATION]

    def in_state(self, state: ConnectionState) -> bool:
        return bool(self.states) and self.states[-1][0] is state
