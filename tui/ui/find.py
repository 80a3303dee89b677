"""Find and limit over what is loaded: the pattern language and the matcher, free of Textual.

A pattern is words separated by spaces, or "a phrase" in double quotes; an item matches when
every word does (AND):

- `word` — the text appears (case-insensitive) in the post's text, its author's name or handle,
  its content warning, media descriptions, link card or quote; a notification's people and text;
- `@who` — an author's (booster's, notification actor's) handle or name contains `who`;
- `#tag` — the post carries the hashtag (or the text contains `#tag`);
- `network:nostr` (or `mastodon`, `bluesky`);
- `has:media` — the post has attachments;
- `is:unread` — the list says the item is unread (its `is_unread` hook).

Words are matched against a lowercase search text made once per item and cached by identity
(items are frozen: a changed item is a new object), so a second find over the same items costs
one substring test per item.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from tui.model import Author, Placeholder, Post, SpanKind

_WORD = re.compile(r'"([^"]*)"?|(\S+)')  # "a phrase" (closing quote optional) or a word


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed pattern. `words` are casefolded; an empty query matches everything."""

    pattern: str = ""
    words: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    networks: tuple[str, ...] = ()
    media: bool = False
    unread: bool = False

    def __bool__(self) -> bool:
        return bool(
            self.words or self.authors or self.tags or self.networks or self.media or self.unread
        )

    @property
    def needles(self) -> tuple[tuple[bytes, ...], tuple[bytes, ...], tuple[bytes, ...]]:
        """Words, authors and tags as UTF-8, as the facts keep text (see `facts`)."""
        return (
            tuple(w.encode() for w in self.words),
            tuple(a.encode() for a in self.authors),
            tuple(t.encode() for t in self.tags),
        )

    @property
    def highlights(self) -> tuple[str, ...]:
        """What to mark in a rendered item: the words, `#tag`s and `@who`s as typed."""
        return (*self.words, *(f"#{t}" for t in self.tags), *self.authors)


def parse(pattern: str) -> Query:
    """Read a pattern. Unknown `key:value` words are plain text (a URL is text too)."""
    words: list[str] = []
    authors: list[str] = []
    tags: list[str] = []
    networks: list[str] = []
    media = unread = False
    for quoted, raw in _WORD.findall(pattern):
        word = (quoted or raw).casefold()
        key, sep, value = word.partition(":")
        if quoted:
            if word.strip():
                words.append(word)
        elif word.startswith("@") and len(word) > 1:
            authors.append(word[1:])
        elif word.startswith("#") and len(word) > 1:
            tags.append(word[1:])
        elif sep and key == "network" and value:
            networks.append(value)
        elif word == "has:media":
            media = True
        elif word == "is:unread":
            unread = True
        else:
            words.append(word)
    return Query(
        pattern.strip(),
        tuple(words),
        tuple(authors),
        tuple(tags),
        tuple(networks),
        media,
        unread,
    )


# What a query asks of one item, computed once: (text, people, tags, network, media) — the
# casefolded searchable text, handles and names, hashtags (each between newlines), the network
# and whether it has media. Text is kept as UTF-8 (a str holding one emoji takes four bytes a
# character; a substring of UTF-8 is found only at character boundaries), in a tuple of atoms
# the garbage collector stops looking at: both matter with fifty thousand of them.
_Facts = tuple[bytes, bytes, bytes, str, bool]
TEXT, PEOPLE, TAGS, NETWORK, MEDIA = range(5)


def _post_parts(post: Post) -> Iterator[str]:
    shown = post.shown
    yield shown.content.text
    yield shown.content_warning
    for media in shown.media:
        yield media.alt
    if shown.card is not None:
        yield shown.card.title
        yield shown.card.description
    quote = shown.quote
    if isinstance(quote, Post):
        yield quote.author.display_name
        yield quote.author.handle
        yield quote.content.text


def _authors(item: object) -> list[Author]:
    if isinstance(item, Post):
        return [item.author, item.shown.author] if item.repost_of is not None else [item.author]
    actors = getattr(item, "actors", None)
    return list(actors) if isinstance(actors, tuple) else []


def _post_of(item: object) -> Post | None:
    if isinstance(item, Post):
        return item
    post = getattr(item, "post", None)  # a notification group
    return post if isinstance(post, Post) else None


def facts(item: object) -> _Facts:
    """What the matcher looks at in `item` (a post, a notification group, a placeholder)."""
    authors = _authors(item)
    people = "\n".join(part for a in authors for part in (a.handle, a.display_name))
    post = _post_of(item)
    parts: list[str] = [people]
    tags = b""
    media = False
    if post is not None:
        parts += _post_parts(post)
        shown = post.shown
        found = [s.target.casefold() for s in shown.content.spans if s.kind is SpanKind.HASHTAG]
        tags = ("\n" + "\n".join(found) + "\n").encode() if found else b""
        media = bool(shown.media)
    if isinstance(item, Placeholder):
        parts.append(item.reason)
    first = getattr(item, "first", None)  # a notification group's words for kinds without post
    extra = getattr(first, "text", "")
    if isinstance(extra, str) and extra:
        parts.append(extra)
    network = getattr(item, "network", "")
    return (
        "\n".join(p for p in parts if p).casefold().encode(),
        people.casefold().encode(),
        tags,
        str(network).casefold(),
        media,
    )


class Matcher:
    """Tests items against queries, caching each item's facts by identity.

    `is_unread` is the list's read-state hook. The cache holds one entry per item uid; a new
    object under the same uid (a like, an edit) is looked at afresh. Two dicts rather than one
    of (item, facts) pairs: no extra object per item for the garbage collector to walk.
    """

    def __init__(self, is_unread: Callable[[object], bool] = lambda item: False) -> None:
        self.is_unread = is_unread
        self._facts: dict[str, _Facts] = {}
        self._items: dict[str, object] = {}
        self._query: Query | None = None
        self._encoded: tuple[tuple[bytes, ...], tuple[bytes, ...], tuple[bytes, ...]] = ((), (), ())

    def _needles(self, query: Query) -> tuple[tuple[bytes, ...], ...]:
        if query is not self._query:  # one query meets many items: encode it once
            self._query, self._encoded = query, query.needles
        return self._encoded

    def facts(self, item: object) -> _Facts:
        uid = str(getattr(item, "uid", id(item)))
        if self._items.get(uid) is item:
            return self._facts[uid]
        found = facts(item)
        self._facts[uid] = found
        self._items[uid] = item
        return found

    def forget(self) -> None:
        self._facts.clear()
        self._items.clear()

    def matches(self, item: object, query: Query) -> bool:
        if not query:
            return True
        found = self.facts(item)
        text = found[TEXT]
        words, authors, tags = self._needles(query)
        for word in words:
            if word not in text:
                return False
        for who in authors:
            if who not in found[PEOPLE]:
                return False
        for tag in tags:
            if b"\n" + tag + b"\n" not in found[TAGS] and b"#" + tag not in text:
                return False
        for network in query.networks:
            if found[NETWORK] != network:
                return False
        if query.media and not found[MEDIA]:
            return False
        return not query.unread or self.is_unread(item)


def spans(plain: str, query: Query) -> list[tuple[int, int]]:
    """Where the query's words show in `plain` (rendered text): sorted, non-overlapping."""
    found: list[tuple[int, int]] = []
    for needle in query.highlights:
        if not needle:
            continue
        for match in re.finditer(re.escape(needle), plain, re.IGNORECASE):
            found.append(match.span())
    found.sort()
    merged: list[tuple[int, int]] = []
    for start, end in found:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
