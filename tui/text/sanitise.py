"""The one sanitiser for remote text: `clean` and `clean_line`.

Every string from a server or relay passes through here when model objects are built, so that
widgets only ever see text that cannot drive the terminal: no C0/C1 controls (no ESC, no BEL, no
CR), no bidi overrides or invisible characters that disguise text, bounded combining marks and
bounded length.

`clean` is a short pipeline of regular expressions (the largest compiled on first use). The same
steps can also carry span offsets through every edit (see `tui.text.links`), so spans computed on
the original text stay on the right characters after cleaning.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable


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


@functools.cache
def _bmp_trigger_re() -> re.Pattern[str]:
    """Compiled on first use, as are the mark patterns: these large classes took most of this
    module's import time, and only non-ASCII text needs them."""
    return re.compile(f"[{_BASIC_TRIGGER}]")


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


@functools.cache
def _marks_re() -> re.Pattern[str]:
    return re.compile(f"[{_MARK_CLASS}][{_MARK_CLASS}]{{{MAX_MARKS},}}+")


@functools.cache
def _marks_bmp_re() -> re.Pattern[str]:
    return re.compile(f"[{_MARK_BMP_CLASS}][{_MARK_BMP_CLASS}]{{{MAX_MARKS},}}+")


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
        if _bmp_trigger_re().search(s) or _ASTRAL_RE.search(s):
            s = _sub(_BASIC_RE, _basic, s, bounds)
        if "\u200c" in s or "\u200d" in s:
            s = _sub(_JOINERS_RE, _remove, s, bounds)
        marks = _marks_re() if _ASTRAL_RE.search(s) else _marks_bmp_re()
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
