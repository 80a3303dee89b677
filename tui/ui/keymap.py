"""Every key binding of the app, each with an id and a tooltip, and the user's `[keymap]` overlay.

Bindings are declared here once so the help screen can be generated from them and the ids the user
may rebind are known (an unknown id in config is reported, not silently ignored). Widgets and
screens take their BINDINGS from these lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from textual.binding import Binding

APP = [
    Binding(
        "q", "request_quit", "Quit", id="app.quit", tooltip="Quit (asks when a draft is unsent)"
    ),
    Binding("question_mark", "help", "Help", id="app.help", tooltip="Show every key binding"),
    Binding(
        "exclamation_mark",
        "messages",
        "Messages",
        id="app.messages",
        show=False,
        tooltip="List this run's errors",
    ),
    Binding(
        "O",
        "outbox",
        "Outbox",
        id="app.outbox",
        show=False,
        tooltip="The outbox: posts not yet confirmed by their server (retry, edit, drop)",
    ),
    Binding(
        "ctrl+q",
        "request_quit",
        "Quit",
        id="app.quit_anywhere",
        show=False,
        priority=True,
        tooltip="Quit from anywhere, even while typing",
    ),
]

MAIN = [
    Binding(
        "tab",
        "next_pane",
        "Next pane",
        id="pane.next",
        show=False,
        tooltip="Move to the next pane (or the next field of the composer)",
    ),
    Binding(
        "shift+tab",
        "previous_pane",
        "Previous pane",
        id="pane.previous",
        show=False,
        tooltip="Move to the previous pane (or the previous field of the composer)",
    ),
    Binding(
        "1",
        "show_pane('timeline')",
        "Timeline",
        id="pane.timeline",
        show=False,
        tooltip="Show the timeline pane",
    ),
    Binding(
        "2",
        "show_pane('notifications')",
        "Notifications",
        id="pane.notifications",
        show=False,
        tooltip="Show the notifications pane",
    ),
    Binding(
        "3",
        "show_pane('compose')",
        "Compose",
        id="pane.compose",
        show=False,
        tooltip="Show the compose pane",
    ),
    Binding("c", "compose", "Compose", id="compose.new", tooltip="Write a new post"),
    Binding(
        "e",
        "external_editor",
        "$EDITOR",
        id="compose.external",
        tooltip="Write the draft in $EDITOR",
    ),
    Binding(
        "slash",
        "search",
        "Search",
        id="app.search",
        tooltip="Search posts on the selected accounts",
    ),
    Binding(
        "R",
        "refresh",
        "Refresh",
        id="feed.refresh",
        tooltip="Fetch the newest posts and notifications",
    ),
    Binding(
        "F",
        "choose_feed",
        "Feed",
        id="feed.choose",
        tooltip="Choose what the timeline shows: all accounts, one account or one feed",
    ),
    Binding(
        "m",
        "mark_read",
        "Mark read",
        id="notifications.mark_read",
        show=False,
        tooltip="Mark every notification read",
    ),
]

POST = [
    Binding("r", "reply", "Reply", id="post.reply", tooltip="Reply to the selected post"),
    Binding("f", "like", "Like", id="post.like", tooltip="Like (or unlike) the selected post"),
    Binding(
        "b", "repost", "Boost", id="post.repost", tooltip="Boost/repost (or undo) the selected post"
    ),
    Binding(
        "B",
        "bookmark",
        "Bookmark",
        id="post.bookmark",
        show=False,
        tooltip="Bookmark (or unbookmark) the selected post",
    ),
    Binding("o", "links", "Links", id="post.links", tooltip="List the selected post's links"),
    Binding(
        "y",
        "copy_link",
        "Copy link",
        id="post.copy",
        show=False,
        tooltip="Copy the selected post's link to the clipboard (OSC 52)",
    ),
    Binding(
        "u",
        "profile",
        "Profile",
        id="post.profile",
        show=False,
        tooltip="Show the selected post's author",
    ),
    Binding(
        "D",
        "delete",
        "Delete",
        id="post.delete",
        show=False,
        tooltip="Delete the selected post (your own only; asks first)",
    ),
]

COMPOSE = [
    Binding(
        "ctrl+s",
        "send",
        "Send",
        id="compose.send",
        priority=True,
        tooltip="Send the draft to every target account",
    ),
    Binding(
        "ctrl+e",
        "external_editor",
        "$EDITOR",
        id="compose.editor",
        priority=True,
        tooltip="Edit the draft in $EDITOR",
    ),
    Binding(
        "ctrl+r",
        "retry",
        "Retry",
        id="compose.retry",
        priority=True,
        tooltip="Send again to the targets that failed",
    ),
    Binding(
        "escape",
        "leave",
        "Leave",
        id="compose.leave",
        show=False,
        tooltip="Leave the composer (the draft is kept)",
    ),
]

BACK = [Binding("escape", "back", "Back", id="screen.back", tooltip="Go back")]

# j/k in every list (posts, notifications, help, messages) under the same ids: one rebinding
# moves them all.
LIST_MOVES = [
    Binding(
        "down,j", "cursor_down", "Down", id="list.down", show=False, tooltip="Select the next item"
    ),
    Binding(
        "up,k", "cursor_up", "Up", id="list.up", show=False, tooltip="Select the previous item"
    ),
]

PROFILE = [
    Binding("F", "follow", "Follow", id="profile.follow", tooltip="Follow or unfollow"),
    Binding("M", "mute", "Mute", id="profile.mute", tooltip="Mute or unmute"),
    Binding("X", "block", "Block", id="profile.block", tooltip="Block or unblock"),
]


@dataclass(frozen=True, slots=True)
class HelpRow:
    section: str
    binding_id: str
    keys: str
    description: str


def _sections() -> list[tuple[str, Iterable[Binding]]]:
    # Imported here: the widgets import this module for their BINDINGS.
    from tui.ui.widgets.notifications import NotificationList
    from tui.ui.widgets.timeline import PostList

    return [
        ("Everywhere", APP),
        ("Main screen", MAIN),
        ("Posts (timeline, thread, search)", POST),
        ("Lists", PostList.BINDINGS),
        ("Notifications", NotificationList.BINDINGS),
        ("Composer", COMPOSE),
        ("Screens", BACK),
        ("Profile", PROFILE),
        ("Direct messages", [*DIRECT_MESSAGES, *CONVERSATIONS, *CONVERSATION]),
    ]


def _as_binding(entry: object) -> Binding | None:
    if isinstance(entry, Binding):
        return entry
    if isinstance(entry, tuple) and len(entry) >= 2:  # Textual's (key, action, description) form
        return Binding(*entry)
    return None


def help_rows(keymap: Mapping[str, str]) -> list[HelpRow]:
    """One row per binding id, with the keys in effect after the user's keymap."""
    rows: list[HelpRow] = []
    seen: set[str] = set()
    for section, bindings in _sections():
        for entry in bindings:
            binding = _as_binding(entry)
            if binding is None or binding.id is None or binding.id in seen:
                continue
            seen.add(binding.id)
            keys = keymap.get(binding.id, binding.key)
            rows.append(HelpRow(section, binding.id, keys, binding.tooltip or binding.description))
    return rows


