"""A hostile HTTP server of ours on 127.0.0.1, for Mastodon-API and Bluesky XRPC clients.

One `HostileServer` opens two ports: `url` (the account's own origin) and `other_url` (a second
origin that redirects point to). Tests switch `mode` between a well-behaved answer ("normal") and
hostile ones. Every request received on either port is logged with all its headers, so tests can
assert that the token never reached the other port.

Stdlib only (threading): the server runs beside the client's event loop, in the same process, so
memory measured with tracemalloc in the test process includes ours (we stream what we send in
small chunks, so that stays small).
"""

from __future__ import annotations

import json
import threading
import time
import zlib
from dataclasses import dataclass
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# What hostile modes send; all far above the client's caps.
OVERSIZE_BYTES = 200 * 1024 * 1024
BOMB_BYTES = 1024 * 1024 * 1024
DEEP_LEVELS = 200_000
CHUNK = 64 * 1024
# A trickling answer never lasts longer than this (the loop is bounded).
TRICKLE_SECONDS = 90.0
TRICKLE_EVERY = 0.25
NOW = "2025-01-02T03:04:05.000Z"

MODES = (
    "normal",
    "oversize",  # 200 MB, Content-Length declared
    "oversize_undeclared",  # 200 MB, no Content-Length: ends when the connection closes
    "bomb",  # gzip that expands to 1 GiB
    "deep",  # JSON nested 200 000 levels deep
    "trickle",  # headers, then one byte every 0.25 s
    "silent",  # reads the request, never answers
    "redirect",  # 307 to the same path on the other port
    "redirect_302",  # 302 to the same path on the other port
    "html_error",  # `error_status` with an HTML page, to requests that carry a token
    "text_error",  # `error_status` with a short plain-text message, likewise
    "shape",  # 200 with `shape` as the JSON body, whatever the path
)


