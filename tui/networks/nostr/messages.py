"""Private messages on Nostr: NIP-17 (read and send) and NIP-04 (read only, marked legacy).

Read state lives nowhere on Nostr: a conversation is unread while its newest message is from
someone else and was not opened in this session.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from tui.model import Conversation, NotificationKind, Notification, Post
from tui.networks.base import NotFound, Transient, Unsupported
from tui.networks.nostr import nip17, nip59, parse
from tui.networks.nostr.event import NostrEvent, sign
from tui.networks.nostr.pool import PublishResult

MESSAGE_LIMIT = 500
LEGACY_NOTE = "legacy, less private (NIP-04: relays see who wrote to whom, and when)"


class PrivateMessages:
    """Mixed into NostrNetwork (which provides the pool, keys, queries and profiles)."""

    pubkey: str
    ctx: parse.Context
    relays: list[str]
    relay_lists: dict[str, Any]
    account: Any
    kind: Any
    _query: Any
    _need_pool: Any
    _need_keys: Any
    _pubkey: Any
    _load_profiles: Any
    _load_relay_lists: Any
    read_relays: list[str]
    error: Any

    def _dm_state(self) -> dict[str, Any]:
        state = self.__dict__.get("_dm")
        if state is None:
            state = self.__dict__["_dm"] = {"inboxes": {}, "messages": {}, "read": {}}
        return state

    # ----- inbox relays (kind 10050) ---------------------------------------------------------
    async def _inboxes(self, pubkeys: Iterable[str]) -> dict[str, list[str]]:
        """Each person's NIP-17 inbox relays ([] when they published none)."""
        known: dict[str, list[str]] = self._dm_state()["inboxes"]
        missing = sorted({p for p in pubkeys if p not in known})
        if missing:
            await self._load_relay_lists(missing)
            urls = set(self.read_relays)
            for p in missing:
                urls.update(self.relay_lists[p].write)
            flt = {"authors": missing, "kinds": [nip17.INBOX_KIND]}
            newest: dict[str, NostrEvent] = {}
            for ev in await self._query(sorted(urls), [flt]):
                if ev.pubkey not in newest or ev.created_at > newest[ev.pubkey].created_at:
                    newest[ev.pubkey] = ev
            for p in missing:
                known[p] = nip17.inbox_relays(newest[p]) if p in newest else []
        return {p: known[p] for p in pubkeys}

    async def _ensure_my_inbox(self) -> list[str]:
        """My inbox relays; publishes a kind 10050 naming my relays the first time I send
        when I have none, so that replies know where to go."""
        mine = (await self._inboxes([self.pubkey]))[self.pubkey]
        if mine:
            return mine
        keys = self._need_keys()
        relays = list(dict.fromkeys(self.relays))
        ev = sign(keys, nip17.INBOX_KIND, "", [["relay", u] for u in relays])
        result = await self._need_pool().publish(ev, self.read_relays)
        if not result.accepted:
            raise self.error(Transient, f"could not publish my inbox relays ({result.summary})")
        self._dm_state()["inboxes"][self.pubkey] = relays
        return relays

    def _recipient_relays(self, pubkey: str, inbox: list[str]) -> list[str]:
        # NIP-17 asks for the inbox relays; someone who published none may still read their
        # NIP-65 read relays, and mine are where they would look for me.
        if inbox:
            return inbox
        listed = self.relay_lists.get(pubkey)
        return list(dict.fromkeys([*(listed.read if listed else []), *self.relays]))

    # ----- reading ---------------------------------------------------------------------------
    def _message_from(self, ev: NostrEvent) -> nip17.Message | None:
        keys = self._need_keys()
        if ev.kind == nip59.WRAP_KIND:
            try:
                rumor, _seal = nip59.unwrap(keys, ev)
            except nip59.UnwrapError:
                return None  # not for us, or tampered with: nothing to show
            return nip17.from_rumor(rumor)
        if ev.kind == nip17.LEGACY_KIND:
            try:
                return nip17.nip04_decrypt(keys, ev)
            except ValueError:
                return None
        return None

    async def _load_messages(self) -> dict[str, nip17.Message]:
        self._need_keys()
        inbox = (await self._inboxes([self.pubkey]))[self.pubkey]
        urls = list(dict.fromkeys([*inbox, *self.read_relays]))
        filters: list[dict[str, Any]] = [
            {"kinds": [nip59.WRAP_KIND], "#p": [self.pubkey], "limit": MESSAGE_LIMIT},
            {"kinds": [nip17.LEGACY_KIND], "#p": [self.pubkey], "limit": MESSAGE_LIMIT},
            {"kinds": [nip17.LEGACY_KIND], "authors": [self.pubkey], "limit": MESSAGE_LIMIT},
        ]
        store: dict[str, nip17.Message] = self._dm_state()["messages"]
        for ev in await self._query(urls, filters, must_answer=True):
            msg = self._message_from(ev)
            if msg is not None and self.pubkey in msg.participants:
                store[msg.id] = msg
        await self._load_profiles({p for m in store.values() for p in m.participants})
        return store

    def _to_post(self, msg: nip17.Message) -> Post:
        ref = {"conversation": msg.conversation(), "pubkey": msg.sender, "kind": "14"}
        if msg.legacy:
            ref = {**ref, "legacy": LEGACY_NOTE, "kind": "4"}
        if msg.subject:
            ref["subject"] = msg.subject
        return Post(
            network=self.kind,
            account=self.account.name,
            uid="nostr-dm:" + msg.id,
            created_at=parse.when(msg.created_at),
            author=parse.author(self.ctx, msg.sender),
            content=parse.render(self.ctx, msg.content),
            key=msg.id,
            reply_to=("nostr-dm:" + msg.reply_to) if msg.reply_to else None,
            visibility="direct",
            ref=ref,
        )

    def _conversation(self, cid: str, msgs: list[nip17.Message]) -> Conversation:
        last = max(msgs, key=lambda m: (m.created_at, m.id))
        others = [p for p in cid.split(",") if p != self.pubkey] or [self.pubkey]
        read_upto = self._dm_state()["read"].get(cid, 0)
        return Conversation(
            network=self.kind,
            account=self.account.name,
            uid=cid,
            participants=tuple(parse.author(self.ctx, p) for p in others),
            last=self._to_post(last),
            unread=last.sender != self.pubkey and last.created_at > read_upto,
            updated_at=parse.when(last.created_at),
        )

    async def conversations(self, limit: int = 40) -> list[Conversation]:
        groups: dict[str, list[nip17.Message]] = {}
        for msg in (await self._load_messages()).values():
            groups.setdefault(msg.conversation(), []).append(msg)
        out = [self._conversation(cid, msgs) for cid, msgs in groups.items()]
        out.sort(key=lambda c: c.updated_at, reverse=True)
        return out[:limit]

    async def conversation(self, uid: str) -> list[Post]:
        msgs = [m for m in (await self._load_messages()).values() if m.conversation() == uid]
        if not msgs:
            raise self.error(NotFound, "no such conversation")
        msgs.sort(key=lambda m: (m.created_at, m.id))
        return [self._to_post(m) for m in msgs]

    async def mark_conversation_read(self, uid: str) -> None:
        msgs = [m for m in self._dm_state()["messages"].values() if m.conversation() == uid]
        newest = max((m.created_at for m in msgs), default=int(time.time()))
        self._dm_state()["read"][uid] = newest

    # ----- sending ---------------------------------------------------------------------------
    async def send_message(self, to: tuple[str, ...] | Conversation, text: str) -> Post:
        keys = self._need_keys()
        if isinstance(to, Conversation):
            people = [p for p in to.uid.split(",") if p != self.pubkey]
        else:
            people = [await self._pubkey(w) for w in to]
        people = [p for p in dict.fromkeys(people) if p != self.pubkey]
        if not people:
            raise self.error(Unsupported, "a private message needs someone to go to: mention them")
        if not text.strip():
            raise self.error(Unsupported, "the message is empty")
        await self._ensure_my_inbox()
        inboxes = await self._inboxes(people)
        rumor, wraps = nip17.build(keys, people, text)
        pool = self._need_pool()
        failed: list[str] = []
        for pk, wrap in wraps.items():
            if pk == self.pubkey:
                urls = self._dm_state()["inboxes"].get(self.pubkey) or self.relays
            else:
                urls = self._recipient_relays(pk, inboxes[pk])
            result: PublishResult = await pool.publish(wrap, urls)
            if not result.accepted and pk != self.pubkey:
                name = parse.short_name(self.ctx, pk)
                failed.append(f"{name}: {result.summary}")
        if failed:
            raise self.error(Transient, "the message did not reach " + "; ".join(failed))
        msg = nip17.from_rumor(rumor)
        assert msg is not None
        self._dm_state()["messages"][msg.id] = msg
        self._dm_state()["read"][msg.conversation()] = msg.created_at
        return self._to_post(msg)

    # ----- live ------------------------------------------------------------------------------
    def message_filters(self, since: int) -> list[dict[str, Any]]:
        """What a live subscription asks for: wraps are backdated up to two days."""
        return [
            {"kinds": [nip59.WRAP_KIND], "#p": [self.pubkey], "since": since - nip59.MAX_TWEAK},
            {"kinds": [nip17.LEGACY_KIND], "#p": [self.pubkey], "since": since},
        ]

    async def message_notifications(self, since: int, mutes: set[str]) -> list[Notification]:
        """Messages from others since `since`, as notifications (the first notifications page)."""
        out = []
        for msg in (await self._load_messages()).values():
            if msg.sender != self.pubkey and msg.created_at >= since and msg.sender not in mutes:
                out.append(self._notification(msg))
        return out

    def _notification(self, msg: nip17.Message) -> Notification:
        post = self._to_post(msg)
        return Notification(
            network=self.kind,
            account=self.account.name,
            uid="nostr-dm:" + msg.id,
            kind=NotificationKind.MESSAGE.value,
            created_at=post.created_at,
            actors=(post.author,),
            post=post,
            group_key="message:" + msg.id,
        )

    def message_notification(self, ev: NostrEvent, since: int) -> Notification | None:
        """A "message" notification for a new message from someone else, else None."""
        if self.keys is None:  # type: ignore[attr-defined]
            return None
        msg = self._message_from(ev)
        store = self._dm_state()["messages"]
        if msg is None or msg.sender == self.pubkey or msg.created_at < since or msg.id in store:
            return None
        store[msg.id] = msg
        return self._notification(msg)
