"""The one sanitiser for remote text, and HTML/plain text → `RichText` with safe spans.

Every string from a server or relay passes through here when model objects are built, so that
widgets only ever see text that cannot drive the terminal: no C0/C1 controls (no ESC, no BEL, no
CR), no bidi overrides or invisible characters that disguise text, bounded combining marks and
bounded length. Links keep only http(s) targets, normalised to printable ASCII, and link text
that does not name its real host gets the host shown beside it.

`clean` is a short pipeline of precompiled regular expressions. The same steps can also carry
span offsets through every edit (`rich_from_spans`), so spans computed on the original text stay
on the right characters after cleaning.
"""

from __future__ import annotations

import html
import ipaddress
import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from urllib.parse import quote, urlsplit

from tui.model import RichText, Span, SpanKind

__all__ = [
    "clean",
    "clean_line",
    "html_to_rich",
    "link_host",
    "plain_to_rich",
    "rich_from_spans",
    "safe_url",
]

ELLIPSIS = "…"
MAX_MARKS = 4  # combining marks kept per base character: accents stay, "zalgo" floods go
MAX_BLANK_LINES = 2
TAB = "    "
# Raw input beyond this multiple of max_len is never looked at: cleaning removes at most a
# bounded share of real text, and huge inputs must cost little.
_RAW_FACTOR = 4

# Always dropped, wherever they are: C0 but \t \n \r (handled below), DEL, C1, soft hyphen,
# bidi marks/embeddings/overrides/isolates, zero-width space, word joiner and invisible
# operators, deprecated format controls, BOM, Hangul fillers (blank "names"), interlinear
# annotation controls, noncharacters U+FFFE/U+FFFF and layout controls terminals cannot show.
# Kept Cf characters: ZWJ/ZWNJ (see _JOINERS) and the visible prepended concatenation marks
# (U+0600–0605, U+06DD, U+070F, U+0890–0891, U+08E2, U+110BD, U+110CD).
_DROP_BMP = (
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\xad\u061c\u115f\u1160\u180e\u200b\u200e\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb\ufffe\uffff"
)
_DROP_ASTRAL = "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
_DROP_CLASS = _DROP_BMP + _DROP_ASTRAL
_DROP_RE = re.compile(f"[{_DROP_CLASS}]")

