"""Read an atproto repository exported as a CAR file, from disk, one block at a time.

`com.atproto.sync.getRepo` answers with a CARv1 file; this module reads just enough of the formats
involved to say what the repository holds, and to check the file is whole:

- **CARv1**: a varint length and a DAG-CBOR header `{version: 1, roots: [CID]}`, then blocks, each
  a varint length followed by the block's CID and its bytes. `CarFile` reads the file once,
  keeping only where each block starts (a dict of CID -> offset, never the blocks themselves), and
  checks every sha-256 block against its CID, so a truncated or altered download is refused.
- **CIDs**: version 1 (version, codec, multihash), written as multibase base32 (`b...`).
- **DAG-CBOR**: the subset atproto uses (integers, byte and text strings, arrays, maps with text
  keys, tag 42 links, true/false/null, floats), with bounds on nesting and on every length, since
  the bytes come from a server.
- **The repo**: the root is the signed commit, whose `data` names the root of the Merkle Search
  Tree. Each MST node is `{l: subtree | null, e: [{p, k, v, t}]}`; an entry's key is the first
  `p` bytes of the previous key in the same node followed by `k`, and `v` is the record's CID.
  Keys are `collection/rkey`.

Records are counted by walking the MST from the commit rather than by decoding every block: a CAR
may carry blocks no key reaches (and a record block does not say where it lives), while the keys
the tree holds are exactly the records `com.atproto.repo.listRecords` serves, collection by
collection. The walk visits the keys in order, so it is also how records are listed.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

SHA256 = 0x12
RAW = 0x55
DAG_CBOR = 0x71
MAX_BLOCK_BYTES = 4 * 1024 * 1024  # atproto records are at most 1 MiB; MST nodes far smaller
MAX_HEADER_BYTES = 64 * 1024
MAX_DEPTH = 64  # DAG-CBOR nesting
MAX_TREE_DEPTH = 128  # MST levels: about 32 for 2^128 keys with fanout 16
MAX_KEY_BYTES = 1024


class CarError(ValueError):
    """The file is not a readable repository CAR (the message says what is wrong)."""


@dataclass(frozen=True, slots=True)
class Link:
    """A DAG-CBOR link (tag 42): the CID of another block, as its binary form."""

    cid: bytes

    def __str__(self) -> str:
        return cid_string(self.cid)


def cid_string(cid: bytes) -> str:
    """A CIDv1 in its usual text form: multibase base32, lower case, no padding."""
    return "b" + base64.b32encode(cid).decode("ascii").lower().rstrip("=")


def parse_cid_string(text: str) -> bytes:
    """The binary CID of a base32 CIDv1 string (`b...`); CarError if it is anything else.

    Strict on purpose: a CID from a server ends up as a file name.
    """
    if (
        not isinstance(text, str)
        or not 8 <= len(text) <= 200
        or not text.startswith("b")
        or not set(text[1:]) <= set("abcdefghijklmnopqrstuvwxyz234567")
    ):
        raise CarError("not a base32 CIDv1")
    body = text[1:].upper()
    try:
        raw = base64.b32decode(body + "=" * (-len(body) % 8))
    except ValueError:
        raise CarError("not a base32 CIDv1") from None
    end = _cid_end(raw, 0)
    if end != len(raw) or cid_string(raw) != text:
        raise CarError("not a canonical CIDv1")
    return raw


def cid_codec_and_digest(cid: bytes) -> tuple[int, int, bytes]:
    """(codec, multihash code, digest) of a binary CIDv1."""
    _, pos = _varint(cid, 0)
    codec, pos = _varint(cid, pos)
    code, pos = _varint(cid, pos)
    size, pos = _varint(cid, pos)
    return codec, code, cid[pos : pos + size]


def matches_cid(cid: bytes, data: bytes) -> bool | None:
    """Whether `data` hashes to `cid`: True/False for a sha-256 CID, None for another hash."""
    _, code, digest = cid_codec_and_digest(cid)
    if code != SHA256:
        return None
    return hashlib.sha256(data).digest() == digest


# ----- varints and CIDs ------------------------------------------------------------------------
def _varint(data: bytes, pos: int) -> tuple[int, int]:
    """An unsigned LEB128 varint at `pos` (at most 9 bytes, as multiformats allow)."""
    value = shift = 0
    for i in range(9):
        if pos + i >= len(data):
            raise CarError("truncated varint")
        byte = data[pos + i]
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos + i + 1
        shift += 7
    raise CarError("varint too long")


def _read_varint(f: IO[bytes]) -> int | None:
    """A varint from the file; None at a clean end of file (before its first byte)."""
    value = shift = 0
    for i in range(9):
        byte = f.read(1)
        if not byte:
            if i == 0:
                return None
            raise CarError("the file ends inside a block length")
        value |= (byte[0] & 0x7F) << shift
        if not byte[0] & 0x80:
            return value
        shift += 7
    raise CarError("varint too long")


def _cid_end(data: bytes, pos: int) -> int:
    """Where the binary CIDv1 starting at `pos` ends."""
    version, p = _varint(data, pos)
    if version != 1:
        raise CarError(f"CID version {version} (atproto uses version 1)")
    _, p = _varint(data, p)  # codec
    _, p = _varint(data, p)  # multihash code
    size, p = _varint(data, p)
    if size > 64 or p + size > len(data):
        raise CarError("truncated CID")
    return p + size


# ----- DAG-CBOR --------------------------------------------------------------------------------
def decode(data: bytes) -> Any:
    """One DAG-CBOR value filling `data` exactly: maps become dicts, tag 42 a `Link`."""
    value, pos = _Decoder(data).item(0, 0)
    if pos != len(data):
        raise CarError("extra bytes after a DAG-CBOR value")
    return value


class _Decoder:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def _head(self, pos: int) -> tuple[int, int, int]:
        """(major type, argument, next position) of the item head at `pos`."""
        data = self.data
        if pos >= len(data):
            raise CarError("truncated DAG-CBOR")
        first = data[pos]
        major, info = first >> 5, first & 0x1F
        pos += 1
        if info < 24:
            return major, info, pos
        if info > 27:
            raise CarError("indefinite or reserved DAG-CBOR length")
        size = 1 << (info - 24)
        if pos + size > len(data):
            raise CarError("truncated DAG-CBOR")
        if major == 7:  # floats keep their bits; the caller unpacks them
            return major, info, pos
        return major, int.from_bytes(data[pos : pos + size], "big"), pos + size

    def item(self, pos: int, depth: int) -> tuple[Any, int]:
        if depth > MAX_DEPTH:
            raise CarError("DAG-CBOR nested too deep")
        major, arg, pos = self._head(pos)
        data = self.data
        if major == 0:
            return arg, pos
        if major == 1:
            return -1 - arg, pos
        if major in (2, 3):
            if arg > len(data) - pos:
                raise CarError("truncated DAG-CBOR string")
            raw = data[pos : pos + arg]
            if major == 2:
                return raw, pos + arg
            try:
                return raw.decode("utf-8"), pos + arg
            except UnicodeDecodeError:
                raise CarError("a DAG-CBOR text string is not UTF-8") from None
        if major == 4:
            if arg > len(data) - pos:  # every item takes at least one byte
                raise CarError("truncated DAG-CBOR array")
            out = []
            for _ in range(arg):
                value, pos = self.item(pos, depth + 1)
                out.append(value)
            return out, pos
        if major == 5:
            if arg > (len(data) - pos) // 2:
                raise CarError("truncated DAG-CBOR map")
            result: dict[str, Any] = {}
            for _ in range(arg):
                key, pos = self.item(pos, depth + 1)
                if not isinstance(key, str):
                    raise CarError("a DAG-CBOR map key is not text")
                result[key], pos = self.item(pos, depth + 1)
            return result, pos
        if major == 6:
            if arg != 42:
                raise CarError(f"DAG-CBOR tag {arg} (only 42, links, is allowed)")
            raw, pos = self.item(pos, depth + 1)
            if not isinstance(raw, bytes) or not raw or raw[0] != 0:
                raise CarError("a DAG-CBOR link is not a CID")
            cid = raw[1:]
            if _cid_end(cid, 0) != len(cid):
                raise CarError("a DAG-CBOR link is not a CID")
            return Link(cid), pos
        # major 7: simple values and floats
        if arg < 24:
            simple = {20: False, 21: True, 22: None}
            if arg not in simple:
                raise CarError(f"DAG-CBOR simple value {arg}")
            return simple[arg], pos
        fmt = {25: ">e", 26: ">f", 27: ">d"}.get(arg)
        if fmt is None:
            raise CarError(f"DAG-CBOR simple value {arg}")
        size = struct.calcsize(fmt)
        return struct.unpack(fmt, data[pos : pos + size])[0], pos + size


# ----- the file --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Record:
    key: str  # "collection/rkey"
    cid: Link
    value: Any  # the decoded record

    @property
    def collection(self) -> str:
        return self.key.split("/", 1)[0]

    @property
    def rkey(self) -> str:
        return self.key.split("/", 1)[1] if "/" in self.key else ""


class CarFile:
    """A CAR file on disk, indexed by CID. Use as a context manager (it keeps the file open)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._f: IO[bytes] = self.path.open("rb")
        try:
            self.roots, self._index = self._scan()
        except BaseException:
            self._f.close()
            raise

    def __enter__(self) -> CarFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._f.close()

    def __len__(self) -> int:
        return len(self._index)

    def _scan(self) -> tuple[list[Link], dict[bytes, tuple[int, int]]]:
        f = self._f
        size = _read_varint(f)
        if size is None:
            raise CarError("the file is empty")
        if size > MAX_HEADER_BYTES:
            raise CarError("the CAR header is too large")
        raw = f.read(size)
        if len(raw) != size:
            raise CarError("the file ends inside the CAR header")
        header = decode(raw)
        if not isinstance(header, dict) or header.get("version") != 1:
            raise CarError("not a version 1 CAR file")
        roots = header.get("roots")
        if not isinstance(roots, list) or not roots or not all(isinstance(r, Link) for r in roots):
            raise CarError("the CAR header names no root")
        index: dict[bytes, tuple[int, int]] = {}
        while True:
            length = _read_varint(f)
            if length is None:
                break
            if length > MAX_BLOCK_BYTES:
                raise CarError(f"a block of {length} bytes is larger than a repo holds")
            start = f.tell()
            block = f.read(length)
            if len(block) != length:
                raise CarError("the file ends inside a block: the download is incomplete")
            end = _cid_end(block, 0)
            cid, data = block[:end], block[end:]
            if matches_cid(cid, data) is False:
                raise CarError(f"block {cid_string(cid)} does not match its CID")
            index[cid] = (start + end, len(data))
        return list(roots), index

    def __contains__(self, cid: bytes | Link) -> bool:
        return (cid.cid if isinstance(cid, Link) else cid) in self._index

    def block(self, cid: bytes | Link) -> bytes:
        key = cid.cid if isinstance(cid, Link) else cid
        where = self._index.get(key)
        if where is None:
            raise CarError(f"block {cid_string(key)} is missing from the file")
        self._f.seek(where[0])
        return self._f.read(where[1])

    def get(self, cid: bytes | Link) -> Any:
        return decode(self.block(cid))

    def commit(self) -> dict[str, Any]:
        commit = self.get(self.roots[0])
        if not isinstance(commit, dict) or not isinstance(commit.get("data"), Link):
            raise CarError("the root block is not a repository commit")
        return commit

    def keys(self) -> Iterator[tuple[str, Link]]:
        """Every (key, record CID) of the repository, in key order, from the commit's MST."""
        seen: set[bytes] = set()
        yield from self._walk(self.commit()["data"], 0, seen)

    def _walk(self, node_cid: Link, depth: int, seen: set[bytes]) -> Iterator[tuple[str, Link]]:
        if depth > MAX_TREE_DEPTH:
            raise CarError("the repository tree is too deep")
        if node_cid.cid in seen:
            raise CarError("the repository tree loops")
        seen.add(node_cid.cid)
        node = self.get(node_cid)
        entries = node.get("e") if isinstance(node, dict) else None
        if not isinstance(entries, list):
            raise CarError("a repository tree node is malformed")
        left = node.get("l")
        if isinstance(left, Link):
            yield from self._walk(left, depth + 1, seen)
        previous = b""
        for entry in entries:
            if not isinstance(entry, dict):
                raise CarError("a repository tree entry is malformed")
            prefix, suffix, value = entry.get("p"), entry.get("k"), entry.get("v")
            if (
                type(prefix) is not int
                or not 0 <= prefix <= len(previous)
                or not isinstance(suffix, bytes)
                or not isinstance(value, Link)
            ):
                raise CarError("a repository tree entry is malformed")
            key = previous[:prefix] + suffix
            if len(key) > MAX_KEY_BYTES:
                raise CarError("a repository key is too long")
            previous = key
            try:
                yield key.decode("ascii"), value
            except UnicodeDecodeError:
                raise CarError("a repository key is not ASCII") from None
            right = entry.get("t")
            if isinstance(right, Link):
                yield from self._walk(right, depth + 1, seen)

    def records(self) -> Iterator[Record]:
        """Every record with its key and decoded value, in key order."""
        for key, cid in self.keys():
            yield Record(key, cid, self.get(cid))

    def count_by_collection(self) -> dict[str, int]:
        return dict(Counter(key.split("/", 1)[0] for key, _ in self.keys()))


def blob_refs(value: Any) -> Iterator[tuple[str, str, int | None]]:
    """(CID, MIME type, size) of every blob a record refers to, wherever it sits in the record.

    Current blobs are `{$type: "blob", ref: link, mimeType, size}`; old records may hold the
    legacy `{cid: "b...", mimeType}` form. Nesting is already bounded by the decoder.
    """
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
            continue
        if not isinstance(item, dict):
            continue
        mime = item.get("mimeType")
        if item.get("$type") == "blob" and isinstance(item.get("ref"), Link):
            size = item.get("size")
            yield (
                str(item["ref"]),
                mime if isinstance(mime, str) else "",
                size if type(size) is int else None,
            )
            continue
        if set(item) == {"cid", "mimeType"} and isinstance(item["cid"], str):
            yield item["cid"], mime if isinstance(mime, str) else "", None
            continue
        stack.extend(reversed(list(item.values())))
