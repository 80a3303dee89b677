"""The Mastodon client API endpoints, as raw JSON over the shared `Http` client.

Only transport concerns live here: which path, which parameters, Link-header paging, waiting for
media to be processed. Turning JSON into model objects is parse.py's job.
"""

from __future__ import annotations

import asyncio
import mimetypes
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tui.networks.base import BadResponse, NotFound, Transient
from tui.networks.http import Http

MEDIA_POLL_INTERVAL = 0.5
MEDIA_POLL_ATTEMPTS = 120

Params = list[tuple[str, Any]]


def page_links(http: Http, response: httpx.Response) -> tuple[str | None, str | None]:
    """The Link header's next and prev URLs (httpx parses it), resolved against the request URL
    and kept only when on this server's scheme, host and port, so that following them never
    sends the token (or our reading position) elsewhere."""
    found: list[str | None] = []
    for rel in ("next", "prev"):
        target = (response.links.get(rel) or {}).get("url") or ""
        try:
            url = str(response.url.join(target)) if target else ""
        except (httpx.InvalidURL, TypeError, ValueError):
            url = ""
        found.append(url if url and http.same_origin(url) else None)
    return found[0], found[1]


@dataclass(frozen=True, slots=True)
class Listing:
    """One page of a list endpoint: the JSON items and the Link header's next/prev URLs."""

    items: list[Any]
    next: str | None
    prev: str | None


