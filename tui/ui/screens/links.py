"""The links of a post; enter opens one (http and https only), y copies it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.model import Post
from tui.text import link_host, safe_url

if TYPE_CHECKING:
    from tui.ui.app import MurmurApp


def post_links(post: Post) -> list[str]:
    """Every http(s) link of the post: text links, link card, media; each once, in order."""
    shown = post.shown
    found = [*shown.content.links]
    if shown.card is not None:
        found.append(shown.card.url)
    found.extend(m.url for m in shown.media)
    if shown.url:
        found.append(shown.url)
    safe = (safe_url(u) for u in found)
    return list(dict.fromkeys(u for u in safe if u))


class LinksScreen(ModalScreen[None]):
    app: MurmurApp

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Back", id="links.back", tooltip="Close the list"),
        Binding("y", "copy", "Copy", id="links.copy", tooltip="Copy the highlighted link"),
    ]

    def __init__(self, links: list[str]) -> None:
        super().__init__()
        self.links = links

    def compose(self) -> Any:
        with Vertical(classes="dialog wide-dialog"):
            yield Static("Links", classes="dialog-title")
            yield OptionList(
                *[
                    Option(Content.assemble((link_host(u), "bold"), "  ", (u, "$text-muted")), id=u)
                    for u in self.links
                ],
                id="links",
            )
            yield Static(
                "enter: open in the browser    y: copy    esc: back", classes="dialog-keys"
            )

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def highlighted(self) -> str | None:
        options = self.query_one(OptionList)
        if options.highlighted is None:
            return None
        return self.links[options.highlighted]

    @on(OptionList.OptionSelected)
    def _open(self, event: OptionList.OptionSelected) -> None:
        url = safe_url(self.links[event.option_index])
        if url is None:
            self.app.notify("Only http and https links open.", severity="warning")
            return
        self.app.open_url(url)

    def action_copy(self) -> None:
        url = self.highlighted()
        if url:
            self.app.copy_text(url, what="Link")
