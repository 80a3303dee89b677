"""The TLS settings of every HTTP client, loaded once per process on a thread of its own.

Loading the root certificates takes tens of milliseconds, nearly all of it inside OpenSSL, which
runs without the GIL: started as the session is made (`load_soon`), it is done on another core
while the app paints, and ready when the first request needs it (`context`).
"""

from __future__ import annotations

import os
import ssl
import threading
from concurrent.futures import Future

_context: Future[ssl.SSLContext] | None = None
_lock = threading.Lock()


def _load() -> ssl.SSLContext:
    # httpx's own defaults (`httpx.create_ssl_context()`), without importing httpx: the roots
    # SSL_CERT_FILE or SSL_CERT_DIR name, else certifi's.
    if cafile := os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=cafile)
    if capath := os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=capath)
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def _fill(future: Future[ssl.SSLContext]) -> None:
    try:
        future.set_result(_load())
    except BaseException as exc:  # noqa: BLE001 - raised again by context(), in its caller
        future.set_exception(exc)


def load_soon() -> None:
    """Start loading the roots on a thread, unless that has begun already."""
    global _context
    with _lock:
        if _context is None:
            _context = Future()
            # Not a daemon: a process ending while OpenSSL still loads would crash in OpenSSL's
            # own exit handler; the interpreter waits for the thread (tens of milliseconds).
            threading.Thread(target=_fill, args=(_context,), name="tls-roots").start()


def context() -> ssl.SSLContext:
    """The shared TLS context (waits for `load_soon`'s thread, starting it if need be). Raises
    what loading raised (OSError for a root file that cannot be read, ssl.SSLError)."""
    load_soon()
    assert _context is not None
    return _context.result()
