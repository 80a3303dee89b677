"""NIP-19 bech32 entities (npub, nsec, note, nprofile, nevent, naddr) and NIP-21 `nostr:` URIs."""

from __future__ import annotations

from dataclasses import dataclass

_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_GEN = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
# NIP-19 TLV entities exceed BIP-173's 90 characters; cap well above any sane use instead.
MAX_BECH32_LEN = 5000


class Bech32Error(ValueError):
    pass


def _polymod(values: list[int]) -> int:
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            if (top >> i) & 1:
                chk ^= _GEN[i]
    return chk


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _convertbits(data: bytes | list[int], frombits: int, tobits: int, pad: bool) -> list[int]:
    acc = bits = 0
    out: list[int] = []
    maxv = (1 << tobits) - 1
    for value in data:
        if value < 0 or value >> frombits:
            raise Bech32Error("invalid data value")
        acc = (acc << frombits) | value
        bits += frombits
        while bits >= tobits:
            bits -= tobits
            out.append((acc >> bits) & maxv)
    if pad:
        if bits:
            out.append((acc << (tobits - bits)) & maxv)
    elif bits >= frombits or ((acc << (tobits - bits)) & maxv):
        raise Bech32Error("invalid padding")
    return out


def bech32_encode(hrp: str, data: bytes) -> str:
    words = _convertbits(data, 8, 5, True)
    values = _hrp_expand(hrp) + words
    polymod = _polymod(values + [0] * 6) ^ 1
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_CHARSET[d] for d in words + checksum)


def bech32_decode(text: str) -> tuple[str, bytes]:
    """Decode bech32 (not bech32m) into (hrp, bytes). Raises Bech32Error."""
    if len(text) > MAX_BECH32_LEN:
        raise Bech32Error("too long")
    if text.lower() != text and text.upper() != text:
        raise Bech32Error("mixed case")
    text = text.lower()
    pos = text.rfind("1")
    if pos < 1 or pos + 7 > len(text):
        raise Bech32Error("no separator")
    hrp, rest = text[:pos], text[pos + 1 :]
    if any(ord(c) < 33 or ord(c) > 126 for c in hrp):
        raise Bech32Error("invalid prefix")
    try:
        values = [_CHARSET.index(c) for c in rest]
    except ValueError:
        raise Bech32Error("invalid character") from None
    if _polymod(_hrp_expand(hrp) + values) != 1:
        raise Bech32Error("bad checksum")
    return hrp, bytes(_convertbits(values[:-6], 5, 8, False))


@dataclass(frozen=True, slots=True)
class Entity:
    """A decoded NIP-19 entity. `hex` is the key / id (empty for naddr); relays are hints."""

    kind: str  # npub, nsec, note, nprofile, nevent, naddr
    hex: str = ""
    relays: tuple[str, ...] = ()
    author: str = ""
    event_kind: int | None = None
    identifier: str = ""  # naddr's d tag


_SIMPLE = {"npub", "nsec", "note"}


def _tlv(items: list[tuple[int, bytes]]) -> bytes:
    out = bytearray()
    for t, v in items:
        if len(v) > 255:
            raise ValueError("TLV value too long")
        out += bytes((t, len(v))) + v
    return bytes(out)


def _check_hex32(value: str, what: str) -> bytes:
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raise ValueError(f"{what} is not hex") from None
    if len(raw) != 32:
        raise ValueError(f"{what} must be 32 bytes")
    return raw


def encode(kind: str, hex_value: str) -> str:
    """npub / nsec / note from 32 bytes of hex."""
    if kind not in _SIMPLE:
        raise ValueError(f"not a simple entity: {kind}")
    return bech32_encode(kind, _check_hex32(hex_value, kind))


def npub(pubkey_hex: str) -> str:
    return encode("npub", pubkey_hex)


def note(event_id: str) -> str:
    return encode("note", event_id)


def nprofile(pubkey_hex: str, relays: tuple[str, ...] | list[str] = ()) -> str:
    items = [(0, _check_hex32(pubkey_hex, "pubkey"))] + [(1, r.encode()) for r in relays]
    return bech32_encode("nprofile", _tlv(items))


