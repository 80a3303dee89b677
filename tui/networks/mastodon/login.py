"""Logging in to a Mastodon-API server: OAuth with the out-of-band code, or an existing token.

The out-of-band flow prints the authorize URL and asks for the code the server shows, so it works
over SSH on a machine without a browser. The app Murmur registers with a server is kept (`Apps`,
a private file in the data folder) and reused by the next login to that server.

A server given without a scheme is tried over https. When that fails, the error says what was
tried, and for a server on this machine (which may speak plain http) how to give `http://`;
there the first contact has a short deadline, as a loopback server answers at once or never.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

from tui import jsonsafe
from tui.model import Account, NetworkKind
from tui.networks.base import Ask, AuthError, BadResponse, LoginResult, Prompt, Transient
from tui.networks.http import LOOPBACK_HOSTS, Http, check_url
from tui.networks.mastodon.api import MastodonApi
from tui.networks.mastodon.parse import Parser, as_dict, text

OOB = "urn:ietf:wg:oauth:2.0:oob"
SCOPES = "read write follow push"
APP_NAME = "Murmur"
WEBSITE = "https://github.com/murmur-tui/murmur"
NET = NetworkKind.MASTODON.value
# A server on this machine answers a TLS handshake at once or not at all.
LOOPBACK_CONNECT_TIMEOUT = 3.0
LOOPBACK_TIMEOUT = 5.0


def server_url(server: str) -> str:
    """`mastodon.social`, `https://mastodon.social/` or a loopback http URL → base URL."""
    server = server.strip().rstrip("/")
    if not server:
        raise BadResponse("no server given", network=NET)
    if "://" not in server:
        server = "https://" + server.lstrip("@").rsplit("@", 1)[-1]
    return check_url(server)


class Apps:
    """The apps registered with servers (client id and secret per server URL), in a 0600 file.

    They are not account secrets (the server shows the code only to a user who logs in and
    authorizes), but they are kept private all the same.
    """

    def __init__(self, path: Path | None = None) -> None:
        if path is None:
            from tui.store import paths

            path = paths.data_dir() / "mastodon-apps.json"
        self.path = path

    def _read(self) -> dict[str, Any]:
        try:
            data = jsonsafe.loads(self.path.read_bytes())
        except FileNotFoundError:
            return {}
        except ValueError:
            return {}  # unreadable: registering again rewrites it
        return data if isinstance(data, dict) else {}

    def get(self, base: str) -> tuple[str, str] | None:
        entry = as_dict(self._read().get(base))
        client_id, secret = entry.get("client_id"), entry.get("client_secret")
        if entry.get("scopes") != SCOPES or entry.get("redirect_uri") != OOB:
            return None
        if isinstance(client_id, str) and client_id and isinstance(secret, str) and secret:
            return client_id, secret
        return None

    def put(self, base: str, client_id: str, secret: str) -> None:
        self._write(
            base,
            {
                "client_id": client_id,
                "client_secret": secret,
                "scopes": SCOPES,
                "redirect_uri": OOB,
            },
        )

    def forget(self, base: str) -> None:
        self._write(base, None)

    def _write(self, base: str, entry: dict[str, str] | None) -> None:
        import json

        from tui.errorlog import log_exception
        from tui.store import paths

        data = self._read()
        if entry is None:
            data.pop(base, None)
        else:
            data[base] = entry
        try:
            paths.write_private_file(self.path, json.dumps(data, indent=1).encode())
        except OSError as exc:
            # Not worth failing a login for: the next one registers again.
            log_exception(exc, doing="keeping the app registered with a Mastodon server")


async def login(params: Mapping[str, str], ask: Ask, *, apps: Apps | None = None) -> LoginResult:
    given = params.get("server", "")
    base = server_url(given)
    guessed = "://" not in given
    http = Http(base, network=NET)
    api = MastodonApi(http)
    secrets: dict[str, str] = {}
    try:
        instance, version = await _first_contact(api, base, guessed)
        token = (params.get("token") or "").strip()
        if not token:
            token = await _authorize(api, base, ask, secrets, apps or Apps())
        http.token = token
        me = as_dict(await api.verify_credentials())
        domain = text(as_dict(instance).get("domain" if version == 2 else "uri"), 200)
        if not domain or "/" in domain:
            domain = http._base.host
        handle = Parser("", domain).handle(me)
        if not handle:
            raise BadResponse("the server did not say who this token belongs to", network=NET)
    finally:
        await http.aclose()
    secrets["access_token"] = token
    account = Account(name=handle, network=NetworkKind.MASTODON, server=base, handle=handle)
    return LoginResult(account=account, secrets=secrets)


async def _first_contact(api: MastodonApi, base: str, guessed: bool) -> tuple[Any, int]:
    """The instance, fetched first: it tells quickly whether the server is there at all."""
    url = httpx.URL(base)
    loopback = url.host.lower() in LOOPBACK_HOSTS
    probe = api
    if guessed and loopback:
        probe = MastodonApi(
            Http(
                base,
                network=NET,
                timeout=LOOPBACK_TIMEOUT,
                connect_timeout=LOOPBACK_CONNECT_TIMEOUT,
                max_retries=0,
            )
        )
    try:
        return await probe.instance()
    except Transient as exc:
        if not guessed:
            raise
        hint = ""
        if loopback:
            plain = url.copy_with(scheme="http")
            hint = f"; a server on this machine without TLS is given with http://, as in {plain}"
        raise Transient(f"tried {base}: {exc.message}{hint}", network=NET) from None
    finally:
        if probe is not api:
            await probe.http.aclose()


async def _authorize(
    api: MastodonApi, base: str, ask: Ask, secrets: dict[str, str], apps: Apps
) -> str:
    known = apps.get(base)
    if known is None:
        app = as_dict(await api.register_app(APP_NAME, OOB, SCOPES, WEBSITE))
        client_id, client_secret = app.get("client_id"), app.get("client_secret")
        if not isinstance(client_id, str) or not isinstance(client_secret, str):
            raise BadResponse("the server did not register the app", network=NET)
        apps.put(base, client_id, client_secret)
    else:
        client_id, client_secret = known
    query = urlencode(
        {"client_id": client_id, "redirect_uri": OOB, "response_type": "code", "scope": SCOPES}
    )
    url = f"{base}/oauth/authorize?{query}"
    code = await ask(
        Prompt(
            key="code",
            label="Authorization code",
            info=f"Open this address in a browser, log in and authorize Murmur:\n{url}",
        )
    )
    code = code.strip()
    if not code:
        raise AuthError("no authorization code given", network=NET)
    try:
        answer = as_dict(
            await api.token(
                {
                    "grant_type": "authorization_code",
                    "code": code,
                    "client_id": client_id,
                    "client_secret": client_secret,
                    "redirect_uri": OOB,
                    "scope": SCOPES,
                }
            )
        )
    except AuthError as exc:
        if getattr(exc, "code", "") == "invalid_client" and known is not None:
            apps.forget(base)  # the server forgot our app: the next login registers again
            raise AuthError(
                "the server no longer knows Murmur's registration: log in again", network=NET
            ) from None
        raise
    token = answer.get("access_token")
    if not isinstance(token, str) or not token:
        raise AuthError("the server gave no access token for that code", network=NET)
    secrets.update(client_id=client_id, client_secret=client_secret)
    return token
