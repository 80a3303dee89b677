"""Follow requests: who asks to follow a locked account; `a` accepts, `d` rejects.

Every account is asked; one whose network has no follow requests (Bluesky, Nostr) is listed
with that sentence. Names come from servers: they reach the widgets as plain `Content`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from tui.model import Author
from tui.ui import keymap
from tui.ui.screens.rows import OptionRows

if TYPE_CHECKING:
    from tui.session import Session


def request_content(account: str, author: Author) -> Content:
    name = author.display_name or author.handle
    return Content.assemble((name, "bold"), (f"  @{author.handle} · asks {account}", "$text-muted"))


class RequestsScreen(OptionRows, Screen[None]):
    """Pending follow requests of every account (or of `account`), as the servers list them."""

    BINDINGS = keymap.FOLLOW_REQUESTS

    def __init__(self, session: Session, account: str | None = None) -> None:
        super().__init__(id="requests")
        self.session = session
        self.account = account
        self.requests: list[tuple[str, Author]] = []
        self.notes: list[str] = []
        self.loaded = False

    def compose(self) -> Any:
        with Vertical(classes="pane"):
            yield Static("Follow requests", classes="pane-title")
            yield Static("Loading…", id="requests-notes", markup=False)
            yield OptionList(id="requests-list")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.action_reload()

    def action_reload(self) -> None:
        self.app.guard(self._load, doing="Loading follow requests", group="requests")  # type: ignore[attr-defined]

    async def _load(self) -> None:
        answers = await self.session.ask_each(
            lambda network: network.follow_requests(), [self.account] if self.account else None
        )
        self.requests, self.notes = answers.found, answers.notes
        self._show()
        self.loaded = True

    def _show(self) -> None:
        options = self.query_one(OptionList)
        keep = options.highlighted
        options.clear_options()
        options.add_options(Option(request_content(n, a)) for n, a in self.requests)
        if self.requests:
            options.highlighted = min(keep or 0, len(self.requests) - 1)
        summary = (
            f"{len(self.requests)} waiting: a accepts, d rejects."
            if self.requests
            else "No follow requests waiting."
        )
        self.query_one("#requests-notes", Static).update("\n".join([summary, *self.notes]))

    @property
    def selected(self) -> tuple[str, Author] | None:
        return self.highlighted_row(self.requests)

    def action_answer(self, accept: bool) -> None:
        chosen = self.selected
        if chosen is None:
            self.app.notify("No follow request selected.", severity="warning")
            return
        name, author = chosen

        async def answer() -> None:
            await self.session.network_for(name).answer_follow_request(author.uid, accept)
            if chosen in self.requests:
                self.requests.remove(chosen)
            self._show()
            who = author.display_name or author.handle
            self.app.notify(
                f"Accepted {who}: they follow {name} now." if accept else f"Rejected {who}.",
                markup=False,
            )

        doing = "Accepting" if accept else "Rejecting"
        self.app.guard(answer, doing=f"{doing} the follow request", group="requests")  # type: ignore[attr-defined]


def open_requests(app: Any, account: str | None = None) -> None:
    """Show the follow requests (of `account`, from its notification), unless already shown."""
    if not isinstance(app.screen, RequestsScreen):
        app.push_screen(RequestsScreen(app.session, account))
