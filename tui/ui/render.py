"""Posts and notifications as Textual `Content`, ready for the virtual lists.

Remote text only ever enters a `Content` as plain text with styles attached by offset: never as
markup, so "[bold]x[/bold]" from a server shows literally. Links become OSC 8 hyperlinks only for
http(s) URLs. The model promises sanitised text; `_plain` still drops every control character at
this last step before the terminal, so an adapter bug cannot turn into a terminal escape.
Wrapping is left to Textual, which measures wide characters (CJK, emoji) in cells.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from rich.cells import cell_len, chop_cells
from textual.content import Content, Span
from textual.style import Style

from tui.feed import NotificationGroup, NotificationRow, Verdict
from tui.model import (
    Author,
    FilterAction,
    Item,
    Media,
    NetworkKind,
    NotificationKind,
    Placeholder,
    Poll,
    Post,
    SpanKind,
)
from tui.text import safe_url

# Every C0 control but newline, DEL and C1: none of them may reach the terminal. Content's own
# control stripping is switched off below (it covers only a few C0 codes and costs a translate
# per piece); `_plain`/`_line` do the whole job once, and only when something is there to drop.
_UNSAFE = {c: None for c in (*range(0x00, 0x20), *range(0x7F, 0xA0)) if c != 0x0A}
_UNSAFE_LINE = {**_UNSAFE, 0x0A: 0x20}
_UNSAFE_RE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
_UNSAFE_LINE_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")

# Badge colours are theme variables (tui.ui.themes.BADGE_COLOURS): the 16-colour and
# monochrome themes give them palette or default colours, never a 256-colour one.
BADGES: dict[NetworkKind, tuple[str, str]] = {
    NetworkKind.MASTODON: ("[M]", "bold $badge-mastodon"),
    NetworkKind.BLUESKY: ("[B]", "bold $badge-bluesky"),
    NetworkKind.NOSTR: ("[N]", "bold $badge-nostr"),
}

DIM = "$text-muted"
NAME = "bold"
HANDLE = "$text-muted"
MENTION = "$text-accent"
HASHTAG = "$text-secondary"
LINK = "underline $text-primary"
WARN = "bold $text-warning"
ERROR = "$text-error"
ACTIVE = "bold $text-success"
MAX_ALT = 600  # alt text beyond this is cut: the reader can open the post


def _plain(text: str) -> str:
    return text.translate(_UNSAFE) if _UNSAFE_RE.search(text) else text


def _line(text: str) -> str:
    return text.translate(_UNSAFE_LINE) if _UNSAFE_LINE_RE.search(text) else text


def _assemble(*parts: str | Content | tuple[str, str | Style]) -> Content:
    """Content.assemble for pieces already passed through `_plain`/`_line` or literals."""
    return Content.assemble(*parts, strip_control_codes=False)


def _styled(text: str, style: str) -> Content:
    return Content.styled(text, style, strip_control_codes=False)


def _join_lines(lines: Sequence[Content]) -> Content:
    """Lines joined by newlines (Content.join would re-strip the whole text once more)."""
    text: list[str] = []
    spans: list[Span] = []
    offset = 0
    for n, line in enumerate(lines):
        if n:
            text.append("\n")
            offset += 1
        plain = line.plain
        text.append(plain)
        spans.extend(Span(offset + sp.start, offset + sp.end, sp.style) for sp in line.spans)
        offset += len(plain)
    return Content("".join(text), spans, strip_control_codes=False)


def link_url(url: str) -> str | None:
    """The URL to put in an OSC 8 hyperlink, or None: only printable http(s) URLs qualify."""
    safe = safe_url(url)
    if safe is None or not safe.isprintable() or " " in safe:
        return None
    return safe


# ------------------------------------------------------------------------------------------------
# Time


def relative_time(when: datetime, now: datetime) -> str:
    seconds = (now - when).total_seconds()
    if seconds < 0:
        return "now" if seconds > -60 else when.astimezone().strftime("%Y-%m-%d")
    if seconds < 45:
        return "now"
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))}m"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h"
    if seconds < 7 * 86400:
        return f"{int(seconds // 86400)}d"
    local = when.astimezone()
    if local.year == now.astimezone().year:
        return local.strftime("%b %d").replace(" 0", " ")
    return local.strftime("%Y-%m-%d")


def absolute_time(when: datetime) -> str:
    return when.astimezone().strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True, slots=True)
class View:
    """How to draw: width in cells, the clock, and what the reader asked for."""

    width: int
    now: datetime
    absolute: bool = False
    revealed: bool = False
    counts: bool = True  # [ui] show_counts: reply / repost / like counts under each post
    # [media] previews: the thumbnail of an attachment shown, or None (not loaded, or off)
    thumbs: Callable[[Media], object | None] | None = None

    def when(self, moment: datetime) -> str:
        return absolute_time(moment) if self.absolute else relative_time(moment, self.now)


def now_utc() -> datetime:
    return datetime.now(UTC)


def content_height(content: Content, width: int) -> int:
    """Lines `content` takes when Textual wraps it at `width` (default wrap/fold rules).

    What `Content.get_height` counts, without building the styled lines it would throw away;
    lines that fit skip the division entirely.
    """
    lines = 0
    for line in content.plain.split("\n"):
        if "\t" in line:
            line = line.expandtabs(8)
        if len(line) <= width and cell_len(line) <= width:
            lines += 1
        else:
            lines += wrapped_lines(line, width)
    return lines


_WORD = re.compile(r"\s*\S+\s*")  # a word with the spaces around it


def wrapped_lines(line: str, width: int) -> int:
    """Lines one line of text takes at `width` by the rule Textual (and rich) wrap with: a word
    that does not fit the rest of a line starts the next one; a word wider than a whole line is
    folded across lines; spaces at the end of a line do not count."""
    breaks = 0
    used = 0  # cells taken on the current line
    for match in _WORD.finditer(line):
        start, word = match.start(), match.group()
        length = cell_len(word.rstrip())
        if width - used >= length:
            used += cell_len(word)
        elif length > width:
            pieces = chop_cells(word, max(width, 1))
            for piece in pieces:  # each piece starts a line, but not at the very start
                breaks += start > 0
                start += len(piece)
            used = cell_len(pieces[-1])
        elif used and start:
            breaks += 1
            used = cell_len(word)
    return breaks + 1


# ------------------------------------------------------------------------------------------------
# Pieces


def badge(network: NetworkKind) -> Content:
    text, style = BADGES.get(network, (f"[{network.value[:1].upper()}]", "bold"))
    return _styled(text, style)


def shown_handle(handle: str) -> str:
    """A handle as lists show it: a bare npub (63 characters, no name to recognise) shortened
    to npub1abcd…wxyz; the profile screen and --json keep it whole."""
    if handle.startswith("npub1") and len(handle) > 20:
        return f"{handle[:9]}…{handle[-4:]}"
    return handle


def author_line(author: Author, network: NetworkKind, right: str, width: int) -> Content:
    """`Name @handle [M] ··· 5m` truncated to one line of `width` cells."""
    tail = _assemble(" ", badge(network), " ", (right, DIM))
    name = _line(author.display_name) or _line(shown_handle(author.handle))
    left = _assemble((name, NAME))
    if author.display_name:
        left = _assemble(left, " ", (f"@{_line(shown_handle(author.handle))}", HANDLE))
    if author.bot:
        left = _assemble(left, (" [bot]", DIM))
    room = max(1, width - tail.cell_length)
    if left.cell_length > room:
        left = left.truncate(room, ellipsis=True)
    gap = max(0, width - left.cell_length - tail.cell_length)
    return _assemble(left, " " * gap, tail)


def rich_body(post: Post) -> Content:
    """The post's text with links, mentions and hashtags styled from its spans."""
    text = post.content.text
    spans: list[Span] = []
    for span in post.content.spans:
        if not 0 <= span.start < span.end <= len(text):
            continue
        if span.kind is SpanKind.LINK:
            spans.append(Span(span.start, span.end, LINK))
            url = link_url(span.target)
            if url is not None:
                spans.append(Span(span.start, span.end, Style(link=url)))
        elif span.kind is SpanKind.MENTION:
            spans.append(Span(span.start, span.end, MENTION))
        elif span.kind is SpanKind.HASHTAG:
            spans.append(Span(span.start, span.end, HASHTAG))
    # Removing control characters never shifts offsets here: clean text has none, and a span
    # over dirty text is only cosmetic.
    safe = _plain(text)
    if len(safe) != len(text):
        return Content(safe, strip_control_codes=False)
    return Content(safe, spans, strip_control_codes=False)


