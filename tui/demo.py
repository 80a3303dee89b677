"""`murmur demo`: the app signed in to a real Nostr relay on 127.0.0.1, among neighbours who answer.

`start_demo` starts nostr-sdk's `LocalRelay` (in memory, bound to 127.0.0.1 only), writes a config
and a vault into the demo home (MURMUR_HOME layout), seeds the community described in
`tui/data/demo_community.json` and starts the neighbours: a plain websocket client of the same
relay that replies to and reacts on the user's new notes within seconds and now and then posts
something new, so the timeline and the notifications are live.

The relay keeps events in memory only. Every event it holds is therefore also appended to
`relay-events.jsonl` in the home; a later `--keep DIR` run replays that journal instead of seeding
again, which keeps the user, the community and everything posted since.

The vault passphrase is random per demo home and kept next to the vault in a 0600 file that the
config's `passphrase_command` reads: the vault protects nothing here (the key is a throwaway
identity), but the demo goes through the real vault code, and `MURMUR_HOME=DIR murmur ...` works
against a kept demo without asking.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import random
import secrets
import shlex
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import websockets
from nostr_sdk import LocalRelay, LocalRelayBuilder, RateLimit

from tui.model import Account, NetworkKind
from tui.networks.nostr import nip19
from tui.networks.nostr.event import NostrEvent, sign, verify_event
from tui.networks.nostr.keys import Keys

# Info level only: with no handler configured, warnings would reach the terminal under the app.
log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
ACCOUNT_NAME = "demo"
DATA_FILE = "demo_community.json"
# Neighbour keys are sha256 of this prefix and the seed in the data file: the same every run.
KEY_PREFIX = "murmur-demo/"
# The community's shape (who posts what, when, who reacts) is drawn from a fixed seed.
LAYOUT_SEED = "murmur-demo community"

CONFIG_NAME = "config.toml"  # what tui.store.paths uses under MURMUR_HOME
VAULT_NAME = "vault.bin"
PASSPHRASE_NAME = "demo-passphrase"
STATE_NAME = "demo-state.json"
JOURNAL_NAME = "relay-events.jsonl"

HOUR = 3600
REPLY_DELAY = (1.0, 3.5)  # seconds before a neighbour answers a new note of the user's
CHATTER_EVERY = (20.0, 40.0)  # seconds between a neighbour's unprompted posts
RECONNECT_DELAY = 1.0


class DemoError(Exception):
    """The demo cannot start (busy port, unreadable demo home): a message for the user."""


# ----- the community ---------------------------------------------------------------------------


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


# ----- the relay and its journal ---------------------------------------------------------------


async def start_relay(port: int | None) -> tuple[LocalRelay, str]:
    """nostr-sdk's LocalRelay on 127.0.0.1 (`port`, or one the OS picks). Returns it and its URL."""
    builder = LocalRelayBuilder().addr(LOOPBACK)
    # The default limit (60 notes a minute per connection) would refuse the seeding.
    builder = builder.rate_limit(RateLimit(max_reqs=1000, notes_per_minute=100_000))
    # The default cap of 500 events per filter would hide part of the community from one query.
    builder = builder.max_filter_limit(10_000)
    if port is not None:
        builder = builder.port(port)
    relay = builder.build()
    try:
        await relay.run()
    except Exception as exc:  # nostr-sdk raises its own generic error type
        where = f"port {port}" if port is not None else "a free port"
        raise DemoError(f"cannot start the demo relay on {LOOPBACK} {where}: {exc}") from exc
    return relay, str(await relay.url())


