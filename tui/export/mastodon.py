"""Export a Mastodon-API account: statuses, bookmarks and favourites as JSON Lines, and the CSV
files Mastodon's own import page takes (Settings > Import and export > Import).

The CSV files match what Mastodon's own export writes, row for row:
- following_accounts.csv: header `Account address,Show boosts,Notify on new posts,Languages`,
  then `user@domain,true,false,"en, de"` (languages empty when not restricted);
- lists.csv: no header, `list title,user@domain` for each member of each list;
- blocked_accounts.csv: no header, one `user@domain` a line;
- muted_accounts.csv: header `Account address,Hide notifications`, then `user@domain,true`.
Local accounts are written with this server's domain, as Mastodon does, so the files mean the
same people when imported on another server.
"""

from __future__ import annotations

import mimetypes
import os
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import aclosing
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from tui import text
from tui.export.base import (
    FILE_MODE,
    ExportContext,
    JsonlWriter,
    read_jsonl,
    write_csv,
    write_posts,
)
from tui.model import Post
from tui.networks.base import NetworkError

if TYPE_CHECKING:
    from tui.networks.mastodon.network import MastodonNetwork

STATUS_PAGE = 40
ACCOUNT_PAGE = 80
RELATIONSHIP_BATCH = 40
FOLLOWING_HEADER = ("Account address", "Show boosts", "Notify on new posts", "Languages")
MUTED_HEADER = ("Account address", "Hide notifications")
_ADDRESS = re.compile(r"[^\s@,]+@[^\s@,/]+\Z")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


def _id(value: Any) -> str:
    from tui.networks.mastodon.parse import sid

    return sid(value)


def _newest_first(ids: set[str]) -> list[str]:
    return sorted(ids, key=lambda i: (len(i), i), reverse=True)


async def _pages(
    network: MastodonNetwork, path: str, limit: int, params: list[tuple[str, str]] | None = None
) -> AsyncIterator[list[Any]]:
    """Every page of a list endpoint, following the Link header (same server only) to the end."""
    url: str | None = path
    query: list[tuple[str, str]] | None = [*(params or []), ("limit", str(limit))]
    asked: set[str] = set()
    while url is not None:
        listing = await network.api.listing(url, query)
        if not listing.items:
            return
        yield listing.items
        asked.add(url)
        url, query = listing.next, None
        if url in asked:
            return


class _Progress:
    def __init__(self, ctx: ExportContext, what: str) -> None:
        self.ctx, self.what, self.pages = ctx, what, 0

    def page(self, items: int) -> None:
        self.pages += 1
        s = "s" if self.pages != 1 else ""
        self.ctx.progress(f"{self.what}: {self.pages} page{s}, {items} items")


async def _statuses(network: MastodonNetwork, ctx: ExportContext, account_id: str) -> None:
    """All my statuses, newest first as the server pages them. A resumed run pages from the top
    until it meets what the interrupted run wrote, then goes on below the oldest of those."""
    path = f"/api/v1/accounts/{quote(account_id, safe='')}/statuses"
    progress = _Progress(ctx, "statuses")
    with ctx.jsonl("statuses.jsonl") as out:
        jumped = out.kept == 0
        params: list[tuple[str, str]] = []
        while True:
            met_earlier = False
            async with aclosing(_pages(network, path, STATUS_PAGE, params)) as pages:
                async for page in pages:
                    added = repeated = 0
                    for status in page:
                        if not isinstance(status, Mapping) or not _id(status.get("id")):
                            continue
                        if out.add(status):
                            added += 1
                        else:
                            repeated += 1
                    out.flush()
                    progress.page(out.total)
                    if repeated and not jumped:
                        met_earlier = True
                        break
                    if not added:
                        break  # nothing new: the server sent a page again
            if not met_earlier:
                break
            jumped = True
            params = [("max_id", _newest_first(out.seen)[-1])]
    ctx.files["statuses.jsonl"] = (
        "every status you wrote (boosts included), as the server's API gives it: text as HTML, "
        "media URLs and alt text (`description`), polls, visibility"
    )
    await _download_media(network, ctx, out)