def media_line(media: Media) -> Content:
    """One attachment, as in "▣ image 1200×800 · 2.3 MB: alt text": its type, its size where
    the network gave it, and its description (sanitised, one line) or "(no description)"."""
    from tui.media import size_label

    alt = _line(media.alt).strip()
    if len(alt) > MAX_ALT:
        alt = alt[:MAX_ALT] + "…"
    size = size_label(media)
    head = f"▣ {media.kind.value}" + (f" {size}" if size else "") + ": "
    return _assemble((head, DIM), alt if alt else ("(no description)", f"italic {DIM}"))


def media_lines(post: Post) -> list[Content]:
    return [media_line(media) for media in post.media]


def thumbnail_lines(thumb: object) -> list[Content]:
    """A preview: half-block cells (the upper half in the top pixel's colour, the lower in the
    bottom's), or kitty's placeholder cells, coloured with the id of the image they show."""
    from textual.color import Color

    from tui.media import KittyImage, kitty_cells

    if isinstance(thumb, KittyImage):
        colour = Color(thumb.id >> 16 & 255, thumb.id >> 8 & 255, thumb.id & 255)
        return [
            Content(row, [Span(0, len(row), Style(foreground=colour))], strip_control_codes=False)
            for row in kitty_cells(thumb)
        ]
    assert isinstance(thumb, Sequence)
    lines = []
    for row in thumb:
        spans = []
        for x, (top, bottom) in enumerate(row):
            style = Style(foreground=Color(*top), background=Color(*bottom))
            spans.append(Span(x, x + 1, style))
        lines.append(Content("▀" * len(row), spans, strip_control_codes=False))
    return lines