# Nonspacing and enclosing marks (Mn, Me) of Unicode 14, as hex ranges. Only runs of these are
# capped; a test checks the table against unicodedata.
_MARK_RANGES = (
    "300-36f 483-489 591-5bd 5bf 5c1-5c2 5c4-5c5 5c7 610-61a 64b-65f 670 6d6-6dc 6df-6e4 "
    "6e7-6e8 6ea-6ed 711 730-74a 7a6-7b0 7eb-7f3 7fd 816-819 81b-823 825-827 829-82d 859-85b "
    "898-89f 8ca-8e1 8e3-902 93a 93c 941-948 94d 951-957 962-963 981 9bc 9c1-9c4 9cd 9e2-9e3 "
    "9fe a01-a02 a3c a41-a42 a47-a48 a4b-a4d a51 a70-a71 a75 a81-a82 abc ac1-ac5 ac7-ac8 acd "
    "ae2-ae3 afa-aff b01 b3c b3f b41-b44 b4d b55-b56 b62-b63 b82 bc0 bcd c00 c04 c3c c3e-c40 "
    "c46-c48 c4a-c4d c55-c56 c62-c63 c81 cbc cbf cc6 ccc-ccd ce2-ce3 d00-d01 d3b-d3c d41-d44 "
    "d4d d62-d63 d81 dca dd2-dd4 dd6 e31 e34-e3a e47-e4e eb1 eb4-ebc ec8-ecd f18-f19 f35 f37 "
    "f39 f71-f7e f80-f84 f86-f87 f8d-f97 f99-fbc fc6 102d-1030 1032-1037 1039-103a 103d-103e "
    "1058-1059 105e-1060 1071-1074 1082 1085-1086 108d 109d 135d-135f 1712-1714 1732-1733 "
    "1752-1753 1772-1773 17b4-17b5 17b7-17bd 17c6 17c9-17d3 17dd 180b-180d 180f 1885-1886 18a9 "
    "1920-1922 1927-1928 1932 1939-193b 1a17-1a18 1a1b 1a56 1a58-1a5e 1a60 1a62 1a65-1a6c "
    "1a73-1a7c 1a7f 1ab0-1ace 1b00-1b03 1b34 1b36-1b3a 1b3c 1b42 1b6b-1b73 1b80-1b81 1ba2-1ba5 "
    "1ba8-1ba9 1bab-1bad 1be6 1be8-1be9 1bed 1bef-1bf1 1c2c-1c33 1c36-1c37 1cd0-1cd2 1cd4-1ce0 "
    "1ce2-1ce8 1ced 1cf4 1cf8-1cf9 1dc0-1dff 20d0-20f0 2cef-2cf1 2d7f 2de0-2dff 302a-302d "
    "3099-309a a66f-a672 a674-a67d a69e-a69f a6f0-a6f1 a802 a806 a80b a825-a826 a82c a8c4-a8c5 "
    "a8e0-a8f1 a8ff a926-a92d a947-a951 a980-a982 a9b3 a9b6-a9b9 a9bc-a9bd a9e5 aa29-aa2e "
    "aa31-aa32 aa35-aa36 aa43 aa4c aa7c aab0 aab2-aab4 aab7-aab8 aabe-aabf aac1 aaec-aaed aaf6 "
    "abe5 abe8 abed fb1e fe00-fe0f fe20-fe2f 101fd 102e0 10376-1037a 10a01-10a03 10a05-10a06 "
    "10a0c-10a0f 10a38-10a3a 10a3f 10ae5-10ae6 10d24-10d27 10eab-10eac 10f46-10f50 10f82-10f85 "
    "11001 11038-11046 11070 11073-11074 1107f-11081 110b3-110b6 110b9-110ba 110c2 11100-11102 "
    "11127-1112b 1112d-11134 11173 11180-11181 111b6-111be 111c9-111cc 111cf 1122f-11231 11234 "
    "11236-11237 1123e 112df 112e3-112ea 11300-11301 1133b-1133c 11340 11366-1136c 11370-11374 "
    "11438-1143f 11442-11444 11446 1145e 114b3-114b8 114ba 114bf-114c0 114c2-114c3 115b2-115b5 "
    "115bc-115bd 115bf-115c0 115dc-115dd 11633-1163a 1163d 1163f-11640 116ab 116ad 116b0-116b5 "
    "116b7 1171d-1171f 11722-11725 11727-1172b 1182f-11837 11839-1183a 1193b-1193c 1193e 11943 "
    "119d4-119d7 119da-119db 119e0 11a01-11a0a 11a33-11a38 11a3b-11a3e 11a47 11a51-11a56 "
    "11a59-11a5b 11a8a-11a96 11a98-11a99 11c30-11c36 11c38-11c3d 11c3f 11c92-11ca7 11caa-11cb0 "
    "11cb2-11cb3 11cb5-11cb6 11d31-11d36 11d3a 11d3c-11d3d 11d3f-11d45 11d47 11d90-11d91 11d95 "
    "11d97 11ef3-11ef4 16af0-16af4 16b30-16b36 16f4f 16f8f-16f92 16fe4 1bc9d-1bc9e 1cf00-1cf2d "
    "1cf30-1cf46 1d167-1d169 1d17b-1d182 1d185-1d18b 1d1aa-1d1ad 1d242-1d244 1da00-1da36 "
    "1da3b-1da6c 1da75 1da84 1da9b-1da9f 1daa1-1daaf 1e000-1e006 1e008-1e018 1e01b-1e021 "
    "1e023-1e024 1e026-1e02a 1e130-1e136 1e2ae 1e2ec-1e2ef 1e8d0-1e8d6 1e944-1e94a e0100-e01ef"
)


def _char_class(ranges: str) -> str:
    parts = []
    for item in ranges.split():
        lo, _, hi = item.partition("-")
        parts.append(f"\\U{int(lo, 16):08x}" + (f"-\\U{int(hi, 16):08x}" if hi else ""))
    return "".join(parts)


