"""The outbox screen: what waits to be sent, retried, edited back in the composer or dropped."""

from __future__ import annotations

from tests.ui.pilot import started, toasts
from tui.model import Draft
from tui.networks.base import BadResponse
from tui.store.cache import Cache
from tui.ui.screens.outbox import OutboxScreen, open_outbox

SIZE = (100, 30)


def seed(tmp_path, *texts_and_rejection: tuple[str, bool]) -> None:
    cache = Cache(tmp_path / "cache.sqlite")
    for text, rejected in texts_and_rejection:
        [entry] = cache.enqueue(Draft(text, targets=("masto",), visibility="public"))
        cache.mark_sending(entry.id)
        cache.mark_failed(entry.id, "masto: server said no" if rejected else "masto: down",
                          needs_edit=rejected)  # fmt: skip
    cache.close()


def screen_text(app) -> str:
    screen = app.screen
    assert isinstance(screen, OutboxScreen)
    return "\n".join(str(o.prompt) for o in screen.query_one("#outbox-list")._options)


async def test_the_outbox_lists_retries_and_sends_what_failed(build_app, networks, tmp_path):
    seed(tmp_path, ("waiting for the network", False), ("rejected as it is", True))
    rejection = BadResponse("still no", account="masto", status=503)
    networks["masto"].fail["publish"] = rejection  # start-up's retry fails too
    app = build_app(networks)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        del networks["masto"].fail["publish"]
        open_outbox(app)
        await pilot.pause()
        text = screen_text(app)
        assert "waiting for the network" in text and "failed, will retry" in text
        assert "rejected as it is" in text and "needs an edit" in text
        await pilot.press("a")
        await started(pilot)
        assert any("1 of 1 sent" in t for t in toasts(app))
        assert "waiting for the network" not in screen_text(app)
        await pilot.press("r")  # the rejected one is not sent unchanged
        await started(pilot)
        assert any("edit it" in t for t in toasts(app))
        assert [e.draft.text for e in app.session.pending()] == ["rejected as it is"]


async def test_edit_takes_a_rejected_post_back_to_the_composer(build_app, networks, tmp_path):
    seed(tmp_path, ("fix me please", True))
    app = build_app(networks)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        open_outbox(app)
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        composer = app.main_screen.query_one("#compose-pane")
        assert composer.text_area.text == "fix me please"
        assert app.session.pending() == []
        assert app.session.cache.load_draft().text == "fix me please"  # kept as the draft


async def test_drop_asks_first(build_app, networks, tmp_path):
    seed(tmp_path, ("never mind", True))
    app = build_app(networks)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        open_outbox(app)
        await pilot.pause()
        await pilot.press("d", "n")
        assert len(app.session.pending()) == 1
        await pilot.press("d", "y")
        await pilot.pause()
        assert app.session.pending() == []
        assert "empty" in str(app.screen.query_one("#outbox-summary").render())


async def test_O_opens_the_outbox_from_the_main_screen_and_help_lists_it(build_app, networks,
                                                                         tmp_path):  # fmt: skip
    from tui.ui import keymap

    seed(tmp_path, ("a post that waits", True))
    app = build_app(networks)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("O")
        await pilot.pause()
        assert "a post that waits" in screen_text(app)
        await pilot.press("O")  # already there: not opened twice
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.main_screen
    rows = {row.binding_id: row for row in keymap.help_rows({})}
    assert rows["app.outbox"].keys == "O" and "outbox" in rows["app.outbox"].description


async def test_the_palette_offers_the_outbox(build_app, networks, tmp_path):
    from textual.command import CommandList

    seed(tmp_path, ("from the palette", True))
    app = build_app(networks)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"Outbox")
        commands = app.screen.query_one(CommandList)
        for _ in range(200):  # the palette searches in a worker: wait for its hits
            await pilot.pause()
            if commands.option_count and "Outbox" in str(commands.get_option_at_index(0).prompt):
                break
        else:
            raise AssertionError("the palette never offered the outbox")
        await pilot.press("enter")
        await pilot.pause()
        assert "from the palette" in screen_text(app)
