"""Writing on Mastodon: publish (media, poll, CW, schedule), edit with history, scheduled posts."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tui.model import Draft, MediaUpload, Placeholder, PollDraft, Post
from tui.networks.base import BadResponse, NetworkError, Unsupported
from tui.networks.mastodon.parse import as_dict, as_list, sid, when
from tui.text import clean, html_to_rich, plain_to_rich

if TYPE_CHECKING:
    from tui.networks.mastodon.network import MastodonNetwork

_HTML_RE = re.compile(r"<(p|br|a|span)[\s/>]", re.IGNORECASE)
# Who can read a post, narrowest first.
VISIBILITIES = ("direct", "private", "unlisted", "public")


def _reach(visibility: str) -> int:
    return VISIBILITIES.index(visibility) if visibility in VISIBILITIES else len(VISIBILITIES)


class Composer:
    def __init__(self, net: MastodonNetwork) -> None:
        self.net = net

    async def _media_ids(self, draft: Draft) -> list[str]:
        limit = self.net.limits.max_media
        if len(draft.media) > limit:
            raise self.net.error(BadResponse, f"this server allows at most {limit} attachments")
        ids = []
        # One at a time, so the attachments keep the order the user chose.
        for upload in draft.media:
            media = as_dict(await self.net.api.upload(upload.path, upload.alt, upload.mime))
            media_id = sid(media.get("id"))
            if not media_id:
                raise self.net.error(BadResponse, "the server did not say which media it stored")
            ids.append(media_id)
        return ids

    def _form(self, draft: Draft, media_ids: list[str]) -> dict[str, Any]:
        form: dict[str, Any] = {"status": draft.text}
        if draft.content_warning:
            form["spoiler_text"] = draft.content_warning
        if draft.sensitive or (draft.content_warning and media_ids):
            form["sensitive"] = True
        if draft.language:
            form["language"] = draft.language
        if media_ids:
            form["media_ids"] = media_ids
        if draft.poll is not None:
            form["poll"] = {
                "options": list(draft.poll.options),
                "expires_in": draft.poll.expires_in,
                "multiple": draft.poll.multiple,
                "hide_totals": draft.poll.hide_totals,
            }
        return form

    def _check(self, draft: Draft) -> None:
        if draft.visibility and draft.visibility not in VISIBILITIES:
            raise self.net.error(
                Unsupported,
                f"Mastodon has no visibility {draft.visibility!r}: "
                "public, unlisted, private or direct",
            )
        if not draft.text.strip() and not draft.media:
            raise self.net.error(BadResponse, "nothing to post: the text is empty")
        if draft.quote_of is not None:
            raise self.net.error(Unsupported, "quoting is not supported on Mastodon here")
        if draft.poll is not None and draft.media:
            raise self.net.error(BadResponse, "a post cannot have both a poll and media")

    def _post(self, answer: Any) -> Post:
        item = self.net.parser.item(answer)
        if isinstance(item, Placeholder):
            raise self.net.error(BadResponse, f"the server's answer was unreadable ({item.reason})")
        return item

    def visibility(self, draft: Draft) -> str:
        """The visibility to ask for: the draft's own; for a reply without one, a private or
        direct parent's (the server's default could be public: never widen a conversation)."""
        if draft.visibility or draft.reply_to is None:
            return draft.visibility
        parent = draft.reply_to.shown.visibility
        return parent if parent in ("direct", "private") else ""

    async def publish(self, draft: Draft) -> Post:
        self._check(draft)
        media_ids = await self._media_ids(draft)
        form = self._form(draft, media_ids)
        visibility = self.visibility(draft)
        if visibility:
            form["visibility"] = visibility
        if draft.reply_to is not None:
            form["in_reply_to_id"] = await self.net.own_status_id(draft.reply_to.shown)
        if draft.scheduled_at is not None:
            form["scheduled_at"] = draft.scheduled_at.astimezone(UTC).isoformat()
        answer = await self.net.api.post_status(form, draft.idempotency_key)
        if draft.scheduled_at is not None:
            return self.scheduled_post(answer)
        post = self._post(answer)
        if visibility and _reach(post.visibility) > _reach(visibility):
            await self._withdraw(post, visibility)
        return post

    async def _withdraw(self, post: Post, asked: str) -> None:
        """The server published wider than asked (it does not know that visibility): take the
        post down at once and say so; a post is never silently readable by more people."""
        shown = post.visibility or "public"
        try:
            await self.net.api.delete_status(self.net.status_id(post))
        except NetworkError as exc:
            raise self.net.error(
                BadResponse,
                f"the server published this post as {shown}, not {asked}, and deleting it "
                f"failed ({exc.message}): delete it yourself",
            ) from None
        raise self.net.error(
            Unsupported,
            f"the server published this post as {shown}, not {asked}: it was deleted again",
        )

    async def edit(self, post: Post, draft: Draft) -> Post:
        self._check(draft)
        if draft.visibility and post.visibility and draft.visibility != post.visibility:
            raise self.net.error(
                Unsupported,
                "Mastodon cannot change who can see a post once it is sent "
                f"(it is {post.visibility}): delete it and post again",
            )
        # The attachments the draft keeps (all of them when it names none) and new uploads.
        named = [m.remote_id for m in draft.media if m.remote_id]
        kept = named or [m for m in post.ref.get("media_ids", "").split(",") if m]
        new = replace(draft, media=tuple(m for m in draft.media if not m.remote_id))
        form = self._form(draft, kept + await self._media_ids(new))
        form.setdefault("spoiler_text", "")
        form.setdefault("sensitive", False)
        described = [{"id": m.remote_id, "description": m.alt} for m in draft.media if m.remote_id]
        if described:
            form["media_attributes"] = described
        return self._post(await self.net.api.edit_status(self.net.status_id(post), form))

    async def history(self, post: Post) -> list[Post]:
        """Every version of an edited post, oldest first; each carries its own created_at."""
        status_id = self.net.status_id(post)
        versions = []
        for n, edit in enumerate(as_list(await self.net.api.history(status_id))):
            data = {**as_dict(edit), "id": status_id, "uri": post.key, "url": post.url}
            poll = as_dict(data.get("poll"))
            if poll.get("options"):  # a version's poll has choices only: no id, no counts
                data["poll"] = {**poll, "id": f"{status_id}#{n}"}
            item = self.net.parser.item(data)
            if isinstance(item, Post):
                item = replace(item, uid=f"{post.uid}#{n}", key="", edited_at=item.created_at)
            versions.append(item)
        return [v for v in versions if isinstance(v, Post)]

    async def source(self, post: Post) -> Draft:
        """A draft holding the post as its author wrote it, to edit."""
        data = as_dict(await self.net.api.source(self.net.status_id(post)))
        raw = data.get("text") if isinstance(data.get("text"), str) else ""
        # Takahē answers HTML here where Mastodon answers the plain source.
        body = html_to_rich(raw).text if _HTML_RE.search(raw) else clean(raw)
        cw = data.get("spoiler_text")
        ids = [m for m in post.ref.get("media_ids", "").split(",") if m]
        media = tuple(
            MediaUpload("", alt=m.alt, remote_id=media_id)
            for media_id, m in zip(ids, post.media, strict=False)
        )
        poll = None
        if post.poll is not None:
            left = 86400
            if post.poll.expires_at is not None:
                left = int((post.poll.expires_at - datetime.now(UTC)).total_seconds())
            poll = PollDraft(
                tuple(o.title for o in post.poll.options),
                expires_in=max(300, left),
                multiple=post.poll.multiple,
            )
        return Draft(
            text=body,
            targets=(self.net.account.name,),
            content_warning=clean(cw, max_len=1000) if isinstance(cw, str) else "",
            sensitive=post.sensitive,
            visibility=post.visibility,
            language=post.language,
            media=media,
            poll=poll,
        )

    async def scheduled(self) -> list[Post]:
        listing = await self.net.api.scheduled()
        return [self.scheduled_post(s) for s in listing.items if sid(as_dict(s).get("id"))]

    def scheduled_post(self, answer: Any) -> Post:
        """A ScheduledStatus shown as a post dated when it will go out."""
        data = as_dict(answer)
        scheduled_id = sid(data.get("id"))
        at = when(data.get("scheduled_at"))
        me = self.net.me
        if not scheduled_id or at is None or me is None:
            raise self.net.error(
                BadResponse, "the server's answer about the scheduled post is unreadable"
            )
        params = as_dict(data.get("params"))
        body = params.get("text")
        cw = params.get("spoiler_text")
        return Post(
            network=self.net.kind,
            account=self.net.account.name,
            uid=self.net.parser.post_uid(f"scheduled:{scheduled_id}"),
            created_at=at,
            author=me,
            content=plain_to_rich(body) if isinstance(body, str) else plain_to_rich(""),
            content_warning=clean(cw, max_len=1000) if isinstance(cw, str) else "",
            visibility=params.get("visibility")
            if isinstance(params.get("visibility"), str)
            else "",
            media=tuple(
                m
                for m in (self.net.parser.media(a) for a in as_list(data.get("media_attachments")))
                if m
            ),
            ref={"scheduled_id": scheduled_id},
        )