def known_ids() -> set[str]:
    return {row.binding_id for row in help_rows({})}


def unknown_ids(keymap: Mapping[str, str]) -> list[str]:
    known = known_ids()
    return sorted(k for k in keymap if k not in known)


# Direct messages: `C` opens the list of private conversations; a conversation opens as a thread.
DIRECT_MESSAGES = [
    Binding(
        "C",
        "conversations",
        "Direct messages",
        id="app.conversations",
        show=False,
        tooltip="Private conversations of every account (Messages screen)",
    ),
]
CONVERSATIONS = [
    Binding("escape", "close", "Back", id="conversations.back", tooltip="Back"),
    Binding("n", "new", "New", id="conversations.new", tooltip="Write a new private message"),
    Binding("r", "reload", "Reload", id="conversations.reload", tooltip="Fetch them again"),
    Binding("d", "delete", "Delete", id="conversations.delete", tooltip="Delete the conversation"),
    Binding("j", "cursor('down')", "Down", show=False, id="conversations.down", tooltip="Next"),
    Binding("k", "cursor('up')", "Up", show=False, id="conversations.up", tooltip="Previous"),
]
CONVERSATION = [
    Binding("escape", "close", "Back", id="conversation.back", tooltip="Back to the list"),
    Binding(
        "ctrl+r", "reload", "Reload", id="conversation.reload", tooltip="Fetch new messages now"
    ),
]
