"""UI test fixtures: an app over in-memory fake networks, a private MURMUR_HOME, fixed data."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest


from tests.ui.fakes import NOW, FakeNetwork, fake_pair
from tui.model import NetworkKind
from tui.session import Session
from tui.store.config import ComposeConfig, Config, UiConfig


def make_config(networks: dict[str, FakeNetwork], **changes: object) -> Config:
    accounts = tuple(n.account for n in networks.values())
    # Sent at once: the undo window has tests of its own (tests/ui/test_unread_undo.py).
    compose = ComposeConfig(
        default_accounts=(next(iter(networks)),) if networks else (), undo_send_seconds=0
    )
    fields: dict[str, object] = {"accounts": accounts, "compose": compose, "ui": UiConfig()}
    fields.update(changes)
    return Config(**fields)  # type: ignore[arg-type]


def make_cache(tmp_path: Path) -> object:
    from tui.store.cache import Cache

    return Cache(tmp_path / "cache.sqlite")


@pytest.fixture(autouse=True)
def _fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Relative times ("5m") must not depend on when the test runs."""
    from tui.ui import render
    from tui.ui.widgets import item_list

    def now() -> datetime:
        return NOW + timedelta(minutes=1)

    monkeypatch.setattr(render, "now_utc", now)
    monkeypatch.setattr(item_list, "now_utc", now)


@pytest.fixture(autouse=True)
def _private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    from tui import errorlog

    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    monkeypatch.setenv("MURMUR_HOME", str(home))
    monkeypatch.delenv("NO_COLOR", raising=False)
    errorlog.close()  # the error log opens again in this test's home
    yield home
    errorlog.close()


@pytest.fixture
def networks() -> dict[str, FakeNetwork]:
    return dict(fake_pair())


@pytest.fixture
def build_app(tmp_path: Path) -> Callable[..., object]:
    """Build a MurmurApp over fakes: build_app(networks, **config_changes)."""
    from tui.ui.app import MurmurApp

    def build(nets: dict[str, FakeNetwork], **changes: object) -> MurmurApp:
        config = make_config(nets, **changes)
        session = Session(config, cache=make_cache(tmp_path), networks=nets)
        return MurmurApp(session, config=config)

    return build


__all__ = ["FakeNetwork", "NetworkKind", "make_config"]
