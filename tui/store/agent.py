"""The key agent: unlock the vault once per login session, like ssh-agent or gpg-agent's cache.

The first unlock hands the vault's *derived* key (never the passphrase) to a small process of
ours; later commands ask it first and skip the slow key derivation. It is started on demand and
reachable only by the same user:

- its socket (`agent.sock`, 0600) lives in a 0700 folder: `$XDG_RUNTIME_DIR/murmur` (or
  platformdirs' runtime folder), else `<state dir>/run`, and `<MURMUR_HOME>/run` when
  MURMUR_HOME is set;
- every connection's peer credentials are checked (SO_PEERCRED, or LOCAL_PEERCRED on macOS):
  another user's process is refused and the connection closed, whatever the file modes say; the
  client checks the agent's uid the same way before it hands over a key;
- keys live only in one fixed, `mlock`ed buffer (received straight into locked memory, wiped on
  removal); the process is not dumpable (no core files, no ptrace by the same user);
- a key is forgotten after `idle_seconds` without use (suspend time counts), `lock` forgets them
  all; with no key left the agent removes its socket and exits. It also exits when its socket
  file is removed or replaced (its folder was deleted: nobody can reach it any more).

Keys are filed under a vault id: a digest of the vault file's path and its header (salt and KDF
parameters), so a replaced or re-created vault never gets a stale key.

Protocol (one request per connection): a frame is a 4-byte big-endian length and a body.
    G <vault id>                                    → K <key> | N
    P <idle u32> <id length u8> <vault id> <key>    → O | E <reason>
    L                                               → O  (keys wiped, socket gone, then exit)
    I                                               → O <JSON {"pid", "keys", "idle"}>
A refused peer gets no answer at all.

Client API: `get_key`, `put_key`, `lock`, `info`, `vault_id`. Without an agent (not started,
disabled in config, or unusable here) they return None/False in milliseconds and everything works
as before: the caller derives the key itself.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import signal
import socket
import stat
import struct
import subprocess
import sys
import time
from pathlib import Path

from tui.store import paths

KEY_SIZE = 32
SOCKET_NAME = "agent.sock"
LOCK_NAME = "agent.lock"
PASSPHRASE_ENV = "MURMUR_PASSPHRASE"  # never passed on to the agent process
DEFAULT_IDLE_SECONDS = 30 * 60

_FRAME = struct.Struct(">I")
_MAX_FRAME = 512
_MAX_ID = 128
_SLOTS = 16  # distinct vaults held at once; the least recently used is dropped beyond that
_CLIENT_TIMEOUT = 2.0  # a hung agent must not hang the CLI
_PEER_TIMEOUT = 2.0  # a client that stalls mid-request is dropped
_START_TIMEOUT = 15.0
_EMPTY_GRACE = 30.0  # an agent that never receives a key exits after this
_WATCH = 30.0  # how often an idle agent checks that its socket is still there
_MAX_SOCKET_PATH = 100  # sun_path is 108 bytes on Linux, 104 on macOS


class AgentError(Exception):
    """The agent misbehaved or could not be started (logged; callers fall back to deriving)."""


# ----- where the socket lives ----------------------------------------------------------------


def socket_dir() -> Path:
    """The private folder that holds the agent's socket (not created here)."""
    home = os.environ.get(paths.HOME_ENV, "").strip()
    if home:
        return Path(home).expanduser() / "run"
    runtime = os.environ.get("XDG_RUNTIME_DIR", "").strip()
    if runtime and os.path.isabs(runtime) and _owned_dir(Path(runtime)):
        return Path(runtime) / paths.APP_NAME
    import platformdirs

    folder = Path(platformdirs.user_runtime_dir(paths.APP_NAME, appauthor=False))
    if _owned_dir(folder.parent):
        return folder
    return paths.state_dir() / "run"


def socket_path() -> Path:
    return socket_dir() / SOCKET_NAME


def _owned_dir(path: Path) -> bool:
    try:
        st = path.stat()
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid()


