"""The Bluesky export against Bluesky's reference network (PLC + PDS + AppView).

An account writes posts, a reply, an image, a like, a repost and a follow as a user would, then
`tui.export.bluesky.export` writes its folder. What the export holds is checked against what the
server itself says (listRecords, listBlobs, describeRepo through plain HTTP) and the CAR file is
read by @atproto/repo, the reference implementation, as well as by Murmur's own reader.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import struct
import subprocess
import zlib
from pathlib import Path

import httpx
import pytest

from tests.bluesky import conftest as reference
from tests.bluesky.conftest import BskyNet, Person
from tests.http.scripted_server import Answer, ScriptedServer
from tui.export import bluesky as bluesky_export
from tui.export import car
from tui.export.base import ExportContext
from tui.model import Draft, MediaUpload, Reaction
from tui.networks.base import BadResponse, NotFound, Prompt
from tui.networks.bluesky.login import login
from tui.networks.bluesky.network import BlueskyNetwork
from tui.networks.http import Http

# Reads a CAR with @atproto/repo's verifyRepoCar (checks the blocks, the MST and, given the key,
# the commit's signature, with the key from the DID document) and prints the records per collection.
VERIFY_JS = r"""
const path = require('node:path')
const fs = require('node:fs')
const { createRequire } = require('node:module')
const req = createRequire(path.join(process.env.MURMUR_NODE_MODULES, 'resolve-from-here.js'))
const { verifyRepoCar } = req('@atproto/repo')
const { getKey } = req('@atproto/identity')
const [file, did, didDoc] = process.argv.slice(1)
const key = getKey(JSON.parse(didDoc))
if (!key) { console.error('no signing key in the DID document'); process.exit(1) }
verifyRepoCar(new Uint8Array(fs.readFileSync(file)), did, key).then((repo) => {
  const counts = {}
  for (const c of repo.creates) counts[c.collection] = (counts[c.collection] || 0) + 1
  process.stdout.write(JSON.stringify(counts))
}).catch((err) => { console.error(String(err)); process.exit(1) })
"""


class Interrupted(Exception):
    """Stands for the user pressing Ctrl-C in the middle of an export."""


async def no_questions(prompt: Prompt) -> str:
    raise AssertionError(f"unexpected question: {prompt.label}")


async def no_vault(secrets) -> None:
    return None


async def connect(bsky: BskyNet, who: Person) -> BlueskyNetwork:
    result = await login(
        {"handle": who.handle, "service": bsky.pds, "password": who.app_password}, no_questions
    )
    net = BlueskyNetwork(result.account, result.secrets, save_credentials=no_vault)
    await net.open()
    return net


def tiny_png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + bytes([x % 256, 7, 200]) * width for x in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def context(dest: Path, *, media: bool = False, resume: bool = False, progress=None):
    lines: list[str] = []

    def said(line: str) -> None:
        lines.append(line)
        if progress is not None:
            progress(line)

    ctx = ExportContext(
        account="alice", dest=dest, resume=resume, media=media, progress=said, files={}
    )
    return ctx, lines


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def server_listing(bsky: BskyNet, did: str) -> dict[str, list[dict]]:
    """Every record of every collection, as the PDS lists them (paged to the end)."""
    out: dict[str, list[dict]] = {}
    with httpx.Client(base_url=bsky.pds, timeout=30) as c:
        described = c.get("/xrpc/com.atproto.repo.describeRepo", params={"repo": did})
        described.raise_for_status()
        for collection in described.json()["collections"]:
            records: list[dict] = []
            cursor = None
            for _ in range(1000):
                params = {"repo": did, "collection": collection, "limit": 100}
                if cursor:
                    params["cursor"] = cursor
                r = c.get("/xrpc/com.atproto.repo.listRecords", params=params)
                r.raise_for_status()
                page = r.json()
                records += page["records"]
                cursor = page.get("cursor")
                if not cursor or not page["records"]:
                    break
            out[collection] = records
    return out


def did_document(bsky: BskyNet, did: str) -> str:
    r = httpx.get(
        f"{bsky.pds}/xrpc/com.atproto.repo.describeRepo", params={"repo": did}, timeout=30
    )
    r.raise_for_status()
    return json.dumps(r.json()["didDoc"])


def reference_counts(car_path: Path, did: str, did_doc: str) -> dict[str, int]:
    result = subprocess.run(
        ["node", "-e", VERIFY_JS, str(car_path), did, did_doc],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, MURMUR_NODE_MODULES=str(reference._node_modules())),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


@pytest.fixture
async def people(bsky: BskyNet, tmp_path: Path):
    """Alice with a small life on the network (posts, a reply, an image, a like, a repost, a
    follow) and Bob, whom she follows and answers."""
    alice_p = bsky.create_account("alice", "Alice")
    bob_p = bsky.create_account("bob", "Bob")
    bsky.process_all()
    alice, bob = await connect(bsky, alice_p), await connect(bsky, bob_p)
    try:
        yield alice, bob, alice_p, bob_p
    finally:
        await alice.close()
        await bob.close()


async def live_a_little(bsky: BskyNet, alice, bob, bob_p: Person, tmp_path: Path):
    png = tiny_png(5, 3)
    image = tmp_path / "sunset.png"
    image.write_bytes(png)
    first = await alice.publish(Draft(text="first post, hello"))
    bobs = await bob.publish(Draft(text="bob says hi"))
    bsky.process_all()
    reply = await alice.publish(Draft(text="a reply to bob", reply_to=bobs))
    pictured = await alice.publish(
        Draft(text="a sunset", media=(MediaUpload(str(image), alt="orange sky"),))
    )
    await alice.follow(bob_p.did)
    await alice.react(bobs, Reaction.LIKE)
    await alice.react(bobs, Reaction.REPOST)
    bsky.process_all()
    return png, [first, reply, pictured], bobs


network = pytest.mark.network


# ----- Must show -------------------------------------------------------------------------------
@network
async def test_car_holds_what_list_records_lists_collection_by_collection(
    bsky: BskyNet, people, tmp_path: Path
) -> None:
    alice, bob, alice_p, bob_p = people
    _, written, bobs = await live_a_little(bsky, alice, bob, bob_p, tmp_path)
    dest = tmp_path / "export"
    ctx, said = context(dest)

    await bluesky_export.export(alice, ctx)

    listed = server_listing(bsky, alice_p.did)
    expected = {collection: len(records) for collection, records in listed.items()}
    assert expected["app.bsky.feed.post"] == 3
    assert expected["app.bsky.graph.follow"] == 1
    assert expected["app.bsky.feed.like"] == 1 and expected["app.bsky.feed.repost"] == 1
    car_path = dest / "repo.car"
    # Murmur's reader, walking the MST from the commit ...
    with car.CarFile(car_path) as repo:
        assert repo.count_by_collection() == expected
        # ... finds each record the server lists, with the same CID and $type.
        found = {f"at://{alice_p.did}/{r.key}": r for r in repo.records()}
    for collection, records in listed.items():
        for record in records:
            mine = found[record["uri"]]
            assert str(mine.cid) == record["cid"]
            assert mine.value["$type"] == collection == record["value"]["$type"]
    # The reference implementation reads the same file, signature checked, to the same counts.
    did_doc = did_document(bsky, alice_p.did)
    assert reference_counts(car_path, alice_p.did, did_doc) == expected
    assert "repo.car" in ctx.files
    total = sum(expected.values())
    assert any(line.startswith(f"repo.car: {total} records") for line in said), said


@network
async def test_posts_are_the_accounts_own_posts_and_replies_oldest_first(
    bsky: BskyNet, people, tmp_path: Path
) -> None:
    alice, bob, alice_p, bob_p = people
    _, written, bobs = await live_a_little(bsky, alice, bob, bob_p, tmp_path)
    dest = tmp_path / "export"
    ctx, _ = context(dest)

    await bluesky_export.export(alice, ctx)

    posts = jsonl(dest / "posts.jsonl")
    # Bob's post, and the repost of it, are not Alice's posts.
    assert [p["text"] for p in posts] == ["first post, hello", "a reply to bob", "a sunset"]
    assert [p["server_id"] for p in posts] == [w.key for w in written]
    assert [p["created_at"] for p in posts] == sorted(p["created_at"] for p in posts)
    for post, sent in zip(posts, written, strict=True):
        assert post["network"] == "bluesky"
        assert post["url"] == sent.url and post["url"].startswith("https://bsky.app/profile/")
        assert post["author"]["uid"] == f"bluesky:{alice_p.did}"
    assert posts[0]["reply_to"] is None
    assert posts[1]["reply_to"] == bobs.uid
    assert "posts.jsonl" in ctx.files

    rows = list(csv.DictReader((dest / "following.csv").open(encoding="utf-8")))
    assert [(r["did"], r["handle"]) for r in rows] == [(bob_p.did, bob_p.handle)]
    assert rows[0]["followed_at"].endswith("Z")
    assert "following.csv" in ctx.files


@network
async def test_media_downloads_the_uploaded_image_byte_for_byte(
    bsky: BskyNet, people, tmp_path: Path
) -> None:
    alice, bob, alice_p, bob_p = people
    png, written, bobs = await live_a_little(bsky, alice, bob, bob_p, tmp_path)
    dest = tmp_path / "export"
    ctx, _ = context(dest, media=True)

    await bluesky_export.export(alice, ctx)

    r = httpx.get(
        f"{bsky.pds}/xrpc/com.atproto.sync.listBlobs", params={"did": alice_p.did}, timeout=30
    )
    r.raise_for_status()
    (cid,) = r.json()["cids"]
    lines = (dest / "blobs.txt").read_text(encoding="utf-8").splitlines()
    assert lines == ["cid\tmime\tsize\trecord", f"{cid}\timage/png\t{len(png)}\t{written[2].key}"]
    assert (dest / "blobs" / cid).read_bytes() == png
    assert sorted(p.name for p in (dest / "blobs").iterdir()) == [cid]
    assert {"blobs.txt", "blobs/"} <= set(ctx.files)


@network
async def test_without_media_blobs_are_listed_not_downloaded(
    bsky: BskyNet, people, tmp_path: Path
) -> None:
    alice, bob, alice_p, bob_p = people
    _, written, bobs = await live_a_little(bsky, alice, bob, bob_p, tmp_path)
    dest = tmp_path / "export"
    ctx, _ = context(dest)

    await bluesky_export.export(alice, ctx)

    assert len((dest / "blobs.txt").read_text(encoding="utf-8").splitlines()) == 2
    assert not (dest / "blobs").exists()
    assert "blobs/" not in ctx.files


@network
async def test_an_interrupted_export_resumes_without_duplicates(
    bsky: BskyNet, people, tmp_path: Path
) -> None:
    alice, bob, alice_p, bob_p = people
    png, written, bobs = await live_a_little(bsky, alice, bob, bob_p, tmp_path)
    dest = tmp_path / "export"

    def stop_before_blobs(line: str) -> None:
        if line.startswith("blobs.txt"):
            raise Interrupted

    ctx, _ = context(dest, media=True, progress=stop_before_blobs)
    with pytest.raises(Interrupted):
        await bluesky_export.export(alice, ctx)
    assert len(jsonl(dest / "posts.jsonl")) == 3
    assert not (dest / "blobs").exists()

    # Alice posts again before the export is resumed.
    later = await alice.publish(Draft(text="written after the interruption"))
    ctx, said = context(dest, media=True, resume=True)
    await bluesky_export.export(alice, ctx)

    posts = jsonl(dest / "posts.jsonl")
    assert [p["server_id"] for p in posts] == [*(w.key for w in written), later.key]
    blob = next((dest / "blobs").iterdir())
    assert blob.read_bytes() == png
    assert "posts.jsonl: 1 posts written, 3 already there" in said

    # A blob cut short (a crash mid-write) is fetched again; a whole one is left alone.
    blob.write_bytes(png[:10])
    ctx, _ = context(dest, media=True, resume=True)
    await bluesky_export.export(alice, ctx)
    assert blob.read_bytes() == png
    before = blob.stat()
    ctx, said = context(dest, media=True, resume=True)
    await bluesky_export.export(alice, ctx)
    assert blob.stat().st_ino == before.st_ino and blob.stat().st_mtime_ns == before.st_mtime_ns
    assert "blobs: 0 downloaded, 1 already there" in said
    assert len(jsonl(dest / "posts.jsonl")) == 4
    assert not [p for p in dest.rglob("*.part")]


@network
async def test_a_damaged_car_is_refused_not_miscounted(
    bsky: BskyNet, people, tmp_path: Path
) -> None:
    alice, bob, alice_p, bob_p = people
    _, written, bobs = await live_a_little(bsky, alice, bob, bob_p, tmp_path)
    dest = tmp_path / "export"
    ctx, _ = context(dest)
    await bluesky_export.export(alice, ctx)
    whole = (dest / "repo.car").read_bytes()

    cut = tmp_path / "cut.car"
    cut.write_bytes(whole[:-10])
    with pytest.raises(car.CarError, match="incomplete"):
        car.CarFile(cut)
    flipped = tmp_path / "flipped.car"
    flipped.write_bytes(whole[:-1] + bytes([whole[-1] ^ 1]))
    with pytest.raises(car.CarError, match="does not match its CID"):
        car.CarFile(flipped)


@network
async def test_an_expired_session_is_refreshed_before_the_downloads(
    bsky: BskyNet, people, tmp_path: Path
) -> None:
    alice, bob, alice_p, bob_p = people
    png, written, bobs = await live_a_little(bsky, alice, bob, bob_p, tmp_path)
    alice.xrpc.http.token = bsky.expire(alice.xrpc.access_jwt)
    dest = tmp_path / "export"
    ctx, _ = context(dest, media=True)

    await bluesky_export.export(alice, ctx)

    assert alice.xrpc.refreshes == 1
    assert len(jsonl(dest / "posts.jsonl")) == 3
    assert next((dest / "blobs").iterdir()).read_bytes() == png


# ----- streaming a large body to disk (Http.download_to, a local HTTP server) --------------------
@pytest.fixture
async def server():
    srv = ScriptedServer()
    await srv.start()
    yield srv
    await srv.stop()


@pytest.fixture
async def http(server: ScriptedServer):
    client = Http(server.url, network="bluesky", account="alice", token="t")
    client.backoff_base = 0.01
    yield client
    await client.aclose()


CAR = {"Content-Type": "application/vnd.ipld.car"}
GETREPO = "/xrpc/com.atproto.sync.getRepo"


@network
async def test_a_body_lands_on_disk_whole_and_decoded(server, http, tmp_path: Path) -> None:
    body = os.urandom(300_000)
    server.queue(GETREPO, Answer(200, zlib.compress(body), {**CAR, "Content-Encoding": "deflate"}))
    sizes: list[int] = []
    dest = tmp_path / "repo.car"

    size = await http.download_to(
        GETREPO, dest, params={"did": "did:plc:x"}, max_bytes=len(body), progress=sizes.append
    )

    assert size == len(body) and dest.read_bytes() == body
    assert sizes and sizes[-1] <= len(body) and sizes == sorted(sizes)
    assert server.requests_to(GETREPO)[0].path.endswith("?did=did%3Aplc%3Ax")
    assert server.requests_to(GETREPO)[0].headers["authorization"] == "Bearer t"


@network
@pytest.mark.parametrize("compressed", [False, True])
async def test_a_body_over_the_cap_leaves_no_file(
    server, http, tmp_path: Path, compressed: bool
) -> None:
    body = bytes(200_000)
    if compressed:  # small on the wire, over the cap once inflated
        deflated = {**CAR, "Content-Encoding": "deflate"}
        server.queue(GETREPO, Answer(200, zlib.compress(body), deflated))
    else:
        server.queue(GETREPO, Answer(200, body, CAR))
    dest = tmp_path / "repo.car"
    with pytest.raises(BadResponse, match="sent too much"):
        await http.download_to(GETREPO, dest, max_bytes=100_000)
    assert list(tmp_path.iterdir()) == []


@network
async def test_a_passing_failure_is_retried_and_a_missing_repo_is_not(
    server, http, tmp_path: Path
) -> None:
    server.queue(GETREPO, Answer(503, b'{"error":"busy"}'), Answer(200, b"whole", CAR))
    dest = tmp_path / "repo.car"
    assert await http.download_to(GETREPO, dest, max_bytes=100) == 5
    assert dest.read_bytes() == b"whole" and len(server.requests_to(GETREPO)) == 2

    server.queue(GETREPO, Answer(404, b'{"error":"RepoNotFound","message":"Could not find repo"}'))
    gone = tmp_path / "gone.car"
    with pytest.raises(NotFound, match="Could not find repo"):
        await http.download_to(GETREPO, gone, max_bytes=100)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["repo.car"]


# ----- hostile files (no server) ---------------------------------------------------------------
def _cbor_head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([major << 5 | n])
    return bytes([major << 5 | 26]) + n.to_bytes(4, "big")


def _cbor(value) -> bytes:
    """Just enough DAG-CBOR to build hostile files by hand."""
    if isinstance(value, car.Link):
        return b"\xd8\x2a" + _cbor(b"\x00" + value.cid)
    if isinstance(value, bool) or value is None:
        return {False: b"\xf4", True: b"\xf5", None: b"\xf6"}[value]
    if isinstance(value, int):
        return _cbor_head(0, value)
    if isinstance(value, bytes):
        return _cbor_head(2, len(value)) + value
    if isinstance(value, str):
        return _cbor_head(3, len(value.encode())) + value.encode()
    if isinstance(value, list):
        return _cbor_head(4, len(value)) + b"".join(_cbor(v) for v in value)
    items = sorted(value.items(), key=lambda kv: (len(kv[0]), kv[0]))
    return _cbor_head(5, len(items)) + b"".join(_cbor(k) + _cbor(v) for k, v in items)


def _cid(data: bytes, hash_code: int = 0x12) -> bytes:
    digest = hashlib.sha256(data).digest()
    return bytes([1, 0x71, hash_code, 32]) + digest


def _car(root: bytes, blocks: list[tuple[bytes, bytes]]) -> bytes:
    def varint(n: int) -> bytes:
        out = bytearray()
        while True:
            out.append(n & 0x7F | (0x80 if n > 0x7F else 0))
            n >>= 7
            if not n:
                return bytes(out)

    header = _cbor({"version": 1, "roots": [car.Link(root)]})
    out = varint(len(header)) + header
    for cid, data in blocks:
        out += varint(len(cid) + len(data)) + cid + data
    return out


def test_a_tree_that_loops_is_refused(tmp_path: Path) -> None:
    # With a hash this reader cannot check, a node may name itself: the walk must not follow.
    node_cid = bytes([1, 0x71, 0x13, 4]) + b"loop"
    node = _cbor({"l": car.Link(node_cid), "e": []})
    commit = _cbor({"did": "did:plc:x", "version": 3, "data": car.Link(node_cid), "rev": "a"})
    commit_cid = _cid(commit)
    path = tmp_path / "loop.car"
    path.write_bytes(_car(commit_cid, [(commit_cid, commit), (node_cid, node)]))
    with car.CarFile(path) as repo, pytest.raises(car.CarError, match="loops"):
        repo.count_by_collection()


def test_a_tree_with_keys_counts_them_and_deep_nesting_is_refused(tmp_path: Path) -> None:
    record = _cbor({"$type": "app.bsky.feed.post", "text": "hi"})
    deep = b"\x81" * 200 + b"\x00"  # an array in an array ... 200 deep
    rec_cid, deep_cid = _cid(record), _cid(deep)
    entries = [
        {"p": 0, "k": b"app.bsky.feed.post/3aaa", "v": car.Link(rec_cid), "t": None},
        {"p": 19, "k": b"3bbb", "v": car.Link(deep_cid), "t": None},
    ]
    node = _cbor({"l": None, "e": entries})
    node_cid = _cid(node)
    commit = _cbor({"did": "did:plc:x", "version": 3, "data": car.Link(node_cid), "rev": "a"})
    commit_cid = _cid(commit)
    path = tmp_path / "repo.car"
    blocks = [(commit_cid, commit), (node_cid, node), (rec_cid, record), (deep_cid, deep)]
    path.write_bytes(_car(commit_cid, blocks))
    with car.CarFile(path) as repo:
        assert list(k for k, _ in repo.keys()) == [
            "app.bsky.feed.post/3aaa",
            "app.bsky.feed.post/3bbb",
        ]
        assert repo.count_by_collection() == {"app.bsky.feed.post": 2}
        assert repo.get(rec_cid)["text"] == "hi"
        with pytest.raises(car.CarError, match="too deep"):
            repo.get(deep_cid)


@pytest.mark.parametrize("text", ["b../../etc/passwd", "bafy/../x", "Bafkrei", "", "b" + "a" * 300])
def test_a_blob_cid_that_is_not_a_cid_never_becomes_a_file_name(text: str) -> None:
    with pytest.raises(car.CarError):
        car.parse_cid_string(text)
