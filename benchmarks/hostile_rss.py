"""Peak RSS of `murmur timeline` against the hostile server: oversize and expansion modes.

A Mastodon account is logged in (`murmur login mastodon URL --token-stdin`) in a temporary
MURMUR_HOME whose server is tests/hostile's server on 127.0.0.1; then `murmur timeline` runs as
a subprocess once per mode, and its peak resident memory (from wait4's rusage) is printed next to
the normal-size baseline. What the server sends in each mode is far more than the client reads:
the peak should stay near the baseline. The trickle and silent modes show the wall time: both
end at the same whole-request deadline. (Most of the baseline is the vault's key derivation,
which every command that unlocks the vault pays.)

    .venv/bin/python benchmarks/hostile_rss.py
    .venv/bin/python benchmarks/hostile_rss.py --runs 3
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.hostile.server import BOMB_BYTES, OVERSIZE_BYTES, HostileServer, gzip_bomb  # noqa: E402

PASSPHRASE = "benchmark passphrase"
MODES = [
    ("normal", "one page of JSON (baseline)", 0),
    ("oversize", "200 MB, Content-Length declared", OVERSIZE_BYTES),
    ("oversize_undeclared", "200 MB, no Content-Length", OVERSIZE_BYTES),
    ("bomb", "gzip expanding to 1 GiB", BOMB_BYTES),
    ("trickle", "headers, then a byte every 0.25 s", 0),
    ("silent", "nothing at all", 0),
]


def run(argv: list[str], env: dict[str, str], stdin: str = "") -> tuple[int, float, str, float]:
    """Exit code, peak RSS in MB, the last line of stderr and wall seconds of one `murmur` run."""
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", *argv],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    assert proc.stdin is not None and proc.stderr is not None
    proc.stdin.write(stdin.encode())
    proc.stdin.close()
    err = proc.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    lines = [line for line in err.splitlines() if line.strip()]
    wall = time.monotonic() - started
    return proc.returncode, usage.ru_maxrss / 1024, lines[-1] if lines else "", wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="runs per mode (the max is shown)")
    args = parser.parse_args()
    gzip_bomb()  # built before any measurement
    server = HostileServer()
    server.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp) / "home"
            home.mkdir(mode=0o700)
            env = dict(os.environ, MURMUR_HOME=str(home), MURMUR_PASSPHRASE=PASSPHRASE)
            code, _, err, _ = run(
                ["login", "mastodon", server.url, "--token-stdin"], env, "bench-token\n"
            )
            if code != 0:
                print(f"login failed ({code}): {err}", file=sys.stderr)
                return 1
            rows = []
            for mode, what, _sent in MODES:
                server.mode = mode
                results = [run(["timeline", "--limit", "20"], env) for _ in range(args.runs)]
                peak = max(r[1] for r in results)
                wall = max(r[3] for r in results)
                rows.append((mode, what, results[-1][0], peak, wall, results[-1][2]))
    finally:
        server.stop()
    baseline = rows[0][3]
    print(
        f"{'mode':<20} {'server sends':<34} {'exit':>4} {'peak RSS':>9} {'vs base':>8} "
        f"{'wall':>6}  message"
    )
    for mode, what, code, peak, wall, err in rows:
        print(
            f"{mode:<20} {what:<34} {code:>4} {peak:>6.1f} MB {peak / baseline:>7.2f}x "
            f"{wall:>5.1f}s  {err[:100]}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
