"""Mastodon private conversations: /api/v1/conversations (list, read state, delete) and direct
statuses (a reply with direct visibility into the conversation's thread)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from tui.model import Conversation, Draft, Post
from tui.networks.base import NotFound, Unsupported
from tui.networks.mastodon.parse import as_dict, as_list, sid


class Conversations:
    """Mixed into MastodonNetwork (which provides api, parser, composer and errors)."""

    api: Any
    parser: Any
    composer: Any
    account: Any
    kind: Any
    error: Any
    _me: Any

    def _last_seen(self) -> dict[str, str]:
        seen = self.__dict__.get("_conversation_last")
        if seen is None:
            seen = self.__dict__["_conversation_last"] = {}
        return seen

    def _conversation(self, value: Any) -> Conversation | None:
        data = as_dict(value)
        cid = sid(data.get("id"))
        if not cid:
            return None
        raw_last = data.get("last_status")
        last = self.parser.status(as_dict(raw_last)) if isinstance(raw_last, dict) else None
        if last is not None:
            self._last_seen()[cid] = sid(as_dict(raw_last).get("id"))
        people = tuple(self.parser.author(a) for a in as_list(data.get("accounts")))
        return Conversation(
            network=self.kind,
            account=self.account.name,
            uid=cid,
            participants=people,
            last=last,
            unread=data.get("unread") is True,
            updated_at=last.created_at if last is not None else Conversation.updated_at,
        )

    async def conversations(self, limit: int = 40) -> list[Conversation]:
        listing = await self.api.listing("/api/v1/conversations", [("limit", str(limit))])
        found = (self._conversation(c) for c in listing.items)
        return [c for c in found if c is not None]

    async def conversation(self, uid: str) -> list[Post]:
        status_id = self._last_seen().get(uid)
        if status_id is None:
            await self.conversations()
            status_id = self._last_seen().get(uid)
        if not status_id:
            raise self.error(NotFound, "no such conversation")
        context = as_dict(await self.api.context(status_id))
        last = await self.api.status(status_id)
        raw = [*as_list(context.get("ancestors")), last, *as_list(context.get("descendants"))]
        posts = [self.parser.item(s) for s in raw]
        return [p for p in posts if isinstance(p, Post) and p.visibility == "direct"]

    async def send_message(self, to: tuple[str, ...] | Conversation, text: str) -> Post:
        if not text.strip():
            raise self.error(Unsupported, "the message is empty")
        me = self._me.handle if self._me is not None else ""
        if isinstance(to, Conversation):
            handles = [a.handle for a in to.participants]
            reply_to = to.last
        else:
            handles, reply_to = [h.strip().lstrip("@") for h in to], None
        handles = [h for h in dict.fromkeys(handles) if h and h != me]
        if not handles:
            raise self.error(Unsupported, "a private message needs someone to go to: mention them")
        # Mastodon delivers a direct status to the people it mentions, and only to them.
        missing = [h for h in handles if f"@{h}".lower() not in text.lower()]
        body = "".join(f"@{h} " for h in missing) + text
        draft = Draft(text=body, visibility="direct", reply_to=reply_to)
        return await self.composer.publish(draft)

    async def mark_conversation_read(self, uid: str) -> None:
        await self.api.http.post_json(f"/api/v1/conversations/{quote(uid, safe='')}/read")

    async def delete_conversation(self, uid: str) -> None:
        path = f"/api/v1/conversations/{quote(uid, safe='')}"
        self.api.http.parse(await self.api.http.request("DELETE", path))
        self._last_seen().pop(uid, None)