def _private_dir(path: Path) -> bool:
    """True when `path` is a real folder of ours that no one else can enter."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return (
        stat.S_ISDIR(st.st_mode)
        and st.st_uid == os.getuid()
        and not stat.S_IMODE(st.st_mode) & 0o077
    )


def _usable(path: Path) -> bool:
    return len(os.fsencode(path)) <= _MAX_SOCKET_PATH and _private_dir(path.parent)


def vault_id(path: Path | str, header: bytes) -> str:
    """The name a vault's key is filed under: its absolute path and its header (salt, params)."""
    digest = hashlib.blake2b(digest_size=32, person=b"murmur-agent-id")
    digest.update(os.fsencode(os.path.abspath(path)))
    digest.update(b"\0")
    digest.update(header)
    return digest.hexdigest()


# ----- peer credentials ----------------------------------------------------------------------


def supported() -> bool:
    """Whether this OS can tell who is at the other end of a Unix socket (else: no agent)."""
    return hasattr(socket, "AF_UNIX") and (
        hasattr(socket, "SO_PEERCRED") or sys.platform == "darwin"
    )


def peer_uid(sock: socket.socket) -> int | None:
    """The uid of the process at the other end of a Unix socket, or None where unknown."""
    if hasattr(socket, "SO_PEERCRED"):  # Linux: struct ucred {pid, uid, gid}
        raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        _pid, uid, _gid = struct.unpack("3i", raw)
        return uid
    if sys.platform == "darwin":  # struct xucred {version, uid, ngroups, groups[16]}
        sol_local, local_peercred = 0, 1
        layout = "IIh16I"
        raw = sock.getsockopt(sol_local, local_peercred, struct.calcsize(layout))
        return struct.unpack(layout, raw)[1]
    return None


# ----- framing -------------------------------------------------------------------------------


def _recv_exact(sock: socket.socket, view: memoryview) -> bool:
    """Fill `view` from `sock`; False when the peer closed first."""
    got = 0
    while got < len(view):
        n = sock.recv_into(view[got:])
        if n == 0:
            return False
        got += n
    return True


def _send_frame(sock: socket.socket, *parts: bytes | memoryview) -> None:
    size = sum(len(p) for p in parts)
    buffers = [_FRAME.pack(size), *parts]
    total = 4 + size
    sent = sock.sendmsg(buffers)
    if sent < total:  # rare on a local socket: finish with plain sends
        rest = b"".join(bytes(p) for p in buffers)[sent:]
        sock.sendall(rest)


# ----- client --------------------------------------------------------------------------------


def _request(body: bytes) -> bytes | None:
    """Send one request; the reply body, or None when no agent of ours answers.

    No socket, a stale socket or an unusable folder is the normal "no agent" case and returns
    None at once. An agent that answers wrongly is an AgentError.
    """
    if not supported():
        return None
    path = socket_path()
    if not _usable(path):
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    with sock:
        sock.settimeout(_CLIENT_TIMEOUT)
        try:
            sock.connect(os.fspath(path))
        except OSError:
            return None  # not running (missing or stale socket)
        try:
            uid = peer_uid(sock)
        except OSError as exc:
            raise AgentError(f"cannot tell who serves {path} ({exc.strerror})") from None
        if uid != os.getuid():
            raise AgentError(f"{path} is served by uid {uid}, not by us; not using it")
        try:
            _send_frame(sock, body)
            head = bytearray(4)
            if not _recv_exact(sock, memoryview(head)):
                return None  # it exited between accept and reply (locking, expiring)
            (size,) = _FRAME.unpack(head)
            if not 0 < size <= _MAX_FRAME:
                raise AgentError(f"the agent sent a frame of {size} bytes")
            reply = bytearray(size)
            if not _recv_exact(sock, memoryview(reply)):
                raise AgentError("the agent closed the connection mid-reply")
        except (TimeoutError, ConnectionResetError, BrokenPipeError) as exc:
            raise AgentError(f"the agent did not answer ({exc.__class__.__name__})") from None
        return bytes(reply)


def _log(exc: Exception, doing: str) -> None:
    from tui.errorlog import log_exception

    log_exception(exc, doing=doing)


