"""What a Bluesky account offers follows what its server answers (the reference network's
answers are in test_network.py; here the answers it cannot be made to give)."""

from __future__ import annotations

import pytest

from tui.networks.base import AuthError, BadResponse, NetworkError, NotFound, Transient
from tui.networks.bluesky.network import _offers


def failing(cls: type[NetworkError], status: int, code: str = ""):
    class Server:
        async def query(self, nsid, params=None):
            exc = cls("it failed")
            exc.status, exc.code = status, code
            raise exc

    return Server()


@pytest.mark.parametrize(
    ("cls", "status", "code"),
    [
        (Transient, 501, "MethodNotImplemented"),
        (BadResponse, 400, "XRPCNotSupported"),
        (NotFound, 404, ""),
        (Transient, 501, ""),
    ],
)
async def test_a_method_the_server_lacks_is_not_offered(cls, status, code) -> None:
    assert not await _offers(failing(cls, status, code), "app.bsky.bookmark.getBookmarks")


@pytest.mark.parametrize(("cls", "status"), [(Transient, 502), (Transient, 0), (BadResponse, 400)])
async def test_a_passing_failure_does_not_hide_a_feature(cls, status) -> None:
    assert await _offers(failing(cls, status), "app.bsky.bookmark.getBookmarks")


async def test_a_dead_session_is_still_an_auth_error() -> None:
    with pytest.raises(AuthError):
        await _offers(failing(AuthError, 401), "app.bsky.bookmark.getBookmarks")
