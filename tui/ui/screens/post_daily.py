"""Vote, edit (or delete and redraft), edit history and report: actions on the selected post,
mixed into `PostActions` so every screen that lists posts has them.

What a network cannot do is said, never offered silently: a network without edits offers
delete-and-redraft, one without reports or polls says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.model import Post
from tui.networks.base import Capability

if TYPE_CHECKING:
    from tui.model import Draft
    from tui.networks.base import Network
    from tui.ui.app import MurmurApp


def redraft(post: Post) -> Draft:
    """The post as a new draft: its text and warning back in the composer, from its account."""
    from tui.model import Draft

    shown = post.shown
    return Draft(
        shown.content.text,
        targets=(post.account,),
        content_warning=shown.content_warning,
        sensitive=shown.sensitive,
        visibility=shown.visibility,
        language=shown.language,
    )


class DailyActions:
    """Needs `selected_post()`, `item_changed()`, `item_removed()` and `open_thread()`."""

    app: MurmurApp

    def selected_post(self) -> Post | None:
        raise NotImplementedError

    def item_changed(self, post: Post) -> None:
        raise NotImplementedError

    def item_removed(self, uid: str) -> None:
        raise NotImplementedError

    def _network(self, post: Post) -> Network | None:
        network = self.app.session.networks.get(post.account)
        if network is None:
            self.app.notify(f"{post.account} is not connected.", severity="warning", markup=False)
        return network

    def _mine(self, post: Post, network: Network) -> bool:
        me = network.me
        return me is not None and post.author.uid == me.uid and post.repost_of is None

    # ----- polls -----------------------------------------------------------------------------
    def offer_vote(self, item: object) -> bool:
        """`enter` on a post whose poll is open to this account: the vote dialog (True)."""
        from tui.ui.screens.poll import can_vote

        if not isinstance(item, Post) or item.shown.poll is None:
            return False
        network = self.app.session.networks.get(item.account)
        if not can_vote(item, network):
            return False
        assert network is not None
        self._vote(item, network)
        return True

    def action_vote(self) -> None:
        from tui.ui.screens.poll import can_vote, own_poll

        post = self.selected_post()
        if post is None:
            return
        poll = post.shown.poll
        network = self._network(post)
        if network is None:
            return
        if poll is None:
            self.app.notify("This post has no poll.", severity="warning")
        elif poll.expired:
            self.app.notify("This poll has closed.", severity="warning")
        elif poll.voted:
            self.app.notify("You have voted in this poll already.", severity="warning")
        elif own_poll(post, network):
            self.app.notify("This is your own poll: others vote in it.", severity="warning")
        elif not can_vote(post, network):
            self.app.notify(
                f"Voting is not available on {network.kind.value.capitalize()} here.",
                severity="warning",
            )
        else:
            self._vote(post, network)

    def _vote(self, post: Post, network: Network) -> None:
        from tui.ui.screens.poll import THREAD, PollScreen

        def answered(result: Post | str | None) -> None:
            if isinstance(result, Post):
                self.item_changed(result)
            elif result == THREAD:
                self.open_thread_only(post)

        self.app.push_screen(PollScreen(post, network), answered)

    def open_thread_only(self, post: Post) -> None:
        from tui.ui.screens.thread import ThreadScreen

        self.app.push_screen(ThreadScreen(post))

    # ----- edits -----------------------------------------------------------------------------
    def action_edit(self) -> None:
        post = self.selected_post()
        if post is None:
            return
        network = self._network(post)
        if network is None:
            return
        if not self._mine(post, network):
            self.app.notify("You can only edit your own posts.", severity="warning")
            return
        if self._composer_busy():
            self.app.notify(
                "The composer holds an unsent draft: send it or clear it first.",
                severity="warning",
            )
            return
        if network.supports(Capability.EDIT):
            self.app.guard(lambda: self._edit(post, network), doing="Could not open the edit")
        elif network.supports(Capability.DELETE):
            self._offer_redraft(post, network)
        else:
            self.app.notify("This network can neither edit nor delete posts.", severity="warning")

    def _composer_busy(self) -> bool:
        """Whether the main screen's composer holds text an edit would replace."""
        return bool(self.app.main_screen.composer_holds_text())

    async def _edit(self, post: Post, network: Network) -> None:
        from tui.ui.messages import EditRequested

        source = getattr(network, "edit_source", None)
        draft = await source(post) if source is not None else redraft(post)
        self.post_message(EditRequested(post, draft))  # type: ignore[attr-defined]

    def _offer_redraft(self, post: Post, network: Network) -> None:
        from tui.ui.messages import EditRequested
        from tui.ui.screens.confirm import ConfirmScreen

        async def delete() -> None:
            await network.delete(post)
            self.item_removed(post.uid)
            self.app.notify("Deleted: the text is in the composer to post again.")

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            # The text goes to the composer first: if the delete fails, nothing is lost.
            self.post_message(EditRequested(post, redraft(post), redraft=True))  # type: ignore[attr-defined]
            self.app.guard(delete, doing="Could not delete (the draft stays in the composer)")

        kind = network.kind.value.capitalize()
        self.app.push_screen(
            ConfirmScreen(
                "Delete and redraft?",
                f"{kind} posts cannot be edited. The post is deleted and its text comes back "
                "in the composer to post again (likes, reposts and replies stay with the "
                "deleted post).",
                yes="Delete and redraft",
            ),
            answered,
        )

    def action_edit_history(self) -> None:
        post = self.selected_post()
        if post is None:
            return
        network = self._network(post)
        if network is None:
            return
        history = getattr(network, "history", None)
        if history is None or not network.supports(Capability.EDIT):
            kind = network.kind.value.capitalize()
            self.app.notify(f"{kind} posts cannot be edited: there is no history.")
            return
        if post.shown.edited_at is None:
            self.app.notify("This post was never edited.")
            return

        async def show() -> None:
            from tui.ui.screens.history import HistoryScreen

            versions = await history(post.shown)
            self.app.push_screen(HistoryScreen(post, versions))

        self.app.guard(show, doing="Could not load the edit history", group="history")

    # ----- reports ---------------------------------------------------------------------------
    def action_report(self) -> None:
        post = self.selected_post()
        if post is None:
            return
        network = self._network(post)
        if network is None:
            return
        if not network.supports(Capability.REPORT):
            self.app.notify(
                f"Reports are not available on {network.kind.value.capitalize()} here.",
                severity="warning",
            )
            return
        from tui.ui.screens.report import ReportScreen

        self.app.push_screen(ReportScreen(post, network))