async def _download_media(network: MastodonNetwork, ctx: ExportContext, out: JsonlWriter) -> None:
    if not ctx.media:
        return
    folder = ctx.dest / "media"
    folder.mkdir(mode=0o700, exist_ok=True)
    done = missed = 0
    for status in read_jsonl(out.path):
        for attachment in status.get("media_attachments") or ():
            if not isinstance(attachment, Mapping):
                continue
            url = attachment.get("url") or attachment.get("remote_url")
            media_id = _id(attachment.get("id"))
            if (
                not isinstance(url, str)
                or not media_id
                or not url.startswith(("http://", "https:"))
            ):
                continue
            suffix = Path(urlsplit(url).path).suffix
            suffix = suffix if re.fullmatch(r"\.[A-Za-z0-9]{1,8}", suffix) else ""
            if not suffix:
                mime = attachment.get("type")
                suffix = mimetypes.guess_extension(str(mime)) or "" if mime else ""
            target = folder / _SAFE_NAME.sub("_", media_id + suffix)
            if target.exists() and ctx.resume:
                continue
            try:
                data = await network.http.download(url)
            except NetworkError as exc:  # one file lost is said, and the others still come
                missed += 1
                ctx.progress(f"media: could not download {media_id}: {exc.message}")
                continue
            partial = target.with_name(target.name + ".partial")
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            partial.replace(target)
            done += 1
            ctx.progress(f"media: {done} files")
    what = "the images, videos and sounds attached to your statuses (by media id)"
    if missed:
        what += f"; {missed} could not be downloaded (their URLs are in statuses.jsonl)"
    ctx.files["media/"] = what


async def _timeline(
    network: MastodonNetwork, ctx: ExportContext, path: str, name: str, what: str, label: str
) -> None:
    progress = _Progress(ctx, label)
    with ctx.jsonl(name) as out:
        async with aclosing(_pages(network, path, STATUS_PAGE)) as pages:
            async for page in pages:
                added = sum(out.add(s) for s in page if isinstance(s, Mapping) and _id(s.get("id")))
                out.flush()
                progress.page(out.total)
                if not added and not ctx.resume:
                    break  # the server sent the same page again
    ctx.files[name] = what


def _address(network: MastodonNetwork, account: Any) -> str:
    """`user@domain` for an account entity (local ones completed with this server's domain);
    "" for anything that is not an address."""
    acct = account.get("acct") if isinstance(account, Mapping) else None
    if not isinstance(acct, str):
        return ""
    acct = acct.strip().lstrip("@")
    if "@" not in acct and network.parser.domain:
        acct = f"{acct}@{network.parser.domain}"
    if text.clean_line(acct, 300) != acct or not _ADDRESS.match(acct):
        return ""
    return acct


async def _accounts(network: MastodonNetwork, ctx: ExportContext, path: str, label: str) -> list:
    found: list[Mapping[str, Any]] = []
    progress = _Progress(ctx, label)
    async for page in _pages(network, path, ACCOUNT_PAGE):
        found += [a for a in page if isinstance(a, Mapping) and _id(a.get("id"))]
        progress.page(len(found))
    return found


async def _relationships(network: MastodonNetwork, ids: list[str]) -> dict[str, Mapping[str, Any]]:
    found: dict[str, Mapping[str, Any]] = {}
    for i in range(0, len(ids), RELATIONSHIP_BATCH):
        for rel in await network.api.relationships(ids[i : i + RELATIONSHIP_BATCH]) or ():
            if isinstance(rel, Mapping) and _id(rel.get("id")):
                found[_id(rel.get("id"))] = rel
    return found


def _languages(value: Any) -> str:
    if not isinstance(value, list):
        return ""
    codes = [v for v in value if isinstance(v, str) and re.fullmatch(r"[A-Za-z-]{2,12}", v)]
    return ", ".join(codes)


