"""tui.text: the sanitiser, URL checks, HTML and plain text → RichText with spans."""

from __future__ import annotations

import json
import sys
import unicodedata

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.support import FIXTURES
from tui.model import RichText, Span, SpanKind
from tui.text import (
    MAX_MARKS,
    clean,
    clean_line,
    html_to_rich,
    link_host,
    plain_to_rich,
    rich_from_spans,
    safe_url,
)

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
ZWJ, ZWNJ, VS16 = "\u200d", "\u200c", "\ufe0f"

# --- strategies: ordinary text salted with every class of trouble --------------------------

TROUBLE = [
    "\x00",
    "\x07",
    "\x08",
    "\t",
    "\n",
    "\r",
    "\r\n",
    "\x0b",
    "\x0c",
    "\x1b",
    "\x1b[2J",
    "\x1b]0;t\x07",
    "\x1b]8;;https://e.example\x1b\\",
    "\x1bP",
    "\x1b\\",
    "\x7f",
    "\x85",
    "\x9b",
    "\x9c",
    "\x9d",
    "\xa0",
    "\xad",
    "\u200b",
    ZWNJ,
    ZWJ,
    "\u2028",
    "\u2029",
    "\u2060",
    "\ufeff",
    "\ufffe",
    "\u3164",
    VS16,
    "\u0301",
    "\u0301" * 7,
    "\U000e0100",
    "\U0001d167",
    "\U0001f3f4",
    "\U000e0067",
    "\U000e007f",
    "\U000e0001",
    "\ud83d",
    "\udc68",
    "\ud83d\udc68",
    "\U0001f468",
    "\u05d0",
    "\u0915",
    "\u094d",
    "  ",
    "\n\n\n\n",
    " \n \n \n ",
    "…",
    "@",
    "#",
    "nostr:npub1",
    "https://",
    "http://x.example/(a)",
    "<",
    ">",
    "&",
    "&amp;",
    "&#x1b;",
    "&#0;",
    ":",
    "/",
    "[",
    "]",
] + list(BIDI)

trouble_text = st.lists(
    st.one_of(
        st.sampled_from(TROUBLE),
        st.characters(codec=None),
        st.text(alphabet="ab cé.", max_size=5),
    ),
    max_size=40,
).map("".join)

HTML_BITS = [
    "<p>",
    "</p>",
    "<br>",
    "<br/>",
    "<div>",
    "</div>",
    "<span>",
    "</span>",
    '<a href="https://x.example/p">',
    '<a href="javascript:alert(1)">',
    '<a href="https://ex\u0430mple.com/">',
    '<a class="mention" href="https://m.example/@u">',
    '<a class="mention hashtag" href="https://m.example/tags/t">',
    "</a>",
    '<span class="invisible">',
    '<span class="ellipsis">',
    "<script>",
    "</script>",
    "<style>",
    "</style>",
    "<ul>",
    "</ul>",
    "<ol>",
    "<li>",
    "</li>",
    "<blockquote>",
    "</blockquote>",
    "<pre>",
    "</pre>",
    "<code>",
    "<!--",
    "-->",
    "<!doctype html>",
    "<a ",
    "<b",
    "</",
    "&lt;",
    "&#x1b;",
    "&#" + "9" * 30 + ";",
    '<img alt=":blob:">',
]
html_text = st.lists(st.one_of(st.sampled_from(HTML_BITS), trouble_text), max_size=30).map("".join)

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_harmless(text: str, *, one_line: bool = False) -> None:
    for char in text:
        code = ord(char)
        assert code >= 0x20 or (char == "\n" and not one_line), repr(text)
        assert code != 0x7F and not 0x80 <= code <= 0x9F, repr(text)
        assert char not in BIDI and char not in "\u200b\ufeff\u2060\xad", repr(text)
        assert not 0xD800 <= code <= 0xDFFF, repr(text)
        assert not 0xE0000 <= code <= 0xE007F or text.count("\U0001f3f4"), repr(text)


