"""A Mastodon-API contract server: real HTTP and WebSocket on 127.0.0.1.

Modes: "mastodon" (full, with streaming on the server's own origin, as the instance declares),
"nostream" (the declared streaming URL answers 404) and "takahe" (the quirks captured from a real
Takahē server: reblog answers the original, bare `acct` only in verify_credentials, HTML error
pages, no streaming, no grouped notifications).

Every JSON body it sends is recorded with the schema component it claims to be, so the tests can
validate all of them against openapi-schema.json; every request it receives is checked against
the operation for its method and path (tests/mastodon/contract.py): a violation is answered 422
and recorded in `violations`. Test-only controls live under /_test/ (and `declared_streaming`,
`hooks` for in-process tests).

    python -m tests.mastodon.server --port N --mode mastodon   # prints "READY http://127.0.0.1:N"
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
from collections import defaultdict, deque
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Response as WsResponse

from tests.mastodon.contract import RequestChecker
from tests.mastodon.routes import Routes
from tests.mastodon.wire import Fault, Reply, Request, parse_body
from tests.mastodon.world import World

KNOWN_TOKEN = "test-token"
MAX_BODY = 8 << 20


class ContractServer:
    def __init__(self, mode: str = "mastodon", port: int = 0) -> None:
        if mode not in ("mastodon", "takahe", "nostream"):
            raise ValueError(f"unknown mode {mode!r}: expected mastodon, takahe or nostream")
        self.mode = mode
        self.port = port
        self.ws_port = 0
        self.sent: list[tuple[str, str, Any]] = []  # (path, schema, body) of every JSON reply
        self.received: list[Request] = []
        self.violations: list[str] = []  # requests that break the API's contract
        self.checker = RequestChecker()
        self.ignores_visibility = False  # publish everything public, as a server that knows less
        self.declared_streaming: str | None = None  # what the instance claims, if not the default
        # path → callbacks run when a request for it arrives, before it is answered
        self.hooks: dict[str, list[Any]] = defaultdict(list)
        self.faults: dict[str, deque[Fault]] = defaultdict(deque)
        self.sockets: list[tuple[ServerConnection, str, set[str]]] = []
        self.world: World
        self.routes: Routes
        self._http: asyncio.Server | None = None
        self._ws: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def streaming_url(self) -> str:
        if self.declared_streaming is not None:
            return self.declared_streaming
        if self.mode == "mastodon":
            return f"ws://127.0.0.1:{self.port}"  # upgrades on the HTTP port go to the stream
        if self.mode == "nostream":
            return f"ws://127.0.0.1:{self.port}"
        return ""

    async def start(self) -> None:
        self._http = await asyncio.start_server(self._serve_http, "127.0.0.1", self.port)
        self.port = self._http.sockets[0].getsockname()[1]
        if self.mode == "mastodon":
            self._ws = await serve(
                self._serve_ws, "127.0.0.1", 0, process_request=self._ws_handshake
            )
            self.ws_port = next(iter(self._ws.sockets)).getsockname()[1]
        self.world = World(self.mode, self.url)
        self.routes = Routes(self)
        self.routes.seed()

    async def stop(self) -> None:
        if self._ws is not None:
            self._ws.close()
            await self._ws.wait_closed()
        if self._http is not None:
            self._http.close()
            await self._http.wait_closed()

    # ----- faults (for error-path tests) ---------------------------------------------------------
    def fault(
        self,
        path: str,
        status: int,
        body: bytes | str = b"",
        *,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
        method: str | None = None,
        times: int = 1,
    ) -> None:
        payload = body.encode() if isinstance(body, str) else body
        self.faults[path].append(Fault(status, payload, content_type, headers or {}, method, times))

    def _take_fault(self, req: Request) -> Fault | None:
        queue = self.faults.get(req.path)
        if not queue:
            return None
        fault = queue[0]
        if fault.method and fault.method != req.method:
            return None
        fault.times -= 1
        if fault.times <= 0:
            queue.popleft()
        return fault

    # ----- HTTP ----------------------------------------------------------------------------------
    async def _serve_http(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                req = await self._read_request(reader)
                if req is None:
                    break
                if self._ws is not None and req.headers.get("upgrade", "").lower() == "websocket":
                    self.received.append(req)
                    await self._run_hooks(req)
                    await self._pass_to_stream(req, reader, writer)
                    break
                reply = await self._dispatch(req)
                self._write(writer, reply)
                await writer.drain()
                if req.headers.get("connection", "").lower() == "close":
                    break
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()

    async def _read_request(self, reader: asyncio.StreamReader) -> Request | None:
        line = await reader.readline()
        if not line.strip():
            return None
        words = line.decode("latin-1").rstrip("\r\n").split(" ")
        if len(words) != 3 or not words[0].isalpha() or not words[2].startswith("HTTP/"):
            # Not HTTP at all (a TLS handshake sent to this plain-http port): a real server
            # drops the connection; it is no request of the API's to check.
            raise ValueError("not an HTTP request")
        method, target, _ = words
        headers: dict[str, str] = {}
        head = line
        while (h := await reader.readline()) not in (b"\r\n", b"\n", b""):
            head += h
            name, _, value = h.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        head += b"\r\n"
        length = int(headers.get("content-length", "0"))
        if length > MAX_BODY:
            raise ValueError("body too large")
        body = await reader.readexactly(length) if length else b""
        parts = urlsplit(target)
        req = Request(
            method,
            parts.path,
            parse_qsl(parts.query, keep_blank_values=True),
            headers,
            body,
            head=head,
        )
        parse_body(req)
        return req

    async def _pass_to_stream(
        self, req: Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """Hand a WebSocket upgrade on the HTTP port to the streaming server, byte for byte."""
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.ws_port)
        up_writer.write(req.head)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except ConnectionError:
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    async def _run_hooks(self, req: Request) -> None:
        for hook in list(self.hooks.get(req.path, ())):
            await hook(req)

    async def _dispatch(self, req: Request) -> Reply:
        self.received.append(req)
        await self._run_hooks(req)
        # Files (media) are not API operations: only API calls are checked against the spec.
        api = not req.path.startswith(("/_test/", "/media/"))
        if api and req.headers.get("upgrade") is None:
            violations = self.checker.check(req)
            if violations:
                self.violations += violations
                return Reply(422, {"error": "; ".join(violations)}, "Error")
        fault = self._take_fault(req)
        if fault is not None:
            return Reply(
                fault.status, raw=fault.body, content_type=fault.content_type, headers=fault.headers
            )
        reply = await self.routes.handle(req)
        if reply.status >= 400 and self.mode == "takahe" and reply.raw is None:
            # Takahē answers errors with an HTML page, whatever the client asked for.
            page = f"<!DOCTYPE html><html><body><h1>Error {reply.status}</h1></body></html>"
            return Reply(reply.status, raw=page.encode(), content_type="text/html; charset=utf-8")
        if reply.raw is None and reply.schema is not None:
            self.sent.append((req.path, reply.schema, reply.body))
        return reply

    def _write(self, writer: asyncio.StreamWriter, reply: Reply) -> None:
        payload = reply.raw if reply.raw is not None else json.dumps(reply.body).encode()
        head = [f"HTTP/1.1 {reply.status} X", f"Content-Type: {reply.content_type}"]
        head += [f"{k}: {v}" for k, v in reply.headers.items()]
        head.append(f"Content-Length: {len(payload)}")
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + payload)

    def link_header(self, path: str, params: list[tuple[str, str]], items: list[Any]) -> str:
        if not items:
            return ""
        base = [(k, v) for k, v in params if k not in ("max_id", "min_id", "since_id")]
        first, last = items[0]["id"], items[-1]["id"]
        nxt = f"{self.url}{path}?{urlencode([*base, ('max_id', last)])}"
        prev = f"{self.url}{path}?{urlencode([*base, ('min_id', first)])}"
        return f'<{nxt}>; rel="next", <{prev}>; rel="prev"'

    # ----- WebSocket streaming -------------------------------------------------------------------
    def _ws_handshake(self, connection: ServerConnection, request: Any) -> WsResponse | None:
        parts = urlsplit(request.path)
        if parts.path != "/api/v1/streaming":
            return connection.respond(404, "Not Found\n")
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        token = token or dict(parse_qsl(parts.query)).get("access_token", "")
        if token not in self.world.tokens:
            return WsResponse(401, "Unauthorized", Headers({"Content-Length": "0"}), b"")
        connection.account = self.world.tokens[token]  # type: ignore[attr-defined]
        return None

    async def _serve_ws(self, connection: ServerConnection) -> None:
        entry = (connection, connection.account, set())  # type: ignore[attr-defined]
        self.sockets.append(entry)
        try:
            async for message in connection:
                with contextlib.suppress(ValueError, AttributeError):
                    data = json.loads(message)
                    stream = data.get("stream", "")
                    if stream in ("hashtag", "hashtag:local"):
                        stream = f"{stream}:{data.get('tag', '').lower()}"
                    elif stream == "list":
                        stream = f"list:{data.get('list', '')}"
                    if data.get("type") == "subscribe":
                        entry[2].add(stream)
                    elif data.get("type") == "unsubscribe":
                        entry[2].discard(stream)
        finally:
            self.sockets.remove(entry)

    def subscribers(self) -> list[tuple[str, set[str]]]:
        return [(account, streams) for _, account, streams in self.sockets]

    async def push(
        self, account: str, stream: list[str], event: str, payload: Any, schema: str
    ) -> None:
        """Send one streaming event to every socket of `account` subscribed to `stream[0]`."""
        key = stream[0] if len(stream) == 1 else f"{stream[0]}:{stream[1]}"
        if schema:
            self.sent.append(("streaming", schema, payload))
        body = payload if isinstance(payload, str) else json.dumps(payload)
        message = json.dumps({"stream": stream, "event": event, "payload": body})
        for connection, who, streams in list(self.sockets):
            if who == account and key in streams:
                with contextlib.suppress(Exception):
                    await connection.send(message)


async def _main(port: int, mode: str) -> None:
    server = ContractServer(mode, port)
    await server.start()
    print(f"READY {server.url}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--mode", default="mastodon", choices=["mastodon", "takahe", "nostream"])
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main(args.port, args.mode))


if __name__ == "__main__":
    main()
