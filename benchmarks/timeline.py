"""Timeline cost at 1k, 10k and 50k posts: first paint, key-to-repaint, memory.

Each size runs in its own process (so RSS is that size's alone), drives PostList with Pilot in
`run_test` at 80x24 and counts a frame when the compositor's update has been turned into the
bytes a terminal would receive. First paint is mount + set_items to that frame (median of 7);
key times are the median over many presses; "G" jumps to the oldest post with no height known
(the first, then each after `g` and a resize that forgets them), so it must measure only what
it shows. Sizes run interleaved
for several rounds and the table shows medians. Goal: 50k within 1.3x of 1k on time, RSS <= 150
MB at 50k.

    .venv/bin/python benchmarks/timeline.py [--sizes 1000,10000,50000] [--presses 40] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textual.app import App, ComposeResult
from textual.screen import Screen

from tui.model import (
    Author,
    Counts,
    Media,
    MediaKind,
    MyState,
    NetworkKind,
    Post,
    RichText,
    Span,
    SpanKind,
)
from tui.ui.widgets.timeline import PostList

WORDS = (
    "the quick brown fox jumps over a lazy dog while fediverse relays hum "
    "日本語 テキスト 🎉 café naïve résumé bluesky nostr mastodon timeline"
).split()
NETWORKS = list(NetworkKind)
FIRST_PAINT_RUNS = 7


def generate(count: int, seed: int = 1) -> list[Post]:
    """Posts of varied shape: lengths, wide characters, links, media, reposts, warnings."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    authors = [
        Author(NETWORKS[n % 3], "me", f"a{n}", f"user{n}@host{n % 17}.example", f"User {n}")
        for n in range(500)
    ]
    posts = []
    for n in range(count):
        words = [rng.choice(WORDS) for _ in range(rng.randint(3, 70))]
        body = " ".join(words)
        link = f" https://news{n % 31}.example/story/{n}"
        text = body + link
        spans = (
            Span(len(body) + 1, len(text), SpanKind.LINK, link.strip(), f"news{n % 31}.example"),
        )
        who = authors[rng.randrange(len(authors))]
        post = Post(
            who.network,
            "me",
            f"post{n}",
            now - timedelta(seconds=n * 7),
            who,
            RichText(text, spans),
            content_warning="spoilers" if n % 23 == 0 else "",
            media=(Media(MediaKind.IMAGE, "https://img.example/x.png", "a photo of " + body[:60]),)
            if n % 5 == 0
            else (),
            counts=Counts(rng.randint(0, 50), rng.randint(0, 90), rng.randint(0, 400)),
            mine=MyState(liked=n % 11 == 0),
        )
        if n % 9 == 0:
            booster = authors[(n * 7) % len(authors)]
            post = Post(
                booster.network, "me", f"boost{n}", post.created_at, booster, repost_of=post
            )
        posts.append(post)
    return posts


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class BenchApp(App[None]):
    """Counts frames the way a terminal would receive them (bytes rendered), even headless."""

    def __init__(self) -> None:
        super().__init__()
        self.frames: list[float] = []
        self.shown: list[bool] = []  # per frame: whether `watch` held as it was painted
        self.watch: Callable[[], bool] | None = None
        self.widget = PostList()

    def compose(self) -> ComposeResult:
        yield self.widget

    def _display(self, screen: Screen, renderable: object) -> None:
        if renderable is None:
            return
        render = getattr(renderable, "render_segments", None)
        if render is not None:
            render(self.console)
        self.frames.append(time.perf_counter())
        self.shown.append(self.watch is None or self.watch())


async def next_frame(app: BenchApp, after: float, timeout: float = 10.0) -> float:
    """When the first frame painted after `after` reached the terminal (with `app.watch` set
    before the key, the first one painted while it held: a frame can precede the key's
    effect)."""
    deadline = time.perf_counter() + timeout
    seen = bisect.bisect_right(app.frames, after)
    while time.perf_counter() < deadline:
        for n in range(seen, len(app.frames)):
            if app.shown[n]:
                return app.frames[n]
        seen = len(app.frames)
        await asyncio.sleep(0.0005)
    raise TimeoutError("no repaint")


async def measure(size: int, presses: int) -> dict[str, float]:
    posts = generate(size)
    app = BenchApp()
    result: dict[str, float] = {"size": size}
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        paints = []
        for _ in range(FIRST_PAINT_RUNS):  # mount a fresh list, fill it, wait for the frame
            await app.widget.remove()
            await pilot.pause()
            widget = app.widget = PostList()
            app.watch = lambda w=widget: bool(w.shown_items)  # not the empty list's frame
            start = time.perf_counter()
            await app.mount(widget)
            widget.set_items(posts)
            paints.append(await next_frame(app, start) - start)
        app.watch = None
        result["first_paint_ms"] = statistics.median(paints) * 1000
        widget.focus()

        async def keys(key: str, count: int) -> float:
            times = []
            for _ in range(count):
                await pilot.pause()
                t0 = time.perf_counter()
                await pilot.press(key)
                times.append(await next_frame(app, t0) - t0)
            return statistics.median(times) * 1000

        result["jk_ms"] = statistics.mean([await keys("j", presses), await keys("k", presses)])
        # page down from a point deep enough that every press shows unseen posts
        result["page_down_ms"] = await keys("pagedown", presses)
        result["selected"] = widget.selected_index
        bottoms = []
        for n in range(max(1, presses // 4)):  # each G cold: a resize forgets every height
            if n:
                await pilot.press("g")
                await pilot.resize_terminal(80 + n % 2, 24)
                await pilot.pause()
            await pilot.pause()
            start = time.perf_counter()
            await pilot.press("G")
            bottoms.append(await next_frame(app, start) - start)
        result["bottom_ms"] = statistics.median(bottoms) * 1000
        result["rss_mb"] = rss_mb()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--presses", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
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
    print(f"median of {args.rounds} rounds, 80x24, {args.presses} presses per key\n")
    print(
        f"{'posts':>7} {'first paint':>12} {'j/k median':>11} {'page down':>10} {'G':>9} {'RSS':>9}"
    )
    for r in rows:
        print(
            f"{int(r['size']):>7} {r['first_paint_ms']:>10.1f}ms {r['jk_ms']:>9.2f}ms "
            f"{r['page_down_ms']:>8.2f}ms {r['bottom_ms']:>7.1f}ms {r['rss_mb']:>6.0f} MB"
        )
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        print(
            f"\nratio {int(last['size'])}/{int(first['size'])}: "
            f"first paint {last['first_paint_ms'] / first['first_paint_ms']:.2f}x, "
            f"j/k {last['jk_ms'] / first['jk_ms']:.2f}x, "
            f"page down {last['page_down_ms'] / first['page_down_ms']:.2f}x, "
            f"G {last['bottom_ms'] / first['bottom_ms']:.2f}x "
            f"(goal <= 1.3x); RSS at {int(last['size'])}: {last['rss_mb']:.0f} MB "
            f"(goal <= 150 MB)"
        )


if __name__ == "__main__":
    main()
