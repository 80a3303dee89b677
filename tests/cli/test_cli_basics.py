"""The command line as a scripting surface: help, config check, exit codes, no tracebacks."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SUBCOMMANDS = "demo login accounts post timeline notifications follow unfollow config".split()


def test_help_lists_every_subcommand(murmur):
    result = murmur("--help")
    assert result.code == 0
    for name in SUBCOMMANDS:
        assert name in result.out


def test_python_dash_m_tui_help_works():
    proc = subprocess.run(
        [sys.executable, "-m", "tui", "--help"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0
    assert "usage: murmur" in proc.stdout


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "murmur"
    assert script.exists() or shutil.which("murmur")


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
