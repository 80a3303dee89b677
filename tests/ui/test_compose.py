"""Composer flows: send, cross-post with per-target states, retry, $EDITOR, drafts, quit."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from tests.ui.pilot import started, toasts
from tui.networks.base import Transient
from tui.ui.screens.confirm import ConfirmScreen

NARROW = (80, 24)
WIDE = (160, 48)


def pane(app):
    return app.main_screen.query_one("#compose-pane")


async def test_compose_and_send_publishes_and_clears(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("c")
        await pilot.press(*"hello")
        assert "masto: 495 left" in pane(app).counters_text()
        await pilot.press("ctrl+s")
        await started(pilot)
        sent = [d for op, d in networks["masto"].calls if op == "publish"]
        assert [d.text for d in sent] == ["hello"]
        assert pane(app).text_area.text == ""
        assert "masto: sent" in pane(app).outbox_text()
        assert not [c for c in networks["sky2"].calls if c[0] == "publish"]


async def test_after_sending_everywhere_focus_returns_to_the_timeline(build_app, networks):
    from textual.widgets import TextArea

    from tui.ui.widgets.timeline import PostList

    for size in (NARROW, WIDE):
        app = build_app(networks)
        async with app.run_test(size=size) as pilot:
            await started(pilot)
            main = app.main_screen
            await pilot.press("c", *"done", "ctrl+s")
            await started(pilot)
            assert pane(app).text_area.text == ""
            assert isinstance(app.focused, PostList) and app.focused.id == "timeline"
            assert main.query_one("#timeline-pane").has_class("current")
            assert main.query_one("#tabs").current == "timeline"
            # Our own post arrived above the selection, which stays on the post it was on.
            before = app.focused.selected_index
            await pilot.press("j")
            assert app.focused.selected_index == before + 1
            networks["masto"].fail["publish"] = Transient("down", account="masto")
            await pilot.press("c", *"again", "ctrl+s")
            await started(pilot)
            assert isinstance(app.focused, TextArea) and app.focused.text == "again"
            assert "masto: failed" in pane(app).outbox_text()
            del networks["masto"].fail["publish"]


async def test_cross_post_shows_each_target_state_and_retries_the_failed(build_app, networks):
    app = build_app(networks)
    networks["sky2"].fail["publish"] = Transient("PDS unreachable", account="sky2")
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("c", *"both", "tab", "tab")  # text → CW → target list
        targets = app.main_screen.query_one("#compose-targets")
        assert app.focused is targets
        await pilot.press("down", "space")  # tick sky2 as well
        assert pane(app).targets == ["masto", "sky2"]
        assert "sky2: 296 left" in pane(app).counters_text()  # Bluesky's 300 limit
        await pilot.press("ctrl+s")
        await started(pilot)
        outbox = pane(app).outbox_text()
        assert "masto: sent" in outbox
        assert "sky2: failed" in outbox and "PDS unreachable" in outbox
        assert pane(app).text_area.text == "both"  # kept: not everything was sent
        assert any("ctrl+r" in t for t in toasts(app))
        del networks["sky2"].fail["publish"]
        await pilot.press("ctrl+r")
        await started(pilot)
        assert "sky2: sent" in pane(app).outbox_text()
        assert [d.text for op, d in networks["sky2"].calls if op == "publish"] == ["both", "both"]


async def test_sending_state_is_visible_while_the_server_thinks(build_app, networks):
    app = build_app(networks)
    gate = networks["masto"].publish_gate = asyncio.Event()
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("c", *"slow", "ctrl+s")
        for _ in range(20):
            await pilot.pause()
            if "sending" in pane(app).outbox_text():
                break
        assert "masto: sending" in pane(app).outbox_text()
        gate.set()
        await started(pilot)
        assert "masto: sent" in pane(app).outbox_text()


async def test_editor_round_trip(build_app, networks, tmp_path: Path, monkeypatch):
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys, pathlib\n"
        "p = pathlib.Path(sys.argv[1])\n"
        "p.write_text(p.read_text() + ' edited in the editor\\n')\n"
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.delenv("VISUAL", raising=False)
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("c", *"draft")
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert pane(app).text_area.text == "draft edited in the editor"
        await pilot.press("escape", "e")  # from the timeline too
        await pilot.pause()
        assert pane(app).text_area.text == "draft edited in the editor edited in the editor"


async def test_the_editor_never_sees_the_vault_passphrase(
    build_app, networks, tmp_path: Path, monkeypatch
):
    seen = tmp_path / "seen"
    script = tmp_path / "editor.py"
    script.write_text(
        "import os, sys, pathlib\n"
        f"pathlib.Path({str(seen)!r}).write_text(repr(sorted(os.environ)))\n"
        "pathlib.Path(sys.argv[1]).write_text('from the editor\\n')\n"
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("MURMUR_PASSPHRASE", "correct horse")
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("c", "ctrl+e")
        await pilot.pause()
        assert pane(app).text_area.text == "from the editor"
        names = seen.read_text()
        assert "MURMUR_HOME" in names and "MURMUR_PASSPHRASE" not in names


async def test_quit_with_a_draft_asks_first(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("c", *"unsent words", "escape", "q")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert app.is_running and not isinstance(app.screen, ConfirmScreen)
        await pilot.press("q", "y")
        await pilot.pause()
    assert app.return_code == 0


async def test_quit_without_a_draft_does_not_ask(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_draft_autosaves_and_comes_back(build_app, networks, tmp_path: Path):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("c", *"keep me")
        pane(app).save_draft()  # what the debounce timer does after a quiet second
        cache = app.session.cache
    again = build_app(networks)
    again.session.cache = cache.__class__(tmp_path / "cache.sqlite")
    async with again.run_test(size=NARROW) as pilot:
        await started(pilot)
        assert pane(again).text_area.text == "keep me"


async def test_fields_follow_the_targets_once_their_accounts_connect(tmp_path, networks):
    """After a normal start the accounts connect after the first paint: visibility and media
    fields appear then, and the counter shows the server's own limit."""
    from types import SimpleNamespace

    from tui.session import Session
    from tui.ui.app import MurmurApp

    from tests.ui.conftest import make_cache, make_config

    config = make_config(networks)
    session = Session(config, cache=make_cache(tmp_path), networks={})
    session.vault = SimpleNamespace(get=lambda name: {})  # unlocked, networks not yet made
    app = MurmurApp(session, config=config)
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        composer = pane(app)
        assert not composer.query_one("#compose-visibility").display
        assert not composer.query_one("#compose-media").display
        session.networks.update(networks)
        await session.open_all()
        await pilot.pause()
        assert composer.query_one("#compose-visibility").display
        assert composer.query_one("#compose-media").display
        assert "masto: 500 left" in composer.counters_text()


