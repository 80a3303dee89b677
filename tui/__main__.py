"""`murmur` and `python -m tui`: parse arguments, then run a CLI command or the app."""

from __future__ import annotations

import gc
import sys


def main(argv: list[str] | None = None) -> int:
    # Start-up builds long-lived objects (modules, classes, widgets) that the cyclic garbage
    # collector would otherwise scan over and over: about a tenth of the time to the first
    # paint. It is back on once a command's arguments are parsed, or the app's first frame is
    # painted (`MainScreen.on_mount`).
    gc.disable()
    from tui.cli import run

    return run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())