def get_key(vault: str) -> bytes | None:
    """The key the agent holds for `vault` (see `vault_id`), or None."""
    try:
        reply = _request(b"G" + vault.encode("ascii"))
    except AgentError as exc:
        _log(exc, "asking the key agent")
        return None
    if reply is not None and reply[:1] == b"K" and len(reply) == 1 + KEY_SIZE:
        return reply[1:]
    return None


def put_key(vault: str, key: bytes, idle_seconds: int = DEFAULT_IDLE_SECONDS) -> bool:
    """Leave `key` with the agent (starting it when needed) for `idle_seconds` without use.

    Returns whether the agent holds it now. Failures are logged, never raised: without an agent
    everything works as before.
    """
    if len(key) != KEY_SIZE:
        raise ValueError(f"a vault key is {KEY_SIZE} bytes")
    ident = vault.encode("ascii")
    if not 0 < len(ident) <= _MAX_ID:
        raise ValueError("bad vault id")
    idle = max(1, min(int(idle_seconds), 2**31))
    body = b"P" + struct.pack(">IB", idle, len(ident)) + ident + bytes(key)
    try:
        reply = _request(body)
        if reply is None:
            if not start():
                return False
            reply = _request(body)
    except AgentError as exc:
        _log(exc, "handing the vault key to the key agent")
        return False
    return reply == b"O"


def lock() -> bool:
    """Make the agent forget every key and exit. True when an agent was running."""
    try:
        return _request(b"L") == b"O"
    except AgentError as exc:
        _log(exc, "locking the key agent")
        return False


def info() -> dict | None:
    """{"pid", "keys" (how many), "idle" (each key's idle seconds)} of the agent, or None."""
    try:
        reply = _request(b"I")
    except AgentError as exc:
        _log(exc, "asking the key agent")
        return None
    if reply is None or reply[:1] != b"O":
        return None
    from tui import jsonsafe

    try:
        state = jsonsafe.loads(reply[1:])
    except ValueError:
        state = None
    if not isinstance(state, dict):
        _log(AgentError("the agent's state is not a JSON object"), "asking the key agent")
        return None
    return state


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != PASSPHRASE_ENV}
    # The agent runs `-m tui.store.agent` from "/": make sure it finds this very package.
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    return env