async def test_a_post_over_a_targets_limit_is_not_sent(build_app, networks):
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        await pilot.press("c")
        pane(app).text_area.text = "x" * 503
        await pilot.press("ctrl+s")
        await started(pilot)
        assert "masto: -3 left" in pane(app).counters_text()
        assert any("masto: 503 characters, 3 over its limit of 500" in t for t in toasts(app))
        assert not [c for c in networks["masto"].calls if c[0] == "publish"]
        assert app.session.pending() == []


async def test_start_retries_the_outbox_and_ctrl_r_retries_what_still_failed(
    build_app, networks, tmp_path
):
    from tui.model import Draft
    from tui.store.cache import Cache

    earlier = Cache(tmp_path / "cache.sqlite")
    entries = [earlier.enqueue(Draft(t, targets=("masto",)))[0] for t in ("one", "two")]
    for entry in entries:
        earlier.mark_sending(entry.id)
        earlier.mark_failed(entry.id, "masto: could not connect")
    earlier.close()
    networks["masto"].fail["publish"] = Transient("still down", account="masto")
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        tried = [d.text for op, d in networks["masto"].calls if op == "publish"]
        assert sorted(tried) == ["one", "two"]  # start-up tried the earlier run's posts
        assert len(app.session.pending()) == 2
        del networks["masto"].fail["publish"]
        networks["masto"].calls.clear()
        await pilot.press("c", "ctrl+r")
        await started(pilot)
        sent = [d.text for op, d in networks["masto"].calls if op == "publish"]
        assert sorted(sent) == ["one", "two"]
        assert app.session.pending() == []


