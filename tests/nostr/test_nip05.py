"""NIP-05 identification against a real local HTTP server."""

from __future__ import annotations

import asyncio
import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tui.model import Account, NetworkKind
from tui.networks.base import NotFound
from tui.networks.nostr import nip05
from tui.networks.nostr.network import NostrNetwork
from tui.networks.nostr.event import sign
from tests.nostr.conftest import raw_publish
from tui.networks.nostr.keys import Keys

pytestmark = pytest.mark.network  # a local HTTP server and relay

BOB = Keys.generate()


NIP11 = {"name": "test relay", "supported_nips": [1, 11, 50]}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.startswith(("/nip11-zipped", "/.well-known/nostr.json?name=zipped")):
            doc = NIP11 if self.path.startswith("/nip11") else {"names": {"zipped": BOB.public_hex}}
            body = gzip.compress(json.dumps(doc).encode())
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Encoding", "gzip")
            self.end_headers()
            self.wfile.write(body)
            return
        if self.path == "/nip11-moved":
            self.send_response(301)
            self.send_header("Location", "/nip11")
            self.end_headers()
            return
        if self.path == "/nip11":
            body = json.dumps(NIP11).encode()
        elif self.path == "/nip11-huge":
            body = json.dumps({**NIP11, "description": "x" * 100_000}).encode()
        elif self.path.startswith("/.well-known/nostr.json?name=bob"):
            body = json.dumps({"names": {"bob": BOB.public_hex}}).encode()
        elif self.path.startswith("/.well-known/nostr.json?name=huge"):
            body = json.dumps({"names": {"huge": BOB.public_hex}, "pad": "x" * 200_000}).encode()
        elif self.path.startswith("/.well-known/nostr.json?name=moved"):
            self.send_response(302)
            self.send_header("Location", "/.well-known/nostr.json?name=bob")
            self.end_headers()
            return
        else:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def domain():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()


async def test_nip05_verifies_refuses_private_redirects_and_huge(domain):
    async def check(name: str, pubkey: str = BOB.public_hex, allow_private: bool = True) -> bool:
        ident = f"{name}@{domain}"
        return await nip05.verify(ident, pubkey, allow_private=allow_private, scheme="http")

    assert await check("bob")
    assert not await check("bob", "cd" * 32)
    assert not await check("bob", allow_private=False)  # loopback is refused outside tests
    assert not await check("moved")  # no redirects
    assert not await check("huge")  # size cap
    assert nip05.split("Bob@Example.com") == ("bob", "example.com")
    assert nip05.split("example.com") == ("_", "example.com")
    assert nip05.split("b o b@example.com") is None


async def test_profile_shows_verified_nip05_as_handle(domain, local_relay):
    profile = {"name": "bob", "about": "hi \u202eevil", "nip05": f"bob@{domain}"}
    await raw_publish(local_relay.url, sign(BOB, 0, json.dumps(profile)))
    me = Keys.generate()
    relays = {"relays": [local_relay.url]}
    account = Account("me", NetworkKind.NOSTR, handle=me.npub, options=relays)
    net = NostrNetwork(account, {"nsec": me.nsec})
    net.nip05_allow_private, net.nip05_scheme = True, "http"
    await net.open()
    try:
        prof = await net.profile(BOB.npub)
        assert prof.author.handle == f"bob@{domain}"
        assert prof.author.verified_domain == domain
        assert "\u202e" not in prof.bio.text
        assert prof.relationship is not None and not prof.relationship.following
        # Once verified, replies to Bob and mentions of him use that identifier.
        note = sign(BOB, 1, "hello")
        carol = Keys.generate()
        reply = sign(carol, 1, f"hi nostr:{BOB.npub}", [["e", note.id, "", "root"]])
        await raw_publish(local_relay.url, note, reply)
        post = await net.post("nostr:" + reply.id)
        assert post.reply_to_author == f"bob@{domain}"
        assert post.content.text == f"hi @bob@{domain}"
    finally:
        await net.close()


async def test_special_use_domains_are_never_looked_up(monkeypatch):
    looked_up: list[str] = []

    async def spy(self, host, *args, **kw):
        looked_up.append(host)
        raise OSError("should not resolve")

    monkeypatch.setattr(type(asyncio.get_running_loop()), "getaddrinfo", spy)
    for ident in ("ana@neighbours.localhost", "bob@relay.test", "x@example", "y@host.onion"):
        assert await nip05.verify(ident, "00" * 32) is False
    assert looked_up == []


async def test_profile_accepts_author_uid_hex_npub_nprofile_and_nip05(domain, local_relay):
    """The profile screen asks by author uid (`nostr:<hex>`); people type npubs and names."""
    from tui.model import FeedKind, FeedRef
    from tui.networks.nostr import nip19

    profile = {"name": "bob", "display_name": "Bob", "nip05": f"bob@{domain}"}
    await raw_publish(local_relay.url, sign(BOB, 0, json.dumps(profile)), sign(BOB, 1, "hi"))
    me = Keys.generate()
    relays = {"relays": [local_relay.url]}
    account = Account("me", NetworkKind.NOSTR, handle=me.npub, options=relays)
    net = NostrNetwork(account, {"nsec": me.nsec})
    net.nip05_allow_private, net.nip05_scheme = True, "http"
    await net.open()
    try:
        post = (await net.timeline(FeedRef(FeedKind.USER, BOB.npub))).items[0]
        forms = [
            post.author.uid,
            BOB.public_hex,
            BOB.npub,
            "nostr:" + BOB.npub,
            nip19.nprofile(BOB.public_hex),
            f"bob@{domain}",
            f"@bob@{domain}",
        ]
        for who in forms:
            prof = await net.profile(who)
            assert prof.author.uid == "nostr:" + BOB.public_hex, who
            assert prof.author.display_name == "Bob", who
        rel = await net.follow(f"bob@{domain}")
        assert rel.following and BOB.public_hex in net.follows
        with pytest.raises(NotFound):
            await net.profile(f"nobody@{domain}")
        with pytest.raises(NotFound):
            await net.profile("not a key")
    finally:
        await net.close()


async def test_nip05_resolve_returns_the_listed_key_only(domain):
    found = await nip05.resolve(f"bob@{domain}", allow_private=True, scheme="http")
    assert found == BOB.public_hex
    assert await nip05.resolve(f"moved@{domain}", allow_private=True, scheme="http") is None
    assert await nip05.resolve(f"huge@{domain}", allow_private=True, scheme="http") is None
    assert await nip05.resolve(f"bob@{domain}", scheme="http") is None  # loopback refused


async def test_compressed_nip05_answers_are_refused(domain):
    assert await nip05.resolve(f"zipped@{domain}", allow_private=True, scheme="http") is None


async def test_nip11_is_fetched_without_redirects_compression_or_excess():
    """NIP-11 goes through the same guarded fetch (the shared Http factory) as NIP-05."""
    from tui.networks.nostr.relay import fetch_info

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"ws://127.0.0.1:{server.server_address[1]}"
    try:
        info = await fetch_info(base + "/nip11")
        assert info is not None and info.name == "test relay" and 50 in info.supported_nips
        for refused in ("/nip11-moved", "/nip11-huge", "/nip11-zipped", "/nowhere"):
            assert await fetch_info(base + refused) is None, refused
        # Plain http to a public host is never contacted (the shared factory's rule).
        assert await fetch_info("ws://relay.example.com") is None
    finally:
        server.shutdown()
