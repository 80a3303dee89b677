"""Bluesky's mute and block lists for the "Mutes and blocks" screen
(app.bsky.graph.getMutes / getBlocks); muted threads cannot be listed by the AppView."""

from __future__ import annotations

from typing import Any

from tui.networks.base import Muted
from tui.networks.bluesky import parse

MAX_PAGES = 20  # of 100 accounts each


class BlueskyMutes:
    """Mixed into BlueskyNetwork (which provides `_ready` and `ctx`)."""

    _ready: Any
    _ctx: Any

    async def _graph_list(self, nsid: str, key: str) -> list[Any]:
        x = await self._ready()
        found: list[Any] = []
        cursor = ""
        for _ in range(MAX_PAGES):
            params: dict[str, Any] = {"limit": 100}
            if cursor:
                params["cursor"] = cursor
            body = await x.query(nsid, params)
            items = body.get(key) if isinstance(body, dict) else None
            if not isinstance(items, list) or not items:
                break
            found += items
            nxt = body.get("cursor")
            if not isinstance(nxt, str) or not nxt or nxt == cursor:
                break
            cursor = nxt
        return found

    async def muted(self) -> list[Muted]:
        entries: list[Muted] = []
        for kind, nsid, key in (
            ("mute", "app.bsky.graph.getMutes", "mutes"),
            ("block", "app.bsky.graph.getBlocks", "blocks"),
        ):
            for view in await self._graph_list(nsid, key):
                author = parse.parse_author(view, self._ctx)
                if author is not None:
                    entries.append(Muted(kind, author.uid, f"@{author.handle}"))
        return entries

    async def unmute_thread(self, uid: str) -> None:
        x = await self._ready()
        await x.procedure("app.bsky.graph.unmuteThread", {"root": uid})
