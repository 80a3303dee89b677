"""What the export tests share: a session over adapters, and reading what was written."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from tui.networks.base import Network
from tui.session import Session
from tui.store.config import Config


def session_of(*networks: Network) -> Session:
    config = Config(accounts=tuple(n.account for n in networks))
    return Session(config, networks={n.account.name: n for n in networks})


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# Mastodon's importer (app/models/form/import.rb): the headers each type expects, the first ones
# it recognises, and the headers it assumes for a file without a header row.
EXPECTED_HEADERS = {
    "following": ["Account address", "Show boosts", "Notify on new posts", "Languages"],
    "blocking": ["Account address"],
    "muting": ["Account address", "Hide notifications"],
    "lists": ["List name", "Account address"],
}
KNOWN_FIRST_HEADERS = {"Account address", "#domain", "#uri", "List name"}
DEFAULT_HEADERS = {
    "following": ["Account address"],
    "blocking": ["Account address"],
    "muting": ["Account address"],
    "lists": ["List name", "Account address"],
}
BOOLEAN = {"Show boosts", "Notify on new posts", "Hide notifications"}


def mastodon_import(text: str, kind: str) -> list[dict[str, Any]]:
    """Rows as Mastodon's importer reads a CSV of `kind`, with its converters; fails the way the
    importer refuses a file (a header it does not know, a row without an address)."""
    rows = list(csv.reader(io.StringIO(text)))
    rows = [r for r in rows if any(cell.strip() for cell in r)]  # skip_blanks
    if rows and rows[0] and rows[0][0] in KNOWN_FIRST_HEADERS:
        headers, rows = rows[0], rows[1:]
    else:
        headers = DEFAULT_HEADERS[kind]
    assert DEFAULT_HEADERS[kind][0] in headers, f"incompatible type: headers {headers}"
    assert set(headers) <= set(EXPECTED_HEADERS[kind]), f"unknown headers {headers}"
    found = []
    for row in rows:
        record: dict[str, Any] = {}
        for header, cell in zip(headers, row):
            if header in BOOLEAN:
                assert cell.lower() in ("true", "false"), f"{header}: {cell!r}"
                record[header] = cell.lower() == "true"
            elif header == "Languages":
                record[header] = [c.strip() for c in cell.split(",") if c.strip()] or None
            elif header == "Account address":
                record[header] = cell.strip().removeprefix("@")
                assert "@" in record[header], f"not an address: {cell!r}"
            else:
                record[header] = cell
        found.append(record)
    return found
