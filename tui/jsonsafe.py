"""JSON from elsewhere (servers, relays, the cache), decoded without a way to crash us.

`json.loads` raises `RecursionError` on deeply nested input, which is not a `ValueError`: one such
body would escape every `except ValueError` and end a relay task or show a traceback. `loads`
turns it, and over-deep documents, into `ValueError`, the one error callers handle.
"""

from __future__ import annotations

import json
from typing import Any


class TooDeep(ValueError):
    pass


def loads(text: str | bytes) -> Any:
    """`json.loads`, raising only `ValueError` (including `TooDeep`) on bad input."""
    try:
        return json.loads(text)
    except RecursionError:
        raise TooDeep("JSON nested too deeply to decode") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"JSON is not valid UTF-8: {exc.reason}") from None
