"""Our Bluesky text rules against the reference: `@atproto/api`'s RichText, run by node.

The facets we send and the 300-grapheme counter must agree with what Bluesky's own app computes,
so both are compared over a generated corpus (fragments of domains, URLs, handles, tags, cashtags,
emoji sequences, CJK, RTL and Indic text, joined with spaces, punctuation and brackets) plus
hand-picked cases. The corpus is built from a fixed seed, so a failure names a text that fails
again on the next run.
"""

from __future__ import annotations

import random

import pytest

from tui.model import SpanKind
from tui.networks.base import Counting, Limits, grapheme_count
from tui.networks.bluesky.facets import byte_offset, find_facets

pytestmark = pytest.mark.network  # runs node, which may first fetch the pinned npm packages

FACET_CORPUS_SIZE = 3000
GRAPHEME_CORPUS_SIZE = 3000

HAND_PICKED = [
    "see example.com. and www.example.org/path, or (sub.example.co.uk/a_(b)).",
    "bare: bsky.app/profile/alice.test file.py node.js e.g. i.e. v1.2.3 1.5 my-site.com",
    "Example.COM EXAMPLE.com HTTPS://EXAMPLE.COM Https://x.com http://a.b https:// x.y.z",
    "https://x.org/p_(1)) https://ex.com/ü?q=ç. https://a.com/(@bob.test) (https://b.org)",
    "mail bob@example.com, @alice.test @Alice.COM @a..com @-a.com @alice @123.com @x.test.",
    "@bob.bsky.social's post, (@carol.example.org) @émile.com @dave.test-",
    "#tag #日本語 #café #123 #1a #a1 #tag! #tag... # ## #a#b #a-b_c #abc. ＃全角",
    "#️⃣ #⃣ #\ufe0etag #\ufe0ftag #a\u200db #😀 #👩\u200d👩\u200d👧 #1️⃣ #tag️ #x\u20e2y",
    "#" + "a" * 64 + " #" + "a" * 65 + " #" + "😀" * 32 + " #" + "😀" * 33 + " #" + "a" * 64 + "!!",
    "$AAPL $aapl $TOOLONG $A1 ($BTC) $1A $A. $AB’s $X\n$Y\u3000$Z\ufeff",
    "line\r\nexample.com\u2028@alice.test\u2029#tag\u0085#next\x1cexample.org\u00a0#nbsp",
    "مرحبا #مرحبا example.com שלום @alice.test 你好#不是 你好 #是 ＃是",
    "🇫🇷🇩🇪🇺 👍🏽 👨‍👩‍👧‍👦 🏴󠁧󠁢󠁳󠁣󠁴󠁿 1️⃣ ❤️ ☺︎ e\u0301 क्षि ক্ষ สวัสดี 각 \u1100\u1161\u11a8 \u0600\u0661",
]

