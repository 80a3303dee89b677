"""The report dialog: why (the network's categories), which of the server's rules (Mastodon),
words for the moderators, and whether to forward the report to a remote server (Mastodon).

Sent with ctrl+s: a Mastodon report, Bluesky's `com.atproto.moderation.createReport` to the
account's moderation service, or a NIP-56 report (kind 1984) on Nostr.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Select, SelectionList, Static

from tui.model import Author, Post
from tui.ui import keymap

if TYPE_CHECKING:
    from tui.networks.base import Network
    from tui.ui.app import MurmurApp


def subject(target: Post | Author) -> str:
    if isinstance(target, Post):
        shown = target.shown
        first = shown.content.text.strip().splitlines()[0] if shown.content.text.strip() else ""
        return f"a post by @{shown.author.handle}: {first[:80]}"
    return f"@{target.handle}"


class ReportScreen(ModalScreen[bool]):
    """Answers True once the report was sent."""

    app: MurmurApp

    DEFAULT_CSS = """
    #report-rules { height: auto; max-height: 10; }
    """

    BINDINGS = keymap.REPORT_DIALOG

    def __init__(self, target: Post | Author, network: Network) -> None:
        super().__init__()
        self.target = target
        self.network = network
        self.sending = False
        self.rules: list[tuple[str, str]] = []

    @property
    def author(self) -> Author:
        return self.target.shown.author if isinstance(self.target, Post) else self.target

    @property
    def remote(self) -> bool:
        """Whether the reported person lives on another server than the account's."""
        me = self.network.me
        handle = self.author.handle
        if "@" not in handle:
            return False
        return me is None or handle.rsplit("@", 1)[1] != me.handle.rpartition("@")[2]

    def compose(self) -> Any:
        categories = self.network.report_categories
        with Vertical(classes="dialog wide-dialog", id="report-dialog"):
            yield Static(
                Content.assemble(("Report ", "bold"), (subject(self.target), "")),
                classes="dialog-title",
            )
            yield Select(
                [(label, value) for value, label in categories],
                value=categories[0][0],
                allow_blank=False,
                id="report-category",
                compact=True,
            )
            rules = SelectionList[str](id="report-rules")
            rules.border_title = "Rules it breaks"
            rules.display = False
            yield rules
            yield Input(placeholder="Comment for the moderators (optional)", id="report-comment")
            forward = Checkbox(
                "Forward to the moderators of their server", id="report-forward", compact=True
            )
            forward.display = self.remote and hasattr(self.network, "rules")
            yield forward
            yield Static(
                f"Goes to the moderators of {self.network.account.name}'s server.",
                id="report-where",
                markup=False,
            )
            yield Static("ctrl+s: send    esc: cancel", classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#report-category", Select).focus()
        if hasattr(self.network, "rules"):
            self.app.guard(self._load_rules, doing="Loading the server's rules", group="rules")

    async def _load_rules(self) -> None:
        self.rules = await self.network.rules()  # type: ignore[attr-defined]
        if not self.rules:
            return
        widget = self.query_one("#report-rules", SelectionList)
        widget.add_options([(Content(text), rule_id) for rule_id, text in self.rules])
        widget.highlighted = 0
        widget.display = True

    def action_send(self) -> None:
        if self.sending:
            return
        category = str(self.query_one("#report-category", Select).value)
        comment = self.query_one("#report-comment", Input).value.strip()
        extra: dict[str, Any] = {}
        if hasattr(self.network, "rules"):
            rule_ids = list(self.query_one("#report-rules", SelectionList).selected)
            if rule_ids:
                category = "violation"  # what Mastodon makes of a report that names rules
            forward = self.query_one("#report-forward", Checkbox)
            extra = {"rule_ids": rule_ids, "forward": forward.display and forward.value}
        self.sending = True

        async def send() -> None:
            try:
                await self.network.report(self.target, comment, category=category, **extra)
            finally:
                self.sending = False
            self.app.notify("Reported. Thank you.")
            self.dismiss(True)

        self.app.guard(send, doing="Could not send the report", group="report")

    def action_cancel(self) -> None:
        self.dismiss(False)
