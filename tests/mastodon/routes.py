"""The contract server's endpoints: every Mastodon API call the adapter makes, plus /_test/."""

from __future__ import annotations

import html
import re
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tests.mastodon.world import Acct, Note, PollState, Status, iso

from tests.mastodon.routes_statuses import StatusRoutes, err
from tests.mastodon.wire import Reply, Request

if TYPE_CHECKING:
    from tests.mastodon.server import ContractServer

Handler = Callable[..., Awaitable[Reply]]
STATUS_ACTIONS = "favourite|unfavourite|reblog|unreblog|bookmark|unbookmark|pin|unpin|mute|unmute"
ACCOUNT_ACTIONS = "follow|unfollow|mute|unmute|block|unblock"
VAPID_KEY = (
    "BCk-QqERU0q-CfYZjcuB6lnyyOYfJ2AifKqfeGIm7Z-HiTU5T9eTG5GxVA0_OH5mMlI4UkkDTpaZwozy0TzdZ2M="
)
SEEDED_POSTS = 45


class Routes(StatusRoutes):
    def __init__(self, server: ContractServer) -> None:
        self.server = server
        self.w = server.world
        self.table: list[tuple[str, re.Pattern[str], Handler, bool]] = []
        # (viewer, conversation id) -> the newest status id read / hidden ("deleted") by them
        self.conversations_read: dict[tuple[str, str], int] = {}
        self.conversations_hidden: dict[tuple[str, str], int] = {}
        r = self.add
        r("GET", r"/api/v1/instance", self.instance_v1, auth=False)
        r("GET", r"/api/v2/instance", self.instance_v2, auth=False)
        r("GET", r"/api/v1/instance/rules", self.rules, auth=False)
        r("POST", r"/api/v1/apps", self.apps, auth=False)
        r("GET", r"/oauth/authorize", self.authorize, auth=False)
        r("POST", r"/oauth/token", self.token, auth=False)
        r("GET", r"/api/v1/accounts/verify_credentials", self.verify_credentials)
        r("GET", r"/api/v1/accounts/lookup", self.lookup)
        r("GET", r"/api/v1/accounts/relationships", self.relationships)
        r("GET", r"/api/v1/accounts/(\w+)", self.account)
        r("GET", r"/api/v1/accounts/(\w+)/statuses", self.account_statuses)
        r("POST", rf"/api/v1/accounts/(\w+)/({ACCOUNT_ACTIONS})", self.account_action)
        r("GET", r"/api/v1/timelines/home", self.home)
        r("GET", r"/api/v1/timelines/public", self.public)
        r("GET", r"/api/v1/timelines/tag/([^/]+)", self.tag)
        r("GET", r"/api/v1/timelines/list/(\w+)", self.list_timeline)
        r("GET", r"/api/v1/bookmarks", self.bookmarks)
        r("GET", r"/api/v1/favourites", self.favourites)
        r("GET", r"/api/v1/conversations", self.conversations)
        r("POST", r"/api/v1/conversations/(\w+)/read", self.conversation_read)
        r("DELETE", r"/api/v1/conversations/(\w+)", self.conversation_delete)
        r("GET", r"/api/v1/lists", self.lists)
        r("GET", r"/api/v1/notifications", self.notifications)
        r("GET", r"/api/v2/notifications", self.grouped_notifications)
        r("GET", r"/api/v1/markers", self.get_markers)
        r("POST", r"/api/v1/markers", self.set_markers)
        r("POST", r"/api/v1/statuses", self.create_status)
        r("GET", r"/api/v1/statuses/(\w+)", self.get_status)
        r("PUT", r"/api/v1/statuses/(\w+)", self.edit_status)
        r("DELETE", r"/api/v1/statuses/(\w+)", self.delete_status)
        r("GET", r"/api/v1/statuses/(\w+)/context", self.context)
        r("GET", r"/api/v1/statuses/(\w+)/history", self.history)
        r("GET", r"/api/v1/statuses/(\w+)/source", self.source)
        r("POST", rf"/api/v1/statuses/(\w+)/({STATUS_ACTIONS})", self.status_action)
        r("POST", r"/api/v1/polls/(\w+)/votes", self.vote)
        r("POST", r"/api/v2/media", self.upload)
        r("GET", r"/api/v1/media/(\w+)", self.get_media)
        r("PUT", r"/api/v1/media/(\w+)", self.update_media)
        r("GET", r"/api/v1/scheduled_statuses", self.list_scheduled)
        r("DELETE", r"/api/v1/scheduled_statuses/(\w+)", self.cancel_scheduled)
        r("GET", r"/api/v1/follow_requests", self.list_follow_requests)
        r("POST", r"/api/v1/follow_requests/(\w+)/(authorize|reject)", self.answer_follow_request)
        r("POST", r"/api/v1/reports", self.report)
        r("GET", r"/api/v2/search", self.search)
        r("GET", r"/api/v1/accounts/(\w+)/following", self.following)
        r("GET", r"/api/v1/blocks", self.blocked)
        r("GET", r"/api/v1/mutes", self.muted)
        r("GET", r"/api/v1/lists/(\w+)/accounts", self.list_accounts)
        r("POST", r"/api/v1/lists/(\w+)/accounts", self.list_add)
        r("DELETE", r"/api/v1/lists/(\w+)/accounts", self.list_remove)
        r("POST", r"/api/v1/lists", self.list_create)
        r("GET", r"/api/v1/lists/(\w+)", self.list_get)
        r("PUT", r"/api/v1/lists/(\w+)", self.list_rename)
        r("DELETE", r"/api/v1/lists/(\w+)", self.list_delete)
        r("GET", r"/media/(\w+)/([^/]+)", self.media_file, auth=False)
        r("POST", r"/_test/statuses", self.test_status, auth=False)
        r("POST", r"/_test/notifications", self.test_notification, auth=False)
        r("POST", r"/_test/faults", self.test_fault, auth=False)

    def add(self, method: str, pattern: str, handler: Handler, *, auth: bool = True) -> None:
        self.table.append((method, re.compile(pattern + "$"), handler, auth))

    async def handle(self, req: Request) -> Reply:
        if self.server.mode == "takahe" and req.path == "/api/v2/notifications":
            return err(404, "Not found")
        if req.path == "/api/v1/streaming" or req.path.startswith("/api/v1/streaming/"):
            return err(404, "Not found")  # streaming is not served on the HTTP port
        allowed = False
        for method, pattern, handler, auth in self.table:
            match = pattern.match(req.path)
            if not match:
                continue
            allowed = True
            if method != req.method:
                continue
            viewer = None
            if auth:
                token = req.headers.get("authorization", "").removeprefix("Bearer ").strip()
                viewer = self.w.tokens.get(token)
                if viewer is None:
                    return err(401, "The access token is invalid")
            return await handler(req, viewer, *match.groups())
        return err(405 if allowed else 404, "Record not found")

    # ----- seed ----------------------------------------------------------------------------------
    def seed(self) -> None:
        w = self.w
        alice = self.make_account("alice", "Alice :blobcat:", note="<p>I test <b>things</b></p>")
        alice.fields = [("Site", '<a href="https://alice.example/">alice.example</a>')]
        bob = self.make_account("bob", "Bob Builder")
        carol = self.make_account("carol", "Carol", domain="remote.example")
        w.tokens["test-token"] = alice.id
        w.tokens["bob-token"] = bob.id
        w.follows |= {(alice.id, bob.id), (alice.id, carol.id), (bob.id, alice.id)}
        w.lists[w.new_id()] = (alice.id, "Friends", {bob.id})
        for n in range(SEEDED_POSTS):
            who = (bob, carol)[n % 2]
            self.make_status(who.id, f"Post number {n} from {who.username} #murmur")
        first = self.make_status(alice.id, "Hello fediverse, this is a thread")
        reply = self.make_status(bob.id, "@alice welcome!", in_reply_to=first.id)
        self.notify("mention", alice.id, bob.id, reply.id)
        self.make_status(alice.id, "@bob thank you", in_reply_to=reply.id)
        trick = self.make_status(bob.id, "")
        trick.html = (
            '<p>Log in at <a href="https://evil.example/phish">https://bank.example/login</a>'
            " now :blobcat:</p>"
        )
        trick.emojis = ["blobcat"]
        polled = self.make_status(carol.id, "Tabs or spaces?")
        poll = PollState(w.new_id(), ["tabs", "spaces"], False, w.clock + timedelta(days=1))
        w.polls[poll.id] = poll
        polled.poll = poll.id
        boosted = self.make_status(bob.id, "", reblog_of=polled.id)
        del boosted
        self.notify("favourite", alice.id, bob.id, first.id)
        self.notify("favourite", alice.id, carol.id, first.id)
        self.notify("reblog", alice.id, bob.id, first.id)
        self.notify("follow", alice.id, carol.id)
        self.notify("poll", alice.id, carol.id, polled.id)
        self.notify("status", alice.id, bob.id, reply.id)
        self.notify("update", alice.id, bob.id, reply.id)
        self.notify("follow_request", alice.id, carol.id)
        w.follow_requests.add((carol.id, alice.id))
        self.notify("admin.sign_up", alice.id, bob.id)
        self.notify(
            "severed_relationships",
            alice.id,
            carol.id,
            extra={
                "event": {
                    "id": w.new_id(),
                    "type": "domain_block",
                    "purged": False,
                    "target_name": "remote.example",
                    "followers_count": 1,
                    "following_count": 2,
                    "created_at": iso(w.clock),
                }
            },
        )
        self.notify(
            "moderation_warning",
            alice.id,
            bob.id,
            extra={
                "moderation_warning": {
                    "id": w.new_id(),
                    "action": "sensitive",
                    "text": "Please mark media as sensitive",
                    "status_ids": [],
                    "appeal": None,
                    "target_account": w.account_json(alice),
                    "created_at": iso(w.clock),
                }
            },
        )
        self.make_status(alice.id, "Only for @bob", visibility="direct")
        w.bookmarks[alice.id] = {polled.id, first.id}
        w.favourites[alice.id] = {reply.id}

    def make_account(self, username: str, name: str, *, domain: str = "", note: str = "") -> Acct:
        a = Acct(self.w.new_id(), username, name, domain=domain, note=note)
        self.w.accounts[a.id] = a
        return a

    def make_status(self, account: str, text: str, **kw: Any) -> Status:
        s = Status(self.w.new_id(), account, text, self.w.tick(), **kw)
        self.w.statuses[s.id] = s
        return s

    def notify(
        self, kind: str, target: str, actor: str, status: str | None = None, *, extra: Any = None
    ) -> Note:
        n = Note(self.w.new_id(), kind, target, actor, self.w.tick(), status, extra or {})
        self.w.notes[n.id] = n
        return n

    # ----- helpers -------------------------------------------------------------------------------
    def page(
        self, req: Request, items: list[Any], key: Callable[[Any], str]
    ) -> tuple[list[Any], int]:
        """Mastodon's id paging over `items` (any order): max_id, since_id, min_id, limit."""
        limit = max(1, min(40, int(req.arg("limit", "20") or 20)))
        ordered = sorted(items, key=lambda x: int(key(x)), reverse=True)
        if (max_id := req.arg("max_id")) is not None:
            ordered = [x for x in ordered if int(key(x)) < int(max_id)]
        if (since_id := req.arg("since_id")) is not None:
            ordered = [x for x in ordered if int(key(x)) > int(since_id)]
        if (min_id := req.arg("min_id")) is not None:
            ordered = [x for x in ordered if int(key(x)) > int(min_id)][-limit:]
        chosen = ordered[:limit]
        return chosen, limit

    def listing(
        self, req: Request, items: list[Any], render: Callable[[Any], Any], schema: str
    ) -> Reply:
        chosen, _ = self.page(req, items, key=lambda x: x.id)
        body = [render(x) for x in chosen]
        link = self.server.link_header(req.path, req.query, body)
        return Reply(200, body, f"{schema}[]", headers={"Link": link} if link else {})

    def statuses(self, req: Request, viewer: str | None, wanted: Callable[[Status], bool]) -> Reply:
        items = [s for s in self.w.statuses.values() if wanted(s) and self.w.visible(s, viewer)]
        return self.listing(req, items, lambda s: self.w.status_json(s, viewer), "Status")

    def find_status(self, status_id: str, viewer: str | None) -> Status | None:
        s = self.w.statuses.get(status_id)
        return s if s is not None and self.w.visible(s, viewer) else None

    # ----- instance and auth ---------------------------------------------------------------------
    def configuration(self) -> dict[str, Any]:
        return {
            "urls": {"streaming": self.server.streaming_url} if self.server.streaming_url else {},
            "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
            "statuses": {
                "max_characters": 500,
                "max_media_attachments": 4,
                "characters_reserved_per_url": 23,
            },
            "media_attachments": {
                "supported_mime_types": ["image/png", "image/jpeg"],
                "image_size_limit": 16777216,
                "image_matrix_limit": 33177600,
                "video_size_limit": 103809024,
                "video_frame_rate_limit": 120,
                "video_matrix_limit": 8294400,
            },
            "polls": {
                "max_options": 4,
                "max_characters_per_option": 50,
                "min_expiration": 300,
                "max_expiration": 2629746,
            },
            "translation": {"enabled": False},
        }

    async def instance_v2(self, req: Request, viewer: str | None) -> Reply:
        w = self.w
        alice = next(iter(w.accounts.values()))
        body: dict[str, Any] = {
            "domain": w.domain,
            "title": "Murmur contract server",
            "version": "4.3.0" if self.server.mode != "takahe" else "takahe/0.11.0",
            "source_url": "https://github.com/mastodon/mastodon",
            "description": "A test server",
            "usage": {"users": {"active_month": len(w.accounts)}},
            "thumbnail": {"url": f"{w.base}/thumb.png"},
            "icon": [],
            "languages": ["en"],
            "configuration": self.configuration(),
            "registrations": {"enabled": False, "approval_required": False, "message": None},
            "contact": {"email": "admin@murmur.test", "account": w.account_json(alice)},
            "rules": [r["body"] for r in self.rule_list()],
        }
        if self.server.mode != "takahe":
            body["api_versions"] = {"mastodon": 2}
        return Reply(200, body, "Instance")

    async def instance_v1(self, req: Request, viewer: str | None) -> Reply:
        w = self.w
        config = self.configuration()
        urls = {"streaming_api": self.server.streaming_url or w.base.replace("http", "ws")}
        config.pop("urls")
        body = {
            "uri": w.domain,
            "title": "Murmur contract server",
            "short_description": "",
            "description": "",
            "email": "admin@murmur.test",
            "version": "4.3.0",
            "urls": urls,
            "stats": {"user_count": 3, "status_count": len(w.statuses), "domain_count": 2},
            "thumbnail": None,
            "languages": ["en"],
            "registrations": False,
            "approval_required": False,
            "invites_enabled": False,
            "configuration": config,
            "contact_account": None,
            "rules": [r["body"] for r in self.rule_list()],
        }
        return Reply(200, body, "V1Instance")

    def rule_list(self) -> list[dict[str, Any]]:
        return [
            {"body": {"id": "1", "text": "Be kind", "hint": ""}},
            {"body": {"id": "2", "text": "No spam", "hint": "Really"}},
        ]

    async def rules(self, req: Request, viewer: str | None) -> Reply:
        return Reply(200, [r["body"] for r in self.rule_list()], "Rule[]")

    async def apps(self, req: Request, viewer: str | None) -> Reply:
        client_id, secret = secrets.token_urlsafe(16), secrets.token_urlsafe(24)
        redirect = str(req.form.get("redirect_uris") or "urn:ietf:wg:oauth:2.0:oob")
        scopes = str(req.form.get("scopes") or "read")
        app = {"client_id": client_id, "client_secret": secret, "scopes": scopes}
        self.w.apps[client_id] = app
        body = {
            "id": self.w.new_id(),
            "name": str(req.form.get("client_name") or ""),
            "website": req.form.get("website"),
            "scopes": scopes.split(),
            "redirect_uri": redirect,
            "redirect_uris": redirect.split(),
            "client_id": client_id,
            "client_secret": secret,
            "client_secret_expires_at": 0,
            "vapid_key": VAPID_KEY,
        }
        return Reply(200, body, "CredentialApplication")

    async def authorize(self, req: Request, viewer: str | None) -> Reply:
        """The page a browser would show after logging in as alice: it displays the code."""
        client_id = req.arg("client_id") or ""
        if client_id not in self.w.apps:
            return err(400, "Client authentication failed due to unknown client")
        code = secrets.token_urlsafe(12)
        alice = self.w.by_username("alice")
        assert alice is not None
        self.w.codes[code] = (client_id, alice.id)
        page = (
            "<html><body><p>Copy this code:</p>"
            f"<code id='code'>{html.escape(code)}</code></body></html>"
        )
        return Reply(200, raw=page.encode(), content_type="text/html; charset=utf-8")

    async def token(self, req: Request, viewer: str | None) -> Reply:
        code = str(req.form.get("code") or "")
        client = self.w.apps.get(str(req.form.get("client_id") or ""))
        if client is None or client["client_secret"] != req.form.get("client_secret"):
            return err(401, "invalid_client")
        entry = self.w.codes.pop(code, None)
        if entry is None or entry[0] != client["client_id"]:
            return Reply(
                400, {"error": "invalid_grant", "error_description": "The code is wrong"}, "Error"
            )
        token = secrets.token_urlsafe(24)
        self.w.tokens[token] = entry[1]
        body = {
            "access_token": token,
            "token_type": "Bearer",
            "scope": client["scopes"],
            "created_at": 1767268800,
        }
        return Reply(200, body, "Token")

    # ----- accounts ------------------------------------------------------------------------------
    async def verify_credentials(self, req: Request, viewer: str) -> Reply:
        return Reply(
            200, self.w.account_json(self.w.accounts[viewer], credential=True), "CredentialAccount"
        )

    async def lookup(self, req: Request, viewer: str) -> Reply:
        found = self.w.by_username(req.arg("acct") or "")
        if found is None:
            return err(404, "Record not found")
        return Reply(200, self.w.account_json(found), "Account")

    async def account(self, req: Request, viewer: str, account_id: str) -> Reply:
        a = self.w.accounts.get(account_id)
        if a is None:
            return err(404, "Record not found")
        return Reply(200, self.w.account_json(a), "Account")

    def relationship(self, viewer: str, other: str) -> dict[str, Any]:
        w = self.w
        return {
            "id": other,
            "following": (viewer, other) in w.follows,
            "showing_reblogs": True,
            "notifying": False,
            "languages": None,
            **w.follow_options.get((viewer, other), {}),
            "followed_by": (other, viewer) in w.follows,
            "blocking": (viewer, other) in w.blocks,
            "blocked_by": (other, viewer) in w.blocks,
            "muting": (viewer, other) in w.mutes,
            "muting_notifications": (viewer, other) in w.mutes,
            "requested": (viewer, other) in w.follow_requests,
            "requested_by": (other, viewer) in w.follow_requests,
            "domain_blocking": False,
            "endorsed": False,
            "note": "",
        }

    async def relationships(self, req: Request, viewer: str) -> Reply:
        ids = [i for i in req.args("id[]") + req.args("id") if i in self.w.accounts]
        return Reply(200, [self.relationship(viewer, i) for i in ids], "Relationship[]")

    async def account_statuses(self, req: Request, viewer: str, account_id: str) -> Reply:
        if account_id not in self.w.accounts:
            return err(404, "Record not found")
        if req.arg("pinned") == "true":
            pinned = self.w.pins.get(account_id, set())
            return self.statuses(req, viewer, lambda s: s.id in pinned)
        exclude_replies = req.arg("exclude_replies") == "true"
        only_media = req.arg("only_media") == "true"

        def wanted(s: Status) -> bool:
            parent = self.w.statuses.get(s.in_reply_to or "")
            # Mastodon keeps a reply to oneself (a thread) when replies are excluded.
            if (
                exclude_replies
                and s.in_reply_to
                and (parent is None or parent.account != s.account)
            ):
                return False
            if only_media and (s.reblog_of or not s.media):
                return False
            return s.account == account_id

        return self.statuses(req, viewer, wanted)

    async def account_action(
        self, req: Request, viewer: str, account_id: str, action: str
    ) -> Reply:
        if account_id not in self.w.accounts:
            return err(404, "Record not found")
        pair = (viewer, account_id)
        sets = {"follow": self.w.follows, "mute": self.w.mutes, "block": self.w.blocks}
        base = action.removeprefix("un")
        if action.startswith("un"):
            sets[base].discard(pair)
            self.w.mute_expires.pop(pair, None)
            if base == "follow":
                self.w.follow_requests.discard(pair)  # unfollowing withdraws a request
        elif base == "follow" and self.w.accounts[account_id].locked and pair not in sets[base]:
            if pair not in self.w.follow_requests:
                self.w.follow_requests.add(pair)
                self.notify("follow_request", account_id, viewer)
        else:
            sets[base].add(pair)
            if base == "mute":  # `duration` in seconds, 0 or absent: forever
                seconds = int(req.form.get("duration") or 0)
                self.w.mute_expires[pair] = seconds
            if base == "follow":
                self.notify("follow", account_id, viewer)
        return Reply(200, self.relationship(viewer, account_id), "Relationship")

    # ----- timelines -----------------------------------------------------------------------------
    async def home(self, req: Request, viewer: str) -> Reply:
        follows = {b for a, b in self.w.follows if a == viewer}

        def wanted(s: Status) -> bool:
            return s.visibility != "direct" and (s.account == viewer or s.account in follows)

        return self.statuses(req, viewer, wanted)

    async def public(self, req: Request, viewer: str) -> Reply:
        local = req.arg("local") == "true"

        def wanted(s: Status) -> bool:
            if s.visibility != "public" or s.reblog_of:
                return False
            return not local or not self.w.accounts[s.account].domain

        return self.statuses(req, viewer, wanted)

    async def tag(self, req: Request, viewer: str, tag: str) -> Reply:
        wanted_tag = tag.lower()
        return self.statuses(
            req, viewer, lambda s: s.visibility == "public" and wanted_tag in self.w.tags(s)
        )

    async def list_timeline(self, req: Request, viewer: str, list_id: str) -> Reply:
        entry = self.w.lists.get(list_id)
        if entry is None or entry[0] != viewer:
            return err(404, "Record not found")
        return self.statuses(req, viewer, lambda s: s.account in entry[2])

    async def bookmarks(self, req: Request, viewer: str) -> Reply:
        marked = self.w.bookmarks.get(viewer, set())
        return self.statuses(req, viewer, lambda s: s.id in marked)

    async def favourites(self, req: Request, viewer: str) -> Reply:
        liked = self.w.favourites.get(viewer, set())
        return self.statuses(req, viewer, lambda s: s.id in liked)

    def direct_threads(self, viewer: str) -> dict[str, list[Status]]:
        """Direct statuses the viewer can see, by conversation (the id of the thread's first
        direct status), oldest first: Mastodon groups a private thread into one conversation."""
        threads: dict[str, list[Status]] = {}
        for s in sorted(self.w.statuses.values(), key=lambda x: int(x.id)):
            if s.visibility != "direct" or not self.w.visible(s, viewer):
                continue
            root = s
            while (parent := self.w.statuses.get(root.in_reply_to or "")) is not None:
                if parent.visibility != "direct":
                    break
                root = parent
            threads.setdefault(root.id, []).append(s)
        return threads

    def conversation_json(self, cid: str, thread: list[Status], viewer: str) -> dict[str, Any]:
        last = thread[-1]
        people = {
            a.id: a for s in thread for a in [self.w.accounts[s.account], *self.w.mentions(s)]
        }
        read_upto = self.conversations_read.get((viewer, cid), 0)
        return {
            "id": cid,
            "unread": last.account != viewer and int(last.id) > read_upto,
            "accounts": [self.w.account_json(a) for i, a in people.items() if i != viewer],
            "last_status": self.w.status_json(last, viewer),
        }

    async def conversations(self, req: Request, viewer: str) -> Reply:
        shown = [
            (cid, thread)
            for cid, thread in self.direct_threads(viewer).items()
            if int(thread[-1].id) > self.conversations_hidden.get((viewer, cid), 0)
        ]
        chosen, _ = self.page(req, shown, key=lambda x: x[1][-1].id)
        body = [self.conversation_json(cid, thread, viewer) for cid, thread in chosen]
        link = self.server.link_header(req.path, req.query, [b["last_status"] for b in body])
        return Reply(200, body, "Conversation[]", headers={"Link": link} if link else {})

    async def conversation_read(self, req: Request, viewer: str, cid: str) -> Reply:
        thread = self.direct_threads(viewer).get(cid)
        if thread is None:
            return err(404, "Record not found")
        self.conversations_read[(viewer, cid)] = int(thread[-1].id)
        return Reply(200, self.conversation_json(cid, thread, viewer), "Conversation")

    async def conversation_delete(self, req: Request, viewer: str, cid: str) -> Reply:
        thread = self.direct_threads(viewer).get(cid)
        if thread is None:
            return err(404, "Record not found")
        self.conversations_hidden[(viewer, cid)] = int(thread[-1].id)
        return Reply(200, {}, None)

    async def lists(self, req: Request, viewer: str) -> Reply:
        body = [
            {"id": i, "title": title, "replies_policy": "list", "exclusive": False}
            for i, (owner, title, _) in self.w.lists.items()
            if owner == viewer
        ]
        return Reply(200, body, "List[]")

    # ----- notifications and markers -------------------------------------------------------------
    def my_notes(self, req: Request, viewer: str) -> list[Note]:
        types = set(req.args("types[]"))
        return [
            n
            for n in self.w.notes.values()
            if n.target == viewer
            and (not types or n.type in types)
            and not self.in_muted_thread(viewer, n.status)
        ]

    def in_muted_thread(self, viewer: str, status_id: str | None) -> bool:
        """Mastodon stops a muted conversation's notifications (any status up its reply chain)."""
        seen: set[str] = set()
        while status_id and status_id not in seen:
            if (viewer, status_id) in self.w.thread_mutes:
                return True
            seen.add(status_id)
            s = self.w.statuses.get(status_id)
            status_id = s.in_reply_to if s is not None else None
        return False

    async def notifications(self, req: Request, viewer: str) -> Reply:
        return self.listing(
            req,
            self.my_notes(req, viewer),
            lambda n: self.w.notification_json(n, viewer),
            "Notification",
        )

    async def grouped_notifications(self, req: Request, viewer: str) -> Reply:
        chosen, limit = self.page(req, self.my_notes(req, viewer), key=lambda n: n.id)
        groups: dict[str, list[Note]] = {}
        for n in chosen:  # newest first
            groups.setdefault(self.w.group_key(n), []).append(n)
        accounts: dict[str, Any] = {}
        statuses: dict[str, Any] = {}
        body_groups = []
        for key, members in groups.items():
            latest = members[0]
            for m in members:
                accounts.setdefault(m.account, self.w.account_json(self.w.accounts[m.account]))
            if latest.status:
                statuses.setdefault(
                    latest.status, self.w.status_json(self.w.statuses[latest.status], viewer)
                )
            group = {
                "group_key": key,
                "notifications_count": len(members),
                "type": latest.type,
                "most_recent_notification_id": int(latest.id),
                "page_min_id": members[-1].id,
                "page_max_id": latest.id,
                "latest_page_notification_at": iso(latest.created_at),
                "sample_account_ids": list(dict.fromkeys(m.account for m in members))[:8],
                "status_id": latest.status,
            }
            group.update(latest.extra)
            body_groups.append(group)
        body = {
            "accounts": list(accounts.values()),
            "statuses": list(statuses.values()),
            "notification_groups": body_groups,
        }
        headers = {}
        if chosen:
            base = f"{self.server.url}{req.path}?limit={limit}"
            headers["Link"] = (
                f'<{base}&max_id={chosen[-1].id}>; rel="next", '
                f'<{base}&min_id={chosen[0].id}>; rel="prev"'
            )
        return Reply(200, body, "GroupedNotificationsResults", headers=headers)

    async def get_markers(self, req: Request, viewer: str) -> Reply:
        body = {}
        for timeline in req.args("timeline[]"):
            entry = self.w.markers.get((viewer, timeline))
            if entry:
                body[timeline] = {
                    "last_read_id": entry[0],
                    "updated_at": iso(entry[1]),
                    "version": entry[2],
                }
        return Reply(200, body, "Marker{}")

    async def set_markers(self, req: Request, viewer: str) -> Reply:
        body = {}
        for timeline in ("home", "notifications"):
            value = req.form.get(timeline)
            if isinstance(value, dict) and value.get("last_read_id"):
                old = self.w.markers.get((viewer, timeline))
                version = (old[2] if old else 0) + 1
                self.w.markers[(viewer, timeline)] = (
                    str(value["last_read_id"]),
                    self.w.tick(),
                    version,
                )
                body[timeline] = {
                    "last_read_id": str(value["last_read_id"]),
                    "updated_at": iso(self.w.clock),
                    "version": version,
                }
        return Reply(200, body, "Marker{}")

    # ----- who: following, blocks, mutes, list members (for export) ------------------------------
    def accounts_listing(
        self, req: Request, ids: list[str], schema: str = "Account", viewer: str = ""
    ) -> Reply:
        found = [self.w.accounts[i] for i in ids if i in self.w.accounts]

        def render(a: Any) -> dict[str, Any]:
            body = self.w.account_json(a)
            if schema == "MutedAccount":
                seconds = self.w.mute_expires.get((viewer, a.id), 0)
                body["mute_expires_at"] = (
                    iso(datetime.now(UTC) + timedelta(seconds=seconds)) if seconds else None
                )
            return body

        return self.listing(req, found, render, schema)

    async def following(self, req: Request, viewer: str, account_id: str) -> Reply:
        if account_id not in self.w.accounts:
            return err(404, "Record not found")
        return self.accounts_listing(req, [b for a, b in self.w.follows if a == account_id])

    async def list_follow_requests(self, req: Request, viewer: str) -> Reply:
        return self.accounts_listing(req, [a for a, b in self.w.follow_requests if b == viewer])

    async def answer_follow_request(
        self, req: Request, viewer: str, account_id: str, answer: str
    ) -> Reply:
        pair = (account_id, viewer)
        if pair not in self.w.follow_requests:
            return err(404, "Record not found")
        self.w.follow_requests.discard(pair)
        if answer == "authorize":
            self.w.follows.add(pair)
            self.notify("follow", viewer, account_id)
        return Reply(200, self.relationship(viewer, account_id), "Relationship")

    async def blocked(self, req: Request, viewer: str) -> Reply:
        return self.accounts_listing(req, [b for a, b in self.w.blocks if a == viewer])

    async def muted(self, req: Request, viewer: str) -> Reply:
        ids = [b for a, b in self.w.mutes if a == viewer]
        return self.accounts_listing(req, ids, "MutedAccount", viewer)

    async def list_accounts(self, req: Request, viewer: str, list_id: str) -> Reply:
        entry = self.w.lists.get(list_id)
        if entry is None or entry[0] != viewer:
            return err(404, "Record not found")
        return self.accounts_listing(req, sorted(entry[2]))

    # ----- list management -----------------------------------------------------------------------
    def list_json(self, list_id: str) -> dict[str, Any]:
        title = self.w.lists[list_id][1]
        return {"id": list_id, "title": title, "replies_policy": "list", "exclusive": False}

    def own_list(self, viewer: str, list_id: str) -> tuple[str, str, set[str]] | None:
        entry = self.w.lists.get(list_id)
        return entry if entry is not None and entry[0] == viewer else None

    async def list_create(self, req: Request, viewer: str) -> Reply:
        title = req.form.get("title")
        if not isinstance(title, str) or not title.strip():
            return err(422, "Validation failed: Title can't be blank")
        list_id = self.w.new_id()
        self.w.lists[list_id] = (viewer, title, set())
        return Reply(200, self.list_json(list_id), "List")

    async def list_get(self, req: Request, viewer: str, list_id: str) -> Reply:
        if self.own_list(viewer, list_id) is None:
            return err(404, "Record not found")
        return Reply(200, self.list_json(list_id), "List")

    async def list_rename(self, req: Request, viewer: str, list_id: str) -> Reply:
        entry = self.own_list(viewer, list_id)
        if entry is None:
            return err(404, "Record not found")
        title = req.form.get("title")
        if not isinstance(title, str) or not title.strip():
            return err(422, "Validation failed: Title can't be blank")
        self.w.lists[list_id] = (entry[0], title, entry[2])
        return Reply(200, self.list_json(list_id), "List")

    async def list_delete(self, req: Request, viewer: str, list_id: str) -> Reply:
        if self.own_list(viewer, list_id) is None:
            return err(404, "Record not found")
        del self.w.lists[list_id]
        return Reply(200, {}, None)

    async def list_add(self, req: Request, viewer: str, list_id: str) -> Reply:
        entry = self.own_list(viewer, list_id)
        if entry is None:
            return err(404, "Record not found")
        ids = req.form.get("account_ids")
        if not isinstance(ids, list) or not all(i in self.w.accounts for i in ids):
            return err(404, "Record not found")
        following = {b for a, b in self.w.follows if a == viewer}
        if not set(ids) <= following:
            return err(422, "Validation failed: Account is not followed")  # as Mastodon says
        if set(ids) & entry[2]:
            return err(422, "Validation failed: Account has already been taken")
        entry[2].update(ids)
        return Reply(200, {}, None)

    async def list_remove(self, req: Request, viewer: str, list_id: str) -> Reply:
        entry = self.own_list(viewer, list_id)
        if entry is None:
            return err(404, "Record not found")
        ids = req.form.get("account_ids")
        if not isinstance(ids, list):
            return err(422, "Validation failed: account_ids is missing")
        entry[2].difference_update(ids)
        return Reply(200, {}, None)

    async def media_file(self, req: Request, viewer: str | None, media_id: str, name: str) -> Reply:
        m = self.w.media.get(media_id)
        if m is None or not m.ready or m.filename != name:
            return err(404, "Not found")
        return Reply(200, raw=b"\x89PNG\r\n\x1a\n" + bytes(m.size), content_type="image/png")
