"""The commands of the `:` command line: one registry for the command line, the command palette,
`[keymap]` macros (`"x" = ":pipe wl-copy"`) and the help screen.

A command is a name, a usage line, a help sentence, an async runner that gets the app and the
rest of the line, and optionally a completer for its arguments. `execute` runs one line;
`completions` offers whole lines for tab; `palette_entries` lists the palette's entries, each of
which is a command line, so everything in the palette is a command.

A mistake in what was typed is a `CommandError` (a ValueError: the app shows it as a sentence).
"""

from __future__ import annotations

import asyncio
import difflib
import inspect
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from tui.feed import FeedSelection, serves
from tui.model import FeedRef, FilterAction, FilterRule, NetworkKind, Post
from tui.networks.base import NetworkError

if TYPE_CHECKING:
    from textual.worker import Worker

    from tui.ui.app import MurmurApp

Runner = Callable[["MurmurApp", str], Awaitable[None]]
Completer = Callable[["MurmurApp", list[str], str], Iterable[str]]


class CommandError(ValueError):
    """What was typed cannot be done; the message says why and what would work."""


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    usage: str  # the arguments, as in "SPEC [ACCOUNT]"; "" when it takes none
    help: str
    run: Runner
    complete: Completer | None = None
    aliases: tuple[str, ...] = ()

    @property
    def synopsis(self) -> str:
        return f":{self.name} {self.usage}".rstrip()


COMMANDS: dict[str, Command] = {}


def command(
    name: str,
    usage: str,
    help_text: str,
    *,
    complete: Completer | None = None,
    aliases: tuple[str, ...] = (),
) -> Callable[[Runner], Runner]:
    def register(run: Runner) -> Runner:
        COMMANDS[name] = Command(name, usage, help_text, run, complete, aliases)
        return run

    return register


# ----- running a line ----------------------------------------------------------------------------


def split(line: str) -> tuple[str, str]:
    """`:feed tag:x` → ("feed", "tag:x"): the command's name and the rest of the line."""
    text = line.strip().removeprefix(":").strip()
    name, _, rest = text.partition(" ")
    return name, rest.strip()


def find(name: str) -> Command:
    """The command `name` names: its name, an alias, or a prefix only one command has."""
    if name in COMMANDS:
        return COMMANDS[name]
    for cmd in COMMANDS.values():
        if name in cmd.aliases:
            return cmd
    starting = [c for c in COMMANDS.values() if c.name.startswith(name)] if name else []
    if len(starting) == 1:
        return starting[0]
    if starting:
        names = ", ".join(sorted(c.name for c in starting))
        raise CommandError(f":{name} could be any of {names}")
    close = difflib.get_close_matches(name, list(COMMANDS), n=1)
    hint = f" (did you mean :{close[0]}?)" if close else ""
    raise CommandError(f"unknown command :{name}{hint}; :help lists every command")


async def execute(app: MurmurApp, line: str) -> None:
    name, rest = split(line)
    if not name:
        return
    await find(name).run(app, rest)


def run_line(app: MurmurApp, line: str) -> Worker[None] | None:
    """Run `line` in a worker; a mistake or failure is reported like any other error."""
    if not split(line)[0]:
        return None
    shown = line.strip().removeprefix(":").strip()
    return app.guard(lambda: execute(app, line), doing=f":{shown[:60]}", group="command")


# ----- completion --------------------------------------------------------------------------------


def completions(app: MurmurApp, text: str) -> list[str]:
    """Whole lines completing the last word of `text` (without the colon), in order."""
    body = text.lstrip().removeprefix(":").lstrip()
    if " " not in body:
        return [f"{n} " for n in sorted(COMMANDS) if n.startswith(body)]
    name, _, args = body.partition(" ")
    try:
        cmd = find(name)
    except CommandError:
        return []
    if cmd.complete is None:
        return []
    words = args.split()
    partial = "" if not args or args.endswith(" ") else words.pop()
    head = body[: len(body) - len(partial)]
    found: list[str] = []
    for candidate in cmd.complete(app, words, partial):
        if candidate.lower().startswith(partial.lower()) and head + candidate not in found:
            found.append(head + candidate)
    if len(found) > 1 and body in found:
        found.remove(body)  # "list:" typed: its lists are what is left to choose
    return found


def common_prefix(lines: list[str]) -> str:
    if not lines:
        return ""
    first, last = min(lines), max(lines)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[:n]


# ----- what the commands act on ------------------------------------------------------------------


