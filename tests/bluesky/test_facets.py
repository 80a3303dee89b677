"""Facets: outgoing ones in exact UTF-8 byte offsets, incoming hostile ones dropped safely."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tui.model import SpanKind
from tui.networks.bluesky.facets import (
    LINK,
    MENTION,
    TAG,
    build_facets,
    facet_spans,
    find_facets,
)

DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"


def _slice(text: str, facet: dict) -> str:
    data = text.encode("utf-8")
    return data[facet["index"]["byteStart"] : facet["index"]["byteEnd"]].decode("utf-8")


def test_link_mention_and_tag_after_non_ascii_text_get_byte_offsets() -> None:
    text = "Grüße 👩‍👩‍👧 see https://example.com/a?b=ç. @alice.test #café!"
    facets = build_facets(text, find_facets(text), {"alice.test": DID})
    assert [_slice(text, f) for f in facets] == [
        "https://example.com/a?b=ç",
        "@alice.test",
        "#café",
    ]
    assert [f["features"][0] for f in facets] == [
        {"$type": LINK, "uri": "https://example.com/a?b=ç"},
        {"$type": MENTION, "did": DID},
        {"$type": TAG, "tag": "café"},
    ]


def test_unresolved_mentions_and_non_tags_are_left_as_text() -> None:
    text = "mail bob@example.com, @nobody.test, #123, a#b, (https://x.org/p_(1)) end"
    facets = build_facets(text, find_facets(text), {})
    # As Bluesky's app: a link that holds a "(" keeps its closing ")"s.
    assert [_slice(text, f) for f in facets] == ["https://x.org/p_(1))"]


# Text drawn from every plane, with the things facets are found in mixed in.
_words = st.sampled_from(
    [
        "https://ex.com/ü",
        "@bob.test",
        "#tag",
        "#日本",
        "é",
        "👍🏽",
        "\u0301",
        "a",
        " ",
        "\n",
        "(",
        "$AB",
    ]
)
_texts = st.lists(st.one_of(_words, st.text(max_size=5)), max_size=20).map("".join)


@given(_texts)
def test_found_facets_round_trip_through_byte_offsets(text: str) -> None:
    found = find_facets(text)
    facets = build_facets(text, found, {"bob.test": DID})
    spans = facet_spans(text, facets)
    dids = {"bob.test"}
    expected, last_end = [], 0
    for f in found:  # unresolved mentions are left out; of overlapping facets the first is sent
        if (f.kind is not SpanKind.MENTION or f.value in dids) and f.start >= last_end:
            expected.append(f)
            last_end = f.end
    assert [(s.start, s.end) for s in spans] == [(f.start, f.end) for f in expected]
    for span, f in zip(spans, expected):
        assert text[span.start : span.end] == text[f.start : f.end]


@given(_texts, st.lists(st.tuples(st.integers(-5, 80), st.integers(-5, 80)), max_size=8))
def test_hostile_offsets_never_split_characters_or_overlap(text: str, ranges) -> None:
    facets = [
        {"index": {"byteStart": a, "byteEnd": b}, "features": [{"$type": TAG, "tag": "x"}]}
        for a, b in ranges
    ]
    spans = facet_spans(text, facets)
    data = text.encode("utf-8")
    last = 0
    for span in spans:
        assert 0 <= span.start < span.end <= len(text)
        assert span.start >= last
        last = span.end
        # The span's characters are exactly the bytes of some offered, valid facet.
        piece = text[span.start : span.end].encode("utf-8")
        start = len(text[: span.start].encode("utf-8"))
        assert (start, start + len(piece)) in ranges
        assert data[start : start + len(piece)] == piece


def test_bad_facets_are_dropped_and_good_ones_kept() -> None:
    text = "héllo wörld #ok"
    good = {"index": {"byteStart": 14, "byteEnd": 17}, "features": [{"$type": TAG, "tag": "ok"}]}
    assert _slice(text, good) == "#ok"
    hostile = [
        {"index": {"byteStart": 2, "byteEnd": 5}, "features": [{"$type": TAG, "tag": "x"}]},
        {"index": {"byteStart": 5, "byteEnd": 99}, "features": [{"$type": TAG, "tag": "x"}]},
        {"index": {"byteStart": 4, "byteEnd": 4}, "features": [{"$type": TAG, "tag": "x"}]},
        {"index": {"byteStart": "0", "byteEnd": 3}, "features": [{"$type": TAG, "tag": "x"}]},
        {"index": {"byteStart": 0.0, "byteEnd": 3}, "features": [{"$type": TAG, "tag": "x"}]},
        {"index": {"byteStart": 0, "byteEnd": 3}, "features": [{"$type": MENTION, "did": "x"}]},
        {"index": {"byteStart": 0, "byteEnd": 3}, "features": "nope"},
        {"index": None},
        "garbage",
        good,
        {"index": {"byteStart": 15, "byteEnd": 17}, "features": [{"$type": TAG, "tag": "o"}]},
    ]
    spans = facet_spans(text, hostile)
    assert [(s.start, s.end, s.kind, s.target) for s in spans] == [(12, 15, SpanKind.HASHTAG, "ok")]


def test_non_list_facets_give_no_spans() -> None:
    assert facet_spans("text", {"index": 1}) == []


def test_of_overlapping_facets_only_the_first_is_sent() -> None:
    # As Bluesky's app finds them, a mention inside a link's path overlaps the link.
    text = "see https://a.com/(@bob.test) and ($AB) https://b.org/($CD)"
    kinds = [f.kind for f in find_facets(text)]
    assert kinds.count(SpanKind.LINK) == 2 and SpanKind.MENTION in kinds
    facets = build_facets(text, find_facets(text), {"bob.test": DID})
    assert [_slice(text, f) for f in facets] == [
        "https://a.com/(@bob.test)",
        "$AB",
        "https://b.org/($CD)",
    ]
    assert len(facet_spans(text, facets)) == 3  # and readers keep them all
