"""`murmur lists` in a terminal, against the Mastodon contract server."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_cli_mastodon import login
from tests.cli.test_cli_nostr import in_terminal

pytestmark = pytest.mark.network


async def test_lists_are_made_filled_renamed_and_deleted_from_the_terminal(amurmur, server):
    name = await login(amurmur, server)

    code, out = await in_terminal("lists")
    assert code == 0, out
    friends = next(i for i, (_, t, _) in server.world.lists.items() if t == "Friends")
    assert f"[mastodon] {name}: Friends\n    list:{friends}\n" in out

    code, out = await in_terminal("lists", "create", "Neighbours")
    assert code == 0, out
    assert "created [mastodon]" in out and "Neighbours" in out
    made = next(i for i, (_, t, _) in server.world.lists.items() if t == "Neighbours")

    code, out = await in_terminal("lists", "add", "neighbours", "@carol@remote.example")
    assert code == 0, out
    assert "added Carol (@carol@remote.example) to Neighbours" in out
    carol = next(a.id for a in server.world.accounts.values() if a.username == "carol")
    assert server.world.lists[made][2] == {carol}

    code, out = await in_terminal("lists", "rename", made, "Near")
    assert code == 0, out
    assert server.world.lists[made][1] == "Near"

    listed = await amurmur("lists", "--json")
    rows = [json.loads(line) for line in listed.out.splitlines()]
    assert {"id": made, "title": "Near", "feed": f"list:{made}"}.items() <= rows[1].items()

    members = await amurmur("lists", "members", "Near", "--json")
    assert [json.loads(line)["handle"] for line in members.out.splitlines()] == [
        "carol@remote.example"
    ]

    code, out = await in_terminal("lists", "remove", "Near", "@carol@remote.example")
    assert code == 0, out
    assert server.world.lists[made][2] == set()

    code, out = await in_terminal("lists", "delete", "Near")
    assert code == 0, out
    assert made not in server.world.lists


async def test_an_unknown_list_is_a_usage_error_not_a_traceback(amurmur, server):
    await login(amurmur, server)
    code, out = await in_terminal("lists", "delete", "Nope")
    assert code == 2
    assert "no list 'Nope'" in out and "Traceback" not in out
