"""The files an export writes: safe to look at, and resumable without duplicates."""

from __future__ import annotations

import json
import re

import pytest

from tests.support import hostile_strings
from tui.export import ExportRefused, folder_name, plan_folders
from tui.export.base import JsonlWriter, dumps

TERMINAL_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


@pytest.mark.parametrize(("name", "text"), hostile_strings())
def test_hostile_text_round_trips_and_cannot_drive_a_terminal(name, text):
    line = dumps({"id": "1", "content": text, "nested": [text]})
    assert not TERMINAL_CONTROLS.search(line), name
    line.encode("utf-8")  # lone surrogates are escaped, not left unwritable
    assert json.loads(line) == {"id": "1", "content": text, "nested": [text]}


def test_resuming_drops_a_cut_line_and_skips_what_was_written(tmp_path):
    path = tmp_path / "events.jsonl"
    with JsonlWriter(path) as out:
        assert out.add({"id": "a", "n": 1})
        assert out.add({"id": "b", "n": 2})
        assert not out.add({"id": "a", "n": 1})
    with path.open("a") as f:
        f.write('{"id": "c", "n"')  # the interrupted run stopped mid-line
    with JsonlWriter(path, resume=True) as out:
        assert out.kept == 2
        assert not out.add({"id": "b", "n": 2})
        assert out.add({"id": "c", "n": 3})
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [o["id"] for o in lines] == ["a", "b", "c"]
    assert path.stat().st_mode & 0o077 == 0


def test_a_non_empty_account_folder_is_refused_unless_forced_or_resumed(tmp_path):
    (tmp_path / folder_name("alice@example.social")).mkdir()
    (tmp_path / folder_name("alice@example.social") / "posts.jsonl").write_text("{}\n")
    with pytest.raises(ExportRefused, match="--resume.*--force"):
        plan_folders(tmp_path, ["alice@example.social", "bob"])
    assert plan_folders(tmp_path, ["alice@example.social"], force=True)
    assert plan_folders(tmp_path, ["alice@example.social"], resume=True)


def test_account_names_become_distinct_plain_folder_names(tmp_path):
    folders = plan_folders(tmp_path, ["a/b", "a:b", "../x", "nostr"])
    assert all(f.parent == tmp_path for f in folders.values())
    assert len(set(folders.values())) == 4
    assert folders["nostr"].name == "nostr"