def nevent(
    event_id: str,
    relays: tuple[str, ...] | list[str] = (),
    author: str = "",
    kind: int | None = None,
) -> str:
    items = [(0, _check_hex32(event_id, "event id"))] + [(1, r.encode()) for r in relays]
    if author:
        items.append((2, _check_hex32(author, "author")))
    if kind is not None:
        items.append((3, kind.to_bytes(4, "big")))
    return bech32_encode("nevent", _tlv(items))


def naddr(identifier: str, author: str, kind: int, relays: tuple[str, ...] | list[str] = ()) -> str:
    items = [(0, identifier.encode())] + [(1, r.encode()) for r in relays]
    items += [(2, _check_hex32(author, "author")), (3, kind.to_bytes(4, "big"))]
    return bech32_encode("naddr", _tlv(items))


def _parse_tlv(data: bytes) -> dict[int, list[bytes]]:
    out: dict[int, list[bytes]] = {}
    i = 0
    while i < len(data):
        if i + 2 > len(data):
            raise Bech32Error("truncated TLV")
        t, length = data[i], data[i + 1]
        value = data[i + 2 : i + 2 + length]
        if len(value) != length:
            raise Bech32Error("truncated TLV")
        out.setdefault(t, []).append(value)
        i += 2 + length
    return out


def _relays(values: list[bytes]) -> tuple[str, ...]:
    return tuple(v.decode("ascii", "replace") for v in values)


def decode(text: str) -> Entity:
    """Decode any NIP-19 entity (a `nostr:` prefix is accepted). Raises ValueError."""
    if text.lower().startswith("nostr:"):
        text = text[6:]
    hrp, data = bech32_decode(text.strip())
    if hrp in _SIMPLE:
        if len(data) != 32:
            raise Bech32Error(f"{hrp} must hold 32 bytes")
        return Entity(hrp, data.hex())
    if hrp not in ("nprofile", "nevent", "naddr"):
        raise Bech32Error(f"unknown entity {hrp!r}")
    tlv = _parse_tlv(data)
    special = tlv.get(0, [])
    if len(special) != 1:
        raise Bech32Error(f"{hrp} needs exactly one special value")
    author_v = tlv.get(2, [b""])[0]
    if author_v and len(author_v) != 32:
        raise Bech32Error("author must be 32 bytes")
    kind_v = tlv.get(3, [])
    if kind_v and len(kind_v[0]) != 4:
        raise Bech32Error("kind must be 4 bytes")
    event_kind = int.from_bytes(kind_v[0], "big") if kind_v else None
    relays = _relays(tlv.get(1, []))
    if hrp == "naddr":
        if not author_v or event_kind is None:
            raise Bech32Error("naddr needs author and kind")
        ident = special[0].decode("utf-8", "replace")
        return Entity(hrp, "", relays, author_v.hex(), event_kind, ident)
    if len(special[0]) != 32:
        raise Bech32Error(f"{hrp} special value must be 32 bytes")
    return Entity(hrp, special[0].hex(), relays, author_v.hex(), event_kind)


def to_uri(entity: str) -> str:
    """NIP-21: `nostr:` + entity. nsec is never put in a URI."""
    if entity.startswith("nsec"):
        raise ValueError("nsec must not be shared as a nostr: URI")
    return "nostr:" + entity


def parse_uri(uri: str) -> Entity:
    """Parse a NIP-21 `nostr:` URI; nsec is refused."""
    if not uri.lower().startswith("nostr:"):
        raise ValueError("not a nostr: URI")
    entity = decode(uri[6:])
    if entity.kind == "nsec":
        raise ValueError("nostr: URIs must not carry an nsec")
    return entity


def pubkey_from(who: str) -> str:
    """Accept hex, npub, nprofile (with or without `nostr:`); return hex. Raises ValueError."""
    who = who.strip().removeprefix("@")
    if len(who) == 64:
        _check_hex32(who, "pubkey")
        return who.lower()
    entity = decode(who)
    if entity.kind not in ("npub", "nprofile"):
        raise ValueError(f"{entity.kind} is not a public key")
    return entity.hex
