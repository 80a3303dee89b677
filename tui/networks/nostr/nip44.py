"""NIP-44 v2 payload encryption: ECDH (raw x coordinate), HKDF, ChaCha20, HMAC-SHA256.

coincurve's `PrivateKey.ecdh()` hashes the shared point, which NIP-44 does not want, so the
shared point is computed by multiplying the peer's public key and taking its x coordinate.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
import os

from coincurve import PublicKey
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

VERSION = 2
MIN_PLAINTEXT = 1
MAX_PLAINTEXT = 65535
_SALT = b"nip44-v2"


class Nip44Error(ValueError):
    pass


def conversation_key(secret: bytes, pubkey_hex: str) -> bytes:
    """HKDF-extract(salt='nip44-v2', IKM=x coordinate of secret·pub)."""
    try:
        point = PublicKey(b"\x02" + bytes.fromhex(pubkey_hex)).multiply(secret)
    except (ValueError, TypeError) as exc:
        raise Nip44Error(f"invalid key: {exc}") from None
    shared_x = point.format(compressed=True)[1:]
    return hmac.new(_SALT, shared_x, hashlib.sha256).digest()


def message_keys(conv_key: bytes, nonce: bytes) -> tuple[bytes, bytes, bytes]:
    """(chacha key, chacha nonce, hmac key) = HKDF-expand(conv_key, info=nonce, 76 bytes)."""
    if len(conv_key) != 32 or len(nonce) != 32:
        raise Nip44Error("conversation key and nonce are 32 bytes")
    okm = HKDFExpand(hashes.SHA256(), 76, nonce).derive(conv_key)
    return okm[:32], okm[32:44], okm[44:]


def padded_len(n: int) -> int:
    """NIP-44 padding scheme (the length range is checked by the callers)."""
    if n <= 32:
        return 32
    next_power = 1 << (math.floor(math.log2(n - 1)) + 1)
    chunk = 32 if next_power <= 256 else next_power // 8
    return chunk * (math.floor((n - 1) / chunk) + 1)


def _pad(plaintext: str) -> bytes:
    raw = plaintext.encode("utf-8")
    n = len(raw)
    if n < MIN_PLAINTEXT or n > MAX_PLAINTEXT:
        raise Nip44Error("invalid plaintext length")
    return n.to_bytes(2, "big") + raw + bytes(padded_len(n) - n)


def _unpad(padded: bytes) -> str:
    n = int.from_bytes(padded[:2], "big")
    body = padded[2 : 2 + n]
    if (
        not MIN_PLAINTEXT <= n <= MAX_PLAINTEXT
        or len(body) != n
        or len(padded) != 2 + padded_len(n)
    ):
        raise Nip44Error("invalid padding")
    return body.decode("utf-8")


def _chacha(key: bytes, nonce12: bytes, data: bytes) -> bytes:
    # cryptography's ChaCha20 takes a 16-byte nonce: 4-byte little-endian counter + 12-byte nonce.
    cipher = Cipher(algorithms.ChaCha20(key, bytes(4) + nonce12), mode=None)
    return cipher.encryptor().update(data)


def encrypt(plaintext: str, conv_key: bytes, nonce: bytes | None = None) -> str:
    nonce = os.urandom(32) if nonce is None else nonce
    ck, cn, hk = message_keys(conv_key, nonce)
    ciphertext = _chacha(ck, cn, _pad(plaintext))
    mac = hmac.new(hk, nonce + ciphertext, hashlib.sha256).digest()
    return base64.b64encode(bytes((VERSION,)) + nonce + ciphertext + mac).decode()


def decrypt(payload: str, conv_key: bytes) -> str:
    plen = len(payload)
    if not payload or payload[0] == "#":
        raise Nip44Error("unknown encryption version")
    if plen < 132 or plen > 87472:
        raise Nip44Error("invalid payload size")
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise Nip44Error("invalid base64") from None
    if len(data) < 99 or len(data) > 65603:
        raise Nip44Error("invalid data size")
    if data[0] != VERSION:
        raise Nip44Error(f"unknown encryption version {data[0]}")
    nonce, ciphertext, mac = data[1:33], data[33:-32], data[-32:]
    ck, cn, hk = message_keys(conv_key, nonce)
    expected = hmac.new(hk, nonce + ciphertext, hashlib.sha256).digest()
    if not hmac.compare_digest(expected, mac):
        raise Nip44Error("invalid MAC")
    try:
        return _unpad(_chacha(ck, cn, ciphertext))
    except UnicodeDecodeError:
        raise Nip44Error("invalid padding") from None
