"""Nostr login: create a new identity or import a key (nsec, hex, ncryptsec)."""

from __future__ import annotations

from collections.abc import Mapping

from tui.model import Account, NetworkKind
from tui.networks.base import Ask, AuthError, LoginResult, NetworkError, Prompt
from tui.networks.nostr.keys import Keys
from tui.networks.nostr.options import DEFAULT_RELAYS
from tui.networks.nostr.relay import normalize_url


async def login(params: Mapping[str, str], ask: Ask) -> LoginResult:
    """Create (`generate`="1") or import (`key`: nsec, hex or ncryptsec) a Nostr identity."""
    relays_text = params.get("relays", "")
    raw = [r.strip() for r in relays_text.split(",") if r.strip()] or DEFAULT_RELAYS
    try:
        relays = list(dict.fromkeys(normalize_url(r) for r in raw))
    except ValueError as exc:
        raise NetworkError(str(exc), network="nostr") from None
    if params.get("generate") in ("1", "true", "yes"):
        keys = Keys.generate()
    else:
        key = params.get("key", "").strip()
        if not key:
            key = await ask(Prompt("key", "Nostr secret key (nsec, hex or ncryptsec)", secret=True))

        async def password() -> str:
            return await ask(Prompt("password", "Password for the ncryptsec key", secret=True))

        try:
            keys = await Keys.parse_async(key, password)
        except ValueError as exc:
            raise AuthError(str(exc), network="nostr") from None
    name = params.get("name", "").strip() or keys.npub[:16]  # typable: no ellipsis
    # No relays given: none stored, so [nostr] default_relays applies to the account.
    options = {"relays": relays} if relays_text.strip() else {}
    account = Account(name=name, network=NetworkKind.NOSTR, handle=keys.npub, options=options)
    return LoginResult(account=account, secrets={"nsec": keys.nsec})