def _words(rest: str, usage: str, *, least: int = 0, most: int | None = None) -> list[str]:
    words = rest.split()
    if len(words) < least or (most is not None and len(words) > most):
        raise CommandError(f"expected {usage}")
    return words


def target_screen(app: MurmurApp) -> Any:
    """The screen commands act on: the one under the command line while it is open."""
    from tui.ui.widgets.commandbar import CommandBar

    stack = [s for s in app.screen_stack if not isinstance(s, CommandBar)]
    return stack[-1] if stack else app.screen


def selected_post(app: MurmurApp) -> Post | None:
    """The post the keys of the current screen act on; None (the user was told) if none."""
    screen = target_screen(app)
    pick = getattr(screen, "selected_post", None)
    if pick is None:
        raise CommandError("no post here: this works on a timeline, thread or notification")
    post = pick()
    return post if isinstance(post, Post) else None


def _account_names(app: MurmurApp) -> list[str]:
    return [a.name for a in app.session.accounts]


def _check_account(app: MurmurApp, name: str) -> str:
    names = _account_names(app)
    if name not in names:
        known = ", ".join(names) or "none yet"
        raise CommandError(f"no account named {name!r} (known: {known})")
    return name


# Each account's own feeds (lists, custom feeds), listed once per run for completion and labels.
_FEEDS: WeakKeyDictionary[Any, dict[str, list[FeedRef]]] = WeakKeyDictionary()
_FEED_PROBLEMS: WeakKeyDictionary[Any, list[str]] = WeakKeyDictionary()


def account_feeds(app: MurmurApp) -> dict[str, list[FeedRef]]:
    return _FEEDS.get(app, {})


def feed_problems(app: MurmurApp) -> list[str]:
    return _FEED_PROBLEMS.get(app, [])


async def load_account_feeds(app: MurmurApp) -> None:
    """List each connected account's own feeds; a network that cannot is said in the bar."""
    if app in _FEEDS:
        return
    _FEEDS[app] = {}
    networks = dict(app.session.networks)
    results = await asyncio.gather(*(n.feeds() for n in networks.values()), return_exceptions=True)
    found: dict[str, list[FeedRef]] = {}
    problems: list[str] = []
    for name, feeds in zip(networks, results, strict=True):
        if isinstance(feeds, BaseException):
            if not isinstance(feeds, NetworkError):
                raise feeds
            problems.append(f"{name}'s own feeds could not be listed: {feeds}")
            continue
        found[name] = list(feeds)
    _FEEDS[app] = found
    _FEED_PROBLEMS[app] = problems


# ----- the commands ------------------------------------------------------------------------------

STANDARD_FEEDS = (
    "home",
    "local",
    "public",
    "notifications",
    "bookmarks",
    "favourites",
    "direct",
    "tag:",
    "list:",
    "user:",
    "custom:",
)


def _complete_feed(app: MurmurApp, words: list[str], partial: str) -> Iterable[str]:
    if not words:
        yield from STANDARD_FEEDS
        for feeds in account_feeds(app).values():
            yield from (str(f) for f in feeds)
        if partial.startswith("tag:"):
            yield from (f"tag:{t}" for t in _loaded_tags(app))
    elif len(words) == 1:
        yield from _account_names(app)


def _loaded_tags(app: MurmurApp) -> list[str]:
    from tui.model import SpanKind

    tags: dict[str, None] = {}
    for post in _loaded_posts(app):
        for span in post.shown.content.spans:
            if span.kind is SpanKind.TAG and span.value:
                tags[span.value.lstrip("#").lower()] = None
    return list(tags)


def _loaded_posts(app: MurmurApp) -> list[Post]:
    items = getattr(app.main_screen, "merger", None)
    return [p for p in getattr(items, "items", ()) if isinstance(p, Post)]


@command(
    "feed",
    "[SPEC [ACCOUNT]]",
    "Show a feed: home, local, public, tag:NAME, list:ID, user:WHO, custom:URI, bookmarks, "
    "notifications, or an account's own feed (tab lists them); none: choose one",
    complete=_complete_feed,
)
async def _feed(app: MurmurApp, rest: str) -> None:
    words = _words(rest, "a feed and maybe an account, as in :feed tag:python", most=2)
    main = app.main_screen
    await app.back_to_main()
    if not words:
        main.action_choose_feed()
        return
    if words[0] in ("notifications", "notes"):
        main.show_pane("notifications")
        return
    account = _check_account(app, words[1]) if len(words) == 2 else None
    feed = FeedRef.parse(words[0])  # ValueError: says what was expected
    for name, feeds in account_feeds(app).items():
        for known in feeds:
            if str(known) == str(feed) and account in (None, name):
                feed, account = known, name  # its label (a list's name) and its account
                break
    chosen = [a for a in app.session.accounts if account in (None, a.name)]
    if not any(serves(a, feed.kind, app.session.networks.get(a.name)) for a in chosen):
        raise CommandError(f"no {feed.kind.value} feed on {account or 'any account'}")
    main.select_feed(FeedSelection.one_feed(feed, account=account))


