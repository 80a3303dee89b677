"""Actions on the selected post, shared by every screen that shows posts in a PostList.

Likes, reposts and bookmarks update the list at once (optimistic) and are reverted with a toast
when the server refuses. Each goes on the app's undo stack (tui/ui/undo.py): `u` sends the
opposite. A delete waits `undo.DELETE_DELAY` seconds first, so `u` can still call it off.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from tui.model import Post, Reaction
from tui.networks.base import Capability
from tui.ui.messages import ReplyRequested
from tui.ui.screens.mutes import MuteThreadActions
from tui.ui.screens.post_daily import DailyActions

if TYPE_CHECKING:
    from tui.ui.app import MurmurApp
    from tui.ui.undo import UndoEntry
    from tui.ui.widgets.timeline import PostList

_STATE_FIELD = {
    Reaction.LIKE: "liked",
    Reaction.REPOST: "reposted",
    Reaction.BOOKMARK: "bookmarked",
}


_COUNT_FIELD = {Reaction.LIKE: "likes", Reaction.REPOST: "reposts"}


def toggled(post: Post, reaction: Reaction, *, on: bool) -> Post:
    """`post` (a repost wrapper and its original alike) with the reaction set, count moved."""
    field = _STATE_FIELD[reaction]
    counted = _COUNT_FIELD.get(reaction)

    def one(p: Post) -> Post:
        changed = p.with_state(**{field: on})
        count = getattr(p.counts, counted) if counted else None
        if counted and count is not None and bool(getattr(p.mine, field)) != on:
            step = 1 if on else -1
            changed = replace(changed, counts=replace(p.counts, **{counted: max(0, count + step)}))
        return changed

    if post.repost_of is not None:
        return replace(one(post), repost_of=one(post.repost_of))
    return one(post)


def reconciled(guess: Post, before: Post, answer: Post, reaction: Reaction) -> Post:
    """The optimistic post corrected by the server's answer, kept as listed (a repost wrapper
    stays a wrapper). The server's count wins once it has moved; one that still shows the count
    from before the change (servers that answer before their worker ran) does not undo it."""
    counted = _COUNT_FIELD.get(reaction)
    if counted is None:
        return guess
    served = getattr(answer.shown.counts, counted)
    if served is None or served == getattr(before.shown.counts, counted):
        return guess
    shown = replace(guess.shown, counts=replace(guess.shown.counts, **{counted: served}))
    return replace(guess, repost_of=shown) if guess.repost_of is not None else shown


class PostActions(MuteThreadActions, DailyActions):
    """Mixin for screens: needs `post_list()`; may override `item_changed()`/`item_removed()`."""

    app: MurmurApp

    def post_list(self) -> PostList | None:
        raise NotImplementedError

    def item_changed(self, post: Post) -> None:
        post_list = self.post_list()
        if post_list is not None:
            post_list.replace_item(post)

    def item_removed(self, uid: str) -> None:
        post_list = self.post_list()
        if post_list is not None:
            post_list.remove(uid)

    def selected_post(self) -> Post | None:
        post_list = self.post_list()
        item = post_list.selected if post_list is not None else None
        if isinstance(item, Post):
            return item
        self.app.notify("Select a post first.", severity="warning")
        return None

    # ----- reactions -------------------------------------------------------------------------
    def _react(self, reaction: Reaction) -> None:
        post = self.selected_post()
        if post is None:
            return
        network = self.app.session.networks.get(post.account)
        if network is None:
            self.app.notify(f"{post.account} is not connected.", severity="warning", markup=False)
            return
        if reaction is Reaction.BOOKMARK and not network.supports(Capability.BOOKMARK):
            self.app.notify("This network has no bookmarks.", severity="warning")
            return
        field = _STATE_FIELD[reaction]
        undo = bool(getattr(post.mine, field) or getattr(post.shown.mine, field))
        guess = toggled(post, reaction, on=not undo)
        self.item_changed(guess)  # at once; the server's answer reconciles it below
        verb = ("un" if undo else "") + reaction.value
        entry = self._record_inverse(post, reaction, undone=undo, verb=verb)

        async def send() -> None:
            try:
                result = await network.react(post, reaction, undo=undo)
            except Exception:
                self.item_changed(post)  # revert the optimistic change; the error says so
                entry.dead = True  # nothing happened: nothing to undo
                raise
            self.item_changed(reconciled(guess, post, result, reaction))

        self.app.guard(send, doing=f"Could not {verb} (undone here)", group="react")

    def _record_inverse(
        self, post: Post, reaction: Reaction, *, undone: bool, verb: str
    ) -> UndoEntry:
        """`u` later sends the opposite of what was just sent, and shows it at once."""
        from tui.ui.undo import UndoEntry, record

        network = self.app.session.networks[post.account]

        async def inverse() -> None:
            self.item_changed(toggled(post, reaction, on=undone))
            try:
                await network.react(post, reaction, undo=not undone)
            except Exception:
                self.item_changed(toggled(post, reaction, on=not undone))
                raise

        entry = UndoEntry(verb, inverse=inverse)
        record(self.app, entry)
        return entry

    def action_undo(self) -> None:
        from tui.ui.undo import undo_last

        undo_last(self.app)

    def action_like(self) -> None:
        self._react(Reaction.LIKE)

    def action_repost(self) -> None:
        self._react(Reaction.REPOST)

    def action_bookmark(self) -> None:
        self._react(Reaction.BOOKMARK)

    # ----- other post actions ----------------------------------------------------------------
    def action_reply(self) -> None:
        post = self.selected_post()
        if post is not None:
            self.post_message(ReplyRequested(post))  # type: ignore[attr-defined]

    def action_links(self) -> None:
        post = self.selected_post()
        if post is None:
            return
        from tui.ui.screens.links import LinksScreen, post_links

        links = post_links(post)
        if not links:
            self.app.notify("This post has no links.")
            return
        self.app.push_screen(LinksScreen(links))

    def action_attachments(self) -> None:
        post = self.selected_post()
        if post is None:
            return
        if not post.shown.media:
            self.app.notify("This post has no attachments.")
            return
        from tui.ui.screens.media import MediaScreen

        self.app.push_screen(MediaScreen(post.shown.media))

    def action_copy_link(self) -> None:
        post = self.selected_post()
        if post is None:
            return
        url = post.shown.url or post.url
        if not url:
            self.app.notify("This post has no link to copy.", severity="warning")
            return
        self.app.copy_text(url, what="Link")

    def action_profile(self) -> None:
        post = self.selected_post()
        if post is None:
            return
        from tui.ui.screens.profile import ProfileScreen

        author = post.shown.author
        self.app.push_screen(ProfileScreen(post.account, author.uid or author.handle))

    def action_delete(self) -> None:
        post = self.selected_post()
        if post is None:
            return
        network = self.app.session.networks.get(post.account)
        me = network.me if network is not None else None
        if network is None or me is None or post.author.uid != me.uid:
            self.app.notify("You can only delete your own posts.", severity="warning")
            return
        from tui.session import Hold
        from tui.ui import undo
        from tui.ui.screens.confirm import ConfirmScreen

        async def delete(hold: Hold) -> None:
            status = getattr(self.app, "status_bar", None)
            try:
                if not await hold.wait():
                    return  # u called it off: nothing was sent
            finally:
                if status is not None:
                    status.set_pending("")
            await network.delete(post)
            self.item_removed(post.uid)
            self.app.notify("Deleted.")

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            hold = Hold(undo.DELETE_DELAY)
            undo.record(self.app, undo.UndoEntry("delete", hold=hold))
            status = getattr(self.app, "status_bar", None)
            if status is not None:
                status.set_pending(f"Deleting in {undo.DELETE_DELAY:.0f} s — u to undo")
            self.app.guard(lambda: delete(hold), doing="Could not delete")

        self.app.push_screen(
            ConfirmScreen(
                "Delete this post?",
                f"u undoes it within {undo.DELETE_DELAY:.0f} s; after that it is gone.",
                yes="Delete",
            ),
            answered,
        )

    def open_thread(self, item: Any) -> None:
        if not isinstance(item, Post) or self.offer_vote(item):
            return
        from tui.ui.screens.thread import ThreadScreen

        self.app.push_screen(ThreadScreen(item))
