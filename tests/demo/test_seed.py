"""What a Nostr client sees on the demo relay right after `murmur demo` starts."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.demo.helpers import fetch, tags, verify_with_coincurve, verify_with_nostr_sdk
from tui.demo import Demo
from tui.demo.community import DATA_FILE, load_data
from tui.networks.nostr.keys import Keys

pytestmark = [pytest.mark.network, pytest.mark.asyncio(loop_scope="module")]

DATA_PATH = Path(__file__).resolve().parents[2] / "tui" / "data" / DATA_FILE


async def everything(demo: Demo) -> list[dict]:
    return await fetch(demo.relay_url, {"limit": 5000})


async def test_the_data_file_stays_small() -> None:
    assert DATA_PATH.stat().st_size < 60_000


async def test_about_ten_neighbours_have_profiles_in_several_scripts(demo: Demo, user: Keys):
    profiles = await fetch(demo.relay_url, {"kinds": [0]})
    neighbours = [json.loads(p["content"]) for p in profiles if p["pubkey"] != user.public_hex]
    assert 8 <= len(neighbours) <= 14
    names = " ".join(n["display_name"] for n in neighbours)
    for script, sample in [
        ("Japanese", "藍子"),
        ("Cyrillic", "Юлия"),
        ("Arabic", "فاطمة"),
        ("Devanagari", "प्रिया"),
        ("Hangul", "김민준"),
        ("Greek", "Ελένη"),
    ]:
        assert sample in names, script
    for n in neighbours:
        assert n["about"] and n["name"]
        local, _, domain = n["nip05"].partition("@")
        assert local == n["name"] and domain.endswith(".localhost")
    assert any(n.get("bot") for n in neighbours)


async def test_the_user_follows_the_neighbours_and_they_follow_each_other(demo: Demo, user: Keys):
    lists = {e["pubkey"]: e for e in await fetch(demo.relay_url, {"kinds": [3]})}
    neighbours = set(lists) - {user.public_hex}
    followed = {t[1] for t in tags(lists[user.public_hex], "p")}
    assert followed == neighbours
    mutual = [pk for pk in neighbours if {t[1] for t in tags(lists[pk], "p")} & neighbours]
    assert len(mutual) >= len(neighbours) - 1  # all but the bot follow someone
    followers = [pk for pk in neighbours if user.public_hex in {t[1] for t in tags(lists[pk], "p")}]
    assert followers


async def test_everyone_lists_the_demo_relay_nip65(demo: Demo):
    relay_lists = await fetch(demo.relay_url, {"kinds": [10002]})
    assert len(relay_lists) >= 10
    for event in relay_lists:
        assert tags(event, "r") == [["r", demo.relay_url]]


async def test_a_few_hundred_notes_spread_over_the_last_days(demo: Demo):
    notes = await fetch(demo.relay_url, {"kinds": [1], "limit": 5000})
    assert 200 <= len(notes) <= 600
    now = time.time()
    times = [n["created_at"] for n in notes]
    assert max(times) < now
    assert now - min(times) > 2 * 86400
    assert len({n["content"] for n in notes}) > 0.9 * len(notes)  # variety, not copies


async def test_every_event_has_a_valid_signature_by_two_implementations(demo: Demo):
    events = await everything(demo)
    assert len(events) > 400
    kinds = Counter(e["kind"] for e in events)
    assert {0, 1, 3, 6, 7, 10002} <= set(kinds)
    assert all(verify_with_coincurve(e) for e in events)
    assert all(verify_with_nostr_sdk(e) for e in events)


async def test_non_latin_text_arrives_intact(demo: Demo):
    contents = "\n".join(n["content"] for n in await fetch(demo.relay_url, {"kinds": [1]}))
    data = load_data()
    by_seed = {n["seed"]: n for n in data["neighbours"]}
    # Whole lines in several scripts, byte for byte: nothing escaped, normalised or cut.
    for seed in ("aiko", "yulia", "fatima", "priya", "minjun", "wangfang"):
        assert sum(line in contents for line in by_seed[seed]["lines"]) >= 3, seed
    assert "地铁上睡着的人\n\n他的头轻轻靠着窗，" in contents
    assert any(ch in contents for ch in "🍵🔭🎸")


async def test_content_warnings_use_nip36_tags(demo: Demo):
    notes = await fetch(demo.relay_url, {"kinds": [1]})
    warned = [n for n in notes if tags(n, "content-warning")]
    assert len(warned) >= 4
    reasons = {tags(n, "content-warning")[0][1] for n in warned}
    assert "spoilers: the ending of Solaris" in reasons


async def test_hashtags_links_and_long_posts(demo: Demo):
    notes = await fetch(demo.relay_url, {"kinds": [1]})
    tagged = [n for n in notes if tags(n, "t")]
    assert len(tagged) > 50
    for n in tagged:
        for _, tag, *_ in tags(n, "t"):
            assert tag == tag.casefold() and f"#{tag}" in n["content"].casefold()
    assert len([n for n in notes if "https://" in n["content"]]) >= 10
    assert len([n for n in notes if len(n["content"]) > 700]) >= 2
    python = await fetch(demo.relay_url, {"kinds": [1], "#t": ["python"]})
    assert python


async def test_threads_carry_nip10_markers(demo: Demo):
    notes = {n["id"]: n for n in await fetch(demo.relay_url, {"kinds": [1]})}
    replies = [n for n in notes.values() if tags(n, "e")]
    assert len(replies) >= 30
    nested = 0
    for reply in replies:
        e = tags(reply, "e")
        markers = [t[3] for t in e if len(t) > 3]
        if not markers:
            continue  # the one thread written with deprecated positional tags
        root = next(t for t in e if t[3] == "root")
        assert root[1] in notes and root[4] == notes[root[1]]["pubkey"]
        parent = next((t for t in e if t[3] == "reply"), root)
        parent_author = notes[parent[1]]["pubkey"]
        if parent_author != reply["pubkey"]:  # nobody p-tags themselves
            assert parent_author in {t[1] for t in tags(reply, "p")}
        assert reply["created_at"] >= notes[parent[1]]["created_at"]
        nested += len(e) == 2
    assert nested >= 3
    positional = [r for r in replies if all(len(t) < 4 for t in tags(r, "e"))]
    assert positional


async def test_reposts_and_reactions(demo: Demo):
    reposts = await fetch(demo.relay_url, {"kinds": [6]})
    assert len(reposts) >= 20
    for repost in reposts:
        inner = json.loads(repost["content"])
        assert tags(repost, "e")[0][1] == inner["id"]
        assert tags(repost, "p")[0][1] == inner["pubkey"] != repost["pubkey"]
        assert verify_with_coincurve(inner)
    reactions = await fetch(demo.relay_url, {"kinds": [7]})
    assert len(reactions) >= 100
    assert {r["content"] for r in reactions} > {"+"}


async def test_notifications_wait_for_the_user_at_start(demo: Demo, user: Keys):
    """Mentions, replies to the user's notes, reactions and a repost exist before any action."""
    about_me = await fetch(demo.relay_url, {"#p": [user.public_hex], "limit": 1000})
    kinds = Counter(e["kind"] for e in about_me if e["pubkey"] != user.public_hex)
    assert kinds[1] >= 8 and kinds[7] >= 2 and kinds[6] >= 1
    mentions = [e for e in about_me if f"nostr:{user.npub}" in e["content"]]
    assert len(mentions) >= 3
    own = await fetch(demo.relay_url, {"kinds": [1], "authors": [user.public_hex]})
    assert len(own) >= 2


async def test_quotes_cite_the_quoted_note_nip18(demo: Demo):
    from tui.networks.nostr import nip19

    notes = {n["id"]: n for n in await fetch(demo.relay_url, {"kinds": [1]})}
    quotes = [n for n in notes.values() if tags(n, "q")]
    assert len(quotes) >= 2
    for quote in quotes:
        _, quoted_id, relay, author = tags(quote, "q")[0]
        assert quoted_id in notes and notes[quoted_id]["pubkey"] == author
        assert relay == demo.relay_url and ["p", author] in quote["tags"]
        uri = quote["content"].rsplit("nostr:", 1)[1]
        assert nip19.decode(uri).hex == quoted_id
