"""The Lists screen: every account's lists (Mastodon lists, Bluesky curate lists, Nostr follow
sets). `enter` shows one as the timeline; `n` makes one, `r` renames, `d` deletes (it asks),
`m` opens its people, where `a` adds someone (handle, npub or DID) and `d` takes them off.

Titles and names come from servers: they reach the widgets as plain `Content`, never markup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from tui.feed import FeedSelection
from tui.model import Author, UserList
from tui.networks.base import Capability, NetworkError, Prompt
from tui.ui import keymap
from tui.ui.screens.rows import OptionRows

if TYPE_CHECKING:
    from tui.networks.base import Network
    from tui.ui.app import MurmurApp


def list_content(entry: UserList) -> Content:
    count = "" if entry.members is None else f"{entry.members} people · "
    return Content.assemble(
        (entry.title or "(untitled)", "bold"),
        (f"  {count}{entry.network.value} · {entry.account}", "$text-muted"),
    )


def member_content(person: Author) -> Content:
    return Content.assemble(
        (person.display_name or person.handle, "bold"), (f"  {person.handle}", "$text-muted")
    )


def _ask(app: MurmurApp, label: str, then: Any) -> None:
    """Ask one line of text; `then(text)` runs with it unless it was left empty."""
    from tui.ui.screens.login import PromptScreen

    def answered(text: str | None) -> None:
        if text and text.strip():
            then(text.strip())

    app.push_screen(PromptScreen(Prompt("answer", label)), answered)


class ListsScreen(OptionRows, Screen[None]):
    """Lists of every account that has them (or of `accounts` only)."""

    BINDINGS = keymap.LISTS_SCREEN
    app: MurmurApp

    def __init__(self, accounts: list[str] | None = None) -> None:
        super().__init__(id="lists")
        self.only = accounts
        self.entries: list[UserList] = []

    def compose(self) -> Any:
        with Vertical():
            yield Static("Lists", classes="pane-title")
            yield Static("Loading…", id="lists-notes", markup=False)
            yield OptionList(id="lists-list")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.action_reload()

    def networks(self) -> dict[str, Network]:
        nets = self.app.session.networks
        return {n: net for n, net in nets.items() if self.only is None or n in self.only}

    def action_reload(self) -> None:
        self.app.guard(self._load, doing="Listing lists", group="lists", exclusive=True)

    async def _load(self) -> None:
        entries: list[UserList] = []
        notes: list[str] = []
        for name, net in self.networks().items():
            if not net.supports(Capability.LISTS):
                notes.append(f"{name}: lists are not supported on this network")
                continue
            try:
                entries += await net.lists()
            except NetworkError as exc:
                notes.append(f"{name}: {exc.message}")
        self.entries = entries
        options = self.query_one(OptionList)
        keep = options.highlighted
        options.clear_options()
        options.add_options(Option(list_content(e)) for e in entries)
        if entries:
            options.highlighted = min(keep or 0, len(entries) - 1)
        summary = (
            f"{len(entries)} lists: enter shows one, n new, r rename, d delete, m people."
            if entries
            else "No lists yet: n makes one."
        )
        self.query_one("#lists-notes", Static).update("\n".join([summary, *notes]))

    @property
    def selected(self) -> UserList | None:
        return self.highlighted_row(self.entries)

    def _account_for_new(self) -> str | None:
        chosen = self.selected
        if chosen is not None:
            return chosen.account
        main = self.app.main_screen.selection.account
        able = [n for n, net in self.networks().items() if net.supports(Capability.LISTS)]
        return main if main in able else (able[0] if able else None)

    def action_open(self) -> None:
        chosen = self.selected
        if chosen is None:
            return
        selection = FeedSelection.one_feed(chosen.feed, account=chosen.account)
        app = self.app

        async def show() -> None:  # an app worker: this screen's own would end with it
            await app.back_to_main()
            app.main_screen.select_feed(selection)

        app.guard(show, doing=f"Showing {chosen.title[:60]}")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_open()

    def _then_reload(self, work: Any, doing: str, said: str) -> None:
        async def run() -> None:
            await work()
            self.app.notify(said, markup=False)
            await self._load()

        self.app.guard(run, doing=doing, group="lists")

    def action_new(self) -> None:
        account = self._account_for_new()
        if account is None:
            self.app.notify("No account here keeps lists.", severity="warning")
            return
        net = self.app.session.networks[account]

        def create(title: str) -> None:
            self._then_reload(
                lambda: net.create_list(title), "Making a list", f"List {title} made on {account}."
            )

        _ask(self.app, f"Title of the new list on {account}", create)

    def action_rename(self) -> None:
        chosen = self.selected
        if chosen is None:
            return
        net = self.app.session.networks[chosen.account]

        def rename(title: str) -> None:
            self._then_reload(
                lambda: net.rename_list(chosen.id, title), "Renaming a list", f"Renamed {title}."
            )

        _ask(self.app, f"New title for {chosen.title}", rename)

    def action_delete(self) -> None:
        from tui.ui.screens.confirm import ConfirmScreen

        chosen = self.selected
        if chosen is None:
            return
        net = self.app.session.networks[chosen.account]

        def answered(yes: bool | None) -> None:
            if yes:
                self._then_reload(
                    lambda: net.delete_list(chosen.id),
                    "Deleting a list",
                    f"List {chosen.title} deleted.",
                )

        question = f"Delete the list {chosen.title} on {chosen.account}?"
        self.app.push_screen(ConfirmScreen(question, yes="Delete"), answered)

    def action_members(self) -> None:
        chosen = self.selected
        if chosen is not None:
            self.app.push_screen(ListMembersScreen(chosen), lambda _: self.action_reload())


class ListMembersScreen(OptionRows, Screen[None]):
    """The people on one list: `a` adds someone, `d` takes the highlighted person off."""

    BINDINGS = keymap.LIST_MEMBERS_SCREEN
    app: MurmurApp

    def __init__(self, entry: UserList) -> None:
        super().__init__(id="list-members")
        self.entry = entry
        self.people: list[Author] = []

    def compose(self) -> Any:
        with Vertical():
            yield Static(
                Content.assemble("People on ", (self.entry.title or "(untitled)", "bold")),
                classes="pane-title",
            )
            yield Static("Loading…", id="members-notes", markup=False)
            yield OptionList(id="members-list")
        yield Footer()

    @property
    def net(self) -> Network:
        return self.app.session.networks[self.entry.account]

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.action_reload()

    def action_reload(self) -> None:
        self.app.guard(self._load, doing="Listing a list's people", group="lists", exclusive=True)

    async def _load(self) -> None:
        try:
            self.people = await self.net.list_members(self.entry.id)
        except NetworkError as exc:
            self.query_one("#members-notes", Static).update(f"{self.entry.account}: {exc.message}")
            return
        options = self.query_one(OptionList)
        keep = options.highlighted
        options.clear_options()
        options.add_options(Option(member_content(p)) for p in self.people)
        if self.people:
            options.highlighted = min(keep or 0, len(self.people) - 1)
        self.query_one("#members-notes", Static).update(
            f"{len(self.people)} people: a adds someone, d takes them off."
            if self.people
            else "Nobody yet: a adds someone (a handle, npub or DID)."
        )

    @property
    def selected(self) -> Author | None:
        return self.highlighted_row(self.people)

    def action_add(self) -> None:
        def add(who: str) -> None:
            async def run() -> None:
                person = await self.net.add_to_list(self.entry.id, who)
                self.app.notify(f"Added {person.handle} to {self.entry.title}.", markup=False)
                await self._load()

            self.app.guard(run, doing=f"Adding {who[:60]} to a list", group="lists")

        _ask(self.app, f"Add to {self.entry.title}: a handle, npub or DID", add)

    def action_remove(self) -> None:
        person = self.selected
        if person is None:
            return

        async def run() -> None:
            await self.net.remove_from_list(self.entry.id, person.uid)
            self.app.notify(f"Took {person.handle} off {self.entry.title}.", markup=False)
            await self._load()

        self.app.guard(run, doing="Taking someone off a list", group="lists")
