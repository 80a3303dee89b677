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

# Panes are on alt+1/2/3. A terminal sends alt+digit as ESC and the digit, which Textual reads
# as the character macOS's option+digit types (¡ ™ £): both names are bound, and help shows
# only the alt+digit one.
ALT_DIGIT_CHARACTERS = frozenset({"inverted_exclamation_mark", "trade_mark_sign", "pound_sign"})
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
        "alt+1,inverted_exclamation_mark",
        "show_pane('timeline')",
        "Timeline",
        id="pane.timeline",
        show=False,
        tooltip="Show the timeline pane",
    ),
    Binding(
        "alt+2,trade_mark_sign",
        "show_pane('notifications')",
        "Notifications",
        id="pane.notifications",
        show=False,
        tooltip="Show the notifications pane",
    ),
    Binding(
        "alt+3,pound_sign",
        "show_pane('compose')",
        "Compose",
        id="pane.compose",
        show=False,
        tooltip="Show the compose pane",
    ),
    # A priority binding: handled as it arrives, so what is typed right behind it (one burst, as
    # a terminal delivers typing ahead) goes to the composer. MainScreen.check_action lets it
    # through to a text field that has focus.
    Binding("c", "compose", "Compose", id="compose.new", priority=True, tooltip="Write a new post"),
    Binding(
        "e",
        "external_editor",
        "$EDITOR",
        id="compose.external",
        tooltip="Write the draft in $EDITOR",
    ),
    Binding(
        "S",
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
        tooltip="Mark everything in the focused pane read (timeline or notifications)",
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
        "p",
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
    Binding(
        "i",
        "about",
        "About",
        id="profile.about",
        tooltip="The whole profile (fields, bio) on the screen, j/k to scroll; i again: the posts",
    ),
    Binding(
        "tab", "next_tab", "Next tab", id="profile.next_tab", tooltip="Posts → Replies → Media"
    ),
    Binding(
        "shift+tab",
        "previous_tab",
        "Previous tab",
        id="profile.previous_tab",
        show=False,
        tooltip="Media → Replies → Posts",
    ),
]


# Polls, edits and reports on the selected post (on every screen that has POST keys), and the
# keys of the vote dialog. `enter` on a post with an open poll opens the vote dialog.
POST_DAILY = [
    Binding(
        "E",
        "edit",
        "Edit",
        id="post.edit",
        show=False,
        tooltip="Edit your own post (delete and redraft where the network has no edits)",
    ),
    Binding(
        "alt+e",
        "edit_history",
        "History",
        id="post.history",
        show=False,
        tooltip="Show every version of an edited post",
    ),
    Binding(
        "ctrl+x",
        "report",
        "Report",
        id="post.report",
        show=False,
        tooltip="Report the selected post (or its author) to the moderators",
    ),
    Binding(
        "V", "vote", "Vote", id="post.vote", show=False, tooltip="Vote in the selected post's poll"
    ),
]
POST.extend(POST_DAILY)

POLL_DIALOG = [
    Binding("enter", "submit", "Vote", id="poll.submit", tooltip="Send the vote"),
    Binding("t", "thread", "Thread", id="poll.thread", tooltip="Open the post's thread instead"),
    Binding("escape", "cancel", "Cancel", id="poll.cancel", tooltip="Close without voting"),
]

REPORT_DIALOG = [
    Binding(
        "ctrl+s", "send", "Send report", id="report.send", priority=True, tooltip="Send the report"
    ),
    Binding("escape", "cancel", "Cancel", id="report.cancel", tooltip="Close without sending"),
]


# Unread state on the post and notification lists.
UNREAD = [
    Binding(
        "right_square_bracket",
        "next_unread",
        "Next unread",
        id="unread.next",
        show=False,
        tooltip="Go to the next unread item",
    ),
    Binding(
        "left_square_bracket",
        "previous_unread",
        "Previous unread",
        id="unread.previous",
        show=False,
        tooltip="Go to the previous unread item",
    ),
    Binding(
        "U",
        "toggle_read",
        "Read/unread",
        id="unread.toggle",
        show=False,
        tooltip="Mark the selected item unread (or read again)",
    ),
]

