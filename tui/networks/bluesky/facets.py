"""Rich-text facets: UTF-8 byte ranges over a post's text (app.bsky.richtext.facet).

Outgoing: find links, @mentions and #hashtags in what the user wrote and describe them in UTF-8
byte offsets, the unit the protocol uses. Incoming: a facet is untrusted; one whose range is out of
bounds, splits a character or overlaps another is dropped (the text itself always shows), and the
survivors become code-point `Span`s for `tui.text.rich_from_spans`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import regex

from tui.model import Span, SpanKind
from tui.networks.bluesky.syntax import is_did
from tui.networks.bluesky.tlds import TLDS

LINK = "app.bsky.richtext.facet#link"
MENTION = "app.bsky.richtext.facet#mention"
TAG = "app.bsky.richtext.facet#tag"
MAX_TAG_UNITS = 64  # in UTF-16 code units, as the reference measures

# Detection follows `@atproto/api`'s `RichText.detectFacets`, the rules Bluesky's app posts with,
# rule for rule (tests/bluesky/test_richtext_reference.py checks it against that library):
# - JavaScript's `\s`, not Python's: U+FEFF is a space there, U+001C-U+001F and U+0085 are not;
# - a link is `http(s)://` and what follows up to whitespace, or a bare domain (`example.com`,
#   `www.example.org/path`: ASCII letters and digits, no hyphen) whose last label is a top-level
#   domain; one trailing `.,;:!?` is dropped, then a `)` when the link opened none;
# - a mention is `@` and `[a-zA-Z0-9.-]` up to a word boundary, ending in a top-level domain or
#   `.test`; whether it is a real handle is settled when it is resolved to a DID (publish drops
#   it when it is not);
# - a tag is `#` (or `＃`) and the run up to whitespace or an invisible joiner, holding at least
#   one character that is neither a digit nor punctuation and not starting with U+FE0F (so the
#   keycap emoji #️⃣ is no tag); its trailing punctuation is dropped;
# - a cashtag (`$AAPL`) is a tag `$` + the ticker in capitals.
_WS = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_JOINERS = "\u00ad\u2060\u200a\u200b\u200c\u200d\u20e2"
_MENTION_RE = regex.compile(rf"(?:^|(?<=[{_WS}(]))@([a-zA-Z0-9.-]+)\b", regex.ASCII)
_URL_RE = regex.compile(
    rf"(?:^|(?<=[{_WS}(]))"
    rf"(?:https?://[^{_WS}]+|(?P<domain>[a-z][a-z0-9]*(?:\.[a-z0-9]+)+)[^{_WS}]*)",
    regex.ASCII | regex.IGNORECASE | regex.MULTILINE,
)
_TAG_RE = regex.compile(
    rf"(?:^|(?<=[{_WS}]))[#\uff03]"
    rf"((?!\ufe0f)[^{_WS}{_JOINERS}]*[^0-9{_WS}\p{{P}}{_JOINERS}]+[^{_WS}{_JOINERS}]*)?"
)
_TRAILING_PUNCTUATION = regex.compile(r"\p{P}+$")
_CASHTAG_RE = regex.compile(
    rf"(?:^|(?<=[{_WS}(]))\$([A-Za-z][A-Za-z0-9]{{0,4}})(?=[{_WS}]|\Z|[.,;:!?)\"'\u2019])"
)


@dataclass(frozen=True, slots=True)
class FoundFacet:
    """A facet found in outgoing text, in code points; `value` is a URL, a handle or a tag."""

    start: int
    end: int
    kind: SpanKind
    value: str


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", errors="surrogatepass")) // 2


def _is_tld_domain(domain: str) -> bool:
    """True when the last label is a top-level domain (lower case, as the reference compares)."""
    head, dot, tld = domain.rpartition(".")
    return bool(head and dot) and tld in TLDS


def _links(text: str) -> Iterable[FoundFacet]:
    for m in _URL_RE.finditer(text):
        uri = m.group(0)
        if not uri.startswith("http"):
            domain = m.group("domain")
            if not domain or not _is_tld_domain(domain):
                continue  # also "HTTP://...": the reference takes only lower-case schemes
            uri = f"https://{uri}"
        end = m.end()
        if uri[-1] in ".,;:!?":
            uri, end = uri[:-1], end - 1
        if uri.endswith(")") and "(" not in uri:
            uri, end = uri[:-1], end - 1
        yield FoundFacet(m.start(), end, SpanKind.LINK, uri)


def _mentions(text: str) -> Iterable[FoundFacet]:
    for m in _MENTION_RE.finditer(text):
        handle = m.group(1)
        if _is_tld_domain(handle) or handle.endswith(".test"):
            yield FoundFacet(m.start(), m.end(), SpanKind.MENTION, handle.lower())


def _tags(text: str) -> Iterable[FoundFacet]:
    for m in _TAG_RE.finditer(text):
        tag = m.group(1)
        if not tag:
            continue
        tag = _TRAILING_PUNCTUATION.sub("", tag)
        if not tag or _utf16_len(tag) > MAX_TAG_UNITS:
            continue
        yield FoundFacet(m.start(), m.start() + 1 + len(tag), SpanKind.HASHTAG, tag)
    for m in _CASHTAG_RE.finditer(text):
        yield FoundFacet(m.start(), m.end(), SpanKind.HASHTAG, "$" + m.group(1).upper())


def find_facets(text: str) -> list[FoundFacet]:
    """Links, mentions and hashtags in `text` as Bluesky's app finds them, ordered by start.

    They may overlap (a mention inside a link's path); `build_facets` keeps the first.
    """
    found = [*_mentions(text), *_links(text), *_tags(text)]
    found.sort(key=lambda f: f.start)  # stable, as the reference's sort
    return found


def byte_offset(text: str, index: int) -> int:
    """The UTF-8 byte offset of code point `index` in `text`."""
    return len(text[:index].encode("utf-8"))


def build_facets(text: str, found: Iterable[FoundFacet], dids: Mapping[str, str]) -> list[dict]:
    """Facet records for `found`; mentions whose handle has no DID in `dids` are left out."""
    facets: list[dict] = []
    last_end = 0
    for f in sorted(found, key=lambda f: f.start):
        if f.start < last_end:
            continue  # overlapping facets are dropped by readers: send the first only
        if f.kind is SpanKind.LINK:
            feature = {"$type": LINK, "uri": f.value}
        elif f.kind is SpanKind.MENTION:
            did = dids.get(f.value)
            if not did:
                continue
            feature = {"$type": MENTION, "did": did}
        else:
            feature = {"$type": TAG, "tag": f.value}
        last_end = f.end
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
