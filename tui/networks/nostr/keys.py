"""Key pairs: generate, import nsec / hex / ncryptsec, show npub."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from coincurve import PrivateKey

from tui.networks.nostr import nip19, nip49


@dataclass(frozen=True)
class Keys:
    """A secp256k1 key pair. `public_hex` is the 32-byte x-only key (NIP-01 pubkey)."""

    secret: bytes
    public_hex: str

    @classmethod
    def generate(cls) -> Keys:
        return cls.from_secret(PrivateKey().secret)

    @classmethod
    def from_secret(cls, secret: bytes) -> Keys:
        if len(secret) != 32:
            raise ValueError("a secret key is 32 bytes")
        try:
            pk = PrivateKey(secret)
        except ValueError:
            raise ValueError("not a valid secp256k1 secret key") from None
        return cls(secret, pk.public_key_xonly.format().hex())

    @classmethod
    def parse(cls, text: str) -> Keys:
        """Import an nsec or 64 hex characters. ncryptsec needs `parse_async` (a password)."""
        text = text.strip()
        if text.startswith("nsec1"):
            entity = nip19.decode(text)
            return cls.from_secret(bytes.fromhex(entity.hex))
        if len(text) == 64:
            try:
                return cls.from_secret(bytes.fromhex(text))
            except ValueError:
                pass
        raise ValueError("expected an nsec1…, ncryptsec1… or 64 hex characters")

    @classmethod
    async def parse_async(cls, text: str, password: Callable[[], Awaitable[str]]) -> Keys:
        """Like `parse`, also accepting ncryptsec (NIP-49): `password()` is awaited for it."""
        text = text.strip()
        if text.startswith("ncryptsec1"):
            return cls.from_secret(nip49.decrypt(text, await password()))
        return cls.parse(text)

    @property
    def private(self) -> PrivateKey:
        return PrivateKey(self.secret)

    @property
    def nsec(self) -> str:
        return nip19.encode("nsec", self.secret.hex())

    @property
    def npub(self) -> str:
        return nip19.npub(self.public_hex)

    def __repr__(self) -> str:  # never print the secret
        return f"Keys({self.npub})"


def short_npub(pubkey_hex: str) -> str:
    """A compact, recognisable form: npub1abcd…wxyz."""
    full = nip19.npub(pubkey_hex)
    return f"{full[:9]}…{full[-4:]}"