_MARK_CLASS = _char_class(_MARK_RANGES)
# `re` keeps a class with astral characters as a list of ranges scanned per character, but a
# BMP-only class as a bitmap; so the astral parts run only when a cheap two-range check sees
# such characters (emoji, above U+1F000, are outside both ranges).
_MARK_BMP_CLASS = _char_class(
    " ".join(r for r in _MARK_RANGES.split() if int(r.partition("-")[0], 16) < 0x10000)
)
_ASTRAL_RE = re.compile("[\U00010000-\U0001e94a\U000e0000-\U000e01ef]")

# --- the cleaning pipeline ---------------------------------------------------------------
#
# Each step is a regex and a replacement function. `clean` runs `pattern.sub`; the span-keeping
# path runs the same pattern and function through `_mapped_sub`, so both produce the same text.
# Order matters for idempotence: controls go first, then joiners (whose neighbours are final
# by then), then mark runs (which joiner removal may merge), then blank lines and the ends.

Bounds = list[list[int]]  # [[position, is_end], ...] sorted by position

# Whole terminal escape sequences go, not only their ESC, so no payload litters the text:
# CSI, OSC (ended by BEL or ST), DCS/SOS/PM/APC (ended by ST), then other ESC pairs; in their
# 7-bit and C1 forms. Unterminated ones lose just the introducer, like any other control.
# Payloads stop at any ESC or C1 character, so a flood of introducers costs linear time.
_ESCAPES = (
    "(?:\x1b\\[|\x9b)[0-?]{0,64}+[ -/]{0,8}+[@-~]"
    "|(?:\x1b\\]|\x9d)[^\x07\x1b\x80-\x9f]{0,4096}+(?:\x07|\x1b\\\\|\x9c)"
    "|(?:\x1b[PX^_]|[\x90\x98\x9e\x9f])[^\x1b\x80-\x9f]{0,4096}+(?:\x1b\\\\|\x9c)"
    "|\x1b[ -/]{0,4}+[0-~]"
)
_INTRODUCERS = "\x1b\x90\x98\x9b\x9d\x9e\x9f"
_BASIC_TRIGGER = f"\ud800-\udfff\r\t\u2028\u2029{_DROP_BMP}"
_ASCII_TRIGGER_RE = re.compile("[\x00-\x09\x0b-\x1f\x7f]")
_BMP_TRIGGER_RE = re.compile(f"[{_BASIC_TRIGGER}]")
# Subdivision flags (England, Scotland, Wales) are U+1F3F4 + tag letters + CANCEL TAG; any
# other tag character is invisible smuggling and goes. The lookahead lets `re` skip ordinary
# characters without trying every branch.
_BASIC_RE = re.compile(
    f"(?=[{_BASIC_TRIGGER}\U0001f3f4]|{_ASTRAL_RE.pattern})(?:"
    "[\ud800-\udbff][\udc00-\udfff]|[\ud800-\udfff]"
    "|\r\n?|[\u2028\u2029]|\t"
    "|\U0001f3f4[\U000e0020-\U000e007e]{1,16}\U000e007f|[\U000e0000-\U000e007f]+"
    f"|{_ESCAPES}|[{_INTRODUCERS}]|(?:(?![{_INTRODUCERS}])[{_DROP_CLASS}])+)"
)


def _basic(m: re.Match[str]) -> str:
    found = m.group()
    first = found[0]
    if first == "\r" or first in "\u2028\u2029":
        return "\n"
    if first == "\t":
        return TAB
    if "\ud800" <= first <= "\udfff":
        if len(found) == 2:  # a UTF-16 pair left split in a str: join it
            char = chr(0x10000 + ((ord(first) - 0xD800) << 10) + (ord(found[1]) - 0xDC00))
            return "" if _DROP_RE.match(char) or "\U000e0000" <= char <= "\U000e007f" else char
        return "\ufffd"
    if first == "\U0001f3f4":
        return found
    return ""


