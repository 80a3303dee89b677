"""Export a Bluesky account: the whole repository, the posts, the follows and the blobs.

Written into `ctx.dest`, in this order (the most valuable first):

- `repo.car`: the repository as `com.atproto.sync.getRepo` serves it, streamed to disk, checked
  block by block against the CIDs (`tui.export.car`). atproto's own tools read it
  (@atproto/repo, goat), and a PDS imports it (`com.atproto.repo.importRepo`) when an account
  moves; it holds every record, follows included, under the account's signature.
- `posts.jsonl`: own posts and replies, oldest first, in the `--json` shape. They come from the
  repository itself (`com.atproto.repo.listRecords` on the PDS), not the AppView's author feed:
  the repo holds every post the account wrote, while the feed holds what the AppView indexed
  and chooses to show, mixed with reposts and pins.
- `following.csv`: `did,handle,followed_at` per follow record. Bluesky has no follow import; the
  DID is what identifies an account (handles change), the handle is for people.
- `blobs.txt`: every blob (`com.atproto.sync.listBlobs`), one line per blob and record using it:
  CID, MIME type, size, the record's AT-URI (tab-separated, with a header line).
- `blobs/<cid>` with `ctx.media`: each blob via `com.atproto.sync.getBlob`, checked against its
  CID; one already there and matching is not fetched again.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from tui.export import car
from tui.export.base import ExportContext, post_record
from tui.model import Post
from tui.networks.base import AuthError, BadResponse, NetworkError
from tui.networks.bluesky import parse
from tui.networks.bluesky.network import FOLLOW, BlueskyNetwork
from tui.networks.bluesky.syntax import is_did, is_handle, parse_at_uri
from tui.networks.bluesky.xrpc import TOKEN_ERRORS, error_code
from tui.text import clean_line

BlobRef = tuple[str, str, int | None, str]  # cid, mime, size, the AT-URI of the record using it

CAR_MAX_BYTES = 4 * 1024**3  # far above any personal repository; a server sending more is broken
CAR_DEADLINE = 3600.0  # the whole download; a silent server still fails on the read timeout
BLOB_MAX_BYTES = 256 * 1024**2  # Bluesky's own limit is 100 MB (videos)
BLOB_DEADLINE = 900.0
RECORDS_PAGE = 100  # listRecords' maximum
BLOBS_PAGE = 1000  # listBlobs' maximum
PROFILES_BATCH = 25  # getProfiles' maximum
PROGRESS_BYTES = 8 * 1024 * 1024

FILES = {
    "repo.car": "the whole repository (CAR file, as com.atproto.sync.getRepo serves it): every "
    "record, signed; readable by atproto tools and importable into another PDS",
    "posts.jsonl": "your posts and replies, oldest first, one JSON object per line",
    "following.csv": "the accounts you follow: did,handle,followed_at (the DID identifies "
    "the account; handles can change)",
    "blobs.txt": "your blobs (images, videos): cid, mime, size, record (tab-separated)",
    "blobs/": "each blob as blobs/<cid>, byte for byte as uploaded",
}


async def export(network: BlueskyNetwork, ctx: ExportContext) -> None:
    """Write the account's files into `ctx.dest`, naming each in `ctx.files`.

    Raises NetworkError (a sentence for the user) when the server fails or sends something
    unusable; a file written before that stays complete.
    """
    await network.open()
    ctx.dest.mkdir(parents=True, exist_ok=True)
    await _session(network)
    car_path = ctx.dest / "repo.car"
    await _repo(network, ctx, car_path)
    counts, refs, unreadable = await _read_repo(network, car_path)
    ctx.files["repo.car"] = FILES["repo.car"]
    summary = ", ".join(f"{n} {clean_line(c, max_len=100)}" for c, n in sorted(counts.items()))
    odd = f"; {unreadable} this version cannot decode" if unreadable else ""
    ctx.progress(f"repo.car: {sum(counts.values())} records ({summary or 'none'}){odd}")
    await _posts(network, ctx)
    await _following(network, ctx)
    blobs = await _blobs(network, ctx, refs)
    if ctx.media:
        await _download_blobs(network, ctx, blobs)


# ----- the repository --------------------------------------------------------------------------
async def _session(network: BlueskyNetwork) -> None:
    """One authenticated call, which refreshes an expired access token before a download."""
    await network.xrpc.query("com.atproto.server.getSession")


async def _download(
    network: BlueskyNetwork,
    nsid: str,
    params: dict[str, str],
    dest: Path,
    *,
    max_bytes: int,
    deadline: float,
    progress: Callable[[int], None] | None = None,
) -> int:
    """A sync endpoint's body straight into `dest`; once more after an expired token."""
    http = network.xrpc.http
    for attempt in (1, 2):
        try:
            return await http.download_to(
                f"/xrpc/{nsid}",
                dest,
                params=params,
                max_bytes=max_bytes,
                deadline=deadline,
                progress=progress,
            )
        except (AuthError, BadResponse) as exc:
            if attempt == 2 or error_code(exc) not in TOKEN_ERRORS:
                raise
            await _session(network)  # refreshes the token
    raise AssertionError("unreachable")


