"""cache.sqlite: round trips, private files, the outbox surviving SIGKILL and crashes."""

from __future__ import annotations

import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tui.model import (
    Author,
    Draft,
    MediaUpload,
    NetworkKind,
    Notification,
    NotificationKind,
    Placeholder,
    PollDraft,
    Post,
    RichText,
)
from tui.store import codec, paths
from tui.store.cache import SCHEMA_VERSION, Cache, CacheError

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2024, 3, 1, 12, tzinfo=UTC)


def author(n: int = 1) -> Author:
    return Author(NetworkKind.MASTODON, "me", f"u{n}", f"@u{n}@example.social", f"User {n}")


def post(i: int, account: str = "me") -> Post:
    return Post(
        NetworkKind.MASTODON,
        account,
        f"m:{i}",
        T0 + timedelta(minutes=i),
        author(i % 3),
        RichText(f"post number {i}"),
    )


@pytest.fixture
def cache(murmur_home: Path) -> Cache:
    with Cache(paths.cache_file()) as c:
        yield c


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_cache_files_are_private(tmp_path: Path) -> None:
    path = tmp_path / "new" / "cache.sqlite"
    with Cache(path) as cache:
        cache.save_posts("me|home", [post(1)])
        files = [p for p in path.parent.iterdir()]
        assert {p.name for p in files} >= {"cache.sqlite", "cache.sqlite-wal"}
        for file in files:
            assert mode(file) == 0o600, file
    assert mode(path.parent) == 0o700


