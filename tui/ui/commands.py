"""Command palette entries: switch account or feed, compose, search, theme, log in, outbox,
help."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.feed import FeedSelection, serves
from tui.model import FeedRef

if TYPE_CHECKING:
    from tui.ui.app import MurmurApp


class MurmurCommands(Provider):
    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app: MurmurApp = self.app  # type: ignore[assignment]
        main = app.main_screen
        found: list[tuple[str, Callable[[], object], str]] = [
            ("Compose a post", main.action_compose, "Open the composer"),
            ("Search", main.action_search, "Search posts on the selected accounts"),
            ("Choose feed…", main.action_choose_feed, "All accounts, one account or one feed"),
            ("Refresh", main.action_refresh, "Fetch the newest posts and notifications"),
            ("Log in to an account", app.action_login, "Mastodon, Bluesky or Nostr"),
            (
                "Open profile…",
                app.action_open_profile,
                "By handle, npub or DID (to unblock or unmute someone too)",
            ),
            ("Messages", app.action_messages, "This run's errors"),
            ("Direct messages", app.action_conversations, "Private conversations (C)"),
            ("Outbox", app.action_outbox, "Posts not yet confirmed: retry, edit or drop them"),
            ("Help: keys", app.action_help, "Every key binding and its id"),
        ]
        found.append(
            (
                "Show all accounts",
                partial(main.select_feed, FeedSelection()),
                "Merge every account's home",
            )
        )
        for account in app.session.accounts:
            found.append(
                (
                    f"Show account: {account.name}",
                    partial(main.select_feed, FeedSelection.one_account(account.name)),
                    f"Only {account.name}'s home timeline",
                )
            )
        for feed in ("local", "public"):
            ref = FeedRef.parse(feed)
            if not any(
                serves(a, ref.kind, app.session.networks.get(a.name)) for a in app.session.accounts
            ):
                continue  # no account has this feed: not offered
            found.append(
                (
                    f"Show feed: {feed}",
                    partial(main.select_feed, FeedSelection.one_feed(FeedRef.parse(feed))),
                    f"The {feed} timeline of every account",
                )
            )
        for theme in sorted(app.available_themes):
            found.append(
                (
                    f"Theme: {theme}",
                    partial(setattr, app, "theme", theme),
                    "Switch the colour theme",
                )
            )
        return found

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
