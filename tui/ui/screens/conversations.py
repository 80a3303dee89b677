"""Direct messages: every account's private conversations (the Messages screen), and one
conversation as a thread with a reply box.

Accounts whose network has no private messages here (or whose server lacks them, like a
Bluesky PDS without its chat service) are listed with the network's own sentence instead.
Nothing from a server is markup: names and texts reach the widgets as plain `Content`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.model import Conversation, Post
from tui.networks.base import NetworkError, Unsupported
from tui.ui import keymap
from tui.ui.screens.rows import OptionRows

if TYPE_CHECKING:
    from tui.networks.base import Network
    from tui.session import Session

POLL_SECONDS = 5.0  # how often an open conversation asks for new messages


def who(conv: Conversation) -> str:
    names = [a.display_name or a.handle for a in conv.participants]
    return ", ".join(names) or "only you"


def conversation_content(conv: Conversation) -> Content:
    last = conv.last
    text = " ".join(last.content.text.split()) if last is not None else ""
    when = conv.updated_at.astimezone().strftime("%Y-%m-%d %H:%M")
    parts: list[Content | tuple[str, str] | str] = [
        ("● " if conv.unread else "  ", "$accent"),
        (who(conv), "bold"),
        (f"  {conv.network.value} · {conv.account} · {when}\n  ", "$text-muted"),
    ]
    if last is not None and last.ref.get("legacy"):
        parts.append((f"[{last.ref['legacy']}] ", "$warning"))
    parts.append(text[:200])
    return Content.assemble(*parts)


def message_content(post: Post, me: str) -> Content:
    name = "you" if post.author.handle == me else post.author.display_name or post.author.handle
    when = post.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
    parts: list[Content | tuple[str, str] | str] = [
        (name, "bold"),
        (f"  {when}", "$text-muted"),
    ]
    if post.ref.get("legacy"):
        parts.append((f"  {post.ref['legacy']}", "$warning"))
    parts.append("\n" + post.content.text)
    return Content.assemble(*parts)


def open_message(app: Any, post: Post | None) -> None:
    """Open the conversation a private message belongs to, or the list where it cannot tell."""
    session = app.session
    uid = post.ref.get("conversation", "") if post is not None else ""
    if post is None or not uid or post.account not in session.networks:
        app.push_screen(ConversationsScreen(session))
        return
    network = session.network_for(post.account)
    conv = Conversation(
        post.network, post.account, uid, (post.author,), post, True, post.created_at
    )
    app.push_screen(ConversationScreen(network, conv))


class ConversationsScreen(OptionRows, Screen[None]):
    """The Messages screen: conversations of every account, the most recent first."""

    BINDINGS = keymap.CONVERSATIONS

    def __init__(self, session: Session) -> None:
        super().__init__(id="conversations")
        self.session = session
        self.conversations: list[Conversation] = []

    def compose(self) -> Any:
        with Vertical(classes="pane"):
            yield Static("Direct messages", classes="pane-title")
            yield Static("Loading…", id="conversations-notes", markup=False)
            yield OptionList(id="conversations-list")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.action_reload()

    def on_screen_resume(self) -> None:
        if self.conversations:
            self.action_reload()

    def action_reload(self) -> None:
        self.app.guard(self._load, doing="Loading direct messages", group="conversations")  # type: ignore[attr-defined]

    async def _load(self) -> None:
        async def conversations(network: Network) -> list[Conversation]:
            if not network.limits.messages:
                raise Unsupported(network.limits.messages_note)
            return await network.conversations()

        answers = await self.session.ask_each(conversations)
        found = [conversation for _name, conversation in answers.found]
        found.sort(key=lambda c: c.updated_at, reverse=True)
        notes = answers.notes
        self.conversations = found
        options = self.query_one(OptionList)
        keep = options.highlighted
        options.clear_options()
        options.add_options(
            Option(conversation_content(c), id=f"{c.account}\n{c.uid}") for c in found
        )
        if found:
            options.highlighted = min(keep or 0, len(found) - 1)
        summary = (
            f"{len(found)} conversation(s); n writes a new message."
            if found
            else ("No private conversations yet: n writes a new message.")
        )
        self.query_one("#conversations-notes", Static).update("\n".join([summary, *notes]))

    @property
    def selected(self) -> Conversation | None:
        return self.highlighted_row(self.conversations)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        conv = self.selected
        if conv is not None:
            network = self.session.network_for(conv.account)
            self.app.push_screen(ConversationScreen(network, conv))

    def action_new(self) -> None:
        able = [n for n in self.session.networks.values() if n.limits.messages]
        if not able:
            self.app.notify("No account here can send private messages.", severity="warning")
            return
        chosen = self.selected
        network = (
            self.session.network_for(chosen.account)
            if chosen is not None and chosen.account in self.session.networks
            else able[0]
        )
        self.app.push_screen(ConversationScreen(network, None))

    def action_delete(self) -> None:
        conv = self.selected
        if conv is None:
            return

        async def delete() -> None:
            await self.session.network_for(conv.account).delete_conversation(conv.uid)
            self.app.notify("Conversation deleted.")
            await self._load()

        self.app.guard(delete, doing="Deleting the conversation", group="conversations")  # type: ignore[attr-defined]


class ConversationScreen(Screen[None]):
    """One conversation as a thread, oldest first, with a reply box; or a new one (To: box)."""

    BINDINGS = keymap.CONVERSATION

    def __init__(self, network: Network, conversation: Conversation | None) -> None:
        super().__init__(id="conversation")
        self.network = network
        self.conversation = conversation
        self.messages: list[Post] = []
        self._loading = False

    def compose(self) -> Any:
        title = who(self.conversation) if self.conversation else "New private message"
        with Vertical(classes="pane"):
            yield Static(
                Content.assemble(("Direct messages · ", "bold"), title), classes="pane-title"
            )
            yield VerticalScroll(id="conversation-messages")
            if self.conversation is None:
                yield Input(
                    placeholder="To: handles or npubs, separated by spaces",
                    id="conversation-to",
                )
            yield Input(
                placeholder=f"Private message from {self.network.account.name} (enter sends)",
                id="conversation-reply",
            )
        yield Footer()

    def on_mount(self) -> None:
        first = "#conversation-to" if self.conversation is None else "#conversation-reply"
        self.query_one(first, Input).focus()
        if self.conversation is not None:
            self.action_reload()
        self.set_interval(POLL_SECONDS, self._poll)

    def action_close(self) -> None:
        self.dismiss(None)

    def _poll(self) -> None:
        if self.conversation is not None and not self._loading:
            self.action_reload()

    def action_reload(self) -> None:
        self.app.guard(self._load, doing="Loading the conversation", group="conversation")  # type: ignore[attr-defined]

    async def _load(self) -> None:
        conv = self.conversation
        if conv is None:
            return
        self._loading = True
        try:
            messages = await self.network.conversation(conv.uid)
            if conv.unread:
                await self.network.mark_conversation_read(conv.uid)
        finally:
            self._loading = False
        if [m.uid for m in messages] != [m.uid for m in self.messages]:
            self.messages = messages
            await self._show()

    async def _show(self) -> None:
        box = self.query_one("#conversation-messages", VerticalScroll)
        await box.remove_children()
        me = self.network.me.handle if self.network.me is not None else ""
        await box.mount_all(
            Static(message_content(m, me), classes="message", markup=False) for m in self.messages
        )
        box.scroll_end(animate=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "conversation-to":
            self.query_one("#conversation-reply", Input).focus()
            return
        text = event.value.strip()
        if not text:
            return
        to: tuple[str, ...] | Conversation
        if self.conversation is not None:
            to = self.conversation
        else:
            to = tuple(self.query_one("#conversation-to", Input).value.split())
            if not to:
                self.app.notify("Who is it for? Fill in To: first.", severity="warning")
                self.query_one("#conversation-to", Input).focus()
                return
        event.input.value = ""

        async def send() -> None:
            try:
                sent = await self.network.send_message(to, text)
            except NetworkError:
                event.input.value = text  # nothing is lost: try again or edit
                raise
            self.messages = [*self.messages, sent]
            await self._show()
            if self.conversation is None:
                await self._adopt(sent)

        self.app.guard(send, doing="Sending a private message", group="send")  # type: ignore[attr-defined]

    async def _adopt(self, sent: Post) -> None:
        """After the first message of a new conversation: follow that conversation."""
        for conv in await self.network.conversations():
            last = conv.last
            if conv.uid == sent.ref.get("conversation") or (last and last.uid == sent.uid):
                self.conversation = conv
                return
