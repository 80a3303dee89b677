"""Asking every account at once (`Session.ask_each`): what the lists, mutes, requests,
scheduled and messages views and commands are built on."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.session.test_outbox import session_with
from tests.ui.fakes import FakeNetwork, Transient
from tui.networks.base import Unsupported


async def test_each_account_answers_fails_or_cannot_in_its_own_place(tmp_path: Path) -> None:
    nets = [FakeNetwork(name) for name in ("a", "closed", "b", "down", "cannot")]
    nets[1].fail["open"] = Transient("server unreachable", account="closed")
    session, _cache = session_with(tmp_path, *nets)

    async def ask(network: FakeNetwork) -> list[str]:
        name = network.account.name
        if name == "down":
            raise Transient("no answer within 20 s", account=name)
        if name == "cannot":
            raise Unsupported("this network has no such list")
        return [f"{name}1", f"{name}2"]

    answers = await session.ask_each(ask)
    assert answers.found == [("a", "a1"), ("a", "a2"), ("b", "b1"), ("b", "b2")]
    assert answers.failed == [("closed", "server unreachable"), ("down", "no answer within 20 s")]
    assert answers.unsupported == [("cannot", "this network has no such list")]
    assert answers.notes == [
        "closed: server unreachable",
        "down: no answer within 20 s",
        "cannot: this network has no such list",
    ]
    only = await session.ask_each(ask, ["b"])
    assert only.found == [("b", "b1"), ("b", "b2")] and not only.notes


async def test_a_bug_while_asking_is_raised_not_reported_as_a_network_failure(
    tmp_path: Path,
) -> None:
    session, _cache = session_with(tmp_path, FakeNetwork("a"))

    async def broken(network: FakeNetwork) -> list[str]:
        raise KeyError("a bug")

    with pytest.raises(KeyError):
        await session.ask_each(broken)
