"""Process start → first post on screen, in a real terminal (tmux): Murmur beside toot and Textual.

Each command runs in a fresh detached tmux session at 80x24; the clock stops when
`tmux capture-pane -p` shows the expected line. Median of N runs for each (after one warm-up run),
printed side by side with ratios.

The default table, all against one Mastodon contract server (tests/mastodon/server.py) started
in-process on 127.0.0.1 (plain http, no traffic leaves the machine):

- bare Textual: a Textual app that paints one line (the floor for any Textual program);
- toot: `toot tui` (toot 0.52 from PyPI, installed on first use in its own venv under
  ~/.cache/murmur-bench; its config, in a temporary XDG_CONFIG_HOME, holds the server's token);
- Murmur cached: `murmur` on a home whose cache holds the server's home timeline;
- Murmur uncached: the same with the cache file removed before each run.
  Both with the key agent unlocked (a first `murmur login` leaves the key with it) and no
  MURMUR_PASSPHRASE: a run that had to ask for the passphrase would never show the post.

Goals (issue 14): cached ≤ 1.0x toot and ≤ 1.6x bare Textual; uncached ≤ 1.5x toot.

    .venv/bin/python benchmarks/startup.py                          # the table above
    .venv/bin/python benchmarks/startup.py --no-toot                # without toot (offline)
    .venv/bin/python benchmarks/startup.py --baseline DIR           # also tui/ from DIR (before)
    .venv/bin/python benchmarks/startup.py --seeded                 # 300 seeded posts, no server
    .venv/bin/python benchmarks/startup.py --widget-only            # PostList alone from cache
    .venv/bin/python benchmarks/startup.py --cmd murmur --home DIR --expect "some line"
    .venv/bin/python benchmarks/startup.py --seed DIR               # seed DIR (cache + config)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BARE_MARKER = "bare textual ready"
SEED_MARKER = "Startup Marker"  # display name of the newest seeded post
SEED_ACCOUNT = "bench"
SEED_POSTS = 300
# The newest post of the contract server's home timeline (a boosted poll): both clients show it
# first.
SERVER_MARKER = "Tabs or spaces?"
SERVER_TOKEN = "test-token"  # the contract server's known token (alice)
PASSPHRASE = "benchmark passphrase"
TOOT_SPEC = "toot==0.52.*"
BENCH_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "murmur-bench"


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
    """Stand-in for `murmur`: cached home timeline in a PostList alone."""
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


# ----- the peers: a fake Mastodon server, toot, Murmur logged in to it ---------------------------
@contextmanager
def fake_mastodon() -> Iterator[str]:
    """The Mastodon contract server on 127.0.0.1, in a thread of this process; yields its URL."""
    sys.path.insert(0, str(ROOT))
    from tests.mastodon.server import ContractServer

    # A client that quits mid-stream (every measured run does) is not news.
    logging.getLogger("websockets").setLevel(logging.CRITICAL)
    loop = asyncio.new_event_loop()
    server = ContractServer("mastodon")
    ready = threading.Event()
    failed: list[BaseException] = []

    def serve() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(server.start())
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread, which raises it
            failed.append(exc)
            return
        finally:
            ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, name="fake-mastodon", daemon=True)
    thread.start()
    if not ready.wait(30) or failed:
        raise RuntimeError(f"the contract server did not start: {failed[:1]}")
    try:
        yield server.url
    finally:

        async def shutdown() -> None:
            await server.stop()
            # Connections of clients that were killed mid-stream: ended here, not at exit.
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in others:
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
        loop.close()
        if server.violations:
            print("contract server: requests that break the API contract:", file=sys.stderr)
            for violation in server.violations[:10]:
                print(f"  {violation}", file=sys.stderr)


def ensure_toot() -> Path:
    """The `toot` executable, installed from PyPI in its own venv on first use."""
    venv = BENCH_CACHE / "toot-venv"
    toot = venv / "bin" / "toot"
    if toot.exists():
        return toot
    print(f"installing {TOOT_SPEC} into {venv} (first run only)…", file=sys.stderr)
    venv.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", TOOT_SPEC], check=True)
    if not toot.exists():
        raise RuntimeError(f"{TOOT_SPEC} installed no `toot` in {venv}")
    return toot


def toot_config(xdg_config_home: Path, url: str) -> None:
    """toot's config (toot/config.py: $XDG_CONFIG_HOME/toot/config.json), logged in to `url`.

    The instance is the server's base URL with its scheme, so toot talks plain http to it; the
    TUI's one-time deprecation notice is dismissed as a user would have done once."""
    instance = url.split("://", 1)[1]
    user = f"alice@{instance}"
    config = {
        "apps": {
            instance: {
                "instance": instance,
                "base_url": url,
                "client_id": "benchmark",
                "client_secret": "benchmark",
            }
        },
        "users": {user: {"instance": instance, "username": "alice", "access_token": SERVER_TOKEN}},
        "active_user": user,
        "dismiss_tui_deprecation_notice": True,
    }
    folder = xdg_config_home / "toot"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / "config.json"
    path.write_text(json.dumps(config))
    path.chmod(0o600)


