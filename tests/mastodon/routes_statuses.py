"""The contract server's status, media, report and search endpoints (a mixin of Routes)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tests.mastodon.wire import Reply, Request
from tests.mastodon.world import Media, Note, PollState, Status, iso

if TYPE_CHECKING:
    from tests.mastodon.server import ContractServer
    from tests.mastodon.world import World


def err(status: int, message: str) -> Reply:
    return Reply(status, {"error": message}, "Error")


class StatusRoutes:
    server: ContractServer
    w: World

    if TYPE_CHECKING:

        def make_status(self, account: str, text: str, **kw: Any) -> Status: ...
        def notify(
            self,
            kind: str,
            target: str,
            actor: str,
            status: str | None = None,
            *,
            extra: Any = None,
        ) -> Note: ...
        def find_status(self, status_id: str, viewer: str | None) -> Status | None: ...

    # ----- statuses ------------------------------------------------------------------------------
    async def create_status(self, req: Request, viewer: str) -> Reply:
        key = req.headers.get("idempotency-key")
        if key and (viewer, key) in self.w.idempotency:
            s = self.w.statuses[self.w.idempotency[(viewer, key)]]
            return Reply(200, self.w.status_json(s, viewer), "Status")
        f = req.form
        text = f.get("status")
        media_ids = [str(m) for m in f.get("media_ids") or []]
        if not isinstance(text, str) or (not text.strip() and not media_ids):
            return Reply(422, {"error": "Validation failed: Text can't be blank"}, "Error")
        if len(text) > 500:
            return Reply(
                422, {"error": "Validation failed: Text character limit of 500 exceeded"}, "Error"
            )
        for m in media_ids:
            if m not in self.w.media or self.w.media[m].owner != viewer:
                return Reply(422, {"error": "Validation failed: media not found"}, "Error")
        if key and (viewer, key) in self.w.scheduled_keys:
            entry = self.w.scheduled.get(self.w.scheduled_keys[(viewer, key)])
            if entry is not None:
                return Reply(200, self.public_scheduled(entry), "ScheduledStatus")
        if f.get("scheduled_at"):
            try:
                at = datetime.fromisoformat(str(f["scheduled_at"]).replace("Z", "+00:00"))
            except ValueError:
                return err(422, "Validation failed: Scheduled at is invalid")
            if at.tzinfo is None or at < datetime.now(UTC) + timedelta(minutes=5):
                return err(
                    422, "Validation failed: Scheduled at must be at least 5 minutes in the future"
                )
            sched_id = self.w.new_id()
            entry = {
                "id": sched_id,
                "scheduled_at": f["scheduled_at"],
                "params": {
                    "text": text,
                    "visibility": f.get("visibility") or "public",
                    "spoiler_text": f.get("spoiler_text") or None,
                    "sensitive": bool(f.get("sensitive")),
                    "language": f.get("language"),
                    "media_ids": media_ids or None,
                    "poll": None,
                    "scheduled_at": None,
                    "in_reply_to_id": f.get("in_reply_to_id"),
                    "idempotency": key,
                    "application_id": 1,
                    "with_rate_limit": False,
                },
                "media_attachments": [self.w.media_json(self.w.media[m]) for m in media_ids],
                "_owner": viewer,
            }
            self.w.scheduled[sched_id] = entry
            if key:
                self.w.scheduled_keys[(viewer, key)] = sched_id
            return Reply(200, self.public_scheduled(entry), "ScheduledStatus")
        reply_to = f.get("in_reply_to_id")
        if reply_to and reply_to not in self.w.statuses:
            return err(404, "Record not found")
        visibility = f.get("visibility") or "public"
        s = self.make_status(
            viewer,
            text,
            visibility="public" if self.server.ignores_visibility else visibility,
            spoiler=f.get("spoiler_text") or "",
            sensitive=bool(f.get("sensitive")),
            language=f.get("language") or "en",
            in_reply_to=reply_to,
            media=media_ids,
        )
        self.set_poll(s, f.get("poll"))
        if key:
            self.w.idempotency[(viewer, key)] = s.id
        await self.announce(s)
        return Reply(200, self.w.status_json(s, viewer), "Status")

    def set_poll(self, s: Status, poll: Any) -> None:
        """A new poll for `s` from a form's `poll` (creating or editing: votes start over)."""
        if isinstance(poll, dict) and poll.get("options"):
            p = PollState(
                self.w.new_id(),
                [str(o) for o in poll["options"]],
                bool(poll.get("multiple")),
                self.w.clock + timedelta(seconds=int(poll.get("expires_in") or 86400)),
                hide_totals=bool(poll.get("hide_totals")),
            )
            self.w.polls[p.id] = p
            s.poll = p.id

    def public_scheduled(self, entry: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in entry.items() if not k.startswith("_")}

    async def announce(self, s: Status) -> None:
        """Stream a new status to its author's followers, and mention notifications."""
        w = self.w
        audience = {s.account} | {a for a, b in w.follows if b == s.account}
        for viewer in audience:
            if w.visible(s, viewer) and s.visibility != "direct":
                await self.server.push(
                    viewer, ["user"], "update", w.status_json(s, viewer), "Status"
                )
        if s.visibility == "public" and not s.reblog_of:
            for viewer, streams in self.server.subscribers():
                if "public" in streams:
                    await self.server.push(
                        viewer, ["public"], "update", w.status_json(s, viewer), "Status"
                    )
                for t in w.tags(s):
                    if f"hashtag:{t}" in streams:
                        await self.server.push(
                            viewer, ["hashtag", t], "update", w.status_json(s, viewer), "Status"
                        )
        for mentioned in w.mentions(s):
            if mentioned.id != s.account and not mentioned.domain:
                note = self.notify("mention", mentioned.id, s.account, s.id)
                await self.push_note(note)

    async def push_note(self, note: Note) -> None:
        payload = self.w.notification_json(note, note.target)
        await self.server.push(note.target, ["user"], "notification", payload, "Notification")

    async def get_status(self, req: Request, viewer: str, status_id: str) -> Reply:
        s = self.find_status(status_id, viewer)
        if s is None:
            return err(404, "Record not found")
        return Reply(200, self.w.status_json(s, viewer), "Status")

    async def edit_status(self, req: Request, viewer: str, status_id: str) -> Reply:
        s = self.w.statuses.get(status_id)
        if s is None or s.account != viewer:
            return err(404, "Record not found")
        f = req.form
        if not s.history:
            s.history.append(self.edit_version(s, s.created_at))
        s.text = str(f.get("status", s.text))
        s.spoiler = str(f.get("spoiler_text", s.spoiler) or "")
        s.sensitive = bool(f.get("sensitive", s.sensitive))
        s.language = f.get("language") or s.language
        if "media_ids" in f:
            s.media = [str(m) for m in f.get("media_ids") or []]
        for attributes in f.get("media_attributes") or []:
            m = self.w.media.get(str(attributes.get("id")))
            if m is None or m.id not in s.media:
                return Reply(422, {"error": "Validation failed: unknown media"}, "Error")
            if isinstance(attributes.get("description"), str):
                m.description = attributes["description"]
        if isinstance(f.get("poll"), dict):
            old = self.w.polls.get(s.poll or "")
            p = f["poll"]
            same = old is not None and [str(o) for o in p.get("options") or []] == old.options
            if not same:
                self.set_poll(s, p)
        s.edited_at = self.w.tick()
        s.history.append(self.edit_version(s, s.edited_at))
        for viewer_id, _ in self.server.subscribers():
            if self.w.visible(s, viewer_id):
                await self.server.push(
                    viewer_id, ["user"], "status.update", self.w.status_json(s, viewer_id), "Status"
                )
        return Reply(200, self.w.status_json(s, viewer), "Status")

    def edit_version(self, s: Status, at: datetime) -> dict[str, Any]:
        return {
            "content": self.w.content_html(s),
            "spoiler_text": s.spoiler,
            "sensitive": s.sensitive,
            "created_at": iso(at),
            "account": self.w.account_json(self.w.accounts[s.account]),
            "poll": {"options": [{"title": t} for t in self.w.polls[s.poll].options]}
            if s.poll
            else None,
            "media_attachments": [self.w.media_json(self.w.media[m]) for m in s.media],
            "emojis": [],
        }

    async def delete_status(self, req: Request, viewer: str, status_id: str) -> Reply:
        s = self.w.statuses.get(status_id)
        if s is None or s.account != viewer:
            return err(404, "Record not found")
        body = self.w.status_json(s, viewer)
        body["text"] = s.text
        del self.w.statuses[status_id]
        for viewer_id, _ in self.server.subscribers():
            await self.server.push(viewer_id, ["user"], "delete", status_id, "")
        return Reply(200, body, "Status")

    async def context(self, req: Request, viewer: str, status_id: str) -> Reply:
        s = self.find_status(status_id, viewer)
        if s is None:
            return err(404, "Record not found")
        ancestors = []
        parent = self.w.statuses.get(s.in_reply_to or "")
        while parent is not None:
            ancestors.insert(0, parent)
            parent = self.w.statuses.get(parent.in_reply_to or "")
        descendants, frontier = [], [s.id]
        while frontier:
            current = frontier.pop(0)
            children = sorted(
                (x for x in self.w.statuses.values() if x.in_reply_to == current),
                key=lambda x: int(x.id),
            )
            descendants += children
            frontier += [c.id for c in children]
        body = {
            "ancestors": [self.w.status_json(x, viewer) for x in ancestors],
            "descendants": [
                self.w.status_json(x, viewer) for x in descendants if self.w.visible(x, viewer)
            ],
        }
        return Reply(200, body, "Context")

    async def history(self, req: Request, viewer: str, status_id: str) -> Reply:
        s = self.find_status(status_id, viewer)
        if s is None:
            return err(404, "Record not found")
        versions = s.history or [self.edit_version(s, s.created_at)]
        return Reply(200, versions, "StatusEdit[]")

    async def source(self, req: Request, viewer: str, status_id: str) -> Reply:
        s = self.w.statuses.get(status_id)
        if s is None or s.account != viewer:
            return err(404, "Record not found")
        text = self.w.content_html(s) if self.server.mode == "takahe" else s.text
        return Reply(200, {"id": s.id, "text": text, "spoiler_text": s.spoiler}, "StatusSource")

    async def status_action(self, req: Request, viewer: str, status_id: str, action: str) -> Reply:
        w = self.w
        s = self.find_status(status_id, viewer)
        if s is None:
            return err(404, "Record not found")
        if s.reblog_of:
            s = w.statuses[s.reblog_of]
        sets = {"favourite": w.favourites, "bookmark": w.bookmarks, "pin": w.pins}
        base = action.removeprefix("un")
        if base == "mute":  # the conversation's notifications stop (or start again)
            pair = (viewer, s.id)
            (w.thread_mutes.discard if action == "unmute" else w.thread_mutes.add)(pair)
            return Reply(200, w.status_json(s, viewer), "Status")
        if base == "reblog":
            mine = [x for x in w.statuses.values() if x.reblog_of == s.id and x.account == viewer]
            if action == "reblog" and not mine:
                wrapper = self.make_status(viewer, "", reblog_of=s.id)
                if s.account != viewer:
                    await self.push_note(self.notify("reblog", s.account, viewer, s.id))
                if self.server.mode != "takahe":
                    return Reply(200, w.status_json(wrapper, viewer), "Status")
            elif action == "unreblog":
                for x in mine:
                    del w.statuses[x.id]
            return Reply(200, w.status_json(s, viewer), "Status")
        target = sets[base].setdefault(viewer, set())
        if action.startswith("un"):
            target.discard(s.id)
        else:
            if base == "pin" and s.account != viewer:
                return Reply(
                    422, {"error": "Validation failed: you can only pin your own posts"}, "Error"
                )
            target.add(s.id)
            if base == "favourite" and s.account != viewer:
                await self.push_note(self.notify("favourite", s.account, viewer, s.id))
        return Reply(200, w.status_json(s, viewer), "Status")

    async def vote(self, req: Request, viewer: str, poll_id: str) -> Reply:
        p = self.w.polls.get(poll_id)
        if p is None:
            return err(404, "Record not found")
        choices = [int(c) for c in req.form.get("choices") or []]
        if viewer in p.votes:
            return Reply(
                422, {"error": "Validation failed: You have already voted on this poll"}, "Error"
            )
        if not choices or any(not 0 <= c < len(p.options) for c in choices):
            return Reply(422, {"error": "Validation failed: invalid choice"}, "Error")
        if not p.multiple and len(choices) > 1:
            return Reply(422, {"error": "Validation failed: only one choice"}, "Error")
        p.votes[viewer] = choices
        return Reply(200, self.w.poll_json(p, viewer), "Poll")

    # ----- media ---------------------------------------------------------------------------------
    async def upload(self, req: Request, viewer: str) -> Reply:
        upload = req.files.get("file")
        if upload is None:
            return Reply(422, {"error": "Validation failed: File can't be blank"}, "Error")
        description = req.form.get("description")
        m = Media(
            self.w.new_id(),
            viewer,
            re.sub(r"[^\w.-]", "_", upload[0]) or "file",
            description if isinstance(description, str) else "",
            len(upload[1]),
        )
        self.w.media[m.id] = m
        # Like Mastodon for large files: accepted, processed later (ready once fetched again).
        return Reply(202, self.w.media_json(m), "MediaAttachment")

    async def get_media(self, req: Request, viewer: str, media_id: str) -> Reply:
        m = self.w.media.get(media_id)
        if m is None or m.owner != viewer:
            return err(404, "Record not found")
        if not m.ready:
            m.ready = True
            return Reply(
                206, self.w.media_json(self.w.media[media_id]) | {"url": None}, "MediaAttachment"
            )
        return Reply(200, self.w.media_json(m), "MediaAttachment")

    async def update_media(self, req: Request, viewer: str, media_id: str) -> Reply:
        m = self.w.media.get(media_id)
        if m is None or m.owner != viewer:
            return err(404, "Record not found")
        if isinstance(req.form.get("description"), str):
            m.description = req.form["description"]
        return Reply(200, self.w.media_json(m), "MediaAttachment")

    async def list_scheduled(self, req: Request, viewer: str) -> Reply:
        mine = [
            self.public_scheduled(e) for e in self.w.scheduled.values() if e["_owner"] == viewer
        ]
        mine.sort(key=lambda e: int(e["id"]), reverse=True)
        return Reply(200, mine, "ScheduledStatus[]")

    async def cancel_scheduled(self, req: Request, viewer: str, sched_id: str) -> Reply:
        entry = self.w.scheduled.get(sched_id)
        if entry is None or entry["_owner"] != viewer:
            return err(404, "Record not found")
        del self.w.scheduled[sched_id]
        return Reply(200, {}, None)

    async def report(self, req: Request, viewer: str) -> Reply:
        f = req.form
        target = self.w.accounts.get(str(f.get("account_id")))
        if target is None:
            return err(404, "Record not found")
        report = {
            "id": self.w.new_id(),
            "action_taken": False,
            "action_taken_at": None,
            "category": f.get("category") or "other",
            "comment": str(f.get("comment") or ""),
            "forwarded": bool(f.get("forward")),
            "created_at": iso(self.w.tick()),
            "status_ids": [str(s) for s in f.get("status_ids") or []] or None,
            "rule_ids": [str(r) for r in f.get("rule_ids") or []] or None,
            "target_account": self.w.account_json(target),
        }
        self.w.reports.append(report)
        return Reply(200, report, "Report")

    async def search(self, req: Request, viewer: str) -> Reply:
        q = (req.arg("q") or "").strip()
        low = q.lower().lstrip("@#")
        accounts = [
            a
            for a in self.w.accounts.values()
            if low and (low in a.username.lower() or low == self.w.acct(a, bare_local=False))
        ]
        by_url = [
            s for s in self.w.statuses.values() if q in (self.w.status_json(s, viewer)["uri"],)
        ]
        statuses = by_url or [
            s
            for s in self.w.statuses.values()
            if low and low in s.text.lower() and self.w.visible(s, viewer)
        ]
        tags = sorted(
            {t for s in self.w.statuses.values() for t in self.w.tags(s) if low and low in t}
        )
        body = {
            "accounts": [self.w.account_json(a) for a in accounts],
            "statuses": [self.w.status_json(s, viewer) for s in statuses[:20]],
            "hashtags": [
                {
                    "id": str(i + 1),
                    "name": t,
                    "url": f"{self.w.base}/tags/{t}",
                    "history": [],
                    "following": False,
                }
                for i, t in enumerate(tags)
            ],
        }
        return Reply(200, body, "Search")

    # ----- test controls -------------------------------------------------------------------------
    async def test_status(self, req: Request, viewer: str | None) -> Reply:
        """Create a status as a seeded user ("as": "bob"), announced to streams and mentions."""
        author = self.w.by_username(str(req.form.get("as") or "bob"))
        if author is None:
            return err(404, "no such user")
        s = self.make_status(
            author.id,
            str(req.form.get("status") or ""),
            visibility=str(req.form.get("visibility") or "public"),
            in_reply_to=req.form.get("in_reply_to_id"),
        )
        self.set_poll(s, req.form.get("poll"))  # {"options": [...], "expires_in": ...}
        await self.announce(s)
        return Reply(200, {"id": s.id}, None)

    async def test_notification(self, req: Request, viewer: str | None) -> Reply:
        target = self.w.by_username(str(req.form.get("to") or "alice"))
        actor = self.w.by_username(str(req.form.get("from") or "bob"))
        if target is None or actor is None:
            return err(404, "no such user")
        note = self.notify(
            str(req.form.get("type") or "follow"), target.id, actor.id, req.form.get("status_id")
        )
        await self.push_note(note)
        return Reply(200, {"id": note.id}, None)

    async def test_fault(self, req: Request, viewer: str | None) -> Reply:
        f = req.form
        self.server.fault(
            str(f.get("path")),
            int(f.get("status") or 500),
            str(f.get("body") or ""),
            content_type=str(f.get("content_type") or "application/json"),
            headers={str(k): str(v) for k, v in (f.get("headers") or {}).items()},
            method=f.get("method"),
            times=int(f.get("times") or 1),
        )
        return Reply(200, {}, None)
