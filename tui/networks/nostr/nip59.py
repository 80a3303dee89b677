"""NIP-59 gift wraps: a rumor (unsigned event) sealed by its author (kind 13) and wrapped by a
throwaway key (kind 1059), each layer encrypted with NIP-44 v2 and dated up to two days back so
that the relay learns neither the author nor when the message was written.

`unwrap` trusts nothing: the wrap and the seal are verified like any relay event, the rumor's id
is recomputed and its author must be the seal's signer.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass

from tui import jsonsafe
from tui.networks.nostr import nip44
from tui.networks.nostr.event import InvalidEvent, NostrEvent, compute_id, sign, verify_event
from tui.networks.nostr.keys import Keys

SEAL_KIND = 13
WRAP_KIND = 1059
# NIP-59: "created_at ... randomized up to two days in the past".
MAX_TWEAK = 2 * 24 * 3600


class UnwrapError(ValueError):
    """Why a gift wrap could not be opened (not for us, tampered, malformed): safe to log."""


@dataclass(frozen=True, slots=True)
class Rumor:
    """An unsigned event: what the author actually wrote, known only to the recipients."""

    id: str
    pubkey: str
    created_at: int
    kind: int
    tags: tuple[tuple[str, ...], ...]
    content: str

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "pubkey": self.pubkey,
            "created_at": self.created_at,
            "kind": self.kind,
            "tags": [list(t) for t in self.tags],
            "content": self.content,
        }

    def tag_values(self, name: str) -> list[str]:
        return [t[1] for t in self.tags if len(t) > 1 and t[0] == name]


def tweaked(now: float | None = None) -> int:
    """A timestamp up to two days before now, never in the future."""
    base = int(time.time() if now is None else now)
    return base - secrets.randbelow(MAX_TWEAK)


def rumor(
    author: str,
    kind: int,
    content: str,
    tags: Sequence[Sequence[str]],
    created_at: int | None = None,
) -> Rumor:
    ts = int(time.time()) if created_at is None else created_at
    tag_t = tuple(tuple(str(x) for x in t) for t in tags)
    return Rumor(compute_id(author, ts, kind, tag_t, content), author, ts, kind, tag_t, content)


def _json(data: object) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def seal(author: Keys, inner: Rumor, recipient: str) -> NostrEvent:
    if inner.pubkey != author.public_hex:
        raise ValueError("a rumor is sealed by its own author")
    key = nip44.conversation_key(author.secret, recipient)
    content = nip44.encrypt(_json(inner.to_dict()), key)
    return sign(author, SEAL_KIND, content, (), created_at=tweaked())


def wrap(sealed: NostrEvent, recipient: str) -> NostrEvent:
    """Wrap a seal for `recipient` with a fresh random key (one per wrap)."""
    throwaway = Keys.generate()
    key = nip44.conversation_key(throwaway.secret, recipient)
    content = nip44.encrypt(sealed.to_json(), key)
    return sign(throwaway, WRAP_KIND, content, [["p", recipient]], created_at=tweaked())


def gift_wrap(author: Keys, inner: Rumor, recipient: str) -> NostrEvent:
    return wrap(seal(author, inner, recipient), recipient)


def _decrypt(keys: Keys, sender: str, payload: str, what: str) -> object:
    try:
        plain = nip44.decrypt(payload, nip44.conversation_key(keys.secret, sender))
    except nip44.Nip44Error as exc:
        raise UnwrapError(f"{what}: {exc}") from None
    try:
        return jsonsafe.loads(plain)
    except ValueError:
        raise UnwrapError(f"{what} is not JSON") from None


def _rumor(raw: object) -> Rumor:
    if not isinstance(raw, dict):
        raise UnwrapError("the rumor is not an event object")
    pubkey, created_at, kind = raw.get("pubkey"), raw.get("created_at"), raw.get("kind")
    tags, content = raw.get("tags"), raw.get("content")
    if not (isinstance(pubkey, str) and len(pubkey) == 64):
        raise UnwrapError("the rumor has no author")
    if type(created_at) is not int or not 0 <= created_at < 2**40:
        raise UnwrapError("the rumor has no date")
    if type(kind) is not int or not isinstance(content, str) or not isinstance(tags, list):
        raise UnwrapError("the rumor is malformed")
    if not all(isinstance(t, list) and all(isinstance(x, str) for x in t) for t in tags):
        raise UnwrapError("the rumor's tags are malformed")
    tag_t = tuple(tuple(t) for t in tags)
    try:
        eid = compute_id(pubkey, created_at, kind, tag_t, content)
    except UnicodeEncodeError:
        raise UnwrapError("the rumor is not valid unicode") from None
    if raw.get("id") not in (None, eid):
        raise UnwrapError("the rumor's id does not match its content")
    return Rumor(eid, pubkey, created_at, kind, tag_t, content)


def unwrap(keys: Keys, gift: NostrEvent) -> tuple[Rumor, NostrEvent]:
    """Open a (verified) kind 1059 addressed to `keys`: (the rumor, its seal)."""
    if gift.kind != WRAP_KIND:
        raise UnwrapError("not a gift wrap")
    raw_seal = _decrypt(keys, gift.pubkey, gift.content, "the gift wrap")
    try:
        sealed = verify_event(raw_seal, check_future=False)
    except InvalidEvent as exc:
        raise UnwrapError(f"the seal is not valid: {exc}") from None
    if sealed.kind != SEAL_KIND:
        raise UnwrapError("the gift wrap holds no seal")
    if sealed.tags:
        raise UnwrapError("a seal carries no tags")
    inner = _rumor(_decrypt(keys, sealed.pubkey, sealed.content, "the seal"))
    if inner.pubkey != sealed.pubkey:
        raise UnwrapError("the rumor's author did not sign its seal (impersonation)")
    return inner, sealed
