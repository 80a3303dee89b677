"""Polls, edits and reports through the Mastodon adapter against the contract server."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.mastodon.conftest import network_for
from tui.model import Draft, FeedRef, MediaUpload, PollDraft

pytestmark = pytest.mark.network  # the contract server

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


async def test_a_poll_with_hidden_totals_shows_no_counts_to_voters(net, server):
    post = await net.publish(
        Draft(text="Secret ballot", poll=PollDraft(("yes", "no"), 600, hide_totals=True))
    )
    sent = [r for r in server.received if r.path == "/api/v1/statuses"][-1]
    assert sent.form["poll"]["hide_totals"] is True
    bob = network_for(server, "bob-token")
    await bob.open()
    try:
        seen = await bob.post(f"mastodon:{bob.account.name}:{post.ref['id']}")
        voted = await bob.vote(seen, [1])
    finally:
        await bob.close()
    assert voted.poll.voted and voted.poll.own_votes == (1,)
    assert [o.votes for o in voted.poll.options] == [None, None]


async def test_edit_a_poll_and_the_alt_text_of_an_attachment(net, server, tmp_path: Path):
    polled = await net.publish(Draft(text="Lunch?", poll=PollDraft(("soup", "salad"), 3600)))
    source = await net.edit_source(polled)
    assert source.poll is not None and source.poll.options == ("soup", "salad")
    changed = Draft(
        text="Lunch, really?",
        poll=PollDraft(("soup", "salad", "nothing"), source.poll.expires_in),
    )
    edited = await net.edit(polled, changed)
    assert [o.title for o in edited.poll.options] == ["soup", "salad", "nothing"]
    assert edited.edited_at is not None
    versions = await net.history(edited)
    assert [[o.title for o in v.poll.options] for v in versions] == [
        ["soup", "salad"],
        ["soup", "salad", "nothing"],
    ]

    image = tmp_path / "dot.png"
    image.write_bytes(PNG)
    pictured = await net.publish(Draft(text="A dot", media=(MediaUpload(str(image), alt="a dot"),)))
    source = await net.edit_source(pictured)
    assert [(m.remote_id, m.alt) for m in source.media] == [(pictured.ref["media_ids"], "a dot")]
    kept = source.media[0]
    redescribed = Draft(
        text="A dot",
        media=(MediaUpload("", alt="one black dot on white", remote_id=kept.remote_id),),
    )
    edited = await net.edit(pictured, redescribed)
    assert [m.alt for m in edited.media] == ["one black dot on white"]
    versions = await net.history(edited)
    assert [v.media[0].alt for v in versions][-1] == "one black dot on white"


async def test_report_with_category_rules_comment_and_forward(net, server):
    home = await net.timeline(FeedRef())
    carol = next(p for p in home.items if p.author.handle.startswith("carol"))
    rules = await net.rules()
    await net.report(
        carol, "rude again", category="violation", rule_ids=[rules[0][0]], forward=True
    )
    report = server.world.reports[-1]
    assert report["category"] == "violation"
    assert report["rule_ids"] == [rules[0][0]]
    assert report["comment"] == "rude again" and report["forwarded"] is True
    assert report["status_ids"] == [carol.ref["id"]]
    await net.report(carol.author, "bot", category="spam")
    assert server.world.reports[-1]["category"] == "spam"