def compile_bytecode(*folders: Path) -> None:
    """Write Murmur's bytecode first, as an install does (toot's came with pip): a shell with
    PYTHONDONTWRITEBYTECODE set would otherwise make every run compile the sources again."""
    for folder in folders or (ROOT / "tui", ROOT / "benchmarks"):
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", str(folder)],
            env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
            stdout=subprocess.DEVNULL,
            check=True,
        )


def murmur_env(home: Path) -> dict[str, str]:
    dropped = ("MURMUR_PASSPHRASE", "COLUMNS", "LINES", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env["MURMUR_HOME"] = str(home)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return env


def murmur_login(home: Path, url: str) -> None:
    """Log `home` in to the server with the known token; the key agent keeps the vault key."""
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    env = murmur_env(home) | {"MURMUR_PASSPHRASE": PASSPHRASE}
    argv = [sys.executable, "-m", "tui", "login", "mastodon", url, "--token-stdin"]
    done = subprocess.run(
        argv, input=SERVER_TOKEN + "\n", env=env, capture_output=True, text=True, timeout=120
    )
    if done.returncode != 0:
        raise RuntimeError(f"murmur login failed ({done.returncode}): {done.stderr.strip()}")


def murmur_lock(home: Path) -> None:
    """Stop the key agent this benchmark started (it would otherwise wait for its idle time)."""
    argv = [sys.executable, "-m", "tui", "lock"]
    subprocess.run(argv, env=murmur_env(home), capture_output=True, timeout=60)


def drop_cache(home: Path) -> None:
    for name in ("cache.sqlite", "cache.sqlite-wal", "cache.sqlite-shm"):
        (home / name).unlink(missing_ok=True)


# ----- measuring in tmux ------------------------------------------------------------------------
SOCKET = f"murmur-bench-{os.getpid()}"


def nop() -> None:
    pass


def tmux(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True)


@contextmanager
def tmux_server() -> Iterator[None]:
    """A private tmux server kept alive between runs by an idle session: without it, killing a
    run's session ends the server and the next `new-session` can race its exit."""
    tmux("new-session", "-d", "-s", "keep", "-x", "80", "-y", "24", "sleep 3600")
    try:
        yield
    finally:
        tmux("kill-server")


def time_to_line(
    command: str, expect: str, env: dict[str, str], timeout: float = 30.0, cwd: Path = ROOT
) -> float:
    """Seconds from spawning `command` (in `cwd`) in an 80x24 tmux pane to `expect` showing."""
    session = f"b{uuid.uuid4().hex[:8]}"
    env_prefix = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    # tmux hands its server's environment on: drop what would change the measured program.
    drop = "-u MURMUR_PASSPHRASE -u COLUMNS -u LINES -u PYTHONDONTWRITEBYTECODE"
    full = f"env {drop} {env_prefix} {command}"
    start = time.perf_counter()
    started = tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", "-c", str(cwd), full)
    if started.returncode != 0:
        raise RuntimeError(f"tmux could not start {command!r}: {started.stderr.strip()}")
    screen = ""
    try:
        while time.perf_counter() - start < timeout:
            screen = tmux("capture-pane", "-p", "-t", session).stdout
            if expect in screen:
                return time.perf_counter() - start
            time.sleep(0.005)
        raise TimeoutError(f"{expect!r} never appeared for {command!r}; last screen:\n{screen}")
    finally:
        tmux("kill-session", "-t", session)


def times(
    command: str,
    expect: str,
    env: dict[str, str],
    runs: int,
    before: Callable[[], None] = lambda: None,
) -> list[float]:
    """`runs` timings after a warm-up run (OS caches: bytecode, shared libraries)."""
    return interleaved({"only": (command, expect, env, before, ROOT)}, runs)["only"]


# command, expect, env, before each run, and the folder it runs in (`-m` puts it first on the path)
Program = tuple[str, str, dict[str, str], Callable[[], None], Path]


def interleaved(programs: dict[str, Program], runs: int) -> dict[str, list[float]]:
    """Rounds of one run of each program, in order, after a warm-up round: a machine whose load
    drifts slows all of them alike instead of whichever happened to run then."""
    result: dict[str, list[float]] = {name: [] for name in programs}
    for n in range(runs + 1):
        for name, (command, expect, env, before, cwd) in programs.items():
            before()
            seconds = time_to_line(command, expect, env, cwd=cwd)
            if n:
                result[name].append(seconds)
    return result


def row(label: str, runs: list[float], ratios: str = "") -> str:
    each = ", ".join(f"{t * 1000:.0f}" for t in runs)
    return (
        f"{label:<34} {statistics.median(runs) * 1000:6.0f} {min(runs) * 1000:6.0f} ms"
        f"  {ratios:<26} (runs: {each})"
    )


def peers_table(runs: int, with_toot: bool, baseline: Path | None = None) -> None:
    python = shlex.quote(sys.executable)
    me = shlex.quote(str(Path(__file__).resolve()))
    toot = ensure_toot() if with_toot else None
    term = {"TERM": "xterm-256color"}
    with tempfile.TemporaryDirectory(prefix="murmur-startup-") as tmp, fake_mastodon() as url:
        home = Path(tmp) / "home"
        murmur_login(home, url)
        murmur_cmd = f"{python} -m tui"
        menv = term | {"MURMUR_HOME": str(home), "PYTHONPATH": murmur_env(home)["PYTHONPATH"]}
        xdg = Path(tmp) / "xdg"
        toot_config(xdg, url)
        tenv = term | {"XDG_CONFIG_HOME": str(xdg)}
        bare = f"{python} {me} --bare"
        programs: dict[str, Program] = {"bare": (bare, BARE_MARKER, term, nop, ROOT)}
        if toot is not None:
            programs["toot"] = (f"{shlex.quote(str(toot))} tui", SERVER_MARKER, tenv, nop, ROOT)
        uncache = lambda: drop_cache(home)  # noqa: E731 - a name for the same step, used twice
        programs["uncached"] = (murmur_cmd, SERVER_MARKER, menv, uncache, ROOT)
        # Right after an uncached run, whose timeline is now in the cache.
        programs["cached"] = (murmur_cmd, SERVER_MARKER, menv, nop, ROOT)
        if baseline is not None:  # another copy of tui/ (say, before a change), same venv
            benv = menv | {"PYTHONPATH": str(baseline)}
            programs["base uncached"] = (murmur_cmd, SERVER_MARKER, benv, uncache, baseline)
            programs["base cached"] = (murmur_cmd, SERVER_MARKER, benv, nop, baseline)
        try:
            with tmux_server():
                results = interleaved(programs, runs)
        finally:
            murmur_lock(home)

    med = {k: statistics.median(v) for k, v in results.items()}

    def vs(name: str) -> str:
        parts = [f"{med[name] / med['bare']:.2f}x bare"]
        if "toot" in med:
            parts.append(f"{med[name] / med['toot']:.2f}x toot")
        return ", ".join(parts)

    print(f"process start → first post on screen, tmux 80x24, {runs} interleaved rounds")
    print("one Mastodon contract server on 127.0.0.1; Murmur with the key agent unlocked\n")
    print(f"{'':<34} {'median':>6} {'best':>6}")
    print(row("bare Textual, one line", results["bare"]))
    if "toot" in results:
        print(row("toot tui (toot 0.52)", results["toot"], vs("toot")))
    print(row("murmur, cached timeline", results["cached"], vs("cached")))
    print(row("murmur, no cache", results["uncached"], vs("uncached")))
    if baseline is not None:
        print(row("baseline murmur, cached timeline", results["base cached"], vs("base cached")))
        print(row("baseline murmur, no cache", results["base uncached"], vs("base uncached")))
    print()
    # The goals use medians; on a busy machine the best runs (least disturbed) say more.
    best = {k: min(v) for k, v in results.items()}
    goals = [("cached", "bare", "bare Textual", 1.6)]
    if "toot" in med:
        goals += [("cached", "toot", "toot", 1.0), ("uncached", "toot", "toot", 1.5)]
    for name, peer, peer_label, goal in goals:
        print(
            f"murmur {name}: {med[name] / med[peer]:.2f}x {peer_label} (goal ≤ {goal}x;"
            f" best runs {best[name] / best[peer]:.2f}x)"
        )


def one_program(args: argparse.Namespace) -> None:
    """The older two-line table: bare Textual beside one program (seeded cache by default)."""
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
        with tmux_server():
            bare = times(f"{python} {me} --bare", BARE_MARKER, env, args.runs)
            murmur = times(command, args.expect, env, args.runs)
    b, m = statistics.median(bare), statistics.median(murmur)
    print(f"start → first paint in tmux 80x24, {args.runs} runs\n")
    print(f"{'':<34} {'median':>6} {'best':>6}")
    print(row("bare Textual, one line", bare))
    print(row(label, murmur, f"{m / b:.2f}x bare"))


def main() -> None:
    parser = argparse.ArgumentParser(description="Start-up time to the first post on screen")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-toot", action="store_true", help="leave toot out of the table")
    parser.add_argument(
        "--baseline",
        metavar="DIR",
        type=Path,
        help="also measure the tui/ package in DIR (e.g. `git archive REV tui | tar -x -C DIR`)",
    )
    parser.add_argument("--seeded", action="store_true", help="the app on 300 seeded posts")
    parser.add_argument("--cmd", help="command to measure beside bare Textual")
    parser.add_argument(
        "--widget-only", action="store_true", help="measure PostList alone, not the app"
    )
    parser.add_argument("--expect", default=SEED_MARKER, help="line that means 'painted'")
    parser.add_argument("--home", help="MURMUR_HOME for --cmd (seeded with --seed first)")
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
    if shutil.which("tmux") is None:
        sys.exit("tmux is needed (apt-get install tmux)")
    compile_bytecode()
    if args.cmd or args.widget_only or args.seeded:
        return one_program(args)
    if args.baseline is not None:
        compile_bytecode(args.baseline)
    return peers_table(args.runs, with_toot=not args.no_toot, baseline=args.baseline)


if __name__ == "__main__":
    main()
