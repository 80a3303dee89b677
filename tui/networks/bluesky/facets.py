"""Rich-text facets: UTF-8 byte ranges over a post's text (app.bsky.richtext.facet).

Outgoing: find links, @mentions and #hashtags in what the user wrote and describe them in UTF-8
byte offsets, the unit the protocol uses. Incoming: a facet is untrusted; one whose range is out of
bounds, splits a character or overlaps another is dropped (the text itself always shows), and the
survivors become code-point `Span`s for `tui.text.rich_from_spans`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tui.model import Span, SpanKind
from tui.networks.bluesky.syntax import is_did, is_handle

LINK = "app.bsky.richtext.facet#link"
MENTION = "app.bsky.richtext.facet#mention"
TAG = "app.bsky.richtext.facet#tag"
MAX_TAG_CHARS = 64

_URL_RE = re.compile(r"(?:^|(?<=[\s(]))(https?://[^\s]+)", re.IGNORECASE)
_MENTION_RE = re.compile(r"(?:^|(?<=[\s(]))@([a-zA-Z0-9.-]+)")
# A tag runs to the next whitespace; trailing punctuation is trimmed below. Invisible joiners end it
# too, so a tag cannot smuggle hidden characters.
_TAG_RE = re.compile(r"(?:^|(?<=\s))[#\uff03]([^\s#\uff03\u00ad\u2060\u200a\u200b\u200c\u200d]+)")
_TRAILING = ".,;:!?\"'"


@dataclass(frozen=True, slots=True)
class FoundFacet:
    """A facet found in outgoing text, in code points; `value` is a URL, a handle or a tag."""

    start: int
    end: int
    kind: SpanKind
    value: str


def _trim_url(url: str) -> str:
    while url and url[-1] in _TRAILING:
        url = url[:-1]
    # A closing parenthesis belongs to the URL only when the URL opened one.
    while url.endswith(")") and url.count("(") < url.count(")"):
        url = url[:-1]
    return url


def _tag_ok(tag: str) -> bool:
    # As Bluesky's app does: at least one character that is not a digit or punctuation.
    meaningful = any(not (c.isdigit() or unicodedata.category(c).startswith("P")) for c in tag)
    return meaningful and len(tag) <= MAX_TAG_CHARS


def find_facets(text: str) -> list[FoundFacet]:
    """Links, mentions and hashtags in `text`, in order, never overlapping."""
    found: list[FoundFacet] = []
    for m in _URL_RE.finditer(text):
        url = _trim_url(m.group(1))
        if len(url) > len("https://"):
            found.append(FoundFacet(m.start(1), m.start(1) + len(url), SpanKind.LINK, url))
    for m in _MENTION_RE.finditer(text):
        handle = m.group(1).rstrip(".-")
        if is_handle(handle):
            end = m.start(1) + len(handle)
            found.append(FoundFacet(m.start(), end, SpanKind.MENTION, handle.lower()))
    for m in _TAG_RE.finditer(text):
        tag = m.group(1)
        while tag and unicodedata.category(tag[-1]).startswith("P"):
            tag = tag[:-1]
        if _tag_ok(tag):
            found.append(FoundFacet(m.start(), m.start(1) + len(tag), SpanKind.HASHTAG, tag))
    found.sort(key=lambda f: (f.start, -f.end))
    kept: list[FoundFacet] = []
    for facet in found:
        if not kept or facet.start >= kept[-1].end:
            kept.append(facet)
    return kept


def byte_offset(text: str, index: int) -> int:
    """The UTF-8 byte offset of code point `index` in `text`."""
    return len(text[:index].encode("utf-8"))


def build_facets(text: str, found: Iterable[FoundFacet], dids: Mapping[str, str]) -> list[dict]:
    """Facet records for `found`; mentions whose handle has no DID in `dids` are left out."""
    facets: list[dict] = []
    for f in found:
        if f.kind is SpanKind.LINK:
            feature = {"$type": LINK, "uri": f.value}
        elif f.kind is SpanKind.MENTION:
            did = dids.get(f.value)
            if not did:
                continue
            feature = {"$type": MENTION, "did": did}
        else:
            feature = {"$type": TAG, "tag": f.value}
        index = {"byteStart": byte_offset(text, f.start), "byteEnd": byte_offset(text, f.end)}
        facets.append({"index": index, "features": [feature]})
    return facets


def _is_boundary(data: bytes, offset: int) -> bool:
    return offset == len(data) or (data[offset] & 0xC0) != 0x80


def _feature_span(feature: Any) -> tuple[SpanKind, str] | None:
    if not isinstance(feature, dict):
        return None
    kind = feature.get("$type")
    if kind == LINK and isinstance(feature.get("uri"), str):
        return SpanKind.LINK, feature["uri"]
    if kind == MENTION and isinstance(feature.get("did"), str) and is_did(feature["did"]):
        return SpanKind.MENTION, feature["did"]
    if kind == TAG and isinstance(feature.get("tag"), str) and feature["tag"]:
        return SpanKind.HASHTAG, feature["tag"]
    return None


def facet_spans(text: str, facets: Any) -> list[Span]:
    """Code-point spans for the valid facets of `text`; invalid or overlapping ones are dropped.

    A facet is valid when it is a dict with integer 0 <= byteStart < byteEnd <= len(utf-8 bytes),
    both offsets on character boundaries, no overlap with an earlier valid facet, and a known
    feature. Links are checked for a safe scheme later, by `tui.text`.
    """
    if not isinstance(facets, list):
        return []
    data = text.encode("utf-8", errors="surrogatepass")
    candidates: list[tuple[int, int, SpanKind, str]] = []
    for facet in facets:
        if not isinstance(facet, dict) or not isinstance(facet.get("index"), dict):
            continue
        start, end = facet["index"].get("byteStart"), facet["index"].get("byteEnd")
        if type(start) is not int or type(end) is not int:
            continue
        if not (0 <= start < end <= len(data)):
            continue
        if not (_is_boundary(data, start) and _is_boundary(data, end)):
            continue
        features = facet.get("features")
        if not isinstance(features, list):
            continue
        for feature in features:
            described = _feature_span(feature)
            if described is not None:
                candidates.append((start, end, *described))
                break
    candidates.sort(key=lambda c: (c[0], c[1]))
    spans: list[Span] = []
    last_end = -1
    for start, end, kind, target in candidates:
        if start < last_end:
            continue
        last_end = end
        # Code points before a byte offset = bytes that are not UTF-8 continuation bytes.
        cp_start = len(data[:start].decode("utf-8", errors="surrogatepass"))
        cp_end = cp_start + len(data[start:end].decode("utf-8", errors="surrogatepass"))
        spans.append(Span(cp_start, cp_end, kind, target))
    return spans