async def _repo(network: BlueskyNetwork, ctx: ExportContext, path: Path) -> None:
    """The repository CAR, always fetched again: it is one request, and a fresh snapshot."""
    shown = [0]

    def progress(written: int) -> None:
        if written - shown[0] >= PROGRESS_BYTES:
            shown[0] = written
            ctx.progress(f"repo.car: {written / 1024**2:.0f} MB")

    ctx.progress("repo.car: downloading the repository")
    size = await _download(
        network,
        "com.atproto.sync.getRepo",
        {"did": network.did},
        path,
        max_bytes=CAR_MAX_BYTES,
        deadline=CAR_DEADLINE,
        progress=progress,
    )
    ctx.progress(f"repo.car: {size} bytes")


def _scan_repo(path: Path, did: str) -> tuple[dict[str, int], list[BlobRef], int]:
    """Records per collection; (cid, mime, size, record URI) for every blob a record uses; how
    many records could not be decoded (counted, but their blobs are not known).

    A file that is damaged, or whose tree cannot be walked, is a CarError: nothing in it can be
    trusted. A single record this reader cannot decode is not: the file still holds it whole
    (its block matched its CID) for tools that can.
    """
    refs: list[BlobRef] = []
    counts: dict[str, int] = {}
    unreadable = 0
    with car.CarFile(path) as repo:
        commit = repo.commit()
        if commit.get("did") != did:
            raise car.CarError("the repository belongs to another account")
        for key, cid in repo.keys():
            collection = key.split("/", 1)[0]
            counts[collection] = counts.get(collection, 0) + 1
            try:
                value = repo.get(cid)
            except car.CarError:
                unreadable += 1
                continue
            uri = f"at://{did}/{key}"
            refs.extend((blob, mime, size, uri) for blob, mime, size in car.blob_refs(value))
    return counts, refs, unreadable


async def _read_repo(
    network: BlueskyNetwork, path: Path
) -> tuple[dict[str, int], list[BlobRef], int]:
    try:
        return await asyncio.to_thread(_scan_repo, path, network.did)
    except car.CarError as exc:
        path.unlink(missing_ok=True)  # damaged: not a backup anyone could restore
        raise network.error(
            BadResponse, f"the repository the server sent is unreadable ({exc})"
        ) from None


