"""Bluesky's reference network, started once per test session.

`@atproto/dev-env`'s TestNetwork (PLC + PDS + AppView + the moderation service) runs in one node
process (network.js) against a throwaway PostgreSQL cluster this fixture creates in a temp folder
with Debian's initdb. The npm packages, pinned by package-lock.json, are installed with `npm ci` on
first use into ~/.cache/murmur-tests (keyed by the lock file's hash) so every checkout shares them.
Under CI=true a network that cannot start fails the tests; elsewhere they are skipped, saying why.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import secrets
import shutil
import signal
import string
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import install_debian_package
from tests.support import free_port

HERE = Path(__file__).resolve().parent
CACHE = Path(os.environ.get("MURMUR_TEST_CACHE", Path.home() / ".cache" / "murmur-tests"))
START_TIMEOUT = 180.0
IN_CI = os.environ.get("CI", "").lower() == "true"


class NetworkUnavailable(Exception):
    pass


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def _node_modules() -> Path:
    """Install the pinned packages once into the shared cache; return their node_modules."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise NetworkUnavailable("node and npm are needed for Bluesky's reference network")
    lock = (HERE / "package-lock.json").read_bytes()
    target = CACHE / f"bluesky-npm-{hashlib.sha256(lock).hexdigest()[:16]}"
    done = target / "node_modules" / ".murmur-installed"
    if done.exists():
        return target / "node_modules"
    target.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy2(HERE / name, target / name)
    result = _run(["npm", "ci", "--no-audit", "--no-fund"], cwd=target, timeout=900)
    if result.returncode != 0:
        raise NetworkUnavailable(f"npm ci failed: {result.stderr[-2000:]}")
    done.touch()
    return target / "node_modules"


def _pg_bin() -> Path:
    def found() -> list[Path]:
        dirs = Path("/usr/lib/postgresql").glob("*/bin")
        return sorted(
            (d for d in dirs if (d / "initdb").exists()),
            key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0,
        )

    if not found() and os.geteuid() == 0:
        # Debian's server package; as root the fixture may install it (said so in the README).
        install_debian_package("postgresql")
    bins = found()
    if not bins:
        raise NetworkUnavailable("PostgreSQL is not installed (apt-get install postgresql)")
    return bins[-1]


def _reachable_by_others(folder: Path) -> bool:
    """Whether another user (here `postgres`) can reach `folder`: every folder on the way
    is searchable by others."""
    try:
        return all(p.stat().st_mode & 0o001 for p in (folder, *folder.parents))
    except OSError:
        return False


def _temp_parent_for_postgres() -> str | None:
    """A temp folder the `postgres` user can reach: the usual one, unless something made it
    private (a test that chmods its temp folder's parent), then /var/tmp or /dev/shm."""
    for candidate in (tempfile.gettempdir(), "/var/tmp", "/dev/shm"):
        if _reachable_by_others(Path(candidate)):
            return candidate
    return None


class Postgres:
    """A throwaway cluster: initdb in a temp folder, trust auth, loopback only, no fsync."""

    def __init__(self) -> None:
        self.bin = _pg_bin()
        as_postgres = os.geteuid() == 0
        parent = _temp_parent_for_postgres() if as_postgres else None
        self.root = Path(tempfile.mkdtemp(prefix="murmur-pg-", dir=parent))
        # The server runs as `postgres` when we are root: it must be able to reach its folder.
        self.root.chmod(0o755)
        self.data = self.root / "data"
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")

    def _cmd(self, *args: str) -> list[str]:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_postgres else []
        return [*prefix, *args]

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        # Started in the cluster's folder: the caller's may be one `postgres` cannot enter.
        return _run(self._cmd(*args), cwd=self.root)

    def start(self) -> str:
        init = self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        if init.returncode != 0:
            raise NetworkUnavailable(f"initdb failed: {init.stderr[-1500:]}")
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=300"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        started = self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.root / "pg.log"),
            "-w",
            "-o",
            options,
            "start",
        )
        if started.returncode != 0:
            log = (self.root / "pg.log").read_text(errors="replace")[-1500:]
            raise NetworkUnavailable(f"PostgreSQL did not start: {started.stderr} {log}")
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class BskyNet:
    """The running network and the few things tests need to do that a client cannot."""

    pds: str
    ctrl: str
    plc: str
    appview_did: str
    mod_did: str

    def process_all(self) -> None:
        """Wait until the AppView has indexed everything the PDS emitted."""
        httpx.post(f"{self.ctrl}/process-all", timeout=60).raise_for_status()

    def expire(self, access_jwt: str) -> str:
        """The same access token, re-signed by the PDS's key with an expiry in the past."""
        r = httpx.post(f"{self.ctrl}/expire-token", content=access_jwt, timeout=30)
        r.raise_for_status()
        return r.json()["token"]

    def ozone(self) -> dict:
        """The moderation service: {"url", "did"}."""
        r = httpx.get(f"{self.ctrl}/ozone", timeout=30)
        r.raise_for_status()
        return r.json()

    def ozone_reports(self) -> list[dict]:
        """The reports Ozone received, read back through its moderator API, newest first."""
        r = httpx.post(f"{self.ctrl}/ozone/reports", timeout=60)
        r.raise_for_status()
        return r.json()["reports"]

    def ozone_label(self, val: str, *, uri: str = "", cid: str = "", did: str = "") -> list:
        """Have Ozone's moderator label a post (uri, cid) or an account (did)."""
        body = {"val": val, "uri": uri, "cid": cid, "did": did}
        r = httpx.post(f"{self.ctrl}/ozone/label", json=body, timeout=60)
        assert r.status_code == 200, r.text
        return r.json()["labels"]

    def create_account(self, name: str, display_name: str = "") -> Person:
        """A fresh account with an app password, as a user would set one up."""
        handle = f"{name}{uuid.uuid4().hex[:6]}.test"
        password = secrets.token_urlsafe(12)
        with httpx.Client(base_url=self.pds, timeout=30) as c:
            r = c.post(
                "/xrpc/com.atproto.server.createAccount",
                json={"handle": handle, "email": f"{handle}@example.com", "password": password},
            )
            r.raise_for_status()
            session = r.json()
            auth = {"Authorization": f"Bearer {session['accessJwt']}"}
            if display_name:
                c.post(
                    "/xrpc/com.atproto.repo.putRecord",
                    headers=auth,
                    json={
                        "repo": session["did"],
                        "collection": "app.bsky.actor.profile",
                        "rkey": "self",
                        "record": {"$type": "app.bsky.actor.profile", "displayName": display_name},
                    },
                ).raise_for_status()
            # This AppView version sometimes starts an account with "priority" notifications
            # (only from people it follows); a new account's default is all of them.
            c.post(
                "/xrpc/app.bsky.notification.putPreferences", headers=auth, json={"priority": False}
            ).raise_for_status()
            r = c.post(
                "/xrpc/com.atproto.server.createAppPassword", headers=auth, json={"name": "murmur"}
            )
            r.raise_for_status()
        return Person(
            handle=handle, did=session["did"], password=password, app_password=r.json()["password"]
        )


