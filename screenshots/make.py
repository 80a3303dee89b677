"""Make the README's screenshots from `murmur demo`.

    .venv/bin/python screenshots/make.py

Starts the demo (a real relay on 127.0.0.1 and its community), drives the app headless with
Textual's Pilot at 80x24 and 160x48, and saves an SVG of each screen into this folder.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

SHOTS: list[tuple[str, tuple[int, int], list[str]]] = [
    ("main-160x48", (160, 48), []),
    ("thread-160x48", (160, 48), ["j", "j", "enter"]),
    ("main-80x24", (80, 24), []),
    ("notifications-80x24", (80, 24), ["alt+2"]),
    ("limit-80x24", (80, 24), ["l", *"#café", "enter"]),
    ("commandline-80x24", (80, 24), ["colon", *"feed tag:p"]),
    ("compose-80x24", (80, 24), ["c", *"Trying Murmur from the terminal ✨"]),
    ("help-80x24", (80, 24), ["question_mark"]),
]


async def shoot(name: str, size: tuple[int, int], keys: list[str]) -> Path:
    from tui.demo import start_demo
    from tui.session import Session
    from tui.store import paths
    from tui.store.cache import Cache
    from tui.store.config import load_config
    from tui.ui.app import MurmurApp

    demo = await start_demo(None, None)
    try:
        os.environ[paths.HOME_ENV] = str(demo.home)
        config = load_config(demo.config_path)
        session = Session(config, Cache(paths.cache_file()))
        await session.unlock(demo.passphrase)
        app = MurmurApp(session, config=config)
        async with app.run_test(size=size) as pilot:
            await pilot.pause(4)  # the first fetch from the relay
            for key in keys:
                await pilot.press(key)
                await pilot.pause(0.05)
            await pilot.pause(1)
            path = HERE / f"{name}.svg"
            app.save_screenshot(filename=path.name, path=str(HERE))
        return path
    finally:
        await demo.stop()


async def main() -> None:
    for name, size, keys in SHOTS:
        path = await shoot(name, size, keys)
        print(path.relative_to(HERE.parent))


if __name__ == "__main__":
    asyncio.run(main())