# ZWJ/ZWNJ matter only between two non-ASCII characters (emoji sequences, Indic and Arabic-
# script words); next to ASCII, spaces or each other they only hide things ("pay\u200dpal").
# Patterns start with a plain character class so that `re` can skip to candidates quickly.
_JOINER_NEIGHBOUR = r"[^\x00-\x7f\s\u200c\u200d]"
_JOINERS_RE = re.compile(
    rf"[\u200c\u200d](?:(?<!{_JOINER_NEIGHBOUR}[\u200c\u200d])|(?!{_JOINER_NEIGHBOUR}))"
)
_MARKS_RE = re.compile(f"[{_MARK_CLASS}][{_MARK_CLASS}]{{{MAX_MARKS},}}+")
_MARKS_BMP_RE = re.compile(f"[{_MARK_BMP_CLASS}][{_MARK_BMP_CLASS}]{{{MAX_MARKS},}}+")
_BLANK_LINES_RE = re.compile(rf"\n(?:[^\S\n]*+\n){{{MAX_BLANK_LINES + 1},}}+")
_BLANK_LINES = "\n" * (MAX_BLANK_LINES + 1)


def _mapped_sub(s: str, edits: Iterable[tuple[int, int, str]], bounds: Bounds) -> str:
    """Apply edits (sorted, non-overlapping) to `s`, moving every bound along with the text.

    A bound inside a replaced range moves to the start of the replacement, or to its end when
    it ends a span, so spans keep covering what replaced their characters.
    """
    out: list[str] = []
    last = delta = k = 0
    n = len(bounds)
    for a, b, rep in edits:
        while k < n and bounds[k][0] <= a:
            bounds[k][0] += delta
            k += 1
        while k < n and bounds[k][0] < b:
            bounds[k][0] = a + delta + (len(rep) if bounds[k][1] else 0)
            k += 1
        out.append(s[last:a])
        out.append(rep)
        last = b
        delta += len(rep) - (b - a)
    for j in range(k, n):
        bounds[j][0] += delta
    out.append(s[last:])
    bounds.sort()
    return "".join(out)


def _sub(
    pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str], s: str, bounds: Bounds | None
) -> str:
    if bounds is None:
        return pattern.sub(repl, s)
    return _mapped_sub(s, ((m.start(), m.end(), repl(m)) for m in pattern.finditer(s)), bounds)


def _trim(s: str, bounds: Bounds | None) -> str:
    """Drop leading blank lines (keeping the first line's indent) and trailing whitespace."""
    body = s.lstrip()
    start = s.rfind("\n", 0, len(s) - len(body)) + 1
    end = len(s.rstrip())
    if bounds is None:
        return s[start:end] if end > start else ""
    if end <= start:  # nothing but whitespace
        return _mapped_sub(s, [(0, len(s), "")], bounds)
    return _mapped_sub(s, [(0, start, ""), (end, len(s), "")], bounds)


def _remove(m: re.Match[str]) -> str:
    return ""


def _cap_marks(m: re.Match[str]) -> str:
    return m.group()[:MAX_MARKS]


def _blank_lines(m: re.Match[str]) -> str:
    return _BLANK_LINES


def _pipeline(s: str, bounds: Bounds | None) -> str:
    """Every cleaning step but the length cap. Steps are skipped when a cheap test shows they
    cannot match, which keeps ordinary posts at a few microseconds."""
    if s.isascii():
        if _ASCII_TRIGGER_RE.search(s):
            s = _sub(_BASIC_RE, _basic, s, bounds)
    else:
        if _BMP_TRIGGER_RE.search(s) or _ASTRAL_RE.search(s):
            s = _sub(_BASIC_RE, _basic, s, bounds)
        if "\u200c" in s or "\u200d" in s:
            s = _sub(_JOINERS_RE, _remove, s, bounds)
        marks = _MARKS_RE if _ASTRAL_RE.search(s) else _MARKS_BMP_RE
        s = _sub(marks, _cap_marks, s, bounds)
    if "\n\n" in s:
        s = _sub(_BLANK_LINES_RE, _blank_lines, s, bounds)
    return _trim(s, bounds)


def _clip(bounds: Bounds | None, limit: int) -> None:
    if bounds:
        for b in bounds:
            b[0] = min(b[0], limit)


def _clean(s: str, max_len: int, bounds: Bounds | None = None, truncated: bool = False) -> str:
    max_len = max(1, max_len)
    budget = max_len * _RAW_FACTOR + 64
    if len(s) > budget:
        s = s[:budget]
        truncated = True
        _clip(bounds, budget)
    s = _pipeline(s, bounds)
    if truncated or len(s) > max_len:
        # Clean the cut prefix again: the cut may split a flag sequence or strand a joiner.
        _clip(bounds, max_len - 1)
        s = _pipeline(s[: max_len - 1], bounds) + ELLIPSIS
    return s


