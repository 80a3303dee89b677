"""Every hostile input in ../shared/hostile must come out of tui.text harmless and readable.

Each case is checked for the behaviour its `expect` names; every case, known or new, also gets
the general checks (no ESC, no other C0 but newline, no C1, no bidi controls, bounded length).
"""

from __future__ import annotations

import html
from typing import Any
from collections.abc import Callable

import pytest

from tests.support import hostile_cases, hostile_html_value, hostile_string
from tui.model import RichText, SpanKind
from tui.text import MAX_MARKS, clean, clean_line, html_to_rich, plain_to_rich

BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")

STRINGS = hostile_cases("strings.json")
HTML = hostile_cases("html.json")


def assert_harmless(text: str, *, one_line: bool = False) -> None:
    for char in text:
        code = ord(char)
        assert code >= 0x20 or (char == "\n" and not one_line), f"C0 control {code:#x} in {text!r}"
        assert code != 0x7F, f"DEL in {text!r}"
        assert not 0x80 <= code <= 0x9F, f"C1 control {code:#x} in {text!r}"
        assert char not in BIDI, f"bidi control {code:#x} in {text!r}"
        assert not 0xD800 <= code <= 0xDFFF, f"lone surrogate {code:#x} in {text!r}"
    text.encode("utf-8")  # strict: would raise on anything a terminal could not receive


def assert_spans_valid(rich: RichText) -> None:
    last = 0
    for span in rich.spans:
        assert last <= span.start < span.end <= len(rich.text)
        last = span.end


def all_views(text: str) -> dict[str, str]:
    """What each entry point shows for `text`: plain, one-line, plain rich, and as HTML."""
    views = {
        "clean": clean(text),
        "clean_line": clean_line(text),
        "plain_to_rich": plain_to_rich(text).text,
        "html escaped": html_to_rich(html.escape(text)).text,
        "html raw": html_to_rich(text).text,
    }
    return views


@pytest.mark.parametrize("case", STRINGS, ids=[c["name"] for c in STRINGS])
def test_every_hostile_string_is_harmless_everywhere(case: dict[str, Any]) -> None:
    text = hostile_string(case)
    for name, shown in all_views(text).items():
        assert_harmless(shown, one_line=name == "clean_line")
    assert len(clean(text)) <= 20000
    assert len(clean_line(text)) <= 500
    assert clean(clean(text)) == clean(text)
    assert_spans_valid(plain_to_rich(text))


def _inline(text: str, *words: str) -> None:
    """All words shown, on one line, in order."""
    line = next((line for line in text.split("\n") if words[0] in line), "")
    pos = 0
    for word in words:
        pos = line.find(word, pos)
        assert pos >= 0, f"{word!r} not shown inline in {text!r}"


def _osc52_st(shown: str) -> None:
    _inline(shown, "hi", "there")
    assert "52;c;" not in shown  # the clipboard payload is gone, not only its ESC


def _osc52_bel(shown: str) -> None:
    assert "\x07" not in shown and "\x1b" not in shown
    _inline(shown, "copy", "me")


def _osc0(shown: str) -> None:
    assert "sudo password" not in shown  # the would-be title is not shown as if it were text
    assert shown == "title"


def _nothing(shown: str) -> None:
    assert shown == ""


def _osc8(shown: str) -> None:
    assert shown == "https://bank.example"
    rich = plain_to_rich(shown)
    assert all("evil.example" not in s.target for s in rich.spans)


def _clear(shown: str) -> None:
    _inline(shown, "ok", "Session expired, re-enter password")


def _c1(word: str) -> Callable[[str], None]:
    def check(shown: str) -> None:
        assert shown.strip() == word

    return check


def _tmux(shown: str) -> None:
    assert "\x1b" not in shown and "\x07" not in shown and "ZXZpbA==" not in shown


def _equals(expected: str) -> Callable[[str], None]:
    def check(shown: str) -> None:
        assert shown == expected

    return check


def _combining(shown: str) -> None:
    assert shown == "a" + "\u0301" * MAX_MARKS


def _surrogate(shown: str) -> None:
    assert shown == "broken \ufffd emoji"


def _literal(text: str) -> Callable[[str], None]:
    return _equals(text)


def _cr(shown: str) -> None:
    assert "\r" not in shown
    assert "harmless text" in shown and "EVIL" in shown
    assert "harmless text" in clean_line("harmless text\rEVIL")


def _bs(shown: str) -> None:
    assert shown == "safeEVIL"  # both words visible; nothing erased "safe"


def _huge(shown: str) -> None:
    assert len(shown) == 20000 and shown.endswith("…")


