"""Content warnings on Bluesky: a self-label where the warning names one, text atop the post
otherwise, and the composer told which before sending."""

from __future__ import annotations

import pytest

from tui.model import Account, NetworkKind
from tui.networks.bluesky.network import BlueskyNetwork
from tui.networks.bluesky.write import apply_content_warning, content_warning_plan


@pytest.mark.parametrize(
    ("warning", "label"),
    [
        ("sexual", "sexual"),
        ("nudity", "nudity"),
        ("porn", "porn"),
        ("graphic-media", "graphic-media"),
        ("Graphic media", "graphic-media"),
        ("  NUDITY ", "nudity"),
    ],
)
def test_a_warning_naming_a_self_label_is_sent_as_that_label(warning: str, label: str) -> None:
    plan = content_warning_plan(warning)
    assert plan.self_label == label and not plan.in_text
    assert apply_content_warning("text", warning) == ("text", [label])


def test_any_other_warning_is_written_atop_the_text_and_says_so() -> None:
    plan = content_warning_plan("spoilers")
    assert plan.in_text and plan.self_label == ""
    assert apply_content_warning("he dies", "spoilers") == ("CW: spoilers\n\nhe dies", [])
    assert apply_content_warning("plain", "  ") == ("plain", [])


def test_the_adapter_offers_the_self_labels_and_counts_what_is_sent() -> None:
    values = [v for v, _ in BlueskyNetwork.self_labels]
    assert values == ["porn", "sexual", "nudity", "graphic-media"]
    assert all(name for _, name in BlueskyNetwork.self_labels)
    assert BlueskyNetwork.content_warning_plan("porn").self_label == "porn"
    net = BlueskyNetwork(Account(name="a", network=NetworkKind.BLUESKY, handle="a.test"), {})
    limits = net.limits
    assert limits.max_chars == 300
    assert [v for v, _ in limits.self_labels] == values
    assert limits.count("he dies", "spoilers") == len("CW: spoilers\n\nhe dies")
    assert limits.count("he dies", "sexual") == limits.count("he dies") == 7