def assert_spans_valid(rich: RichText) -> None:
    last = 0
    for span in rich.spans:
        assert last <= span.start < span.end <= len(rich.text), (rich, span)
        last = span.end
        if span.kind is SpanKind.LINK:
            assert safe_url(span.target) == span.target
            assert span.host == link_host(span.target)


# --- properties ----------------------------------------------------------------------------


@SETTINGS
@given(trouble_text, st.integers(min_value=1, max_value=60))
def test_clean_is_harmless_bounded_and_idempotent(text: str, max_len: int) -> None:
    for limit in (max_len, 20000):
        once = clean(text, limit)
        assert_harmless(once)
        assert len(once) <= limit
        assert clean(once, limit) == once


@SETTINGS
@given(trouble_text, st.integers(min_value=1, max_value=60))
def test_clean_line_is_one_harmless_line_and_idempotent(text: str, max_len: int) -> None:
    for limit in (max_len, 500):
        once = clean_line(text, limit)
        assert_harmless(once, one_line=True)
        assert len(once) <= limit
        assert clean_line(once, limit) == once


@SETTINGS
@given(html_text, st.integers(min_value=1, max_value=80))
def test_html_to_rich_is_harmless_with_valid_spans(source: str, max_len: int) -> None:
    for limit in (max_len, 20000):
        rich = html_to_rich(source, limit)
        assert_harmless(rich.text)
        assert len(rich.text) <= limit
        assert clean(rich.text, limit) == rich.text
        assert_spans_valid(rich)


@SETTINGS
@given(trouble_text)
def test_plain_to_rich_is_harmless_with_valid_spans(text: str) -> None:
    rich = plain_to_rich(text)
    assert_harmless(rich.text)
    assert_spans_valid(rich)
    # The text is the cleaned input, plus a " [host]" label after URLs with a Unicode host.
    shown = rich.text
    for span in reversed(rich.spans):
        label = f" [{span.host}]"
        if span.kind is SpanKind.LINK and shown.startswith(label, span.end):
            assert "xn--" in span.host
            shown = shown[: span.end] + shown[span.end + len(label) :]
    assert shown == clean(text)


@SETTINGS
@given(
    trouble_text,
    st.lists(
        st.tuples(st.integers(-3, 50), st.integers(-3, 50), st.sampled_from(list(SpanKind))),
        max_size=6,
    ),
)
def test_rich_from_spans_keeps_only_valid_spans(text: str, raw: list) -> None:
    spans = [
        Span(a, b, kind, "https://x.example/" if kind is SpanKind.LINK else "t")
        for a, b, kind in raw
    ]
    rich = rich_from_spans(text, spans)
    assert_harmless(rich.text)
    assert_spans_valid(rich)


@SETTINGS
@given(trouble_text)
def test_span_path_cleans_exactly_like_clean(text: str) -> None:
    assume(text)
    rich = rich_from_spans(text, [Span(0, len(text), SpanKind.MENTION, "who")])
    assert rich.text == clean(text)


SAFE_AROUND = st.lists(
    st.sampled_from([t for t in TROUBLE if not any(c in t for c in "\x1b\x9b\x9d")]), max_size=8
).map("".join)


@SETTINGS
@given(SAFE_AROUND, st.text(alphabet="abcxyz", min_size=1, max_size=8), SAFE_AROUND)
def test_spans_stay_on_their_characters_through_cleaning(
    before: str, word: str, after: str
) -> None:
    text = before + word + after
    rich = rich_from_spans(
        text, [Span(len(before), len(before) + len(word), SpanKind.HASHTAG, word)]
    )
    (span,) = rich.spans
    assert rich.text[span.start : span.end] == word


@SETTINGS
@given(st.text(max_size=60))
def test_safe_url_yields_printable_ascii_http_only(text: str) -> None:
    for url in (text, "https://x.example/" + text, "https://" + text):
        normal = safe_url(url)
        if normal is not None:
            assert normal.isascii() and normal.isprintable()
            assert normal.startswith(("http://", "https://"))
            assert safe_url(normal) == normal