@dataclass
class Seen:
    port: int
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@cache
def gzip_bomb() -> bytes:
    """A gzip body that inflates to BOMB_BYTES of spaces (about 1 MB on the wire)."""
    z = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b" " * (1024 * 1024)
    out = [z.compress(b"[")]
    out += [z.compress(block) for _ in range(BOMB_BYTES // len(block))]
    out.append(z.flush())
    return b"".join(out)


def account_json(port: int) -> dict[str, Any]:
    return {
        "id": "1",
        "username": "alice",
        "acct": "alice",
        "display_name": "Alice",
        "url": f"http://127.0.0.1:{port}/@alice",
        "avatar": "",
        "created_at": NOW,
        "note": "",
        "locked": False,
        "bot": False,
        "followers_count": 0,
        "following_count": 0,
        "statuses_count": 1,
    }


def status_json(port: int, status_id: str = "100") -> dict[str, Any]:
    return {
        "id": status_id,
        "uri": f"http://127.0.0.1:{port}/users/alice/statuses/{status_id}",
        "url": f"http://127.0.0.1:{port}/@alice/{status_id}",
        "created_at": NOW,
        "account": account_json(port),
        "content": "<p>hello</p>",
        "visibility": "public",
        "sensitive": False,
        "spoiler_text": "",
        "media_attachments": [],
        "mentions": [],
        "tags": [],
        "emojis": [],
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": 0,
    }


DID = "did:plc:hostilehostilehostile0"


def normal_answer(port: int, method: str, path: str) -> tuple[int, Any]:
    """What a well-behaved server answers (just enough for open/timeline/notifications/post)."""
    route = path.split("?")[0]
    mastodon: dict[str, Any] = {
        "/api/v2/instance": {"domain": "127.0.0.1", "title": "hostile", "version": "4.3.0"},
        "/api/v1/accounts/verify_credentials": account_json(port),
        "/api/v1/timelines/home": [status_json(port)],
        "/api/v1/notifications": [],
        "/api/v2/notifications": {"accounts": [], "statuses": [], "notification_groups": []},
        "/api/v1/statuses": status_json(port, "101"),
    }
    if route in mastodon:
        return 200, mastodon[route]
    profile = {"did": DID, "handle": "alice.test", "displayName": "Alice"}
    xrpc: dict[str, Any] = {
        "app.bsky.actor.getPreferences": {"preferences": []},
        "app.bsky.actor.getProfile": profile,
        "app.bsky.feed.getTimeline": {"feed": []},
        "app.bsky.notification.listNotifications": {"notifications": []},
        "app.bsky.feed.getPosts": {"posts": []},
        "com.atproto.repo.createRecord": {
            "uri": f"at://{DID}/app.bsky.feed.post/3kabcdefghij2",
            "cid": "bafyreib2rxk3rh6kzwq",
        },
    }
    nsid = route.removeprefix("/xrpc/")
    if nsid.startswith("chat.bsky."):
        # What the reference PDS answers when it cannot reach a chat service.
        return 400, {"error": "InvalidRequest", "message": "could not resolve proxy did"}
    if nsid in xrpc:
        return 200, xrpc[nsid]
    return 404, {"error": "Record not found"}


class HostileServer:
    def __init__(self) -> None:
        self.mode = "normal"
        self.error_status = 401
        self.error_body = ""
        self.shape: Any = None
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._servers: list[ThreadingHTTPServer] = []
        self._threads: list[threading.Thread] = []
        self.port = 0
        self.other_port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def other_url(self) -> str:
        return f"http://127.0.0.1:{self.other_port}"

    def seen_on(self, port: int) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.port == port]

    def start(self) -> None:
        for _ in range(2):
            httpd = _Server(("127.0.0.1", 0), _Handler)
            httpd.daemon_threads = True
            httpd.hostile = self  # type: ignore[attr-defined]
            thread = threading.Thread(target=httpd.serve_forever, args=(0.1,), daemon=True)
            thread.start()
            self._servers.append(httpd)
            self._threads.append(thread)
        self.port = self._servers[0].server_address[1]
        self.other_port = self._servers[1].server_address[1]

    def stop(self) -> None:
        self._stop.set()
        for httpd in self._servers:
            httpd.shutdown()
            httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=10)

    def log(self, seen: Seen) -> None:
        with self._lock:
            self.seen.append(seen)


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up on a hostile answer is what we expect, not an error to print.
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    @property
    def hostile(self) -> HostileServer:
        return self.server.hostile  # type: ignore[attr-defined]

    def _serve(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(min(length, 10 * 1024 * 1024)) if length else b""
        port = self.server.server_address[1]
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.hostile.log(Seen(port, self.command, self.path, headers, body))
        try:
            if port == self.hostile.other_port:
                self._json(*normal_answer(port, "GET", self.path))
            else:
                self._answer(port)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _answer(self, port: int) -> None:
        h = self.hostile
        mode = h.mode
        if mode in ("html_error", "text_error") and "authorization" not in self.headers:
            mode = "normal"  # a revoked token: what needs no token still works
        if mode == "normal":
            self._json(*normal_answer(port, self.command, self.path))
        elif mode == "oversize":
            self._stream(OVERSIZE_BYTES, declared=True)
        elif mode == "oversize_undeclared":
            self._stream(OVERSIZE_BYTES, declared=False)
        elif mode == "bomb":
            payload = gzip_bomb()
            self._head(200, "application/json", len(payload), {"Content-Encoding": "gzip"})
            for i in range(0, len(payload), CHUNK):
                self.wfile.write(payload[i : i + CHUNK])
        elif mode == "deep":
            payload = b"[" * DEEP_LEVELS + b"]" * DEEP_LEVELS
            self._head(200, "application/json", len(payload))
            self.wfile.write(payload)
        elif mode == "trickle":
            self._head(200, "application/json", 1_000_000)
            self.wfile.write(b"[")
            self.wfile.flush()
            ends = time.monotonic() + TRICKLE_SECONDS
            while time.monotonic() < ends and not h._stop.wait(TRICKLE_EVERY):
                self.wfile.write(b" ")
                self.wfile.flush()
            self.close_connection = True
        elif mode == "silent":
            h._stop.wait(TRICKLE_SECONDS)
            self.close_connection = True
        elif mode in ("redirect", "redirect_302"):
            status = 307 if mode == "redirect" else 302
            self._head(status, "text/plain", 0, {"Location": h.other_url + self.path})
        elif mode == "html_error":
            page = h.error_body or (
                "<!DOCTYPE html><html><head><title>Unauthorized</title></head>"
                "<body><h1>Invalid access token</h1><script>alert(1)</script></body></html>"
            )
            self._raw(h.error_status, "text/html; charset=utf-8", page.encode())
        elif mode == "text_error":
            message = h.error_body or "The access token is invalid"
            self._raw(h.error_status, "text/plain; charset=utf-8", message.encode())
        elif mode == "shape":
            self._json(200, h.shape)
        else:  # pragma: no cover - a typo in a test
            raise AssertionError(f"unknown mode {mode}")

    def _head(
        self, status: int, ctype: str, length: int | None, extra: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if length is not None:
            self.send_header("Content-Length", str(length))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()

    def _raw(self, status: int, ctype: str, payload: bytes) -> None:
        self._head(status, ctype, len(payload))
        self.wfile.write(payload)

    def _json(self, status: int, body: Any) -> None:
        self._raw(status, "application/json", json.dumps(body).encode())

    def _stream(self, size: int, *, declared: bool) -> None:
        self._head(200, "application/json", size if declared else None)
        block = b"[" + b" " * (CHUNK - 1)
        sent = 0
        while sent < size and not self.hostile._stop.is_set():
            self.wfile.write(block)
            sent += len(block)
            block = b" " * CHUNK
        self.close_connection = True


__all__ = ["HostileServer", "Seen"]