def clean(s: str, max_len: int = 20000) -> str:
    """Sanitise remote text for display; see the module docstring. Idempotent."""
    return _clean(s, max_len) if s else ""


def clean_line(s: str, max_len: int = 500) -> str:
    """`clean` for one-line fields (names, handles, titles): line breaks become one space."""
    if not s:
        return ""
    max_len = max(1, max_len)
    budget = max_len * _RAW_FACTOR + 64
    truncated = len(s) > budget
    text = _pipeline(s[:budget], None)
    if "\n" in text:
        text = " ".join(part.strip() for part in text.split("\n") if part.strip())
    if truncated or len(text) > max_len:
        text = _pipeline(text[: max_len - 1], None) + ELLIPSIS
    return text


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


# --- HTML ----------------------------------------------------------------------------------
#
# A small tokenizer instead of html.parser: HTMLParser rescans unfinished constructs and is
# quadratic on inputs such as "<a <a <a ..." or repeated "<!--" (tens of KB take seconds), and
# html.unescape raises on numeric references with thousands of digits. Every pattern below is
# possessive and cannot run past the next "<", so tokenizing is linear in the input.

MAX_DEPTH = 64  # deeper elements are flattened: their text is kept, their tags ignored
_HTML_FACTOR = 16  # raw HTML beyond max_len * this is not parsed
_TAG_RE = re.compile(
    r"<(/?)([A-Za-z][A-Za-z0-9:-]{0,31}+)"
    r"((?:\s++[^\s\"'<>/=]++(?:\s*+=\s*+(?:\"[^\"<]*+\"|'[^'<]*+'|[^\s\"'<>=`]++))?+)*+)"
    r"\s*+/?>"
)
_ATTR_RE = re.compile(
    r"([^\s\"'<>/=]++)(?:\s*+=\s*+(?:\"([^\"<]*+)\"|'([^'<]*+)'|([^\s\"'<>=`]++)))?+"
)
_RAW_TEXT_END = {
    "script": re.compile(r"</script[^<>]{0,64}+>", re.IGNORECASE),
    "style": re.compile(r"</style[^<>]{0,64}+>", re.IGNORECASE),
}
_LONG_CHARREF_RE = re.compile(r"&#(?:[xX][0-9a-fA-F]{7,}+|[0-9]{8,}+);?")
_HTML_SPACE_RE = re.compile(r"[ \t\n\r\f]++")
_VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())
_PARAGRAPHS = frozenset(
    "p h1 h2 h3 h4 h5 h6 table figure details address dl hr header footer section article".split()
)
_LINES = frozenset("div tr dt dd figcaption summary main nav aside".split())
_SHORTCODE_RE = re.compile(r":[A-Za-z0-9_]{1,64}+:")


def _unescape(text: str) -> str:
    if "&" not in text:
        return text
    return html.unescape(_LONG_CHARREF_RE.sub("\ufffd", text))


class _Anchor:
    __slots__ = ("href", "classes", "start", "text")

    def __init__(self, href: str, classes: frozenset[str]) -> None:
        self.href = href
        self.classes = classes
        self.start = -1  # where its first visible character went; -1 while none
        self.text: list[str] = []