# ----- records ---------------------------------------------------------------------------------
async def _list_records(network: BlueskyNetwork, collection: str) -> AsyncIterator[dict[str, Any]]:
    """Every record of `collection` in the account's repo, page by page."""
    cursor: str | None = None
    cursors: set[str] = set()
    while True:
        body = await network.xrpc.query(
            "com.atproto.repo.listRecords",
            {
                "repo": network.did,
                "collection": collection,
                "limit": RECORDS_PAGE,
                "cursor": cursor,
            },
        )
        records = body.get("records") if isinstance(body, dict) else None
        records = records if isinstance(records, list) else []
        for record in records:
            if (
                isinstance(record, dict)
                and isinstance(record.get("uri"), str)
                and isinstance(record.get("cid"), str)
                and isinstance(record.get("value"), dict)
            ):
                yield record
        cursor = body.get("cursor") if isinstance(body, dict) else None
        if not isinstance(cursor, str) or not cursor or not records:
            return
        if cursor in cursors:
            raise network.error(BadResponse, "the server's list of records repeats itself")
        cursors.add(cursor)


async def _posts(network: BlueskyNetwork, ctx: ExportContext) -> None:
    me = network.me
    author = {
        "did": network.did,
        "handle": me.handle if me is not None else network.account.handle,
        "displayName": me.display_name if me is not None else "",
    }
    context = parse.Context(network.account.name, network.did, network.moderation)
    posts: list[Post] = []
    unreadable = 0
    async for record in _list_records(network, parse.POST_COLLECTION):
        value = record["value"]
        view = {
            "uri": record["uri"],
            "cid": record["cid"],
            "author": author,
            "record": value,
            "indexedAt": value.get("createdAt"),
        }
        post = parse.parse_post_view(view, context)
        if isinstance(post, Post) and parse_at_uri(post.key) is not None:
            posts.append(post)
        else:
            unreadable += 1
        if (len(posts) + unreadable) % 1000 == 0:
            ctx.progress(f"posts.jsonl: {len(posts) + unreadable} records read")
    posts.sort(key=lambda p: (p.created_at, p.key))
    with ctx.jsonl("posts.jsonl", key="server_id") as out:
        added = sum(out.add(post_record(p)) for p in posts)
    ctx.files["posts.jsonl"] = FILES["posts.jsonl"]
    note = f"; {unreadable} unreadable (still in repo.car)" if unreadable else ""
    ctx.progress(f"posts.jsonl: {added} posts written, {len(posts) - added} already there{note}")


async def _following(network: BlueskyNetwork, ctx: ExportContext) -> None:
    follows: dict[str, str] = {}  # did -> followed_at, oldest follow first
    async for record in _list_records(network, FOLLOW):
        subject = record["value"].get("subject")
        if isinstance(subject, str) and is_did(subject) and subject not in follows:
            when = parse.parse_time(record["value"].get("createdAt"))
            follows[subject] = when.isoformat().replace("+00:00", "Z") if when else ""
    handles: dict[str, str] = {}
    dids = list(follows)
    for start in range(0, len(dids), PROFILES_BATCH):
        batch = dids[start : start + PROFILES_BATCH]
        body = await network.xrpc.query("app.bsky.actor.getProfiles", {"actors": batch})
        profiles = body.get("profiles") if isinstance(body, dict) else None
        for view in profiles if isinstance(profiles, list) else []:
            if not isinstance(view, dict) or view.get("did") not in follows:
                continue
            handle = clean_line(parse.as_str(view.get("handle")), max_len=253).lower()
            if is_handle(handle) and handle != "handle.invalid":
                handles[view["did"]] = handle
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["did", "handle", "followed_at"])
    for did, when in sorted(follows.items(), key=lambda kv: kv[1]):
        writer.writerow([did, handles.get(did, ""), when])
    await asyncio.to_thread(_write_whole, ctx.dest / "following.csv", out.getvalue())
    ctx.files["following.csv"] = FILES["following.csv"]
    ctx.progress(f"following.csv: {len(follows)} accounts")


