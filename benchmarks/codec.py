"""The cache codec: decoding cached posts is what start-up pays before the first paint.

Prints, for 1k/10k/50k varied posts (replies, reposts, media, polls: the sample the codec tests
use), the median time to decode them with `codec.loads` beside plain `json.loads` of the same
rows, the ratio between the two, and the time to encode.

usage: python benchmarks/codec.py [--runs 5] [--sizes 1000,10000,50000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.store.test_codec import sample_posts
from tui.store.codec import dumps, loads


def median_seconds(func, rows, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for row in rows:
            func(row)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="1000,10000,50000")
    args = parser.parse_args()
    print(f"{'posts':>7} {'json.loads ms':>14} {'codec.loads ms':>15} {'ratio':>6} {'dumps ms':>9}")
    for size in (int(s) for s in args.sizes.split(",")):
        posts = sample_posts(size)
        t0 = time.perf_counter()
        rows = [dumps(p) for p in posts]
        encode = time.perf_counter() - t0
        plain = median_seconds(json.loads, rows, args.runs)
        codec = median_seconds(loads, rows, args.runs)
        print(
            f"{size:>7} {plain * 1000:>14.1f} {codec * 1000:>15.1f} {codec / plain:>6.2f}"
            f" {encode * 1000:>9.1f}"
        )


if __name__ == "__main__":
    main()
