"""Stand-in for the export runner's shared pieces (the `export` branch owns the real module).

Only the interface the Bluesky exporter and its tests use: an `ExportContext`, a resumable JSONL
writer and `post_record`. The other branch's version replaces this file at merge.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.cli.output import _post_dict


class JsonlWriter:
    """One JSON object per line; `add` skips an object whose `key` was already written."""

    def __init__(self, path: Path, key: str, resume: bool) -> None:
        self.path = path
        self.key = key
        self.seen: set[Any] = set()
        self.count = 0
        if resume and path.exists():
            data = path.read_bytes()
            if data and not data.endswith(b"\n"):  # an interrupted last line
                data = data[: data.rfind(b"\n") + 1]
                path.write_bytes(data)
            for line in data.splitlines():
                obj = json.loads(line)
                self.seen.add(obj.get(key))
                self.count += 1
        self._f = path.open("a" if resume else "w", encoding="utf-8")

    def add(self, obj: dict[str, Any]) -> bool:
        if obj[self.key] in self.seen:
            return False
        self._f.write(json.dumps(obj, ensure_ascii=False) + "\n")
        self._f.flush()
        self.seen.add(obj[self.key])
        self.count += 1
        return True

    def close(self) -> None:
        self._f.close()

    def __enter__(self) -> JsonlWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class ExportContext:
    account: str
    dest: Path
    resume: bool
    media: bool
    progress: Callable[[str], None]
    files: dict[str, str] = field(default_factory=dict)

    def jsonl(self, name: str, key: str = "id") -> JsonlWriter:
        return JsonlWriter(self.dest / name, key, self.resume)


def post_record(post: Any) -> dict[str, Any]:
    shown = getattr(post, "shown", post)
    return {**_post_dict(post), "server_id": shown.key, "url": shown.url}
