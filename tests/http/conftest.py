"""Fixtures: two scripted HTTP servers on 127.0.0.1 (two origins)."""

from __future__ import annotations

import pytest
from .scripted_server import ScriptedServer


@pytest.fixture
async def server():
    srv = ScriptedServer()
    await srv.start()
    yield srv
    await srv.stop()


@pytest.fixture
async def other_server():
    srv = ScriptedServer()
    await srv.start()
    yield srv
    await srv.stop()
