"""Nostr profiles against a real relay and a real local NIP-05 server: verified / failed / no
NIP-05, the NIP-51 pin list first, and the posts / replies / media tabs filtered here."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.nostr.conftest import raw_publish
from tui.model import Account, NetworkKind, ProfileTab, VerificationState
from tui.networks.nostr.event import sign
from tui.networks.nostr.keys import Keys
from tui.networks.nostr.network import NostrNetwork

pytestmark = pytest.mark.network  # a local HTTP server and relay

BOB = Keys.generate()
MALLORY = Keys.generate()
CAROL = Keys.generate()
asked: list[str] = []


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        asked.append(self.path)
        # Bob is listed under his key; "mallory" is listed under Bob's key, not hers.
        body = json.dumps({"names": {"bob": BOB.public_hex, "mallory": BOB.public_hex}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def domain():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()


async def opened(relay_url: str) -> NostrNetwork:
    me = Keys.generate()
    account = Account("me", NetworkKind.NOSTR, handle=me.npub, options={"relays": [relay_url]})
    net = NostrNetwork(account, {"nsec": me.nsec})
    net.nip05_allow_private, net.nip05_scheme = True, "http"
    await net.open()
    return net


async def test_nip05_is_verified_failed_or_absent_and_checked_on_opening(domain, local_relay):
    await raw_publish(
        local_relay.url,
        sign(BOB, 0, json.dumps({"name": "bob", "nip05": f"bob@{domain}"})),
        sign(MALLORY, 0, json.dumps({"name": "mallory", "nip05": f"mallory@{domain}"})),
        sign(CAROL, 0, json.dumps({"name": "carol", "website": "https://carol.example"})),
    )
    net = await opened(local_relay.url)
    try:
        asked.clear()
        bob = await net.profile(BOB.npub)
        assert [v.state for v in bob.verification] == [VerificationState.VERIFIED]
        assert bob.verification[0].text == f"NIP-05 verified ✓ bob@{domain}"
        assert asked == ["/.well-known/nostr.json?name=bob"]  # looked up when opened
        mallory = await net.profile(MALLORY.npub)
        assert [v.state for v in mallory.verification] == [VerificationState.FAILED]
        assert mallory.author.verified_domain == ""
        assert mallory.verification[0].text == (
            f"NIP-05 not verified: {domain} does not confirm mallory@{domain}"
        )
        carol = await net.profile(CAROL.npub)
        assert [v.state for v in carol.verification] == [VerificationState.NONE]
        assert [(f.name, f.value.text) for f in carol.fields] == [
            ("website", "https://carol.example")
        ]
    finally:
        await net.close()


async def test_pinned_notes_first_then_tabs_filter_replies_and_media(local_relay):
    old = sign(BOB, 1, "my pinned intro", created_at=1_700_000_000)
    plain = sign(BOB, 1, "just words", created_at=1_700_000_100)
    other = sign(CAROL, 1, "carol's note", created_at=1_700_000_150)
    reply = sign(BOB, 1, "a reply", [["e", other.id, "", "root"]], created_at=1_700_000_200)
    url = "https://img.example/cat.jpg"
    picture = sign(
        BOB, 1, f"look {url}", [["imeta", f"url {url}", "m image/jpeg"]], created_at=1_700_000_300
    )
    # The pin list names Bob's intro and Carol's note: only Bob's own note is his pinned post.
    pins = sign(BOB, 10001, "", [["e", old.id], ["e", other.id]], created_at=1_700_000_400)
    await raw_publish(local_relay.url, old, plain, other, reply, picture, pins)
    net = await opened(local_relay.url)
    try:

        async def texts(tab: ProfileTab) -> list[str]:
            page = await net.author_feed(BOB.npub, tab)
            return [
                ("pinned " if p.ref.get("pinned") == "1" else "") + p.content.text
                for p in page.items
            ]

        assert await texts(ProfileTab.POSTS) == [
            "pinned my pinned intro",
            f"look {url}",
            "just words",
        ]
        assert await texts(ProfileTab.REPLIES) == [
            f"look {url}",
            "a reply",
            "just words",
            "my pinned intro",
        ]
        assert await texts(ProfileTab.MEDIA) == [f"look {url}"]
    finally:
        await net.close()
