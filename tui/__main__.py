"""`murmur` and `python -m tui`: parse arguments, then run a CLI command or the app."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from tui.cli import run

    return run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())