# --- clean ---------------------------------------------------------------------------------


def test_clean_turns_tabs_into_spaces_and_carriage_returns_into_newlines() -> None:
    assert clean("a\tb") == "a    b"
    assert clean("one\r\ntwo\rthree\u2028four") == "one\ntwo\nthree\nfour"


def test_clean_removes_escape_sequences_whole() -> None:
    assert clean("ok\x1b[2J\x1b[Hgo") == "okgo"
    assert clean("a\x1b]0;title\x07b") == "ab"
    assert clean("a\x1b]8;;https://e.example\x1b\\link\x1b]8;;\x1b\\b") == "alinkb"
    assert clean("a\x9b31mred") == "ared"
    assert clean("a\x1bcb") == "ab"  # RIS, full terminal reset


def test_clean_removes_invisible_and_reordering_characters() -> None:
    for char in BIDI + "\u200b\u2060\u2061\ufeff\xad\u3164\u180e\U000e0001\U000e0041":
        assert clean(f"pay{char}pal") == "paypal", repr(char)


def test_joiners_survive_only_between_non_ascii_characters() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert clean(family) == family
    heart = "\u2764\ufe0f"
    assert clean(heart) == heart
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # needs its ZWNJ
    assert clean(persian) == persian
    assert clean("pay\u200dpal \u200c x\u200d") == "paypal  x"


def test_subdivision_flags_keep_their_tag_characters() -> None:
    england = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
    assert clean(f"go {england}!") == f"go {england}!"
    assert clean("hidden\U000e0068\U000e0069 text") == "hidden text"


def test_combining_marks_are_capped_per_base_character() -> None:
    zalgo = "Z" + "\u0336\u0353\u0339" * 10 + "a" + "\u0301" * 30 + "lgo"
    shown = clean(zalgo)
    assert shown.startswith("Z") and shown.endswith("lgo")
    assert len(shown) == 1 + MAX_MARKS + 1 + MAX_MARKS + 3
    assert clean("e\u0301\u0302") == "e\u0301\u0302"  # ordinary accents untouched


def test_surrogates_are_joined_or_replaced() -> None:
    assert clean("a\ud83d\udc68b") == "a\U0001f468b"
    assert clean("a\ud83db\udc68") == "a\ufffdb\ufffd"


def test_blank_line_runs_collapse_and_ends_are_trimmed() -> None:
    assert clean("\n\n  \n  first\n\n\n\n\n\n \n\nlast  \n\n") == "  first\n\n\nlast"
    assert clean("a\n\nb") == "a\n\nb"
    assert clean(" \n \t ") == ""


def test_long_text_is_cut_with_an_ellipsis() -> None:
    shown = clean("word " * 100, max_len=20)
    assert len(shown) == 20 and shown.endswith("…")
    assert clean("x" * 20, max_len=20) == "x" * 20


def test_clean_line_joins_lines_with_one_space() -> None:
    assert clean_line("  Alice\n\n  Example \r\n") == "Alice Example"
    assert clean_line("a\tb") == "a    b"
    assert clean_line("n" * 600).endswith("…") and len(clean_line("n" * 600)) == 500


def test_every_format_character_is_dropped_or_deliberately_kept() -> None:
    kept = {
        0x200C,
        0x200D,
        0x600,
        0x601,
        0x602,
        0x603,
        0x604,
        0x605,
        0x6DD,
        0x70F,
        0x890,
        0x891,
        0x8E2,
        0x110BD,
        0x110CD,
    }
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if unicodedata.category(char) != "Cf" or code in kept:
            continue
        assert clean(f"\u05d0{char}\u05d0") == "\u05d0\u05d0", hex(code)


