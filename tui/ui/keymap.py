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
        "app.copy_menu",
        "Copy",
        id="post.copy",
        show=False,
        tooltip="Copy menu: y link (so yy copies it), h handle/npub, t text, j JSON",
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


# The command line (`:`), pipes (`|`) and the copy menu (`y`); see tui/ui/commandline.py.
CMDLINE = [
    Binding(
        "colon",
        "app.command_line",
        "Command",
        id="app.command_line",
        show=False,
        tooltip="Command line: :feed, :follow, :set, :pipe… (see Commands below)",
    ),
    Binding(
        "vertical_line",
        "app.pipe_prompt",
        "Pipe",
        id="post.pipe",
        show=False,
        tooltip="Pipe the selected post to a shell command (:pipe)",
    ),
]

COMMAND_BAR = [
    Binding(
        "tab",
        "complete(1)",
        "Complete",
        id="command_line.complete",
        tooltip="Complete the word (again: the next candidate)",
    ),
    Binding(
        "shift+tab",
        "complete(-1)",
        "Previous",
        id="command_line.complete_back",
        show=False,
        tooltip="The previous completion candidate",
    ),
    Binding(
        "up",
        "history(-1)",
        "Older",
        id="command_line.older",
        show=False,
        tooltip="An earlier command line starting with what is typed",
    ),
    Binding(
        "down",
        "history(1)",
        "Newer",
        id="command_line.newer",
        show=False,
        tooltip="A later command line starting with what is typed",
    ),
    Binding(
        "escape", "cancel", "Leave", id="command_line.cancel", tooltip="Leave the command line"
    ),
]

COPY_MENU = [
    Binding("y", "copy('link')", "Link", id="copy.link", tooltip="Copy the post's link"),
    Binding(
        "h",
        "copy('handle')",
        "Handle",
        id="copy.handle",
        tooltip="Copy the author's full handle (an npub on Nostr)",
    ),
    Binding("t", "copy('text')", "Text", id="copy.text", tooltip="Copy the post's text"),
    Binding(
        "j", "copy('json')", "JSON", id="copy.json", tooltip="Copy the post as JSON (--json shape)"
    ),
    Binding("escape", "dismiss(None)", "Back", id="copy.back", tooltip="Close the copy menu"),
]


def is_macro(value: str) -> bool:
    """A `[keymap]` entry `"key" = ":command …"` binds a key to a command line (a macro)."""
    return value.lstrip().startswith(":")


def macros(keymap: Mapping[str, str]) -> dict[str, str]:
    """The `[keymap]` macros: key → command line (without the colon)."""
    return {k: v.strip()[1:].strip() for k, v in keymap.items() if is_macro(v)}


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
        ("Everywhere", [*APP, *CMDLINE]),
        ("Main screen", MAIN),
        ("Posts (timeline, thread, search)", POST),
        ("Lists", PostList.BINDINGS),
        ("Notifications", NotificationList.BINDINGS),
        ("Composer", COMPOSE),
        ("Screens", BACK),
        ("Profile", PROFILE),
        ("Command line", COMMAND_BAR),
        ("Copy menu (y)", COPY_MENU),
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
    return sorted(k for k, v in keymap.items() if k not in known and not is_macro(v))