class Journal:
    """Every event the relay accepted, one JSON object a line, so a kept demo can be replayed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.ids: set[str] = set()
        self.events: list[dict[str, Any]] = []
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                with contextlib.suppress(ValueError):
                    raw = json.loads(line)
                    if isinstance(raw, dict) and raw.get("id") not in self.ids:
                        self.ids.add(raw["id"])
                        self.events.append(raw)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._file = os.fdopen(fd, "a", encoding="utf-8")

    def add(self, event: dict[str, Any]) -> None:
        if event["id"] in self.ids:
            return
        self.ids.add(event["id"])
        self._file.write(json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()


async def publish_all(relay_url: str, events: Sequence[dict[str, Any]]) -> int:
    """Send `events` over one connection and wait for every OK. Returns how many were refused."""
    if not events:
        return 0
    refused = 0
    async with websockets.connect(relay_url, max_size=2**24) as ws:
        for event in events:
            await ws.send(json.dumps(["EVENT", event], ensure_ascii=False))
        pending = {e["id"] for e in events}
        while pending:
            msg = json.loads(await asyncio.wait_for(ws.recv(), 30))
            if msg[0] == "OK" and msg[1] in pending:
                pending.discard(msg[1])
                if not msg[2]:
                    refused += 1
                    log.info("demo relay refused %s: %s", msg[1], msg[3] if len(msg) > 3 else "")
    return refused


# ----- the neighbours, live --------------------------------------------------------------------


class Neighbours:
    """The community's live side, a websocket client of the demo relay.

    It follows the user's notes: each new one gets a reply from one or two neighbours (the
    people it mentions first) and a reaction, all within a few seconds. Every so often a
    neighbour posts something new. Everything new on the relay goes into the journal.
    """

    def __init__(
        self,
        relay_url: str,
        user_pubkey: str,
        data: dict[str, Any],
        journal: Journal,
        since: int,
    ) -> None:
        self.relay_url = relay_url
        self.user_pubkey = user_pubkey
        self.data = data
        self.journal = journal
        self.since = since
        self.people = [p for p in neighbours(data) if not p.bot]
        self.everyone = neighbours(data)
        self.user_name = data["user"]["display_name"]
        self.rng = random.Random()
        self.answered: set[str] = set()
        self._ws: Any = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        """Stay connected until cancelled; answer and chatter while connected."""
        chatter = asyncio.create_task(self._chatter())
        try:
            while True:
                try:
                    async with websockets.connect(self.relay_url, max_size=2**24) as ws:
                        self._ws = ws
                        await self._listen(ws)
                except (OSError, websockets.WebSocketException) as exc:
                    log.info("demo neighbours lost the relay (%s); reconnecting", exc)
                self._ws = None
                await asyncio.sleep(RECONNECT_DELAY)
        finally:
            chatter.cancel()
            for task in [chatter, *self._tasks]:
                task.cancel()
            await asyncio.gather(chatter, *self._tasks, return_exceptions=True)

    async def _listen(self, ws: Any) -> None:
        user = [
            {"kinds": [0], "authors": [self.user_pubkey], "limit": 1},
            {"kinds": [1], "authors": [self.user_pubkey], "since": self.since},
        ]
        await ws.send(json.dumps(["REQ", "user", *user]))
        await ws.send(json.dumps(["REQ", "journal", {"since": self.since}]))
        async for raw in ws:
            try:
                msg = json.loads(raw)
            except ValueError:
                continue
            if not isinstance(msg, list) or len(msg) < 3:
                continue
            if msg[0] == "OK" and msg[2] is False:
                log.info("demo relay refused a neighbour's event: %s", msg[3:])
            if msg[0] != "EVENT":
                continue
            try:
                event = verify_event(msg[2])
            except ValueError:
                continue
            if msg[1] == "journal":
                self.journal.add(msg[2])
            elif msg[1] == "user":
                self._on_user_event(event)

    def _on_user_event(self, event: NostrEvent) -> None:
        if event.pubkey != self.user_pubkey:
            return
        if event.kind == 0:
            with contextlib.suppress(ValueError, AttributeError):
                profile = json.loads(event.content)
                self.user_name = str(profile.get("display_name") or profile.get("name") or "")
            return
        if event.kind != 1 or event.id in self.answered or event.created_at < self.since:
            return
        self.answered.add(event.id)
        self._spawn(self._answer(event))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)  # the loop keeps only weak references to tasks
        task.add_done_callback(self._tasks.discard)

    def responders(self, note: NostrEvent) -> list[Person]:
        """Who answers `note`: the neighbours it mentions or replies to first, then anyone."""
        mentioned = set(note.tag_values("p"))
        first = [p for p in self.people if p.keys.public_hex in mentioned]
        others = [p for p in self.people if p not in first]
        self.rng.shuffle(first)
        self.rng.shuffle(others)
        count = self.rng.choice((1, 2, 2))
        return (first + others)[: max(count, min(len(first), 2))]

    async def _answer(self, note: NostrEvent) -> None:
        responders = self.responders(note)
        reactor = self.rng.choice(self.people)
        reaction = self._reaction(reactor, note)
        jobs = [self._publish_later(self.rng.uniform(*REPLY_DELAY), reaction)]
        for i, person in enumerate(responders):
            delay = self.rng.uniform(*REPLY_DELAY) + i * 0.5
            jobs.append(self._publish_later(delay, self._reply(person, note)))
        await asyncio.gather(*jobs)

    def _reply(self, person: Person, note: NostrEvent) -> NostrEvent:
        templates = self.data["replies"].get(person.lang) or self.data["replies"]["en"]
        text = self.rng.choice(templates).format(name=self.user_name or "friend")
        tags = reply_tags(note, self.relay_url)
        tags = [t for t in tags if not (t[0] == "p" and t[1] == person.keys.public_hex)]
        return sign(person.keys, 1, text, tags)

    def _reaction(self, person: Person, note: NostrEvent) -> NostrEvent:
        content = self.rng.choice(self.data["reactions_pool"])
        tags = [["e", note.id, self.relay_url, note.pubkey], ["p", note.pubkey], ["k", "1"]]
        return sign(person.keys, 7, content, tags)

    async def _publish_later(self, delay: float, event: NostrEvent) -> None:
        await asyncio.sleep(delay)
        await self.publish(event)

    async def publish(self, event: NostrEvent) -> None:
        ws = self._ws
        if ws is None:
            log.info("demo relay not connected; dropped a neighbour's event")
            return
        with contextlib.suppress(websockets.WebSocketException):
            await ws.send(json.dumps(["EVENT", event.to_dict()], ensure_ascii=False))

    async def _chatter(self) -> None:
        while True:
            await asyncio.sleep(self.rng.uniform(*CHATTER_EVERY))
            person = self.rng.choice(self.everyone)
            text, hashtags = generated_note(person, self.rng)
            await self.publish(sign(person.keys, 1, text, [["t", t] for t in hashtags]))


# ----- the demo home: passphrase, vault, config ------------------------------------------------


def _write_private(path: Path, text: str) -> None:
    from tui.store.paths import write_private_file

    write_private_file(path, text.encode("utf-8"))


def _read_state(home: Path) -> dict[str, Any]:
    try:
        state = json.loads((home / STATE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


async def _user_keys(home: Path, passphrase: str) -> Keys:
    """The user's key from the demo's vault, or a new random one stored there."""
    from tui.store.vault import Vault

    vault = await Vault.unlock(home / VAULT_NAME, passphrase)
    stored = vault.get(ACCOUNT_NAME).get("nsec")
    if stored:
        return Keys.parse(stored)
    keys = Keys.generate()
    await vault.set(ACCOUNT_NAME, {"nsec": keys.nsec})
    return keys


def _passphrase(home: Path) -> str:
    path = home / PASSPHRASE_NAME
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    if (home / VAULT_NAME).exists():
        raise DemoError(f"{home} has a vault but no {PASSPHRASE_NAME}: not a demo home")
    passphrase = secrets.token_urlsafe(24)
    _write_private(path, passphrase + "\n")
    return passphrase


def _write_config(home: Path, keys: Keys, relay_url: str) -> Path:
    """config.toml with the demo account on the demo relay; other settings in it are kept."""
    from tui.store.config import Config, VaultConfig, load_config
    from tui.store.config_edit import save_config

    path = home / CONFIG_NAME
    config = load_config(path) if path.exists() else Config(path=path)
    account = Account(
        name=ACCOUNT_NAME,
        network=NetworkKind.NOSTR,
        handle=keys.npub,
        options={"relays": (relay_url,)},
    )
    others = tuple(a for a in config.accounts if a.name != ACCOUNT_NAME)
    command = f"cat {shlex.quote(str(home / PASSPHRASE_NAME))}"
    config = replace(
        config,
        accounts=(account, *others),
        # Nothing may leave 127.0.0.1: the demo relay is also the only default relay.
        nostr=replace(config.nostr, default_relays=(relay_url,)),
        vault=VaultConfig(passphrase_command=command),
        # The passphrase is in a file of the demo's own: no key agent outliving the demo.
        agent=replace(config.agent, enabled=False),
    )
    save_config(config, path)
    return path


# ----- the demo --------------------------------------------------------------------------------


@dataclass
class Demo:
    """A running demo: the relay, the neighbours and the home holding config and vault."""

    home: Path
    relay_url: str
    passphrase: str
    config_path: Path
    user_npub: str
    temporary: bool
    _relay: LocalRelay
    _journal: Journal
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(self.relay_url.rsplit(":", 1)[1].rstrip("/"))

    async def stop(self) -> None:
        """Stop the neighbours and the relay; a temporary home is deleted."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        self._relay.shutdown()
        self._journal.close()
        self.remove_temporary_home()

    def remove_temporary_home(self) -> None:
        if self.temporary:
            shutil.rmtree(self.home, ignore_errors=True)