def test_mark_table_matches_unicode() -> None:
    import tui.text.sanitise as text

    table = set()
    for item in text._MARK_RANGES.split():
        lo, _, hi = item.partition("-")
        table.update(range(int(lo, 16), int(hi or lo, 16) + 1))
    assert all(unicodedata.category(chr(c)) in ("Mn", "Me") for c in table)
    if unicodedata.unidata_version == "14.0.0":
        marks = {
            c for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) in ("Mn", "Me")
        }
        assert marks == table


# --- URLs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        " javascript:alert(1)",
        "java\tscript:x",
        "data:text/html,<script>",
        "file:///etc/passwd",
        "ftp://x.example/",
        "//x.example/",
        "https://",
        "https:///path",
        "https://user:pw@bank.example/",
        "https://bank.example@evil.example/",
        "https://evil.example\\@bank.example/",
        "https://exa mple.com/",
        "https://[::1/",
        "https://x.example:99999/",
        "mailto:a@x.example",
        "",
        "https://a..b/",
        "https://x%00.example/",
        "https://a\ud800.example/",
    ],
)
def test_unsafe_urls_are_rejected(url: str) -> None:
    assert safe_url(url) is None
    assert link_host(url) == ""


def test_safe_urls_are_normalised_to_printable_ascii() -> None:
    assert safe_url("https://Example.COM/a?b=c#d") == "https://example.com/a?b=c#d"
    assert (
        safe_url("  http://x.example/a b\x1b[2J\u202e ") == "http://x.example/a%20b%1B[2J%E2%80%AE"
    )
    assert safe_url("https://x.example/%41") == "https://x.example/%41"
    assert safe_url("https://b\u00fccher.example/") == "https://xn--bcher-kva.example/"
    assert safe_url("https://[::1]:8080/") == "https://[::1]:8080/"
    assert safe_url("https://x.exa\tmple/") == "https://x.example/"


def test_link_host_shows_look_alike_hosts_as_punycode() -> None:
    assert link_host("https://WWW.Example.com:8443/x") == "www.example.com"
    assert link_host("https://\u0430pple.com/") == "xn--pple-43d.com"  # Cyrillic а
    assert link_host("https://127.0.0.1:8001/@bob") == "127.0.0.1"


# --- HTML ----------------------------------------------------------------------------------

MASTODON_POST = (
    '<p>Hello <a href="https://127.0.0.1:8001/tags/probe/" class="mention hashtag" rel="tag">'
    "#<span>probe</span></a> world "
    '<span class="h-card"><a href="https://127.0.0.1:8001/@bob/" class="u-url mention" '
    'rel="nofollow noopener noreferrer" target="_blank">@<span>bob</span></a></span> '
    '<span class="h-card"><a href="https://remote.example/@carol" class="u-url mention">'
    "@<span>carol@remote.example</span></a></span></p>"
    '<p>read <a href="https://www.example.com/some/very/long/path/to/a/page" rel="nofollow">'
    '<span class="invisible">https://www.</span><span class="ellipsis">example.com/some/very/l'
    '</span><span class="invisible">ong/path/to/a/page</span></a></p>'
)


def spans_of(rich: RichText) -> list[tuple[str, SpanKind, str]]:
    return [(rich.text[s.start : s.end], s.kind, s.target) for s in rich.spans]


def test_mastodon_mentions_hashtags_and_shortened_links() -> None:
    rich = html_to_rich(MASTODON_POST)
    assert rich.text == (
        "Hello #probe world @bob @carol@remote.example\n\nread example.com/some/very/l…"
    )
    assert spans_of(rich) == [
        ("#probe", SpanKind.HASHTAG, "probe"),
        ("@bob", SpanKind.MENTION, "bob@127.0.0.1"),
        ("@carol@remote.example", SpanKind.MENTION, "carol@remote.example"),
        (
            "example.com/some/very/l…",
            SpanKind.LINK,
            "https://www.example.com/some/very/long/path/to/a/page",
        ),
    ]
    assert rich.spans[-1].host == "www.example.com"


