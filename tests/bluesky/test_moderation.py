"""Labels honoured per the user's preferences; content warnings become self-labels."""

from __future__ import annotations

from tui.networks.bluesky.moderation import DEFAULT_LABELER, Moderation, self_label_for
from tui.networks.bluesky.write import apply_content_warning, sniff_image

AUTHOR = "did:plc:author"
LABELER = "did:plc:mylabeler"


def label(val: str, src: str = DEFAULT_LABELER, **extra) -> dict:
    return {"src": src, "uri": "at://x", "val": val, "cts": "2025-01-01T00:00:00Z", **extra}


def test_header_names_bluesky_with_redact_and_the_users_labelers() -> None:
    prefs = [{"$type": "app.bsky.actor.defs#labelersPref", "labelers": [{"did": LABELER}]}]
    mod = Moderation.build(prefs, ["did:plc:fromconfig", "not a did"])
    assert mod.header() == f"{DEFAULT_LABELER};redact, {LABELER}, did:plc:fromconfig"


def test_hide_and_warn_follow_preferences() -> None:
    prefs = [
        {"$type": "app.bsky.actor.defs#adultContentPref", "enabled": True},
        {"$type": "app.bsky.actor.defs#contentLabelPref", "label": "nudity", "visibility": "warn"},
        {"$type": "app.bsky.actor.defs#contentLabelPref", "label": "porn", "visibility": "show"},
    ]
    mod = Moderation.build(prefs)
    assert mod.judge([label("porn")], AUTHOR).markers == ()
    verdict = mod.judge([label("nudity")], AUTHOR)
    assert verdict.markers == ("!warn",) and verdict.content_warning == "non-sexual nudity"
    assert mod.judge([label("!hide")], AUTHOR).hide


def test_adult_labels_are_hidden_when_adult_content_is_off_but_not_from_me() -> None:
    mod = Moderation.build([])
    assert mod.judge([label("sexual", src=AUTHOR)], AUTHOR).hide
    mine = mod.judge([label("sexual", src=AUTHOR)], AUTHOR, mine=True)
    assert not mine.hide and mine.markers == ("!warn",)


def test_labels_from_unknown_labelers_negated_or_expired_do_not_count() -> None:
    mod = Moderation.build([])
    assert mod.judge([label("!hide", src="did:plc:stranger")], AUTHOR).values == ()
    assert mod.judge([label("!hide"), label("!hide", neg=True)], AUTHOR).values == ()
    assert mod.judge([label("!warn", exp="2001-01-01T00:00:00Z")], AUTHOR).values == ()
    assert mod.judge([label("!no-unauthenticated")], AUTHOR).markers == ()
    assert mod.judge("garbage", AUTHOR).values == ()


def test_content_warnings_map_to_self_labels_or_to_text() -> None:
    assert self_label_for("Graphic media") == "graphic-media"
    assert self_label_for(" NUDITY ") == "nudity"
    assert self_label_for("adult content") == "porn"
    assert apply_content_warning("body", "porn") == ("body", ["porn"])
    assert apply_content_warning("body", "spoilers") == ("CW: spoilers\n\nbody", [])
    assert apply_content_warning("body", "") == ("body", [])


def test_image_types_and_sizes_are_sniffed_for_aspect_ratio() -> None:
    gif = b"GIF89a" + (5).to_bytes(2, "little") + (7).to_bytes(2, "little") + b"\0" * 8
    jpeg = (
        b"\xff\xd8\xff\xe0\x00\x04ab\xff\xc0\x00\x11\x08"
        + (9).to_bytes(2, "big")
        + (16).to_bytes(2, "big")
        + b"\0" * 12
    )
    size = (19).to_bytes(3, "little") + (9).to_bytes(3, "little")
    webp = b"RIFF\0\0\0\0WEBPVP8X" + b"\0" * 8 + size
    assert sniff_image(gif) == ("image/gif", 5, 7)
    assert sniff_image(jpeg) == ("image/jpeg", 16, 9)
    assert sniff_image(webp) == ("image/webp", 20, 10)
    assert sniff_image(b"%PDF-1.4") == ("", None, None)
