"""Keys in an export: a Nostr secret key only as NIP-49 `ncryptsec`, never in the clear; the
tokens and app passwords of Mastodon and Bluesky never (the README says how to make new ones).
"""

from __future__ import annotations

import asyncio
from typing import Any

from tui.export.base import ExportContext, write_text
from tui.model import NetworkKind

NCRYPTSEC_FILE = "nostr_key.ncryptsec"
LOG_N = 16  # NIP-49's suggested strength: 64 MiB and a fraction of a second per try
# NIP-49 key_security: 0x00 known to have been handled insecurely, 0x01 known not to have been,
# 0x02 unknown. Murmur keeps keys encrypted, but cannot know where an imported key has been.
KEY_SECURITY_UNKNOWN = 0x02
MIN_PASSWORD = 8


class WeakPassword(ValueError):
    pass


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise WeakPassword(f"the export password needs at least {MIN_PASSWORD} characters")


def encrypt_secret(secret: bytes, password: str) -> str:
    """The 32-byte secret key as an `ncryptsec1…` string (NIP-49)."""
    from tui.networks.nostr import nip49

    return nip49.encrypt(secret, password, log_n=LOG_N, key_security=KEY_SECURITY_UNKNOWN)


TOKENS_NOT_EXPORTED = {
    NetworkKind.MASTODON: (
        "Your access token is not exported, on purpose: it is a password. To use this account "
        "elsewhere, log in there (with Murmur: `murmur login mastodon SERVER`); to end Murmur's "
        "access, revoke it under Preferences > Account > Authorized apps on your server."
    ),
    NetworkKind.BLUESKY: (
        "Your app password is not exported, on purpose: it is a password. Make a new one for "
        "each app under Settings > Privacy and security > App passwords (bsky.app), and delete "
        "the one Murmur used there when you stop using it."
    ),
}


async def export_keys(network: Any, ctx: ExportContext, password: str | None) -> list[str]:
    """Write what `--keys` asks for (`password` is None without it); return README notes."""
    kind = network.kind
    if kind in TOKENS_NOT_EXPORTED:
        return [TOKENS_NOT_EXPORTED[kind]]
    if kind is not NetworkKind.NOSTR:
        return []
    keys = getattr(network, "keys", None)
    if keys is None:
        return ["This account has no secret key in Murmur (it only reads): none is exported."]
    if password is None:
        return [
            "Your secret key is not in this export. `murmur export --keys` adds it, encrypted "
            f"under a password you choose ({NCRYPTSEC_FILE}, NIP-49)."
        ]
    ncryptsec = await asyncio.to_thread(encrypt_secret, keys.secret, password)
    write_text(ctx.dest / NCRYPTSEC_FILE, ncryptsec + "\n")
    ctx.files[NCRYPTSEC_FILE] = (
        "your secret key, encrypted with the export password (NIP-49 ncryptsec): clients that "
        "import an ncryptsec ask for that password; keep the file and the password apart"
    )
    ctx.progress("keys: secret key written as ncryptsec")
    return []
