"""The error log: every unexpected exception, with its traceback, in one private file.

A `NetworkError` is a sentence for the user and is shown, not logged. Anything else is a bug: the
app and the CLI write it here (state folder, 0600, rotated) and tell the user where it went.
Nothing here writes secrets or post text: only the exception's type, message and traceback, and
the short `doing` phrase the caller gives. `MURMUR_DEBUG=1` (or `murmur --debug`) logs more.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

from tui.store import paths

DEBUG_ENV = "MURMUR_DEBUG"
MAX_BYTES = 1_000_000
BACKUPS = 3

_logger = logging.getLogger("murmur")
_handler: logging.handlers.RotatingFileHandler | None = None


def _private_handler(path: Path) -> logging.handlers.RotatingFileHandler:
    paths.ensure_private_dir(path.parent)
    # Create the file 0600 before the handler opens it, so it is never readable by others.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, paths.PRIVATE_FILE_MODE)
    os.close(fd)
    os.chmod(path, paths.PRIVATE_FILE_MODE)
    handler = _PrivateRotatingHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    return handler


class _PrivateRotatingHandler(logging.handlers.RotatingFileHandler):
    def _open(self):  # type: ignore[no-untyped-def]
        stream = super()._open()
        os.chmod(self.baseFilename, paths.PRIVATE_FILE_MODE)
        return stream


def logger() -> logging.Logger:
    """The `murmur` logger, writing to the log file (opened on first use, and again when the
    state folder has changed, as it does when MURMUR_HOME is set for another home)."""
    global _handler
    if _handler is not None and Path(_handler.baseFilename) != paths.log_file():
        close()
    if _handler is None:
        _handler = _private_handler(paths.log_file())
        _logger.addHandler(_handler)
        _logger.propagate = False
        debug = os.environ.get(DEBUG_ENV, "").strip() not in ("", "0")
        _logger.setLevel(logging.DEBUG if debug else logging.INFO)
    return _logger


def enable_debug() -> None:
    os.environ[DEBUG_ENV] = "1"
    logger().setLevel(logging.DEBUG)


def log_exception(exc: BaseException, doing: str = "") -> Path:
    """Write `exc` with its traceback to the log; return the log's path for the user."""
    what = f"{doing}: " if doing else ""
    logger().error("%s%s", what, type(exc).__name__, exc_info=exc)
    return paths.log_file()


def close() -> None:
    """Detach the file (tests that switch MURMUR_HOME between runs)."""
    global _handler
    if _handler is not None:
        _logger.removeHandler(_handler)
        _handler.close()
        _handler = None
