"""The demo's community: people from `tui/data/demo_community.json`, their keys, and the notes,
replies, reactions and follows seeded on the demo relay at first start."""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any


from tui.networks.nostr import nip19
from tui.networks.nostr.event import NostrEvent, sign
from tui.networks.nostr.keys import Keys


DATA_FILE = "demo_community.json"
# Neighbour keys are sha256 of this prefix and the seed in the data file: the same every run.
KEY_PREFIX = "murmur-demo/"
# The community's shape (who posts what, when, who reacts) is drawn from a fixed seed.
LAYOUT_SEED = "murmur-demo community"


HOUR = 3600


def load_data() -> dict[str, Any]:
    """The community description shipped in the package."""
    text = resources.files("tui").joinpath("data", DATA_FILE).read_text(encoding="utf-8")
    return json.loads(text)


def neighbour_keys(seed: str) -> Keys:
    return Keys.from_secret(hashlib.sha256((KEY_PREFIX + seed).encode()).digest())


@dataclass(frozen=True)
class Person:
    """Someone in the community: a neighbour from the data file, or the user ("you")."""

    key: str
    keys: Keys
    name: str
    display_name: str
    about: str = ""
    lang: str = "en"
    bot: bool = False
    website: str = ""
    tags: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    emoji: tuple[str, ...] = ()
    lines: tuple[str, ...] = ()

    def profile(self, nip05_domain: str) -> dict[str, object]:
        profile: dict[str, object] = {
            "name": self.name,
            "display_name": self.display_name,
            "about": self.about,
        }
        if self.key != "you":
            profile["nip05"] = f"{self.name}@{nip05_domain}"
        if self.website:
            profile["website"] = self.website
        if self.bot:
            profile["bot"] = True
        return profile


def neighbours(data: dict[str, Any]) -> list[Person]:
    return [
        Person(
            key=n["seed"],
            keys=neighbour_keys(n["seed"]),
            name=n["name"],
            display_name=n["display_name"],
            about=n.get("about", ""),
            lang=n.get("lang", "en"),
            bot=bool(n.get("bot", False)),
            website=n.get("website", ""),
            tags=tuple(n.get("tags", ())),
            links=tuple(n.get("links", ())),
            emoji=tuple(n.get("emoji", ())),
            lines=tuple(n.get("lines", ())),
        )
        for n in data["neighbours"]
    ]


def user_person(data: dict[str, Any], keys: Keys) -> Person:
    u = data["user"]
    return Person("you", keys, u["name"], u["display_name"], u.get("about", ""))


def with_hashtags(text: str, tags: Iterable[str]) -> str:
    """`text` ending with a #hashtag for every tag it does not already mention."""
    missing = [f"#{t}" for t in tags if f"#{t}".casefold() not in text.casefold()]
    if not missing:
        return text
    sep = "\n\n" if "\n" in text else " "
    return f"{text}{sep}{' '.join(missing)}"


def generated_note(person: Person, rng: random.Random) -> tuple[str, list[str]]:
    """One note combining the person's lines, maybe an emoji, a hashtag and a link."""
    count = 2 if rng.random() < 0.35 and len(person.lines) > 1 else 1
    text = " ".join(rng.sample(person.lines, count))
    if person.emoji and rng.random() < 0.5:
        text += " " + rng.choice(person.emoji)
    tags = [rng.choice(person.tags)] if person.tags and rng.random() < 0.55 else []
    if person.links and rng.random() < 0.15:
        text += "\n" + rng.choice(person.links)
    return with_hashtags(text, tags), [t.casefold() for t in tags]


def reply_tags(parent: NostrEvent, relay_url: str, *, positional: bool = False) -> list[list[str]]:
    """NIP-10 `e` tags for a reply to `parent`, and `p` tags for everyone in the thread."""
    root = _root_of(parent)
    if positional:
        e = [["e", root[0], relay_url]] if root else []
        e.append(["e", parent.id, relay_url])
    elif root is None:
        e = [["e", parent.id, relay_url, "root", parent.pubkey]]
    else:
        e = [
            ["e", root[0], relay_url, "root", root[1]],
            ["e", parent.id, relay_url, "reply", parent.pubkey],
        ]
    people = dict.fromkeys([parent.pubkey, *parent.tag_values("p")])
    return e + [["p", pk] for pk in people]


def _root_of(event: NostrEvent) -> tuple[str, str] | None:
    """The thread root an event answers (id, pubkey hint), NIP-10 markers first, then position."""
    e_tags = [t for t in event.tags if len(t) > 1 and t[0] == "e"]
    for t in e_tags:
        if len(t) > 3 and t[3] == "root":
            return t[1], (t[4] if len(t) > 4 else "")
    unmarked = [t for t in e_tags if len(t) < 4 or t[3] not in ("reply", "mention")]
    return (unmarked[0][1], "") if unmarked else None