async def start_demo(port: int | None, keep: Path | None) -> Demo:
    """Start the relay, seed (or replay) the community, write config and vault, start neighbours."""
    from tui.store.paths import ensure_private_dir

    if keep is None:
        home = Path(tempfile.mkdtemp(prefix="murmur-demo-"))
    else:
        home = ensure_private_dir(Path(keep).expanduser().resolve())
    try:
        return await _start(home, port, temporary=keep is None)
    except BaseException:
        if keep is None:
            shutil.rmtree(home, ignore_errors=True)
        raise


async def _start(home: Path, port: int | None, *, temporary: bool) -> Demo:
    state = _read_state(home)
    passphrase = _passphrase(home)
    user = await _user_keys(home, passphrase)
    relay, url = await _relay_for(port, state.get("port"))
    journal = None
    try:
        journal = Journal(home / JOURNAL_NAME)
        started = int(time.time())
        data = load_data()
        if journal.events:
            # Some may be refused (a replaceable event superseded later in the journal): fine.
            await publish_all(url, journal.events)
            if state.get("relay_url") != url:
                # The relay moved: relay lists and config must name the new address.
                await publish_all(url, [e.to_dict() for e in _relay_lists(data, user, url)])
        else:
            seed = [e.to_dict() for e in CommunityBuilder(data, user, url, started).build()]
            refused = await publish_all(url, seed)
            if refused:
                raise DemoError(f"the demo relay refused {refused} of the seed events")
            for event in seed:
                journal.add(event)
        config_path = _write_config(home, user, url)
        _write_private(
            home / STATE_NAME, json.dumps({"port": int(url.rsplit(":", 1)[1]), "relay_url": url})
        )
        neighbours_ = Neighbours(url, user.public_hex, data, journal, since=started - 5)
        demo = Demo(home, url, passphrase, config_path, user.npub, temporary, relay, journal)
        demo._tasks.append(asyncio.create_task(neighbours_.run()))
        return demo
    except BaseException:
        if journal is not None:
            journal.close()
        relay.shutdown()
        raise


