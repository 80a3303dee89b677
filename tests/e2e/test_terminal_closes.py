"""The app never outlives its terminal (issue 10, item 10): with the composer's draft open in
$EDITOR (the app suspended), closing the terminal (tmux kills the session: SIGHUP) or a SIGTERM
ends the process within seconds, and the draft is kept in the cache: what the editor had saved."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tui.store import paths
from tui.store.cache import Cache

EXIT_DEADLINE = 10.0  # seconds; the app allows itself 3 after the signal


def _wait_for_file(path: Path, terminal, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text()
        time.sleep(0.1)
    raise AssertionError(f"{path} never appeared; the screen was:\n{terminal.screen()}")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize(
    ("how", "demo"),
    [
        ("terminal-closes", False),
        ("sigterm", False),
        pytest.param("terminal-closes", True, marks=pytest.mark.network, id="demo"),
    ],
)
def test_a_signal_while_in_the_editor_saves_the_draft_and_ends_the_app(
    terminal, term_env, murmur_home, tmp_path, how, demo
):
    marker = tmp_path / "editor-started"
    leaked = tmp_path / "editor-saw-the-passphrase"
    editor = tmp_path / "slow-editor"
    # The editor adds to the draft and saves it, then is still open when the signal comes. Its
    # parent is Murmur itself (run without a shell): it reports both pids, once it has saved.
    editor.write_text(
        "#!/bin/sh\n"
        f'[ -n "$MURMUR_PASSPHRASE" ] && touch {leaked}\n'
        'printf \'%s and what I typed in the editor\\n\' "$(cat "$1")" > "$1"\n'
        f'echo "$PPID $$" > {marker}\n'
        "exec sleep 600\n"
    )
    editor.chmod(0o700)
    env = {**term_env, "EDITOR": str(editor), "VISUAL": str(editor)}
    home = murmur_home
    if demo:  # the demo's relay runs in the same process; its home is kept for the check
        home = tmp_path / "demo"
        env = {k: v for k, v in env.items() if k != "MURMUR_HOME"}
        terminal.start(["demo", "--keep", str(home)], size=(80, 24), env=env)
        terminal.wait_for("connected", 60)  # started: keys now go where the user means
    else:
        terminal.start([], size=(80, 24), env=env)
        terminal.wait_for("no accounts", 60)
    text = "a draft I must not lose"
    terminal.keys("c")
    terminal.type(text)
    terminal.wait_for(text, 5)
    terminal.keys("C-e", pause=0)  # before the autosave: only the signal can save it now
    app_pid, editor_pid = map(int, _wait_for_file(marker, terminal).split())
    try:
        assert _alive(app_pid)
        if how == "terminal-closes":
            terminal.stop()
        else:
            os.kill(app_pid, signal.SIGTERM)
        gone = _wait_gone(app_pid, EXIT_DEADLINE)
        if not gone:
            os.kill(app_pid, signal.SIGKILL)
        assert gone, f"murmur ({app_pid}) still runs {EXIT_DEADLINE} s after the signal"
    finally:
        if _alive(editor_pid):
            os.kill(editor_pid, signal.SIGKILL)
    assert _draft(home) == text + " and what I typed in the editor"
    assert not leaked.exists(), "the editor was given MURMUR_PASSPHRASE"


def _draft(home: Path) -> str | None:
    """The composer's saved draft in the cache of Murmur home `home`."""
    cache = Cache(home / paths.cache_file().name)
    try:
        draft = cache.load_draft()
    finally:
        cache.close()
    return draft.text if draft is not None else None


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["sigterm", "sighup"])
def test_a_signal_while_typing_saves_the_draft_and_exits_normally(
    terminal, term_env, tmp_path, sig
):
    pid_file = tmp_path / "pid"
    editor = tmp_path / "pid-editor"
    # Used once, to learn Murmur's pid: it exits at once, leaving the draft as it was.
    editor.write_text(f'#!/bin/sh\necho "$PPID" > {pid_file}\nexit 1\n')
    editor.chmod(0o700)
    env = {**term_env, "EDITOR": str(editor), "VISUAL": str(editor)}
    terminal.start([], size=(80, 24), env=env)
    terminal.wait_for("Timeline", 60)
    terminal.keys("c", "C-e")
    app_pid = int(_wait_for_file(pid_file, terminal))
    terminal.wait_for("exited with status 1")
    text = "typed, never sent"
    terminal.type(text)
    os.kill(app_pid, sig)
    gone = _wait_gone(app_pid, EXIT_DEADLINE)
    if not gone:
        os.kill(app_pid, signal.SIGKILL)
    assert gone, f"murmur ({app_pid}) still runs {EXIT_DEADLINE} s after the signal"
    assert f"MURMUR-EXITED {128 + sig}" in terminal.wait_for("MURMUR-EXITED")
    assert _draft(Path(term_env["MURMUR_HOME"])) == text
