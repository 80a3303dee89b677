"""The app's "Export account…" (command palette) runs the same export, with a progress bar."""

from __future__ import annotations

import asyncio

import pytest

from tests.export.helpers import jsonl
from tests.nostr.conftest import raw_publish
from tests.ui.conftest import make_cache
from tests.ui.pilot import started
from tui.model import Account, NetworkKind
from tui.networks.nostr.event import sign
from tui.networks.nostr.keys import Keys
from tui.networks.nostr.network import NostrNetwork
from tui.session import Session
from tui.store.config import Config

pytestmark = pytest.mark.network

SIZE = (100, 40)
PASSWORD = "app export password"


async def wait_for(pilot, ready, what: str, rounds: int = 200) -> None:
    for _ in range(rounds):  # each round lets the app handle what is pending
        if ready():
            return
        await pilot.pause()
    raise AssertionError(f"never: {what}")


async def test_palette_export_writes_the_account_with_a_progress_bar(local_relay, tmp_path):
    from textual.command import CommandList
    from textual.widgets import ProgressBar, Static

    from tui.ui.app import MurmurApp
    from tui.ui.screens.export import DEFAULT_FOLDER, ExportScreen

    keys = Keys.generate()
    await raw_publish(local_relay.url, sign(keys, 1, "exported from the app"))
    account = Account("me", NetworkKind.NOSTR, options={"relays": [local_relay.url]})
    net = NostrNetwork(account, {"nsec": keys.nsec})
    config = Config(accounts=(account,))
    session = Session(config, cache=make_cache(tmp_path), networks={"me": net})
    app = MurmurApp(session, config=config)
    dest = tmp_path / "exports"
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"Export")
        commands = app.screen.query_one(CommandList)
        await wait_for(
            pilot,
            lambda: (
                commands.option_count
                and "Export account" in str(commands.get_option_at_index(0).prompt)
            ),
            "the palette offers Export account…",
        )
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen), "the export screen")
        await pilot.press("end", *["backspace"] * len(DEFAULT_FOLDER), *str(dest))
        await pilot.click("#export-password")
        await pilot.press(*PASSWORD)
        await pilot.press("ctrl+s")
        status = app.screen.query_one("#export-status", Static)
        await asyncio.wait_for(app.screen.finished.wait(), 120)
        await pilot.pause()
        assert "Exported to" in str(status.content)
        assert "every account is complete" in str(status.content)
        bar = app.screen.query_one(ProgressBar)
        assert bar.total == 1 and bar.progress == 1
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.main_screen

    folder = dest / "me"
    assert [p["text"] for p in jsonl(folder / "posts.jsonl")] == ["exported from the app"]
    from nostr_sdk import EncryptedSecretKey

    ncryptsec = (folder / "nostr_key.ncryptsec").read_text().strip()
    assert EncryptedSecretKey.from_bech32(ncryptsec).decrypt(PASSWORD).to_hex() == keys.secret.hex()