class _Walker:
    """Turns tag and text events into raw text plus spans, with an explicit element stack."""

    def __init__(self, limit: int) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.limit = limit
        self.full = False
        self.spans: list[Span] = []
        self.stack: list[tuple[str, str]] = []  # (tag, effect to undo when it closes)
        self.open: dict[str, int] = {}  # tag → how many are on the stack
        self.overflow = 0  # elements opened beyond MAX_DEPTH
        self.hidden = 0
        self.pre = 0
        self.quote = 0
        self.lists: list[list[int]] = []  # [ordered, items so far] per open list
        self.bullet = ""
        self.breaks = 0  # newlines owed before the next text
        self.newlines = 0  # newlines at the end of the output
        self.space = False  # output ends with a space
        self.anchor: _Anchor | None = None

    # output

    def _emit(self, s: str) -> None:
        self.parts.append(s)
        self.length += len(s)
        stripped = s.rstrip("\n")
        self.newlines = (self.newlines if not stripped else 0) + len(s) - len(stripped)
        self.space = s.endswith(" ")
        if self.anchor is not None and self.anchor.start >= 0:
            self.anchor.text.append(s)
        if self.length >= self.limit:
            self.full = True

    def _drop_space(self) -> None:
        if self.space:
            self.parts[-1] = self.parts[-1][:-1]
            self.length -= 1
            self.space = False
            if self.anchor is not None and self.anchor.text:
                self.anchor.text[-1] = self.anchor.text[-1][:-1]

    def _newline(self, count: int) -> None:
        if self.length and count > self.newlines:
            self._drop_space()
            self._emit("\n" * (count - self.newlines))

    def text(self, data: str) -> None:
        if self.hidden or self.full or not data:
            return
        # Controls and escape sequences go before whitespace is collapsed, so that a control
        # between two spaces leaves one space.
        if _BMP_TRIGGER_RE.search(data) or _ASTRAL_RE.search(data):
            data = _BASIC_RE.sub(_basic, data)
        if not self.pre:
            data = _HTML_SPACE_RE.sub(" ", data)
            if data == " ":  # whitespace between tags: at most one space, never a line break
                if not (self.breaks or self.space or self.length == 0 or self.newlines):
                    self._emit(" ")
                return
        if self.breaks:
            self._newline(self.breaks)
            self.breaks = 0
        line_start = self.length == 0 or self.newlines > 0
        if not self.pre and (line_start or self.space):
            data = data.lstrip(" ")
        if not data:
            return
        anchor = self.anchor
        if anchor is not None and anchor.start < 0 and data[0] == " ":
            self._emit(" ")
            data = data[1:]
        for i, line in enumerate(data.split("\n")):
            if i:
                self._emit("\n")
            if line and (self.length == 0 or self.newlines > 0):
                prefix = "> " * self.quote + self.bullet
                self.bullet = ""
                if prefix:
                    self._emit(prefix)
            if line:
                if anchor is not None and anchor.start < 0:
                    anchor.start = self.length
                self._emit(line)

    # structure

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag in _VOID:
            self._void(tag, attrs)
            return
        if len(self.stack) >= MAX_DEPTH:
            self.overflow += 1
            return
        effect = ""
        classes = frozenset(attrs.get("class", "").split())
        if tag in _PARAGRAPHS or tag in ("blockquote", "pre", "ul", "ol"):
            self.breaks = max(self.breaks, 1 if tag in ("ul", "ol") and self.lists else 2)
        elif tag in _LINES:
            self.breaks = max(self.breaks, 1)
        if tag == "blockquote":
            self.quote += 1
            effect = "quote"
        elif tag == "pre":
            self.pre += 1
            effect = "pre"
        elif tag in ("ul", "ol"):
            self.lists.append([tag == "ol", 0])
            effect = "list"
        elif tag == "li":
            self.breaks = max(self.breaks, 1)
            if self.lists:
                item = self.lists[-1]
                item[1] += 1
                marker = f"{item[1]}. " if item[0] else "• "
                self.bullet = "  " * (len(self.lists) - 1) + marker
            else:
                self.bullet = "• "
            effect = "li"
        elif tag == "a" and self.anchor is None and not self.hidden:
            self.anchor = _Anchor(attrs.get("href", ""), classes)
            effect = "a"
        elif self.anchor is not None and "invisible" in classes:
            self.hidden += 1
            effect = "hidden"
        elif "ellipsis" in classes:
            effect = "ellipsis"
        elif tag in ("td", "th"):
            self.text(" ")
        self.stack.append((tag, effect))
        self.open[tag] = self.open.get(tag, 0) + 1

    def _void(self, tag: str, attrs: dict[str, str]) -> None:
        if self.hidden:
            return
        if tag == "br":
            if self.breaks:
                self._newline(self.breaks)
                self.breaks = 0
            if self.length:
                self._drop_space()
                self._emit("\n")
        elif tag == "hr":
            self.breaks = max(self.breaks, 2)
        elif tag == "img" and _SHORTCODE_RE.fullmatch(attrs.get("alt", "")):
            self.text(attrs["alt"])

    def end(self, tag: str) -> None:
        if tag in _VOID:
            return
        if self.overflow:
            self.overflow -= 1
            return
        if not self.open.get(tag):
            return
        while True:
            closed, effect = self.stack.pop()
            self._close(closed, effect)
            if closed == tag:
                return

    def _close(self, tag: str, effect: str) -> None:
        self.open[tag] -= 1
        if tag in _PARAGRAPHS or tag in ("blockquote", "pre", "ul", "ol"):
            self.breaks = max(self.breaks, 1 if tag in ("ul", "ol") and len(self.lists) > 1 else 2)
        elif tag in _LINES or tag == "li":
            self.breaks = max(self.breaks, 1)
        if effect == "quote":
            self.quote -= 1
        elif effect == "pre":
            self.pre -= 1
        elif effect == "list":
            self.lists.pop()
        elif effect == "li":
            self.bullet = ""
        elif effect == "hidden":
            self.hidden -= 1
        elif effect == "ellipsis":
            self.text(ELLIPSIS)
        elif effect == "a":
            self._close_anchor()

    def _close_anchor(self) -> None:
        anchor, self.anchor = self.anchor, None
        if anchor is None or anchor.start < 0:
            return
        end = self.length - (1 if self.space else 0)
        shown = "".join(anchor.text).strip()
        if end <= anchor.start or not shown:
            return
        href = anchor.href
        if "hashtag" in anchor.classes and shown.startswith("#") and len(shown) > 1:
            self.spans.append(Span(anchor.start, end, SpanKind.HASHTAG, shown[1:], link_host(href)))
        elif "mention" in anchor.classes and shown.startswith("@") and len(shown) > 1:
            handle, host = shown[1:], link_host(href)
            if "@" not in handle and host:
                handle = f"{handle}@{host}"
            self.spans.append(Span(anchor.start, end, SpanKind.MENTION, handle, host))
        elif href:
            self.spans.append(Span(anchor.start, end, SpanKind.LINK, href))

    def finish(self) -> None:
        while self.stack:
            self._close(*self.stack.pop())
        self._close_anchor()