@command(
    "account",
    "NAME|all",
    "Show one account's home timeline, or every account's (all)",
    complete=lambda app, words, partial: [] if words else ["all", *_account_names(app)],
)
async def _account(app: MurmurApp, rest: str) -> None:
    (name,) = _words(rest, "an account name or all", least=1, most=1)
    selection = (
        FeedSelection() if name == "all" else FeedSelection.one_account(_check_account(app, name))
    )
    await app.back_to_main()
    app.main_screen.select_feed(selection)


def _complete_people(app: MurmurApp, words: list[str], partial: str) -> Iterable[str]:
    if words:
        yield from _account_names(app)
        return
    from tui.cli.output import _author_json

    seen: dict[str, None] = {}
    for post in _loaded_posts(app):
        for author in (post.author, post.shown.author):
            shown = _author_json(author) or {}
            who = shown.get("npub") or shown.get("handle", "")
            if who and author.network is not NetworkKind.NOSTR:
                who = "@" + who.lstrip("@")
            seen[who] = None
    yield from sorted(seen)


async def _relate(app: MurmurApp, rest: str, *, undo: bool) -> None:
    from tui.ui.app import account_for

    usage = "who, as in :follow @name@server, :follow npub1… or :follow name.bsky.social"
    words = _words(rest, usage, least=1, most=2)
    who = words[0]
    if len(words) == 2:
        account: str | None = _check_account(app, words[1])
    else:
        account = account_for(who, app.session.accounts, app.main_screen.selection.account)
    if account is None:
        raise CommandError("log in to an account first")
    network = app.session.networks.get(account)
    if network is None:
        raise CommandError(f"{account} is not connected")
    verb = "unfollow" if undo else "follow"
    app.notify(f"{verb.title()}ing {who} on {account}…", markup=False)
    relationship = await network.follow(who, undo=undo)
    if undo:
        said = f"You no longer follow {who} on {account}."
    elif relationship.requested and not relationship.following:
        said = f"Follow requested: {who} approves followers."
    else:
        said = f"You follow {who} on {account}."
    app.notify(said, markup=False)


@command(
    "follow",
    "WHO [ACCOUNT]",
    "Follow @name@server, an npub or a Bluesky handle (on the account of its network)",
    complete=_complete_people,
)
async def _follow(app: MurmurApp, rest: str) -> None:
    await _relate(app, rest, undo=False)


@command("unfollow", "WHO [ACCOUNT]", "Stop following someone", complete=_complete_people)
async def _unfollow(app: MurmurApp, rest: str) -> None:
    await _relate(app, rest, undo=True)


def _complete_link(app: MurmurApp, words: list[str], partial: str) -> Iterable[str]:
    from tui.ui.screens.links import post_links

    listing = getattr(target_screen(app), "post_list", lambda: None)()
    item = getattr(listing, "selected", None)
    if not words and isinstance(item, Post):
        yield from (str(n) for n in range(1, len(post_links(item)) + 1))


@command(
    "open",
    "[N]",
    "Open the Nth link of the selected post (1 is the first); none: list its links",
    complete=_complete_link,
)
async def _open(app: MurmurApp, rest: str) -> None:
    from tui.ui.screens.links import post_links

    words = _words(rest, "a link number, as in :open 2", most=1)
    post = selected_post(app)
    if post is None:
        return
    if not words:
        target_screen(app).action_links()
        return
    links = post_links(post)
    try:
        n = int(words[0])
    except ValueError:
        raise CommandError(f"expected a link number, got {words[0]!r}") from None
    if not links:
        raise CommandError("this post has no links")
    if not 1 <= n <= len(links):
        raise CommandError(f"this post has {len(links)} link(s): 1 to {len(links)}")
    app.open_url(links[n - 1])


def _complete_theme(app: MurmurApp, words: list[str], partial: str) -> Iterable[str]:
    return [] if words else sorted(app.available_themes)


