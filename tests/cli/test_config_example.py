"""config.example.toml stays true to the code: its keymap examples name real binding ids, and
every default key named in DESIGN.md is bound."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from tui.store.config import load_config
from tui.ui.keymap import help_rows, unknown_ids

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def test_keymap_examples_name_real_binding_ids(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(re.sub(r"^#(?=\")", "", EXAMPLE.read_text(), flags=re.M))
    keymap = load_config(config).keymap
    assert keymap, "the example shows how to rebind keys"
    assert unknown_ids(keymap) == []


def test_every_default_key_from_the_design_is_bound():
    from tui.ui.app import MurmurApp

    bound = {key.strip() for row in help_rows({}) for key in row.keys.split(",")}
    bound.add(MurmurApp.COMMAND_PALETTE_BINDING)
    design = (
        "j k down up g G tab shift+tab enter escape r c e f b B o y u v slash R "
        "question_mark ctrl+p ctrl+s q".split()
    )
    missing = [k for k in design if k not in bound]
    assert missing == []


# ----- every documented key is read by the code, every declared option is documented -----------

TUI = Path(__file__).resolve().parents[2] / "tui"


def _source(under: Path, *, skip: tuple[str, ...] = ()) -> str:
    """The code under `under`, without config's own checking and the option declarations
    (those name every key, so they cannot count as reading one)."""
    parts = []
    for path in sorted(under.rglob("*.py")):
        relative = path.relative_to(TUI).as_posix()
        if relative in ("store/config.py", "networks/options.py") or path.name == "options.py":
            continue
        if relative in skip:
            continue
        parts.append(path.read_text())
    return "\n".join(parts)


def _example_with_examples_on() -> dict:
    import tomllib

    text = re.sub(r"^#(?=[\[a-z\"])", "", EXAMPLE.read_text(), flags=re.M)
    text = text.replace('passphrase_command = "pass show murmur"\n', "")  # a second value
    return tomllib.loads(text)


def _reads_option(code: str, name: str) -> bool:
    pattern = rf"""\b(options|opts)(\.get\(|\[)\s*["']{re.escape(name)}["']"""
    return re.search(pattern, code) is not None


def _config_readers(name: str) -> list[str]:
    """Methods of store/config.py that read account option `name` (for the code to call)."""
    import ast

    tree = ast.parse((TUI / "store" / "config.py").read_text())
    return [
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and _reads_option(ast.unparse(node), name)
    ]


def _read_anywhere(code: str, name: str) -> bool:
    """Read by the code itself, or by a config method that the code calls."""
    calls = [m for m in _config_readers(name) if re.search(rf"\.{m}\(", code)]
    return _reads_option(code, name) or bool(calls)


def test_every_key_in_the_example_is_read_by_the_code():
    from tui.networks.options import COMMON, all_declared
    from tui.store.config import _FILTER_KEYS, _SECTIONS

    example = _example_with_examples_on()
    everything = _source(TUI)
    unread: list[str] = []
    for section, (cls, _spec) in _SECTIONS.items():
        assert section in example, f"[{section}] is not in the example"
        fields = {f.name for f in dataclasses.fields(cls)}
        for key in example[section]:
            assert key in fields, f"{section}.{key} has no field in {cls.__name__}"
            if section == "nostr":
                # Read through the Nostr account options whose default it is.
                feeds = [
                    o
                    for o in all_declared()["nostr"]
                    if o.default_from == f"nostr.{key}"
                    and _reads_option(_source(TUI / "networks" / "nostr"), o.name)
                ]
                if not feeds:
                    unread.append(f"{section}.{key}")
            elif not re.search(rf"\b{section}(_config)?\.{key}\b", everything):
                unread.append(f"{section}.{key}")
    declared = all_declared()
    common = {o.name for o in COMMON}
    for i, account in enumerate(example["accounts"]):
        network = account["network"]
        adapter = _source(TUI / "networks" / network)
        options = {o.name: o for o in declared[network]}
        for key in account:
            if key in ("name", "network"):
                continue  # what every account is keyed and dispatched by
            if key in ("server", "handle"):
                if not re.search(rf"\baccount\.{key}\b", adapter):
                    unread.append(f"accounts[{i}].{key} ({network})")
                continue
            assert key in options, f"accounts[{i}].{key} is not declared by {network}"
            assert not options[key].recorded, f"{key} is a record, not a documented setting"
            where = everything if key in common else adapter
            if not _read_anywhere(where, key):
                unread.append(f"accounts[{i}].{key} ({network})")
    for i, rule in enumerate(example["filters"]):
        for key in rule:
            assert key in _FILTER_KEYS
            if not re.search(rf"\brule\.{key}\b", everything):
                unread.append(f"filters[{i}].{key}")
    assert unread == []


def test_recorded_options_are_written_by_their_login():
    from tui.networks.options import all_declared

    for network, options in all_declared().items():
        adapter = _source(TUI / "networks" / network)
        for option in options:
            if option.recorded:
                pattern = rf"""options=\{{[^}}]*["']{option.name}["']"""
                assert re.search(pattern, adapter), option.name


def test_the_example_documents_every_declared_option():
    from tui.networks.options import COMMON, all_declared

    text = EXAMPLE.read_text()
    example = _example_with_examples_on()
    for network, options in all_declared().items():
        table = next(a for a in example["accounts"] if a["network"] == network)
        for option in options:
            if option.recorded:
                assert not re.search(rf"^#\s+{option.name}\s", text, re.M), option.name
                continue
            prefix = "" if option in COMMON else f"{network}: "
            described = re.search(rf"^#\s+{option.name}\s+{re.escape(prefix)}\S", text, re.M)
            assert described, f"{option.name} ({network}) is not described in the example"
            assert option.name in table, f"the {network} example does not show {option.name}"


def test_show_counts_false_hides_the_counts_line():
    from datetime import UTC, datetime

    from tests.feed.factories import post
    from tui.ui.render import View, render_item

    item = post("p1")
    now = datetime.now(UTC)
    shown = render_item(item, View(80, now)).plain
    hidden = render_item(item, View(80, now, counts=False)).plain
    assert "♥" in shown and "♥" not in hidden


def test_first_feed_is_the_accounts_default_feed():
    from tui.model import FeedRef

    def first(*feeds: str) -> FeedRef:
        accounts = "".join(
            f'[[accounts]]\nname = "n{i}"\nnetwork = "nostr"\ndefault_feed = "{f}"\n'
            for i, f in enumerate(feeds)
        )
        import tempfile

        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "config.toml"
            path.write_text(accounts)
            return load_config(path).first_feed()

    assert first("tag:cats") == FeedRef.parse("tag:cats")
    assert first("tag:cats", "tag:cats") == FeedRef.parse("tag:cats")
    assert first("tag:cats", "public") == FeedRef.parse("home")
