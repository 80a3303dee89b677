"""Real relays on 127.0.0.1: nostr-sdk's LocalRelay in-process, nostr-relay (PyPI) as a subprocess.

nostr-relay runs from its own venv, created once under ~/.cache/murmur-tests. Under CI=true a relay
that cannot start fails the test; elsewhere it skips.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import websockets

from tests.conftest import in_ci
from tests.support import free_port, wait_for_port
from tui.networks.nostr.event import NostrEvent

NOSTR_RELAY_VERSION = "1.14"
# The LMDB storage with whoosh full-text search (NIP-50) needs these beside nostr-relay.
RELAY_PACKAGES = [
    f"nostr-relay=={NOSTR_RELAY_VERSION}",
    "lmdb==3.0.0",
    "msgpack==1.2.4",
    "whoosh==2.7.4",
]
CACHE = Path(os.environ.get("MURMUR_TEST_CACHE", Path.home() / ".cache" / "murmur-tests"))
RELAY_VENV = CACHE / "nostr-relay-venv"


def unavailable(reason: str) -> None:
    if in_ci():
        pytest.fail(reason)
    pytest.skip(reason)


# ----- nostr-sdk LocalRelay (in-process) ----------------------------------------------------------
class LocalRelay:
    """nostr-sdk's in-memory relay; `restart()` brings it back on the same port (empty)."""

    def __init__(self, port: int, nip42: str = "") -> None:
        self.port = port
        self.url = f"ws://127.0.0.1:{port}"
        self.nip42 = nip42  # "", "WRITE", "READ" or "BOTH": what needs NIP-42 AUTH
        self._relay = None

    async def start(self) -> None:
        from nostr_sdk import LocalRelayBuilder, LocalRelayBuilderNip42, LocalRelayBuilderNip42Mode

        builder = LocalRelayBuilder().addr("127.0.0.1").port(self.port)
        if self.nip42:
            mode = getattr(LocalRelayBuilderNip42Mode, self.nip42)
            builder = builder.nip42(LocalRelayBuilderNip42(mode=mode))
        self._relay = builder.build()
        await self._relay.run()

    def stop(self) -> None:
        """Shut the relay down and wait until it neither listens nor holds a live connection.

        nostr-sdk's shutdown finishes in the background; a test that stops the relay to see a
        failure must not race a relay that is still answering.
        """
        if self._relay is not None:
            self._relay.shutdown()
            self._relay = None
            deadline = time.monotonic() + 10
            while _serving(self.port) and time.monotonic() < deadline:
                time.sleep(0.05)


def _serving(port: int) -> bool:
    """Whether a socket on this machine listens on, or is connected from, local `port`."""
    live = {"01", "0A"}  # ESTABLISHED, LISTEN
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] in live:
                return True
    return False


@pytest.fixture
async def local_relay() -> AsyncIterator[LocalRelay]:
    relay = LocalRelay(free_port())
    try:
        await relay.start()
    except Exception as exc:  # noqa: BLE001 - any failure to start is reported the same way
        unavailable(f"nostr-sdk LocalRelay did not start: {exc}")
    yield relay
    relay.stop()


# ----- nostr-relay (PyPI) subprocess --------------------------------------------------------------
def _ensure_relay_venv() -> Path:
    """Create the relay's own venv once (nostr-relay pins its own websockets and SQLAlchemy)."""
    exe = RELAY_VENV / "bin" / "nostr-relay"
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / "nostr-relay-venv.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel test processes build it once
        marker = RELAY_VENV / ".complete"
        wanted = " ".join(RELAY_PACKAGES)
        if marker.exists() and marker.read_text() == wanted and exe.exists():
            return exe
        shutil.rmtree(RELAY_VENV, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(RELAY_VENV)], check=True)
        pip = str(RELAY_VENV / "bin" / "pip")
        subprocess.run([pip, "install", "-q", *RELAY_PACKAGES], check=True, timeout=900)
        marker.write_text(wanted)
    return exe


CONFIG = """\
DEBUG: false
relay_name: murmur test relay
relay_description: loopback test relay
storage:
  sqlalchemy.url: sqlite+aiosqlite:///{workdir}/relay.sqlite3
  validators:
    - nostr_relay.validators.is_not_too_large
    - nostr_relay.validators.is_signed
gunicorn:
  bind: 127.0.0.1:{port}
  workers: 1
  loglevel: warning
  reload: false
authentication:
  enabled: false
message_timeout: 1800
subscription_limit: 32
max_limit: 6000
max_event_size: 65536
"""

# NIP-42: writing needs an authenticated pubkey with the writer role (`role set`); anyone reads.
# The relay compares the AUTH event's `relay` tag with `relay_urls` literally.
AUTH_CONFIG = """\
relay_name: murmur auth relay
storage:
  sqlalchemy.url: sqlite+aiosqlite:///{workdir}/relay.sqlite3
  validators:
    - nostr_relay.validators.is_signed
gunicorn:
  bind: 127.0.0.1:{port}
  workers: 1
  loglevel: warning
authentication:
  enabled: true
  relay_urls:
    - ws://127.0.0.1:{port}
    - ws://127.0.0.1:{port}/
  actions:
    save: w
    query: arws
"""