def _walk(source: str, walker: _Walker) -> None:
    pos, size = 0, len(source)
    while pos < size and not walker.full:
        lt = source.find("<", pos)
        if lt < 0:
            walker.text(_unescape(source[pos:]))
            return
        if lt > pos:
            walker.text(_unescape(source[pos:lt]))
        m = _TAG_RE.match(source, lt)
        if m is not None:
            tag = m.group(2).lower()
            if m.group(1):
                walker.end(tag)
                pos = m.end()
                continue
            attrs = {}
            for a in _ATTR_RE.finditer(m.group(3)):
                value = a.group(2) if a.group(2) is not None else a.group(3) or a.group(4) or ""
                attrs.setdefault(a.group(1).lower(), _unescape(value))
            pos = m.end()
            if tag in _RAW_TEXT_END:  # script/style: skip to the end tag, or the end of input
                close = _RAW_TEXT_END[tag].search(source, pos)
                pos = close.end() if close else size
                continue
            walker.start(tag, attrs)
            if m.group().endswith("/>"):
                walker.end(tag)
            continue
        if source.startswith("<!--", lt):  # comments run to "-->" or to the end of input
            close = source.find("-->", lt + 4)
            pos = close + 3 if close >= 0 else size
        elif source.startswith(("<!", "<?", "</"), lt):  # declarations, bogus comments
            close = source.find(">", lt)
            pos = close + 1 if close >= 0 else size
        else:
            walker.text("<")
            pos = lt + 1


def html_to_rich(html_text: str, max_len: int = 20000) -> RichText:
    """Mastodon-style HTML → sanitised text with LINK, MENTION and HASHTAG spans.

    Paragraphs are separated by a blank line, <br> breaks the line, list items become "• item"
    lines, block quotes get "> ", script/style vanish and unknown tags keep only their text.
    Mastodon's hidden link parts stay hidden and shortened links end in "…".
    """
    if not html_text:
        return RichText()
    max_len = max(1, max_len)
    budget = max_len * _HTML_FACTOR + 1024
    walker = _Walker(max_len * 2 + 64)
    _walk(html_text[:budget], walker)
    walker.finish()
    truncated = walker.full or len(html_text) > budget
    return _rich("".join(walker.parts), walker.spans, max_len, truncated)
