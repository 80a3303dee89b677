"""`murmur profile WHO [--json]` against the Mastodon contract server, run in a real terminal:
names, counts, fields with the verified link's domain, and hostile field text made harmless."""

from __future__ import annotations

import json
import re

import pytest

from tests import support
from tests.cli.test_cli_mastodon import login
from tests.cli.test_cli_nostr import in_terminal

pytestmark = pytest.mark.network

CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def dress_bob(server) -> None:
    bob = server.world.by_username("bob")
    hostile = [*support.hostile_strings(), *support.hostile_html()]
    bob.fields = [
        ("Home", '<a href="https://bob.example/me" rel="me">bob.example/me</a>'),
        *((name[:40], value) for name, value in hostile),
    ]
    bob.verified = {"Home": "2026-01-02T03:04:05.000+00:00"}


async def test_profile_prints_counts_fields_and_verified_domain(amurmur, server):
    await login(amurmur, server)
    dress_bob(server)
    code, out = await in_terminal("profile", "bob")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].startswith("Bob Builder (@bob@")
    assert re.fullmatch(r"\d+ posts · 1 following · 1 followers", lines[1])
    assert "Home: bob.example/me  ✓ bob.example" in lines
    # Hostile names and values arrive as text: no escape sequence or control character at all.
    assert CONTROL.search(out) is None, repr(CONTROL.search(out))


async def test_profile_json_has_fields_counts_and_verification(amurmur, server):
    await login(amurmur, server)
    dress_bob(server)
    result = await amurmur("profile", "@bob", "--json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["author"]["handle"].startswith("bob@")
    assert doc["counts"]["following"] == 1 and doc["counts"]["followers"] == 1
    assert doc["counts"]["posts"] >= 1
    home = doc["fields"][0]
    assert home == {
        "name": "Home",
        "value": "bob.example/me",
        "verified": True,
        "verified_at": "2026-01-02T03:04:05Z",
        "domain": "bob.example",
    }
    assert doc["verification"] == [
        {
            "method": "link",
            "state": "verified",
            "claim": "bob.example",
            "text": "link verified ✓ bob.example",
        }
    ]
    assert doc["relationship"]["followed_by"] is True


async def test_profile_of_nobody_is_a_sentence_not_a_traceback(amurmur, server):
    await login(amurmur, server)
    result = await amurmur("profile", "nobody-here")
    assert result.code != 0
    assert "Traceback" not in result.err and result.err.strip()
