"""AT Protocol identifier syntax: handles, DIDs, NSIDs, record keys and AT-URIs.

Everything here follows the atproto specification and is checked against its interop vectors.
Servers are untrusted: a malformed identifier from a server must never reach a URL we build or a
record we write, so the adapter validates before it uses one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HANDLE_RE = re.compile(
    r"^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$"
)
_DID_RE = re.compile(r"^did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]$")
_NSID_RE = re.compile(
    r"^[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    r"(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+"
    r"\.[a-zA-Z][a-zA-Z0-9]{0,62}$"
)
_RKEY_RE = re.compile(r"^[a-zA-Z0-9._:~-]{1,512}$")
_PCT_RE = re.compile(r"%(?![0-9A-Fa-f]{2})")

MAX_HANDLE = 253
MAX_DID = 2048
MAX_NSID = 317
MAX_AT_URI = 8192


def is_handle(value: str) -> bool:
    return len(value) <= MAX_HANDLE and _HANDLE_RE.match(value) is not None


def is_did(value: str) -> bool:
    return (
        len(value) <= MAX_DID and _DID_RE.match(value) is not None and _PCT_RE.search(value) is None
    )


def is_at_identifier(value: str) -> bool:
    return is_did(value) if value.startswith("did:") else is_handle(value)


def is_nsid(value: str) -> bool:
    return len(value) <= MAX_NSID and _NSID_RE.match(value) is not None


def is_record_key(value: str) -> bool:
    return value not in (".", "..") and _RKEY_RE.match(value) is not None


@dataclass(frozen=True, slots=True)
class AtUri:
    authority: str  # a DID or a handle
    collection: str = ""
    rkey: str = ""

    def __str__(self) -> str:
        parts = [f"at://{self.authority}"]
        if self.collection:
            parts.append(self.collection)
        if self.rkey:
            parts.append(self.rkey)
        return "/".join(parts)


def parse_at_uri(value: str) -> AtUri | None:
    """Parse `at://AUTHORITY[/COLLECTION[/RKEY]]`, or None when it is not a valid AT-URI.

    Query strings and fragments are refused: records never need them and they only make room for
    confusion.
    """
    if len(value) > MAX_AT_URI or not value.startswith("at://"):
        return None
    parts = value[5:].split("/")
    if len(parts) > 3 or not is_at_identifier(parts[0]):
        return None
    if len(parts) >= 2 and not is_nsid(parts[1]):
        return None
    if len(parts) == 3 and not is_record_key(parts[2]):
        return None
    return AtUri(*parts)


def is_at_uri(value: str) -> bool:
    return parse_at_uri(value) is not None


def normalize_handle(value: str) -> str:
    """A handle as typed by a user (`@Alice.bsky.social `) in its canonical lower-case form."""
    return value.strip().removeprefix("@").lower()
