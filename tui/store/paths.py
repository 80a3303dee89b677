"""Where Murmur keeps its files, and how it writes them.

platformdirs picks the usual per-OS folders (appname "murmur"). `MURMUR_HOME=/dir` puts config,
data and cache all in that one folder (tests, demos, portable installs), with the config file at
`/dir/config.toml`. Everything Murmur writes is private to the user: folders 0700, files 0600.
"""

from __future__ import annotations

import fcntl
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import platformdirs

APP_NAME = "murmur"
HOME_ENV = "MURMUR_HOME"

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


class StorageError(OSError):
    """A folder or file of Murmur's cannot be created or written; the message says which."""

    def __str__(self) -> str:
        return self.strerror or super().__str__()


def _storage_error(what: Path, e: OSError) -> StorageError:
    hint = f" (is {HOME_ENV} a writable folder?)" if _home() is not None else ""
    return StorageError(e.errno, f"cannot write {what}: {e.strerror or e}{hint}")


def _home() -> Path | None:
    value = os.environ.get(HOME_ENV, "").strip()
    return Path(value).expanduser() if value else None


def config_dir() -> Path:
    return _home() or Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def config_file() -> Path:
    return config_dir() / "config.toml"


def data_dir() -> Path:
    return _home() or Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    return _home() or Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def state_dir() -> Path:
    return _home() or Path(platformdirs.user_state_dir(APP_NAME, appauthor=False))


def log_file() -> Path:
    return state_dir() / "murmur.log"


def vault_file() -> Path:
    return data_dir() / "vault.bin"


def cache_file() -> Path:
    return cache_dir() / "cache.sqlite"


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) and make sure only the user can enter it (0700).

    An existing folder of ours with looser permissions is tightened: it holds secrets and drafts.
    A folder owned by someone else is left alone (chmod would fail, and it is not ours to change),
    and so is a shared sticky folder such as /tmp, which root owns: closing it would lock every
    other user (and service) out of it.
    """
    path = Path(path)
    try:
        path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
        st = path.stat()
        shared = bool(st.st_mode & stat.S_ISVTX)
        if st.st_uid == os.getuid() and not shared and st.st_mode & 0o777 != PRIVATE_DIR_MODE:
            os.chmod(path, PRIVATE_DIR_MODE)
    except OSError as e:
        raise _storage_error(path, e) from None
    return path


def fsync_dir(path: Path) -> None:
    """Flush a folder's entries so a rename inside it survives a power cut."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_private_file(path: Path, data: bytes) -> None:
    """Replace `path` atomically with `data`, mode 0600, in a 0700 folder.

    Written to a temporary file in the same folder, fsynced, renamed over the target and the
    folder fsynced: a crash leaves either the old file or the new one, never a mix.
    """
    path = Path(path)
    ensure_private_dir(path.parent)
    # mkstemp creates the file 0600 with O_EXCL, so no other user can open it in between.
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        raise _storage_error(path, e) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, PRIVATE_FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    fsync_dir(path.parent)


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path`'s sibling `NAME.lock` (kept: deleting it would race).

    Every read-modify-write of a shared file (config.toml, vault.bin) happens inside this, so two
    Murmur processes never lose each other's changes.
    """
    path = Path(path)
    ensure_private_dir(path.parent)
    lock = path.with_name(path.name + ".lock")
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, PRIVATE_FILE_MODE)
    except OSError as e:
        raise _storage_error(lock, e) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
