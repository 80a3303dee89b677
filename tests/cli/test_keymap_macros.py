"""`murmur config check` takes [keymap] macros (`"x" = ":pipe wl-copy"`) as bindings of keys to
command lines, not as unknown binding ids."""

from __future__ import annotations


def test_config_check_accepts_a_macro(murmur, murmur_home):
    (murmur_home / "config.toml").write_text('[keymap]\n"x" = ":pipe wl-copy"\n"post.like" = "L"\n')
    result = murmur("config", "check")
    assert result.code == 0, result.err
    assert result.err == ""


def test_config_check_reports_a_key_taken_from_the_command_line(murmur, murmur_home):
    (murmur_home / "config.toml").write_text('[keymap]\n"post.like" = "colon"\n')
    result = murmur("config", "check")
    assert result.code == 2
    assert "key colon is also bound to 'app.command_line'" in result.err