# Undo, on every screen with post keys; postponed drafts, on the main screen.
UNDO = [
    Binding(
        "u",
        "undo",
        "Undo",
        id="undo.last",
        show=False,
        tooltip="Undo the last like, boost, bookmark, follow, mute or block; "
        "cancel a delete or a post still waiting to go out",
    ),
]
DRAFTS = [
    Binding(
        "P",
        "postponed",
        "Drafts",
        id="drafts.list",
        show=False,
        tooltip="List postponed drafts (resume or delete one)",
    ),
]
UNDO_DRAFTS = [*UNDO, *DRAFTS]

# In the composer.
POSTPONE = [
    Binding(
        "ctrl+o",
        "postpone",
        "Postpone",
        id="compose.postpone",
        show=False,
        priority=True,
        tooltip="Put the draft aside for later (P lists postponed drafts)",
    ),
]


# threads/columns (issue 13): moves along the thread's tree and the columns of the wide layout.
THREADS = [
    Binding(
        "h,left", "parent", "Parent", id="thread.parent", tooltip="Go to the post this one answers"
    ),
    Binding(
        "J",
        "sibling(1)",
        "Next reply",
        id="thread.next_sibling",
        show=False,
        tooltip="Go to the next reply to the same post",
    ),
    Binding(
        "K",
        "sibling(-1)",
        "Previous reply",
        id="thread.previous_sibling",
        show=False,
        tooltip="Go to the previous reply to the same post",
    ),
    Binding(
        "space",
        "collapse",
        "Collapse",
        id="thread.collapse",
        tooltip="Collapse or expand the replies under the selected post",
    ),
]

# Motions, find and limit in every list (timeline, notifications, thread, search results).
# Digits are a count for the next motion while a list has focus: 5j, 10G, 3ctrl+d.
MOTIONS = [
    Binding(
        "1,2,3,4,5,6,7,8,9,0",
        "count",
        "Count",
        id="list.count",
        show=False,
        tooltip="A count for the next motion: 5j moves five posts, 10G goes to the tenth",
    ),
    Binding(
        "g",
        "go_prefix",
        "Top",
        id="list.top",
        show=False,
        tooltip="gg: go to the newest item (5gg: to the fifth)",
    ),
    Binding("home", "first", "Top", id="list.home", show=False, tooltip="Go to the newest item"),
    Binding(
        "G,end",
        "last",
        "Bottom",
        id="list.bottom",
        show=False,
        tooltip="Go to the oldest loaded item (10G: to the tenth)",
    ),
    Binding(
        "ctrl+f,pagedown,space",
        "page_down",
        "Page down",
        id="list.page_down",
        show=False,
        tooltip="Forward one screen of whole posts",
    ),
    Binding(
        "ctrl+b,pageup",
        "page_up",
        "Page up",
        id="list.page_up",
        show=False,
        tooltip="Back one screen of whole posts",
    ),
    Binding(
        "ctrl+d",
        "half_down",
        "Half down",
        id="list.half_down",
        show=False,
        tooltip="Forward half a screen of whole posts",
    ),
    Binding(
        "ctrl+u",
        "half_up",
        "Half up",
        id="list.half_up",
        show=False,
        tooltip="Back half a screen of whole posts",
    ),
    Binding(
        "H",
        "screen_top",
        "Screen top",
        id="list.screen_top",
        show=False,
        tooltip="Select the first post on screen (3H: the third)",
    ),
    Binding(
        "M",
        "screen_middle",
        "Screen middle",
        id="list.screen_middle",
        show=False,
        tooltip="Select the post in the middle of the screen",
    ),
    Binding(
        "L",
        "screen_bottom",
        "Screen bottom",
        id="list.screen_bottom",
        show=False,
        tooltip="Select the last whole post on screen (3L: the third from the bottom)",
    ),
    Binding(
        "z",
        "z_prefix",
        "Centre",
        id="list.centre",
        show=False,
        tooltip="zz: scroll so the selected post is in the middle of the screen",
    ),
    Binding(
        "slash",
        "find",
        "Find",
        id="list.find",
        tooltip="Find in what is loaded, as you type (@who #tag network:nostr has:media ...)",
    ),
    Binding(
        "n",
        "find_next",
        "Next match",
        id="list.find_next",
        show=False,
        tooltip="Go to the next match of the find",
    ),
    Binding(
        "N",
        "find_previous",
        "Previous match",
        id="list.find_previous",
        show=False,
        tooltip="Go to the previous match of the find",
    ),
    Binding(
        "l",
        "limit",
        "Limit",
        id="list.limit",
        tooltip="Show only the items matching a pattern (empty pattern: show all again)",
    ),
    Binding(
        "escape",
        "clear_limit",
        "Show all",
        id="list.clear_limit",
        show=False,
        tooltip="Clear the limit (when one is set)",
    ),
]

