"""Bluesky reports at the unit level: the createReport body checked against the lexicon.

A report a moderator actually receives, in Ozone, is in test_ozone.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.support import SHARED

from tui.model import Account, Author, NetworkKind, Post
from tui.networks.bluesky.network import BlueskyNetwork

LEXICONS = SHARED / "reference" / "atproto-lexicons"
DID = "did:plc:abcdefghijklmnopqrstuvwx"
URI = f"at://{DID}/app.bsky.feed.post/3kabc"


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.headers: list[dict[str, str]] = []

    async def procedure(self, nsid: str, body: Any = None, headers: Any = None) -> Any:
        self.calls.append((nsid, body))
        self.headers.append(dict(headers or {}))
        return {"id": 1}


def lexicon_check(body: dict[str, Any]) -> None:
    create = json.loads((LEXICONS / "com.atproto.moderation.createReport.json").read_text())
    defs = json.loads((LEXICONS / "com.atproto.moderation.defs.json").read_text())
    schema = create["defs"]["main"]["input"]["schema"]
    assert set(schema["required"]) <= set(body)
    assert set(body) <= set(schema["properties"])
    assert body["reasonType"] in defs["defs"]["reasonType"]["knownValues"]
    kinds = {r.removeprefix("lex:") for r in schema["properties"]["subject"]["refs"]}
    assert body["subject"]["$type"] in kinds
    assert len(body.get("reason", "")) <= schema["properties"]["reason"]["maxLength"]


@pytest.fixture
def recorded() -> tuple[BlueskyNetwork, Recorder]:
    account = Account("me.test", NetworkKind.BLUESKY, server="https://pds.invalid")
    network = BlueskyNetwork(account, {})
    recorder = Recorder()
    network._xrpc = recorder  # type: ignore[assignment]
    return network, recorder


def someone() -> Author:
    return Author(NetworkKind.BLUESKY, "me.test", f"bluesky:{DID}", "someone.test")


@pytest.mark.parametrize(
    ("category", "reason_type"),
    [
        ("spam", "com.atproto.moderation.defs#reasonSpam"),
        ("rude", "com.atproto.moderation.defs#reasonRude"),
        ("other", "com.atproto.moderation.defs#reasonOther"),
    ],
)
async def test_a_post_report_names_the_post_and_the_chosen_reason(recorded, category, reason_type):
    network, recorder = recorded
    post = Post(
        NetworkKind.BLUESKY,
        "me.test",
        f"bluesky:{URI}",
        datetime(2025, 1, 1, tzinfo=UTC),
        someone(),
        key=URI,
        ref={"cid": "bafyreib2rxk3rh6kzwq"},
    )
    await network.report(post, "words for the moderators", category=category)
    ((nsid, body),) = recorder.calls
    assert nsid == "com.atproto.moderation.createReport"
    lexicon_check(body)
    assert body["reasonType"] == reason_type
    assert body["reason"] == "words for the moderators"
    assert body["subject"] == {
        "$type": "com.atproto.repo.strongRef",
        "uri": URI,
        "cid": "bafyreib2rxk3rh6kzwq",
    }


async def test_an_account_report_names_the_repo(recorded):
    network, recorder = recorded
    await network.report(someone(), "", category="misleading")
    ((_, body),) = recorder.calls
    lexicon_check(body)
    assert body["reasonType"] == "com.atproto.moderation.defs#reasonMisleading"
    assert body["subject"] == {"$type": "com.atproto.admin.defs#repoRef", "did": DID}


async def test_a_report_goes_to_each_service_in_report_to_through_atproto_proxy():
    from dataclasses import replace

    one, two = "did:plc:moderationserviceone", "did:plc:moderationservicetwo"
    account = Account("me.test", NetworkKind.BLUESKY, server="https://pds.invalid")
    network = BlueskyNetwork(replace(account, options={"report_to": (one, two, one)}), {})
    recorder = Recorder()
    network._xrpc = recorder  # type: ignore[assignment]
    await network.report(someone(), "spam everywhere", category="spam")
    assert [nsid for nsid, _ in recorder.calls] == ["com.atproto.moderation.createReport"] * 2
    assert recorder.headers == [
        {"atproto-proxy": f"{one}#atproto_labeler"},
        {"atproto-proxy": f"{two}#atproto_labeler"},
    ]