async def _following(network: MastodonNetwork, ctx: ExportContext, account_id: str) -> None:
    path = f"/api/v1/accounts/{quote(account_id, safe='')}/following"
    accounts = await _accounts(network, ctx, path, "following")
    rels = await _relationships(network, [_id(a.get("id")) for a in accounts])
    rows: list[tuple[object, ...]] = [FOLLOWING_HEADER]
    for a in accounts:
        address = _address(network, a)
        if not address:
            continue
        rel = rels.get(_id(a.get("id")), {})
        rows.append(
            (
                address,
                rel.get("showing_reblogs") is not False,
                rel.get("notifying") is True,
                _languages(rel.get("languages")),
            )
        )
    write_csv(ctx.dest / "following_accounts.csv", rows)
    ctx.files["following_accounts.csv"] = (
        "whom you follow, for Mastodon's import (type: Following list)"
    )


async def _lists(network: MastodonNetwork, ctx: ExportContext) -> None:
    rows: list[tuple[object, ...]] = []
    for entry in await network.api.lists() or ():
        if not isinstance(entry, Mapping) or not _id(entry.get("id")):
            continue
        title = text.clean_line(entry.get("title") or "", 200) if entry.get("title") else ""
        path = f"/api/v1/lists/{quote(_id(entry.get('id')), safe='')}/accounts"
        for member in await _accounts(network, ctx, path, f"list {title}"):
            address = _address(network, member)
            if address and title:
                rows.append((title, address))
    write_csv(ctx.dest / "lists.csv", rows)
    ctx.files["lists.csv"] = "your lists and who is in them, for Mastodon's import (type: Lists)"


async def _blocks_and_mutes(network: MastodonNetwork, ctx: ExportContext) -> None:
    blocked = await _accounts(network, ctx, "/api/v1/blocks", "blocked")
    write_csv(
        ctx.dest / "blocked_accounts.csv",
        [(a,) for a in (_address(network, b) for b in blocked) if a],
    )
    ctx.files["blocked_accounts.csv"] = (
        "whom you block, for Mastodon's import (type: Blocking list)"
    )
    muted = await _accounts(network, ctx, "/api/v1/mutes", "muted")
    rels = await _relationships(network, [_id(a.get("id")) for a in muted])
    rows: list[tuple[object, ...]] = [MUTED_HEADER]
    for a in muted:
        address = _address(network, a)
        if address:
            rel = rels.get(_id(a.get("id")), {})
            rows.append((address, rel.get("muting_notifications") is not False))
    write_csv(ctx.dest / "muted_accounts.csv", rows)
    ctx.files["muted_accounts.csv"] = "whom you mute, for Mastodon's import (type: Muting list)"


def _own_posts(network: MastodonNetwork, ctx: ExportContext) -> list[Post]:
    posts = []
    for status in read_jsonl(ctx.dest / "statuses.jsonl"):
        item = network.parser.item(status)
        if isinstance(item, Post) and item.repost_of is None:
            posts.append(item)
    return posts


async def export(network: MastodonNetwork, ctx: ExportContext) -> None:
    me = network.me
    if me is None:
        from tui.networks.base import AuthError

        raise network.error(AuthError, "the server did not say who this account is")
    account_id = me.uid.rsplit(":", 1)[-1]
    await _statuses(network, ctx, account_id)
    count = write_posts(
        ctx, _own_posts(network, ctx), "your own posts and replies, oldest first (Murmur's JSON)"
    )
    ctx.progress(f"posts: {count} written")
    await _timeline(
        network,
        ctx,
        "/api/v1/bookmarks",
        "bookmarks.jsonl",
        "the statuses you bookmarked, newest bookmark first, as the server gives them",
        "bookmarks",
    )
    await _timeline(
        network,
        ctx,
        "/api/v1/favourites",
        "favourites.jsonl",
        "the statuses you favourited, newest first, as the server gives them",
        "favourites",
    )
    await _following(network, ctx, account_id)
    await _lists(network, ctx)
    await _blocks_and_mutes(network, ctx)
