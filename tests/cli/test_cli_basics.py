"""The command line as a scripting surface: help, config check, exit codes, no tracebacks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SUBCOMMANDS = "demo login accounts post timeline notifications follow unfollow config lock".split()


def test_help_lists_every_subcommand(murmur):
    result = murmur("--help")
    assert result.code == 0
    for name in SUBCOMMANDS:
        assert name in result.out


def test_every_command_s_help_works():
    """Each command's module is imported only when it runs: every one must resolve."""
    from tui.cli import _handler, build_parser

    commands = next(a for a in build_parser()._actions if a.dest == "command").choices
    assert set(SUBCOMMANDS) <= set(commands)
    for name in commands:
        assert callable(_handler(name)), name
        proc = subprocess.run(
            [sys.executable, "-m", "tui", name, "--help"], capture_output=True, text=True
        )
        assert proc.returncode == 0, (name, proc.stderr)
        assert f"usage: murmur {name}" in proc.stdout


def test_python_dash_m_tui_help_works():
    proc = subprocess.run(
        [sys.executable, "-m", "tui", "--help"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0
    assert "usage: murmur" in proc.stdout


def test_console_script_is_installed():
    """`pip install` puts a `murmur` command beside the interpreter, and it runs the CLI."""
    script = Path(sys.executable).parent / "murmur"
    assert script.exists(), f"no console script at {script}"
    proc = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "usage: murmur" in proc.stdout


def test_config_check_accepts_the_example(murmur, murmur_home):
    shutil.copy(REPO / "config.example.toml", murmur_home / "config.toml")
    result = murmur("config", "check")
    assert result.code == 0, result.err
    assert "ok" in result.out


def test_broken_config_exits_2_naming_file_and_line(murmur, murmur_home):
    config = murmur_home / "config.toml"
    config.write_text('[ui]\ntheme = "textual-dark"\nrelative_time = = true\n')
    result = murmur("config", "check")
    assert result.code == 2
    assert str(config) in result.err
    assert "line 3" in result.err
    assert "Traceback" not in result.err


def test_wrong_type_in_config_names_the_key(murmur, murmur_home):
    (murmur_home / "config.toml").write_text('[ui]\nrelative_time = "yes"\n')
    result = murmur("config", "check")
    assert result.code == 2
    assert "ui.relative_time" in result.err
    assert "Traceback" not in result.err


def test_usage_error_exits_2(murmur):
    result = murmur("timeline", "--feed", "nonsense")
    assert result.code == 2
    assert "unknown feed" in result.err
    assert "Traceback" not in result.err


def test_no_accounts_is_a_clear_usage_error(murmur):
    result = murmur("timeline")
    assert result.code == 2
    assert "murmur login" in result.err


def test_accounts_json_is_empty_without_accounts(murmur):
    result = murmur("accounts", "--json")
    assert result.code == 0
    assert result.out == ""


# ----- config check reports what the app reports at start -----------------------------------


def test_config_check_reports_theme_and_keymap_problems_with_lines(murmur, murmur_home):
    (murmur_home / "config.toml").write_text(
        "[ui]\n"
        'theme = "no-such-theme"\n'
        "\n"
        "[keymap]\n"
        '"list.down" = "j,down"\n'
        '"post.like" = "b"\n'
        '"no.such.binding" = "x"\n'
    )
    result = murmur("config", "check")
    assert result.code == 2
    lines = result.err.splitlines()
    config = murmur_home / "config.toml"
    assert any(
        f"{config}, line 2: ui.theme: unknown theme 'no-such-theme'" in line for line in lines
    ), result.err
    assert any(
        f'{config}, line 7: keymap."no.such.binding": unknown binding id' in line for line in lines
    ), result.err
    assert any(
        f"{config}, line 6: keymap.\"post.like\": key b is also bound to 'post.repost'" in line
        for line in lines
    ), result.err
    assert not any("list.down" in line for line in lines)  # its own default keys: no clash
    assert "Traceback" not in result.err


def test_config_check_accepts_known_theme_and_rebinding(murmur, murmur_home):
    (murmur_home / "config.toml").write_text(
        '[ui]\ntheme = "nord"\n\n[keymap]\n"post.like" = "L"\n'
    )
    result = murmur("config", "check")
    assert result.code == 0, result.err
    assert result.err == ""


# ----- errors are one line, never a traceback --------------------------------------------------


def test_unexpected_error_is_logged_and_reported_in_one_line(murmur_home):
    code = (
        "import sys, tui.cli as cli, tui.cli.accounts as accounts\n"
        "def broken(args):\n"
        "    raise ZeroDivisionError('division by zero in a bug')\n"
        "accounts.cmd_accounts = broken\n"
        "sys.exit(cli.run(['accounts']))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    log = murmur_home / "murmur.log"
    assert proc.stderr.splitlines() == [
        f"murmur: an unexpected error happened (ZeroDivisionError); details are in {log}"
    ]
    text = log.read_text()
    assert "Traceback" in text and "division by zero in a bug" in text


def test_debug_flag_is_accepted_and_documented(murmur, murmur_home):
    assert "--debug" in murmur("--help").out
    result = murmur("--debug", "accounts")
    assert result.code == 0, result.err
    assert (murmur_home / "murmur.log").exists()  # debug logging opened the private log


def _run_bytes(args: list[bytes], stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [os.fsencode(sys.executable), b"-m", b"tui", *args],
        input=stdin,
        capture_output=True,
        start_new_session=True,
        timeout=120,
    )


def test_non_utf8_token_on_stdin_is_one_line_exit_2(murmur_home):
    proc = _run_bytes(
        [b"login", b"mastodon", b"m.example", b"--token-stdin"], stdin=b"tok\xff\xfeen\n"
    )
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert err.splitlines() == ["murmur: standard input: expected an access token as UTF-8 text"]


def test_non_utf8_post_text_argument_is_one_line_exit_2(murmur_home):
    proc = _run_bytes([b"post", b"caf\xe9 au lait"])
    assert proc.returncode == 2
    assert proc.stderr.decode().splitlines() == ["murmur: TEXT: not UTF-8 text"]


def test_non_utf8_post_text_on_stdin_is_one_line_exit_2(murmur_home):
    proc = _run_bytes([b"post", b"-"], stdin=b"caf\xe9 au lait\n")
    assert proc.returncode == 2
    assert proc.stderr.decode().splitlines() == [
        "murmur: standard input: expected the text to post as UTF-8 text"
    ]


def test_non_utf8_feed_is_one_line_exit_2(murmur_home):
    proc = _run_bytes([b"timeline", b"--feed", b"tag:\xff\xfe"])
    assert proc.returncode == 2
    assert proc.stderr.decode().splitlines() == ["murmur: --feed: not UTF-8 text"]


def test_unwritable_murmur_home_is_one_line_exit_2(murmur, tmp_path):
    # Under a regular file: no folder can be made there, not even by root.
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    home = blocker / "sub"
    for args in (("login", "nostr", "--generate"), ("timeline",)):
        result = murmur(*args, env={"MURMUR_HOME": str(home)})
        assert result.code == 2, (args, result.err)
        assert "Traceback" not in result.err
        lines = result.err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("murmur: "), result.err
        assert str(home) in lines[0] and "Not a directory" in lines[0]


def test_demo_keep_in_an_unwritable_folder_is_one_line_exit_2(murmur, tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    result = murmur("demo", "--keep", str(blocker / "demo"))
    assert result.code == 2, result.err
    assert "Traceback" not in result.err
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("murmur: cannot write "), result.err


# ----- the vault passphrase never reaches a child process --------------------------------------


def test_passphrase_is_taken_from_the_environment_and_removed(monkeypatch):
    from tui.store import vault
    from tui.store.config import VaultConfig

    monkeypatch.setenv("MURMUR_PASSPHRASE", "sekrit")
    vault.take_env_passphrase()
    try:
        assert "MURMUR_PASSPHRASE" not in os.environ
        assert vault.resolve_passphrase(VaultConfig(), interactive=False) == "sekrit"
        child = subprocess.run(
            ["env"], capture_output=True, text=True, check=True
        ).stdout.splitlines()
        assert not any(line.startswith("MURMUR_PASSPHRASE=") for line in child)
    finally:
        monkeypatch.delenv("MURMUR_PASSPHRASE", raising=False)
        vault.take_env_passphrase()  # forget it again for the other tests


def test_a_child_of_the_cli_never_sees_the_passphrase(murmur_home, tmp_path):
    # The CLI runs (and unlocks the vault with the passphrase); then a child it could spawn —
    # $EDITOR, $BROWSER, a passphrase command — looks at its environment.
    seen = tmp_path / "child-env"
    code = (
        "import subprocess, sys, tui.cli as cli\n"
        "status = cli.run(['login', 'nostr', '--generate'])\n"
        f"subprocess.run(['sh', '-c', 'env > {seen}'], check=True)\n"
        "sys.exit(status)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "logged in as" in proc.stdout  # the passphrase was there and used
    assert "MURMUR_PASSPHRASE" not in seen.read_text()


# ----- config.toml edits: under a lock, keeping the user's file --------------------------------


def test_concurrent_logins_keep_every_account_in_config_and_vault(murmur_home):
    import asyncio

    from tests.conftest import PASSPHRASE
    from tui.store.config import load_config
    from tui.store.vault import Vault

    shutil.copy(REPO / "config.example.toml", murmur_home / "config.toml")
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tui", "login", "nostr", "--generate"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        for _ in range(4)
    ]
    names = []
    for proc in procs:
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
        names.append(out.split("logged in as ")[1].split(" (")[0])
    assert len(set(names)) == 4
    assert all("…" not in name for name in names)
    config = load_config(murmur_home / "config.toml")
    assert sorted(a.name for a in config.accounts) == sorted(names)
    vault = asyncio.run(Vault.unlock(murmur_home / "vault.bin", PASSPHRASE, create=False))
    assert sorted(vault.names()) == sorted(names)
    text = (murmur_home / "config.toml").read_text()
    assert text.startswith((REPO / "config.example.toml").read_text().rstrip("\n"))


def test_login_keeps_the_annotated_config(murmur, murmur_home):
    example = (REPO / "config.example.toml").read_text()
    (murmur_home / "config.toml").write_text(example)
    result = murmur("login", "nostr", "--generate", "--relay", "ws://127.0.0.1:9")
    assert result.code == 0, result.err
    text = (murmur_home / "config.toml").read_text()
    assert text.startswith(example.rstrip("\n")), "the user's comments and layout are kept"
    assert text.count("\n[[accounts]]\n") == 1 and 'relays = ["ws://127.0.0.1:9"]' in text


def test_help_and_accounts_load_no_network_or_ui_library(murmur_home):
    (murmur_home / "config.toml").write_text(
        '[[accounts]]\nname = "m"\nnetwork = "mastodon"\nserver = "https://m.example"\n'
        'streaming = false\n\n[[accounts]]\nname = "n"\nnetwork = "nostr"\n'
    )
    for args in (["--help"], ["accounts"]):
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "tui", *args],
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, proc.stderr
        loaded = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()}
        assert not loaded & {"httpx", "websockets", "textual", "nostr_sdk"}, args


def test_unwritable_data_and_cache_folders_are_one_line_exit_2(murmur, tmp_path):
    # The config reads fine; the folders for the vault, cache and log cannot be made (they
    # would be under a regular file: that stops root too).
    config_home = tmp_path / "config"
    (config_home / "murmur").mkdir(parents=True)
    (config_home / "murmur" / "config.toml").write_text(
        '[[accounts]]\nname = "n"\nnetwork = "nostr"\n'
    )
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    env = {
        "MURMUR_HOME": "",
        "XDG_CONFIG_HOME": str(config_home),
        "XDG_DATA_HOME": str(blocker / "data"),
        "XDG_CACHE_HOME": str(blocker / "cache"),
        "XDG_STATE_HOME": str(blocker / "state"),
    }
    for args in (("login", "nostr", "--generate"), ("timeline",), ("accounts", "remove", "n")):
        result = murmur(*args, env=env)
        assert result.code == 2, (args, result.err)
        assert "Traceback" not in result.err
        lines = result.err.splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"murmur: cannot write {blocker}/"), (
            args,
            result.err,
        )