DOMAINS = [
    "example.com",
    "www.example.org/path",
    "sub.example.co.uk",
    "foo.bar",
    "file.py",
    "node.js",
    "e.g",
    "i.e",
    "my-site.com",
    "EXAMPLE.COM",
    "Example.com",
    "x.y.z",
    "1.5",
    "v1.2.3",
    "a.co",
    "localhost",
    "bsky.app/profile/alice.test",
    "example.com/a?b=c&d=(e)",
    "t.co/x",
    "ex.am.ple",
    "example.com.",
    "a.b.c.d.example.io/a/b/",
    "xn--bcher-kva.example",
    "münchen.de",
    "a.museum",
]
URLS = [
    "https://example.com",
    "http://a.b",
    "https://example.com/path?q=1&b=(x)",
    "HTTPS://X.COM",
    "https://x.org/p_(1)",
    "https://ex.com/ü",
    "https://a.com/(@b.test)",
    "https://",
    "http://",
    "https://bsky.app/profile/did:plc:abc/post/3k",
    "https://a.com/#frag",
    "Https://a.com",
    "https://a.com/$AB",
    "https://例え.jp/パス",
    "https://a.com/(x",
    "httpx://a.com",
]
HANDLES = [
    "@alice.test",
    "@bob.bsky.social",
    "@Alice.COM",
    "@a..com",
    "@-a.com",
    "@a.b-.com",
    "@alice",
    "@123.com",
    "@x.test",
    "@émile.com",
    "@user.example.org",
    "@a_b.com",
    "@a.test.",
    "@",
    "@@alice.test",
    "@alice.test@example.com",
    "@x.co",
    "@very-long-label.example.museum",
]
TAGS = [
    "#tag",
    "#日本語",
    "#café",
    "#123",
    "#1a",
    "#a1",
    "#tag!",
    "#tag...",
    "#️⃣",
    "#⃣",
    "#\ufe0etag",
    "#\ufe0ftag",
    "#a\u200db",
    "#😀",
    "#👩\u200d👩\u200d👧",
    "＃全角",
    "#a#b",
    "#a-b_c",
    "#",
    "##",
    "#1️⃣",
    "#tag\ufe0f",
    "#x\u20e2y",
    "#a\u00adb",
    "#a\u2060b",
    "#_",
    "#-",
    "#1.5",
    "#٣",
    "#タグ。",
    "#" + "a" * 64,
    "#" + "a" * 65,
    "#" + "😀" * 32,
    "#" + "😀" * 33,
    "#a!b",
    "#(a)",
    "#a)",
]
CASHTAGS = ["$AAPL", "$aapl", "$TOOLONG", "$A1", "$1A", "$BTC", "$A", "$", "$A_B", "$ab’"]
WORDS = [
    "hello",
    "world",
    "你好",
    "日本語のテキスト",
    "مرحبا",
    "שלום",
    "привет",
    "e\u0301",
    "क्षि",
    "ক্ষ",
    "สวัสดี",
    "각",
    "\u1100\u1161\u11a8",
    "👍🏽",
    "👨\u200d👩\u200d👧\u200d👦",
    "🇫🇷",
    "🇩🇪🇺",
    "1️⃣",
    "❤️",
    "☺︎",
    "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
    "x",
    "42",
    "mail@example.com",
    "a/b",
    "c'est",
    "don’t",
    "—",
    "…",
]
JOINS = [
    " ",
    " ",
    " ",
    "  ",
    "\n",
    "\r\n",
    "\t",
    "\u3000",
    "\u00a0",
    "\ufeff",
    "\u2028",
    "\u0085",
    "\x1c",
    "\u200b",
    "(",
    ")",
    "[",
    "]",
    ".",
    ",",
    ";",
    ":",
    "!",
    "?",
    "'",
    '"',
    "’",
    "/",
    "",
    "...",
    ").",
    "),",
    ":)",
    "«",
    "»",
    "、",
    "。",
]


def facet_corpus(size: int, seed: int = 21) -> list[str]:
    rng = random.Random(seed)
    pools = [DOMAINS, URLS, HANDLES, TAGS, CASHTAGS, WORDS, WORDS]
    texts = []
    for _ in range(size):
        parts = []
        for _ in range(rng.randint(1, 8)):
            parts.append(rng.choice(JOINS))
            parts.append(rng.choice(rng.choice(pools)))
        if rng.random() < 0.5:
            parts.append(rng.choice(JOINS))
        texts.append("".join(parts))
    return texts