def card_line(post: Post) -> Content | None:
    card = post.card
    if card is None:
        return None
    host = _line(card.host)
    title = _line(card.title).strip()
    label = host or "link"
    spans = [Span(0, len(label), LINK)]
    url = link_url(card.url)
    if url is not None:
        spans.append(Span(0, len(label), Style(link=url)))
    parts: list[str | tuple[str, str] | Content] = [("⎘ ", DIM), Content(label, spans)]
    if title:
        parts += [(" · ", DIM), title]
    return _assemble(*parts)


BAR = "█"
BAR_EMPTY = "░"
MAX_POLL_LABEL = 28  # cells of a choice's title beside its bar; longer titles are cut


def closes_in(poll: Poll, now: datetime) -> str:
    if poll.expired:
        return "closed"
    if poll.expires_at is None:
        return "open"
    seconds = (poll.expires_at - now).total_seconds()
    if seconds <= 0:
        return "closed"
    if seconds < 3600:
        return f"closes in {max(1, round(seconds / 60))}m"
    if seconds < 86400:
        return f"closes in {int(seconds // 3600)}h"
    return f"closes in {int(seconds // 86400)}d"


def poll_header(poll: Poll, now: datetime) -> Content:
    """`▤ poll · 12 votes · closes in 3h · several choices · voted`."""
    parts = ["poll"]
    total = sum(o.votes or 0 for o in poll.options)
    if poll.voters is not None:
        parts.append(f"{poll.voters} voter{'' if poll.voters == 1 else 's'}")
    elif any(o.votes is not None for o in poll.options):
        parts.append(f"{total} vote{'' if total == 1 else 's'}")
    parts.append(closes_in(poll, now))
    if poll.multiple:
        parts.append("several choices")
    if poll.voted:
        parts.append("voted")
    return _assemble(("▤ ", ACTIVE), (" · ".join(parts), DIM))


