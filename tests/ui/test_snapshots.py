"""How the app looks at 80x24 and 160x48: main, thread, compose, notifications, help, login.

Deterministic: fixed data from the fakes, a fixed clock (conftest), no cursor blink.
Update with `pytest tests/ui/test_snapshots.py --snapshot-update` after checking the diff.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input, TextArea

from tests.ui.pilot import started
from tui.ui.screens.login import LoginScreen
from tui.ui.widgets.timeline import ItemList

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


def _still(app) -> None:
    # Heights are otherwise measured in idle time slices: measure all so scrollbars are stable.
    for item_list in app.screen.query(ItemList):
        if item_list.item_count:
            item_list._measure_to_index(item_list.item_count - 1)
            item_list.refresh()
    for widget in app.screen.query("TextArea, Input"):
        if isinstance(widget, (TextArea, Input)):
            widget.cursor_blink = False


async def _ready(pilot) -> None:
    await started(pilot)
    pilot.app.clear_notifications()
    _still(pilot.app)
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_main(snap_compare, build_app, networks, size):
    assert snap_compare(build_app(networks), terminal_size=size, run_before=_ready)


@pytest.mark.parametrize("size", SIZES)
def test_thread(snap_compare, build_app, networks, size):
    async def open_thread(pilot):
        await started(pilot)
        await pilot.press("j", "enter")
        await _ready(pilot)

    assert snap_compare(build_app(networks), terminal_size=size, run_before=open_thread)


@pytest.mark.parametrize("size", SIZES)
def test_compose(snap_compare, build_app, networks, size):
    async def write(pilot):
        await started(pilot)
        await pilot.press("r", *"Nice post, thanks!")
        await _ready(pilot)

    assert snap_compare(build_app(networks), terminal_size=size, run_before=write)


@pytest.mark.parametrize("size", SIZES)
def test_notifications(snap_compare, build_app, networks, size):
    async def show(pilot):
        await started(pilot)
        await pilot.press("alt+2")
        await _ready(pilot)

    assert snap_compare(build_app(networks), terminal_size=size, run_before=show)


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare, build_app, networks, size):
    async def show(pilot):
        await started(pilot)
        await pilot.press("question_mark")
        await _ready(pilot)

    assert snap_compare(build_app(networks), terminal_size=size, run_before=show)


@pytest.mark.parametrize("size", SIZES)
def test_login(snap_compare, build_app, networks, size):
    async def show(pilot):
        await started(pilot)
        pilot.app.push_screen(LoginScreen())
        await _ready(pilot)

    assert snap_compare(build_app(networks), terminal_size=size, run_before=show)
