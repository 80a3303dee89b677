"""The thread tree: order, depth, collapse, parent/sibling moves, and what hostile servers send."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tui.thread_tree import MAX_INDENT, ThreadTree, guide

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class P:
    uid: str
    reply_to: str | None = None
    minute: int = 0

    @property
    def created_at(self) -> datetime:
        return T0 + timedelta(minutes=self.minute)


def uids(items: list[P]) -> list[str]:
    return [i.uid for i in items]


# root
# ├ a (1)
# │ ├ a1 (3)
# │ └ a2 (4)
# │   └ a2x (6)
# └ b (2)
#   └ b1 (5)
CONVERSATION = [
    P("b1", "b", 5),
    P("a2x", "a2", 6),
    P("root", None, 0),
    P("a", "root", 1),
    P("b", "root", 2),
    P("a2", "a", 4),
    P("a1", "a", 3),
]


def test_replies_follow_their_parent_oldest_first_whatever_order_the_server_sent():
    tree = ThreadTree(CONVERSATION)
    assert uids(tree.all()) == ["root", "a", "a1", "a2", "a2x", "b", "b1"]
    assert [tree.depth(u) for u in uids(tree.all())] == [0, 1, 2, 2, 3, 1, 2]


def test_collapsing_a_branch_hides_every_reply_under_it_and_counts_them():
    tree = ThreadTree(CONVERSATION)
    assert tree.toggle("a")
    assert uids(tree.visible()) == ["root", "a", "b", "b1"]
    assert tree.hidden_below("a") == 3
    assert tree.hidden_below("b") == 0
    assert tree.toggle("a")
    assert uids(tree.visible()) == uids(tree.all())


def test_a_post_without_replies_does_not_collapse():
    tree = ThreadTree(CONVERSATION)
    assert not tree.toggle("a1")
    assert uids(tree.visible()) == uids(tree.all())


def test_reveal_opens_the_branches_hiding_a_post():
    tree = ThreadTree(CONVERSATION)
    tree.toggle("root")
    tree.toggle("a2")
    assert uids(tree.visible()) == ["root"]
    tree.reveal("a2x")
    assert "a2x" in uids(tree.visible())


def test_parent_and_siblings():
    tree = ThreadTree(CONVERSATION)
    assert tree.parent("a2x") == "a2"
    assert tree.parent("root") is None
    assert tree.sibling("a", 1) == "b"
    assert tree.sibling("b", 1) is None
    assert tree.sibling("a2", -1) == "a1"
    assert tree.sibling("a1", -1) is None
    assert tree.sibling("unknown", 1) is None


def test_a_missing_parent_starts_a_tree_of_its_own():
    tree = ThreadTree([P("root"), P("x", "not-fetched", 1), P("x1", "x", 2)])
    assert uids(tree.all()) == ["root", "x", "x1"]
    assert tree.depth("x") == 0
    assert tree.sibling("root", 1) == "x"


def test_a_cycle_of_replies_is_cut_and_every_post_shows_once():
    items = [P("root"), P("a", "b", 1), P("b", "a", 2), P("c", "a", 3), P("self", "self", 4)]
    tree = ThreadTree(items)
    assert sorted(uids(tree.all())) == sorted(uids(items))
    assert tree.parent("self") is None
    for uid in uids(items):
        assert uid not in set(tree.ancestors(uid))


def test_repeated_uids_show_once():
    tree = ThreadTree([P("root"), P("a", "root", 1), P("a", "root", 2)])
    assert uids(tree.all()) == ["root", "a"]


def test_a_very_deep_chain_neither_recurses_nor_hangs():
    depth = 50_000
    chain = [P("n0")] + [P(f"n{i}", f"n{i - 1}", i) for i in range(1, depth)]
    tree = ThreadTree(reversed(chain))
    assert tree.depth(f"n{depth - 1}") == depth - 1
    tree.toggle("n1")
    assert uids(tree.visible()) == ["n0", "n1"]
    assert tree.hidden_below("n1") == depth - 2


def test_many_cycles_are_cut_in_one_pass():
    items = []
    for i in range(20_000):
        items += [P(f"a{i}", f"b{i}", i), P(f"b{i}", f"a{i}", i)]
    tree = ThreadTree(items)
    assert len(tree.all()) == len(items)


def test_the_indent_is_capped_and_deeper_levels_show_a_number():
    assert guide(0) == ""
    assert guide(2) == "│ │ "
    assert len(guide(MAX_INDENT)) == len(guide(MAX_INDENT + 1)) - 1
    assert "12" in guide(12)
    assert len(guide(12)) <= 2 * MAX_INDENT + 2