# Code points chosen for their grapheme-break properties (all assigned since Unicode 13 or
# earlier, so the two libraries' Unicode versions cannot disagree about what they are).
GRAPHEME_POOL = [
    "\r",
    "\n",
    "\r\n",
    "\x00",
    "\x1f",
    "\u0085",
    "\u200b",
    "\u2028",  # Control, CR, LF
    "\u0301",
    "\u0308",
    "\u20e3",
    "\ufe0f",
    "\ufe0e",
    "\U0001f3fd",
    "\u200c",  # Extend
    "\u200d",  # ZWJ
    "\u0903",
    "\u093e",
    "\u0e33",
    "\u0eb3",  # SpacingMark (and Thai/Lao AM)
    "\u0600",
    "\u0605",
    "\u06dd",
    "\u070f",
    "\u0d4e",
    "\U000110bd",  # Prepend
    "\U0001f1eb",
    "\U0001f1f7",
    "\U0001f1e9",  # Regional indicators
    "\u1100",
    "\u1161",
    "\u11a8",
    "\uac00",
    "\uac01",
    "\ud7b0",
    "\ud7cb",  # Hangul L V T LV LVT
    "\u0915",
    "\u0937",
    "\u0930",
    "\u094d",
    "\u093f",
    "\u0995",
    "\u09cd",
    "\u09b7",  # Indic
    "\u0e2a",
    "\u0e27",
    "\u0e31",
    "\u0e14",
    "\u0e35",  # Thai
    "\U0001f468",
    "\U0001f469",
    "\U0001f467",
    "\u2764",
    "\U0001f44d",
    "\u263a",
    "\U0001f3f4",
    "\U000e0067",
    "\U000e007f",  # Extended_Pictographic and tag characters
    "a",
    "b",
    " ",
    "1",
    "#",
    "\u4f60",
    "\u0627",
    "\u05e9",  # everything else
]


def grapheme_corpus(size: int, seed: int = 22) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choices(GRAPHEME_POOL, k=rng.randint(1, 24))) for _ in range(size)]


def ours(text: str) -> list[tuple[int, int, str, str]]:
    kinds = {SpanKind.LINK: "link", SpanKind.MENTION: "mention", SpanKind.HASHTAG: "tag"}
    return [
        (byte_offset(text, f.start), byte_offset(text, f.end), kinds[f.kind], f.value)
        for f in find_facets(text)
    ]


def theirs(answer: dict) -> list[tuple[int, int, str, str]]:
    out = []
    for facet in answer["facets"]:
        feature = facet["features"][0]
        kind = feature["$type"].rpartition("#")[2]
        # A mention carries the handle where the DID goes once resolved; resolution ignores case.
        value = {"link": "uri", "mention": "did", "tag": "tag"}[kind]
        text = feature[value].lower() if kind == "mention" else feature[value]
        out.append((facet["index"]["byteStart"], facet["index"]["byteEnd"], kind, text))
    return out


def test_facets_match_the_reference_on_hand_picked_and_generated_text(richtext_reference) -> None:
    texts = HAND_PICKED + facet_corpus(FACET_CORPUS_SIZE)
    assert len(texts) == len(HAND_PICKED) + 3000
    answers = richtext_reference(texts)
    wrong = [(t, ours(t), theirs(a)) for t, a in zip(texts, answers) if ours(t) != theirs(a)]
    assert not wrong, f"{len(wrong)} of {len(texts)} texts differ; first: {wrong[:3]!r}"
    # The corpus really exercises every kind of facet, many times over.
    kinds = [f[2] for a in answers for f in theirs(a)]
    assert min(kinds.count(k) for k in ("link", "mention", "tag")) > 300


def test_grapheme_length_matches_the_reference(richtext_reference) -> None:
    texts = HAND_PICKED + grapheme_corpus(GRAPHEME_CORPUS_SIZE) + facet_corpus(500, seed=23)
    assert len(texts) == len(HAND_PICKED) + 3500
    answers = richtext_reference(texts)
    wrong = [
        (t, grapheme_count(t), a["graphemes"])
        for t, a in zip(texts, answers)
        if grapheme_count(t) != a["graphemes"]
    ]
    assert not wrong, f"{len(wrong)} of {len(texts)} texts differ; first: {wrong[:5]!r}"
    # The composer's counter for Bluesky is that count.
    limits = Limits(max_chars=300, counting=Counting.GRAPHEMES)
    assert [limits.count(t) for t in texts] == [a["graphemes"] for a in answers]