# NIP-50: LMDB storage with a whoosh full-text index; NIP-11 then lists 50.
SEARCH_CONFIG = """\
relay_name: murmur search relay
storage:
  class: nostr_relay.storage.kv.LMDBStorage
  path: {workdir}/lmdb
  map_size: 104857600
  metasync: false
  validators:
    - nostr_relay.validators.is_not_too_large
    - nostr_relay.validators.is_signed
gunicorn:
  bind: 127.0.0.1:{port}
  workers: 1
  loglevel: warning
fts_enabled: true
authentication:
  enabled: false
max_event_size: 65536
"""


class SubprocessRelay:
    """nostr-relay as configured by `config` (sqlite storage by default); data survives
    `restart()`."""

    def __init__(self, exe: Path, workdir: Path, config: str = CONFIG) -> None:
        self.exe = exe
        self.port = free_port()
        self.url = f"ws://127.0.0.1:{self.port}"
        self.config = workdir / "relay.yaml"
        self.config.write_text(config.format(workdir=workdir, port=self.port))
        self.log = workdir / "relay.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [str(self.exe), "-c", str(self.config), "serve"],
                cwd=self.config.parent,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        proc = self.proc
        try:
            wait_for_port(self.port, timeout, "nostr-relay", alive=lambda: proc.poll() is None)
        except AssertionError as exc:
            raise RuntimeError(f"{exc}: {self.log.read_text()[-2000:]}") from None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def grant(self, pubkey: str, roles: str) -> None:
        """Give a pubkey roles (w: writer) with the relay's own CLI, as its operator would."""
        cmd = [str(self.exe), "-c", str(self.config), "role", "set", "-p", pubkey, "-r", roles]
        subprocess.run(cmd, cwd=self.config.parent, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="session")
def nostr_relay_exe() -> Path:
    try:
        return _ensure_relay_venv()
    except (subprocess.SubprocessError, OSError) as exc:
        unavailable(f"could not install nostr-relay {NOSTR_RELAY_VERSION}: {exc}")
        raise


def _started(exe: Path, workdir: Path, config: str) -> Iterator[SubprocessRelay]:
    relay = SubprocessRelay(exe, workdir, config)
    try:
        relay.start()
    except RuntimeError as exc:
        relay.stop()
        unavailable(str(exc))
    yield relay
    relay.stop()


@pytest.fixture
def sqlite_relay(nostr_relay_exe: Path, tmp_path: Path) -> Iterator[SubprocessRelay]:
    yield from _started(nostr_relay_exe, tmp_path, CONFIG)


@pytest.fixture
def auth_relay(nostr_relay_exe: Path, tmp_path: Path) -> Iterator[SubprocessRelay]:
    """nostr-relay requiring NIP-42 AUTH, and the writer role, to store events."""
    yield from _started(nostr_relay_exe, tmp_path, AUTH_CONFIG)


@pytest.fixture
def search_relay(nostr_relay_exe: Path, tmp_path: Path) -> Iterator[SubprocessRelay]:
    """nostr-relay on LMDB with full-text search (NIP-50)."""
    yield from _started(nostr_relay_exe, tmp_path, SEARCH_CONFIG)


# ----- raw helpers: a plain client that is not the code under test --------------------------------
async def raw_publish(url: str, *events: NostrEvent) -> list[list]:
    """Publish over a bare websocket and return the relay's OK messages."""
    answers = []
    async with websockets.connect(url) as ws:
        for ev in events:
            await ws.send(json.dumps(["EVENT", ev.to_dict()], ensure_ascii=False))
            while True:
                msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if msg[0] == "OK":
                    answers.append(msg)
                    break
    return answers


async def raw_query(url: str, flt: dict) -> list[dict]:
    async with websockets.connect(url) as ws:
        await ws.send(json.dumps(["REQ", "q", flt]))
        out = []
        while True:
            msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if msg[0] == "EVENT":
                out.append(msg[2])
            elif msg[0] in ("EOSE", "CLOSED"):
                return out


@pytest.fixture(params=["nostr-sdk", "nostr-relay"])
async def any_relay(request, tmp_path: Path) -> AsyncIterator[LocalRelay | SubprocessRelay]:
    """Each test using it runs once against each real relay implementation."""
    if request.param == "nostr-sdk":
        relay = LocalRelay(free_port())
        try:
            await relay.start()
        except Exception as exc:  # noqa: BLE001
            unavailable(f"nostr-sdk LocalRelay did not start: {exc}")
        yield relay
        relay.stop()
        return
    try:
        exe = await asyncio.to_thread(_ensure_relay_venv)
    except (subprocess.SubprocessError, OSError) as exc:
        unavailable(f"could not install nostr-relay {NOSTR_RELAY_VERSION}: {exc}")
    sub = SubprocessRelay(exe, tmp_path)
    try:
        await asyncio.to_thread(sub.start)
    except RuntimeError as exc:
        sub.stop()
        unavailable(str(exc))
    yield sub
    sub.stop()
