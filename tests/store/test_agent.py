"""The key agent, as real processes over its real socket: same user served, others refused."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import wait_until
from tui.store import agent

pytestmark = [
    pytest.mark.network,
    pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="needs Unix sockets"),
]

KEY = bytes(range(32))
OTHER_KEY = bytes(range(100, 132))
NOBODY = 65534


def _state(pid: int) -> str | None:
    """The process's state letter, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return text.rsplit(")", 1)[1].split()[0]


def wait_gone(pid: int, timeout: float = 30.0) -> None:
    """Wait for `pid` to exit (a zombie counts: it holds nothing); fail after `timeout`."""
    wait_until(lambda: _state(pid) in (None, "Z", "X"), timeout, f"process {pid} to exit")


def in_child(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run `code` in a fresh Python process with its output captured (pipes it must not keep)."""
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env=env or dict(os.environ),
    )


@pytest.fixture
def home(murmur_home: Path):
    yield murmur_home
    agent.lock()  # stop any agent this test started


@pytest.fixture
def running(home: Path) -> int:
    """An agent holding KEY for vault "v1"; its pid."""
    assert agent.put_key("v1", KEY, 600)
    state = agent.info()
    assert state is not None
    return state["pid"]


def test_without_an_agent_nothing_is_there(home: Path) -> None:
    assert agent.get_key("v1") is None
    assert agent.info() is None
    assert agent.lock() is False
    assert not agent.socket_path().exists()


def test_a_key_put_by_one_process_is_got_by_another(home: Path) -> None:
    put = in_child(
        f"from tui.store import agent; import sys; sys.exit(0 if agent.put_key('v1', {KEY!r}, 600)"
        " else 1)"
    )
    # The child returned with its pipes closed: the agent it started keeps none of them open.
    assert put.returncode == 0, put.stderr
    got = in_child("from tui.store import agent; print(agent.get_key('v1').hex())")
    assert got.returncode == 0, got.stderr
    assert got.stdout.strip() == KEY.hex()
    assert agent.get_key("v1") == KEY


def test_the_agent_is_detached_and_never_sees_the_passphrase(home: Path, running: int) -> None:
    assert os.environ["MURMUR_PASSPHRASE"]  # the test environment has one...
    environ = Path(f"/proc/{running}/environ").read_bytes().split(b"\0")
    assert not any(v.startswith(b"MURMUR_PASSPHRASE=") for v in environ)  # ...the agent does not
    assert os.getsid(running) != os.getsid(0)  # its own session: no terminal of ours
    for fd in (0, 1, 2):
        assert os.readlink(f"/proc/{running}/fd/{fd}") == "/dev/null"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_key_buffer_is_locked_in_memory(home: Path, running: int) -> None:
    status = Path(f"/proc/{running}/status").read_text()
    locked_kb = int(
        next(line for line in status.splitlines() if line.startswith("VmLck:")).split()[1]
    )
    soft, _hard = resource.getrlimit(resource.RLIMIT_MEMLOCK)
    if os.geteuid() != 0 and soft != resource.RLIM_INFINITY and soft < 64 * 1024:
        pytest.skip(f"RLIMIT_MEMLOCK is {soft} bytes: too little to lock (the agent goes on)")
    assert locked_kb > 0  # root may always lock; others may, within RLIMIT_MEMLOCK


def test_lock_forgets_the_key_and_the_agent_exits(home: Path, running: int) -> None:
    assert agent.get_key("v1") == KEY
    assert agent.lock() is True
    assert agent.get_key("v1") is None
    wait_gone(running)
    assert not agent.socket_path().exists()
    assert agent.lock() is False  # nothing left to lock


def test_a_terminated_agent_wipes_and_removes_its_socket(home: Path, running: int) -> None:
    os.kill(running, signal.SIGTERM)
    wait_gone(running)
    assert not agent.socket_path().exists()
    assert agent.get_key("v1") is None


def test_an_agent_whose_folder_is_deleted_exits(home: Path) -> None:
    # Started by hand, checking its socket often (normally every 30 s).
    path = agent.socket_path()
    command = [sys.executable, "-m", "tui.store.agent", "serve", "--socket", str(path)]
    subprocess.run([*command, "--watch", "0.1"], check=True, timeout=60, capture_output=True)
    assert agent.put_key("v1", KEY, 600)
    pid = agent.info()["pid"]
    shutil.rmtree(path.parent)  # e.g. a demo's temporary home is removed
    wait_gone(pid)


def test_an_unused_key_expires_and_the_agent_exits(home: Path) -> None:
    assert agent.put_key("v1", KEY, idle_seconds=1)
    pid = agent.info()["pid"]
    wait_gone(pid)
    assert agent.get_key("v1") is None
    assert not agent.socket_path().exists()


def test_keys_are_filed_per_vault(home: Path, running: int) -> None:
    assert agent.get_key("v2") is None
    assert agent.put_key("v2", OTHER_KEY, 600)
    assert agent.get_key("v1") == KEY
    assert agent.get_key("v2") == OTHER_KEY
    assert agent.info() == {"pid": running, "keys": 2, "idle": [600, 600]}  # one agent, both


def test_the_vault_id_changes_with_the_path_and_the_header(tmp_path: Path) -> None:
    header = b"MURMURV1" + bytes(30)
    same = agent.vault_id(tmp_path / "vault.bin", header)
    assert agent.vault_id(tmp_path / "vault.bin", header) == same
    assert agent.vault_id(tmp_path / "other.bin", header) != same
    assert agent.vault_id(tmp_path / "vault.bin", header[:-1] + b"\1") != same


def test_socket_and_folder_are_private(home: Path, running: int) -> None:
    path = agent.socket_path()
    assert path.parent == home / "run"
    st = path.lstat()
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_a_loose_folder_is_not_trusted(home: Path, running: int) -> None:
    os.chmod(agent.socket_dir(), 0o755)
    try:
        assert agent.get_key("v1") is None  # someone else could have put a socket there
    finally:
        os.chmod(agent.socket_dir(), 0o700)
    assert agent.get_key("v1") == KEY


def test_a_stale_socket_is_replaced(home: Path) -> None:
    folder = agent.socket_dir()
    folder.mkdir(mode=0o700)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(agent.socket_path()))
    stale.close()  # the file stays, nobody listens: an agent that was killed
    assert agent.get_key("v1") is None
    assert agent.put_key("v1", KEY, 600)
    assert agent.get_key("v1") == KEY


def _frame(body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + body


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to become another user")
def test_another_users_process_is_refused_by_the_peer_check(home: Path, running: int) -> None:
    path = agent.socket_path()
    # Open the file modes wide, so that only the agent's peer-credential check stands in the way.
    os.chmod(path.parent, 0o711)
    os.chmod(path, 0o666)
    try:
        pid = os.fork()
        if pid == 0:  # the other user's process
            code = 9
            try:
                # Enter the folder first: the folders above it (pytest's) stay closed to nobody.
                os.chdir(path.parent)
                os.setgroups([])
                os.setgid(NOBODY)
                os.setuid(NOBODY)
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.settimeout(10)
                try:
                    sock.connect(path.name)
                except OSError:
                    code = 4  # the file modes stopped it: the peer check was not reached
                else:
                    reply = b""
                    try:
                        sock.sendall(_frame(b"Gv1"))
                        while chunk := sock.recv(64):
                            reply += chunk
                    except (BrokenPipeError, ConnectionResetError):
                        pass  # closed on us, the request unread: refused
                    code = 3 if KEY in reply else (0 if reply == b"" else 5)
            finally:
                os._exit(code)
        _pid, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0  # connected, then closed without a word
    finally:
        os.chmod(path.parent, 0o700)
        os.chmod(path, 0o600)
    assert agent.get_key("v1") == KEY  # the agent still serves its own user
    log = (home / "murmur.log").read_text()
    assert f"refused a connection from uid {NOBODY}" in log


def test_a_second_start_leaves_the_running_agent_alone(home: Path, running: int) -> None:
    assert agent.start()
    assert agent.info() == {"pid": running, "keys": 1, "idle": [600]}
    assert agent.get_key("v1") == KEY