def test_link_text_naming_another_host_shows_the_real_host() -> None:
    rich = html_to_rich(
        '<p>Log in at <a href="https://evil.example/x">https://bank.example/login</a> now</p>'
    )
    assert rich.text == "Log in at https://bank.example/login [evil.example] now"
    assert spans_of(rich) == [
        ("https://bank.example/login", SpanKind.LINK, "https://evil.example/x")
    ]


def test_descriptive_link_text_shows_the_host_but_own_host_does_not() -> None:
    rich = html_to_rich(
        '<p>By <a href="https://patreon.com/mastodon">Patreon donations</a>, see '
        '<a href="https://joinmastodon.org/sponsors">joinmastodon.org</a>.</p>'
    )
    assert rich.text == "By Patreon donations [patreon.com], see joinmastodon.org."
    assert [s.host for s in rich.spans] == ["patreon.com", "joinmastodon.org"]


def test_look_alike_link_text_shows_punycode_host() -> None:
    rich = html_to_rich('<a href="https://\u0430pple.com/">\u0430pple.com</a>')
    assert rich.text == "\u0430pple.com [xn--pple-43d.com]"


def test_unsafe_links_keep_their_text_but_lose_the_link() -> None:
    rich = html_to_rich(
        '<p><a href="javascript:alert(1)">click</a> <a href="mailto:a@x.example">mail</a></p>'
    )
    assert rich.text == "click mail"
    assert rich.spans == ()


def test_lists_quotes_and_preformatted_text() -> None:
    rich = html_to_rich(
        "<p>intro</p><ul><li>one</li><li>two<ul><li>inner</li></ul></li></ul>"
        "<ol><li>first</li><li>second</li></ol>"
        "<blockquote><p>quoted</p><p>more<br>lines</p></blockquote>"
        "<pre>  keep\n    indent</pre><p>use <code>x  =  1</code></p>"
    )
    assert rich.text == (
        "intro\n\n• one\n• two\n  • inner\n\n1. first\n2. second\n\n"
        "> quoted\n\n> more\n> lines\n\n  keep\n    indent\n\nuse x = 1"
    )


def test_html_whitespace_collapses_like_a_browser() -> None:
    rich = html_to_rich("<p>  a \n  b  <b> c </b>\n</p>\n\n<p>d</p>")
    assert rich.text == "a b c\n\nd"


def test_scripts_styles_comments_and_unknown_tags() -> None:
    rich = html_to_rich(
        "<p>a<script>evil()</p></script><style>p{}</style><!-- note -->"
        "<custom-tag x=1>b</custom-tag><?php x ?></p><SCRIPT>x</SCRIPT>c"
    )
    assert rich.text == "ab\n\nc"


def test_entities_are_decoded_then_cleaned() -> None:
    rich = html_to_rich("<p>&lt;3 &amp; &#x1b;[2J&#9;&#x202e;x &#99999999999999999999; &nbsp;</p>")
    assert "\x1b" not in rich.text and "\u202e" not in rich.text
    assert rich.text.startswith("<3 & [2J")


def test_malformed_markup_shows_as_text() -> None:
    assert html_to_rich("a < b and <a <b c").text == "a < b and <a <b c"
    assert html_to_rich("x <!-- never closed").text == "x"


def test_deep_nesting_is_flattened_not_recursed() -> None:
    for tag in ("span", "blockquote", "ul", "a"):
        rich = html_to_rich(f"<{tag}>" * 100_000 + "deep" + f"</{tag}>" * 100_000, 10**6)
        assert "deep" in rich.text


def test_huge_html_is_capped() -> None:
    rich = html_to_rich("<p>" + "word " * 400_000 + "</p>")
    assert len(rich.text) == 20000 and rich.text.endswith("…")
    assert html_to_rich("<a " * 300_000).text.endswith("…")


def test_custom_emoji_stay_shortcodes() -> None:
    rich = html_to_rich('<p>hi :blobcat: <img class="emoji" alt=":verified:" src="x"></p>')
    assert rich.text == "hi :blobcat: :verified:"


