"""NIP-01 events: ids, BIP-340 signatures, validation of untrusted events, filters, replaceables.

Every event from a relay goes through `verify_event` before anything else looks at it; an event
that fails any check is dropped with a reason, never shown.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from coincurve import PublicKeyXOnly

from tui.networks.nostr.keys import Keys

# Events dated further ahead than this are hidden (clock skew tolerance).
MAX_FUTURE_SECONDS = 15 * 60
MAX_EVENT_BYTES = 128 * 1024
MAX_TAGS = 2500
MAX_KIND = 65535

_HEX64 = re.compile(r"[0-9a-f]{64}\Z")
_HEX128 = re.compile(r"[0-9a-f]{128}\Z")
# One encoder for every id: `json.dumps` with options builds a new one per call.
_CANONICAL = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
_FIELDS = frozenset(("id", "pubkey", "created_at", "kind", "tags", "content", "sig"))


class InvalidEvent(ValueError):
    """Why an event was refused (a short phrase, safe to log)."""


@dataclass(frozen=True, slots=True)
class NostrEvent:
    id: str
    pubkey: str
    created_at: int
    kind: int
    tags: tuple[tuple[str, ...], ...]
    content: str
    sig: str

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "pubkey": self.pubkey,
            "created_at": self.created_at,
            "kind": self.kind,
            "tags": [list(t) for t in self.tags],
            "content": self.content,
            "sig": self.sig,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=False)

    def tag_values(self, name: str) -> list[str]:
        """Second element of every tag called `name` (e.g. all `p` pubkeys)."""
        return [t[1] for t in self.tags if len(t) > 1 and t[0] == name]

    def first_tag(self, name: str) -> tuple[str, ...] | None:
        for t in self.tags:
            if t and t[0] == name:
                return t
        return None

    @property
    def replace_key(self) -> str | None:
        """Identity of a replaceable / addressable event, None for regular ones."""
        k = self.kind
        if k in (0, 3) or 10000 <= k < 20000:
            return f"{k}:{self.pubkey}"
        if 30000 <= k < 40000:
            d = self.first_tag("d")
            return f"{k}:{self.pubkey}:{d[1] if d and len(d) > 1 else ''}"
        return None


def serialize(
    pubkey: str, created_at: int, kind: int, tags: Sequence[Sequence[str]], content: str
) -> bytes:
    """NIP-01 canonical form: compact JSON, UTF-8, no ASCII escaping."""
    return _CANONICAL.encode([0, pubkey, created_at, kind, tags, content]).encode("utf-8")


def compute_id(
    pubkey: str, created_at: int, kind: int, tags: Sequence[Sequence[str]], content: str
) -> str:
    return hashlib.sha256(serialize(pubkey, created_at, kind, tags, content)).hexdigest()


def sign(
    keys: Keys,
    kind: int,
    content: str,
    tags: Iterable[Sequence[str]] = (),
    created_at: int | None = None,
) -> NostrEvent:
    tag_t = tuple(tuple(str(x) for x in t) for t in tags)
    ts = int(time.time()) if created_at is None else int(created_at)
    raw = serialize(keys.public_hex, ts, kind, tag_t, content)
    digest = hashlib.sha256(raw).digest()
    sig = keys.private.sign_schnorr(digest)
    return NostrEvent(digest.hex(), keys.public_hex, ts, kind, tag_t, content, sig.hex())


@functools.lru_cache(maxsize=8192)
def _xonly(pubkey: str) -> PublicKeyXOnly:
    # Parsing a key costs about a third of a verification; timelines repeat the same authors.
    return PublicKeyXOnly(bytes.fromhex(pubkey))


def verify_event(
    raw: object,
    *,
    now: float | None = None,
    max_bytes: int = MAX_EVENT_BYTES,
    check_future: bool = True,
) -> NostrEvent:
    """Validate an untrusted event (as parsed JSON). Raises InvalidEvent saying why."""
    ev, check = check_event(raw, now=now, max_bytes=max_bytes, check_future=check_future)
    if not check.valid():
        raise InvalidEvent("bad signature")
    return ev


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    """The BIP-340 check left to do for an event `check_event` accepted. `valid()` is one call
    into libsecp256k1, which runs without the GIL: many of them spread over threads in parallel."""

    key: PublicKeyXOnly | None
    sig: bytes
    digest: bytes

    def valid(self) -> bool:
        return self.key is not None and self.key.verify(self.sig, self.digest)


def check_event(
    raw: object,
    *,
    now: float | None = None,
    max_bytes: int = MAX_EVENT_BYTES,
    check_future: bool = True,
) -> tuple[NostrEvent, SignatureCheck]:
    """Every check of `verify_event` but the signature's, which is returned to be run (the event
    must not be used unless it passes). Raises InvalidEvent saying why."""
    if not isinstance(raw, dict) or not _FIELDS <= raw.keys():
        raise InvalidEvent("not an event object")
    eid, pubkey, sig = raw["id"], raw["pubkey"], raw["sig"]
    created_at, kind, tags, content = raw["created_at"], raw["kind"], raw["tags"], raw["content"]
    if not (isinstance(eid, str) and _HEX64.match(eid)):
        raise InvalidEvent("bad id")
    if not (isinstance(pubkey, str) and _HEX64.match(pubkey)):
        raise InvalidEvent("bad pubkey")
    if not (isinstance(sig, str) and _HEX128.match(sig)):
        raise InvalidEvent("bad signature field")
    if type(created_at) is not int or not 0 <= created_at < 2**40:
        raise InvalidEvent("bad created_at")
    if type(kind) is not int or not 0 <= kind <= MAX_KIND:
        raise InvalidEvent("bad kind")
    if not isinstance(content, str):
        raise InvalidEvent("bad content")
    if not isinstance(tags, list) or len(tags) > MAX_TAGS:
        raise InvalidEvent("bad tags")
    for t in tags:
        if not isinstance(t, list):
            raise InvalidEvent("bad tag")
        for x in t:
            if not isinstance(x, str):
                raise InvalidEvent("bad tag")
    if check_future and created_at > (time.time() if now is None else now) + MAX_FUTURE_SECONDS:
        raise InvalidEvent("dated in the future")
    try:
        payload = serialize(pubkey, created_at, kind, tags, content)
    except UnicodeEncodeError:
        raise InvalidEvent("invalid unicode") from None
    if len(payload) + 200 > max_bytes:
        raise InvalidEvent("too large")
    digest = hashlib.sha256(payload).digest()
    if digest.hex() != eid:
        raise InvalidEvent("id does not match content")
    try:
        key: PublicKeyXOnly | None = _xonly(pubkey)
    except ValueError:  # not a point on the curve: no signature by it can be valid
        key = None
    ev = NostrEvent(eid, pubkey, created_at, kind, tuple(map(tuple, tags)), content, sig)
    return ev, SignatureCheck(key, bytes.fromhex(sig), digest)


def matches(flt: Mapping[str, object], ev: NostrEvent) -> bool:
    """Does `ev` answer the NIP-01 filter? (`search` and `limit` are the relay's business.)"""
    for key, want in flt.items():
        if key == "ids":
            if ev.id not in want:  # type: ignore[operator]
                return False
        elif key == "authors":
            if ev.pubkey not in want:  # type: ignore[operator]
                return False
        elif key == "kinds":
            if ev.kind not in want:  # type: ignore[operator]
                return False
        elif key == "since":
            if ev.created_at < want:  # type: ignore[operator]
                return False
        elif key == "until":
            if ev.created_at > want:  # type: ignore[operator]
                return False
        elif key.startswith("#") and len(key) == 2:
            values = set(want)  # type: ignore[arg-type]
            if not any(len(t) > 1 and t[0] == key[1] and t[1] in values for t in ev.tags):
                return False
    return True


def matches_any(filters: Sequence[Mapping[str, object]], ev: NostrEvent) -> bool:
    return any(matches(f, ev) for f in filters)


def compile_filters(filters: Sequence[Mapping[str, object]]) -> Callable[[NostrEvent], bool]:
    """`matches_any` for filters checked against every event of a subscription: each filter's
    lists become sets once, instead of a list scan per event (50 authors × 10 filters)."""
    try:
        compiled = [_compile(f) for f in filters]
    except TypeError:  # an unhashable value: the plain check gives the same answers
        return lambda ev: matches_any(filters, ev)

    def check(ev: NostrEvent) -> bool:
        for ids, authors, kinds, since, until, tags in compiled:
            if since is not None and ev.created_at < since:
                continue
            if until is not None and ev.created_at > until:
                continue
            if kinds is not None and ev.kind not in kinds:
                continue
            if authors is not None and ev.pubkey not in authors:
                continue
            if ids is not None and ev.id not in ids:
                continue
            if tags and not all(
                any(len(t) > 1 and t[0] == name and t[1] in values for t in ev.tags)
                for name, values in tags
            ):
                continue
            return True
        return False

    return check


def _compile(flt: Mapping[str, object]) -> tuple:
    def values(key: str) -> frozenset | None:
        want = flt.get(key)
        return None if want is None else frozenset(want)  # type: ignore[arg-type]

    tags = tuple(
        (key[1], frozenset(want))  # type: ignore[arg-type]
        for key, want in flt.items()
        if key.startswith("#") and len(key) == 2
    )
    return (
        values("ids"),
        values("authors"),
        values("kinds"),
        flt.get("since"),
        flt.get("until"),
        tags,
    )


def is_newer(a: NostrEvent, b: NostrEvent) -> bool:
    """NIP-01 replaceable rule: newest wins; on a tie the lowest id wins."""
    return a.created_at > b.created_at or (a.created_at == b.created_at and a.id < b.id)


def keep_newest(events: Iterable[NostrEvent]) -> list[NostrEvent]:
    """Dedupe by id and keep only the newest version of each replaceable/addressable event."""
    regular: dict[str, NostrEvent] = {}
    latest: dict[str, NostrEvent] = {}
    for ev in events:
        key = ev.replace_key
        if key is None:
            regular[ev.id] = ev
        elif key not in latest or is_newer(ev, latest[key]):
            latest[key] = ev
    return list(regular.values()) + list(latest.values())
