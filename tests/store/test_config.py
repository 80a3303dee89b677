"""config.toml: the example loads, errors name file/key/line, save and load round-trip."""

from __future__ import annotations

import difflib
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
    load_config,
)
from tui.store.config_edit import add_account, remove_account, save_config

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
    options = {o.name for d in all_declared().values() for o in d if not o.recorded}
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


# ----- account options come from the networks' declarations ---------------------------------


def test_mastodon_poll_interval_and_streaming_are_typed_options(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            "[[accounts]]\n"
            'name = "m"\nnetwork = "mastodon"\nserver = "https://m.example"\n'
            "poll_interval = 15\nstreaming = false\n",
        )
    )
    options = config.account("m").options
    assert options["poll_interval"] == 15.0 and options["streaming"] is False
    assert options["default_feed"] == "home"  # declared default filled in


def test_option_defaults_are_applied(tmp_path: Path) -> None:
    config = load_config(
        write(tmp_path, '[[accounts]]\nname = "m"\nnetwork = "mastodon"\nserver = "https://m.x"\n')
    )
    assert dict(config.account("m").options) == {
        "default_feed": "home",
        "streaming": True,
        "poll_interval": 60,
    }


def test_nostr_section_is_the_default_of_every_nostr_account(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            '[nostr]\ndefault_relays = ["ws://127.0.0.1:7001"]\n'
            "max_relays_total = 3\nmax_relays_per_author = 1\n\n"
            '[[accounts]]\nname = "plain"\nnetwork = "nostr"\n\n'
            '[[accounts]]\nname = "empty"\nnetwork = "nostr"\nrelays = []\n\n'
            '[[accounts]]\nname = "own"\nnetwork = "nostr"\nrelays = ["wss://mine.example"]\n'
            "max_relays_total = 9\n",
        )
    )
    for name in ("plain", "empty"):
        options = config.account(name).options
        assert options["relays"] == ("ws://127.0.0.1:7001",)
        assert options["max_relays_total"] == 3 and options["max_relays_per_author"] == 1
    own = config.account("own").options
    assert own["relays"] == ("wss://mine.example",)
    assert own["max_relays_total"] == 9 and own["max_relays_per_author"] == 1


def test_adapter_receives_the_configured_nostr_relays_and_caps(tmp_path: Path) -> None:
    from tui.networks.nostr.network import NostrNetwork
    from tui.networks.nostr.keys import Keys

    config = load_config(
        write(
            tmp_path,
            '[nostr]\ndefault_relays = ["ws://127.0.0.1:7001"]\nmax_relays_total = 1\n\n'
            '[[accounts]]\nname = "n"\nnetwork = "nostr"\n',
        )
    )
    network = NostrNetwork(config.account("n"), {"nsec": Keys.generate().nsec})
    assert network.relays == ["ws://127.0.0.1:7001"] and network.total == 1


def test_an_option_of_another_network_names_the_line(tmp_path: Path) -> None:
    error = error_for(
        tmp_path, '[[accounts]]\nname = "n"\nnetwork = "nostr"\n\npoll_interval = 30\n'
    )
    assert error.key == "accounts[0].poll_interval" and error.line == 5
    assert "applies only to mastodon accounts" in error.expected


def test_a_misspelt_option_suggests_the_declared_one(tmp_path: Path) -> None:
    error = error_for(
        tmp_path,
        '[[accounts]]\nname = "m"\nnetwork = "mastodon"\nserver = "https://m.x"\n'
        "poll_intervall = 30\n",
    )
    assert error.line == 5 and "did you mean accounts[0].poll_interval?" in str(error)


def test_an_option_of_the_wrong_type_names_the_key_and_line(tmp_path: Path) -> None:
    error = error_for(
        tmp_path,
        '[[accounts]]\nname = "m"\nnetwork = "mastodon"\nserver = "https://m.x"\n'
        'poll_interval = "often"\n',
    )
    assert error.key == "accounts[0].poll_interval" and error.line == 5
    assert "seconds" in error.expected


def test_option_declarations_load_without_network_libraries() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from tui.store.config import load_config\n"
        "from tui.networks.options import all_declared\n"
        "all_declared()\n"
        "heavy = [m for m in ('httpx', 'websockets', 'textual', 'nostr_sdk') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# ----- edits keep the user's file ------------------------------------------------------------


def uncommented_example() -> str:
    """config.example.toml with its commented examples switched on."""
    text = re.sub(r"^#(?=[\[a-z\"])", "", EXAMPLE.read_text(), flags=re.M)
    return text.replace('passphrase_command = "pass show murmur"\n', "")  # a second value