# --- plain text ----------------------------------------------------------------------------


def test_plain_urls_exclude_trailing_punctuation_and_keep_balanced_parens() -> None:
    rich = plain_to_rich(
        "See https://x.example/a. Or (https://en.wikipedia.org/wiki/Foo_(bar)), "
        "HTTPS://Y.example/q?a=1! and https://z.example/p?"
    )
    assert spans_of(rich) == [
        ("https://x.example/a", SpanKind.LINK, "https://x.example/a"),
        (
            "https://en.wikipedia.org/wiki/Foo_(bar)",
            SpanKind.LINK,
            "https://en.wikipedia.org/wiki/Foo_(bar)",
        ),
        ("HTTPS://Y.example/q?a=1", SpanKind.LINK, "https://y.example/q?a=1"),
        ("https://z.example/p", SpanKind.LINK, "https://z.example/p"),
    ]


def test_plain_hashtags() -> None:
    rich = plain_to_rich(
        "#one two#not #123 #日本語 #ok_2. #हिन्दी x#y https://x.example/#frag &#38;"
    )
    assert [(t, k) for t, k, _ in spans_of(rich)][:-1] == [
        ("#one", SpanKind.HASHTAG),
        ("#日本語", SpanKind.HASHTAG),
        ("#ok_2", SpanKind.HASHTAG),
        ("#हिन्दी", SpanKind.HASHTAG),
    ]
    assert rich.spans[-1].kind is SpanKind.LINK
    assert [s.target for s in rich.spans[:4]] == ["one", "日本語", "ok_2", "हिन्दी"]


def test_plain_mentions_and_nostr_profiles() -> None:
    npub = "npub1sg6plzptd64u62a878hep2kev88swjh3tw00gjsfl8f237lmu63q0uf63m"
    nprofile = (
        "nprofile1qqsrhuxx8l9ex335q7he0f09aej04zpazpl0ne2cgukyawd24mayt8gpp4mhxue69uhhytnc9e3k7m"
        "gpz4mhxue69uhkg6nzv9ejuumpv34kytnrdaksjlyr9p"
    )
    rich = plain_to_rich(
        f"hi @alice, @bob@social.example. and @carol.bsky.social mail@x.example "
        f"nostr:{npub} nostr:{nprofile} nostr:note1abcdefgh"
    )
    assert spans_of(rich) == [
        ("@alice", SpanKind.MENTION, "alice"),
        ("@bob@social.example", SpanKind.MENTION, "bob@social.example"),
        ("@carol.bsky.social", SpanKind.MENTION, "carol.bsky.social"),
        (f"nostr:{npub}", SpanKind.MENTION, npub),
        (f"nostr:{nprofile}", SpanKind.MENTION, nprofile),
    ]


def test_plain_url_with_unicode_host_shows_punycode() -> None:
    rich = plain_to_rich("go to https://\u0430pple.com/login now")
    assert rich.text == "go to https://\u0430pple.com/login [xn--pple-43d.com] now"


# --- rich_from_spans -----------------------------------------------------------------------


def test_spans_are_remapped_after_cleaning() -> None:
    text = "\x1b[31m\u202ehi\u200b @bob see https://x.example/p #tag"
    at = text.index("@bob")
    link = text.index("https")
    tag = text.index("#tag")
    rich = rich_from_spans(
        text,
        [
            Span(at, at + 4, SpanKind.MENTION, "did:plc:bob"),
            Span(link, link + 19, SpanKind.LINK, "https://x.example/p"),
            Span(tag, tag + 4, SpanKind.HASHTAG, "tag"),
        ],
    )
    assert rich.text == "hi @bob see https://x.example/p #tag"
    assert spans_of(rich) == [
        ("@bob", SpanKind.MENTION, "did:plc:bob"),
        ("https://x.example/p", SpanKind.LINK, "https://x.example/p"),
        ("#tag", SpanKind.HASHTAG, "tag"),
    ]


