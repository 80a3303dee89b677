"""MastodonNetwork: the Network contract over the Mastodon client API."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from tui.model import (
    Account,
    Author,
    Draft,
    Event,
    FeedKind,
    FeedRef,
    Item,
    NetworkKind,
    Notification,
    NotificationItem,
    Page,
    Placeholder,
    Post,
    Profile,
    ProfileTab,
    Reaction,
    Relationship,
    SearchResults,
    Thread,
)
from tui.networks.base import (
    AuthError,
    BadResponse,
    Capability,
    Counting,
    CredentialsSaver,
    Limits,
    Network,
    NotFound,
    Unsupported,
)
from tui.networks.http import Http
from tui.networks.mastodon.api import Listing, MastodonApi, Params
from tui.networks.mastodon.compose import Composer
from tui.networks.mastodon.messages import Conversations
from tui.networks.mastodon.moderation import Moderation
from tui.networks.mastodon.parse import Parser, as_dict, as_list, num, sid, text

if TYPE_CHECKING:
    from tui.networks.mastodon.stream import Positions, Streamer

RETRY_STREAMING_AFTER = 300.0  # seconds of polling before trying the stream again
DEFAULT_POLL_INTERVAL = 60.0

_REACTIONS = {
    Reaction.LIKE: ("favourite", "unfavourite", "liked"),
    Reaction.REPOST: ("reblog", "unreblog", "reposted"),
    Reaction.BOOKMARK: ("bookmark", "unbookmark", "bookmarked"),
    Reaction.PIN: ("pin", "unpin", "pinned"),
}


def server_domain(account: Account) -> str:
    """The domain that completes bare handles, before the instance has told us its own."""
    for name in (account.handle, account.name):
        if "@" in name:
            return name.rsplit("@", 1)[1]
    return ""


def limits_from_instance(instance: Mapping[str, Any]) -> Limits:
    """Posting limits from an instance entity, v2 or v1 (and Pleroma's max_toot_chars)."""
    config = as_dict(instance.get("configuration"))
    statuses = as_dict(config.get("statuses"))
    polls = as_dict(config.get("polls"))
    defaults = Limits(counting=Counting.MASTODON)
    return Limits(
        max_chars=num(statuses.get("max_characters"))
        or num(instance.get("max_toot_chars"))
        or defaults.max_chars,
        counting=Counting.MASTODON,
        url_weight=num(statuses.get("characters_reserved_per_url")) or defaults.url_weight,
        max_media=num(statuses.get("max_media_attachments")) or defaults.max_media,
        max_poll_options=num(polls.get("max_options")) or defaults.max_poll_options,
        max_poll_option_chars=num(polls.get("max_characters_per_option"))
        or defaults.max_poll_option_chars,
        messages=True,
    )


def poll_interval(value: Any) -> float:
    """The account option `poll_interval`: seconds between polls where there is no streaming."""
    if value is None or isinstance(value, bool):
        return DEFAULT_POLL_INTERVAL
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return DEFAULT_POLL_INTERVAL
    return seconds if math.isfinite(seconds) and seconds > 0 else DEFAULT_POLL_INTERVAL


class MastodonNetwork(Moderation, Conversations, Network):
    kind = NetworkKind.MASTODON
    capabilities = frozenset(
        {
            Capability.EDIT,
            Capability.DELETE,
            Capability.BOOKMARK,
            Capability.PIN,
            Capability.POLL,
            Capability.VOTE,
            Capability.VISIBILITY,
            Capability.CONTENT_WARNING,
            Capability.LANGUAGE,
            Capability.DIRECT,
            Capability.STREAM,
            Capability.SEARCH,
            Capability.LISTS,
            Capability.MEDIA,
            Capability.REPORT,
            Capability.MUTE,
            Capability.MUTE_THREAD,
            Capability.MUTE_DURATION,
            Capability.BLOCK,
            Capability.SCHEDULE,
            Capability.MARK_READ,
            Capability.REPLY_MENTIONS,
        }
    )

    def __init__(
        self,
        account: Account,
        secrets: Mapping[str, str],
        *,
        save_credentials: CredentialsSaver | None = None,
    ) -> None:
        super().__init__(account, secrets, save_credentials=save_credentials)
        server = account.server or f"https://{server_domain(account)}"
        self.http = Http(
            server, network=self.kind.value, account=account.name, token=secrets.get("access_token")
        )
        self.api = MastodonApi(self.http)
        self.parser = Parser(account.name, server_domain(account))
        self.composer = Composer(self)
        self.instance: Mapping[str, Any] = {}
        self.streaming_url = ""
        self.poll_interval = poll_interval(account.options.get("poll_interval"))
        self.retry_streaming_after = RETRY_STREAMING_AFTER
        # The account option `streaming = false` polls only (behind a proxy that breaks it).
        self.streaming = account.options.get("streaming", True) is not False
        self._limits = Limits(counting=Counting.MASTODON, messages=True)
        self._me: Author | None = None
        self._grouped: bool | None = None  # None: not yet known whether v2 notifications exist
        self._group_latest: dict[str, str] = {}
        self._newest_notification = ""
        self.watched: set[FeedRef] = set()
        self._streamer: Streamer | None = None
        self._positions: Positions | None = None

    @property
    def live_positions(self) -> Positions:
        """How far live updates have got; kept across stream restarts so nothing is skipped."""
        from tui.networks.mastodon.stream import Positions

        if self._positions is None:
            self._positions = Positions()
        return self._positions

    # ----- lifecycle -------------------------------------------------------------------------
    async def open(self) -> None:
        if not self.http.token:
            raise self.error(AuthError, "no access token: log in again")
        (instance, version), me = await asyncio.gather(
            self.api.instance(), self.api.verify_credentials()
        )
        self.instance = as_dict(instance)
        domain = text(self.instance.get("domain" if version == 2 else "uri"), 200)
        if domain and "/" not in domain:
            self.parser.domain = domain
        self._limits = limits_from_instance(self.instance)
        urls = as_dict(as_dict(self.instance.get("configuration")).get("urls"))
        self.streaming_url = text(urls.get("streaming"), 500) or text(
            as_dict(self.instance.get("urls")).get("streaming_api"), 500
        )
        try:
            self._me = self.parser.author(me)
        except ValueError:
            raise self.error(
                BadResponse, "the server's description of this account is unreadable"
            ) from None

    async def close(self) -> None:
        await self.http.aclose()

    @property
    def limits(self) -> Limits:
        return self._limits

    @property
    def me(self) -> Author | None:
        return self._me

    async def feeds(self) -> list[FeedRef]:
        lists = await self.api.lists()
        return [
            FeedRef(FeedKind.LIST, sid(as_dict(entry).get("id")), text(as_dict(entry).get("title")))
            for entry in as_list(lists)
            if sid(as_dict(entry).get("id"))
        ]

    # ----- ids ---------------------------------------------------------------------------------
    def status_id(self, post: Post | Placeholder) -> str:
        ref = getattr(post, "ref", None) or {}
        return ref.get("id") or post.uid.rsplit(":", 1)[-1]

    async def own_status_id(self, post: Post) -> str:
        """The status id on this server: a post seen by another account is looked up by URI."""
        if post.account == self.account.name and post.network is self.kind:
            return self.status_id(post)
        for ref in (post.key, post.url):
            if not ref:
                continue
            results = as_dict(await self.api.search(ref, limit=1))
            for status in as_list(results.get("statuses")):
                found = sid(as_dict(status).get("id"))
                if found:
                    return found
        raise self.error(NotFound, "this post cannot be found from this account's server")

    async def account_id(self, who: str) -> str:
        """An account id from an author uid, `@user@host`, `user@host` or a bare username."""
        prefix = f"mastodon:{self.account.name}:account:"
        if who.startswith(prefix):
            return who[len(prefix) :]
        acct = who.strip().lstrip("@")
        if self.parser.domain and acct.endswith("@" + self.parser.domain):
            acct = acct[: -len(self.parser.domain) - 1]
        try:
            return sid(as_dict(await self.api.lookup(acct)).get("id")) or ""
        except NotFound:
            pass
        results = as_dict(await self.api.search(acct, limit=1))
        for entry in as_list(results.get("accounts")):
            found = sid(as_dict(entry).get("id"))
            if found:
                return found
        raise self.error(NotFound, f"no account {who!r} found")

    # ----- reading ---------------------------------------------------------------------------
    def _feed_path(self, feed: FeedRef) -> tuple[str, Params]:
        kind = feed.kind
        if kind is FeedKind.HOME:
            return "/api/v1/timelines/home", []
        if kind is FeedKind.LOCAL:
            return "/api/v1/timelines/public", [("local", "true")]
        if kind is FeedKind.PUBLIC:
            return "/api/v1/timelines/public", []
        if kind is FeedKind.TAG:
            return f"/api/v1/timelines/tag/{quote(feed.arg.lstrip('#'), safe='')}", []
        if kind is FeedKind.LIST:
            return f"/api/v1/timelines/list/{quote(feed.arg, safe='')}", []
        if kind is FeedKind.BOOKMARKS:
            return "/api/v1/bookmarks", []
        if kind is FeedKind.FAVOURITES:
            return "/api/v1/favourites", []
        if kind is FeedKind.DIRECT:
            return "/api/v1/conversations", []
        raise self.error(Unsupported, f"the {kind.value} feed does not exist on Mastodon")

    async def _page(
        self, path: str, params: Params, cursor: str | None, limit: int
    ) -> tuple[Listing, str]:
        """Fetch one page; returns the listing and the URL actually requested (for repeats)."""
        if cursor and cursor.startswith("url:"):
            target = cursor[4:]
            if not self.http.same_origin(target):
                raise self.error(BadResponse, "refusing a page link to another server")
            return await self.api.listing(target), target
        query = [*params, ("limit", str(limit))]
        if cursor:
            name, _, value = cursor.partition(":")
            if name in ("max_id", "min_id", "since_id") and value:
                query.append((name, value))
        return await self.api.listing(path, query), path

    def _cursors(
        self, listing: Listing, requested: str, cursor: str | None, ids: list[str]
    ) -> tuple[str | None, str | None]:
        if ids:
            newer = f"url:{listing.prev}" if listing.prev else f"min_id:{ids[0]}"
        else:
            # Nothing newer yet: ask the same question next time.
            newer = cursor if cursor and not cursor.startswith(("max_id:", "url:")) else None
        older: str | None = None
        if ids and listing.next and listing.next != requested:
            older = f"url:{listing.next}"
        elif ids and listing.next is None and cursor is None:
            older = f"max_id:{ids[-1]}"
        if older is not None and cursor is not None and older == cursor:
            older = None  # the server sent us back where we were: stop
        return newer, older

    async def timeline(
        self, feed: FeedRef, cursor: str | None = None, limit: int = 40
    ) -> Page[Item]:
        if feed.kind is FeedKind.USER:
            return await self._user_timeline(feed, cursor, limit)
        path, params = self._feed_path(feed)
        listing, requested = await self._page(path, params, cursor, limit)
        raw = listing.items
        if feed.kind is FeedKind.DIRECT:
            raw = [as_dict(c).get("last_status") for c in raw if as_dict(c).get("last_status")]
        items = [self.parser.item(s) for s in raw]
        ids = [sid(as_dict(s).get("id")) for s in listing.items]
        newer, older = self._cursors(listing, requested, cursor, [i for i in ids if i])
        return Page(tuple(items), newer=newer, older=older)

    async def author_feed(
        self, who: str, tab: ProfileTab, cursor: str | None = None, limit: int = 40
    ) -> Page[Item]:
        params = {
            ProfileTab.POSTS: [("exclude_replies", "true")],
            ProfileTab.REPLIES: [],
            ProfileTab.MEDIA: [("only_media", "true")],
        }[tab]
        feed = FeedRef(FeedKind.USER, who)
        return await self._user_timeline(
            feed, cursor, limit, params, pinned=tab is ProfileTab.POSTS
        )

    async def _user_timeline(
        self,
        feed: FeedRef,
        cursor: str | None,
        limit: int,
        params: list[tuple[str, str]] | None = None,
        *,
        pinned: bool = True,
    ) -> Page[Item]:
        account_id = await self.account_id(feed.arg)
        path = f"/api/v1/accounts/{account_id}/statuses"
        listing, requested = await self._page(path, params or [], cursor, limit)
        items = [self.parser.item(s) for s in listing.items]
        if cursor is None and pinned:
            pinned = await self.api.listing(path, [("pinned", "true")])
            pinned_items = [
                replace(p, ref={**p.ref, "pinned": "1"}) if isinstance(p, Post) else p
                for p in (self.parser.item(s) for s in pinned.items)
            ]
            seen = {p.uid for p in pinned_items}
            items = pinned_items + [i for i in items if i.uid not in seen]
        ids = [sid(as_dict(s).get("id")) for s in listing.items]
        newer, older = self._cursors(listing, requested, cursor, [i for i in ids if i])
        return Page(tuple(items), newer=newer, older=older)

    async def post(self, uid: str) -> Item:
        return self.parser.item(await self.api.status(uid.rsplit(":", 1)[-1]))

    async def thread(self, post: Post) -> Thread:
        target = post.shown
        status_id = await self.own_status_id(target)
        status, context = await asyncio.gather(
            self.api.status(status_id), self.api.context(status_id)
        )
        ctx = as_dict(context)
        ancestors = as_list(ctx.get("ancestors"))
        descendants = as_list(ctx.get("descendants"))
        root = sid(as_dict(ancestors[0]).get("id")) if ancestors else ""
        if root and root != status_id:
            # A status's context lists only the replies below it: the rest of the conversation
            # (siblings, other branches) hangs from the root.
            whole = as_dict(await self.api.context(quote(root, safe="")))
            listed = {status_id, *(sid(as_dict(s).get("id")) for s in ancestors)}
            descendants = [
                s
                for s in as_list(whole.get("descendants"))
                if sid(as_dict(s).get("id")) not in listed
            ]
        return Thread(
            post=self.parser.item(status),
            ancestors=tuple(self.parser.item(s) for s in ancestors),
            descendants=tuple(self.parser.item(s) for s in descendants),
        )

    async def notifications(
        self, cursor: str | None = None, limit: int = 40
    ) -> Page[NotificationItem]:
        if self._grouped is not False:
            try:
                page = await self._grouped_notifications(cursor, limit)
            except NotFound:
                if self._grouped:
                    raise
                self._grouped = False
            else:
                self._grouped = True
                return page
        listing, requested = await self._page("/api/v1/notifications", [], cursor, limit)
        items = [self.parser.notification(n) for n in listing.items]
        ids = [i for i in (sid(as_dict(n).get("id")) for n in listing.items) if i]
        if ids and cursor is None:
            self._newest_notification = ids[0]
        newer, older = self._cursors(listing, requested, cursor, ids)
        return Page(tuple(items), newer=newer, older=older)

    async def _grouped_notifications(
        self, cursor: str | None, limit: int
    ) -> Page[NotificationItem]:
        params: Params = [("limit", str(limit))]
        if cursor and cursor.startswith("url:"):
            if not self.http.same_origin(cursor[4:]):
                raise self.error(BadResponse, "refusing a page link to another server")
            body, listing = await self.api.notifications_v2([], cursor[4:])
        else:
            if cursor:
                name, _, value = cursor.partition(":")
                params.append((name, value))
            body, listing = await self.api.notifications_v2(params)
        data = as_dict(body)
        if "notification_groups" not in data:
            raise self.error(BadResponse, "grouped notifications came without groups")
        accounts = {sid(as_dict(a).get("id")): a for a in as_list(data.get("accounts"))}
        statuses = {sid(as_dict(s).get("id")): s for s in as_list(data.get("statuses"))}
        groups = as_list(data.get("notification_groups"))
        items = [self.parser.notification_group(g, accounts, statuses) for g in groups]
        ids: list[str] = []
        for g in groups:
            group = as_dict(g)
            latest = sid(group.get("most_recent_notification_id"))
            key = text(group.get("group_key"), 200)
            if latest:
                ids.append(latest)
                self._group_latest[key] = latest
        if ids and cursor is None:
            self._newest_notification = max(ids, key=lambda i: (len(i), i))
        if not ids:
            return Page((), newer=cursor if cursor and cursor.startswith("min_id:") else None)
        newest, oldest = max(ids, key=lambda i: (len(i), i)), min(ids, key=lambda i: (len(i), i))
        older = f"max_id:{oldest}" if len(groups) >= limit or listing.next else None
        return Page(tuple(items), newer=f"min_id:{newest}", older=older)

    async def mark_notifications_read(self, up_to: NotificationItem | None = None) -> None:
        last = self._newest_notification
        if isinstance(up_to, Notification):
            last = self._group_latest.get(up_to.group_key) or up_to.uid.rsplit(":", 1)[-1]
        if last:
            await self.api.set_marker("notifications", last)

    async def read_marker(self, timeline: str = "home") -> str | None:
        """The uid of the last post read in `timeline` ("home" or "notifications"), if kept."""
        try:
            markers = as_dict(await self.api.markers([timeline]))
        except NotFound:
            return None
        last = sid(as_dict(markers.get(timeline)).get("last_read_id"))
        return self.parser.post_uid(last) if last else None

    async def set_read_marker(self, post: Post, timeline: str = "home") -> None:
        await self.api.set_marker(timeline, self.status_id(post))

    async def profile(self, who: str) -> Profile:
        account_id = await self.account_id(who)
        data = await self.api.account(account_id)
        relationship = None
        if self._me is None or self._me.uid != self.parser.author_uid(account_id):
            rels = as_list(await self.api.relationships([account_id]))
            relationship = rels[0] if rels else None
        try:
            return self.parser.profile(data, relationship)
        except ValueError:
            raise self.error(
                BadResponse, "the server's description of this account is unreadable"
            ) from None

    async def search(self, query: str) -> SearchResults:
        data = as_dict(await self.api.search(query))
        authors = []
        for entry in as_list(data.get("accounts")):
            try:
                authors.append(self.parser.author(entry))
            except ValueError:
                continue
        tags = [t for t in (self.parser.tag(h) for h in as_list(data.get("hashtags"))) if t]
        return SearchResults(
            authors=tuple(authors),
            posts=tuple(self.parser.item(s) for s in as_list(data.get("statuses"))),
            tags=tuple(tags),
        )

    # ----- writing ---------------------------------------------------------------------------
    def reply_mentions(self, post: Post) -> str:
        """`@author @others ` to start a reply with: everyone in the post but me."""
        shown = post.shown
        mine = self._me.handle if self._me else ""
        handles = [shown.author.handle, *shown.ref.get("mentions", "").split()]
        if post.repost_of is not None:
            handles.append(post.author.handle)
        seen: list[str] = []
        for h in handles:
            if h and h != mine and h not in seen:
                seen.append(h)
        return "".join(f"@{h} " for h in seen)

    async def publish(self, draft: Draft) -> Post:
        return await self.composer.publish(draft)

    async def edit(self, post: Post, draft: Draft) -> Post:
        return await self.composer.edit(post, draft)

    async def history(self, post: Post) -> list[Post]:
        return await self.composer.history(post)

    async def edit_source(self, post: Post) -> Draft:
        return await self.composer.source(post)

    async def scheduled(self) -> list[Post]:
        return await self.composer.scheduled()

    async def cancel_scheduled(self, post: Post) -> None:
        await self.api.cancel_scheduled(post.ref.get("scheduled_id") or self.status_id(post))

    async def delete(self, post: Post) -> None:
        await self.api.delete_status(self.status_id(post))

    async def react(self, post: Post, reaction: Reaction, undo: bool = False) -> Post:
        if reaction not in _REACTIONS:
            raise self.error(Unsupported, f"{reaction.value} is not supported")
        do, undo_action, state = _REACTIONS[reaction]
        target = post.shown
        status_id = await self.own_status_id(target)
        answer = as_dict(await self.api.status_action(status_id, undo_action if undo else do))
        # Mastodon answers a reblog with the wrapper status; Takahē with the original itself.
        original = answer.get("reblog") if isinstance(answer.get("reblog"), Mapping) else answer
        item = self.parser.item(original)
        updated = item if isinstance(item, Post) else target
        updated = updated.with_state(**{state: not undo})
        if post.repost_of is not None:
            return replace(post, repost_of=updated)
        return updated

    async def vote(self, post: Post, choices: list[int]) -> Post:
        target = post.shown
        if target.poll is None:
            raise self.error(Unsupported, "this post has no poll")
        poll = self.parser.poll(await self.api.vote(target.poll.id, choices))
        updated = replace(target, poll=poll or target.poll)
        return replace(post, repost_of=updated) if post.repost_of is not None else updated

    async def _relationship(self, who: str, action: str, form: Any = None) -> Relationship:
        account_id = await self.account_id(who)
        return self.parser.relationship(await self.api.account_action(account_id, action, form))

    async def follow(self, who: str, undo: bool = False) -> Relationship:
        return await self._relationship(who, "unfollow" if undo else "follow")

    async def block(self, who: str, undo: bool = False) -> Relationship:
        return await self._relationship(who, "unblock" if undo else "block")

    async def follow_requests(self, limit: int = 40) -> list[Author]:
        listing = await self.api.follow_requests(min(max(limit, 1), 80))
        found: list[Author] = []
        for entry in listing.items:
            try:
                found.append(self.parser.author(entry))
            except ValueError:
                continue  # an account the server described unreadably is left out
        return found

    async def answer_follow_request(self, who: str, accept: bool) -> Relationship:
        account_id = await self.account_id(who)
        answer = await self.api.answer_follow_request(
            account_id, "authorize" if accept else "reject"
        )
        return self.parser.relationship(answer)

    async def rules(self) -> list[tuple[str, str]]:
        """The server's rules as (id, text), for a report form."""
        return [
            (sid(as_dict(r).get("id")), text(as_dict(r).get("text"), 500))
            for r in as_list(await self.api.rules())
            if sid(as_dict(r).get("id"))
        ]

    report_categories = (
        ("other", "Other"),
        ("spam", "Spam"),
        ("legal", "Illegal content"),
        ("violation", "Breaks the server's rules"),
    )

    async def report(
        self,
        target: Author | Post,
        reason: str,
        *,
        category: str = "",
        rule_ids: Sequence[str] = (),
        forward: bool = False,
    ) -> None:
        form: dict[str, Any] = {"comment": reason, "forward": forward}
        if category in dict(self.report_categories):
            form["category"] = category
        if isinstance(target, Post):
            shown = target.shown
            form["account_id"] = await self.account_id(shown.author.uid)
            form["status_ids"] = [await self.own_status_id(shown)]
        else:
            form["account_id"] = await self.account_id(target.uid)
        if rule_ids:
            form["category"] = "violation"
            form["rule_ids"] = list(rule_ids)
        await self.api.report(form)

    # ----- live ------------------------------------------------------------------------------
    async def stream(self) -> AsyncIterator[Event]:
        from tui.networks.mastodon.stream import Streamer

        self._streamer = Streamer(self)
        try:
            async for event in self._streamer.events():
                yield event
        finally:
            self._streamer = None

    async def watch(self, feed: FeedRef, on: bool = True) -> None:
        """Stream a public, hashtag, list or direct feed while it is open (on=False stops)."""
        if on:
            self.watched.add(feed)
        else:
            self.watched.discard(feed)
        if self._streamer is not None:
            await self._streamer.subscribe(feed, on)
