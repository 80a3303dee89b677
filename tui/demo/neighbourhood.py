"""The demo's neighbours, live: a websocket client of the demo relay that answers the user's new
notes within seconds and now and then posts something new."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from typing import Any

import websockets

from tui import jsonsafe
from tui.networks.nostr import nip17, nip59
from tui.networks.nostr.event import NostrEvent, sign, verify_event

from tui.demo.community import Person, generated_note, neighbours, reply_tags
from tui.demo.relay import Journal

# Info level only: with no handler configured, warnings would reach the terminal under the app.
log = logging.getLogger(__name__)


REPLY_DELAY = (1.0, 3.5)  # seconds before a neighbour answers a new note of the user's
CHATTER_EVERY = (20.0, 40.0)  # seconds between a neighbour's unprompted posts
RECONNECT_DELAY = 1.0


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
        # Private messages to any neighbour (gift wraps are dated up to two days back).
        inbox = {
            "kinds": [nip59.WRAP_KIND],
            "#p": [p.keys.public_hex for p in self.people],
            "since": self.since - nip59.MAX_TWEAK,
        }
        await ws.send(json.dumps(["REQ", "private", inbox]))
        await ws.send(json.dumps(["REQ", "journal", {"since": self.since}]))
        async for raw in ws:
            try:
                msg = jsonsafe.loads(raw)  # other clients may join the demo relay
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
            elif msg[1] == "private":
                self._on_private_message(event)

    def _on_user_event(self, event: NostrEvent) -> None:
        if event.pubkey != self.user_pubkey:
            return
        if event.kind == 0:
            with contextlib.suppress(ValueError, AttributeError):
                profile = jsonsafe.loads(event.content)
                self.user_name = str(profile.get("display_name") or profile.get("name") or "")
            return
        if event.kind != 1 or event.id in self.answered or event.created_at < self.since:
            return
        self.answered.add(event.id)
        self._spawn(self._answer(event))

    def _on_private_message(self, wrap: NostrEvent) -> None:
        """A private message from the user to a neighbour gets a private answer from them."""
        tagged = set(wrap.tag_values("p"))
        for person in self.people:
            if person.keys.public_hex not in tagged:
                continue
            try:
                rumor, _seal = nip59.unwrap(person.keys, wrap)
            except nip59.UnwrapError:
                continue  # someone else's, or not a message
            message = nip17.from_rumor(rumor)
            if (
                message is None
                or message.sender != self.user_pubkey
                or message.created_at < self.since
                or message.id in self.answered
            ):
                continue
            self.answered.add(message.id)
            self._spawn(self._answer_privately(person, message))

    async def _answer_privately(self, person: Person, message: nip17.Message) -> None:
        templates = self.data["replies"].get(person.lang) or self.data["replies"]["en"]
        text = self.rng.choice(templates).format(name=self.user_name or "friend")
        others = [p for p in message.participants if p != person.keys.public_hex]
        await asyncio.sleep(self.rng.uniform(*REPLY_DELAY))  # written after reading it
        _rumor, wraps = nip17.build(person.keys, others, text, reply_to=message.id)
        for wrap in wraps.values():
            await self.publish(wrap)

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
