"""The user's filter rules and network labels: what they hide, and that they say why."""

from __future__ import annotations

from dataclasses import replace

from tests.feed.factories import author, notification, post
from tui.feed import check_rule, verdict
from tui.model import FilterAction, FilterRule, NetworkKind, NotificationKind


def rule(match: str = "", **kw: object) -> FilterRule:
    return FilterRule(kw.pop("name", "r"), match, **kw)  # type: ignore[arg-type]


def test_a_phrase_matches_whole_words_ignoring_case() -> None:
    rules = [rule("crypto", name="no crypto")]
    hit = verdict(post("1", text="All about CRYPTO today"), rules)
    assert hit is not None and hit.hidden and hit.rule_name == "no crypto"
    assert hit.reason == "hidden by your rule 'no crypto'"
    assert verdict(post("2", text="cryptography is fine"), rules) is None


def test_a_phrase_can_match_inside_words_when_whole_word_is_off() -> None:
    assert verdict(post("1", text="cryptography"), [rule("crypto", whole_word=False)])


def test_a_regex_rule_matches_and_a_broken_one_never_breaks_the_timeline() -> None:
    assert verdict(post("1", text="buy now!!!"), [rule(r"buy\s+now!{2,}", regex=True)])
    broken = rule("(unclosed", regex=True, name="broken")
    assert verdict(post("2", text="(unclosed"), [broken]) is None
    assert "bad regular expression" in (check_rule(broken) or "")
    assert check_rule(rule("fine")) is None


def test_rules_look_at_content_warning_and_alt_text_too() -> None:
    rules = [rule("spoiler")]
    assert verdict(post("1", text="x", cw="Spoiler for the finale"), rules)
    assert verdict(post("2", text="x", alt="a spoiler screenshot"), rules)


def test_a_repost_is_matched_on_the_reposted_text_and_author() -> None:
    original = post("o", 5, text="politics again", by=author("loud@ex.social"))
    boost = post("b", 1, text="", repost_of=original)
    assert verdict(boost, [rule("politics")])
    assert verdict(boost, [rule(authors=("@LOUD@ex.social",), name="mute loud")])


def test_networks_accounts_and_contexts_limit_where_a_rule_applies() -> None:
    p = post("1", text="football", account="work")
    assert verdict(p, [rule("football", networks=("nostr",))]) is None
    assert verdict(p, [rule("football", networks=("mastodon",))])
    assert verdict(p, [rule("football", accounts=("home",))]) is None
    assert verdict(p, [rule("football", contexts=("public",))], context="home") is None
    assert verdict(p, [rule("football", contexts=("public",))], context="public")


def test_hide_beats_warn_and_warn_is_reported_when_alone() -> None:
    p = post("1", text="match day")
    warn = rule("match", action=FilterAction.WARN, name="w")
    hide = rule("day", name="h")
    assert verdict(p, [warn, hide]).rule_name == "h"  # type: ignore[union-attr]
    only = verdict(p, [warn])
    assert only is not None and only.action is FilterAction.WARN
    assert only.reason == "warning by your rule 'w'"


def test_network_labels_hide_or_warn_and_say_the_label() -> None:
    hidden = verdict(post("1", network=NetworkKind.BLUESKY, labels=("!hide", "spam")), [])
    assert hidden is not None and hidden.hidden and hidden.by_label
    assert "spam" in hidden.reason and "label" in hidden.reason
    warned = verdict(post("2", labels=("!warn",)), [])
    assert warned is not None and warned.action is FilterAction.WARN
    assert warned.rule_name == "!warn"
    assert verdict(post("3", labels=("sexual",)), []) is None


def test_my_hiding_rule_is_named_before_a_network_warning() -> None:
    p = post("1", text="tea", labels=("!warn",))
    v = verdict(p, [rule("tea", name="no tea")])
    assert v is not None and v.rule_name == "no tea" and not v.by_label


def test_notifications_are_filtered_by_their_post_and_actors() -> None:
    about = post("1", text="hello")
    n = notification("n1", NotificationKind.MENTION, 1, "troll@ex.social", about)
    assert verdict(n, [rule(authors=("troll@ex.social",))], context="notifications")
    assert verdict(n, [rule("hello")], context="notifications")
    assert verdict(replace(n, post=None), [rule("hello")]) is None
