"""Live updates: polling where there is no streaming, and where the token may be streamed to."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.mastodon.conftest import Live, network_for
from tui.model import ConnectionState
from tui.networks.mastodon.stream import Streamer, token_may_go_to

pytestmark = pytest.mark.network

HOME = "/api/v1/timelines/home"


def _ids(items) -> list[int]:
    return [int(i.uid.rsplit(":", 1)[1]) for i in items]


def _burst(server, posts: int, notes: int, tag: str) -> tuple[list[str], list[str]]:
    """Posts by bob (whom alice follows) and notifications for alice, all at once."""
    w, routes = server.world, server.routes
    alice, bob, carol = (w.by_username(n) for n in ("alice", "bob", "carol"))
    made = [routes.make_status(bob.id, f"{tag} {n}").id for n in range(posts)]
    noted = [routes.notify("follow", alice.id, carol.id).id for _ in range(notes)]
    return made, noted


async def test_a_burst_between_two_polls_all_arrives_by_the_next_poll(nostream):
    server = nostream
    net = network_for(server)
    await net.open()
    net.poll_interval = 0.2
    fired: list[tuple[list[str], list[str], int]] = []

    async def burst_between_polls(req):
        # At the end of a poll's home fetch, before its notifications: 50 posts now wait for
        # the next poll, 10 notifications for this one.
        if req.arg("min_id") is not None and not fired:
            posts, notes = _burst(server, 50, 10, "burst")
            fired.append((posts, notes, len(server.received)))

    try:
        async with Live(net) as live:
            await live.until(lambda: live.in_state(ConnectionState.POLLING))
            server.hooks["/api/v1/notifications"].append(burst_between_polls)
            await live.until(lambda: fired)
            posts, notes, mark = fired[0]
            await live.until(
                lambda: (
                    {str(i) for i in _ids(live.posts())} >= set(posts)
                    and {str(i) for i in _ids(live.notifications())} >= set(notes)
                )
            )
    finally:
        await net.close()
    burst = [p for p in live.posts() if p.content.text.startswith("burst ")]
    assert [p.content.text for p in burst] == [f"burst {n}" for n in range(50)]
    assert len(set(_ids(live.posts()))) == len(live.posts())  # none twice
    assert _ids(live.notifications()) == sorted(int(n) for n in notes)
    # The next poll took them in full pages from the last post delivered, not one at a time.
    after = [r for r in server.received[mark:] if r.path == HOME]
    assert after[0].arg("limit") == "40" and after[1].arg("limit") == "40"
    assert after[1].arg("min_id") == posts[39]


async def test_a_failed_return_to_streaming_loses_nothing(nostream):
    server = nostream
    net = network_for(server)
    await net.open()
    net.poll_interval = 0.2
    net.retry_streaming_after = 0.5
    attempts: list[object] = []
    made: list[tuple[list[str], list[str]]] = []

    async def post_during_the_retry(req):
        attempts.append(req)
        if len(attempts) == 2:  # the first return to streaming: it fails again (404)
            made.append(_burst(server, 5, 3, "meanwhile"))

    server.hooks["/api/v1/streaming"].append(post_during_the_retry)
    try:
        async with Live(net) as live:
            await live.until(lambda: made)
            posts, notes = made[0]
            await live.until(
                lambda: (
                    {str(i) for i in _ids(live.posts())} >= set(posts)
                    and {str(i) for i in _ids(live.notifications())} >= set(notes)
                )
            )
            states = [s for s, _ in live.states]
    finally:
        await net.close()
    texts = [p.content.text for p in live.posts()]
    assert texts == [f"meanwhile {n}" for n in range(5)]
    assert _ids(live.notifications()) == sorted(int(n) for n in notes)
    assert states.count(ConnectionState.POLLING) >= 2  # it did poll, try to stream, poll again


async def test_a_stream_that_reconnects_catches_up_what_it_missed(server):
    net = network_for(server)
    await net.open()
    try:
        async with Live(net) as live:
            await live.until(lambda: live.in_state(ConnectionState.CONNECTED))
            for connection, _, _ in list(server.sockets):
                await connection.close()
            await live.until(lambda: live.in_state(ConnectionState.RECONNECTING))
            posts, notes = _burst(server, 3, 2, "missed")  # while no stream is open
            await live.until(
                lambda: (
                    {str(i) for i in _ids(live.posts())} >= set(posts)
                    and {str(i) for i in _ids(live.notifications())} >= set(notes)
                )
            )
    finally:
        await net.close()
    assert [p.content.text for p in live.posts()] == [f"missed {n}" for n in range(3)]


class HeaderLog:
    """A listener on another loopback port: it records every byte sent to it, answers 404."""

    def __init__(self) -> None:
        self.received = b""
        self.connections = 0

    async def start(self) -> int:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.connections += 1
            self.received += await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
            writer.close()

        self._server = await asyncio.start_server(serve, "127.0.0.1", 0)
        return self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self._server.close()
        await self._server.wait_closed()


async def test_a_hostile_streaming_url_on_another_loopback_port_gets_no_token(server):
    log = HeaderLog()
    port = await log.start()
    server.declared_streaming = f"ws://127.0.0.1:{port}"
    net = network_for(server)
    await net.open()
    try:
        assert Streamer(net).ws_url() == f"ws://127.0.0.1:{server.port}/api/v1/streaming"
        async with Live(net) as live:
            await live.until(lambda: live.in_state(ConnectionState.CONNECTED))
    finally:
        await net.close()
        await log.stop()
    assert log.connections == 0 and b"test-token" not in log.received


@pytest.mark.parametrize(
    ("base", "declared", "allowed"),
    [
        ("https://example.social", "wss://streaming.example.social", True),
        ("https://example.social", "wss://example.social:4000", True),
        ("https://example.social", "ws://streaming.example.social", False),
        ("https://example.social", "wss://example.social.evil.test", False),
        ("https://example.social", "wss://evil.test", False),
        ("https://example.social", "wss://127.0.0.1:4000", False),
        ("http://127.0.0.1:3000", "ws://127.0.0.1:3000", True),
        ("http://127.0.0.1:3000", "ws://127.0.0.1:4000", False),
        ("http://127.0.0.1:3000", "wss://127.0.0.1:4000", False),
        ("http://127.0.0.1:3000", "ws://localhost:3000", False),
        ("http://localhost:3000", "wss://localhost:4000", False),
    ],
)
def test_where_the_token_may_be_streamed(base, declared, allowed):
    assert token_may_go_to(httpx.URL(declared), httpx.URL(base)) is allowed


async def test_streaming_off_in_the_config_polls_only(server):
    from dataclasses import replace

    net = network_for(server)
    net = type(net)(
        replace(net.account, options={"streaming": False}), {"access_token": "test-token"}
    )
    await net.open()
    net.poll_interval = 0.2
    try:
        async with Live(net) as live:
            await live.until(lambda: live.in_state(ConnectionState.POLLING))
            assert "streaming off" in live.states[-1][1]
            posts, _ = _burst(server, 2, 0, "polled")
            await live.until(lambda: {str(i) for i in _ids(live.posts())} >= set(posts))
    finally:
        await net.close()
    assert not [r for r in server.received if r.path == "/api/v1/streaming"]
