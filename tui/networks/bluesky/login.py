"""Log in with an app password: handle → DID → PDS → session.

The handle is resolved on the service (Bluesky's entryway unless the user names another). The
PDS is the given service, or, when none was given, the one the DID document names (did:plc via
the PLC directory, did:web via the domain's /.well-known/did.json). If the server asks for a
code from the account's e-mail (AuthFactorTokenRequired), `ask` prompts for it and we try again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tui.model import Account, NetworkKind
from tui.networks.base import Ask, AuthError, BadResponse, LoginResult, NotFound, Prompt
from tui.networks.bluesky.syntax import is_did, is_handle, normalize_handle
from tui.networks.http import Http

DEFAULT_SERVICE = "https://bsky.social"
DEFAULT_PLC = "https://plc.directory"
AUTH_FACTOR_PROMPT = Prompt(
    key="auth_factor",
    label="Code from the e-mail",
    info="Bluesky sent a sign-in code to this account's e-mail address.",
)
PASSWORD_PROMPT = Prompt(
    key="password",
    label="App password",
    secret=True,
    info="Create one in Bluesky: Settings → Privacy and security → App passwords.",
)


def _pds_from_did_doc(doc: Any) -> str:
    services = doc.get("service") if isinstance(doc, dict) else None
    for service in services if isinstance(services, list) else []:
        if not isinstance(service, dict):
            continue
        if str(service.get("id", "")).endswith("#atproto_pds") and isinstance(
            service.get("serviceEndpoint"), str
        ):
            return service["serviceEndpoint"].rstrip("/")
    return ""


async def resolve_pds(did: str, *, plc: str = DEFAULT_PLC) -> str:
    """The PDS URL a DID document names. Raises NotFound/BadResponse."""
    if did.startswith("did:plc:"):
        base, path = plc, f"/{did}"
    elif did.startswith("did:web:"):
        host = did.removeprefix("did:web:")
        if ":" in host:
            raise BadResponse("did:web with a path is not supported", network="bluesky")
        base, path = f"https://{host.replace('%3A', ':')}", "/.well-known/did.json"
    else:
        raise BadResponse(f"unsupported DID method in {did[:60]}", network="bluesky")
    http = Http(base, network="bluesky")
    try:
        doc = await http.get_json(path)
    finally:
        await http.aclose()
    pds = _pds_from_did_doc(doc)
    if not pds:
        raise NotFound(f"{did} names no PDS in its DID document", network="bluesky")
    return pds


async def _resolve_handle(http: Http, handle: str) -> str:
    try:
        body = await http.get_json(
            "/xrpc/com.atproto.identity.resolveHandle", params={"handle": handle}, auth=False
        )
    except (NotFound, BadResponse) as exc:
        raise NotFound(f"no Bluesky account has the handle {handle}", network="bluesky") from exc
    did = body.get("did") if isinstance(body, dict) else None
    if not isinstance(did, str) or not is_did(did):
        raise BadResponse(f"the server gave no valid DID for {handle}", network="bluesky")
    return did


async def _create_session(http: Http, identifier: str, password: str, ask: Ask) -> dict:
    body: dict[str, str] = {"identifier": identifier, "password": password}
    for _ in range(2):
        try:
            session = await http.post_json(
                "/xrpc/com.atproto.server.createSession", json=body, auth=False
            )
        except (AuthError, BadResponse) as exc:
            code = getattr(exc, "code", "")
            if code == "AuthFactorTokenRequired" and "authFactorToken" not in body:
                body["authFactorToken"] = (await ask(AUTH_FACTOR_PROMPT)).strip()
                continue
            if code == "AuthFactorTokenRequired":
                raise AuthError(
                    "the e-mail code was wrong or has expired: log in again",
                    network="bluesky",
                    account=identifier,
                ) from None
            if code == "AccountTakedown":
                raise AuthError(
                    "this account was taken down by its server",
                    network="bluesky",
                    account=identifier,
                ) from None
            if isinstance(exc, AuthError):
                raise AuthError(
                    "wrong handle or app password: check the app password you created in "
                    "Bluesky's settings",
                    network="bluesky",
                    account=identifier,
                ) from None
            raise
        if isinstance(session, dict):
            return session
        break
    raise BadResponse("the server sent no session", network="bluesky", account=identifier)


async def login(params: Mapping[str, str], ask: Ask) -> LoginResult:
    """Log in to Bluesky. params: "handle", optional "service", "password" and "plc"."""
    handle = normalize_handle(params.get("handle", ""))
    if not (is_handle(handle) or is_did(handle)):
        raise AuthError(
            f"{handle or 'an empty name'!r} is not a Bluesky handle (like alice.bsky.social)",
            network="bluesky",
        )
    given_service = (params.get("service") or "").strip().rstrip("/")
    service = given_service or DEFAULT_SERVICE
    password = params.get("password") or await ask(PASSWORD_PROMPT)
    password = password.strip()
    if not password:
        raise AuthError("an app password is needed to log in", network="bluesky", account=handle)

    entry = Http(service, network="bluesky", account=handle)
    try:
        did = handle if is_did(handle) else await _resolve_handle(entry, handle)
    finally:
        await entry.aclose()
    pds = given_service or await resolve_pds(did, plc=params.get("plc") or DEFAULT_PLC)

    http = Http(pds, network="bluesky", account=handle)
    try:
        session = await _create_session(http, did, password, ask)
    finally:
        await http.aclose()
    access, refresh = session.get("accessJwt"), session.get("refreshJwt")
    if session.get("did") != did or not (isinstance(access, str) and isinstance(refresh, str)):
        raise BadResponse(
            "the server sent a session for another account", network="bluesky", account=handle
        )
    session_handle = normalize_handle(str(session.get("handle", "")))
    if is_handle(session_handle) and session_handle != "handle.invalid":
        handle = session_handle
    account = Account(
        name=handle,
        network=NetworkKind.BLUESKY,
        server=pds,
        handle=handle,
        options={"service": service},
    )
    secrets = {"did": did, "access_jwt": access, "refresh_jwt": refresh, "pds": pds}
    return LoginResult(account=account, secrets=secrets)