@dataclass
class Person:
    handle: str
    did: str
    password: str
    app_password: str


def _start_node(modules: Path, db_url: str, tmp: Path) -> tuple[subprocess.Popen, dict]:
    schema = "murmur_" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(10))
    env = dict(
        os.environ,
        MURMUR_NODE_MODULES=str(modules),
        DB_POSTGRES_URL=db_url,
        DB_POSTGRES_SCHEMA=schema,
        REDIS_HOST="unused",  # required by the dev-env; nothing connects to it
        TMPDIR=str(tmp),
        LOG_ENABLED="false",
    )
    err = open(tmp / "network.err", "wb")
    proc = subprocess.Popen(
        ["node", str(HERE / "network.js")],
        cwd=modules.parent,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=err,
    )
    err.close()
    lines: queue.Queue[bytes] = queue.Queue()

    def reader() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(b"")

    threading.Thread(target=reader, daemon=True).start()
    deadline = time.monotonic() + START_TIMEOUT  # for the whole start, however chatty node is
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        if not line:
            break
        try:
            info = json.loads(line)
        except ValueError:
            continue
        if isinstance(info, dict) and info.get("ready"):
            return proc, info
    _stop_node(proc)
    tail = (tmp / "network.err").read_text(errors="replace")[-3000:]
    raise NetworkUnavailable(f"the reference network did not start: {tail}")


def _stop_node(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def bsky() -> Iterator[BskyNet]:
    pg: Postgres | None = None
    proc: subprocess.Popen | None = None
    tmp = Path(tempfile.mkdtemp(prefix="murmur-bsky-"))
    try:
        try:
            modules = _node_modules()
            pg = Postgres()
            db_url = pg.start()
            proc, info = _start_node(modules, db_url, tmp)
        except (NetworkUnavailable, OSError, subprocess.SubprocessError) as exc:
            if IN_CI:
                pytest.fail(f"Bluesky reference network failed to start: {exc}")
            pytest.skip(f"Bluesky reference network unavailable: {exc}")
        yield BskyNet(
            pds=info["pds"],
            ctrl=info["ctrl"],
            plc=info["plc"],
            appview_did=info["appview_did"],
            mod_did=info["mod_did"],
        )
    finally:
        if proc is not None:
            _stop_node(proc)
        if pg is not None:
            pg.stop()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def richtext_reference() -> Callable[[list[str]], list[dict]]:
    """`@atproto/api`'s RichText run by node (richtext.js): facets and grapheme length per text.

    Needs only the npm packages the reference network uses, not the network itself.
    """
    try:
        modules = _node_modules()
    except (NetworkUnavailable, OSError, subprocess.SubprocessError) as exc:
        if IN_CI:
            pytest.fail(f"@atproto/api is not available: {exc}")
        pytest.skip(f"@atproto/api is not available: {exc}")

    def run(texts: list[str]) -> list[dict]:
        result = subprocess.run(
            ["node", str(HERE / "richtext.js")],
            input=json.dumps(texts).encode(),
            capture_output=True,
            env=dict(os.environ, MURMUR_NODE_MODULES=str(modules)),
            timeout=120,
        )
        assert result.returncode == 0, result.stderr.decode(errors="replace")[-2000:]
        answers = json.loads(result.stdout)
        assert len(answers) == len(texts)
        return answers

    return run
