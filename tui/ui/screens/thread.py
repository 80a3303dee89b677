"""A thread: the whole conversation as a tree in one list, the opened post selected.

Replies are indented under the post they answer (`tui.thread_tree`), a branch collapses and
expands with `space`, and `h`, `J`, `K` move to the parent and between siblings. One's own
replies that a server confirmed during this run show in the thread even when the server does
not list them yet (Bluesky's AppView indexes replies a while after they are made).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from rich.cells import cell_len
from textual import on
from textual.binding import BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from tui.model import Item, Post
from tui.networks.base import NetworkError
from tui.thread_tree import ThreadTree, guide
from tui.ui import keymap
from tui.ui.render import View
from tui.ui.screens.actions import PostActions
from tui.ui.widgets.timeline import PostList

if TYPE_CHECKING:
    from tui.ui.app import MurmurApp


def with_confirmed(items: Sequence[Any], confirmed: Iterable[Post]) -> list[Any]:
    """`items` (a thread, in order) with the confirmed posts that reply to one of them and are
    not listed yet, each after its parent and the replies below that parent."""
    merged = list(items)
    listed = {getattr(i, "uid", "") for i in merged} | {
        getattr(i, "dedupe_key", "") for i in merged
    }
    for post in confirmed:  # oldest first: a reply to one's own reply finds its parent
        if not post.reply_to or post.uid in listed or post.dedupe_key in listed:
            continue
        parent = next(
            (n for n, item in enumerate(merged) if getattr(item, "uid", None) == post.reply_to),
            None,
        )
        if parent is None:
            continue
        at, below = parent + 1, {post.reply_to}
        while at < len(merged) and getattr(merged[at], "reply_to", None) in below:
            below.add(merged[at].uid)
            at += 1
        merged.insert(at, post)
        listed |= {post.uid, post.dedupe_key}
    return merged


MIN_TEXT_WIDTH = 20  # cells left for a reply's text however deep it is


class ThreadList(PostList):
    """The thread's posts, each indented by its depth in the tree, collapsed branches counted."""

    BINDINGS: ClassVar[list[BindingType]] = [*keymap.THREADS]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.thread_tree = ThreadTree(())

    def show_tree(self, tree: ThreadTree, *, select: str | None = None) -> None:
        """Show what `tree` leaves visible, keeping the selected post (or selecting `select`)."""
        self.thread_tree = tree
        selected = self.selected
        uid = select or (self.item_uid(selected) if selected is not None else None)
        if uid is not None:
            tree.reveal(uid)
        self.set_items(tree.visible(), keep_selection=True)
        if uid is not None:
            self.select_uid(uid)

    def render_content(self, item: Item, view: View) -> Content:
        uid = self.item_uid(item)
        depth = self.thread_tree.depth(uid) if uid in self.thread_tree else 0
        prefix = guide(depth)
        width = max(min(MIN_TEXT_WIDTH, view.width), view.width - cell_len(prefix))
        inner = View(width, view.now, view.absolute, view.revealed, view.counts)
        content = super().render_content(item, inner)
        hidden = self.thread_tree.hidden_below(uid)
        if hidden:
            label = f"+{hidden} {'reply' if hidden == 1 else 'replies'} hidden — space to show"
            content = Content.assemble(content, "\n", (label, "bold $text-accent"))
        if not prefix:
            return content
        lead = Content.styled(prefix, "$text-muted")
        return Content("\n").join(lead + line for line in content.wrap(width))

    def _move_to(self, uid: str | None) -> None:
        if uid is None:
            return
        if self.index_of(uid) is None:  # inside a collapsed branch: open it
            self.show_tree(self.thread_tree, select=uid)
        else:
            self.select_uid(uid)

    def action_parent(self) -> None:
        item = self.selected
        if item is not None:
            self._move_to(self.thread_tree.parent(self.item_uid(item)))

    def action_sibling(self, step: int) -> None:
        item = self.selected
        if item is not None:
            self._move_to(self.thread_tree.sibling(self.item_uid(item), step))

    def action_collapse(self) -> None:
        item = self.selected
        if item is not None and self.thread_tree.toggle(self.item_uid(item)):
            self.show_tree(self.thread_tree)


