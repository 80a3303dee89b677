"""`[media]` and `[compose] require_alt_text` in config.toml: read, defaults, clear errors."""

from __future__ import annotations

import pytest

from tui.store.config import ConfigError, load_config


def test_media_defaults_keep_previews_off(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("")
    config = load_config(path)
    assert config.media.previews == "off" and config.media.opener == ""
    assert config.compose.require_alt_text is False


def test_media_options_are_read(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(
        '[compose]\nrequire_alt_text = true\n[media]\nopener = "mpv %s"\npreviews = "halfblock"\n'
        "preview_max_bytes = 500000\n"
    )
    config = load_config(path)
    assert config.compose.require_alt_text is True
    assert (config.media.opener, config.media.previews) == ("mpv %s", "halfblock")
    assert config.media.preview_max_bytes == 500_000


def test_an_unknown_preview_mode_names_the_choices_and_the_line(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[media]\n\npreviews = "iterm"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    said = str(caught.value)
    assert (
        "media.previews" in said
        and '"off", "halfblock", "kitty", "sixel"' in said
        and "line 3" in said
    )
