"""What every network's export module shares: the context it writes through, resume-aware JSON
Lines files, private files, and the network-neutral record of a post.

A network module is `async def export(network, ctx: ExportContext) -> None`; it raises
`NetworkError` for a failure a user should read, and adds each file it wrote to `ctx.files`
(file name -> one line saying what it is), from which the runner writes README.txt.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from tui import jsonsafe

if TYPE_CHECKING:
    from tui.model import Post

FILE_MODE = 0o600
DIR_MODE = 0o700

# Characters that a terminal may act on when someone `cat`s an export (DEL, C1 controls, bidi
# controls, line separators), and lone surrogates (which UTF-8 cannot hold). In JSON they can
# only stand inside strings, so writing them as \uXXXX escapes gives the same values to every
# reader and a file that is safe to look at. (json.dumps escapes C0 controls itself.)
_UNSAFE_IN_JSON = re.compile(
    "[\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]"
)


def dumps(obj: Any) -> str:
    """One JSON document on one line: UTF-8 text kept readable, terminal controls escaped."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def open_private(path: Path, mode: str) -> IO[str]:
    """A text file only its owner can read (exports hold private posts and bookmarks)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if "a" in mode else os.O_TRUNC)
    fd = os.open(path, flags, FILE_MODE)
    return os.fdopen(fd, mode, encoding="utf-8", newline="")


def write_text(path: Path, text: str) -> None:
    """Replace `path` whole: written beside it, then renamed over it."""
    partial = path.with_name(path.name + ".partial")
    with open_private(partial, "w") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, path)


def write_csv(path: Path, rows: Iterable[Sequence[object]]) -> int:
    """Write CSV rows as Mastodon writes its exports (Ruby's CSV: `\\n` line ends, quoting
    only where needed); returns how many rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    count = 0
    for row in rows:
        writer.writerow(["true" if v is True else "false" if v is False else v for v in row])
        count += 1
    write_text(path, buffer.getvalue())
    return count


class JsonlWriter:
    """A JSON Lines file written one object at a time.

    Without resume the file starts empty. With resume it is opened for appending: a last line cut
    short by an interrupted run is dropped, and the `key` of every object already there is
    remembered, so that `add` skips what a previous run wrote (as it skips repeats in this run).
    """

    def __init__(self, path: Path, key: str = "id", *, resume: bool = False) -> None:
        self.path = path
        self.key = key
        self.seen: set[str] = set()
        self.count = 0  # objects written by this run
        self.kept = 0  # objects already there from a previous run
        if resume and path.exists():
            self._load()
        self._out: IO[str] | None = open_private(path, "a" if resume else "w")

    def _load(self) -> None:
        data = self.path.read_bytes()
        end = data.rfind(b"\n") + 1
        if end < len(data):  # the last line was cut short: drop it, it is written again
            with self.path.open("r+b") as f:
                f.truncate(end)
        for line in data[:end].splitlines():
            try:
                obj = jsonsafe.loads(line)
            except ValueError:
                continue
            value = obj.get(self.key) if isinstance(obj, dict) else None
            if value is not None:
                self.seen.add(str(value))
                self.kept += 1

    def __contains__(self, value: object) -> bool:
        return str(value) in self.seen

    def add(self, obj: Mapping[str, Any]) -> bool:
        """Write `obj` unless its key was written already; True when written."""
        value = obj.get(self.key)
        if value is not None:
            if str(value) in self.seen:
                return False
            self.seen.add(str(value))
        if self._out is None:
            raise ValueError(f"{self.path.name} is closed")
        self._out.write(dumps(obj) + "\n")
        self.count += 1
        return True

    def flush(self) -> None:
        if self._out is not None:
            self._out.flush()

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None

    @property
    def total(self) -> int:
        return self.kept + self.count

    def __enter__(self) -> JsonlWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The objects of a JSON Lines file this export wrote (unreadable lines skipped)."""
    if not path.exists():
        return []
    found = []
    for line in path.read_bytes().splitlines():
        try:
            obj = jsonsafe.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict):
            found.append(obj)
    return found


@dataclass
class ExportContext:
    account: str  # account name from config
    dest: Path  # this account's folder (already created)
    resume: bool  # --resume: append to existing files without duplicates
    media: bool  # --media
    progress: Callable[[str], None]  # a short line, e.g. "statuses: 3 pages, 120 items"
    files: dict[str, str] = field(default_factory=dict)  # file name -> what it is

    def jsonl(self, name: str, key: str = "id") -> JsonlWriter:
        return JsonlWriter(self.dest / name, key, resume=self.resume)


def post_record(post: Post) -> dict[str, Any]:
    """A post as posts.jsonl holds it: the CLI's `--json` shape, plus the server's own id for it
    and its URL, and its media (URL and alt text)."""
    from tui.cli.output import _post_dict

    record = _post_dict(post)
    shown = post.shown
    record["server_id"] = post.ref.get("id") or post.key or post.uid
    record["url"] = post.url or shown.url
    record["media"] = [{"kind": m.kind.value, "url": m.url, "alt": m.alt} for m in shown.media]
    return record


def write_posts(ctx: ExportContext, posts: Iterable[Post], description: str) -> int:
    """posts.jsonl, oldest first, rewritten whole from everything gathered (a resumed run
    gathers from the files it appended to, so nothing is lost or repeated)."""
    ordered = sorted(posts, key=lambda p: (p.created_at, p.uid))
    seen: set[str] = set()
    lines = []
    for post in ordered:
        if post.uid in seen:
            continue
        seen.add(post.uid)
        lines.append(dumps(post_record(post)) + "\n")
    write_text(ctx.dest / "posts.jsonl", "".join(lines))
    ctx.files["posts.jsonl"] = description
    return len(lines)
