"""Process start → first painted cached timeline, in a real terminal (tmux), against bare Textual.

Each command runs in a fresh detached tmux session at 80x24; the clock stops when
`tmux capture-pane -p` shows the expected line. Median of N runs for each, printed side by side
with the ratio (goal: within 2.5x of a bare Textual app that paints one line).

By default the Murmur side is the real app (`python -m tui`) on a MURMUR_HOME seeded with a
cached home feed and an account whose relay nobody listens on, so only the cache is painted.

    .venv/bin/python benchmarks/startup.py                          # the real app from cache
    .venv/bin/python benchmarks/startup.py --widget-only            # PostList alone from cache
    .venv/bin/python benchmarks/startup.py --cmd murmur --home DIR --expect "some line"
    .venv/bin/python benchmarks/startup.py --seed DIR               # seed DIR (cache + config)
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BARE_MARKER = "bare textual ready"
SEED_MARKER = "Startup Marker"  # display name of the newest seeded post
SEED_ACCOUNT = "bench"
SEED_POSTS = 300


# ----- the programs measured --------------------------------------------------------------------
def run_bare() -> None:
    """The yardstick: a Textual app that paints one line."""
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Static(BARE_MARKER)

    Bare().run()


def run_paint_cached(cache_path: str) -> None:
    """Stand-in for `murmur` until the app exists: cached home timeline in a PostList."""
    from textual.app import App, ComposeResult

    from tui.model import FeedRef
    from tui.store.cache import Cache
    from tui.ui.widgets.timeline import PostList

    class Cached(App[None]):
        def compose(self) -> ComposeResult:
            yield PostList(id="timeline")

        def on_mount(self) -> None:
            with Cache(cache_path) as cache:
                items = cache.load_posts(f"{SEED_ACCOUNT}|{FeedRef()}")
            timeline = self.query_one(PostList)
            timeline.set_items(items)
            timeline.focus()

    Cached().run()


def seed(home: Path) -> Path:
    """A MURMUR_HOME-style folder whose cache.sqlite holds a home feed of generated posts."""
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from dataclasses import replace

    from timeline import generate

    from tui.model import FeedRef
    from tui.store.cache import Cache

    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    posts = generate(SEED_POSTS)
    newest = posts[0]
    posts[0] = replace(newest, author=replace(newest.author, display_name=SEED_MARKER))
    path = home / "cache.sqlite"
    with Cache(path) as cache:
        cache.save_posts(f"{SEED_ACCOUNT}|{FeedRef()}", posts)
    # An account for the cached feed, on a relay nobody listens on: the app paints from cache
    # and never reaches a network.
    (home / "config.toml").write_text(
        f'[[accounts]]\nname = "{SEED_ACCOUNT}"\nnetwork = "nostr"\nrelays = ["ws://127.0.0.1:9"]\n'
    )
    return path


# ----- measuring in tmux ------------------------------------------------------------------------
def tmux(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True)


SOCKET = f"murmur-bench-{os.getpid()}"


def time_to_line(command: str, expect: str, env: dict[str, str], timeout: float = 30.0) -> float:
    """Seconds from spawning `command` in an 80x24 tmux pane to `expect` showing in it."""
    session = f"b{uuid.uuid4().hex[:8]}"
    env_prefix = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    full = f"env {env_prefix} {command}" if env_prefix else command
    start = time.perf_counter()
    started = tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", full)
    if started.returncode != 0:
        raise RuntimeError(f"tmux could not start {command!r}: {started.stderr.strip()}")
    try:
        while time.perf_counter() - start < timeout:
            screen = tmux("capture-pane", "-p", "-t", session).stdout
            if expect in screen:
                return time.perf_counter() - start
            time.sleep(0.005)
        raise TimeoutError(f"{expect!r} never appeared for {command!r}; last screen:\n{screen}")
    finally:
        tmux("kill-session", "-t", session)


def median_time(command: str, expect: str, env: dict[str, str], runs: int) -> list[float]:
    time_to_line(command, expect, env)  # warm the OS caches (bytecode, shared libraries)
    return [time_to_line(command, expect, env) for _ in range(runs)]


def main() -> None:
    parser = argparse.ArgumentParser(description="Start-up time to the first painted timeline")
    parser.add_argument("--cmd", help="command to measure (default: the app, cached home)")
    parser.add_argument(
        "--widget-only", action="store_true", help="measure PostList alone, not the app"
    )
    parser.add_argument("--expect", default=SEED_MARKER, help="line that means 'painted'")
    parser.add_argument("--home", help="MURMUR_HOME for --cmd (seeded with --seed first)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", metavar="DIR", help="seed DIR/cache.sqlite and exit")
    parser.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--paint-cached", metavar="CACHE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare:
        return run_bare()
    if args.paint_cached:
        return run_paint_cached(args.paint_cached)
    if args.seed:
        print(seed(Path(args.seed)))
        return None

    python = shlex.quote(sys.executable)
    me = shlex.quote(str(Path(__file__).resolve()))
    env = {
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "TERM": "xterm-256color",
    }
    with tempfile.TemporaryDirectory(prefix="murmur-startup-") as tmp:
        if args.cmd:
            command, label = args.cmd, args.cmd
            if args.home:
                env["MURMUR_HOME"] = args.home
        elif args.widget_only:
            cache = seed(Path(tmp) / "home")
            command = f"{python} {me} --paint-cached {shlex.quote(str(cache))}"
            label = f"PostList from cache ({SEED_POSTS} posts)"
        else:
            home = Path(tmp) / "home"
            seed(home)
            env["MURMUR_HOME"] = str(home)
            env["MURMUR_PASSPHRASE"] = "benchmark"
            command = f"{python} -m tui"
            label = f"murmur, cached home ({SEED_POSTS} posts)"
        try:
            bare = median_time(f"{python} {me} --bare", BARE_MARKER, env, args.runs)
            murmur = median_time(command, args.expect, env, args.runs)
        finally:
            tmux("kill-server")
    b, m = statistics.median(bare), statistics.median(murmur)
    print(f"start → first paint in tmux 80x24, median of {args.runs}\n")
    print(
        f"{'bare Textual, one line':<40} {b * 1000:8.0f} ms   "
        f"(runs: {', '.join(f'{t * 1000:.0f}' for t in bare)})"
    )
    print(
        f"{label:<40} {m * 1000:8.0f} ms   (runs: {', '.join(f'{t * 1000:.0f}' for t in murmur)})"
    )
    print(f"\nratio {m / b:.2f}x (goal <= 2.5x)")
    return None


if __name__ == "__main__":
    main()