def poll_lines(
    poll: Poll, width: int, now: datetime, *, numbered: bool = False, chosen: Sequence[int] = ()
) -> list[Content]:
    """A poll's choices, one line each, with a bar and a percentage where the counts are known:

        ◉ tabs            ██████████░░░░░░░  60% 7
        ○ spaces          ██████░░░░░░░░░░░  40% 5

    `numbered` puts the number to vote with before each choice, `chosen` marks a pending vote.
    Titles are remote text: plain, cut to fit, never markup.
    """
    lines = [poll_header(poll, now)]
    counted = [o.votes for o in poll.options]
    known = any(v is not None for v in counted)
    # Percentages of voters for multiple choice (they add up past 100%), of votes otherwise.
    base = poll.voters if poll.multiple and poll.voters else sum(v or 0 for v in counted)
    titles = [_line(o.title) for o in poll.options]
    label = min(MAX_POLL_LABEL, max((cell_len(t) for t in titles), default=1), max(4, width // 3))
    for n, (title, votes) in enumerate(zip(titles, counted, strict=True)):
        mine = n in poll.own_votes or n in chosen
        mark = ("◉ " if mine else "○ ", ACTIVE if mine else DIM)
        number = (f"{n + 1} ", "bold") if numbered else ""
        cut = chop_cells(title, label)[0] if cell_len(title) > label else title
        padded = cut + " " * (label - cell_len(cut))
        prefix = _assemble("  ", number, mark, (padded, "bold" if mine else ""))
        if not known or votes is None:
            lines.append(prefix)
            continue
        share = votes / base if base else 0.0
        tail = f" {round(share * 100):>3}% {votes}"
        room = width - prefix.cell_length - len(tail) - 1
        if room < 4:
            lines.append(_assemble(prefix, (tail, DIM)))
            continue
        filled = min(room, round(share * room))
        bar = (BAR * filled, "$text-success" if mine else "$text-primary")
        lines.append(_assemble(prefix, " ", bar, (BAR_EMPTY * (room - filled), DIM), (tail, DIM)))
    if not known and not poll.expired:
        lines.append(_styled("  results are hidden until the poll closes", DIM))
    return lines


def counts_line(post: Post) -> Content:
    counts, mine = post.counts, post.mine

    def count(value: int | None) -> str:
        return "" if value is None else str(value)

    parts: list[str | tuple[str, str]] = [
        ("↩ " + count(counts.replies), DIM),
        "  ",
        ("↻ " + count(counts.reposts), ACTIVE if mine.reposted else DIM),
        "  ",
        ("♥ " + count(counts.likes), ACTIVE if mine.liked else DIM),
    ]
    states = [
        name
        for name, on in (
            ("liked", mine.liked),
            ("reposted", mine.reposted),
            ("bookmarked", mine.bookmarked),
            ("pinned", mine.pinned),
        )
        if on
    ]
    if mine.bookmarked:
        parts += ["  ", ("⚑", ACTIVE)]
    if states:
        parts += ["  ", (" · ".join(states), ACTIVE)]
    return _assemble(*parts)


def quote_lines(quote: Post | Placeholder) -> list[Content]:
    if isinstance(quote, Placeholder):
        return [_assemble(("❝ ", DIM), (_line(quote.reason), f"italic {DIM}"))]
    who = _line(quote.author.display_name or shown_handle(quote.author.handle))
    text = _line(quote.content_warning or quote.content.text)
    if len(text) > 280:
        text = text[:280] + "…"
    return [_assemble(("❝ ", DIM), (who, NAME), (": ", DIM), (text, DIM))]


# ------------------------------------------------------------------------------------------------
# Items


def hidden_line(verdict: Verdict) -> Content:
    return _assemble(("⊘ ", DIM), (verdict.reason, f"italic {DIM}"), (" — v to show anyway", DIM))


def render_item(item: Item, view: View, verdict: Verdict | None = None) -> Content:
    """One timeline item as multi-line Content (lines joined by newlines; Textual wraps)."""
    if isinstance(item, Placeholder):
        return _assemble(("⚠ ", WARN), (_line(item.reason), f"italic {DIM}"))
    if verdict is not None and verdict.hidden and not view.revealed:
        return hidden_line(verdict)
    return _join_lines(_post_lines(item, view, verdict))


def _post_lines(post: Post, view: View, verdict: Verdict | None) -> list[Content]:
    shown = post.shown
    lines: list[Content] = []
    if verdict is not None and view.revealed:
        word = "hidden" if verdict.hidden else "warned"
        lines.append(_styled(f"⊘ {word}: {_line(verdict.reason)}", DIM))
    if post.repost_of is not None:
        who = _line(post.author.display_name or shown_handle(post.author.handle))
        lines.append(_assemble(("↻ ", ACTIVE), (who, DIM), (" reposted", DIM)))
    when = view.when(shown.created_at)
    if shown.edited_at is not None:
        when = f"✎ edited · {when}"  # alt+e shows the versions (where the network keeps them)
    lines.append(author_line(shown.author, shown.network, when, view.width))
    if shown.reply_to is not None or shown.reply_to_author:
        target = _line(shown.reply_to_author)
        label = f"↳ replying to @{target.lstrip('@')}" if target else "↳ a reply"
        lines.append(_styled(label, DIM))
    return lines + _body_lines(shown, view, verdict)


def _body_lines(shown: Post, view: View, verdict: Verdict | None) -> list[Content]:
    """Everything below the author line: warning or text, media, quote, card, poll, counts."""
    lines: list[Content] = []
    warning = _line(shown.content_warning)
    warned = verdict is not None and verdict.action is FilterAction.WARN
    if (warning or warned or shown.sensitive) and not view.revealed:
        what = warning or (_line(verdict.reason) if verdict is not None else "sensitive media")
        lines.append(_assemble(("⚠ ", WARN), (what, WARN), (" — v to show", DIM)))
        if view.counts:
            lines.append(counts_line(shown))
        return lines
    if warning:
        lines.append(_assemble(("⚠ ", WARN), (warning, WARN)))
    if shown.content.text:
        lines.append(rich_body(shown))
    for media in shown.media:
        lines.append(media_line(media))
        thumb = view.thumbs(media) if view.thumbs is not None else None
        if thumb:
            lines += thumbnail_lines(thumb)
    if shown.quote is not None:
        lines += quote_lines(shown.quote)
    card = card_line(shown)
    if card is not None:
        lines.append(card)
    if shown.poll is not None:
        lines += poll_lines(shown.poll, view.width, view.now)
    if view.counts:
        lines.append(counts_line(shown))
    return lines


# ------------------------------------------------------------------------------------------------
# Notifications

_VERBS: dict[str, tuple[str, str]] = {
    NotificationKind.LIKE: ("♥", "liked your post"),
    NotificationKind.REPOST: ("↻", "reposted your post"),
    NotificationKind.FOLLOW: ("+", "followed you"),
    NotificationKind.FOLLOW_REQUEST: ("?", "asked to follow you"),
    NotificationKind.MENTION: ("@", "mentioned you"),
    NotificationKind.REPLY: ("↩", "replied to you"),
    NotificationKind.QUOTE: ("❝", "quoted your post"),
    NotificationKind.POLL: ("▤", "a poll you took part in ended"),
    NotificationKind.STATUS: ("•", "posted"),
    NotificationKind.UPDATE: ("✎", "edited a post you interacted with"),
    NotificationKind.ADMIN_SIGNUP: ("!", "signed up"),
    NotificationKind.ADMIN_REPORT: ("!", "filed a report"),
    NotificationKind.SEVERED: ("!", "some of your follow relationships were severed"),
    NotificationKind.MODERATION_WARNING: ("!", "a moderator warned you"),
    NotificationKind.MESSAGE: ("✉", "sent you a private message"),
}
_FULL_POST = {
    NotificationKind.MENTION,
    NotificationKind.REPLY,
    NotificationKind.QUOTE,
    NotificationKind.STATUS,
    NotificationKind.MESSAGE,
}


def people(actors: Sequence[Author], shown: int = 2) -> str:
    """`Ann`, `Ann and Bob`, `Ann, Bob and 3 others`."""
    names = [_line(a.display_name or shown_handle(a.handle)) for a in actors]
    if not names:
        return "someone"
    if len(names) <= shown:
        return " and ".join(names) if len(names) == 2 else names[0]
    rest = len(names) - shown
    return f"{', '.join(names[:shown])} and {rest} other{'s' if rest > 1 else ''}"


def render_notification(
    row: NotificationRow, view: View, verdict: Verdict | None = None
) -> Content:
    if isinstance(row, Placeholder):
        return _assemble(("⚠ ", WARN), (_line(row.reason), f"italic {DIM}"))
    if verdict is not None and verdict.hidden and not view.revealed:
        return hidden_line(verdict)
    return _join_lines(_notification_lines(row, view))


def _notification_lines(group: NotificationGroup, view: View) -> list[Content]:
    icon, verb = _VERBS.get(group.kind, ("•", _line(group.kind)))
    marker = ("● ", "bold $text-accent") if group.unread else ("  ", "")
    tail = _assemble(" ", badge(group.network), " ", (view.when(group.created_at), DIM))
    head = _assemble(marker, (icon + " ", ACTIVE), (people(group.actors), NAME), f" {verb}")
    room = max(1, view.width - tail.cell_length)
    if head.cell_length > room:
        head = head.truncate(room, ellipsis=True)
    lines = [_assemble(head, " " * max(0, view.width - head.cell_length - tail.cell_length), tail)]
    inner = _indented(view)
    extra = _line(group.first.text)
    if extra:
        lines += _indent(_styled(extra, DIM), inner.width)
    post = group.post
    if post is None:
        return lines
    if group.kind in _FULL_POST:
        for line in _body_lines(post.shown, inner, None):
            lines += _indent(line, inner.width)
    elif group.kind == NotificationKind.POLL and post.shown.poll is not None:
        # The poll ended: its question and the results.
        text = _line(post.shown.content.text)
        if len(text) > 200:
            text = text[:200] + "…"
        lines += _indent(_styled(text, DIM), inner.width)
        lines += [Content(INDENT) + ln for ln in poll_lines(post.shown.poll, inner.width, view.now)]
    else:
        text = _line(post.shown.content_warning or post.shown.content.text)
        if len(text) > 200:
            text = text[:200] + "…"
        lines += _indent(_styled(text, DIM), inner.width)
    return lines


INDENT = "  "


def _indented(view: View) -> View:
    return View(
        max(1, view.width - len(INDENT)), view.now, view.absolute, view.revealed, view.counts
    )


def _indent(line: Content, width: int) -> list[Content]:
    """`line` wrapped at `width` with every wrapped line indented, not only the first.

    Left to Textual, only the first line would carry the indent: the rest would wrap flush left.
    Lines that already fit skip the wrapping (the usual case for short notification texts).
    """
    plain = line.plain
    if "\n" not in plain and line.cell_length <= width:
        return [Content(INDENT) + line]
    return [Content(INDENT) + part for part in line.wrap(width)]
