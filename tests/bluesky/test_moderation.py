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


def services(name: object = "Good Labeler", **policies: object) -> dict:
    return {
        "views": [
            {
                "creator": {"did": LABELER, "handle": "labeler.test", "displayName": name},
                "policies": policies,
            },
            {"creator": {"did": "not a did"}},
            "garbage",
        ]
    }


def test_a_subscribed_labelers_label_names_the_labeler_and_the_users_rule() -> None:
    prefs = [
        {"$type": "app.bsky.actor.defs#labelersPref", "labelers": [{"did": LABELER}]},
        {
            "$type": "app.bsky.actor.defs#contentLabelPref",
            "labelerDid": LABELER,
            "label": "rude",
            "visibility": "hide",
        },
    ]
    mod = Moderation.build(prefs).with_services(
        services(
            labelValues=["rude", "spam", "!hide"],
            labelValueDefinitions=[{"identifier": "spam", "defaultSetting": "hide"}],
        )
    )
    ruled = mod.judge([label("rude", src=LABELER)], AUTHOR)
    assert ruled.hide and ruled.content_warning == "by your rule: label rude from Good Labeler"
    declared = mod.judge([label("spam", src=LABELER)], AUTHOR)
    assert declared.hide and declared.content_warning == "label spam from Good Labeler"
    assert mod.visibility(LABELER, "rude") == "hide" and mod.visibility(LABELER, "other") == "warn"


def test_labeler_names_from_the_server_are_cleaned_and_junk_is_skipped() -> None:
    from tui.networks.bluesky.moderation import parse_services

    (info,) = parse_services(services("[b]Evil\x1b[31m\u202eName", labelValues=["rude", 7, ""]))
    assert info.did == LABELER and info.labels == ("rude",)
    assert "\x1b" not in info.name and "\u202e" not in info.name
    assert parse_services("garbage") == [] and parse_services({"views": "x"}) == []
