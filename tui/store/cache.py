"""cache.sqlite: recent posts per feed, notifications, markers, drafts and the outbox.

Posts and notifications make start-up instant and allow offline reading; drafts and the outbox
are the user's words and must survive anything: a post enters the outbox (one entry per target
account, in one transaction, synchronous=FULL) before it is sent, and leaves only when the caller
removes it after the server confirmed. Entries a crash left in "sending" go back to "queued" on
open; their idempotency keys make the retry safe.

Thread safety: one connection shared by every thread, each call serialised by a lock. All
methods are synchronous; the app calls them from worker threads. Other processes (the CLI while
the app runs) may use the same file: WAL mode lets readers and one writer work side by side.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from tui import backoff
from tui.model import Item, Notification, NotificationItem, Post
from tui.store import codec, paths

if TYPE_CHECKING:
    from tui.model import Draft  # loaded on first use

SCHEMA_VERSION = 3
DEFAULT_KEEP = 1000  # posts kept per feed by save_posts
COMPOSE_DRAFT = "compose"  # the id of the composer's own autosaved draft
POSTPONED_PREFIX = "postponed:"  # ids of drafts put aside for later (the postponed list)
READ_STATE_KEEP = 20000  # explicit read/unread marks kept (the oldest go first)

ReadKind = Literal["post", "notification"]

OutboxState = Literal["queued", "sending", "sent", "failed"]
OUTBOX_STATES: tuple[OutboxState, ...] = ("queued", "sending", "sent", "failed")

# Each entry brings the schema from the previous version to this one, in one transaction.
_MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        """CREATE TABLE posts (
            feed_key TEXT NOT NULL,
            uid TEXT NOT NULL,
            created_at REAL NOT NULL,
            data TEXT NOT NULL,
            PRIMARY KEY (feed_key, uid)
        ) WITHOUT ROWID""",
        "CREATE INDEX posts_newest ON posts (feed_key, created_at DESC, uid DESC)",
        """CREATE TABLE notifications (
            account TEXT NOT NULL,
            uid TEXT NOT NULL,
            created_at REAL NOT NULL,
            unread INTEGER NOT NULL,
            data TEXT NOT NULL,
            PRIMARY KEY (account, uid)
        ) WITHOUT ROWID""",
        "CREATE INDEX notifications_newest ON notifications (created_at DESC, uid DESC)",
        "CREATE INDEX notifications_uid ON notifications (uid)",
        "CREATE TABLE markers (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
        """CREATE TABLE drafts (
            id TEXT PRIMARY KEY,
            updated_at REAL NOT NULL,
            data TEXT NOT NULL
        ) WITHOUT ROWID""",
        """CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            group_id TEXT NOT NULL,
            account TEXT NOT NULL,
            draft TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
            error TEXT NOT NULL DEFAULT '',
            attempts INTEGER NOT NULL DEFAULT 0,
            remote_uid TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        )""",
    ),
    # A rejection the server will repeat (a 4xx other than 408/429) needs an edit, not a retry.
    2: ("ALTER TABLE outbox ADD COLUMN needs_edit INTEGER NOT NULL DEFAULT 0",),
    # Read state the user gave an item here (selected it, toggled it, marked all read), kept
    # apart from the posts so that a refetched or pruned post keeps it.
    3: (
        """CREATE TABLE read_state (
            kind TEXT NOT NULL CHECK (kind IN ('post', 'notification')),
            uid TEXT NOT NULL,
            read INTEGER NOT NULL,
            updated_at REAL NOT NULL,
            PRIMARY KEY (kind, uid)
        ) WITHOUT ROWID""",
        "CREATE INDEX read_state_age ON read_state (updated_at)",
    ),
}


class CacheError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One draft on its way to one account. `draft.idempotency_key` is fixed at enqueue."""

    id: str
    group_id: str  # shared by the entries of one multi-account post
    account: str
    draft: Draft
    state: OutboxState
    error: str
    attempts: int
    remote_uid: str
    created_at: datetime
    updated_at: datetime
    # The server rejected the post as it is: retrying would only repeat the rejection.
    needs_edit: bool = False
    # The post as the server confirmed it (only on the entry `Session` returns after sending).
    post: Post | None = None

    @property
    def retryable(self) -> bool:
        return self.state == "queued" or (self.state == "failed" and not self.needs_edit)

    @property
    def status(self) -> str:
        """What the state means for the user, in a few words."""
        if self.state == "failed":
            return "needs an edit" if self.needs_edit else "failed, will retry"
        return {"queued": "waiting"}.get(self.state, self.state)


