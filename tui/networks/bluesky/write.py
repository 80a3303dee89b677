"""Records we write: posts (text, facets, langs, reply refs, embeds, self-labels) and the small
graph/feed records (like, repost, follow, block). Pure functions; the network module sends them.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tui.networks.base import Limits, grapheme_count
from tui.networks.bluesky.moderation import LABEL_NAMES, SELF_LABELS, self_label_for

MAX_IMAGES = 4
MAX_IMAGE_BYTES = 2_000_000  # app.bsky.embed.images: "up to 2 MB"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def strong_ref(uri: str, cid: str) -> dict[str, str]:
    return {"uri": uri, "cid": cid}


# (value, name) of the self-labels a content warning can be sent as.
SELF_LABEL_CHOICES = tuple((v, LABEL_NAMES[v]) for v in SELF_LABELS)


@dataclass(frozen=True, slots=True)
class ContentWarningPlan:
    """How a content warning reaches Bluesky, which has no free-text warnings.

    A warning naming one of its self-labels ("nudity", "graphic media"...) is sent as that label
    (`self_label`); any other text can only be written at the top of the post (`text_prefix`),
    where everyone reads it, so a composer says so before sending and offers the self-labels.
    """

    self_label: str = ""
    text_prefix: str = ""

    @property
    def in_text(self) -> bool:
        return bool(self.text_prefix)


def content_warning_plan(content_warning: str) -> ContentWarningPlan:
    cw = content_warning.strip()
    if not cw:
        return ContentWarningPlan()
    label = self_label_for(cw)
    if label:
        return ContentWarningPlan(self_label=label)
    return ContentWarningPlan(text_prefix=f"CW: {cw}\n\n")


def apply_content_warning(text: str, content_warning: str) -> tuple[str, list[str]]:
    """The text to post and the self-labels for a content warning (see ContentWarningPlan)."""
    plan = content_warning_plan(content_warning)
    return plan.text_prefix + text, [plan.self_label] if plan.self_label else []


@dataclass(frozen=True, slots=True)
class BlueskyLimits(Limits):
    """Bluesky's limits: 300 graphemes of the text as sent, a warning written into it included."""

    self_labels: tuple[tuple[str, str], ...] = SELF_LABEL_CHOICES

    def count(self, text: str, content_warning: str = "") -> int:
        return grapheme_count(content_warning_plan(content_warning).text_prefix + text)


def post_record(
    text: str,
    *,
    facets: list[dict],
    langs: list[str],
    reply: Mapping[str, Any] | None = None,
    embed: Mapping[str, Any] | None = None,
    self_labels: Sequence[str] = (),
) -> dict[str, Any]:
    record: dict[str, Any] = {"$type": "app.bsky.feed.post", "text": text, "createdAt": now_iso()}
    if facets:
        record["facets"] = facets
    if langs:
        record["langs"] = langs
    if reply:
        record["reply"] = dict(reply)
    if embed:
        record["embed"] = dict(embed)
    if self_labels:
        record["labels"] = {
            "$type": "com.atproto.label.defs#selfLabels",
            "values": [{"val": v} for v in self_labels],
        }
    return record


def images_embed(images: list[dict[str, Any]]) -> dict[str, Any]:
    return {"$type": "app.bsky.embed.images", "images": images}


def quote_embed(uri: str, cid: str, media: Mapping[str, Any] | None = None) -> dict[str, Any]:
    record = {"$type": "app.bsky.embed.record", "record": strong_ref(uri, cid)}
    if media is None:
        return record
    return {"$type": "app.bsky.embed.recordWithMedia", "record": record, "media": dict(media)}


def subject_record(collection: str, subject: Any) -> dict[str, Any]:
    """A like/repost (subject: strong ref) or follow/block (subject: DID) record."""
    return {"$type": collection, "subject": subject, "createdAt": now_iso()}


# ----- images -----------------------------------------------------------------------------------
def sniff_image(data: bytes) -> tuple[str, int | None, int | None]:
    """(MIME type, width, height) from an image's first bytes; ("", None, None) if unknown.

    Only the formats Bluesky accepts are recognised; dimensions feed `aspectRatio` so readers can
    lay the image out before it loads.
    """
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return "image/png", width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return "image/gif", width, height
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ("image/webp", *_webp_size(data))
    if data.startswith(b"\xff\xd8"):
        return ("image/jpeg", *_jpeg_size(data))
    return "", None, None


def _webp_size(data: bytes) -> tuple[int | None, int | None]:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        width = 1 + int.from_bytes(data[24:27], "little")
        height = 1 + int.from_bytes(data[27:30], "little")
        return width, height
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None, None


def _jpeg_size(data: bytes) -> tuple[int | None, int | None]:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None, None
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        # Start-of-frame markers (all but DHT, JPG and DAC) carry the size.
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        i += 2 + length
    return None, None


def image_entry(blob: Mapping[str, Any], alt: str, width: int | None, height: int | None) -> dict:
    entry: dict[str, Any] = {"image": dict(blob), "alt": alt}
    if width and height:
        entry["aspectRatio"] = {"width": width, "height": height}
    return entry