FIND_BAR = [
    Binding(
        "escape",
        "cancel",
        "Cancel",
        id="find.cancel",
        show=False,
        tooltip="Close the find or limit line (a find goes back to where it started)",
    ),
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


LISTS_SCREEN = [
    Binding("escape", "close", "Back", id="lists.back", tooltip="Back"),
    Binding("enter", "open", "Show", id="lists.open", tooltip="Show the list as the timeline"),
    Binding("n", "new", "New", id="lists.new", tooltip="Make a new list"),
    Binding("r", "rename", "Rename", id="lists.rename", tooltip="Give the list a new title"),
    Binding("d", "delete", "Delete", id="lists.delete", tooltip="Delete the list (asks first)"),
    Binding("m", "members", "People", id="lists.members", tooltip="The people on the list"),
    Binding("R", "reload", "Reload", id="lists.reload", tooltip="Fetch the lists again"),
    Binding("j", "cursor('down')", "Down", show=False, id="lists.down", tooltip="Next"),
    Binding("k", "cursor('up')", "Up", show=False, id="lists.up", tooltip="Previous"),
]
LIST_MEMBERS_SCREEN = [
    Binding("escape", "close", "Back", id="members.back", tooltip="Back to the lists"),
    Binding("a", "add", "Add", id="members.add", tooltip="Add someone: a handle, npub or DID"),
    Binding("d", "remove", "Remove", id="members.remove", tooltip="Take them off the list"),
    Binding("R", "reload", "Reload", id="members.reload", tooltip="Fetch the people again"),
    Binding("j", "cursor('down')", "Down", show=False, id="members.down", tooltip="Next"),
    Binding("k", "cursor('up')", "Up", show=False, id="members.up", tooltip="Previous"),
]
# Mutes: alt+m on a post mutes its thread; the Mutes and blocks screen (:mutes) undoes entries.
MUTE_POST = [
    Binding(
        "alt+m",
        "mute_thread",
        "Mute thread",
        id="post.mute_thread",
        show=False,
        tooltip="Mute the selected post's thread: its notifications stop (u undoes)",
    ),
]
POST.extend(MUTE_POST)
MUTES = [
    Binding("escape", "close", "Back", id="mutes.back", tooltip="Back"),
    Binding(
        "u",
        "undo_entry",
        "Undo",
        id="mutes.undo",
        tooltip="Unmute, unblock or remove the selected entry (asks first)",
    ),
    Binding("r", "reload", "Reload", id="mutes.reload", tooltip="Fetch the lists again"),
    Binding("j", "cursor('down')", "Down", show=False, id="mutes.down", tooltip="Next"),
    Binding("k", "cursor('up')", "Up", show=False, id="mutes.up", tooltip="Previous"),
]
# The Labelers screen (:labelers): Bluesky labelers and the user's rule for each of their labels.
LABELERS_SCREEN = [
    Binding("h", "rule('hide')", "Hide", id="labelers.hide", tooltip="Hide posts with this label"),
    Binding(
        "w", "rule('warn')", "Warn", id="labelers.warn", tooltip="Put this label behind a warning"
    ),
    Binding("s", "rule('show')", "Show", id="labelers.show", tooltip="Show this label's posts"),
    Binding(
        "d",
        "unsubscribe",
        "Unsubscribe",
        id="labelers.unsubscribe",
        tooltip="Stop using the highlighted labeler",
    ),
    Binding("a", "add", "Add labeler", id="labelers.add", tooltip="Subscribe to a labeler"),
    Binding(
        "escape",
        "close",
        "Back",
        id="labelers.back",
        tooltip="Close the screen (the timeline refreshes when a rule changed)",
    ),
]
MEDIA = [
    Binding(
        "a",
        "attachments",
        "Attachments",
        id="post.attachments",
        show=False,
        tooltip="List the selected post's attachments: enter opens one, y copies its link",
    ),
]


# The profile's header, once `i` shows all of it.
PROFILE_HEADER = [
    Binding("j", "scroll_down", "Down", id="about.down", show=False, tooltip="Scroll down"),
    Binding("k", "scroll_up", "Up", id="about.up", show=False, tooltip="Scroll up"),
    Binding(
        "space", "page_down", "Page down", id="about.page_down", show=False, tooltip="A page down"
    ),
]
# Follow requests (`W`, :requests) and scheduled posts (:scheduled); see tui/ui/screens/.
FOLLOW_REQUESTS_KEY = [
    Binding(
        "W",
        "follow_requests",
        "Follow requests",
        id="app.follow_requests",
        show=False,
        tooltip="Who asks to follow your locked accounts (accept or reject)",
    ),
]
FOLLOW_REQUESTS = [
    Binding("escape", "close", "Back", id="requests.back", tooltip="Back"),
    Binding("a", "answer(True)", "Accept", id="requests.accept", tooltip="Accept the request"),
    Binding("d", "answer(False)", "Reject", id="requests.reject", tooltip="Reject the request"),
    Binding("r", "reload", "Reload", id="requests.reload", tooltip="Fetch them again"),
    Binding("j", "cursor('down')", "Down", show=False, id="requests.down", tooltip="Next"),
    Binding("k", "cursor('up')", "Up", show=False, id="requests.up", tooltip="Previous"),
]
SCHEDULED = [
    Binding("escape", "close", "Back", id="scheduled.back", tooltip="Back"),
    Binding(
        "d", "cancel_post", "Cancel post", id="scheduled.cancel", tooltip="Cancel (asks first)"
    ),
    Binding("r", "reload", "Reload", id="scheduled.reload", tooltip="Fetch them again"),
    Binding("j", "cursor('down')", "Down", show=False, id="scheduled.down", tooltip="Next"),
    Binding("k", "cursor('up')", "Up", show=False, id="scheduled.up", tooltip="Previous"),
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
        ("Everywhere", [*APP, *CMDLINE]),
        ("Main screen", MAIN),
        ("Posts (timeline, thread, search)", POST),
        ("Motions, find and limit", [*MOTIONS, *FIND_BAR]),
        ("Lists", PostList.BINDINGS),
        ("Notifications", NotificationList.BINDINGS),
        ("Composer", COMPOSE),
        ("Screens", BACK),
        ("Profile", [*PROFILE, *PROFILE_HEADER]),
        ("Thread", THREADS),
        ("Unread", UNREAD),
        ("Undo and drafts", [*UNDO_DRAFTS, *POSTPONE]),
        ("Command line", COMMAND_BAR),
        ("Copy menu (y)", COPY_MENU),
        ("Vote and report dialogs", [*POLL_DIALOG, *REPORT_DIALOG]),
        ("Direct messages", [*DIRECT_MESSAGES, *CONVERSATIONS, *CONVERSATION]),
        ("Lists screen (:lists)", [*LISTS_SCREEN, *LIST_MEMBERS_SCREEN]),
        ("Mutes and blocks", MUTES),
        ("Labelers (Bluesky)", LABELERS_SCREEN),
        ("Follow requests, scheduled", [*FOLLOW_REQUESTS_KEY, *FOLLOW_REQUESTS, *SCHEDULED]),
        ("Attachments", MEDIA),
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


def pane_keys(user_keymap: Mapping[str, str]) -> dict[str, str]:
    """Each main pane's first key in effect (after the user's `[keymap]`), for the tab bar."""
    keys = {row.binding_id: row.keys for row in help_rows(user_keymap)}
    panes = ("timeline", "notifications", "compose")
    return {p: keys.get(f"pane.{p}", "").split(",")[0].strip() for p in panes}


def known_ids() -> set[str]:
    return {row.binding_id for row in help_rows({})}


def unknown_ids(keymap: Mapping[str, str]) -> list[str]:
    known = known_ids()
    return sorted(k for k, v in keymap.items() if k not in known and not is_macro(v))


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