async def test_a_warning_bluesky_cannot_label_is_announced_and_its_labels_offered(
    build_app, networks
):
    from textual.widgets import Input, SelectionList

    from tui.networks.base import Limits

    labels = (("nudity", "Nudity"), ("graphic-media", "Graphic media"))
    networks["sky2"]._limits = Limits(max_chars=300, self_labels=labels)
    app = build_app(networks)
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        composer = pane(app)
        composer.query_one("#compose-targets", SelectionList).select("sky2")
        await pilot.pause()
        note = composer.query_one("#compose-cw-note")
        cw = composer.query_one("#compose-cw", Input)
        cw.value = "spoilers for the finale"
        await pilot.pause()
        assert note.display
        said = str(note.render())
        assert "sky2: Bluesky has no free-text warnings" in said
        assert '"CW: spoilers for the finale" goes at the top of the post' in said
        assert "nudity, graphic-media" in said
        cw.value = "Graphic media"  # one of its labels: sent as that label, nothing to say
        await pilot.pause()
        assert not note.display
        cw.value = ""
        cw.focus()
        await pilot.press(*"gra")
        await pilot.pause()
        assert cw._suggestion == "graphic-media"


async def test_the_composer_opens_before_it_was_built(build_app, networks):
    """The composer is built after the first page is painted; `c` pressed before that builds
    it at once, focused, and what is typed next is text in it."""
    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        assert app.main_screen.composer is None  # the first page is not in yet
        await pilot.press("c", *"jj gg")
        assert pane(app).text_area.text == "jj gg"
        await started(pilot)
        assert pane(app).text_area.text == "jj gg"
        assert pane(app).has_class("current")


async def test_a_saved_draft_is_kept_and_counted_before_the_composer_is_built(
    build_app, networks, tmp_path: Path, monkeypatch
):
    """Before the composer is built its draft is the one saved in the cache: quitting asks
    first, and a signal's save-everything does not overwrite it with an empty form."""
    from tui.model import Draft
    from tui.store.cache import COMPOSE_DRAFT
    from tui.ui.screens.main import MainScreen

    app = build_app(networks)
    app.session.cache.save_draft(COMPOSE_DRAFT, Draft(text="half a thought"))
    monkeypatch.setattr(MainScreen, "build_composer", lambda self: None)  # not built yet
    async with app.run_test(size=NARROW) as pilot:
        await started(pilot)
        assert app.main_screen.composer is None
        app.save_draft_now()
        assert app.session.cache.load_draft().text == "half a thought"
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmScreen)


@pytest.mark.parametrize("built", [False, True], ids=["composer-not-built", "composer-built"])
async def test_text_typed_in_one_burst_after_c_lands_in_the_composer(build_app, networks, built):
    """A terminal delivers keys typed ahead in one burst: after `c`, they are text for the
    composer, not timeline keys (`e` would open $EDITOR, `j` move the selection), whether the
    composer was built yet or not."""
    from textual import events
    from textual.keys import _character_to_key

    app = build_app(networks)
    async with app.run_test(size=NARROW) as pilot:
        if built:
            await started(pilot)
        for char in "cjj hello":
            app.post_message(events.Key(_character_to_key(char), char))
        await started(pilot)
        assert pane(app).text_area.text == "jj hello"
        assert app.main_screen.query_one("#timeline").selected_index == 0
        await pilot.press("escape", "c")  # `c` opens the composer again...
        await pilot.press("tab", "c")  # ...and in a text field it is a letter
        assert pane(app).query_one("#compose-cw").value == "c"
