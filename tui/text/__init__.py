"""Remote text made safe: the one sanitiser (`clean`), links and spans, HTML → `RichText`.

Every string from a server or relay passes through here when model objects are built (see
`clean`); widgets only ever see text that cannot drive the terminal.
"""

from __future__ import annotations

from tui.text.sanitise import MAX_MARKS, clean, clean_line
from tui.text.html import html_to_rich
from tui.text.links import link_host, plain_to_rich, rich_from_spans, safe_url

__all__ = [
    "MAX_MARKS",
    "clean",
    "clean_line",
    "html_to_rich",
    "link_host",
    "plain_to_rich",
    "rich_from_spans",
    "safe_url",
]