async def _relay_for(port: int | None, previous: object) -> tuple[LocalRelay, str]:
    """The relay on `port`; else on the kept demo's previous port if still free; else any."""
    if port is None and isinstance(previous, int):
        with contextlib.suppress(DemoError):
            return await start_relay(previous)
    return await start_relay(port)


def _relay_lists(data: dict[str, Any], user: Keys, relay_url: str) -> list[NostrEvent]:
    people = [*neighbours(data), user_person(data, user)]
    return [sign(p.keys, 10002, "", [["r", relay_url]]) for p in people]


def main(port: int | None, keep: Path | None) -> int:
    """`murmur demo`: run the app against the demo until the user quits."""
    try:
        return asyncio.run(_run_app(port, keep))
    except DemoError as exc:
        print(f"murmur: demo: {exc}", file=sys.stderr)
        return 2


async def _run_app(port: int | None, keep: Path | None) -> int:
    """The relay, the neighbours and the app share this one asyncio loop.

    LocalRelay needs a running loop to start (it then serves from nostr-sdk's own threads) and
    the neighbours are a task of this loop. `tui.ui.app.run` would start a second loop through
    `App.run()`, so the app runs here with `App.run_async()`, which is what `App.run()` awaits.
    """
    from tui.session import Session
    from tui.store import paths
    from tui.store.cache import Cache
    from tui.store.config import load_config
    from tui.ui.app import MurmurApp, Terminator

    demo = await start_demo(port, keep)
    cache = None
    try:
        os.environ[paths.HOME_ENV] = str(demo.home)
        gone = " (deleted on exit)" if demo.temporary else ""
        print(f"Demo relay on {demo.relay_url} — state in {demo.home}{gone}", flush=True)
        config = load_config(demo.config_path)
        cache = Cache(paths.cache_file())
        session = Session(config, cache)
        await session.unlock(demo.passphrase)
        app = MurmurApp(
            session,
            config=config,
            status_note=f"demo relay {demo.relay_url}",
            home_is_temporary=demo.temporary,
        )
        # Closing the terminal (SIGHUP) or a kill (SIGTERM) ends the app normally, so the
        # temporary home is removed and the relay stopped as on `q`; while suspended for
        # $EDITOR (or when a normal exit hangs) the process ends at once, the home removed.
        app.terminator = Terminator(app, cleanup=demo.remove_temporary_home)
        app.terminator.install()
        result = await app.run_async()
        return int(result or 0) if app.return_code in (None, 0) else int(app.return_code)
    finally:
        if cache is not None:
            cache.close()
        await demo.stop()