# ----- blobs -----------------------------------------------------------------------------------
async def _blobs(network: BlueskyNetwork, ctx: ExportContext, refs: list[BlobRef]) -> list[str]:
    """Write blobs.txt; return the CIDs the server says it holds."""
    listed: list[str] = []
    cursor: str | None = None
    cursors: set[str] = set()
    while True:
        body = await network.xrpc.query(
            "com.atproto.sync.listBlobs",
            {"did": network.did, "limit": BLOBS_PAGE, "cursor": cursor},
        )
        cids = body.get("cids") if isinstance(body, dict) else None
        cids = cids if isinstance(cids, list) else []
        for cid in cids:
            try:
                car.parse_cid_string(cid)
            except car.CarError:
                shown = clean_line(cid if isinstance(cid, str) else repr(cid), max_len=80)
                raise network.error(
                    BadResponse, f"the server listed a blob with an invalid CID ({shown!r})"
                ) from None
            listed.append(cid)
        cursor = body.get("cursor") if isinstance(body, dict) else None
        if not isinstance(cursor, str) or not cursor or not cids:
            break
        if cursor in cursors:
            raise network.error(BadResponse, "the server's list of blobs repeats itself")
        cursors.add(cursor)
    listed = list(dict.fromkeys(listed))
    used: dict[str, list[tuple[str, int | None, str]]] = {}
    for cid, mime, size, uri in refs:
        used.setdefault(cid, []).append((mime, size, uri))
    lines = ["cid\tmime\tsize\trecord"]
    known = set(listed)
    for cid in [*listed, *(c for c in used if c not in known)]:
        for mime, size, uri in used.get(cid) or [("", None, "")]:
            fields = [cid, mime, "" if size is None else str(size), uri]
            lines.append("\t".join(clean_line(f, max_len=300).replace("\t", " ") for f in fields))
    await asyncio.to_thread(_write_whole, ctx.dest / "blobs.txt", "\n".join(lines) + "\n")
    ctx.files["blobs.txt"] = FILES["blobs.txt"]
    ctx.progress(f"blobs.txt: {len(listed)} blobs")
    return listed


def _holds(path: Path, cid: bytes) -> bool:
    """Whether `path` is already the blob `cid`, whole (checked against its hash)."""
    if not path.is_file():
        return False
    _, code, digest = car.cid_codec_and_digest(cid)
    if code != car.SHA256:
        return False  # cannot check: fetch it again
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").digest() == digest


async def _download_blobs(network: BlueskyNetwork, ctx: ExportContext, cids: list[str]) -> None:
    folder = ctx.dest / "blobs"
    folder.mkdir(exist_ok=True)
    ctx.files["blobs/"] = FILES["blobs/"]
    fetched = kept = 0
    for number, cid in enumerate(cids, 1):
        raw = car.parse_cid_string(cid)  # checked in _blobs: a safe file name
        target = folder / cid
        if await asyncio.to_thread(_holds, target, raw):
            kept += 1
            continue
        try:
            await _download(
                network,
                "com.atproto.sync.getBlob",
                {"did": network.did, "cid": cid},
                target,
                max_bytes=BLOB_MAX_BYTES,
                deadline=BLOB_DEADLINE,
            )
        except NetworkError:
            target.unlink(missing_ok=True)
            raise
        _, code, _ = car.cid_codec_and_digest(raw)
        if code == car.SHA256 and not await asyncio.to_thread(_holds, target, raw):
            target.unlink(missing_ok=True)
            raise network.error(BadResponse, f"the server sent other bytes for blob {cid}")
        fetched += 1
        ctx.progress(f"blobs: {number}/{len(cids)} ({fetched} downloaded, {kept} already there)")
    ctx.progress(f"blobs: {fetched} downloaded, {kept} already there")


def _write_whole(path: Path, text: str) -> None:
    """Replace `path` with `text` in one step, so an interrupted export never leaves half."""
    part = path.with_name(path.name + ".part")
    part.write_text(text, encoding="utf-8")
    part.replace(path)