def _check_theme(app: MurmurApp, name: str) -> str:
    if name not in app.available_themes:
        close = difflib.get_close_matches(name, sorted(app.available_themes), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise CommandError(f"unknown theme {name!r}{hint}")
    return name


@command("theme", "NAME", "Switch the colour theme (for this run)", complete=_complete_theme)
async def _theme(app: MurmurApp, rest: str) -> None:
    (name,) = _words(rest, "a theme name", least=1, most=1)
    app.theme = _check_theme(app, name)


# ----- :set --------------------------------------------------------------------------------------

_TRUE = {"true", "on", "yes", "1"}
_FALSE = {"false", "off", "no", "0"}

# The [ui] settings that change at once, for this run (config.toml is not edited).
SETTINGS: dict[str, str] = {
    "relative_time": "true or false: times as 5m, or as dates",
    "show_counts": "true or false: reply, boost and like counts under posts",
    "wide_width": "columns from which all three panes show side by side",
    "timeline_limit": "posts fetched per page",
    "opener": "the command that opens links (empty: the browser)",
    "theme": "the colour theme",
}


def _setting_value(app: MurmurApp, key: str, raw: str) -> object:
    current = getattr(app.config.ui, key)
    if isinstance(current, bool):
        if raw.lower() in _TRUE:
            return True
        if raw.lower() in _FALSE:
            return False
        raise CommandError(f"{key} is true or false, got {raw!r}")
    if isinstance(current, int):
        try:
            value = int(raw)
        except ValueError:
            raise CommandError(f"{key} is a whole number, got {raw!r}") from None
        if value < 1:
            raise CommandError(f"{key} is at least 1, got {value}")
        return value
    if key == "theme":
        return _check_theme(app, raw)
    return raw


def _apply_settings(app: MurmurApp) -> None:
    """Show what the [ui] settings now say: in every list on every screen, and the layout."""
    from tui.ui.widgets.item_list import ItemList

    ui = app.config.ui
    for screen in app.screen_stack:
        for listing in screen.query(ItemList):
            # The lists take these at construction; they have no setter of their own.
            listing._absolute = not ui.relative_time
            listing._show_counts = ui.show_counts
            listing._relayout()
    main = app.main_screen
    main._layout(app.size.width)
    main.reader.page_size = ui.timeline_limit
    if app.theme != ui.theme and ui.theme in app.available_themes:
        app.theme = ui.theme


def _complete_set(app: MurmurApp, words: list[str], partial: str) -> Iterable[str]:
    if not words:
        return list(SETTINGS)
    if len(words) == 1:
        key = words[0]
        if key == "theme":
            return sorted(app.available_themes)
        if isinstance(getattr(app.config.ui, key, None), bool):
            return ["true", "false"]
    return []


@command(
    "set",
    "[KEY [VALUE]]",
    "Change a setting for this run: " + ", ".join(SETTINGS) + "; none: show them",
    complete=_complete_set,
)
async def _set(app: MurmurApp, rest: str) -> None:
    key, _, raw = rest.partition(" ")
    key, raw = key.strip(), raw.strip()
    if not key:
        from tui.ui.pipe import show_text

        lines = [f"{k} = {getattr(app.config.ui, k)!r}    ({SETTINGS[k]})" for k in SETTINGS]
        show_text(app, "Settings (:set KEY VALUE changes one for this run)", lines)
        return
    if key not in SETTINGS:
        raise CommandError(f"no setting {key!r}: :set takes {', '.join(SETTINGS)}")
    if not raw and key != "opener":
        app.notify(f"{key} = {getattr(app.config.ui, key)!r}", markup=False)
        return
    value = _setting_value(app, key, raw)
    app.config = replace(app.config, ui=replace(app.config.ui, **{key: value}))
    _apply_settings(app)
    app.notify(f"{key} = {value!r} (for this run)", markup=False)


# ----- pipes -------------------------------------------------------------------------------------


def _pipe_command(rest: str) -> str:
    if not rest.strip():
        raise CommandError("expected a shell command, as in :pipe wc -w")
    return rest.strip()


@command("pipe", "CMD", "Pipe the selected post as plain text to a shell command")
async def _pipe(app: MurmurApp, rest: str) -> None:
    from tui.ui.pipe import pipe_post

    command_text = _pipe_command(rest)
    post = selected_post(app)
    if post is not None:
        pipe_post(app, command_text, [post], as_json=False)


@command("pipe-json", "CMD", "Pipe the selected post as JSON (murmur's --json shape)")
async def _pipe_json(app: MurmurApp, rest: str) -> None:
    from tui.ui.pipe import pipe_post

    command_text = _pipe_command(rest)
    post = selected_post(app)
    if post is not None:
        pipe_post(app, command_text, [post], as_json=True)


async def _thread_items(app: MurmurApp, post: Post) -> list[Post]:
    """The whole thread of `post`: the one on screen in a thread, else fetched."""
    from tui.ui.screens.thread import ThreadScreen

    screen = app.screen
    if isinstance(screen, ThreadScreen):
        listed = screen.post_list()
        items = listed.items if listed is not None else []
        return [i for i in items if isinstance(i, Post)]
    network = app.session.network_for(post.account)
    thread = await network.thread(post.shown)
    items = [*thread.ancestors, thread.post, *thread.descendants]
    return [i for i in items if isinstance(i, Post)]


@command("pipe-thread", "CMD", "Pipe the selected post's whole thread as plain text")
async def _pipe_thread(app: MurmurApp, rest: str) -> None:
    from tui.ui.pipe import pipe_post

    command_text = _pipe_command(rest)
    post = selected_post(app)
    if post is not None:
        pipe_post(app, command_text, await _thread_items(app, post), as_json=False)


@command("pipe-thread-json", "CMD", "Pipe the whole thread as JSON, one post per line")
async def _pipe_thread_json(app: MurmurApp, rest: str) -> None:
    from tui.ui.pipe import pipe_post

    command_text = _pipe_command(rest)
    post = selected_post(app)
    if post is not None:
        pipe_post(app, command_text, await _thread_items(app, post), as_json=True)


# ----- filters -----------------------------------------------------------------------------------


def _complete_filter(app: MurmurApp, words: list[str], partial: str) -> Iterable[str]:
    if not words:
        return ["add", "list", "remove"]
    if words == ["add"]:
        return ["--warn"]
    if words[0] == "remove" and len(words) == 1:
        return [r.name for r in app.config.filters]
    return []


def _rules_changed(app: MurmurApp) -> None:
    from tui.ui.widgets.notifications import NotificationList
    from tui.ui.widgets.timeline import PostList

    rules = app.config.filters
    for screen in app.screen_stack:
        for posts in screen.query(PostList):
            posts.set_rules(rules)
        for notes in screen.query(NotificationList):
            notes.set_rules(rules)


async def _save_filters(app: MurmurApp, change: Callable[[tuple[FilterRule, ...]], Any]) -> None:
    """Change the rules in config.toml (under its lock, comments kept) and here."""
    from tui.store.config import ConfigError
    from tui.store.config_edit import update_config

    def edit() -> None:
        update_config(lambda c: replace(c, filters=change(c.filters)), app.config.path)

    try:
        await asyncio.to_thread(edit)
    except ConfigError as exc:
        raise CommandError(str(exc)) from None
    app.config = replace(app.config, filters=change(app.config.filters))
    _rules_changed(app)


@command(
    "filter",
    "add [--warn] WORDS | list | remove NAME",
    "Your filter rules (saved in config.toml): add hides posts with WORDS (--warn: shows them "
    "behind a warning), list shows them, remove drops one",
    complete=_complete_filter,
)
async def _filter(app: MurmurApp, rest: str) -> None:
    from tui.feed import check_rule

    verb, _, args = rest.partition(" ")
    args = args.strip()
    if verb == "list" or not verb:
        from tui.ui.pipe import show_text

        lines = [
            f"{r.name}: {r.match!r} ({r.action.value}"
            + (", regex" if r.regex else "")
            + (f", authors {', '.join(r.authors)}" if r.authors else "")
            + ")"
            for r in app.config.filters
        ] or ["No filter rules. :filter add WORDS adds one."]
        show_text(app, "Filter rules", lines)
        return
    if verb == "add":
        action = FilterAction.HIDE
        if args.startswith("--warn"):
            action, args = FilterAction.WARN, args.removeprefix("--warn").strip()
        elif args.startswith("--hide"):
            args = args.removeprefix("--hide").strip()
        if not args:
            raise CommandError("expected the words to filter, as in :filter add spoilers")
        if any(r.name == args for r in app.config.filters):
            raise CommandError(f"there is a rule named {args!r} already")
        rule = FilterRule(name=args, match=args, action=action)
        problem = check_rule(rule)
        if problem:
            raise CommandError(problem)
        await _save_filters(app, lambda rules: (*rules, rule))
        app.notify(f"Filter {args!r} added ({action.value}).", markup=False)
        return
    if verb == "remove":
        if not any(r.name == args for r in app.config.filters):
            names = ", ".join(repr(r.name) for r in app.config.filters) or "none"
            raise CommandError(f"no rule named {args!r} (rules: {names})")
        await _save_filters(app, lambda rules: tuple(r for r in rules if r.name != args))
        app.notify(f"Filter {args!r} removed.", markup=False)
        return
    raise CommandError(f"expected add, list or remove, got {verb!r}")


# ----- copying -----------------------------------------------------------------------------------


@command(
    "copy",
    "link|handle|text|json",
    "Copy the selected post's link, its author's handle (npub on Nostr), its text or its JSON",
    complete=lambda app, words, partial: [] if words else ["link", "handle", "text", "json"],
)
async def _copy(app: MurmurApp, rest: str) -> None:
    from tui.ui.screens.copy import WHAT, copy_what

    words = _words(rest, "link, handle, text or json", most=1)
    post = selected_post(app)
    if post is None:
        return
    if not words:
        app.action_copy_menu()
        return
    if words[0] not in WHAT:
        raise CommandError(f"expected link, handle, text or json, got {words[0]!r}")
    copy_what(app, post, words[0])


# ----- what the palette and the keys offer -------------------------------------------------------


def _simple(name: str, usage: str, help_text: str, act: Callable[[MurmurApp], object]) -> None:
    async def run(app: MurmurApp, rest: str) -> None:
        if rest.strip() and not usage:
            raise CommandError(f":{name} takes no arguments")
        result = act(app)
        if asyncio.iscoroutine(result):
            await result

    COMMANDS[name] = Command(name, usage, help_text, run)


async def _on_main(app: MurmurApp, action: str, *args: Any) -> None:
    await app.back_to_main()
    done = getattr(app.main_screen, action)(*args)
    if inspect.isawaitable(done):
        await done


_simple("compose", "", "Open the composer", lambda app: _on_main(app, "action_compose"))
_simple(
    "refresh",
    "",
    "Fetch the newest posts and notifications",
    lambda app: _on_main(app, "action_refresh"),
)
_simple("login", "", "Log in to an account: Mastodon, Bluesky or Nostr", lambda a: a.action_login())
_simple("messages", "", "This run's errors", lambda app: app.action_messages())
_simple(
    "conversations",
    "",
    "Direct messages: every account's private conversations",
    lambda app: app.action_conversations(),
)
COMMANDS["conversations"] = replace(COMMANDS["conversations"], aliases=("dm",))
_simple(
    "outbox", "", "Posts not yet confirmed: retry, edit or drop them", lambda a: a.action_outbox()
)
_simple("help", "", "Every key binding and command", lambda app: app.action_help())


def _complete_pane(app: MurmurApp, words: list[str], partial: str) -> Iterable[str]:
    if not words:
        yield from ("timeline", "notifications")


@command(
    "mark-read",
    "[timeline|notifications]",
    "Mark a pane read; none: what the focused pane or column shows",
    complete=_complete_pane,
)
async def _mark_read(app: MurmurApp, rest: str) -> None:
    pane = _words(rest, "[timeline|notifications]", most=1)
    if pane and pane[0] not in ("timeline", "notifications"):
        raise CommandError(":mark-read takes timeline or notifications")
    await _on_main(app, "action_mark_read", *pane)


_simple("quit", "", "Quit (asks when a draft is unsent)", lambda app: app.action_request_quit())
COMMANDS["quit"] = replace(COMMANDS["quit"], aliases=("q",))


@command("search", "[QUERY]", "Search posts, people and tags on the selected accounts")
async def _search(app: MurmurApp, rest: str) -> None:
    from textual.widgets import Input

    from tui.ui.screens.search import SearchScreen

    await app.back_to_main()
    main = app.main_screen
    accounts = [main.selection.account] if main.selection.account else main.reader.accounts()
    screen = SearchScreen(accounts)
    await app.push_screen(screen)
    query = rest.strip()
    if query:
        screen.query_one(Input).value = query
        app.guard(lambda: screen.run_search(query), doing="Searching", group="search")


@command(
    "profile",
    "[WHO]",
    "Open a profile by handle, npub or DID; none: ask for one",
    complete=_complete_people,
)
async def _profile(app: MurmurApp, rest: str) -> None:
    from tui.ui.app import account_for

    who = rest.strip()
    if not who:
        app.action_open_profile()
        return
    account = account_for(who, app.session.accounts, app.main_screen.selection.account)
    if account is None:
        raise CommandError("log in to an account first")
    from tui.ui.screens.profile import ProfileScreen

    app.push_screen(ProfileScreen(account, who))


def _post_action(action: str) -> Callable[[MurmurApp], None]:
    """Run the current screen's `action` on its selected post (the key does the same)."""

    def act(app: MurmurApp) -> None:
        if selected_post(app) is not None:
            getattr(target_screen(app), action)()

    return act


_simple("vote", "", "Vote in the selected post's poll", _post_action("action_vote"))
_simple(
    "edit",
    "",
    "Edit your selected post (delete and redraft where the network has no edits)",
    _post_action("action_edit"),
)
_simple("history", "", "Every version of the selected post", _post_action("action_edit_history"))
_simple("report", "", "Report the selected post or its author", _post_action("action_report"))


@command(
    "column",
    "[FEED [ACCOUNT]]",
    "Add a column (saved to config.toml): a feed, and an account for that account only; "
    "none: ask for one",
    complete=_complete_feed,
)
async def _column(app: MurmurApp, rest: str) -> None:
    from tui.ui.widgets.columns import add_column, add_column_from_app

    await app.back_to_main()
    if rest.strip():
        add_column(app, rest)
    else:
        add_column_from_app(app)


def _open_export(app: MurmurApp) -> None:
    from tui.ui.screens.export import ExportScreen  # its widgets load when first asked for

    app.push_screen(ExportScreen())


_simple("export", "", "Save your posts, follows, lists (and Nostr keys) to a folder", _open_export)


@command(
    "lists",
    "[ACCOUNT]",
    "Lists: show one as the timeline, make, rename, delete them and choose their people",
    complete=lambda app, words, partial: [] if words else _account_names(app),
)
async def _lists(app: MurmurApp, rest: str) -> None:
    from tui.ui.screens.lists import ListsScreen

    words = _words(rest, "at most one account name", most=1)
    app.push_screen(ListsScreen([_check_account(app, words[0])] if words else None))


def _list_add_target(app: MurmurApp, who: str | None) -> tuple[str, str]:
    """(account, who) for :list-add: the profile shown or the selected post's author, unless
    WHO was typed."""
    from tui.ui.app import account_for

    screen = target_screen(app)
    if who is None:
        profile = getattr(screen, "profile", None)
        author = getattr(profile, "author", None)
        if author is not None and isinstance(getattr(screen, "account", None), str):
            return screen.account, author.uid
        post = selected_post(app)
        if post is None:
            raise CommandError("no one here: open a profile or select a post, or type WHO")
        return post.account, post.shown.author.uid
    account = account_for(who, app.session.accounts, app.main_screen.selection.account)
    if account is None:
        raise CommandError("log in to an account first")
    return account, who


def _complete_list_add(app: MurmurApp, words: list[str], partial: str) -> Iterable[str]:
    if not words:  # each account's lists, as the feed completion loaded them
        for feeds in account_feeds(app).values():
            yield from (str(f) for f in feeds if f.kind.value == "list")
    elif len(words) == 1:
        yield from _complete_people(app, [], partial)


@command(
    "list-add",
    "LIST [WHO]",
    "Add the profile shown, the selected post's author or WHO to a list",
    complete=_complete_list_add,
)
async def _list_add(app: MurmurApp, rest: str) -> None:
    words = _words(rest, "a list (its title or id), as in :list-add Friends", least=1, most=2)
    account, who = _list_add_target(app, words[1] if len(words) == 2 else None)
    network = app.session.networks.get(account)
    if network is None:
        raise CommandError(f"{account} is not connected")
    wanted = words[0].removeprefix("list:")
    found = [e for e in await network.lists() if wanted in (e.id, e.title)]
    if not found:
        found = [e for e in await network.lists() if e.title.casefold() == wanted.casefold()]
    if len(found) != 1:
        said = "no list" if not found else "more than one list"
        raise CommandError(f"{said} {words[0]!r} on {account}: :lists shows them")
    person = await network.add_to_list(found[0].id, who)
    app.notify(f"Added {person.handle} to {found[0].title}.", markup=False)


def _open_mutes(app: MurmurApp) -> None:
    from tui.ui.screens.mutes import MutesScreen

    app.push_screen(MutesScreen())


_simple(
    "mutes", "", "Mutes and blocks: muted and blocked people, muted threads, filters", _open_mutes
)
_simple(
    "mute-thread",
    "",
    "Mute the selected post's thread: its notifications stop",
    _post_action("action_mute_thread"),
)


async def _labelers(app: MurmurApp, rest: str) -> None:
    from tui.model import NetworkKind
    from tui.ui.screens.labelers import LabelersScreen

    name = rest.strip()
    skies = [a for a in app.session.accounts if a.network is NetworkKind.BLUESKY]
    chosen = [a for a in skies if a.name == name] if name else skies[:1]
    if not chosen:
        which = f"no Bluesky account named {name!r}" if name else "no Bluesky account"
        raise CommandError(f"{which}: labelers are a Bluesky feature")
    network = app.session.networks.get(chosen[0].name)
    if network is None or not hasattr(network, "labelers"):
        raise CommandError(f"{chosen[0].name} is not connected")
    app.push_screen(LabelersScreen(network))  # type: ignore[arg-type]


command(
    "labelers",
    "[ACCOUNT]",
    "Bluesky labelers you use and, per label, whether posts are hidden, warned or shown",
)(_labelers)


def _open_scheduled(app: MurmurApp) -> None:
    from tui.ui.screens.scheduled import ScheduledScreen

    app.push_screen(ScheduledScreen(app.session))


_simple(
    "requests",
    "",
    "Follow requests of locked accounts: accept or reject (W)",
    lambda app: app.action_follow_requests(),
)
_simple("scheduled", "", "Scheduled posts: list, cancel", _open_scheduled)


@dataclass(frozen=True, slots=True)
class PaletteEntry:
    title: str
    line: str  # the command line the entry runs
    help: str


def palette_entries(app: MurmurApp) -> list[PaletteEntry]:
    """The command palette's entries: each one runs a command line."""
    found = [
        PaletteEntry("Compose a post", "compose", "Open the composer"),
        PaletteEntry("Search", "search", "Search posts on the selected accounts"),
        PaletteEntry("Choose feed…", "feed", "All accounts, one account or one feed"),
        PaletteEntry("Refresh", "refresh", "Fetch the newest posts and notifications"),
        PaletteEntry("Log in to an account", "login", "Mastodon, Bluesky or Nostr"),
        PaletteEntry(
            "Open profile…", "profile", "By handle, npub or DID (to unblock or unmute someone too)"
        ),
        PaletteEntry("Messages", "messages", "This run's errors"),
        PaletteEntry("Direct messages", "conversations", "Private conversations (C)"),
        PaletteEntry("Outbox", "outbox", "Posts not yet confirmed: retry, edit or drop them"),
        PaletteEntry(
            "Export account…", "export", "Save your posts, follows, lists (and Nostr keys)"
        ),
        PaletteEntry("Help: keys", "help", "Every key binding and command"),
        PaletteEntry("Add column…", "column", "Show another feed beside these"),
        PaletteEntry("Filter rules", "filter list", "Your rules that hide or warn"),
        PaletteEntry("Vote in poll", "vote", "Vote in the selected post's poll"),
        PaletteEntry("Edit post", "edit", "Edit your selected post (or delete and redraft)"),
        PaletteEntry("Edit history", "history", "Every version of the selected post"),
        PaletteEntry("Report…", "report", "Report the selected post to the moderators"),
        PaletteEntry("Settings", "set", "What :set can change for this run"),
        PaletteEntry("Show all accounts", "account all", "Merge every account's home"),
        PaletteEntry("Lists", "lists", "Your lists: show, make, rename, delete, choose people"),
        PaletteEntry("Mutes and blocks", "mutes", "Unmute, unblock, remove filter rules"),
        PaletteEntry("Labelers (Bluesky)", "labelers", "Hide, warn or show each labeler's labels"),
        PaletteEntry("Follow requests", "requests", "Accept or reject who asks to follow (W)"),
        PaletteEntry("Scheduled posts", "scheduled", "Posts waiting to go out; cancel one"),
    ]
    for account in app.session.accounts:
        found.append(
            PaletteEntry(
                f"Show account: {account.name}",
                f"account {account.name}",
                f"Only {account.name}'s home timeline",
            )
        )
    for feed in ("local", "public"):
        kind = FeedRef.parse(feed).kind
        if any(serves(a, kind, app.session.networks.get(a.name)) for a in app.session.accounts):
            found.append(
                PaletteEntry(
                    f"Show feed: {feed}", f"feed {feed}", f"The {feed} timeline of every account"
                )
            )
    for theme in sorted(app.available_themes):
        found.append(PaletteEntry(f"Theme: {theme}", f"theme {theme}", "Switch the colour theme"))
    return found


def help_lines() -> list[tuple[str, str, str]]:
    """(name, synopsis, help) for every command, by name."""
    return [
        (name, c.synopsis + "".join(f", :{a}" for a in c.aliases), c.help)
        for name, c in sorted(COMMANDS.items())
    ]
