"""config.example.toml stays true to the code: its keymap examples name real binding ids, and
every default key named in DESIGN.md is bound."""

from __future__ import annotations

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
