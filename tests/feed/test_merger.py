"""The merged timeline: order across slow sources, dedupe across accounts, live inserts."""

from __future__ import annotations

import random

from tests.feed.factories import post
from tui.feed import FeedSelection, Merger, Source
from tui.model import Account, FeedKind, FeedRef, NetworkKind

A = Source("alice")
B = Source("bob")


def uids(merger: Merger) -> list[str]:
    return [item.uid for item in merger.items]


def assert_newest_first(merger: Merger) -> None:
    times = [item.created_at for item in merger.items]
    assert times == sorted(times, reverse=True)


def test_nothing_is_shown_until_every_source_has_answered() -> None:
    merger = Merger([A, B])
    change = merger.push(A, [post("a1", 1), post("a2", 5)])
    assert not change
    assert merger.items == []


def test_a_slow_source_never_lets_an_older_post_above_a_newer_one() -> None:
    merger = Merger([A, B])
    merger.push(A, [post("a1", 1), post("a2", 5), post("a3", 20)])
    change = merger.push(B, [post("b1", 2), post("b2", 3)])
    # Bob's page ends at 3 minutes ago: alice's post from 5 minutes ago must wait, because
    # bob's next page could still hold something from 4 minutes ago.
    assert uids(merger) == ["a1", "b1", "b2"]
    assert [i for i, _ in change.inserted] == [0, 1, 2]
    change = merger.push(B, [post("b3", 4), post("b4", 30)])
    assert uids(merger) == ["a1", "b1", "b2", "b3", "a2", "a3"]
    assert [i for i, _ in change.inserted] == [3, 4, 5]
    assert_newest_first(merger)


def test_a_failed_or_finished_source_stops_holding_the_others_back() -> None:
    merger = Merger([A, B])
    merger.push(A, [post("a1", 1), post("a2", 5)])
    assert merger.items == []
    merger.fail(B)
    assert uids(merger) == ["a1", "a2"]

    other = Merger([A, B])
    other.push(B, [post("b1", 3)], more=False)
    other.push(A, [post("a1", 1), post("a2", 5)])
    assert uids(other) == ["a1", "b1", "a2"]


def test_active_sources_lists_the_one_holding_back_first() -> None:
    merger = Merger([A, B])
    merger.push(A, [post("a1", 1), post("a2", 50)])
    merger.push(B, [post("b1", 2)])
    assert merger.active_sources() == [B, A]
    merger.push(B, [], more=False)
    assert merger.active_sources() == [A]


def test_a_post_seen_by_two_of_my_accounts_shows_once_and_remembers_both() -> None:
    merger = Merger([A, B])
    shared_a = post("m:1", 3, account="alice", key="https://ex.social/notes/1")
    shared_b = post("m:1@other", 3, account="bob", key="https://ex.social/notes/1")
    merger.push(A, [post("a1", 1), shared_a], more=False)
    merger.push(B, [shared_b, post("b9", 9)], more=False)
    assert uids(merger) == ["a1", "m:1", "b9"]
    assert merger.accounts_of(merger.items[1]) == ("alice", "bob")


def test_live_items_land_at_their_time_position() -> None:
    merger = Merger([A])
    merger.push(A, [post("a1", 1), post("a3", 10), post("a4", 20)])
    change = merger.insert_live([post("new", 0), post("mid", 5)])
    assert uids(merger) == ["new", "a1", "mid", "a3", "a4"]
    assert change.inserted[0] == (0, merger.items[0])
    assert change.inserted[1][0] == 2


def test_a_live_item_older_than_what_is_still_coming_waits_its_turn() -> None:
    merger = Merger([A, B])
    merger.push(A, [post("a1", 1)])
    merger.push(B, [post("b1", 2)])
    assert uids(merger) == ["a1"]
    merger.insert_live([post("late", 30)])
    assert uids(merger) == ["a1"]
    merger.push(A, [post("a2", 40)], more=False)
    merger.push(B, [post("b2", 35)], more=False)
    assert uids(merger) == ["a1", "b1", "late", "b2", "a2"]


def test_update_keeps_the_place_and_remove_drops_the_item() -> None:
    merger = Merger([A])
    merger.push(A, [post("a1", 1), post("a2", 2)], more=False)
    liked = merger.items[1].with_state(liked=True)
    change = merger.update(liked)
    assert change.updated == [liked]
    assert merger.items[1].mine.liked
    assert merger.remove("a1") == 0
    assert uids(merger) == ["a2"]
    assert merger.remove("missing") is None


def test_fifty_thousand_shuffled_items_from_many_sources_come_out_in_order() -> None:
    rng = random.Random(7)
    sources = [Source(f"acct{n}") for n in range(5)]
    merger = Merger(sources)
    streams = {
        s: sorted(
            (
                post(f"{s.account}:{i}", rng.uniform(0, 100000), account=s.account)
                for i in range(10000)
            ),
            key=lambda p: p.created_at,
            reverse=True,
        )
        for s in sources
    }
    while streams:
        source = rng.choice(list(streams))
        page, streams[source] = streams[source][:200], streams[source][200:]
        merger.push(source, page, more=bool(streams[source]))
        if not streams[source]:
            del streams[source]
    assert len(merger) == 50000
    assert_newest_first(merger)


def test_feed_selection_names_the_sources_it_means() -> None:
    accounts = [Account("alice", NetworkKind.MASTODON), Account("bob", NetworkKind.NOSTR)]
    assert FeedSelection.everything().sources(accounts) == [Source("alice"), Source("bob")]
    assert FeedSelection.one_account("bob").sources(accounts) == [Source("bob")]
    tag = FeedRef(FeedKind.TAG, "python")
    selection = FeedSelection.one_feed(tag, "alice")
    assert selection.sources(accounts) == [Source("alice", tag)]
    assert selection.context == "tag"
    assert selection.title == "#python · alice"