STRING_CHECKS: dict[str, Callable[[str], None]] = {
    "osc52-clipboard-st": _osc52_st,
    "osc52-clipboard-bel": _osc52_bel,
    "osc0-title": _osc0,
    "csi-report-title": _nothing,
    "osc8-fake-link": _osc8,
    "csi-clear-screen": _clear,
    "c1-csi": _c1("c1"),
    "c1-osc": _c1("c1osc"),
    "tmux-passthrough": _tmux,
    "bidi-override": _equals("invoicefdp.exe"),
    "zero-width": _equals("paypal.com"),
    "combining-flood": _combining,
    "lone-surrogate": _surrogate,
    "zwj-emoji-kept": _equals("family \U0001f468\u200d\U0001f469\u200d\U0001f467 ok"),
    "markup-click-action": _literal("[@click=app.screenshot('x.svg','.')]Read more[/]"),
    "markup-simulate-key": _literal("[@click=app.simulate_key('d')]x[/]"),
    "markup-stray-close": _literal("[/]hello"),
    "markup-empty-click": _literal("[@click=]x[/]"),
    "markup-fake-link": _literal("[link=https://evil.example]bank.example[/link]"),
    "markup-style": _literal("[bold red on white blink]IMPORTANT[/]"),
    "trailing-backslash": _literal("display name\\"),
    "carriage-return-overwrite": _cr,
    "backspace-overwrite": _bs,
    "nul-byte": _equals("nulbyte"),
    "huge-post": _huge,
}


@pytest.mark.parametrize("case", STRINGS, ids=[c["name"] for c in STRINGS])
def test_hostile_string_behaves_as_expected(case: dict[str, Any]) -> None:
    """The specific behaviour named by `expect`, for plain text and for HTML-escaped content."""
    check = STRING_CHECKS.get(case["name"])
    if check is None:
        pytest.fail(f"new hostile case {case['name']!r} ({case['expect']}): add its check here")
    text = hostile_string(case)
    check(clean(text))
    check(html_to_rich("<p>" + html.escape(text) + "</p>").text)
    if case["name"] != "huge-post":
        check(plain_to_rich(text).text)


def test_markup_looking_text_is_never_a_link() -> None:
    rich = plain_to_rich("[link=https://evil.example]bank.example[/link]")
    assert not any(
        s.kind is SpanKind.LINK and "evil" not in rich.text[s.start : s.end] for s in rich.spans
    )


def test_huge_one_line_field_is_capped() -> None:
    shown = clean_line("x" * 2_000_000)
    assert len(shown) == 500 and shown.endswith("…")


@pytest.mark.parametrize("case", HTML, ids=[c["name"] for c in HTML])
def test_every_hostile_html_is_harmless(case: dict[str, Any]) -> None:
    rich = html_to_rich(hostile_html_value(case))
    assert_harmless(rich.text)
    assert_spans_valid(rich)
    assert clean(rich.text) == rich.text


def _host_mismatch(rich: RichText) -> None:
    assert rich.text == "bank.example/login [evil.example]"
    (span,) = rich.spans
    assert span.kind is SpanKind.LINK
    assert rich.text[span.start : span.end] == "bank.example/login"
    assert span.target == "https://evil.example" and span.host == "evil.example"


def _deep(rich: RichText) -> None:
    assert rich.text == "deep"


def _script(rich: RichText) -> None:
    assert rich.text == "hi"


def _entities(rich: RichText) -> None:
    assert rich.text.startswith("<b>not bold</b> & ")
    assert "\x1b" not in rich.text and "\x07" not in rich.text


def _unclosed(rich: RichText) -> None:
    assert rich.text == "open bold italic"


def _paragraphs(rich: RichText) -> None:
    assert rich.text == "one\ntwo\n\nthree"


def _badge(rich: RichText) -> None:
    assert rich.text == ":verified: real account"
    assert rich.spans == ()


HTML_CHECKS: dict[str, Callable[[RichText], None]] = {
    "link-host-mismatch": _host_mismatch,
    "deep-nesting": _deep,
    "script-style": _script,
    "entities": _entities,
    "unclosed": _unclosed,
    "br-and-paragraphs": _paragraphs,
    "custom-emoji-badge": _badge,
}


@pytest.mark.parametrize("case", HTML, ids=[c["name"] for c in HTML])
def test_hostile_html_behaves_as_expected(case: dict[str, Any]) -> None:
    check = HTML_CHECKS.get(case["name"])
    if check is None:
        pytest.fail(f"new hostile case {case['name']!r} ({case['expect']}): add its check here")
    check(html_to_rich(hostile_html_value(case)))


def test_hostile_strings_inside_html_attributes_and_links_stay_harmless() -> None:
    for case in STRINGS:
        text = hostile_string(case)[:5000]
        attr = html.escape(text, quote=True)
        rich = html_to_rich(f'<p><a href="https://x.example/{attr}">{attr}</a> {attr}</p>')
        assert_harmless(rich.text)
        assert_spans_valid(rich)
        for span in rich.spans:
            assert span.target.isascii() and span.target.isprintable()
