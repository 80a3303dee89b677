"""config.toml: the example loads, errors name file/key/line, save and load round-trip."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from tui.model import Account, FilterAction, FilterRule, NetworkKind
from tui.store import paths
from tui.store.config import (
    DEFAULT_BLUESKY_SERVER,
    ComposeConfig,
    Config,
    ConfigError,
    UiConfig,
    add_account,
    load_config,
    remove_account,
    save_config,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def error_for(tmp_path: Path, text: str) -> ConfigError:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(path) in str(info.value)
    return info.value


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    config = load_config(tmp_path / "nope.toml")
    assert config.accounts == ()
    assert config.ui == UiConfig()
    assert config.nostr.max_relays_per_author == 2
    assert config.nostr.max_relays_total == 30
    assert all(r.startswith("wss://") for r in config.nostr.default_relays)
    assert config.path == tmp_path / "nope.toml"


def test_default_path_follows_murmur_home(murmur_home: Path) -> None:
    (murmur_home / "config.toml").write_text('[ui]\ntheme = "nord"\n')
    assert paths.config_file() == murmur_home / "config.toml"
    assert paths.vault_file() == murmur_home / "vault.bin"
    assert paths.cache_file() == murmur_home / "cache.sqlite"
    assert load_config().ui.theme == "nord"


def test_example_config_loads_and_matches_the_defaults() -> None:
    config = load_config(EXAMPLE)
    assert config == Config(path=EXAMPLE)


def test_example_config_with_every_example_uncommented_loads() -> None:
    """`#key = value` lines are examples; removing the '#' must give a valid config."""
    text = EXAMPLE.read_text()
    text = re.sub(r'^passphrase_command = ""\n', "", text, flags=re.M)  # the example replaces it
    uncommented = re.sub(r"^#(?=[\[\"a-z])", "", text, flags=re.M)
    config = load_config_text(uncommented)
    by_network = {a.network for a in config.accounts}
    assert by_network == {NetworkKind.MASTODON, NetworkKind.BLUESKY, NetworkKind.NOSTR}
    assert config.account("nostr").options["relays"] == ("wss://relay.damus.io", "wss://nos.lol")
    assert config.account("sky").options["labelers"]
    assert config.account("social").options["streaming"] is True
    assert config.keymap["list.down"] == "j,down"
    assert config.vault.passphrase_command == "pass show murmur"
    assert [f.name for f in config.filters] == ["spoilers", "crypto", "noisy bots"]
    assert config.filters[0].action is FilterAction.WARN
    assert config.filters[1].regex and config.filters[1].networks == ("nostr", "bluesky")


def load_config_text(text: str) -> Config:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        return load_config(write(Path(d), text))


def test_every_key_is_documented_in_the_example() -> None:
    from tui.networks.options import all_declared
    from tui.store.config import _ACCOUNT_KEYS, _FILTER_KEYS, _SECTIONS

    text = EXAMPLE.read_text()
    for section, (_cls, keys) in _SECTIONS.items():
        assert f"[{section}]" in text
        for key in keys:
            assert re.search(rf"^#?{key} = ", text, re.M), f"{section}.{key} is not documented"
    options = {o.name for declared in all_declared().values() for o in declared}
    for key in [*_ACCOUNT_KEYS, *options, *_FILTER_KEYS]:
        assert re.search(rf"^#\s+{key}\s", text, re.M), f"{key} is not described"


def test_toml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    error = error_for(tmp_path, '[ui]\ntheme = "nord"\nrelative_time = yes\n')
    assert error.line == 3
    assert "line 3" in str(error)


def test_invalid_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'[ui]\ntheme = "\xff"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.line == 2 and "UTF-8" in str(info.value)


def test_unknown_key_is_named_with_a_suggestion(tmp_path: Path) -> None:
    error = error_for(tmp_path, "[ui]\nrelative_tim = true\n")
    assert error.key == "ui.relative_tim"
    assert "did you mean ui.relative_time?" in str(error)
    assert error.line == 2


def test_unknown_section_is_named(tmp_path: Path) -> None:
    error = error_for(tmp_path, "[composer]\nvisibility = 'public'\n")
    assert error.key == "composer"
    assert "did you mean compose?" in str(error)


def test_unknown_account_key_is_named_with_index(tmp_path: Path) -> None:
    error = error_for(
        tmp_path,
        '[[accounts]]\nname = "a"\nnetwork = "nostr"\n\n'
        '[[accounts]]\nname = "b"\nnetwork = "nostr"\nrelay = ["wss://r.example"]\n',
    )
    assert error.key == "accounts[1].relay"
    assert "did you mean accounts[1].relays?" in str(error)
    assert error.line == 8


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ("[ui]\nwide_width = 'wide'\n", "ui.wide_width", "whole number"),
        ("[ui]\nrelative_time = 1\n", "ui.relative_time", "true or false"),
        ("[ui]\ntimeline_limit = true\n", "ui.timeline_limit", "whole number"),
        ("[compose]\nvisibility = 'friends'\n", "compose.visibility", '"unlisted"'),
        ("[compose]\ndefault_accounts = 'me'\n", "compose.default_accounts", "an array"),
        ("[compose]\ndefault_accounts = ['me']\n", "compose.default_accounts[0]", "account"),
        ("[nostr]\ndefault_relays = ['https://r']\n", "nostr.default_relays[0]", "wss://"),
        ("[keymap]\n'app.quit' = 5\n", 'keymap."app.quit"', "keys such as"),
        ("ui = 3\n", "ui", "a table"),
        (
            '[[accounts]]\nname = "a"\nnetwork = "nostr"\n[[accounts]]\nname = "b"\n'
            'network = "myspace"\n',
            "accounts[1].network",
            '"bluesky"',
        ),
        ('[[accounts]]\nname = "a"\n', "accounts[0].network", "needs a network"),
        (
            '[[accounts]]\nname = "a"\nnetwork = "mastodon"\n',
            "accounts[0].server",
            "https://",
        ),
        (
            '[[accounts]]\nname = "a"\nnetwork = "mastodon"\nserver = "http://evil.example"\n',
            "accounts[0].server",
            "https://",
        ),
        (
            '[[accounts]]\nname = "a"\nnetwork = "mastodon"\nserver = "https://m.example"\n'
            'relays = ["wss://r.example"]\n',
            "accounts[0].relays",
            "nostr accounts",
        ),
        (
            '[[accounts]]\nname = "a"\nnetwork = "bluesky"\nlabelers = ["plc:xyz"]\n',
            "accounts[0].labelers[0]",
            "DID",
        ),
        (
            '[[accounts]]\nname = "a"\nnetwork = "bluesky"\ndefault_feed = "tag"\n',
            "accounts[0].default_feed",
            "needs an argument",
        ),
        (
            '[[accounts]]\nname = "a"\nnetwork = "nostr"\n[[accounts]]\nname = "a"\n'
            'network = "nostr"\n',
            "accounts[1].name",
            "unique",
        ),
        (
            '[[filters]]\nname = "x"\nmatch = "(unclosed"\nregex = true\n',
            "filters[0].match",
            "regular",
        ),
        ('[[filters]]\nname = "x"\n', "filters[0].match", "needs a match"),
        ('[[filters]]\nname = "x"\nmatch = "y"\naction = "delete"\n', "filters[0].action", "hide"),
        (
            '[[filters]]\nname = "x"\nmatch = "y"\ncontexts = ["home", "moon"]\n',
            "filters[0].contexts[1]",
            "notifications",
        ),
        (
            '[[filters]]\nname = "x"\nmatch = "y"\naccounts = ["ghost"]\n',
            "filters[0].accounts[0]",
            "configured account",
        ),
    ],
)
def test_bad_value_names_the_dotted_key_and_what_was_expected(
    tmp_path: Path, text: str, key: str, expected: str
) -> None:
    error = error_for(tmp_path, text)
    assert error.key == key
    assert expected in error.expected
    assert f": {key}: expected " in str(error)
    assert error.line is not None


def test_loopback_http_server_is_allowed_for_local_servers(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            '[[accounts]]\nname = "t"\nnetwork = "mastodon"\nserver = "http://127.0.0.1:8080"\n',
        )
    )
    assert config.account("t").server == "http://127.0.0.1:8080"


def test_bluesky_server_defaults_to_bsky_social(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[[accounts]]\nname = "s"\nnetwork = "bluesky"\n'))
    assert config.account("s").server == DEFAULT_BLUESKY_SERVER
    with pytest.raises(KeyError, match="known: s"):
        config.account("nope")


def full_config(path: Path) -> Config:
    config = Config(
        ui=UiConfig(theme="ansi", relative_time=False, wide_width=120, timeline_limit=20),
        compose=ComposeConfig(visibility="unlisted", language="de", editor="nvim -u NONE"),
        keymap={"timeline.down": "j,down", "app.quit": "ctrl+q"},
        filters=(
            FilterRule("spoilers", "finale", FilterAction.WARN),
            FilterRule("crypto", r"\bnft\b", regex=True, whole_word=False, networks=("nostr",)),
        ),
        path=path,
    )
    config = add_account(
        config,
        Account(
            "m",
            NetworkKind.MASTODON,
            "https://m.example",
            "@me@m.example",
            {"streaming": False, "default_feed": "local"},
        ),
    )
    config = add_account(
        config,
        Account(
            "b", NetworkKind.BLUESKY, handle="me.bsky.social", options={"labelers": ["did:plc:abc"]}
        ),
    )
    config = add_account(
        config, Account("n", NetworkKind.NOSTR, options={"relays": ["ws://127.0.0.1:7777"]})
    )
    filters = (
        *config.filters,
        FilterRule("bots", "", authors=("@bot@m.example",), accounts=("m",)),
    )
    from dataclasses import replace

    return replace(
        config, filters=filters, compose=replace(config.compose, default_accounts=("m", "n"))
    )


def test_save_then_load_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "config.toml"
    config = full_config(path)
    save_config(config)
    loaded = load_config(path)
    assert loaded == config
    assert loaded.account("b").server == DEFAULT_BLUESKY_SERVER
    assert loaded.account("b").options["labelers"] == ("did:plc:abc",)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    # No temp file left; the lock file stays (deleting it would race with another writer).
    assert sorted(p.name for p in path.parent.iterdir()) == ["config.toml", "config.toml.lock"]


def test_add_account_checks_like_the_file_does(tmp_path: Path) -> None:
    config = full_config(tmp_path / "c.toml")
    with pytest.raises(ConfigError, match=r"accounts\[3\]\.name: expected a unique name"):
        add_account(config, Account("m", NetworkKind.NOSTR))
    with pytest.raises(ConfigError, match=r"accounts\[3\]\.server"):
        add_account(config, Account("x", NetworkKind.MASTODON, "ftp://x"))


def test_remove_account_drops_references_so_the_file_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    config = remove_account(full_config(path), "m")
    assert [a.name for a in config.accounts] == ["b", "n"]
    assert config.compose.default_accounts == ("n",)
    assert "bots" not in [f.name for f in config.filters]  # limited to "m" only
    save_config(config)
    assert load_config(path) == config
    with pytest.raises(KeyError):
        remove_account(config, "m")


def test_quoted_and_dotted_keys_are_located(tmp_path: Path) -> None:
    error = error_for(tmp_path, '"a.b" = 1\n')
    assert error.key == '"a.b"' and error.line == 1
    error = error_for(tmp_path, 'ui.theme = "nord"\nui.wide_width = 5\n')
    assert error.key == "ui.wide_width" and error.line == 2
