"""NIP-01 events: ids, signatures, validation, filters, replaceables, and nostr-sdk interop."""

import json
import time

import nostr_sdk
import pytest

from tui.networks.nostr.event import (
    InvalidEvent,
    NostrEvent,
    compile_filters,
    keep_newest,
    matches,
    sign,
    verify_event,
)
from tui.networks.nostr.keys import Keys

TEXT = 'héllo "wörld" \\ 日本語 🎉 line\nbreak\ttab \x01'


def test_our_events_verify_in_nostr_sdk():
    keys = Keys.generate()
    ev = sign(keys, 1, TEXT, [["t", "ünïcode"], ["p", "ab" * 32]])
    theirs = nostr_sdk.Event.from_json(ev.to_json())
    assert theirs.verify()
    assert theirs.id().to_hex() == ev.id
    assert theirs.content() == TEXT


def test_nostr_sdk_events_verify_in_ours():
    keys = nostr_sdk.Keys.generate()
    tags = [nostr_sdk.Tag.hashtag("日本"), nostr_sdk.Tag.parse(["e", "cd" * 32, "", "root"])]
    unsigned = (
        nostr_sdk.EventBuilder(nostr_sdk.Kind(1), TEXT)
        .tags(tags)
        .finalize_unsigned(keys.public_key())
    )
    built = keys.sign_event(unsigned)
    ev = verify_event(json.loads(built.as_json()))
    assert ev.id == built.id().to_hex()
    assert ev.content == TEXT
    assert ev.tag_values("t") == ["日本"]


def _raw(**changes):
    ev = sign(Keys.generate(), 1, "hello").to_dict()
    ev.update(changes)
    return ev


@pytest.mark.parametrize(
    "changes, reason",
    [
        ({"content": "tampered"}, "id does not match"),
        ({"id": "AB" * 32}, "bad id"),
        ({"pubkey": "ab" * 31}, "bad pubkey"),
        ({"sig": "00" * 64}, "bad signature"),
        ({"kind": 70000}, "bad kind"),
        ({"kind": True}, "bad kind"),
        ({"created_at": "1"}, "bad created_at"),
        ({"tags": [["p", 5]]}, "bad tag"),
        ({"content": None}, "bad content"),
        ({"created_at": int(time.time()) + 3600}, "future"),
    ],
)
def test_invalid_events_are_refused_with_a_reason(changes, reason):
    with pytest.raises(InvalidEvent, match=reason):
        verify_event(_raw(**changes))


def test_forged_signature_from_another_key_is_refused():
    a, b = Keys.generate(), Keys.generate()
    ev = sign(a, 1, "hi").to_dict()
    ev["sig"] = sign(b, 1, "hi", created_at=ev["created_at"]).sig
    with pytest.raises(InvalidEvent):
        verify_event(ev)


def test_oversized_events_are_refused():
    keys = Keys.generate()
    big = sign(keys, 1, "x" * 200_000).to_dict()
    with pytest.raises(InvalidEvent, match="too large"):
        verify_event(big)
    assert verify_event(big, max_bytes=400_000).content == "x" * 200_000


def test_slightly_future_events_are_accepted():
    ev = sign(Keys.generate(), 1, "soon", created_at=int(time.time()) + 60)
    assert verify_event(ev.to_dict()) == ev


def test_filter_matching():
    keys = Keys.generate()
    ev = sign(keys, 1, "x", [["t", "nostr"], ["p", "ab" * 32]], created_at=1000)
    assert matches({"kinds": [1], "authors": [keys.public_hex], "#t": ["nostr"]}, ev)
    assert matches({"since": 1000, "until": 1000, "#p": ["ab" * 32]}, ev)
    assert not matches({"kinds": [7]}, ev)
    assert not matches({"authors": ["cd" * 32]}, ev)
    assert not matches({"#t": ["other"]}, ev)
    assert not matches({"since": 1001}, ev)
    assert not matches({"ids": ["00" * 32]}, ev)


def test_compiled_filters_answer_as_the_filters_do():
    keys, other = Keys.generate(), Keys.generate()
    events = [
        sign(k, kind, "x", tags, created_at=when)
        for k in (keys, other)
        for kind in (1, 7)
        for tags in ([], [["t", "nostr"], ["p", "ab" * 32]], [["t"]])
        for when in (999, 1000, 1001)
    ]
    filters = [
        {"kinds": [1], "authors": [keys.public_hex], "#t": ["nostr"]},
        {"since": 1000, "until": 1000, "#p": ["ab" * 32], "#t": ["nostr", "x"]},
        {"kinds": [7], "ids": [events[5].id, "00" * 32]},
        {"authors": [other.public_hex], "since": 1001, "limit": 5, "search": "x"},
        {},
    ]
    for chosen in ([], filters[:1], filters[1:2], filters[2:4], filters, filters[-1:]):
        check = compile_filters(chosen)
        for ev in events:
            assert check(ev) == any(matches(f, ev) for f in chosen), (chosen, ev)


def test_replaceable_keeps_newest_and_lowest_id_on_tie():
    keys = Keys.generate()
    old = sign(keys, 3, "", [["p", "ab" * 32]], created_at=100)
    new = sign(keys, 3, "", [["p", "cd" * 32]], created_at=200)
    assert keep_newest([new, old]) == [new]
    assert keep_newest([old, new]) == [new]
    t1 = sign(keys, 0, '{"name":"a"}', created_at=300)
    t2 = sign(keys, 0, '{"name":"b"}', created_at=300)
    low = min(t1, t2, key=lambda e: e.id)
    assert keep_newest([t1, t2]) == [low] and keep_newest([t2, t1]) == [low]
    a1 = sign(keys, 30023, "a", [["d", "x"]], created_at=1)
    a2 = sign(keys, 30023, "b", [["d", "y"]], created_at=1)
    notes = [sign(keys, 1, "n"), sign(keys, 1, "n", created_at=5)]
    assert len(keep_newest([a1, a2, *notes, notes[0]])) == 4


def test_event_is_immutable_value():
    ev = sign(Keys.generate(), 1, "x")
    assert isinstance(ev, NostrEvent)
    assert verify_event(json.loads(ev.to_json())) == ev
