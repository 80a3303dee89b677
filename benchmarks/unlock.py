"""Two CLI commands in a row that open the vault, with the key agent on and off.

Each round starts locked (`murmur lock`), then runs the command twice; the table shows the median
of N rounds for the first and the second run, and the peak RSS of each (from wait4, per process),
plus the agent's own peak RSS. The default command, `murmur outbox retry --all` on an empty outbox,
opens the vault and the account's network object but sends nothing: no network is touched. The
account is a Nostr key whose only relay is a closed port on 127.0.0.1.

    .venv/bin/python benchmarks/unlock.py
    .venv/bin/python benchmarks/unlock.py --runs 9 --cmd "outbox retry --all"
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSPHRASE = "benchmark passphrase"
CLOSED_RELAY = "ws://127.0.0.1:9"


def run_reaped(home: Path, *args: str) -> tuple[float, float, subprocess.CompletedProcess]:
    """Run `murmur ARGS`: (seconds, peak RSS in MiB from wait4, result)."""
    env = dict(os.environ, MURMUR_HOME=str(home), MURMUR_PASSPHRASE=PASSPHRASE)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        pid = os.posix_spawn(
            sys.executable,
            [sys.executable, "-m", "tui", *args],
            env,
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_DUP2, out.fileno(), 1),
                (os.POSIX_SPAWN_DUP2, err.fileno(), 2),
            ],
            setsid=True,
        )
        _pid, status, usage = os.wait4(pid, 0)
        elapsed = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        code = os.waitstatus_to_exitcode(status)
        result = subprocess.CompletedProcess(
            args, code, out.read().decode(errors="replace"), err.read().decode(errors="replace")
        )
    return elapsed, usage.ru_maxrss / 1024, result


def check(result: subprocess.CompletedProcess) -> None:
    if result.returncode != 0:
        what = shlex.join(result.args)
        sys.exit(f"`murmur {what}` failed ({result.returncode}):\n{result.stderr}")


def agent_peak_mib(home: Path) -> float | None:
    """The running agent's peak RSS (VmHWM), read from /proc."""
    os.environ["MURMUR_HOME"] = str(home)
    from tui.store import agent

    state = agent.info()
    if state is None:
        return None
    try:
        status = Path(f"/proc/{state['pid']}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def seed(home: Path, agent_on: bool) -> None:
    check(run_reaped(home, "login", "nostr", "--generate", "--relay", CLOSED_RELAY)[2])
    (home / "config.toml").write_text(
        (home / "config.toml").read_text() + f"\n[agent]\nenabled = {str(agent_on).lower()}\n"
    )
    check(run_reaped(home, "config", "check")[2])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cmd", default="outbox retry --all", help="the murmur command to time")
    args = parser.parse_args()
    command = shlex.split(args.cmd)
    if "lock" not in run_reaped(Path(tempfile.gettempdir()), "--help")[2].stdout:
        sys.exit("this murmur has no `lock` command: the key agent is not wired in yet")

    rows = []
    for agent_on in (False, True):
        home = Path(tempfile.mkdtemp(prefix="murmur-unlock-"))
        try:
            seed(home, agent_on)
            first_t, second_t, first_rss, second_rss, agent_rss = [], [], [], [], []
            for _ in range(args.runs):
                check(run_reaped(home, "lock")[2])  # every round starts locked
                t1, r1, res1 = run_reaped(home, *command)
                check(res1)
                t2, r2, res2 = run_reaped(home, *command)
                check(res2)
                first_t.append(t1)
                second_t.append(t2)
                first_rss.append(r1)
                second_rss.append(r2)
                if agent_on and (peak := agent_peak_mib(home)) is not None:
                    agent_rss.append(peak)
            run_reaped(home, "lock")
        finally:
            shutil.rmtree(home, ignore_errors=True)
        rows.append(
            (
                "on" if agent_on else "off",
                statistics.median(first_t),
                statistics.median(second_t),
                max(first_rss),
                max(second_rss),
                max(agent_rss) if agent_rss else None,
            )
        )

    print(f"murmur {args.cmd}: run twice in a row, median of {args.runs} rounds, each from locked")
    print(
        f"{'agent':<6} {'1st s':>7} {'2nd s':>7} {'both s':>7} "
        f"{'1st RSS MiB':>12} {'2nd RSS MiB':>12} {'agent RSS MiB':>14}"
    )
    for mode, t1, t2, r1, r2, ra in rows:
        agent_col = f"{ra:14.1f}" if ra is not None else f"{'-':>14}"
        print(f"{mode:<6} {t1:7.3f} {t2:7.3f} {t1 + t2:7.3f} {r1:12.1f} {r2:12.1f} {agent_col}")
    off, on = rows
    print(f"second run, agent on vs off: {on[2] / off[2]:.2f}x the time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