class CommunityBuilder:
    """Turns the data file into signed events: the same community every run.

    Only the user's key differs between demos, so the events that involve the user differ; the
    shape (authors, texts, times relative to `now`, who reacts to what) is drawn from a fixed seed.
    """

    def __init__(self, data: dict[str, Any], user: Keys, relay_url: str, now: int) -> None:
        self.data = data
        self.relay_url = relay_url
        self.now = now
        self.rng = random.Random(LAYOUT_SEED)
        self.neighbours = neighbours(data)
        self.user = user_person(data, user)
        self.people = {p.key: p for p in [self.user, *self.neighbours]}
        self.events: list[NostrEvent] = []
        self.notes: list[NostrEvent] = []  # kind-1 notes others may repost or react to
        self.keyed: dict[str, NostrEvent] = {}  # threads with a "key", for quotes

    def build(self) -> list[NostrEvent]:
        start = self.now - self.data["days"] * 24 * HOUR
        for person in self.people.values():
            self._metadata(person, start - HOUR)
        for thread in self.data["threads"]:
            ago = int(thread["ago_hours"] * HOUR) + self.rng.randint(0, 900)
            self._post(thread, None, self.now - ago, thread.get("positional", False))
        for person in self.neighbours:
            self._generated(person, start)
        self._reposts()
        self._reactions()
        return self.events

    def _sign(
        self, person: Person, kind: int, content: str, tags: Sequence[Sequence[str]], at: int
    ) -> NostrEvent:
        event = sign(person.keys, kind, content, tags, created_at=min(at, self.now - 30))
        self.events.append(event)
        return event

    def _metadata(self, person: Person, at: int) -> None:
        domain = self.data["nip05_domain"]
        content = json.dumps(person.profile(domain), ensure_ascii=False)
        self._sign(person, 0, content, [], at)
        self._sign(
            person,
            3,
            "",
            [["p", p.keys.public_hex, self.relay_url, p.name] for p in self._follows(person)],
            at,
        )
        self._sign(person, 10002, "", [["r", self.relay_url]], at)

    def _follows(self, person: Person) -> list[Person]:
        if person.key == "you":
            return self.neighbours
        if person.bot:
            return []
        others = [p for p in self.neighbours if p.key != person.key and not p.bot]
        chosen = self.rng.sample(others, min(5, len(others)))
        if person.key in self.data["follows_user"]:
            chosen.append(self.user)
        return chosen

    def _expand(self, text: str) -> tuple[str, list[str]]:
        """Replace {@key} with a NIP-27 `nostr:npub…` mention; return the mentioned pubkeys."""
        mentioned: list[str] = []
        for key, person in self.people.items():
            marker = "{@" + key + "}"
            if marker in text:
                text = text.replace(marker, "nostr:" + person.keys.npub)
                mentioned.append(person.keys.public_hex)
        return text, mentioned

    def _post(
        self, node: dict[str, Any], parent: NostrEvent | None, at: int, positional: bool
    ) -> None:
        person = self.people[node["by"]]
        text, mentioned = self._expand(node["text"])
        hashtags = [t.casefold() for t in node.get("t", ())]
        text = with_hashtags(text, node.get("t", ()))
        tags = reply_tags(parent, self.relay_url, positional=positional) if parent else []
        have = {t[1] for t in tags if t[0] == "p"}
        tags += [["p", pk] for pk in mentioned if pk not in have]
        tags = [t for t in tags if not (t[0] == "p" and t[1] == person.keys.public_hex)]
        tags += [["t", t] for t in hashtags]
        if node.get("cw"):
            tags.append(["content-warning", node["cw"]])
        if "quote" in node:  # NIP-18: a nostr:nevent in the text and a q tag
            quoted = self.keyed[node["quote"]]
            ref = nip19.nevent(quoted.id, [self.relay_url], quoted.pubkey, quoted.kind)
            text = f"{text}\n\nnostr:{ref}"
            tags += [["q", quoted.id, self.relay_url, quoted.pubkey], ["p", quoted.pubkey]]
        event = self._sign(person, 1, text, tags, at)
        self.notes.append(event)
        if "key" in node:
            self.keyed[node["key"]] = event
        for reply in node.get("replies", ()):
            later = event.created_at + self.rng.randint(3, 120) * 60
            self._post(reply, event, later, positional)

    def _generated(self, person: Person, start: int) -> None:
        seen: set[str] = set()
        for _ in range(self.data["generated_per_neighbour"] * 3):
            if len(seen) == self.data["generated_per_neighbour"]:
                break
            text, hashtags = generated_note(person, self.rng)
            if text in seen:
                continue
            seen.add(text)
            at = self.rng.randint(start, self.now - 600)
            self.notes.append(self._sign(person, 1, text, [["t", t] for t in hashtags], at))

    def _reposts(self) -> None:
        reposters = [p for p in self.neighbours if not p.bot]
        own = [n for n in self.notes if n.pubkey == self.user.keys.public_hex]
        for note in [*own[:1], *self.rng.sample(self.notes, self.data["reposts"])]:
            by = self.rng.choice([p for p in reposters if p.keys.public_hex != note.pubkey])
            tags = [["e", note.id, self.relay_url], ["p", note.pubkey]]
            later = note.created_at + self.rng.randint(5, 300) * 60
            self._sign(by, 6, note.to_json(), tags, later)

    def _reactions(self) -> None:
        pool = self.data["reactions_pool"]
        reactors = [p for p in self.neighbours if not p.bot]
        own = [n for n in self.notes if n.pubkey == self.user.keys.public_hex]
        pairs: set[tuple[str, str]] = set()
        targets = [*own, *own, *own, *self.rng.choices(self.notes, k=self.data["reactions"])]
        for note in targets:
            by = self.rng.choice(reactors)
            if by.keys.public_hex == note.pubkey or (by.key, note.id) in pairs:
                continue
            pairs.add((by.key, note.id))
            tags = [["e", note.id, self.relay_url, note.pubkey], ["p", note.pubkey], ["k", "1"]]
            later = note.created_at + self.rng.randint(1, 600) * 60
            self._sign(by, 7, self.rng.choice(pool), tags, later)
