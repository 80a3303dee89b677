"""Exporting a Mastodon account against the contract server (every response schema-checked)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.export.helpers import jsonl, mastodon_import, session_of
from tests.mastodon.conftest import network_for
from tests.mastodon.world import Media
from tui.export import export_accounts

pytestmark = pytest.mark.network

EXTRA_STATUSES = 90  # alice's statuses span several pages of 40


def seed(server) -> dict[str, str]:
    w, routes = server.world, server.routes
    alice, bob, carol = (w.by_username(n) for n in ("alice", "bob", "carol@remote.example"))
    for n in range(EXTRA_STATUSES):
        routes.make_status(alice.id, f"note {n}")
    media = Media(w.new_id(), alice.id, "cat.png", "A cat asleep on a keyboard", 10, ready=True)
    w.media[media.id] = media
    routes.make_status(alice.id, "look", media=[media.id])
    routes.make_status(alice.id, "", reblog_of=routes.make_status(bob.id, "boost me").id)
    w.follow_options[(alice.id, bob.id)] = {
        "showing_reblogs": False,
        "notifying": True,
        "languages": ["en", "de"],
    }
    return {"alice": alice.id, "bob": bob.id, "carol": carol.id, "media": media.id}


async def export_alice(server, tmp_path: Path, **options):
    net = network_for(server)
    session = session_of(net)
    try:
        lines: list[tuple[str, str]] = []
        results = await export_accounts(
            session,
            tmp_path / "out",
            [net.account.name],
            progress=lambda a, line: lines.append((a, line)),
            **options,
        )
    finally:
        await session.close_all()
    result = results[net.account.name]
    assert result.ok, result.error
    return result.folder, lines


async def test_statuses_are_all_there_with_media_and_alt_text(server, tmp_path):
    ids = seed(server)
    folder, lines = await export_alice(server, tmp_path)

    statuses = jsonl(folder / "statuses.jsonl")
    mine = {s.id for s in server.world.statuses.values() if s.account == ids["alice"]}
    assert [s["id"] for s in statuses].count(statuses[0]["id"]) == 1
    assert {s["id"] for s in statuses} == mine
    assert len(statuses) == len(mine)
    with_media = next(s for s in statuses if s["media_attachments"])
    attachment = with_media["media_attachments"][0]
    assert attachment["description"] == "A cat asleep on a keyboard"
    assert attachment["url"].endswith(f"/media/{ids['media']}/cat.png")
    assert any("statuses: 3 pages" in line for _, line in lines)

    posts = jsonl(folder / "posts.jsonl")
    assert [p["created_at"] for p in posts] == sorted(p["created_at"] for p in posts)
    assert len(posts) == len(mine) - 1  # the boost is not a post of mine
    assert all(p["repost_of"] is None for p in posts)
    assert {p["server_id"] for p in posts} <= mine
    look = next(p for p in posts if p["text"] == "look")
    assert look["url"] == f"{server.url}/@alice/{look['server_id']}"
    assert look["media"] == [
        {"kind": "image", "url": attachment["url"], "alt": "A cat asleep on a keyboard"}
    ]

    bookmarks = jsonl(folder / "bookmarks.jsonl")
    assert {b["id"] for b in bookmarks} == server.world.bookmarks[ids["alice"]]
    favourites = jsonl(folder / "favourites.jsonl")
    assert {f["id"] for f in favourites} == server.world.favourites[ids["alice"]]


async def test_csv_files_are_what_mastodons_importer_reads(server, tmp_path):
    seed(server)
    net = network_for(server)
    await net.open()
    await net.block("carol@remote.example")
    await net.mute("bob")
    await net.close()
    folder, _ = await export_alice(server, tmp_path)

    following_text = (folder / "following_accounts.csv").read_text()
    assert following_text.splitlines()[0] == (
        "Account address,Show boosts,Notify on new posts,Languages"
    )
    following = mastodon_import(following_text, "following")
    assert sorted(following, key=lambda r: r["Account address"]) == [
        {
            "Account address": "bob@murmur.test",
            "Show boosts": False,
            "Notify on new posts": True,
            "Languages": ["en", "de"],
        },
        {
            "Account address": "carol@remote.example",
            "Show boosts": True,
            "Notify on new posts": False,
            "Languages": None,
        },
    ]
    lists_text = (folder / "lists.csv").read_text()
    assert mastodon_import(lists_text, "lists") == [
        {"List name": "Friends", "Account address": "bob@murmur.test"}
    ]
    assert lists_text == "Friends,bob@murmur.test\n"  # no header row, as Mastodon exports it
    blocked_text = (folder / "blocked_accounts.csv").read_text()
    assert blocked_text == "carol@remote.example\n"
    assert mastodon_import(blocked_text, "blocking") == [
        {"Account address": "carol@remote.example"}
    ]
    muted_text = (folder / "muted_accounts.csv").read_text()
    assert muted_text.splitlines()[0] == "Account address,Hide notifications"
    assert mastodon_import(muted_text, "muting") == [
        {"Account address": "bob@murmur.test", "Hide notifications": True}
    ]

    readme = (folder / "README.txt").read_text()
    for name in (
        "posts.jsonl",
        "statuses.jsonl",
        "bookmarks.jsonl",
        "favourites.jsonl",
        "following_accounts.csv",
        "lists.csv",
        "blocked_accounts.csv",
        "muted_accounts.csv",
    ):
        assert f"  {name} " in readme
    assert "access token is not exported" in readme
    assert "test-token" not in "".join(p.read_text() for p in folder.iterdir())


async def test_media_are_downloaded_with_media_and_a_lost_one_is_said(server, tmp_path):
    ids = seed(server)
    w = server.world
    lost = Media(w.new_id(), ids["alice"], "lost.png", "gone", 10, ready=True)
    w.media[lost.id] = lost
    server.routes.make_status(ids["alice"], "lost", media=[lost.id])
    server.fault(f"/media/{lost.id}/lost.png", 404, '{"error": "Not found"}')
    folder, lines = await export_alice(server, tmp_path, media=True)
    files = list((folder / "media").iterdir())
    assert [f.name for f in files] == [f"{ids['media']}.png"]
    assert files[0].read_bytes().startswith(b"\x89PNG")
    assert any(f"could not download {lost.id}" in line for _, line in lines)
    readme = (folder / "README.txt").read_text()
    assert "1 could not be downloaded" in readme
