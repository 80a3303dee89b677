"""`murmur timeline` beside `toot timeline` (toot's own CLI): time to answer and peak memory.

Both read the home timeline (20 posts) of one Mastodon contract server started in-process on
127.0.0.1 (tests/mastodon/server.py, plain http). Murmur runs with the key agent unlocked (a first
`murmur login` leaves the key with it) and no MURMUR_PASSPHRASE, as a user's second command does.
toot 0.52 comes from PyPI, installed on first use in its own venv under ~/.cache/murmur-bench,
and is logged in through its own config file (benchmarks/startup.py does both).

Each command runs N times after one warm-up run; the table shows the median wall time (process
start to exit) and the peak RSS of each run (ru_maxrss from wait4, for that process alone).
Goals (issue 14): murmur ≤ 1.0x toot in time, peak under 100 MB.

    .venv/bin/python benchmarks/cli.py
    .venv/bin/python benchmarks/cli.py --runs 9
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from startup import (  # the benchmarks folder, put on the path just above
    ROOT,
    compile_bytecode,
    ensure_toot,
    fake_mastodon,
    murmur_env,
    murmur_lock,
    murmur_login,
    toot_config,
)

LIMIT = 20
PEAK_GOAL_MB = 100


# ru_maxrss of a process that was forked from this one starts at this process's own peak (Linux
# keeps the pre-exec peak), which would hide the measured program's. So a small fresh Python
# forks and reaps it: the measured program's floor is then that launcher's few MB.
REAPER = """
import os, sys, time
out = sys.argv[1]
argv = sys.argv[2:]
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.setsid()
        os.execv(argv[0], argv)
    finally:
        os._exit(127)
_pid, status, usage = os.wait4(pid, 0)
elapsed = time.perf_counter() - start
with open(out, "w") as f:
    f.write(f"{elapsed} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""


def run_reaped(
    argv: list[str], env: dict[str, str], cwd: Path | None = None
) -> tuple[float, float, int, str, str]:
    """Run argv: (seconds, peak RSS in MB from wait4, exit code, stdout, stderr)."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile("r") as result,
    ):
        launcher = [sys.executable, "-I", "-S", "-c", REAPER, result.name, *argv]
        done = subprocess.run(
            launcher, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=err
        )
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
        fields = result.read().split()
    if done.returncode != 0 or len(fields) != 3:
        sys.exit(f"could not run {argv[0]} (exit {done.returncode}): {stderr.strip()}")
    elapsed, peak_kib, code = float(fields[0]), int(fields[1]), int(fields[2])
    return elapsed, peak_kib / 1024, code, stdout, stderr


# argv, environment, and the folder it runs in (`-m` puts it first on the path)
Program = tuple[list[str], dict[str, str], Path | None]


def measure(
    programs: dict[str, Program], runs: int, expect: str
) -> dict[str, tuple[list[float], list[float]]]:
    """(seconds, peaks) of each program, in interleaved rounds after a warm-up round."""
    result: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in programs}
    for n in range(runs + 1):
        for name, (argv, env, cwd) in programs.items():
            elapsed, peak, code, out, err = run_reaped(argv, env, cwd)
            if code != 0 or expect not in out:
                sys.exit(f"{name} failed (exit {code}):\n{err.strip() or out[-2000:]}")
            if n:  # the first round warms the OS caches (bytecode, shared libraries)
                result[name][0].append(elapsed)
                result[name][1].append(peak)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--baseline",
        metavar="DIR",
        type=Path,
        help="also measure the tui/ package in DIR (e.g. `git archive REV tui | tar -x -C DIR`)",
    )
    args = parser.parse_args()
    toot = ensure_toot()
    compile_bytecode()
    if args.baseline is not None:
        compile_bytecode(args.baseline)
    with tempfile.TemporaryDirectory(prefix="murmur-cli-") as tmp, fake_mastodon() as url:
        home = Path(tmp) / "home"
        murmur_login(home, url)
        xdg = Path(tmp) / "xdg"
        toot_config(xdg, url)
        tenv = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        tenv.pop("PYTHONDONTWRITEBYTECODE", None)
        tenv["XDG_CONFIG_HOME"] = str(xdg)
        margv = [sys.executable, "-m", "tui", "timeline", "--limit", str(LIMIT)]
        menv = murmur_env(home)
        programs: dict[str, Program] = {
            "toot": ([str(toot), "timeline", "--once", "--count", str(LIMIT)], tenv, None),
            "murmur": (margv, menv, ROOT),
        }
        if args.baseline is not None:
            programs["baseline"] = (margv, menv | {"PYTHONPATH": str(args.baseline)}, args.baseline)
        try:
            # The newest post of the server's home timeline is in both outputs.
            results = measure(programs, args.runs, "Tabs or spaces?")
        finally:
            murmur_lock(home)

    med = {k: statistics.median(v[0]) for k, v in results.items()}
    peak = {k: max(v[1]) for k, v in results.items()}
    print(f"home timeline, {LIMIT} posts, one Mastodon contract server on 127.0.0.1")
    print(f"median of {args.runs} interleaved rounds; peak = highest RSS of any run (wait4)\n")
    rows = [
        ("toot timeline --once (0.52)", "toot"),
        ("murmur timeline (agent unlocked)", "murmur"),
    ]
    if args.baseline is not None:
        rows.append(("baseline murmur timeline", "baseline"))
    for label, key in rows:
        each = ", ".join(f"{t * 1000:.0f}" for t in results[key][0])
        print(f"{label:<34} {med[key] * 1000:6.0f} ms  peak {peak[key]:5.1f} MB   (runs: {each})")
    print()
    fastest = {k: min(v[0]) for k, v in results.items()}
    print(
        f"murmur timeline: {med['murmur'] / med['toot']:.2f}x toot timeline (goal ≤ 1.0x;"
        f" best runs {fastest['murmur'] / fastest['toot']:.2f}x)"
    )
    print(f"murmur timeline: peak {peak['murmur']:.0f} MB (goal < {PEAK_GOAL_MB} MB)")
    if "baseline" in med:
        print(f"baseline murmur timeline: {med['baseline'] / med['toot']:.2f}x toot timeline")


if __name__ == "__main__":
    main()
