"""Mastodon mutes and blocks: thread mutes (/statuses/:id/mute), timed mutes (`duration`),
and the lists behind the "Mutes and blocks" screen (/api/v1/mutes, /api/v1/blocks)."""

from __future__ import annotations

from typing import Any

from tui.model import Post, Relationship
from tui.networks.base import Muted
from tui.networks.mastodon.parse import Malformed, as_dict, when
from tui.text import clean_line

MAX_PAGES = 20  # of 80 accounts each: a mute list longer than that is cut, never endless


class Moderation:
    """Mixed into MastodonNetwork (which provides api, parser, account_id and status ids)."""

    api: Any
    parser: Any
    account_id: Any
    own_status_id: Any
    status_id: Any

    def _threads(self) -> dict[str, str]:
        """Threads muted from this app (status id -> label): the API cannot list them."""
        found = self.__dict__.get("_muted_threads")
        if found is None:
            found = self.__dict__["_muted_threads"] = {}
        return found

    async def mute(self, who: str, undo: bool = False, *, duration: int = 0) -> Relationship:
        account_id = await self.account_id(who)
        if undo:
            answer = await self.api.account_action(account_id, "unmute")
        else:
            form: dict[str, Any] = {"notifications": True}
            if duration > 0:
                form["duration"] = int(duration)
            answer = await self.api.account_action(account_id, "mute", form)
        return self.parser.relationship(answer)

    async def mute_thread(self, post: Post, undo: bool = False) -> None:
        shown = post.shown
        status_id = await self.own_status_id(shown)
        await self.api.status_action(status_id, "unmute" if undo else "mute")
        if undo:
            self._threads().pop(status_id, None)
        else:
            label = clean_line(f"@{shown.author.handle}: {shown.content.text}", 80)
            self._threads()[status_id] = label

    async def unmute_thread(self, uid: str) -> None:
        status_id = uid.rsplit(":", 1)[-1]
        await self.api.status_action(status_id, "unmute")
        self._threads().pop(status_id, None)

    async def _accounts(self, path: str) -> list[Any]:
        found: list[Any] = []
        listing = await self.api.listing(path, [("limit", 80)])
        for _ in range(MAX_PAGES):
            found += listing.items
            if not listing.next or not listing.items:
                break
            listing = await self.api.listing(listing.next)
        return found

    async def muted(self) -> list[Muted]:
        entries: list[Muted] = []
        for kind, path in (("mute", "/api/v1/mutes"), ("block", "/api/v1/blocks")):
            for raw in await self._accounts(path):
                try:
                    author = self.parser.author(raw)
                except Malformed:
                    continue  # an entry without id or handle cannot be shown nor undone
                until = when(as_dict(raw).get("mute_expires_at")) if kind == "mute" else None
                entries.append(Muted(kind, author.uid, f"@{author.handle}", until))
        for status_id, label in self._threads().items():
            entries.append(Muted("thread", self.parser.post_uid(status_id), label))
        return entries