def start() -> bool:
    """Start the agent (a daemon: new session, no terminal, no inherited pipes).

    Returns when its socket listens (or another agent's does). False, logged, if it failed.
    """
    path = socket_path()
    if not supported() or len(os.fsencode(path)) > _MAX_SOCKET_PATH:
        return False  # no peer credentials, or a path too long for a socket: no agent, quietly
    command = [sys.executable, "-m", "tui.store.agent", "serve", "--socket", os.fspath(path)]
    try:
        proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=_child_env(),
            cwd="/",
            close_fds=True,
            start_new_session=True,
        )
        try:
            _out, err = proc.communicate(timeout=_START_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise AgentError("the key agent took too long to start") from None
        if proc.returncode != 0:
            reason = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no reason"]
            raise AgentError(f"the key agent could not start (exit {proc.returncode}): {reason[0]}")
    except (OSError, AgentError) as exc:
        _log(exc, "starting the key agent")
        return False
    return True


# ----- the agent process ---------------------------------------------------------------------


def _now() -> float:
    """Seconds on a clock that keeps running while the machine sleeps (idle time is real time)."""
    if hasattr(time, "CLOCK_BOOTTIME"):
        return time.clock_gettime(time.CLOCK_BOOTTIME)
    return time.monotonic()


def _libc():  # type: ignore[no-untyped-def]
    import ctypes
    import ctypes.util

    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    except OSError:
        return None


def _harden() -> None:
    """No core dumps, not dumpable (no ptrace by our own uid) where the OS allows."""
    import resource

    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    libc = _libc()
    if libc is not None and sys.platform.startswith("linux"):
        pr_set_dumpable = 4
        libc.prctl(pr_set_dumpable, 0, 0, 0, 0)


def _locked_buffer(size: int) -> bytearray:
    """A zeroed buffer, locked against swap where the OS allows (failure is ignored)."""
    import ctypes

    buf = bytearray(size)
    libc = _libc()
    if libc is not None:
        # The ctypes view exports the buffer, so the bytearray can never be resized (moved).
        view = (ctypes.c_char * size).from_buffer(buf)
        libc.mlock(ctypes.c_void_p(ctypes.addressof(view)), ctypes.c_size_t(size))
        _KEEP.append(view)
    return buf


_KEEP: list[object] = []


def _wipe(view: memoryview) -> None:
    view[:] = bytes(len(view))


class _Agent:
    def __init__(self, listener: socket.socket, path: Path, watch: float = _WATCH) -> None:
        self.watch = watch
        self.listener = listener
        self.path = path
        self.inode = os.stat(path).st_ino
        self.arena = _locked_buffer(_SLOTS * KEY_SIZE)
        self.inbox = _locked_buffer(_MAX_FRAME)
        self.arena_view = memoryview(self.arena)
        self.inbox_view = memoryview(self.inbox)
        # vault id → [slot, idle seconds, last used]
        self.keys: dict[str, list] = {}
        self.started = _now()
        self.held = False
        self.done = False

    # -- key table --
    def _slot(self, index: int) -> memoryview:
        return self.arena_view[index * KEY_SIZE : (index + 1) * KEY_SIZE]

    def _forget(self, ident: str) -> None:
        slot = self.keys.pop(ident)[0]
        _wipe(self._slot(slot))

    def forget_all(self) -> None:
        for ident in list(self.keys):
            self._forget(ident)
        _wipe(self.arena_view)

    def expire(self) -> None:
        now = _now()
        for ident, (_slot, idle, used) in list(self.keys.items()):
            if now - used >= idle:
                self._forget(ident)

    def _put(self, ident: str, key: memoryview, idle: int) -> None:
        if ident in self.keys:
            slot = self.keys[ident][0]
        else:
            if len(self.keys) >= _SLOTS:
                oldest = min(self.keys, key=lambda k: self.keys[k][2])
                self._forget(oldest)
            used = {entry[0] for entry in self.keys.values()}
            slot = next(i for i in range(_SLOTS) if i not in used)
        self._slot(slot)[:] = key
        self.keys[ident] = [slot, idle, _now()]
        self.held = True

    # -- main loop --
    def timeout(self) -> float:
        now = _now()
        if self.keys:
            soonest = min(used + idle for _slot, idle, used in self.keys.values())
            return max(0.0, min(soonest - now, self.watch))
        return max(0.0, min(self.started + _EMPTY_GRACE - now, self.watch))

    def socket_is_ours(self) -> bool:
        try:
            st = os.lstat(self.path)
        except OSError:
            return False
        return st.st_ino == self.inode and stat.S_ISSOCK(st.st_mode)

    def run(self) -> None:
        while not self.done:
            self.listener.settimeout(max(self.timeout(), 0.05))
            try:
                conn, _addr = self.listener.accept()
            except TimeoutError:
                conn = None
            if conn is not None:
                with conn:
                    self.serve(conn)
            self.expire()
            # Empty after holding keys (all expired), or never given one: nothing to serve.
            idle_empty = not self.keys and (self.held or _now() - self.started >= _EMPTY_GRACE)
            if idle_empty or not self.socket_is_ours():
                self.done = True
        self.shutdown()

    def shutdown(self) -> None:
        self.forget_all()
        if self.socket_is_ours():
            with contextlib.suppress(OSError):
                os.unlink(self.path)
        self.listener.close()

    def serve(self, conn: socket.socket) -> None:
        try:
            uid = peer_uid(conn)
        except OSError:
            uid = None
        if uid != os.getuid():
            self._refused(uid)
            return  # closed without a word
        conn.settimeout(_PEER_TIMEOUT)
        inbox = self.inbox_view
        try:
            if not _recv_exact(conn, inbox[:4]):
                return
            (size,) = _FRAME.unpack(inbox[:4])
            if not 0 < size <= _MAX_FRAME:
                return
            body = inbox[:size]
            if not _recv_exact(conn, body):
                return
            self.answer(conn, body)
        except OSError:
            return  # the client went away or stalled: its problem, not ours
        finally:
            _wipe(inbox)

    def _refused(self, uid: int | None) -> None:
        from tui.errorlog import logger

        with contextlib.suppress(OSError):  # an unwritable log must not stop the agent
            logger().warning("key agent: refused a connection from uid %s", uid)

    def answer(self, conn: socket.socket, body: memoryview) -> None:
        op = bytes(body[:1])
        if op == b"G":
            ident = bytes(body[1:]).decode("ascii", "replace")
            self.expire()
            entry = self.keys.get(ident)
            if entry is None:
                _send_frame(conn, b"N")
                return
            entry[2] = _now()
            _send_frame(conn, b"K", self._slot(entry[0]))
        elif op == b"P":
            header = struct.Struct(">IB")
            if len(body) < 1 + header.size:
                _send_frame(conn, b"Emalformed request")
                return
            idle, id_len = header.unpack(body[1 : 1 + header.size])
            start = 1 + header.size
            ident = bytes(body[start : start + id_len]).decode("ascii", "replace")
            key = body[start + id_len :]
            if not 0 < id_len <= _MAX_ID or len(key) != KEY_SIZE or idle < 1:
                _send_frame(conn, b"Emalformed request")
                return
            self._put(ident, key, idle)
            _send_frame(conn, b"O")
        elif op == b"L":
            # Wipe and remove the socket before answering: once lock() returns, nothing is held
            # and nothing answers.
            self.done = True
            self.shutdown()
            _send_frame(conn, b"O")
        elif op == b"I":
            idle = sorted(entry[1] for entry in self.keys.values())
            state = json.dumps({"pid": os.getpid(), "keys": len(self.keys), "idle": idle})
            _send_frame(conn, b"O", state.encode())
        else:
            _send_frame(conn, b"Eunknown request")


def _bind(path: Path) -> socket.socket | None:
    """Listen on `path`; None when another live agent already does. Under the folder's lock."""
    paths.ensure_private_dir(path.parent)
    if not _private_dir(path.parent):
        raise AgentError(f"{path.parent} is not a private folder of ours (0700)")
    fd = os.open(path.parent / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        if os.path.lexists(path):
            probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            with probe:
                try:
                    probe.connect(os.fspath(path))
                except OSError:
                    os.unlink(path)  # stale: its agent is gone
                else:
                    return None
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)  # the socket is born 0600: no moment where others could connect
        try:
            listener.bind(os.fspath(path))
        finally:
            os.umask(old)
        os.chmod(path, 0o600)
        listener.listen(16)
        return listener
    finally:
        os.close(fd)


def _daemonize() -> None:
    """Detach: the caller (who waits for us) gets its answer; a grandchild keeps serving."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    if os.fork() > 0:
        os._exit(0)
    if os.getsid(0) != os.getpid():
        with contextlib.suppress(OSError):
            os.setsid()
    os.chdir("/")
    os.umask(0o077)


def serve(path: Path, *, detach: bool = True, watch: float = _WATCH) -> int:
    os.environ.pop(PASSPHRASE_ENV, None)
    try:
        listener = _bind(path)
    except (OSError, AgentError) as exc:
        print(f"murmur agent: {exc}", file=sys.stderr)
        return 1
    if listener is None:
        return 0  # another agent serves this socket
    if detach:
        _daemonize()
    _harden()
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    agent = _Agent(listener, path, watch)

    def terminate(_signum: int, _frame: object) -> None:
        agent.shutdown()
        os._exit(0)

    signal.signal(signal.SIGTERM, terminate)
    try:
        agent.run()
    except Exception as exc:  # noqa: BLE001 - a bug: logged, keys wiped, socket removed
        _log(exc, "running the key agent")
        agent.shutdown()
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tui.store.agent")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("serve", help="run the key agent (normally started on demand)")
    run.add_argument("--socket", type=Path, default=None)
    run.add_argument("--foreground", action="store_true", help="do not detach")
    run.add_argument("--watch", type=float, default=_WATCH, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    path = args.socket or socket_path()
    if len(os.fsencode(path)) > _MAX_SOCKET_PATH:
        print(f"murmur agent: socket path too long: {path}", file=sys.stderr)
        return 1
    return serve(path, detach=not args.foreground, watch=max(0.05, args.watch))


if __name__ == "__main__":
    sys.exit(main())