def _stamp(moment: datetime) -> float:
    return moment.timestamp()


def _when(stamp: float) -> datetime:
    return datetime.fromtimestamp(stamp, UTC)


def _private_file(path: Path) -> None:
    """Create the database file 0600 before sqlite does (sqlite would follow the umask)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        st = os.fstat(fd)
        if st.st_uid == os.getuid() and st.st_mode & 0o077:
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


class Cache:
    def __init__(self, path: Path | str, keep_per_feed: int = DEFAULT_KEEP) -> None:
        self.path = Path(path)
        self.keep_per_feed = keep_per_feed
        self._lock = threading.RLock()
        paths.ensure_private_dir(self.path.parent)
        try:
            self._conn = self._connect()
        except sqlite3.DatabaseError as e:
            if "file is not a database" not in str(e) and "malformed" not in str(e):
                raise
            # The cache is rebuilt from the servers; keep the damaged file for the drafts in it.
            self._set_aside()
            self._conn = self._connect()

    def _connect(self) -> sqlite3.Connection:
        _private_file(self.path)
        conn = sqlite3.connect(
            self.path, timeout=10.0, isolation_level=None, check_same_thread=False
        )
        try:
            self._wal(conn)
            conn.execute("PRAGMA synchronous=NORMAL")
            self._migrate(conn)
            with self._transaction(conn, durable=True):
                # A crash while sending: back to the queue, the idempotency key guards the retry.
                conn.execute(
                    "UPDATE outbox SET state = 'queued', updated_at = ? WHERE state = 'sending'",
                    (time.time(),),
                )
        except BaseException:
            conn.close()
            raise
        return conn

    @staticmethod
    def _wal(conn: sqlite3.Connection, wait: float = 10.0) -> None:
        """Switch to WAL. Another process switching a new database at the same moment makes
        SQLite answer "locked" at once, without its busy timeout: wait and try again."""
        deadline = time.monotonic() + wait
        attempt = 0
        while True:
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) or time.monotonic() > deadline:
                    raise
            time.sleep(backoff.delay(attempt, first=0.005, ceiling=0.1))  # jittered: no lockstep
            attempt += 1

    def _set_aside(self) -> None:
        suffix = time.strftime(".corrupt-%Y%m%d-%H%M%S")
        for extra in ("", "-wal", "-shm"):
            source = Path(f"{self.path}{extra}")
            if source.exists():
                source.rename(f"{self.path}{suffix}{extra}")

    @staticmethod
    def _migrate(conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise CacheError(
                f"the cache was written by a newer Murmur (schema {version}, "
                f"this one knows {SCHEMA_VERSION})"
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with Cache._transaction(conn, durable=True):
                # Another process may have migrated while we waited for the write lock.
                if conn.execute("PRAGMA user_version").fetchone()[0] >= target:
                    continue
                for statement in _MIGRATIONS[target]:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {target}")

    @staticmethod
    @contextmanager
    def _transaction(conn: sqlite3.Connection, durable: bool = False) -> Iterator[None]:
        """BEGIN IMMEDIATE … COMMIT; `durable` commits with synchronous=FULL (outbox, drafts)."""
        if durable:
            conn.execute("PRAGMA synchronous=FULL")
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")
        finally:
            if durable:
                conn.execute("PRAGMA synchronous=NORMAL")

    @contextmanager
    def _write(self, durable: bool = False) -> Iterator[sqlite3.Connection]:
        with self._lock, self._transaction(self._conn, durable):
            yield self._conn

    def _read(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Cache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----- posts ---------------------------------------------------------------------------

    def save_posts(self, feed_key: str, items: Iterable[Item]) -> None:
        """Insert or replace items of a feed (by uid), then keep the newest `keep_per_feed`."""
        rows = [(feed_key, i.uid, _stamp(i.created_at), codec.dumps(i)) for i in items]
        with self._write() as conn:
            conn.executemany(
                "INSERT INTO posts (feed_key, uid, created_at, data) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (feed_key, uid) DO UPDATE SET "
                "created_at = excluded.created_at, data = excluded.data",
                rows,
            )
            self._prune(conn, feed_key, self.keep_per_feed)

    def load_posts(self, feed_key: str, limit: int = 200) -> list[Item]:
        """The newest `limit` items of a feed, newest first. Rows that no longer decode (an
        older or newer Murmur wrote them) are skipped: the server has them."""
        rows = self._read(
            "SELECT data FROM posts WHERE feed_key = ? ORDER BY created_at DESC, uid DESC LIMIT ?",
            (feed_key, limit),
        )
        return _decode_all(row[0] for row in rows)

    def prune(self, feed_key: str, keep: int = DEFAULT_KEEP) -> None:
        with self._write() as conn:
            self._prune(conn, feed_key, keep)

    @staticmethod
    def _prune(conn: sqlite3.Connection, feed_key: str, keep: int) -> None:
        conn.execute(
            "DELETE FROM posts WHERE feed_key = ?1 AND uid NOT IN ("
            " SELECT uid FROM posts WHERE feed_key = ?1"
            " ORDER BY created_at DESC, uid DESC LIMIT ?2)",
            (feed_key, keep),
        )

    # ----- notifications -------------------------------------------------------------------

    def save_notifications(self, items: Iterable[NotificationItem]) -> None:
        """Insert or replace notifications. One read here stays read even if the server (which
        may not track read state) sends it again as unread."""
        rows = [
            (
                i.account,
                i.uid,
                _stamp(i.created_at),
                int(getattr(i, "unread", True)),
                codec.dumps(i),
            )
            for i in items
        ]
        with self._write() as conn:
            conn.executemany(
                "INSERT INTO notifications (account, uid, created_at, unread, data) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (account, uid) DO UPDATE SET "
                "created_at = excluded.created_at, data = excluded.data, "
                "unread = min(unread, excluded.unread)",
                rows,
            )

    def load_notifications(self, limit: int = 200) -> list[NotificationItem]:
        rows = self._read(
            "SELECT data, unread FROM notifications ORDER BY created_at DESC, uid DESC LIMIT ?",
            (limit,),
        )
        items: list[NotificationItem] = []
        for data, unread in rows:
            try:
                item = codec.loads(data)
            except ValueError:
                continue
            if isinstance(item, Notification) and item.unread != bool(unread):
                item = replace(item, unread=bool(unread))
            items.append(item)
        return items

    def set_read(self, uids: Iterable[str]) -> None:
        with self._write() as conn:
            conn.executemany(
                "UPDATE notifications SET unread = 0 WHERE uid = ?", [(u,) for u in uids]
            )

    def prune_notifications(self, keep: int = DEFAULT_KEEP) -> None:
        with self._write() as conn:
            conn.execute(
                "DELETE FROM notifications WHERE (account, uid) NOT IN ("
                " SELECT account, uid FROM notifications"
                " ORDER BY created_at DESC, uid DESC LIMIT ?)",
                (keep,),
            )

    # ----- markers -------------------------------------------------------------------------

    def set_marker(self, key: str, value: str) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO markers (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def get_marker(self, key: str) -> str | None:
        rows = self._read("SELECT value FROM markers WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def notifications_read_up_to(self, account: str) -> datetime | None:
        """Until when `account`'s notifications were marked read here (None: never)."""
        value = self.get_marker(f"notifications-read:{account}")
        try:
            return _when(float(value)) if value else None
        except ValueError:
            return None  # a marker written by something else: as if never read

    def set_notifications_read_up_to(self, account: str, moment: datetime) -> None:
        """Everything of `account`'s up to `moment` is read; the marker only moves forward."""
        with self._write() as conn:
            conn.execute(
                "INSERT INTO markers (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE "
                "SET value = excluded.value WHERE CAST(excluded.value AS REAL) > "
                "CAST(markers.value AS REAL)",
                (f"notifications-read:{account}", repr(_stamp(moment))),
            )

    # ----- read state ----------------------------------------------------------------------

    def set_read_state(self, kind: ReadKind, uids: Iterable[str], read: bool) -> None:
        """Record that the user read (or marked unread) these items; the newest
        `READ_STATE_KEEP` marks are kept."""
        now = time.time()
        rows = [(kind, uid, int(read), now) for uid in dict.fromkeys(uids)]
        if not rows:
            return
        with self._write() as conn:
            conn.executemany(
                "INSERT INTO read_state (kind, uid, read, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (kind, uid) DO UPDATE SET "
                "read = excluded.read, updated_at = excluded.updated_at",
                rows,
            )
            if kind == "notification":  # the notifications' own column agrees
                conn.executemany(
                    "UPDATE notifications SET unread = ? WHERE uid = ?",
                    [(int(not read), uid) for _, uid, _, _ in rows],
                )
            conn.execute(
                "DELETE FROM read_state WHERE (kind, uid) IN (SELECT kind, uid FROM"
                " read_state ORDER BY updated_at DESC LIMIT -1 OFFSET ?)",
                (READ_STATE_KEEP,),
            )

    def read_states(self, kind: ReadKind) -> dict[str, bool]:
        """Every item of `kind` the user marked here: uid → read."""
        rows = self._read("SELECT uid, read FROM read_state WHERE kind = ?", (kind,))
        return {uid: bool(read) for uid, read in rows}

    # ----- drafts --------------------------------------------------------------------------

    def save_draft(self, draft_id: str, draft: Draft) -> None:
        with self._write(durable=True) as conn:
            conn.execute(
                "INSERT INTO drafts (id, updated_at, data) VALUES (?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET "
                "updated_at = excluded.updated_at, data = excluded.data",
                (draft_id, time.time(), codec.dumps(draft)),
            )

    def load_drafts(self) -> dict[str, Draft]:
        """Every saved draft by id, most recently saved first."""
        rows = self._read("SELECT id, data FROM drafts ORDER BY updated_at DESC")
        drafts: dict[str, Draft] = {}
        for draft_id, data in rows:
            try:
                drafts[draft_id] = codec.loads(data)
            except ValueError:
                continue
        return drafts

    def load_draft(self, draft_id: str = COMPOSE_DRAFT) -> Draft | None:
        rows = self._read("SELECT data FROM drafts WHERE id = ?", (draft_id,))
        decoded = _decode_all(row[0] for row in rows)
        return decoded[0] if decoded else None

    def delete_draft(self, draft_id: str = COMPOSE_DRAFT) -> None:
        with self._write(durable=True) as conn:
            conn.execute("DELETE FROM drafts WHERE id = ?", (draft_id,))

    def postpone(self, draft: Draft) -> str:
        """Put a draft aside, next to any others; returns its id."""
        draft_id = POSTPONED_PREFIX + uuid.uuid4().hex
        self.save_draft(draft_id, draft)
        return draft_id

    def postponed(self) -> list[tuple[str, datetime, Draft]]:
        """The drafts put aside, most recently saved first: (id, when, draft)."""
        rows = self._read(
            "SELECT id, updated_at, data FROM drafts WHERE id LIKE ? ORDER BY updated_at DESC",
            (POSTPONED_PREFIX + "%",),
        )
        found: list[tuple[str, datetime, Draft]] = []
        for draft_id, updated_at, data in rows:
            try:
                found.append((draft_id, _when(updated_at), codec.loads(data)))
            except ValueError:
                continue  # written by another Murmur: left in place, not shown
        return found

    # ----- outbox --------------------------------------------------------------------------

    def enqueue(self, draft: Draft) -> list[OutboxEntry]:
        """Put `draft` in the outbox, one entry per target account, atomically and durably.

        Each entry's draft names only its own account and carries a fresh idempotency key.
        """
        targets = list(dict.fromkeys(draft.targets))
        if not targets:
            raise ValueError("a draft needs at least one target account to enter the outbox")
        group_id = uuid.uuid4().hex
        now = time.time()
        entries = [
            OutboxEntry(
                id=uuid.uuid4().hex,
                group_id=group_id,
                account=account,
                draft=replace(draft, targets=(account,), idempotency_key=uuid.uuid4().hex),
                state="queued",
                error="",
                attempts=0,
                remote_uid="",
                created_at=_when(now),
                updated_at=_when(now),
            )
            for account in targets
        ]
        with self._write(durable=True) as conn:
            conn.executemany(
                "INSERT INTO outbox (id, group_id, account, draft, state, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, 'queued', ?, ?)",
                [(e.id, group_id, e.account, codec.dumps(e.draft), now, now) for e in entries],
            )
        return entries

    _OUTBOX_COLUMNS = (
        "SELECT id, group_id, account, draft, state, error, attempts, remote_uid, "
        "created_at, updated_at, needs_edit FROM outbox"
    )

    def outbox(self, states: Iterable[OutboxState] | None = None) -> list[OutboxEntry]:
        """Entries oldest first, optionally only those in `states`."""
        sql = self._OUTBOX_COLUMNS
        params: list[object] = []
        if states is not None:
            wanted = list(states)
            unknown = set(wanted) - set(OUTBOX_STATES)
            if unknown:
                raise ValueError(f"unknown outbox states {sorted(unknown)}")
            sql += f" WHERE state IN ({', '.join('?' * len(wanted))})"
            params = wanted
        return [self._entry_of(row) for row in self._read(sql + " ORDER BY seq", params)]

    def entry(self, entry_id: str) -> OutboxEntry | None:
        """One entry by id, without reading the rest of the outbox."""
        rows = self._read(self._OUTBOX_COLUMNS + " WHERE id = ?", (entry_id,))
        return self._entry_of(rows[0]) if rows else None

    @staticmethod
    def _entry_of(row: tuple) -> OutboxEntry:
        try:
            draft = codec.loads(row[3])
        except ValueError as e:  # never silently drop what the user wrote
            raise CacheError(f"outbox entry {row[0]} cannot be read: {e}") from None
        return OutboxEntry(
            row[0], row[1], row[2], draft, row[4], row[5], row[6], row[7],
            _when(row[8]), _when(row[9]), bool(row[10]),
        )  # fmt: skip

    def _set_state(self, entry_id: str, sql: str, params: Sequence[object], allowed: str) -> None:
        with self._write(durable=True) as conn:
            changed = conn.execute(
                f"UPDATE outbox SET {sql}, updated_at = ? WHERE id = ? AND state IN ({allowed})",
                (*params, time.time(), entry_id),
            ).rowcount
            if not changed:
                row = conn.execute("SELECT state FROM outbox WHERE id = ?", (entry_id,)).fetchone()
                if row is None:
                    raise KeyError(f"no outbox entry {entry_id}")
                raise ValueError(f"outbox entry {entry_id} is {row[0]}")

    def mark_sending(self, entry_id: str) -> None:
        """Claim an entry for sending (only from queued or failed: never send a sent one).

        Raises ValueError when another process claimed it first (it is "sending" or gone).
        """
        self._set_state(
            entry_id,
            "state = 'sending', error = '', needs_edit = 0, attempts = attempts + 1",
            (),
            "'queued', 'failed'",
        )

    def mark_sent(self, entry_id: str, remote_uid: str) -> None:
        self._set_state(
            entry_id,
            "state = 'sent', error = '', remote_uid = ?",
            (remote_uid,),
            "'queued', 'sending', 'failed', 'sent'",
        )

    def mark_failed(self, entry_id: str, error: str, *, needs_edit: bool = False) -> None:
        self._set_state(
            entry_id,
            "state = 'failed', error = ?, needs_edit = ?",
            (error, int(needs_edit)),
            "'queued', 'sending', 'failed'",
        )

    def remove(self, entry_id: str) -> None:
        with self._write(durable=True) as conn:
            conn.execute("DELETE FROM outbox WHERE id = ?", (entry_id,))


def _decode_all(rows: Iterable[str]) -> list:
    items = []
    for data in rows:
        try:
            items.append(codec.loads(data))
        except ValueError:
            continue
    return items