def test_adding_an_account_keeps_comments_order_and_table_style(tmp_path: Path) -> None:
    from tui.store.config_edit import update_config

    path = write(tmp_path, uncommented_example())
    before = path.read_text().splitlines()
    account = Account("new", NetworkKind.NOSTR, options={"relays": ["ws://127.0.0.1:9"]})
    update_config(lambda c: add_account(c, account), path)
    after = path.read_text()
    lines = after.splitlines()
    # Every line of the user's file stays, in order; the new table is the only addition.
    ops = difflib.SequenceMatcher(a=before, b=lines, autojunk=False).get_opcodes()
    assert {op[0] for op in ops} == {"equal", "insert"}
    inserted = [line for op in ops if op[0] == "insert" for line in lines[op[3] : op[4]]]
    assert [line for line in inserted if line] == [
        "[[accounts]]",
        'name = "new"',
        'network = "nostr"',
        'relays = ["ws://127.0.0.1:9"]',
    ]
    assert len(re.findall(r"^\[\[filters\]\]$", after, re.M)) == 3
    assert "filters = [" not in after
    assert load_config(path).account("new").options["relays"] == ("ws://127.0.0.1:9",)


def test_removing_an_account_keeps_the_rest_of_the_file(tmp_path: Path) -> None:
    from tui.store.config_edit import update_config

    text = uncommented_example()
    path = write(tmp_path, text)
    update_config(lambda c: remove_account(c, "sky"), path)
    after = path.read_text()
    assert "# Murmur configuration: every option, with its default value." in after
    assert 'name = "sky"' not in after and 'name = "social"' in after and 'name = "nostr"' in after
    assert len(re.findall(r"^\[\[accounts\]\]$", after, re.M)) == 2
    assert len(re.findall(r"^\[\[filters\]\]$", after, re.M)) == 3
    removed = [line for line in text.splitlines() if line not in after.splitlines()]
    assert all(
        "sky" in line
        or line.startswith(("network", "server", "handle", "labelers", "report_to", "service"))
        or line in ("[[accounts]]", 'default_feed = "home"', "")
        for line in removed
    ), removed


def test_concurrent_edits_keep_every_account(tmp_path: Path) -> None:
    import threading

    from tui.store.config_edit import update_config

    path = write(tmp_path, EXAMPLE.read_text())
    names = [f"a{i}" for i in range(12)]
    start = threading.Barrier(len(names))

    def login(name: str) -> None:
        start.wait()
        update_config(lambda c: add_account(c, Account(name, NetworkKind.NOSTR)), path)

    threads = [threading.Thread(target=login, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(a.name for a in load_config(path).accounts) == sorted(names)


def test_save_keeps_a_new_first_account_first_and_dotted_keys(tmp_path: Path) -> None:
    from dataclasses import replace

    path = write(
        tmp_path,
        '# mine\nui.theme = "nord"\n\n[[accounts]]\nname = "x"\nnetwork = "nostr"\n',
    )
    config = load_config(path)
    first = add_account(Config(), Account("demo", NetworkKind.NOSTR)).accounts[0]
    changed = replace(
        config, accounts=(first, *config.accounts), compose=ComposeConfig(visibility="unlisted")
    )
    save_config(changed, path)
    loaded = load_config(path)
    assert [a.name for a in loaded.accounts] == ["demo", "x"]
    assert loaded.ui.theme == "nord" and loaded.compose.visibility == "unlisted"
    assert path.read_text().startswith('# mine\nui.theme = "nord"\n')


def test_removing_the_last_account_then_logging_in_again_keeps_a_valid_file(
    tmp_path: Path,
) -> None:
    from tui.store.config_edit import update_config

    path = tmp_path / "config.toml"
    first = Account("first", NetworkKind.NOSTR, options={"relays": ["ws://127.0.0.1:9"]})
    second = Account("second", NetworkKind.NOSTR, options={"relays": ["ws://127.0.0.1:9"]})
    update_config(lambda c: add_account(c, first), path)
    update_config(lambda c: remove_account(c, "first"), path)
    assert load_config(path).accounts == ()
    update_config(lambda c: add_account(c, second), path)
    assert [a.name for a in load_config(path).accounts] == ["second"]
    # A file someone wrote with an empty inline array takes tables too.
    path.write_text("accounts = []\n")
    update_config(lambda c: add_account(c, first), path)
    assert [a.name for a in load_config(path).accounts] == ["first"]
