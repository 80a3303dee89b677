"""`murmur post --poll` and `murmur report` against the Mastodon contract server."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_cli_mastodon import login

pytestmark = pytest.mark.network


async def test_post_a_poll_then_read_it_in_the_timeline_json(amurmur, server):
    await login(amurmur, server)
    result = await amurmur(
        "post",
        "--poll",
        "tea",
        "--poll",
        "coffee",
        "--poll-expires",
        "2h",
        "--poll-multiple",
        "--poll-hide-totals",
        "Morning drink?",
    )
    assert result.code == 0, result.err
    status = max(server.world.statuses.values(), key=lambda s: s.created_at)
    poll = server.world.polls[status.poll]
    assert poll.options == ["tea", "coffee"] and poll.multiple and poll.hide_totals
    assert (poll.expires_at - status.created_at).total_seconds() == pytest.approx(7200, abs=5)

    listed = await amurmur("timeline", "--json", "--limit", "40")
    posts = [json.loads(line) for line in listed.out.splitlines()]
    mine = next(p for p in posts if p["text"] == "Morning drink?")
    assert [o["title"] for o in mine["poll"]["options"]] == ["tea", "coffee"]
    assert mine["poll"]["multiple"] is True and mine["poll"]["expired"] is False


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--poll", "only one"], "at least two choices"),
        (["--poll", "a", "--poll", "b", "--poll-expires", "soon"], "--poll-expires"),
        (["--poll-multiple"], "need --poll"),
        (["--poll", "a", "--poll", "a"], "the same"),
    ],
)
async def test_a_wrong_poll_is_a_usage_error(amurmur, server, args, says):
    await login(amurmur, server)
    before = len(server.world.statuses)
    result = await amurmur("post", *args, "Question")
    assert result.code == 2 and says in result.err
    assert len(server.world.statuses) == before


async def test_report_lists_reasons_and_rules_then_reports_a_post(amurmur, server):
    name = await login(amurmur, server)
    listed = await amurmur("report", name, "--json")
    assert listed.code == 0, listed.err
    rows = [json.loads(line) for line in listed.out.splitlines()]
    assert {"kind": "reason", "id": "spam", "text": "Spam"} in rows
    rule = next(r for r in rows if r["kind"] == "rule")

    timeline = await amurmur("timeline", "--json", "--limit", "40")
    posts = [json.loads(line) for line in timeline.out.splitlines()]
    carol = next(p for p in posts if p["author"]["handle"].startswith("carol"))
    result = await amurmur(
        "report",
        name,
        carol["uid"],
        "--reason",
        "violation",
        "--rule",
        rule["id"],
        "--comment",
        "not nice",
        "--forward",
    )
    assert result.code == 0, result.err
    report = server.world.reports[-1]
    assert report["category"] == "violation" and report["rule_ids"] == [rule["id"]]
    assert report["comment"] == "not nice" and report["forwarded"] is True
    assert report["status_ids"] == [carol["uid"].rsplit(":", 1)[1]]


async def test_report_a_person_by_handle(amurmur, server):
    name = await login(amurmur, server)
    result = await amurmur("report", name, "bob", "--reason", "spam")
    assert result.code == 0, result.err
    report = server.world.reports[-1]
    assert report["category"] == "spam" and report["target_account"]["username"] == "bob"
    assert report["status_ids"] is None


async def test_report_with_an_unknown_reason_is_a_usage_error(amurmur, server):
    name = await login(amurmur, server)
    result = await amurmur("report", name, "bob", "--reason", "boring")
    assert result.code == 2 and "spam" in result.err
    assert server.world.reports == []