class ThreadScreen(PostActions, Screen[None]):
    BINDINGS = [*keymap.BACK, *keymap.POST, *keymap.UNDO, *keymap.MEDIA]
    app: MurmurApp

    def __init__(self, post: Post) -> None:
        super().__init__()
        self.post = post

    def compose(self) -> Any:
        with Vertical(classes="pane"):
            yield Static(self._title(), classes="pane-title", id="thread-title")
            yield ThreadList(
                rules=self.app.config.filters,
                context="thread",
                relative_time=self.app.config.ui.relative_time,
                show_counts=self.app.config.ui.show_counts,
                id="thread",
            )
        yield Footer()

    def on_mount(self) -> None:
        post_list = self.query_one(ThreadList)
        post_list.show_tree(ThreadTree([self.post]))
        post_list.focus()
        self.app.guard(self._load, doing="Loading the thread", group="thread", exclusive=True)

    def _title(self, problem: str = "") -> Content:
        parts: list[tuple[str, str] | str] = [
            ("Thread · ", "$text-muted"),
            (self.post.shown.author.name, "bold"),
        ]
        if problem:
            parts.append((f" · {problem}", "$error"))
        return Content.assemble(*parts)

    async def _load(self) -> None:
        try:
            network = self.app.session.network_for(self.post.account)
            thread = await network.thread(self.post.shown)
        except Exception as exc:
            # Only the post itself shows: the title says the rest could not be loaded.
            reason = str(exc) if isinstance(exc, NetworkError) else type(exc).__name__
            self.query_one("#thread-title", Static).update(
                self._title(f"could not load the replies: {reason}")
            )
            raise
        items = [*thread.ancestors, thread.post, *thread.descendants]
        self._show(with_confirmed(items, self._confirmed()), select=thread.post.uid)

    def _show(self, items: Sequence[Any], *, select: str | None = None) -> None:
        """A new tree of `items`; branches the reader collapsed stay collapsed."""
        post_list = self.query_one(ThreadList)
        tree = ThreadTree(items)
        tree.collapsed = {uid for uid in post_list.thread_tree.collapsed if uid in tree}
        post_list.show_tree(tree, select=select)

    def _confirmed(self) -> list[Post]:
        """This run's own posts on the thread's account, as their servers confirmed them."""
        return [p for p in self.app.confirmed_posts if p.account == self.post.account]

    def on_screen_resume(self) -> None:
        # Back from a screen above: a reply confirmed meanwhile shows.
        items = self.query_one(ThreadList).thread_tree.all()
        merged = with_confirmed(items, self._confirmed())
        if len(merged) != len(items):
            self._show(merged)

    def post_list(self) -> PostList | None:
        return self.query_one(ThreadList)

    def item_changed(self, post: Post) -> None:
        # The tree keeps the items too: a collapse or expand must not bring back the old one.
        items = self.query_one(ThreadList).thread_tree.all()
        self._show([post if getattr(i, "uid", None) == post.uid else i for i in items])

    def item_removed(self, uid: str) -> None:
        tree = self.query_one(ThreadList).thread_tree
        # The selection goes to the post the deleted one answered (its replies stay, as roots).
        others = [i for i in tree.all() if getattr(i, "uid", None) != uid]
        self._show(others, select=tree.parent(uid) if uid in tree else None)

    @on(PostList.Opened)
    def _open(self, event: PostList.Opened) -> None:
        if isinstance(event.item, Post) and event.item.uid != self.post.shown.uid:
            self.open_thread(event.item)

    def action_back(self) -> None:
        self.dismiss(None)