class MastodonApi:
    def __init__(self, http: Http) -> None:
        self.http = http

    # ----- paging --------------------------------------------------------------------------------
    async def listing(self, path_or_url: str, params: Params | None = None) -> Listing:
        """GET a list endpoint, with its same-origin Link URLs (see `page_links`)."""
        response = await self.http.request("GET", path_or_url, params=params)
        body = self.http.parse(response)
        if not isinstance(body, list):
            raise self.http._error(BadResponse, "server answered an object where a list was due")
        nxt, prev = page_links(self.http, response)
        return Listing(items=body, next=nxt, prev=prev)

    # ----- apps and accounts ---------------------------------------------------------------------
    async def register_app(self, name: str, redirect_uri: str, scopes: str, website: str) -> Any:
        # As a form: every server takes it so (a JSON string is not the array 4.3+ documents,
        # and a JSON array is refused by older servers); one form value is a one-item array.
        return await self.http.post_json(
            "/api/v1/apps",
            data={
                "client_name": name,
                "redirect_uris": redirect_uri,
                "scopes": scopes,
                "website": website,
            },
            auth=False,
        )

    async def token(self, form: Mapping[str, str]) -> Any:
        return await self.http.post_json("/oauth/token", data=dict(form), auth=False)

    async def verify_credentials(self) -> Any:
        return await self.http.get_json("/api/v1/accounts/verify_credentials")

    async def instance(self) -> tuple[Any, int]:
        """The instance entity, v2 if the server has it, else v1: (json, version)."""
        try:
            return await self.http.get_json("/api/v2/instance", auth=False), 2
        except (NotFound, BadResponse):
            return await self.http.get_json("/api/v1/instance", auth=False), 1

    async def account(self, account_id: str) -> Any:
        return await self.http.get_json(f"/api/v1/accounts/{account_id}")

    async def lookup(self, acct: str) -> Any:
        return await self.http.get_json("/api/v1/accounts/lookup", params={"acct": acct})

    async def relationships(self, account_ids: Sequence[str]) -> Any:
        return await self.http.get_json(
            "/api/v1/accounts/relationships", params=[("id[]", i) for i in account_ids]
        )

    async def account_action(self, account_id: str, action: str, form: Any = None) -> Any:
        """follow, unfollow, mute, unmute, block, unblock: answers a Relationship."""
        return await self.http.post_json(f"/api/v1/accounts/{account_id}/{action}", json=form)

    async def follow_requests(self, limit: int = 40) -> Listing:
        return await self.listing("/api/v1/follow_requests", [("limit", limit)])

    async def answer_follow_request(self, account_id: str, answer: str) -> Any:
        """authorize or reject: answers a Relationship."""
        return await self.http.post_json(f"/api/v1/follow_requests/{account_id}/{answer}")

    async def report(self, form: Mapping[str, Any]) -> Any:
        return await self.http.post_json("/api/v1/reports", json=dict(form))

    async def rules(self) -> Any:
        return await self.http.get_json("/api/v1/instance/rules", auth=False)

    # ----- statuses ------------------------------------------------------------------------------
    async def status(self, status_id: str) -> Any:
        return await self.http.get_json(f"/api/v1/statuses/{status_id}")

    async def context(self, status_id: str) -> Any:
        return await self.http.get_json(f"/api/v1/statuses/{status_id}/context")

    async def history(self, status_id: str) -> Any:
        return await self.http.get_json(f"/api/v1/statuses/{status_id}/history")

    async def source(self, status_id: str) -> Any:
        return await self.http.get_json(f"/api/v1/statuses/{status_id}/source")

    async def post_status(self, form: Mapping[str, Any], idempotency_key: str) -> Any:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return await self.http.post_json("/api/v1/statuses", json=dict(form), headers=headers)

    async def edit_status(self, status_id: str, form: Mapping[str, Any]) -> Any:
        return self.http.parse(
            await self.http.request("PUT", f"/api/v1/statuses/{status_id}", json=dict(form))
        )

    async def delete_status(self, status_id: str) -> Any:
        return self.http.parse(await self.http.request("DELETE", f"/api/v1/statuses/{status_id}"))

    async def status_action(self, status_id: str, action: str) -> Any:
        """favourite, unfavourite, reblog, unreblog, bookmark, unbookmark, pin, unpin."""
        return await self.http.post_json(f"/api/v1/statuses/{status_id}/{action}")

    async def vote(self, poll_id: str, choices: Sequence[int]) -> Any:
        return await self.http.post_json(
            f"/api/v1/polls/{poll_id}/votes", json={"choices": list(choices)}
        )

    async def scheduled(self) -> Listing:
        return await self.listing("/api/v1/scheduled_statuses")

    async def cancel_scheduled(self, scheduled_id: str) -> None:
        await self.http.request("DELETE", f"/api/v1/scheduled_statuses/{scheduled_id}")

    # ----- media ---------------------------------------------------------------------------------
    async def upload(self, path: str, description: str, mime: str = "") -> Any:
        """Upload through /api/v2/media, then wait until the server has processed it (a 202
        answer has no url yet). Falls back to /api/v1/media on servers without v2."""
        file = Path(path)
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise BadResponse(f"cannot read {file.name}: {exc.strerror}") from None
        mime = mime or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        files = {"file": (file.name, content, mime)}
        data = {"description": description} if description else None
        try:
            response = await self.http.request("POST", "/api/v2/media", files=files, data=data)
        except NotFound:
            response = await self.http.request("POST", "/api/v1/media", files=files, data=data)
        media = self.http.parse(response)
        if response.status_code == 202 or not _dict(media).get("url"):
            media = await self._wait_processed(str(_dict(media).get("id", "")))
        return media

    async def _wait_processed(self, media_id: str) -> Any:
        for _ in range(MEDIA_POLL_ATTEMPTS):
            await asyncio.sleep(MEDIA_POLL_INTERVAL)
            response = await self.http.request("GET", f"/api/v1/media/{media_id}")
            if response.status_code == 200:
                return self.http.parse(response)
        raise self.http._error(Transient, "the server is still processing the media; try later")

    async def update_media(self, media_id: str, description: str) -> Any:
        return self.http.parse(
            await self.http.request(
                "PUT", f"/api/v1/media/{media_id}", data={"description": description}
            )
        )

    # ----- reading -------------------------------------------------------------------------------
    async def notifications_v2(
        self, params: Params, url: str = "/api/v2/notifications"
    ) -> tuple[Any, Listing]:
        response = await self.http.request("GET", url, params=params or None)
        body = self.http.parse(response)
        nxt, prev = page_links(self.http, response)
        return body, Listing(items=[], next=nxt, prev=prev)

    async def markers(self, timelines: Sequence[str]) -> Any:
        return await self.http.get_json(
            "/api/v1/markers", params=[("timeline[]", t) for t in timelines]
        )

    async def set_marker(self, timeline: str, last_read_id: str) -> Any:
        return await self.http.post_json(
            "/api/v1/markers", json={timeline: {"last_read_id": last_read_id}}
        )

    async def search(self, query: str, limit: int = 20) -> Any:
        return await self.http.get_json(
            "/api/v2/search", params={"q": query, "resolve": "true", "limit": limit}
        )

    async def lists(self) -> Any:
        return await self.http.get_json("/api/v1/lists")


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