def test_wal_mode_and_schema_version(cache: Cache) -> None:
    with sqlite3.connect(cache.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_posts_round_trip_newest_first_per_feed(cache: Cache) -> None:
    home = [post(i) for i in range(10)]
    cache.save_posts("me|home", reversed(home[:5]))
    cache.save_posts("me|home", home[3:])  # overlap: upsert, not duplicates
    cache.save_posts("me|local", [post(100), Placeholder(NetworkKind.MASTODON, "me", "x", "bad")])
    loaded = cache.load_posts("me|home")
    assert loaded == list(reversed(home))
    assert cache.load_posts("me|home", limit=3) == list(reversed(home))[:3]
    assert [p.uid for p in cache.load_posts("me|local")] == ["m:100", "x"]
    assert cache.load_posts("nobody|home") == []


def test_saving_an_edited_post_replaces_it(cache: Cache) -> None:
    cache.save_posts("me|home", [post(1)])
    edited = replace(post(1), content=RichText("new"))
    cache.save_posts("me|home", [edited])
    assert cache.load_posts("me|home") == [edited]


def test_prune_keeps_the_newest(cache: Cache) -> None:
    cache.save_posts("me|home", [post(i) for i in range(50)])
    cache.save_posts("me|tag:x", [post(i) for i in range(5)])
    cache.prune("me|home", keep=10)
    assert [p.uid for p in cache.load_posts("me|home")] == [f"m:{i}" for i in range(49, 39, -1)]
    assert len(cache.load_posts("me|tag:x")) == 5


def test_save_posts_caps_each_feed(tmp_path: Path) -> None:
    with Cache(tmp_path / "c.sqlite", keep_per_feed=20) as cache:
        for start in range(0, 100, 10):
            cache.save_posts("me|home", [post(i) for i in range(start, start + 10)])
        assert len(cache.load_posts("me|home", limit=1000)) == 20


def test_notifications_round_trip_and_read_state(cache: Cache) -> None:
    notes = [
        Notification(
            NetworkKind.BLUESKY,
            "sky",
            f"n{i}",
            NotificationKind.LIKE,
            T0 + timedelta(hours=i),
            (author(i),),
            post(i),
        )
        for i in range(4)
    ]
    odd = Placeholder(NetworkKind.BLUESKY, "sky", "n-odd", "unknown notification type")
    cache.save_notifications([*notes, odd])
    assert cache.load_notifications() == [*reversed(notes), odd]
    cache.set_read(["n1", "n2"])
    unread = {n.uid: n.unread for n in cache.load_notifications() if isinstance(n, Notification)}
    assert unread == {"n0": True, "n1": False, "n2": False, "n3": True}
    cache.save_notifications(notes)  # the server sends them again as unread: read stays read
    assert not next(n for n in cache.load_notifications() if n.uid == "n1").unread
    assert len(cache.load_notifications(limit=2)) == 2
    cache.prune_notifications(keep=3)
    assert [n.uid for n in cache.load_notifications()] == ["n3", "n2", "n1"]


def test_markers(cache: Cache) -> None:
    assert cache.get_marker("me|home") is None
    cache.set_marker("me|home", "m:5")
    cache.set_marker("me|home", "m:9")
    assert cache.get_marker("me|home") == "m:9"


def full_draft(text: str = "hello", targets: tuple[str, ...] = ("me", "sky")) -> Draft:
    return Draft(
        text,
        targets=targets,
        content_warning="cw",
        visibility="unlisted",
        language="en",
        reply_to=post(3),
        media=(MediaUpload("/tmp/cat.png", "a cat", "image/png"),),
        poll=PollDraft(("yes", "no"), 3600, True),
    )


def test_drafts_round_trip(cache: Cache) -> None:
    cache.save_draft("compose", full_draft())
    cache.save_draft("reply:m:3", Draft("later"))
    cache.save_draft("compose", full_draft("hello again"))
    drafts = cache.load_drafts()
    assert drafts == {"compose": full_draft("hello again"), "reply:m:3": Draft("later")}
    assert list(drafts) == ["compose", "reply:m:3"]  # most recently saved first
    assert cache.load_draft() == full_draft("hello again")  # "compose" is the default id
    assert cache.load_draft("reply:m:3") == Draft("later")
    cache.delete_draft()
    assert list(cache.load_drafts()) == ["reply:m:3"]
    assert cache.load_draft() is None


def test_enqueue_makes_one_entry_per_account_with_fresh_keys(cache: Cache) -> None:
    entries = cache.enqueue(full_draft(targets=("me", "sky", "nostr")))
    assert [e.account for e in entries] == ["me", "sky", "nostr"]
    assert len({e.group_id for e in entries}) == 1
    assert len({e.id for e in entries}) == 3
    keys = {e.draft.idempotency_key for e in entries}
    assert len(keys) == 3 and "" not in keys
    assert [e.draft.targets for e in entries] == [("me",), ("sky",), ("nostr",)]
    assert all(e.state == "queued" and e.attempts == 0 for e in entries)
    assert cache.outbox() == entries
    assert entries[0].draft.reply_to == post(3)
    with pytest.raises(ValueError, match="target"):
        cache.enqueue(Draft("nowhere"))


def test_outbox_states(cache: Cache) -> None:
    a, b = cache.enqueue(Draft("hi", targets=("me", "sky")))
    cache.mark_sending(a.id)
    cache.mark_sending(b.id)
    cache.mark_sent(a.id, "m:remote-1")
    cache.mark_failed(b.id, "server said 503")
    by_id = {e.id: e for e in cache.outbox()}
    assert by_id[a.id].state == "sent" and by_id[a.id].remote_uid == "m:remote-1"
    assert by_id[b.id].state == "failed" and by_id[b.id].error == "server said 503"
    assert [e.id for e in cache.outbox(["failed"])] == [b.id]
    with pytest.raises(ValueError, match="is sent"):
        cache.mark_sending(a.id)  # a sent post is never sent again
    cache.mark_sending(b.id)  # retry
    retried = cache.outbox(["sending"])[0]
    assert retried.attempts == 2 and retried.error == ""
    assert retried.draft.idempotency_key == b.draft.idempotency_key
    cache.remove(a.id)
    assert [e.id for e in cache.outbox()] == [b.id]
    with pytest.raises(KeyError):
        cache.mark_failed(a.id, "gone")
    with pytest.raises(ValueError):
        cache.outbox(["lost"])


def test_sending_entries_go_back_to_the_queue_after_a_crash(tmp_path: Path) -> None:
    """A process dies (SIGKILL) between mark_sending and the server's answer."""
    path = tmp_path / "cache.sqlite"
    script = textwrap.dedent(
        """
        import os, signal, sys
        from tui.model import Draft
        from tui.store.cache import Cache
        cache = Cache(sys.argv[1])
        first, second = cache.enqueue(Draft("crash test", targets=("me", "sky")))
        cache.mark_sending(first.id)
        cache.mark_sending(second.id)
        cache.mark_sent(second.id, "remote")
        print(first.id, second.id, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", script, str(path)], cwd=ROOT, capture_output=True, timeout=60
    )
    assert run.returncode == -signal.SIGKILL, run.stderr.decode()
    first, second = run.stdout.decode().split()
    with Cache(path) as cache:
        by_id = {e.id: e for e in cache.outbox()}
    assert by_id[first].state == "queued" and by_id[first].attempts == 1
    assert by_id[second].state == "sent"


WRITER = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime, timedelta
    from tui.model import Author, Draft, NetworkKind, Post, RichText
    from tui.store.cache import Cache

    cache = Cache(sys.argv[1])
    run = sys.argv[2]
    me = Author(NetworkKind.NOSTR, "n", "pk", "npub1me")
    i = 0
    while True:  # writes until the test kills it: that is the scenario
        entries = cache.enqueue(Draft(f"{run} draft {i}", targets=("n", "m")))
        print(run, i, *(e.id for e in entries), flush=True)  # only after the commit returned
        cache.save_posts(
            "n|home",
            [
                Post(NetworkKind.NOSTR, "n", f"{run}:{i}:{j}",
                     datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=i * 10 + j), me,
                     RichText("x" * 500))
                for j in range(10)
            ],
        )
        cache.mark_sending(entries[0].id)
        i += 1
    """
)


def test_sigkill_mid_write_loses_no_enqueued_entry(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    confirmed: dict[str, str] = {}  # entry id → draft text
    for run in ("a", "b", "c"):
        child = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), run],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        lines = []
        try:
            assert child.stdout is not None
            while len(lines) < 40 + 15 * len(confirmed) // 40:
                line = child.stdout.readline()
                assert line, child.stderr.read().decode() if child.stderr else "child died"
                lines.append(line)
        finally:
            child.send_signal(signal.SIGKILL)  # while it is writing its next batch
        rest, _err = child.communicate(timeout=30)
        assert child.returncode == -signal.SIGKILL
        complete = b"".join(lines) + rest
        for line in complete.decode().splitlines(keepends=True):
            if not line.endswith("\n"):
                continue  # cut off by the kill: never confirmed
            name, i, *ids = line.split()
            for entry_id in ids:
                confirmed[entry_id] = f"{name} draft {i}"
    assert len(confirmed) >= 240
    with Cache(path) as cache:
        with sqlite3.connect(path) as raw:
            assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        entries = {e.id: e for e in cache.outbox()}
        assert cache.outbox(["sending"]) == []  # the killed "sending" ones are queued again
        posts = cache.load_posts("n|home", limit=5)
    for entry_id, text in confirmed.items():
        assert entry_id in entries, f"confirmed entry {entry_id} ({text}) was lost"
        assert entries[entry_id].draft.text == text
        assert entries[entry_id].draft.idempotency_key
    assert len(posts) == 5


