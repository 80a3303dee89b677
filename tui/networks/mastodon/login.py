"""Logging in to a Mastodon-API server: OAuth with the out-of-band code, or an existing token.

The out-of-band flow prints the authorize URL and asks for the code the server shows, so it works
over SSH on a machine without a browser.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from tui.model import Account, NetworkKind
from tui.networks.base import Ask, AuthError, BadResponse, LoginResult, Prompt
from tui.networks.http import Http, check_url
from tui.networks.mastodon.api import MastodonApi
from tui.networks.mastodon.parse import Parser, as_dict, text

OOB = "urn:ietf:wg:oauth:2.0:oob"
SCOPES = "read write follow push"
APP_NAME = "Murmur"
WEBSITE = "https://github.com/murmur-tui/murmur"


def server_url(server: str) -> str:
    """`mastodon.social`, `https://mastodon.social/` or a loopback http URL → base URL."""
    server = server.strip().rstrip("/")
    if not server:
        raise BadResponse("no server given", network="mastodon")
    if "://" not in server:
        server = "https://" + server.lstrip("@").rsplit("@", 1)[-1]
    return check_url(server)


async def login(params: Mapping[str, str], ask: Ask) -> LoginResult:
    base = server_url(params.get("server", ""))
    http = Http(base, network=NetworkKind.MASTODON.value)
    api = MastodonApi(http)
    secrets: dict[str, str] = {}
    try:
        token = (params.get("token") or "").strip()
        if not token:
            token = await _authorize(api, base, ask, secrets)
        http.token = token
        me = as_dict(await api.verify_credentials())
        instance, version = await api.instance()
        domain = text(as_dict(instance).get("domain" if version == 2 else "uri"), 200)
        if not domain or "/" in domain:
            domain = http._base.host
        handle = Parser("", domain).handle(me)
        if not handle:
            raise BadResponse(
                "the server did not say who this token belongs to", network="mastodon"
            )
    finally:
        await http.aclose()
    secrets["access_token"] = token
    account = Account(name=handle, network=NetworkKind.MASTODON, server=base, handle=handle)
    return LoginResult(account=account, secrets=secrets)


async def _authorize(api: MastodonApi, base: str, ask: Ask, secrets: dict[str, str]) -> str:
    app = as_dict(await api.register_app(APP_NAME, OOB, SCOPES, WEBSITE))
    client_id, client_secret = app.get("client_id"), app.get("client_secret")
    if not isinstance(client_id, str) or not isinstance(client_secret, str):
        raise BadResponse("the server did not register the app", network="mastodon")
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
        raise AuthError("no authorization code given", network="mastodon")
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
    token = answer.get("access_token")
    if not isinstance(token, str) or not token:
        raise AuthError("the server gave no access token for that code", network="mastodon")
    secrets.update(client_id=client_id, client_secret=client_secret)
    return token
