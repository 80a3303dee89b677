"""NIP-17 private messages: kind 14 chat rumors, gift-wrapped (NIP-59) once per recipient and
once to the author, sent to each recipient's kind 10050 inbox relays. NIP-04 (kind 4) messages
are decrypted for reading only: they leak who talks to whom and when, so they are never sent.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass

from coincurve import PublicKey
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from tui.networks.nostr import nip59
from tui.networks.nostr.event import NostrEvent
from tui.networks.nostr.keys import Keys
from tui.networks.nostr.relay import normalize_url

CHAT_KIND = 14
FILE_KIND = 15
INBOX_KIND = 10050
LEGACY_KIND = 4
_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True, slots=True)
class Message:
    """One private message as the conversation shows it."""

    id: str
    sender: str
    participants: frozenset[str]  # everyone in the conversation, the sender included
    created_at: int
    content: str
    subject: str = ""
    reply_to: str = ""
    legacy: bool = False  # NIP-04: readable by us, but the relays see who talks to whom

    def conversation(self) -> str:
        return conversation_id(self.participants)


def conversation_id(pubkeys: Iterable[str]) -> str:
    """A conversation is its set of participants (NIP-17), whoever wrote last."""
    return ",".join(sorted(set(pubkeys)))


def _pubkey(value: str) -> bool:
    return len(value) == 64 and set(value) <= _HEX


def inbox_relays(ev: NostrEvent) -> list[str]:
    """The relays of a kind 10050 (`relay` tags), normalised; bad URLs are left out."""
    out: list[str] = []
    for url in ev.tag_values("relay"):
        try:
            out.append(normalize_url(url))
        except ValueError:
            continue
    return list(dict.fromkeys(out))


def from_rumor(rumor: nip59.Rumor) -> Message | None:
    """A chat message from an unwrapped rumor; None for rumors that are not kind 14."""
    if rumor.kind != CHAT_KIND:
        return None
    people = {rumor.pubkey, *(p for p in rumor.tag_values("p") if _pubkey(p))}
    subject = next(iter(rumor.tag_values("subject")), "")
    reply = next(iter(rumor.tag_values("e")), "")
    return Message(
        rumor.id,
        rumor.pubkey,
        frozenset(people),
        rumor.created_at,
        rumor.content,
        subject=subject,
        reply_to=reply if _pubkey(reply) else "",
    )


def build(
    keys: Keys,
    recipients: Iterable[str],
    text: str,
    *,
    subject: str = "",
    reply_to: str = "",
    created_at: int | None = None,
) -> tuple[nip59.Rumor, dict[str, NostrEvent]]:
    """The rumor and its gift wraps, by recipient pubkey; the author gets one too (to read
    their own sent messages on another device)."""
    people = [p for p in dict.fromkeys(recipients) if p != keys.public_hex]
    if not people:
        raise ValueError("a private message needs at least one recipient")
    tags: list[list[str]] = [["p", p] for p in people]
    if reply_to:
        tags.append(["e", reply_to, "", "reply"])
    if subject:
        tags.append(["subject", subject])
    inner = nip59.rumor(keys.public_hex, CHAT_KIND, text, tags, created_at=created_at)
    wraps = {p: nip59.gift_wrap(keys, inner, p) for p in [*people, keys.public_hex]}
    return inner, wraps


# ----- NIP-04 (read only) -------------------------------------------------------------------
def _nip04_key(secret: bytes, pubkey: str) -> bytes:
    point = PublicKey(b"\x02" + bytes.fromhex(pubkey)).multiply(secret)
    return point.format(compressed=True)[1:]


def nip04_decrypt(keys: Keys, ev: NostrEvent) -> Message:
    """A kind 4 message to or from us. Raises ValueError when it cannot be read."""
    if ev.kind != LEGACY_KIND:
        raise ValueError("not a NIP-04 message")
    tagged = [p for p in ev.tag_values("p") if _pubkey(p)]
    if ev.pubkey == keys.public_hex:
        if not tagged:
            raise ValueError("a NIP-04 message without a recipient")
        peer = recipient = tagged[0]
    elif keys.public_hex in tagged:
        peer, recipient = ev.pubkey, keys.public_hex
    else:
        raise ValueError("a NIP-04 message for someone else")
    body, sep, iv_part = ev.content.partition("?iv=")
    if not sep:
        raise ValueError("a NIP-04 message without an iv")
    try:
        data = base64.b64decode(body, validate=True)
        iv = base64.b64decode(iv_part, validate=True)
        key = _nip04_key(keys.secret, peer)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise ValueError(f"NIP-04 payload: {exc}") from None
    if len(iv) != 16 or not data or len(data) % 16:
        raise ValueError("NIP-04 payload has a bad size")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(data) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        plain = (unpadder.update(padded) + unpadder.finalize()).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise ValueError("NIP-04 message could not be decrypted") from None
    return Message(
        ev.id,
        ev.pubkey,
        frozenset({ev.pubkey, recipient}),
        ev.created_at,
        plain,
        legacy=True,
    )
