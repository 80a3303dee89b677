"""A thread's posts as a tree: who replies to whom, in reading order, with collapsed branches.

Pure and Textual-free. The tree is built from each item's `reply_to` (the parent's uid); an item
whose parent is not among the items (not fetched, deleted, or invented by a hostile server)
starts a tree of its own, and a cycle of replies (a replies to b replies to a) is cut where it
is found, so nothing here loops or recurses on what a server sent. Replies to a post are in time
order (oldest first, then the order the server gave), like a conversation is read; the roots keep
the server's order (its ancestors come first).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

MAX_INDENT = 6  # levels drawn as guides; deeper replies show their depth as a number
GUIDE = "│ "


def uid_of(item: Any) -> str:
    return str(getattr(item, "uid", ""))


def parent_of(item: Any) -> str | None:
    parent = getattr(item, "reply_to", None)
    return parent if isinstance(parent, str) and parent else None


def _when(item: Any) -> float:
    created = getattr(item, "created_at", None)
    return created.timestamp() if isinstance(created, datetime) else 0.0


def guide(depth: int) -> str:
    """The indent drawn before a reply at `depth` (0 = a root): one guide per level up to
    `MAX_INDENT`, then the depth as a number, so an 80-column screen keeps room for the text."""
    if depth <= 0:
        return ""
    if depth <= MAX_INDENT:
        return GUIDE * depth
    return GUIDE * (MAX_INDENT - 1) + f"{depth}› "


@dataclass(frozen=True, slots=True)
class Node:
    item: Any
    uid: str
    parent: str | None  # the parent's uid within this tree; None for a root
    depth: int
    children: tuple[str, ...]
    size: int  # posts in the branch below this one (not counting itself)


class ThreadTree:
    """The posts of a thread as a forest, and which branches the reader collapsed."""

    def __init__(self, items: Iterable[Any]) -> None:
        ordered: list[Any] = []
        index: dict[str, int] = {}
        for item in items:
            uid = uid_of(item)
            if uid and uid not in index:  # a repeated uid keeps its first copy
                index[uid] = len(ordered)
                ordered.append(item)
        parents: dict[str, str | None] = {}
        for item in ordered:
            uid, parent = uid_of(item), parent_of(item)
            parents[uid] = parent if parent in index and parent != uid else None
        children: dict[str | None, list[str]] = {}
        for item in ordered:
            uid = uid_of(item)
            children.setdefault(parents[uid], []).append(uid)

        def key(uid: str) -> tuple[float, int]:
            return (_when(ordered[index[uid]]), index[uid])

        for parent, kids in children.items():
            if parent is not None:  # the roots keep the server's order: ancestors come first
                kids.sort(key=key)
        # Walk from the roots, then from whatever is left: those items hang from a cycle of
        # replies, cut above the cycle's post met first going up from the earliest of them.
        order: list[str] = []
        depth: dict[str, int] = {}
        seen: set[str] = set()

        def walk(roots: Sequence[str]) -> None:
            stack = [(uid, 0) for uid in reversed(roots)]
            while stack:
                uid, level = stack.pop()
                if uid in seen:
                    continue
                seen.add(uid)
                depth[uid] = level
                order.append(uid)
                stack.extend((kid, level + 1) for kid in reversed(children.get(uid, ())))

        walk(children.get(None, []))
        if len(seen) < len(ordered):
            for left in sorted((u for u in index if u not in seen), key=key):
                if left in seen:
                    continue
                # Up from `left` to the first post met twice: that one is on the cycle.
                path: set[str] = set()
                cut: str | None = left
                while cut is not None and cut not in path:
                    path.add(cut)
                    cut = parents[cut]
                cut = cut if cut is not None else left
                parents[cut] = None
                walk([cut])
        self._roots = [u for u in order if parents[u] is None]
        self._order = order
        self._position = {uid: n for n, uid in enumerate(order)}
        sizes = dict.fromkeys(order, 0)
        for uid in reversed(order):  # children come after their parent
            parent = parents[uid]
            if parent is not None:
                sizes[parent] += sizes[uid] + 1
        self._nodes: dict[str, Node] = {}
        for uid in order:
            kids = tuple(k for k in children.get(uid, ()) if parents[k] == uid)
            self._nodes[uid] = Node(
                ordered[index[uid]], uid, parents[uid], depth[uid], kids, sizes[uid]
            )
        self.collapsed: set[str] = set()

    # ----- reading ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, uid: object) -> bool:
        return uid in self._nodes

    def node(self, uid: str) -> Node:
        return self._nodes[uid]

    def depth(self, uid: str) -> int:
        return self._nodes[uid].depth

    def all(self) -> list[Any]:
        """Every item, in reading order (each post before its replies)."""
        return [self._nodes[uid].item for uid in self._order]

    def visible(self) -> list[Any]:
        """The items in reading order without those inside a collapsed branch."""
        shown: list[Any] = []
        order, nodes, at = self._order, self._nodes, 0
        while at < len(order):
            node = nodes[order[at]]
            shown.append(node.item)
            at += 1 + (node.size if node.uid in self.collapsed else 0)
        return shown

    def hidden_below(self, uid: str) -> int:
        """How many posts a collapsed branch hides (0 when it is open)."""
        node = self._nodes.get(uid)
        return node.size if node is not None and uid in self.collapsed else 0

    def ancestors(self, uid: str) -> Iterator[str]:
        parent = self._nodes[uid].parent
        while parent is not None:
            yield parent
            parent = self._nodes[parent].parent

    # ----- collapsing ------------------------------------------------------------------------
    def toggle(self, uid: str) -> bool:
        """Collapse or expand the branch under `uid`; False when it has no replies."""
        node = self._nodes.get(uid)
        if node is None or not node.size:
            return False
        self.collapsed.symmetric_difference_update({uid})
        return True

    def reveal(self, uid: str) -> None:
        """Expand every branch that hides `uid`."""
        if uid in self._nodes:
            self.collapsed.difference_update(self.ancestors(uid))

    # ----- moving ----------------------------------------------------------------------------
    def parent(self, uid: str) -> str | None:
        node = self._nodes.get(uid)
        return node.parent if node is not None else None

    def _siblings(self, uid: str) -> Sequence[str]:
        parent = self._nodes[uid].parent
        return self._roots if parent is None else self._nodes[parent].children

    def sibling(self, uid: str, step: int) -> str | None:
        """The next (`step` 1) or previous (-1) reply to the same parent, None at either end."""
        if uid not in self._nodes:
            return None
        siblings = self._siblings(uid)
        at = siblings.index(uid) + step
        return siblings[at] if 0 <= at < len(siblings) else None
