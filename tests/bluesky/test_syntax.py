"""The atproto interop syntax vectors: every identifier we validate agrees with the spec."""

from __future__ import annotations


import pytest

from tests.support import FIXTURES
from tui.networks.bluesky import syntax

VECTORS = FIXTURES / "bluesky" / "syntax"
CHECKS = {
    "handle": syntax.is_handle,
    "did": syntax.is_did,
    "atidentifier": syntax.is_at_identifier,
    "nsid": syntax.is_nsid,
    "recordkey": syntax.is_record_key,
    "aturi": syntax.is_at_uri,
}


def _vectors(name: str) -> list[str]:
    path = VECTORS / f"{name}.txt"
    if not path.exists():  # shared/ lies beside the repository, in CI too
        pytest.fail(f"syntax vectors not found at {VECTORS}")
    # Trailing spaces are part of some invalid vectors: only the newline is stripped.
    lines = path.read_text(encoding="utf-8").split("\n")
    return [line for line in lines if line and not line.startswith("#")]


@pytest.mark.parametrize("kind", sorted(CHECKS))
def test_valid_vectors_are_accepted(kind: str) -> None:
    rejected = [v for v in _vectors(f"{kind}_syntax_valid") if not CHECKS[kind](v)]
    assert rejected == []


@pytest.mark.parametrize("kind", sorted(CHECKS))
def test_invalid_vectors_are_refused(kind: str) -> None:
    accepted = [v for v in _vectors(f"{kind}_syntax_invalid") if CHECKS[kind](v)]
    assert accepted == []


def test_at_uri_parts() -> None:
    uri = syntax.parse_at_uri("at://did:plc:abc/app.bsky.feed.post/3k2a")
    assert uri == syntax.AtUri("did:plc:abc", "app.bsky.feed.post", "3k2a")
    assert str(uri) == "at://did:plc:abc/app.bsky.feed.post/3k2a"


def test_typed_handles_are_normalised() -> None:
    assert syntax.normalize_handle(" @Alice.Bsky.Social ") == "alice.bsky.social"
