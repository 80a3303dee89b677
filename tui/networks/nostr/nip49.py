"""NIP-49 private-key encryption (ncryptsec): scrypt + XChaCha20-Poly1305, via pynacl."""

from __future__ import annotations

import os
import unicodedata

from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_decrypt,
    crypto_aead_xchacha20poly1305_ietf_encrypt,
)
from nacl.exceptions import CryptoError
from nacl.hashlib import scrypt

from tui.networks.nostr import nip19

VERSION = 0x02
KEY_SECURITY_UNKNOWN = 0x02
# log_n above 22 needs > 4 GiB of memory: refuse rather than exhaust the machine.
MAX_LOG_N = 22


class Nip49Error(ValueError):
    pass


def _key(password: str, salt: bytes, log_n: int) -> bytes:
    pw = unicodedata.normalize("NFKC", password).encode()
    maxmem = 128 * 8 * (1 << log_n) + 1024 * 1024 * 16
    return scrypt(pw, salt=salt, n=1 << log_n, r=8, p=1, dklen=32, maxmem=maxmem)


def encrypt(
    secret: bytes, password: str, log_n: int = 16, key_security: int = KEY_SECURITY_UNKNOWN
) -> str:
    if len(secret) != 32:
        raise Nip49Error("a secret key is 32 bytes")
    salt, nonce = os.urandom(16), os.urandom(24)
    ad = bytes((key_security,))
    ct = crypto_aead_xchacha20poly1305_ietf_encrypt(secret, ad, nonce, _key(password, salt, log_n))
    return nip19.bech32_encode("ncryptsec", bytes((VERSION, log_n)) + salt + nonce + ad + ct)


def decrypt(ncryptsec: str, password: str) -> bytes:
    """Return the 32-byte secret. Raises Nip49Error (wrong password, bad data)."""
    try:
        hrp, data = nip19.bech32_decode(ncryptsec.strip())
    except ValueError as exc:
        raise Nip49Error(f"not an ncryptsec: {exc}") from None
    if hrp != "ncryptsec" or len(data) != 91:
        raise Nip49Error("not an ncryptsec")
    if data[0] != VERSION:
        raise Nip49Error(f"unknown ncryptsec version {data[0]}")
    log_n = data[1]
    if log_n > MAX_LOG_N:
        raise Nip49Error(f"log_n {log_n} needs too much memory")
    salt, nonce, ad, ct = data[2:18], data[18:42], data[42:43], data[43:]
    try:
        secret = crypto_aead_xchacha20poly1305_ietf_decrypt(
            ct, ad, nonce, _key(password, salt, log_n)
        )
    except CryptoError:
        raise Nip49Error("wrong password or damaged ncryptsec") from None
    return secret
