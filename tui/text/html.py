"""HTML → `RichText`: an allowlist walker over a linear tokenizer, never recursive."""

from __future__ import annotations

import html
import re

from tui.model import RichText, Span, SpanKind
from tui.text.sanitise import _ASTRAL_RE, _BASIC_RE, ELLIPSIS, _basic, _bmp_trigger_re
from tui.text.links import _rich, link_host

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
        if _bmp_trigger_re().search(data) or _ASTRAL_RE.search(data):
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
