"""The error log keeps tracebacks private to the user and says where they went."""

from __future__ import annotations

import stat

import pytest

from tui import errorlog


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("MURMUR_HOME", str(tmp_path))
    errorlog.close()
    yield tmp_path
    errorlog.close()


def test_an_unexpected_error_is_written_with_its_traceback_to_a_private_file(home):
    def broken() -> None:
        raise KeyError("missing field")

    try:
        broken()
    except KeyError as exc:
        where = errorlog.log_exception(exc, doing="Fetching home")
    text = where.read_text()
    assert where.parent == home
    assert "Fetching home: KeyError" in text
    assert "Traceback" in text and "in broken" in text
    assert stat.S_IMODE(where.stat().st_mode) == 0o600


def test_a_new_home_gets_its_own_log(tmp_path, monkeypatch):
    errorlog.close()
    try:
        for name in ("first", "second"):
            monkeypatch.setenv("MURMUR_HOME", str(tmp_path / name))
            where = errorlog.log_exception(RuntimeError(name), doing=name)
            assert where == tmp_path / name / "murmur.log"
            assert f"{name}: RuntimeError" in where.read_text()
    finally:
        errorlog.close()