def test_concurrent_threads_share_one_cache(cache: Cache) -> None:
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(30):
                cache.save_posts(f"acct{n}|home", [post(i, f"acct{n}")])
                cache.enqueue(Draft(f"{n}-{i}", targets=(f"acct{n}",)))
                cache.load_posts(f"acct{n}|home")
        except BaseException as e:  # noqa: BLE001 - reported by the assertion below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(cache.outbox()) == 120
    assert all(len(cache.load_posts(f"acct{n}|home")) == 30 for n in range(4))


def test_a_cache_from_a_newer_murmur_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    Cache(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(CacheError, match="newer Murmur"):
        Cache(path)


def test_a_damaged_cache_is_set_aside_and_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    path.write_bytes(b"this is not a database at all" * 200)
    with Cache(path) as cache:
        cache.save_posts("me|home", [post(1)])
        assert cache.load_posts("me|home") == [post(1)]
    kept = [p.name for p in tmp_path.iterdir() if ".corrupt-" in p.name]
    assert len(kept) == 1


def test_rows_that_no_longer_decode_are_skipped(cache: Cache) -> None:
    cache.save_posts("me|home", [post(1), post(2)])
    with sqlite3.connect(cache.path) as conn:
        conn.execute("UPDATE posts SET data = '{\"$\":\"Hologram\"}' WHERE uid = 'm:1'")
    assert cache.load_posts("me|home") == [post(2)]


def test_an_outbox_written_by_the_first_schema_is_kept_on_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as conn:
        from tui.store.cache import _MIGRATIONS

        for statement in _MIGRATIONS[1]:
            conn.execute(statement)
        conn.execute(
            "INSERT INTO outbox (id, group_id, account, draft, state, error, created_at,"
            " updated_at) VALUES ('e1', 'g1', 'acct', ?, 'failed', 'down', 1.0, 1.0)",
            (codec.dumps(Draft("kept", targets=("acct",))),),
        )
        conn.execute("PRAGMA user_version = 1")
    cache = Cache(path)
    [entry] = cache.outbox()
    assert (entry.draft.text, entry.state, entry.needs_edit) == ("kept", "failed", False)
    assert entry.retryable


def test_a_version_two_cache_gains_read_state_and_keeps_its_drafts(tmp_path: Path) -> None:
    path = tmp_path / "v2.sqlite"
    with sqlite3.connect(path) as conn:
        from tui.store.cache import _MIGRATIONS

        for version in (1, 2):
            for statement in _MIGRATIONS[version]:
                conn.execute(statement)
        conn.execute(
            "INSERT INTO drafts (id, updated_at, data) VALUES ('compose', 1.0, ?)",
            (codec.dumps(Draft("still here")),),
        )
        conn.execute("PRAGMA user_version = 2")
    with Cache(path) as cache:
        assert cache.load_draft().text == "still here"
        assert cache.read_states("post") == {}
        cache.set_read_state("post", ["m:1"], True)
        assert cache.read_states("post") == {"m:1": True}
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3


def test_read_state_round_trips_per_kind_and_survives_reopening(cache: Cache) -> None:
    cache.set_read_state("post", ["m:1", "m:2"], True)
    cache.set_read_state("post", ["m:2"], False)
    cache.set_read_state("notification", ["m:1"], False)
    path = cache.path
    cache.close()
    with Cache(path) as again:
        assert again.read_states("post") == {"m:1": True, "m:2": False}
        assert again.read_states("notification") == {"m:1": False}


def test_marking_a_notification_unread_updates_its_own_column(cache: Cache) -> None:
    note = Notification(
        NetworkKind.MASTODON, "me", "n:1", NotificationKind.MENTION, T0, (author(),), unread=True
    )
    cache.save_notifications([note])
    cache.set_read_state("notification", ["n:1"], True)
    assert [n.unread for n in cache.load_notifications()] == [False]
    cache.set_read_state("notification", ["n:1"], False)
    assert [n.unread for n in cache.load_notifications()] == [True]


def test_read_state_keeps_only_the_newest_marks(
    cache: Cache, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui.store import cache as cache_module

    monkeypatch.setattr(cache_module, "READ_STATE_KEEP", 3)
    for n in range(5):
        cache.set_read_state("post", [f"m:{n}"], True)
    assert set(cache.read_states("post")) == {"m:2", "m:3", "m:4"}


def test_postponed_drafts_are_many_and_keep_their_reply(cache: Cache) -> None:
    first = cache.postpone(Draft("first"))
    second = cache.postpone(Draft("a reply", reply_to=post(7)))
    cache.save_draft("compose", Draft("the composer's own"))
    listed = cache.postponed()
    assert [draft_id for draft_id, _, _ in listed] == [second, first]
    assert listed[0][2].reply_to is not None and listed[0][2].reply_to.uid == "m:7"
    cache.delete_draft(first)
    assert [d.text for _, _, d in cache.postponed()] == ["a reply"]
    assert cache.load_draft().text == "the composer's own"


def test_processes_opening_a_new_cache_at_once_all_open_it(tmp_path: Path) -> None:
    """Several `murmur` commands started together (logins in scripts) each open the cache:
    none fails with "database is locked" while another switches the new file to WAL."""
    code = textwrap.dedent(
        """
        import sys
        from tui.store.cache import Cache
        for path in sys.argv[1:]:
            Cache(path).close()
        """
    )
    paths_ = [str(tmp_path / f"cache-{n}.db") for n in range(100)]
    procs = [
        subprocess.Popen([sys.executable, "-c", code, *paths_], stderr=subprocess.PIPE, text=True)
        for _ in range(6)
    ]
    for proc in procs:
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    for path in paths_:
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