def test_invalid_spans_are_dropped() -> None:
    text = "abcdef ghij"
    rich = rich_from_spans(
        text,
        [
            Span(0, 3, SpanKind.HASHTAG, "abc"),
            Span(2, 5, SpanKind.HASHTAG, "overlap"),
            Span(5, 5, SpanKind.HASHTAG, "empty"),
            Span(9, 40, SpanKind.HASHTAG, "out of range"),
            Span(-1, 2, SpanKind.HASHTAG, "negative"),
            Span(7, 11, SpanKind.LINK, "javascript:alert(1)"),
            Span(4, 6, SpanKind.MENTION, ""),
        ],
    )
    assert spans_of(rich) == [("abc", SpanKind.HASHTAG, "abc")]


def test_adapter_link_whose_text_hides_its_host_gets_the_host_and_later_spans_shift() -> None:
    text = "read bank.example now @x"
    rich = rich_from_spans(
        text,
        [Span(5, 17, SpanKind.LINK, "https://evil.example/"), Span(22, 24, SpanKind.MENTION, "x")],
    )
    assert rich.text == "read bank.example [evil.example] now @x"
    assert spans_of(rich) == [
        ("bank.example", SpanKind.LINK, "https://evil.example/"),
        ("@x", SpanKind.MENTION, "x"),
    ]


def test_spans_past_the_length_cap_are_cut_or_dropped() -> None:
    text = "a" * 30 + " #tag" + " #more"
    rich = rich_from_spans(
        text,
        [Span(31, 35, SpanKind.HASHTAG, "tag"), Span(36, 41, SpanKind.HASHTAG, "more")],
        max_len=34,
    )
    assert rich.text == "a" * 30 + " #t…"
    assert spans_of(rich) == [("#t", SpanKind.HASHTAG, "tag")]


# --- real server HTML and floods -----------------------------------------------------------

MASTODON_FIXTURES = FIXTURES / "mastodon"


def _html_fields(node: object) -> list[str]:
    if isinstance(node, dict):
        found = []
        for key, value in node.items():
            if key in ("content", "note", "value") and isinstance(value, str) and "<" in value:
                found.append(value)
            else:
                found.extend(_html_fields(value))
        return found
    if isinstance(node, list):
        return [field for item in node for field in _html_fields(item)]
    return []


def test_every_html_field_in_the_mastodon_fixtures_converts_cleanly() -> None:
    fields = []
    for path in sorted(MASTODON_FIXTURES.rglob("*.json")):
        if path.name != "openapi-schema.json":
            fields.extend(_html_fields(json.loads(path.read_text(encoding="utf-8"))))
    assert len(fields) > 50
    for source in fields:
        rich = html_to_rich(source)
        assert_harmless(rich.text)
        assert_spans_valid(rich)
        assert "<p>" not in rich.text and "<br" not in rich.text and "&amp;" not in rich.text
        for span in rich.spans:
            shown = rich.text[span.start : span.end]
            if span.kind is SpanKind.HASHTAG:
                assert shown == "#" + span.target
            elif span.kind is SpanKind.MENTION:
                assert shown.startswith("@") and "@" in span.target


def test_floods_of_escape_introducers_and_closers_are_handled() -> None:
    assert clean("\x9d" * 100_000) == "…"
    assert set(clean("x\x1b]" * 30_000)) == {"x", "…"}
    rich = plain_to_rich("https://x.example/" + ")" * 50_000)
    assert spans_of(rich) == [("https://x.example/", SpanKind.LINK, "https://x.example/")]
    assert html_to_rich("<b>" * 64 + "</span>" * 40_000 + "end").text == "end"


def test_whitespace_between_blocks_adds_no_lines() -> None:
    rich = html_to_rich("<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>\n\n<p>c</p>\n")
    assert rich.text == "• a\n• b\n\nc"
