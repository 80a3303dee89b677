"""NostrNetwork: the Network adapter over a relay pool.

Reading uses NIP-65 outbox routing for people (home, user feeds) and the configured relays for
everything else; writing goes to my write relays plus the read relays of those mentioned.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
import re
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any

from tui.model import (
    Account,
    Author,
    ConnectionState,
    Draft,
    Event,
    EventKind,
    FeedKind,
    FeedRef,
    Item,
    NetworkKind,
    NotificationItem,
    Page,
    Post,
    Profile,
    ProfileTab,
    Reaction,
    Relationship,
    SearchResults,
    Tag,
    Thread,
)
from tui.networks.base import (
    AuthError,
    Capability,
    Counting,
    CredentialsSaver,
    Limits,
    Network,
    NetworkError,
    NotFound,
    Transient,
    Unsupported,
)
from tui.networks.nostr import nip05, nip19, parse
from tui.networks.nostr.event import MAX_FUTURE_SECONDS, NostrEvent, sign
from tui.networks.nostr.keys import Keys
from tui.networks.nostr.mutes import BOOKMARK_LIST_KIND, NostrLists
from tui.networks.nostr.messages import PrivateMessages
from tui.networks.nostr.options import DEFAULT_RELAYS
from tui.networks.nostr.outbox import (
    RELAY_LIST_KIND,
    RelayList,
    parse_relay_list,
    publish_targets,
)
from tui.networks.nostr.pool import PublishResult, RelayPool
from tui.networks.nostr.relay import normalize_url
from tui.networks.nostr.fetch import RelayReading

NOTE_KINDS = [1, 6, parse.POLL_KIND]
_MEDIA_EXT = re.compile(
    r"\.(?:jpe?g|png|gif|webp|avif|heic|svg|mp4|webm|mov|m4v|mp3|ogg|m4a|wav|flac)\Z", re.I
)
PIN_LIST = 10001  # NIP-51: the notes an author pins on their profile
MAX_PINNED = 10
MUTE_LIST_KIND = 10000
REPORT_KIND = 1984
POLL_RELAYS = 5  # at most this many of a poll's own relays get a vote
MAX_THREAD_DEPTH = 30
# Quotes need not tag me (NIP-18 asks only for a `q` tag): my newest notes are watched for them.
MY_NOTES = 200
SEARCH_LIMIT = 40
PEOPLE_LIMIT = 20
_HASHTAG_RE = re.compile(r"(?<![\w#])#(\w{1,64})")
_TAG_QUERY_RE = re.compile(r"#?(\w{1,64})\Z")
_MENTION_RE = re.compile(r"(?<![\w/])(?:@|nostr:)((?:npub1|nprofile1)[02-9ac-hj-np-z]{6,})")


class NostrNetwork(NostrLists, PrivateMessages, RelayReading, Network):
    kind = NetworkKind.NOSTR
    base_capabilities = frozenset(
        {
            Capability.CONTENT_WARNING,
            Capability.STREAM,
            Capability.DELETE,
            Capability.QUOTE,
            Capability.MUTE,
            Capability.MUTE_THREAD,
            Capability.BOOKMARK,  # NIP-51 kind 10003
            Capability.REPORT,
            Capability.VOTE,  # NIP-88 polls where someone posted one (kind 1068)
            # #tags and known people always; notes by text where a relay offers NIP-50.
            Capability.SEARCH,
            Capability.LISTS,  # NIP-51 follow sets: lists.py
        }
    )
    # NIP-05 lookups refuse private/loopback hosts and use https; tests relax both explicitly.
    nip05_allow_private = False
    nip05_scheme = "https"
    # Passed to each Relay (backoff, timeouts); tests lengthen the penalty to see `reconnect`.
    relay_options: Mapping[str, Any] = {}

    def __init__(
        self,
        account: Account,
        secrets: Mapping[str, str],
        *,
        save_credentials: CredentialsSaver | None = None,
    ) -> None:
        super().__init__(account, secrets, save_credentials=save_credentials)
        secret = self.secrets.get("nsec") or self.secrets.get("secret_hex") or ""
        self.keys: Keys | None = None
        if secret:
            try:
                self.keys = Keys.parse(secret)
            except ValueError:
                raise AuthError("the stored Nostr key is not valid", network="nostr") from None
        if self.keys is not None:
            self.pubkey = self.keys.public_hex
        elif account.handle:
            self.pubkey = nip19.pubkey_from(account.handle)  # read-only account
        else:
            raise AuthError("no Nostr key for this account", network="nostr", account=account.name)
        opts = account.options
        relays = opts.get("relays") or DEFAULT_RELAYS
        self.relays = [normalize_url(str(r)) for r in relays]  # type: ignore[union-attr]
        self.per_author = int(opts.get("max_relays_per_author", 2))  # type: ignore[arg-type]
        self.total = int(opts.get("max_relays_total", 30))  # type: ignore[arg-type]
        self.pool: RelayPool | None = None
        self.ctx = parse.Context(account.name, self.pubkey)
        self.follows: list[str] = []
        self.mutes: set[str] = set()
        self.relay_lists: dict[str, RelayList] = {}
        self.last_publish: PublishResult | None = None
        self._latest: dict[int, NostrEvent] = {}  # my kind 3 / 10000 / 10002
        self._published: dict[str, NostrEvent] = {}  # idempotency key → signed event
        self._nip05_checked: set[tuple[str, str]] = set()
        self._my_notes: dict[str, int] = {}  # my recent notes (id → created_at), to find quotes

    # ----- description -------------------------------------------------------------------------
    @property
    def capabilities(self) -> frozenset[Capability]:  # type: ignore[override]
        return self.base_capabilities

    @property
    def limits(self) -> Limits:
        caps = [r.info.max_content_length for r in self._relays() if r.info.max_content_length]
        return Limits(
            max_chars=min(caps, default=8000),
            counting=Counting.CODEPOINTS,
            max_media=0,
            cw_counts=False,
            max_poll_options=0,  # NIP-88 polls are shown and voted in, not written here
            messages=self.keys is not None,
            messages_note="private messages need this account's secret key",
        )

    @property
    def me(self) -> Author:
        return parse.author(self.ctx, self.pubkey)

    async def feeds(self) -> list[FeedRef]:
        return [entry.feed for entry in await self.lists()]

    def _relays(self) -> list[Any]:
        return list(self.pool.relays.values()) if self.pool else []

    def _search_relays(self) -> list[str]:
        return [r.url for r in self._relays() if 50 in r.info.supported_nips]

    # ----- lifecycle ---------------------------------------------------------------------------
    async def open(self) -> None:
        if self.pool is not None:
            return
        self.set_state(ConnectionState.CONNECTING, f"relays 0/{len(self.relays)}")
        self.pool = RelayPool(
            self.keys,
            max_relays=max(self.total, len(self.relays)),
            on_state=self._pool_state,
            relay_options=self.relay_options,
        )
        if await self.pool.connect(self.relays) == 0:
            why = "; ".join(_relay_failure(r, 5.0) for r in self._relays())
            await self.close()
            self.set_state(ConnectionState.OFFLINE, "no relay answered")
            raise self.error(Transient, f"could not connect to any relay: {why}")
        try:
            await self._load_mine()
        except Transient:
            await self.close()
            self.set_state(ConnectionState.OFFLINE, "no relay answered")
            raise

    async def close(self) -> None:
        pool, self.pool = self.pool, None
        if pool is not None:
            await pool.close()
            self.set_state(ConnectionState.OFFLINE, "closed")

    async def reconnect(self) -> None:
        """Relays that are down try again now instead of at the end of their penalty."""
        if self.pool is not None:
            self.pool.reconnect_now()

    def _pool_state(self, pool: RelayPool) -> None:
        """The one route of connection state: `set_state`, with the pool's summary (relays up,
        which are down, followed authors not reached)."""
        if pool is not self.pool:
            return
        up = pool.connected_count
        state = ConnectionState.CONNECTED if up else ConnectionState.RECONNECTING
        self.set_state(state, pool.summary)

    def _need_pool(self) -> RelayPool:
        if self.pool is None:
            raise self.error(Transient, "not connected: open() first")
        return self.pool

    def _need_keys(self) -> Keys:
        if self.keys is None:
            raise self.error(AuthError, "this account has no secret key: it can only read")
        return self.keys

    async def _load_mine(self) -> None:
        lists = {
            "authors": [self.pubkey],
            "kinds": [0, 3, MUTE_LIST_KIND, RELAY_LIST_KIND, BOOKMARK_LIST_KIND],
        }
        notes = {"authors": [self.pubkey], "kinds": [1], "limit": MY_NOTES}
        for ev in await self._query(self.relays, [lists, notes], must_answer=True):
            self._remember_mine(ev)

    def _remember_mine(self, ev: NostrEvent) -> None:
        if ev.pubkey != self.pubkey:
            return
        if ev.kind == 1:
            self._my_notes[ev.id] = ev.created_at
            if len(self._my_notes) > MY_NOTES:
                oldest = min(self._my_notes, key=self._my_notes.__getitem__)
                del self._my_notes[oldest]
            return
        if ev.kind == 0:
            prof = parse.parse_profile(ev)
            if prof is not None:
                self.ctx.profiles[self.pubkey] = prof
            return
        self._latest[ev.kind] = ev
        if ev.kind == 3:
            self.follows = list(dict.fromkeys(p for p in ev.tag_values("p") if len(p) == 64))
        elif ev.kind == MUTE_LIST_KIND:
            self.mutes = {p for p in ev.tag_values("p") if len(p) == 64}
        elif ev.kind == RELAY_LIST_KIND:
            self.relay_lists[self.pubkey] = parse_relay_list(ev)

    # ----- reading -----------------------------------------------------------------------------
    def _visible(self, ev: NostrEvent) -> bool:
        return ev.pubkey not in self.mutes

    async def timeline(
        self, feed: FeedRef, cursor: str | None = None, limit: int = 40
    ) -> Page[Item]:
        until = self._until(cursor)
        base: dict[str, Any] = {"kinds": NOTE_KINDS, "limit": limit}
        home = feed.kind is FeedKind.HOME
        if home:
            fetch = await self._by_authors({*self.follows, self.pubkey}, base, track=True)
        elif feed.kind is FeedKind.USER:
            fetch = await self._by_authors([await self._pubkey(feed.arg)], base)
        elif feed.kind is FeedKind.TAG:
            tag_filter = {**base, "kinds": [1], "#t": [feed.arg.lower().lstrip("#")]}
            fetch = self._by_plan({u: [tag_filter] for u in self.read_relays})
        elif feed.kind is FeedKind.PUBLIC:
            fetch = self._by_plan({u: [base] for u in self.read_relays})
        elif feed.kind is FeedKind.LIST:
            from tui.networks.nostr.lists import member_keys

            members = await member_keys(self, feed.arg)
            if not members:
                return Page(())
            fetch = await self._by_authors(members, base)
        elif feed.kind is FeedKind.BOOKMARKS:
            return await self.bookmarked(cursor, limit)
        else:
            raise self.error(Unsupported, f"Nostr has no {feed.kind.value} feed")
        events, more, warnings = await self._collect(
            fetch, limit, until, self._showable, followed=home
        )
        return replace(await self._page(events, more), warnings=warnings)

    def _showable(self, ev: NostrEvent) -> bool:
        """Not muted, and (for a repost) neither is the reposted author."""
        if not self._visible(ev):
            return False
        inner = parse.embedded_repost(ev) if ev.kind == 6 else None
        return inner is None or self._visible(inner)

    async def _page(self, events: list[NostrEvent], more: bool) -> Page[Item]:
        await self._hydrate(events, engagement=True)
        posts = []
        for ev in events:
            post = parse.to_post(self.ctx, ev)
            if post is not None and not (
                post.repost_of and post.repost_of.ref.get("pubkey") in self.mutes
            ):
                posts.append(post)
        return Page(tuple(posts), older=self._older(events) if more else None)

    @staticmethod
    def _older(events: list[NostrEvent]) -> str | None:
        if not events:
            return None
        oldest = events[-1].created_at
        # A page made of one second only would repeat forever: step past that second.
        return str(oldest - 1 if events[0].created_at == oldest else oldest)

    async def notifications(
        self, cursor: str | None = None, limit: int = 40
    ) -> Page[NotificationItem]:
        until = self._until(cursor)
        filters = self._notification_filters({"limit": limit})
        plan = {u: filters for u in self.read_relays}

        def keep(ev: NostrEvent) -> bool:
            return ev.pubkey != self.pubkey and self._visible(ev) and not self.in_muted_thread(ev)

        events, more, warnings = await self._collect(self._by_plan(plan), limit, until, keep)
        await self._hydrate(events, engagement=True)
        items: list[NotificationItem] = [
            n for n in (parse.to_notification(self.ctx, e) for e in events) if n
        ]
        if cursor is None and self.keys is not None:
            floor = events[-1].created_at if more and events else 0
            try:
                items += await self.message_notifications(floor, self.mutes)
            except NetworkError as exc:
                warnings = (*warnings, f"private messages: {exc.message}")
            items.sort(key=lambda n: n.created_at, reverse=True)
        return Page(tuple(items), older=self._older(events) if more else None, warnings=warnings)

    def _notification_filters(self, extra: dict[str, Any]) -> list[dict[str, Any]]:
        """Events that tag me, and quotes of my recent notes that do not."""
        filters = [{"kinds": [1, 6, 7], "#p": [self.pubkey], **extra}]
        if self._my_notes:
            filters.append({"kinds": [1], "#q": list(self._my_notes), **extra})
        return filters

    async def post(self, uid: str) -> Item:
        eid = uid.strip().removeprefix("nostr:").lower()
        try:
            if len(eid) != 64:
                eid = nip19.decode(eid).hex
            bytes.fromhex(eid)
        except ValueError:
            raise self.error(NotFound, f"not a Nostr note id: {uid!r}") from None
        await self._load_events([eid])
        ev = self.ctx.events.get(eid)
        if ev is None:
            raise self.error(NotFound, "post not found on these relays")
        await self._hydrate([ev], engagement=True)
        post = parse.to_post(self.ctx, ev)
        if post is None:
            raise self.error(NotFound, "not a post")
        return post

    async def thread(self, post: Post) -> Thread:
        eid = post.key
        root = post.ref.get("root") or eid
        filters = [{"ids": list({root, eid})}, {"#e": list({root, eid}), "kinds": [1]}]
        found = await self._query(self.read_relays, filters, must_answer=True)
        events = {e.id: e for e in found if e.kind == 1}
        self.ctx.events.update(events)
        focus = events.get(eid)
        if focus is None:
            raise self.error(NotFound, "post not found on these relays")
        ancestors: list[NostrEvent] = []
        parent = parse.thread_refs(focus)[1]
        while (
            parent and len(ancestors) < MAX_THREAD_DEPTH and parent not in {a.id for a in ancestors}
        ):
            if parent not in self.ctx.events:
                await self._load_events([parent])
            pev = self.ctx.events.get(parent)
            if pev is None:
                break
            ancestors.insert(0, pev)
            parent = parse.thread_refs(pev)[1]
        # The whole conversation, not only the replies below the opened note: everything that
        # hangs from the top of the chain (its siblings and the other branches included).
        top = ancestors[0].id if ancestors else eid
        if top not in {root, eid}:  # the note named no root: ask for the top's replies too
            more = await self._query(self.read_relays, [{"#e": [top], "kinds": [1]}])
            events.update((e.id, e) for e in more if e.kind == 1 and e.id not in events)
            self.ctx.events.update(events)
        chain = {eid} | {a.id for a in ancestors}
        children: dict[str, list[NostrEvent]] = {}
        for ev in events.values():
            p = parse.thread_refs(ev)[1]
            if p and ev.id not in chain:
                children.setdefault(p, []).append(ev)
        descendants: list[NostrEvent] = []
        reached: set[str] = set(chain)
        frontier = [top, *chain]
        while frontier:
            nxt = []
            for pid in frontier:
                for child in sorted(children.get(pid, []), key=lambda e: (e.created_at, e.id)):
                    if child.id not in reached and self._visible(child):
                        reached.add(child.id)
                        descendants.append(child)
                        nxt.append(child.id)
            frontier = nxt
        await self._hydrate([focus, *ancestors, *descendants], engagement=True)
        conv = [parse.to_post(self.ctx, e) for e in (focus, *ancestors)]
        desc = sorted(descendants, key=lambda e: (e.created_at, e.id))
        return Thread(
            post=conv[0] or post,
            ancestors=tuple(p for p in conv[1:] if p),
            descendants=tuple(p for p in (parse.to_post(self.ctx, e) for e in desc) if p),
        )

    async def _pubkey(self, who: str) -> str:
        """The hex public key `who` names: `nostr:<hex>` (an author uid), hex, npub, nprofile
        (with or without `nostr:` or `@`), or a NIP-05 name looked up at its domain."""
        ident = who.strip().removeprefix("nostr:").removeprefix("@")
        try:
            return nip19.pubkey_from(ident)
        except ValueError:
            pass
        if nip05.split(ident) is None:
            raise self.error(NotFound, f"not a Nostr public key or NIP-05 name: {who!r}")
        pk = await nip05.resolve(
            ident, allow_private=self.nip05_allow_private, scheme=self.nip05_scheme
        )
        if pk is None:
            raise self.error(NotFound, f"{ident} does not name a Nostr public key")
        return pk

    async def profile(self, who: str) -> Profile:
        pk = await self._pubkey(who)
        await self._load_relay_lists([pk])
        urls = [*self.read_relays, *self.relay_lists[pk].write[: self.per_author]]
        for ev in await self._query(
            dict.fromkeys(urls), [{"authors": [pk], "kinds": [0]}], must_answer=True
        ):
            prof = parse.parse_profile(ev)
            if prof is not None:
                self.ctx.profiles[pk] = prof
        await self._check_nip05(pk)
        return parse.to_profile(self.ctx, pk, set(self.follows), self.mutes)

    async def _check_nip05(self, pk: str) -> None:
        prof = self.ctx.profiles.get(pk)
        if prof is not None and prof.nip05 and (pk, prof.nip05) not in self._nip05_checked:
            self._nip05_checked.add((pk, prof.nip05))
            if await nip05.verify(
                prof.nip05, pk, allow_private=self.nip05_allow_private, scheme=self.nip05_scheme
            ):
                self.ctx.nip05[pk] = prof.nip05
                self.ctx.nip05_failed.pop(pk, None)
            else:
                self.ctx.nip05_failed[pk] = prof.nip05

    async def author_feed(
        self, who: str, tab: ProfileTab, cursor: str | None = None, limit: int = 40
    ) -> Page[Item]:
        """The author's notes filtered here: relays cannot tell a reply or a picture apart.
        The posts tab starts with the notes of the author's NIP-51 pin list (kind 10001)."""
        pk = await self._pubkey(who)
        page = await self.timeline(FeedRef(FeedKind.USER, pk), cursor, limit)
        keep = {
            ProfileTab.POSTS: lambda p: p.shown.reply_to is None,
            ProfileTab.REPLIES: lambda p: True,
            ProfileTab.MEDIA: has_media,
        }[tab]
        items = [i for i in page.items if isinstance(i, Post) and keep(i)]
        if tab is ProfileTab.POSTS and cursor is None:
            pinned = await self._pinned(pk)
            keys = {p.key for p in pinned}
            items = [*pinned, *(i for i in items if i.key not in keys)]
        return replace(page, items=tuple(items))

    async def _pinned(self, pk: str) -> list[Post]:
        """The notes of the author's newest pin list, in its order, marked pinned."""
        known = self.relay_lists.get(pk)
        urls = [*self.read_relays, *(known.write[: self.per_author] if known else ())]
        found = await self._query(dict.fromkeys(urls), [{"authors": [pk], "kinds": [PIN_LIST]}])
        lists = sorted(
            (e for e in found if e.kind == PIN_LIST and e.pubkey == pk), key=lambda e: e.created_at
        )
        if not lists:
            return []
        ids = [t[1] for t in lists[-1].tags if len(t) >= 2 and t[0] == "e" and len(t[1]) == 64]
        ids = list(dict.fromkeys(i.lower() for i in ids))[:MAX_PINNED]
        await self._load_events(ids)
        events = [self.ctx.events[i] for i in ids if i in self.ctx.events]
        # Only the author's own notes: a pin list naming someone else's is not their post.
        events = [e for e in events if e.pubkey == pk and e.kind in NOTE_KINDS]
        await self._hydrate(events, engagement=True)
        posts = (parse.to_post(self.ctx, e) for e in events)
        return [replace(p, ref={**p.ref, "pinned": "1"}) for p in posts if p is not None]

    async def search(self, query: str) -> SearchResults:
        """`#tag` → notes tagged so (no NIP-50 needed); anything else → people among the
        profiles this account has seen (its follows' included) or named by key or NIP-05, plus
        people and notes from relays offering NIP-50. Without such a relay the result's note
        says why no text search was made (a one-word query then shows notes tagged with it)."""
        query = query.strip()
        if not query:
            return SearchResults()
        tag = _TAG_QUERY_RE.match(query)
        if query.startswith("#"):
            if tag is None:
                raise self.error(NotFound, f"not a hashtag: {query!r}")
            return await self._search_tag(tag.group(1).lower())
        urls = self._search_relays()
        if not urls:  # right after open(), relays' NIP-11 documents may still be on their way
            await asyncio.gather(*(r.wait_info(3.0) for r in self._relays()))
            urls = self._search_relays()
        people = await self._known_people(query)
        if not urls:
            note = "none of these relays offers text search (NIP-50): people you have seen"
            if tag is None:
                return SearchResults(authors=people, note=note + " were searched")
            found = await self._search_tag(tag.group(1).lower())
            note += f" and notes tagged #{tag.group(1).lower()} are shown"
            return SearchResults(authors=people, posts=found.posts, tags=found.tags, note=note)
        until = int(time.time()) + MAX_FUTURE_SECONDS
        filters = [
            {"search": query, "kinds": [1], "limit": SEARCH_LIMIT, "until": until},
            {"search": query, "kinds": [0], "limit": PEOPLE_LIMIT},
        ]
        try:
            events = await self._query(urls, filters, must_answer=True)
        except Transient as exc:  # the people found here are still worth showing
            return SearchResults(authors=people, note=f"text search failed: {exc.message}")
        notes = [e for e in events if e.kind == 1 and self._visible(e)][:SEARCH_LIMIT]
        found_people = []
        for ev in events:
            prof = parse.parse_profile(ev) if ev.kind == 0 else None
            if prof is not None:
                self.ctx.profiles[ev.pubkey] = prof
                found_people.append(ev.pubkey)
        page = await self._page(notes, False)
        extra = tuple(
            parse.author(self.ctx, pk)
            for pk in dict.fromkeys(found_people)
            if pk not in {a.uid.removeprefix("nostr:") for a in people}
        )
        return SearchResults(authors=(*people, *extra)[:PEOPLE_LIMIT], posts=page.items)

    async def _search_tag(self, tag: str) -> SearchResults:
        flt = {"kinds": [1], "#t": [tag], "limit": SEARCH_LIMIT}
        plan = {u: [flt] for u in self.read_relays}
        events, _, _ = await self._collect(
            self._by_plan(plan), SEARCH_LIMIT, self._until(None), self._showable
        )
        page = await self._page(events, False)
        return SearchResults(posts=page.items, tags=(Tag(tag),))

    async def _known_people(self, query: str) -> tuple[Author, ...]:
        """People whose profile this account has seen (follows loaded first) matching `query`
        by name, display name or NIP-05; or the one person a key or NIP-05 name names."""
        named: list[str] = []
        try:
            named.append(await self._pubkey(query))
        except NotFound:
            pass
        await self._load_profiles([*self.follows, *named])
        needle = query.lower().lstrip("@")
        ranked: list[tuple[int, str, str]] = []
        for pk, prof in self.ctx.profiles.items():
            if pk in self.mutes:
                continue
            names = [n.lower() for n in (prof.name, prof.display_name, prof.nip05) if n]
            if any(n == needle for n in names):
                rank = 0
            elif any(n.startswith(needle) for n in names):
                rank = 1
            elif any(needle in n for n in names):
                rank = 2
            else:
                continue
            ranked.append((rank, (prof.display_name or prof.name).lower(), pk))
        ordered = [*named, *(pk for _, _, pk in sorted(ranked))]
        return tuple(parse.author(self.ctx, pk) for pk in dict.fromkeys(ordered))[:PEOPLE_LIMIT]

    # ----- writing -----------------------------------------------------------------------------
    async def _send(
        self, ev: NostrEvent, extra: Iterable[str] = (), *, also: Iterable[str] = ()
    ) -> PublishResult:
        """Publish to my write relays and those of the people in `extra`, and to the relays in
        `also` (where a poll asks for its responses)."""
        own = self.relay_lists.get(self.pubkey, RelayList())
        targets = publish_targets(
            own, self.relays, extra, self.relay_lists, per_author=self.per_author, total=self.total
        )
        targets += [u for u in also if u.startswith(("wss://", "ws://")) and u not in targets]
        result = await self._need_pool().publish(ev, targets)
        self.last_publish = result
        if not result.accepted:
            detail = "; ".join(f"{u}: {m}" for u, m in result.failures.items())
            raise self.error(Transient, f"no relay accepted it ({result.summary}): {detail}")
        self.ctx.events[ev.id] = ev
        if ev.kind == 1:
            self._remember_mine(ev)  # quotes of it now count as notifications
        return result

    def _compose(self, draft: Draft) -> tuple[str, list[list[str]], list[str]]:
        content = draft.text
        tags: list[list[str]] = []
        mentioned: list[str] = []
        reply = draft.reply_to
        if reply is not None:
            parent, parent_pk = reply.key, reply.ref.get("pubkey", "")
            root = reply.ref.get("root") or parent
            hint = reply.ref.get("relay", "")
            tags.append(["e", root, hint, "root"])
            if root != parent:
                tags.append(["e", parent, hint, "reply", parent_pk])
            mentioned += [parent_pk, *reply.ref.get("p", "").split(",")]

        def to_uri(m: re.Match[str]) -> str:
            try:
                mentioned.append(nip19.pubkey_from(m.group(1)))
            except ValueError:
                return m.group(0)
            return "nostr:" + m.group(1)

        content = _MENTION_RE.sub(to_uri, content)
        if draft.quote_of is not None:
            q = draft.quote_of
            qpk = q.ref.get("pubkey", "")
            tags.append(["q", q.key, q.ref.get("relay", ""), qpk])
            mentioned.append(qpk)
            content = content.rstrip() + "\n\nnostr:" + nip19.nevent(q.key, author=qpk or "")
        for p in dict.fromkeys(m for m in mentioned if len(m) == 64 and m != self.pubkey):
            tags.append(["p", p])
        for tag in dict.fromkeys(t.lower() for t in _HASHTAG_RE.findall(draft.text)):
            tags.append(["t", tag])
        if draft.content_warning or draft.sensitive:
            tags.append(["content-warning", draft.content_warning])
        return content, tags, [m for m in mentioned if len(m) == 64]

    async def publish(self, draft: Draft) -> Post:
        if draft.visibility == "direct":
            # A NIP-17 private message to the people the text mentions, never a public note.
            _content, _tags, mentioned = self._compose(replace(draft, quote_of=None))
            people = tuple(p for p in dict.fromkeys(mentioned) if p != self.pubkey)
            sent: dict[str, Post] = self._dm_state().setdefault("sent", {})
            if draft.idempotency_key in sent:
                return sent[draft.idempotency_key]  # a retry of what was delivered: not twice
            post = await self.send_message(people, draft.text)
            if draft.idempotency_key:
                sent[draft.idempotency_key] = post
            return post
        if draft.visibility not in ("", "public"):
            # Never widen who can read a post: a note is readable by anyone.
            raise self.error(
                Unsupported,
                "Nostr has no unlisted or followers-only posts; every note is public, "
                "so nothing was sent: post it as public, or from an account that has "
                f"{draft.visibility} posts",
            )
        keys = self._need_keys()
        if draft.media or draft.poll:
            raise self.error(Unsupported, "Nostr posts here carry no media uploads or polls")
        ev = self._published.get(draft.idempotency_key) if draft.idempotency_key else None
        if ev is None:
            content, tags, _ = self._compose(draft)
            ev = sign(keys, 1, content, tags)
            if draft.idempotency_key:
                self._published[draft.idempotency_key] = ev  # a retry resends the same event
        mentioned = [p for p in ev.tag_values("p")]
        await self._load_relay_lists(mentioned)
        result = await self._send(ev, mentioned)
        await self._hydrate([ev])
        post = parse.to_post(self.ctx, ev, result.accepted[0])
        assert post is not None  # kind 1 always converts
        return replace(post, ref={**post.ref, "published": result.summary})

    async def _mine_referencing(self, kind: int, eid: str) -> list[NostrEvent]:
        flt = {"kinds": [kind], "authors": [self.pubkey], "#e": [eid]}
        return await self._query(self.read_relays, [flt], must_answer=True)

    async def _delete_events(self, events: list[NostrEvent]) -> None:
        if events:
            tags = [["e", e.id] for e in events] + [["k", str(k)] for k in {e.kind for e in events}]
            await self._send(sign(self._need_keys(), 5, "", tags))

    def _acted(self, post: Post, state_field: str, on: bool) -> Post:
        """Remember a like/repost just sent, so the returned post and later pages show it."""
        shown = post.shown
        count_field = {"liked": "likes", "reposted": "reposts"}[state_field]
        mine = replace(self.ctx.mine.get(shown.key, shown.mine), **{state_field: on})
        counts = self.ctx.counts.get(shown.key, shown.counts)
        n = getattr(counts, count_field)
        if n is not None and getattr(shown.mine, state_field) != on:
            counts = replace(counts, **{count_field: max(0, n + (1 if on else -1))})
        self.ctx.mine[shown.key], self.ctx.counts[shown.key] = mine, counts
        shown = replace(shown, mine=mine, counts=counts)
        return replace(post, repost_of=shown, mine=mine) if post.repost_of else shown

    async def react(self, post: Post, reaction: Reaction, undo: bool = False) -> Post:
        keys = self._need_keys()
        target = post.shown
        eid, pk = target.key, target.ref.get("pubkey", "")
        if reaction is Reaction.LIKE:
            if undo:
                await self._delete_events(await self._mine_referencing(7, eid))
            else:
                tags = [
                    ["e", eid, target.ref.get("relay", "")],
                    ["p", pk],
                    ["k", target.ref.get("kind", "1")],
                ]
                await self._send(sign(keys, 7, "+", tags), [pk])
            return self._acted(post, "liked", not undo)
        if reaction is Reaction.REPOST:
            if undo:
                await self._delete_events(await self._mine_referencing(6, eid))
            else:
                await self._load_events([eid])
                original = self.ctx.events.get(eid)
                if original is None:
                    raise self.error(NotFound, "the post to repost is not on these relays")
                tags = [["e", eid, target.ref.get("relay", "")], ["p", original.pubkey]]
                await self._send(sign(keys, 6, original.to_json(), tags), [original.pubkey])
            return self._acted(post, "reposted", not undo)
        if reaction is Reaction.BOOKMARK:
            await self.bookmark(post, undo)
            shown = post.shown.with_state(bookmarked=not undo)
            return replace(post, repost_of=shown) if post.repost_of else shown
        raise self.error(Unsupported, f"Nostr has no {reaction.value}")

    async def delete(self, post: Post) -> None:
        if post.ref.get("pubkey") != self.pubkey:
            raise self.error(Unsupported, "only your own posts can be deleted")
        await self._delete_events([self.ctx.events.get(post.key) or _stub(post)])

    async def _fresh_list(self, kind: int) -> NostrEvent | None:
        urls = dict.fromkeys(
            [*self.read_relays, *self.relay_lists.get(self.pubkey, RelayList()).write]
        )
        # Never rewrite a list without having heard from a relay: it would drop its entries.
        flt = {"authors": [self.pubkey], "kinds": [kind]}
        for ev in await self._query(urls, [flt], must_answer=True):
            self._remember_mine(ev)
        return self._latest.get(kind)

    async def _edit_p_list(self, kind: int, who: str, undo: bool) -> str:
        """Publish kind 3 / 10000 with `who` added or removed, keeping every other entry."""
        keys = self._need_keys()
        pk = await self._pubkey(who)
        latest = await self._fresh_list(kind)
        tags = [list(t) for t in latest.tags] if latest else []
        content = latest.content if latest else ""
        has = any(len(t) > 1 and t[0] == "p" and t[1] == pk for t in tags)
        if undo:
            tags = [t for t in tags if not (len(t) > 1 and t[0] == "p" and t[1] == pk)]
        elif not has:
            tags.append(["p", pk])
        created = int(time.time())
        if latest is not None and created <= latest.created_at:
            created = latest.created_at + 1  # must be newer to replace it
        ev = sign(keys, kind, content, tags, created)
        await self._send(ev)
        self._remember_mine(ev)
        return pk

    async def follow(self, who: str, undo: bool = False) -> Relationship:
        pk = await self._edit_p_list(3, who, undo)
        return Relationship(following=pk in self.follows, muting=pk in self.mutes)

    async def mute(self, who: str, undo: bool = False, *, duration: int = 0) -> Relationship:
        if duration:
            raise self.error(Unsupported, "Nostr mutes have no duration: mute without one")
        pk = await self._edit_p_list(MUTE_LIST_KIND, who, undo)
        return Relationship(following=pk in self.follows, muting=pk in self.mutes)

    async def vote(self, post: Post, choices: list[int]) -> Post:
        """A NIP-88 response (kind 1018) to the poll, sent where the poll asks and to my relays."""
        keys = self._need_keys()
        target = post.shown
        ev = self.ctx.events.get(target.key)
        if target.poll is None or ev is None or ev.kind != parse.POLL_KIND:
            raise self.error(Unsupported, "this post has no poll")
        options = parse.poll_options(ev)
        if not choices or any(not 0 <= n < len(options) for n in choices):
            raise self.error(Unsupported, "no such choice in this poll")
        if len(choices) > 1 and not parse.poll_multiple(ev):
            raise self.error(Unsupported, "this poll takes one choice")
        chosen = [options[n][0] for n in dict.fromkeys(choices)]
        tags = [["e", ev.id], ["p", ev.pubkey], *(["response", oid] for oid in chosen)]
        response = sign(keys, parse.VOTE_KIND, "", tags)
        asked = [u for u in ev.tag_values("relay") if isinstance(u, str)][:POLL_RELAYS]
        await self._send(response, [ev.pubkey], also=asked)
        counted = self.ctx.votes.setdefault(ev.id, {oid: set() for oid, _ in options})
        for voters in counted.values():
            voters.discard(self.pubkey)
        for oid in chosen:
            counted.setdefault(oid, set()).add(self.pubkey)
        self.ctx.my_votes[ev.id] = tuple(chosen)
        updated = parse.to_post(self.ctx, ev, target.ref.get("relay", ""))
        if updated is None:
            raise self.error(Unsupported, "this post has no poll")
        return replace(post, repost_of=updated) if post.repost_of is not None else updated

    # NIP-56 report types.
    report_categories = (
        ("other", "Other"),
        ("spam", "Spam"),
        ("illegal", "Illegal in some place"),
        ("impersonation", "Impersonation"),
        ("malware", "Malware"),
        ("nudity", "Nudity"),
        ("profanity", "Profanity or hate"),
    )

    async def report(self, target: Author | Post, reason: str, *, category: str = "") -> None:
        keys = self._need_keys()
        kind = category if category in dict(self.report_categories) else "other"
        if isinstance(target, Post):
            shown = target.shown
            pk = shown.ref.get("pubkey", "")
            tags = [["e", shown.key, kind], ["p", pk]]
        else:
            pk = await self._pubkey(target.uid)
            tags = [["p", pk, kind]]
        await self._send(sign(keys, REPORT_KIND, reason, tags))

    # ----- live --------------------------------------------------------------------------------
    def _event(self, kind: EventKind, payload: object, **kw: Any) -> Event:
        return Event(kind, self.kind, self.account.name, payload, **kw)

    async def stream(self) -> AsyncIterator[Event]:
        """New home notes and notifications. Connection state goes through `set_state` only.

        The home subscription reads each followed author on their own write relays and moves
        authors to their other relays whenever one fails (the pool re-routes by itself)."""
        pool = self._need_pool()
        now = int(time.time())
        queue: asyncio.Queue[Event] = asyncio.Queue(1000)
        home = {*self.follows, self.pubkey}
        await self._load_relay_lists(home)
        note_filters = self._notification_filters({"since": now})
        subs = [
            await pool.subscribe_authors(
                home,
                self.relay_lists,
                self.read_relays,
                {"kinds": NOTE_KINDS, "since": now},
                per_author=self.per_author,
                total=self.total,
                track=True,
            ),
            await pool.subscribe({u: note_filters for u in self.read_relays}),
        ]
        if self.keys is not None:
            inbox = (await self._inboxes([self.pubkey]))[self.pubkey]
            dm_filters = self.message_filters(now)
            dm_plan = {u: dm_filters for u in dict.fromkeys([*inbox, *self.read_relays])}
            subs.append(await pool.subscribe(dm_plan))

        async def pump_messages(sub: Any) -> None:
            async for _url, ev in sub:
                item = self.message_notification(ev, now)
                if item is not None and item.post and item.post.ref["pubkey"] not in self.mutes:
                    await queue.put(self._event(EventKind.NOTIFICATION, item))

        async def pump(sub: Any, notify: bool) -> None:
            async for url, ev in sub:
                if not self._visible(ev):
                    continue
                await self._hydrate([ev])
                if notify:
                    if self.in_muted_thread(ev):
                        continue
                    item = parse.to_notification(self.ctx, ev)
                    if item is not None:
                        await queue.put(self._event(EventKind.NOTIFICATION, item))
                else:
                    post = parse.to_post(self.ctx, ev, url)
                    if post is not None:
                        await queue.put(
                            self._event(EventKind.POST, post, feed=FeedRef(FeedKind.HOME))
                        )

        tasks = [
            asyncio.create_task(pump(subs[0], False)),
            asyncio.create_task(pump(subs[1], True)),
            *(asyncio.create_task(pump_messages(s)) for s in subs[2:]),
        ]
        try:
            while True:
                yield await queue.get()
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if self.pool is pool:
                await asyncio.gather(*(s.close() for s in subs), return_exceptions=True)


def _relay_failure(relay: Any, timeout: float) -> str:
    if relay.connected:
        return f"{relay.url} (no answer within {timeout:.0f} s)"
    return f"{relay.url} ({relay.last_error or 'not connected'})"


def _stub(post: Post) -> NostrEvent:
    """Enough of an event to name it in a deletion when only the Post is at hand."""
    kind = int(post.ref.get("kind", "1"))
    return NostrEvent(post.key, post.ref.get("pubkey", ""), 0, kind, (), "", "")


def has_media(post: Post) -> bool:
    """A note with a picture, video or sound: NIP-92 puts each `imeta` URL in the text too, so
    a link to a media file is the sign (attached media, when parsed, counts as well)."""
    shown = post.shown
    if shown.media:
        return True
    return any(
        _MEDIA_EXT.search(link.split("?", 1)[0].split("#", 1)[0]) for link in shown.content.links
    )
