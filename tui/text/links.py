"""Links and spans: safe http(s) URLs, spans carried through cleaning, plain text → RichText.

Links keep only http(s) targets, normalised to printable ASCII, and link text that does not name
its real host gets the host shown beside it.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import quote, urlsplit

from tui.model import RichText, Span, SpanKind
from tui.text.sanitise import ELLIPSIS, Bounds, _clean, clean, clean_line

# --- URLs ----------------------------------------------------------------------------------

_URL_TRIM = "".join(chr(c) for c in range(0x21)) + "\x7f"
_URL_WHITESPACE_RE = re.compile(r"[\t\n\r]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_HOST_RE = re.compile(r"[a-z0-9_](?:[a-z0-9_.-]*+(?<=[a-z0-9_.]))?")
_URL_SAFE_CHARS = "!#$%&'()*+,-./:;=?@[]~_"
_MAX_URL = 4096


def _parse_url(url: object) -> tuple[str, str] | None:
    """(normalised URL, display host) for a safe http(s) URL, else None."""
    # Checked before the cache so that huge hostile strings are never kept as cache keys.
    if not isinstance(url, str) or len(url) > _MAX_URL:
        return None
    return _parse_short_url(url)


@lru_cache(maxsize=4096)
def _parse_short_url(url: str) -> tuple[str, str] | None:
    url = _URL_WHITESPACE_RE.sub("", url.strip(_URL_TRIM))
    if not url or _SURROGATE_RE.search(url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    # Credentials in a URL ("https://bank.example@evil.example") exist to mislead readers.
    if scheme not in ("http", "https") or not host or "@" in parts.netloc or "\\" in parts.netloc:
        return None
    if ":" in host:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return None
        host = f"[{host}]"
    else:
        if not host.isascii():
            try:
                host = host.encode("idna").decode("ascii").lower()
            except UnicodeError:
                return None
        if not _HOST_RE.fullmatch(host) or ".." in host:
            return None
    netloc = host if port is None else f"{host}:{port}"
    normal = f"{scheme}://{netloc}{quote(parts.path, safe=_URL_SAFE_CHARS)}"
    if parts.query:
        normal += "?" + quote(parts.query, safe=_URL_SAFE_CHARS)
    if parts.fragment:
        normal += "#" + quote(parts.fragment, safe=_URL_SAFE_CHARS)
    return normal, host


def safe_url(url: str) -> str | None:
    """The URL normalised to printable ASCII if it is http(s) with a host, else None.

    Rejects other schemes (javascript:, data:, file:...), credentials and malformed hosts;
    internationalised hosts become punycode so look-alikes are visible.
    """
    parsed = _parse_url(url)
    return parsed[0] if parsed else None


def link_host(url: str) -> str:
    """The lowercase host of a safe http(s) URL as punycode (xn--…), or "" when unsafe."""
    parsed = _parse_url(url)
    return parsed[1] if parsed else ""


def _names_host(visible: str, host: str) -> bool:
    """Whether link text starts with the link's own host, so the reader already sees it."""
    text = clean_line(visible).lower()
    for prefix in ("https://", "http://"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    text = text.removeprefix("www.")
    host = host.removeprefix("www.")
    rest = text[len(host) : len(host) + 1]
    return text.startswith(host) and (not rest or rest in "/:?#" + ELLIPSIS)


# --- spans -------------------------------------------------------------------------------


_Cand = tuple[int, int, SpanKind, str, str]  # start, end, kind, target, host


def _checked(spans: Iterable[Span], length: int) -> list[_Cand]:
    """Spans in range, with safe targets, sorted, without overlaps (first one wins)."""
    ok: list[_Cand] = []
    for span in spans:
        if not (0 <= span.start < span.end <= length):
            continue
        if span.kind is SpanKind.LINK:
            parsed = _parse_url(span.target)
            if parsed is not None:
                ok.append((span.start, span.end, span.kind, *parsed))
        else:
            target = clean_line(span.target, 2000)
            if target:
                ok.append((span.start, span.end, span.kind, target, clean_line(span.host, 300)))
    ok.sort(key=lambda c: c[0])
    kept: list[_Cand] = []
    for cand in ok:
        if not kept or cand[0] >= kept[-1][1]:
            kept.append(cand)
    return kept


def _rich(text: str, spans: Iterable[Span], max_len: int, truncated: bool = False) -> RichText:
    """Clean `text`, label links whose text hides their host, and carry `spans` along."""
    cands = _checked(spans, len(text))
    if not cands:
        return RichText(_clean(text, max_len, None, truncated)) if text or truncated else RichText()
    # Show the real host after link text that does not name it; later spans shift right.
    pieces: list[str] = []
    starts: Bounds = []
    ends: Bounds = []
    last = shift = 0
    for start, end, kind, _, host in cands:
        starts.append([start + shift, 0])
        ends.append([end + shift, 1])
        if kind is SpanKind.LINK and not _names_host(text[start:end], host):
            label = f" [{host}]"
            pieces.append(text[last:end] + label)
            last = end
            shift += len(label)
    pieces.append(text[last:])
    # The bound cells are shared: sorting a list of them for _clean leaves starts/ends intact.
    cleaned = _clean("".join(pieces), max_len, sorted(starts + ends), truncated)
    result: list[Span] = []
    last_end = -1
    for (_, _, kind, target, host), (start, _), (end, _) in zip(cands, starts, ends):
        if start < end and start >= last_end:
            result.append(Span(start, end, kind, target, host))
            last_end = end
    return RichText(cleaned, tuple(result))


def rich_from_spans(text: str, spans: Iterable[Span], max_len: int = 20000) -> RichText:
    """Sanitised text with spans given in code points of the ORIGINAL text.

    Spans out of range, empty, overlapping an earlier one or (for links) pointing anywhere but
    http(s) are dropped; the rest are moved to where their characters end up after cleaning.
    """
    return _rich(text or "", spans, max_len)


# --- plain text ----------------------------------------------------------------------------

# Each pattern starts with its literal first character (then looks behind it) so that `re`
# can skip ahead quickly.
_URL_RE = re.compile(r"[hH](?<![\w/@.][hH])[tT][tT][pP][sS]?://[^\s<>\"]++")
_URL_END_PUNCT = ".,;:!?'\"*" + ELLIPSIS
_CLOSERS = {")": "(", "]": "[", "}": "{"}
_NOSTR_RE = re.compile(r"n(?<![\w/]n)ostr:((?:npub1|nprofile1)[02-9ac-hj-np-z]{6,}+)")
_MENTION_RE = re.compile(
    r"@(?<![\w@/.:]@)([A-Za-z0-9_](?:[A-Za-z0-9_.-]*(?<=[A-Za-z0-9_]))?)"
    r"(?:@([A-Za-z0-9](?:[A-Za-z0-9.-]*(?<=[A-Za-z0-9]))?))?"
)
# A candidate runs until whitespace or ASCII punctuation other than "_"; _tag_length trims it.
_HASHTAG_RE = re.compile(r"#(?<![\w#&/@]#)([^\s!-/:-@\[-\^`{-~]++)")


def _url_length(url: str) -> int:
    """Length of a URL found in prose, without trailing punctuation or an unbalanced closer."""
    balance = {closer: url.count(closer) - url.count(opener) for closer, opener in _CLOSERS.items()}
    end = len(url)
    while end:
        last = url[end - 1]
        if last in _URL_END_PUNCT:
            end -= 1
        elif balance.get(last, 0) > 0:  # more closers than openers: this one ends the prose
            balance[last] -= 1
            end -= 1
        else:
            break
    return end


def _tag_length(tag: str) -> int:
    """How much of a hashtag candidate is letters, digits, marks, "_" or joiners."""
    for i, char in enumerate(tag):
        if not (char.isalnum() or char in "_\u200c\u200d" or unicodedata.category(char)[0] == "M"):
            return i
    return len(tag)


def _plain_spans(text: str) -> list[Span]:
    found: list[Span] = []
    for m in _URL_RE.finditer(text):
        end = m.start() + _url_length(m.group())
        url = text[m.start() : end]
        if safe_url(url):
            found.append(Span(m.start(), end, SpanKind.LINK, url))
    for m in _NOSTR_RE.finditer(text):
        found.append(Span(m.start(), m.end(), SpanKind.MENTION, m.group(1)))
    for m in _MENTION_RE.finditer(text):
        handle = m.group(1) + (f"@{m.group(2)}" if m.group(2) else "")
        found.append(Span(m.start(), m.end(), SpanKind.MENTION, handle))
    for m in _HASHTAG_RE.finditer(text):
        tag = m.group(1)[: _tag_length(m.group(1))].rstrip("\u200c\u200d")
        if any(c.isalpha() for c in tag):
            found.append(Span(m.start(), m.start() + 1 + len(tag), SpanKind.HASHTAG, tag))
    return found


def plain_to_rich(text: str, max_len: int = 20000) -> RichText:
    """Sanitised plain text with spans for http(s) URLs, #hashtags, @mentions and nostr: URIs.

    Mention targets are "user", "user@domain" or the npub/nprofile bech32 string.
    """
    cleaned = clean(text, max_len)
    return _rich(cleaned, _plain_spans(cleaned), max_len)
