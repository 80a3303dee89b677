"""Find and limit at 1k, 10k and 50k loaded posts: key to repaint, medians, ratio to 1k.

Each size runs in its own process and drives PostList with Pilot in `run_test` at 80x24 over
the posts `benchmarks/timeline.py` makes, counting a frame as that benchmark does: each time is
from the key to the first frame painted with the key's effect. Measured:

- find: typing the last letter of a pattern in the `/` line, to the frame showing the first
  match (incremental find from where it began; each pattern from a fresh spot);
- n: the next match;
- limit: enter on an `l` pattern to the first frame of the narrowed list, the selection kept
  on its row (patterns alternate, so each is a fresh look through the items). "limit" starts
  from a post anywhere in the list: a screen of matches above it and a few below are found at
  once, the rest in idle time; "limit (top)" starts from the newest post;
- j (limited): moving in the narrowed list;
- counted: enter to the moment the "N of M" count is final. Matches beyond the screen are
  counted in idle time, so this one grows with the posts loaded; it is shown, not a goal.

Goal: find, n and both limits at 50k within 1.3x of 1k.

    .venv/bin/python benchmarks/find.py [--sizes 1000,10000,50000] [--presses 25] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from timeline import BenchApp, generate, next_frame, rss_mb

FIND_PATTERNS = ("fox", "nostr", "café", "lazy dog", "résumé", "hum", "bluesky", "naïve")
LIMIT_PATTERNS = ("fox", "network:nostr", "café", "has:media", "@user1", "timeline")
COUNT_DEADLINE = 60.0  # seconds for the background count to finish


async def measure(size: int, presses: int) -> dict[str, float]:
    posts = generate(size)
    app = BenchApp()
    result: dict[str, float] = {"size": size}
    async with app.run_test(size=(80, 24)) as pilot:
        widget = app.widget
        widget.set_items(posts)
        widget.focus()
        await pilot.pause()

        async def timed(key: str, showing: Callable[[], bool]) -> float:
            """Key to the first frame painted with its effect `showing`."""
            await pilot.pause()
            app.watch = showing
            start = time.perf_counter()
            await pilot.press(key)
            try:
                return await next_frame(app, start) - start
            finally:
                app.watch = None

        def moved() -> Callable[[], bool]:
            before = widget.selected_index
            return lambda: widget.selected_index != before

        finds, nexts = [], []
        for n in range(presses):
            pattern = FIND_PATTERNS[n % len(FIND_PATTERNS)]
            widget.select_index((n * 7919) % size)  # a fresh spot each time
            await pilot.press("slash")
            await pilot.pause()
            await pilot.press(*("space" if c == " " else c for c in pattern[:-1]))
            finds.append(await timed(pattern[-1], lambda p=pattern: widget.find_query.pattern == p))
            await pilot.press("enter")
            nexts.append(await timed("n", moved()))
        result["find_ms"] = statistics.median(finds) * 1000
        result["next_ms"] = statistics.median(nexts) * 1000

        limits, tops, moves, counted = [], [], [], []
        for n in range(max(3, presses // 3)):
            pattern = LIMIT_PATTERNS[n % len(LIMIT_PATTERNS)]
            from_top = n % 2 == 1
            if from_top:
                await pilot.press("g", "g")
            else:
                widget.select_index((n * 7919) % len(widget.shown_items))
            await pilot.press("l")
            await pilot.pause()
            await pilot.press(*("backspace" for _ in widget.limit_query.pattern))
            await pilot.press(*pattern)
            await pilot.pause()
            start = time.perf_counter()
            limited = lambda p=pattern: widget.limit_query.pattern == p  # noqa: E731
            (tops if from_top else limits).append(await timed("enter", limited))
            deadline = start + COUNT_DEADLINE
            while not widget.limit_counted and time.perf_counter() < deadline:
                await asyncio.sleep(0.005)
            counted.append(time.perf_counter() - start)
            for _ in range(3):
                moves.append(await timed("j", moved()))
        result["limit_ms"] = statistics.median(limits) * 1000
        result["limit_top_ms"] = statistics.median(tops) * 1000
        if "-v" in sys.argv:
            print([round(t * 1000) for t in limits], [round(t * 1000) for t in tops])
        result["limit_j_ms"] = statistics.median(moves) * 1000
        result["counted_ms"] = statistics.median(counted) * 1000
        result["rss_mb"] = rss_mb()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--presses", type=int, default=25)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("-v", action="store_true", help="print every limit time")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(asyncio.run(measure(args.one, args.presses))))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    runs: dict[int, list[dict[str, float]]] = {size: [] for size in sizes}
    for _ in range(args.rounds):  # sizes interleaved, so load from other processes hits all
        for size in sizes:
            out = subprocess.run(
                [sys.executable, __file__, "--one", str(size), "--presses", str(args.presses)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            runs[size].append(json.loads(out.strip().splitlines()[-1]))
    rows = [
        {key: statistics.median(run[key] for run in runs[size]) for key in runs[size][0]}
        for size in sizes
    ]
    print(f"median of {args.rounds} rounds, 80x24, {args.presses} finds per round\n")
    print(
        f"{'posts':>7} {'find':>9} {'n':>9} {'limit':>9} {'limit (top)':>12} {'j (limited)':>12} "
        f"{'counted':>10} {'RSS':>7}"
    )
    for r in rows:
        print(
            f"{int(r['size']):>7} {r['find_ms']:>7.2f}ms {r['next_ms']:>7.2f}ms "
            f"{r['limit_ms']:>7.2f}ms {r['limit_top_ms']:>10.2f}ms "
            f"{r['limit_j_ms']:>10.2f}ms {r['counted_ms']:>8.0f}ms "
            f"{r['rss_mb']:>4.0f} MB"
        )
    first = rows[0]
    for r in rows[1:]:
        print(
            f"ratio {int(r['size'])}/{int(first['size'])}: "
            f"find {r['find_ms'] / first['find_ms']:.2f}x, "
            f"n {r['next_ms'] / first['next_ms']:.2f}x, "
            f"limit {r['limit_ms'] / first['limit_ms']:.2f}x, "
            f"limit (top) {r['limit_top_ms'] / first['limit_top_ms']:.2f}x, "
            f"j (limited) {r['limit_j_ms'] / first['limit_j_ms']:.2f}x (goal <= 1.3x); "
            f"counted {r['counted_ms'] / first['counted_ms']:.1f}x (grows with the posts)"
        )


if __name__ == "__main__":
    main()
