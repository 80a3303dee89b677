"""An author's profile: names, bio, fields, counts, verification, relationship; follow/mute/
block keys; the author's posts in three tabs (posts with pinned ones first, replies, media),
`tab`/`shift+tab` moving between them.

Everything here is remote text: it is shown only as Content built from plain strings.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.binding import BindingType
from textual.screen import Screen
from textual.widgets import Footer, Static

from tui.model import Item, Post, Profile, ProfileTab, Relationship, VerificationState
from tui.networks.base import Capability, NetworkError
from tui.ui import keymap
from tui.ui.screens.actions import PostActions
from tui.ui.widgets.timeline import PostList


if TYPE_CHECKING:
    from tui.ui.app import MurmurApp


def _count(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def render_profile(profile: Profile) -> Content:
    """The whole profile as Content: remote strings are text, never markup."""
    author = profile.author
    parts: list[Content | tuple[str, str] | str] = [
        (author.display_name or author.handle, "bold"),
        "\n",
        (f"@{author.handle.lstrip('@')}", "$text-muted"),
        f"  [{author.network.value}]",
    ]
    if author.bot:
        parts.append(("  bot", "$warning"))
    if author.verified_domain:
        parts.append((f"  ✓ {author.verified_domain}", "$success"))
    for check in profile.verification:
        if check.method == "link" or not check.text:
            continue  # a verified link is shown on its field
        ok = check.state is VerificationState.VERIFIED
        parts += ["\n", (check.text, "$success" if ok else "$warning")]
    parts += [
        "\n\n",
        f"{_count(profile.posts)} posts · {_count(profile.following)} following · "
        f"{_count(profile.followers)} followers",
    ]
    if profile.relationship is not None:
        parts += ["\n", (relationship_text(profile.relationship), "$accent")]
    if profile.bio:
        parts += ["\n\n", profile.bio.text]
    for field in profile.fields:
        parts += ["\n", (field.name, "bold"), ": ", field.value.text]
        if field.verified:
            parts.append((f"  ✓ {field.domain}" if field.domain else "  ✓", "$success"))
    if author.url:
        parts += ["\n\n", (author.url, "$text-muted")]
    return Content.assemble(*parts)


def relationship_text(rel: Relationship) -> str:
    words = []
    if rel.following:
        words.append("you follow them")
    elif rel.requested:
        words.append("follow requested")
    if rel.followed_by:
        words.append("they follow you")
    if rel.muting:
        words.append("muted")
    if rel.blocking:
        words.append("blocked")
    if rel.blocked_by:
        words.append("they block you")
    return ", ".join(words) or "no relationship"


def _done(verb: str, name: str, rel: Relationship) -> str:
    """A toast that says what the server now reports, not only what was asked."""
    if verb == "follow" and rel.requested and not rel.following:
        return f"Follow requested: {name} approves followers."
    done = verb + ("d" if verb.endswith("e") else "ed")
    return f"{done.capitalize()} {name}."


PINNED_MARK = ("📌 pinned", "bold $accent")
TABS = (ProfileTab.POSTS, ProfileTab.REPLIES, ProfileTab.MEDIA)


def is_pinned(item: Item) -> bool:
    return isinstance(item, Post) and item.ref.get("pinned") == "1"


class ProfilePosts(PostList):
    """The author's posts; a pinned one says so on a line of its own above it."""

    def render_content(self, item: Item, view: Any) -> Content:
        content = super().render_content(item, view)
        return Content.assemble(PINNED_MARK, "\n", content) if is_pinned(item) else content


def tabs_line(current: ProfileTab, note: str = "") -> Content:
    parts: list[tuple[str, str] | str] = []
    for tab in TABS:
        label = f" {tab.value.capitalize()} "
        parts += [(label, "reverse bold" if tab is current else "$text-muted"), " "]
    parts.append(("tab/shift+tab", "$text-muted"))
    if note:
        parts += ["  ", note]
    return Content.assemble(*parts)


class ProfileHeader(VerticalScroll):
    """The profile's header; focused (`i`), the vi keys scroll it too."""

    BINDINGS: ClassVar[list[BindingType]] = [*keymap.PROFILE_HEADER]


class ProfileScreen(PostActions, Screen[None]):
    # Ahead of the list's own keys: `M` here mutes (it is "middle of the screen" in lists).
    BINDINGS = [*keymap.BACK, *(replace(b, priority=True) for b in keymap.PROFILE), *keymap.POST]
    DEFAULT_CSS = """
    ProfileScreen #profile-pane { height: auto; max-height: 50%; }
    ProfileScreen #profile-posts { height: 1fr; }
    ProfileScreen.about #profile-pane { height: 1fr; max-height: 100%; }
    ProfileScreen.about #profile-posts, ProfileScreen.about #profile-tabs { display: none; }
    """
    app: MurmurApp

    def __init__(self, account: str, who: str) -> None:
        super().__init__()
        self.account = account
        self.who = who
        self.profile: Profile | None = None
        self.tab = ProfileTab.POSTS
        self.items: list[Item] = []
        self.older: str | None = None
        self._loading = False

    def compose(self) -> Any:
        with Vertical(classes="pane"):
            with ProfileHeader(id="profile-pane"):
                yield Static("Profile", classes="pane-title")
                yield Static("Loading…", id="profile", markup=False)
            yield Static(tabs_line(self.tab), id="profile-tabs", markup=False)
            yield ProfilePosts(
                rules=self.app.config.filters,
                context="user",
                relative_time=self.app.config.ui.relative_time,
                show_counts=self.app.config.ui.show_counts,
                id="profile-posts",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(ProfilePosts).focus()  # j/k, enter and the post keys act on the list
        self.app.guard(self._load, doing="Loading the profile", group="profile")
        self._load_tab()

    def action_about(self) -> None:
        """The whole header (a long bio, many fields) on the screen, scrolled with the keys; or
        back to the posts. Keyboard only: the header has no other way to scroll."""
        about = not self.has_class("about")
        self.set_class(about, "about")
        if about:
            self.query_one(ProfileHeader).focus()
        else:
            self.query_one(ProfilePosts).focus()

    async def _load(self) -> None:
        try:
            network = self.app.session.network_for(self.account)
            profile = await network.profile(self.who)
        except Exception as exc:
            # The screen says so itself; the error goes on to the app's one route.
            self.failed(exc)
            raise
        self.show(profile)

    # ----- tabs ------------------------------------------------------------------------------
    def post_list(self) -> PostList | None:
        return self.query_one(ProfilePosts)

    @property
    def posts_text(self) -> str:
        """The tab bar and the posts listed, one line each (what a reader scans)."""
        lines = [str(self.query_one("#profile-tabs", Static).render())]
        for item in self.items:
            mark = "pinned " if is_pinned(item) else ""
            body = item.shown.content.text if isinstance(item, Post) else item.reason
            lines.append(mark + body.replace("\n", " "))
        return "\n".join(lines)

    def _load_tab(self, older: str | None = None) -> None:
        tab = self.tab
        if older is None:
            self.items, self.older = [], None
            self.query_one(ProfilePosts).set_items([])
            self.query_one("#profile-tabs", Static).update(tabs_line(tab, "Loading…"))
        self._loading = True

        async def load() -> None:
            try:
                network = self.app.session.network_for(self.account)
                page = await network.author_feed(self.who, tab, older)
            except Exception as exc:
                if tab is self.tab:
                    self._loading = False
                    reason = str(exc) if isinstance(exc, NetworkError) else type(exc).__name__
                    self.query_one("#profile-tabs", Static).update(
                        tabs_line(tab, f"Could not load: {reason}")
                    )
                raise
            if tab is not self.tab:
                return  # the user moved on: this answer is for a tab no longer shown
            self._loading = False
            seen = {i.uid for i in self.items}
            self.items += [i for i in page.items if i.uid not in seen]
            self.older = page.older
            self.query_one(ProfilePosts).set_items(self.items, keep_selection=older is not None)
            note = "" if self.items else f"No {tab.value} to show."
            if page.warnings:
                note = " ".join((note, *page.warnings)).strip()
            self.query_one("#profile-tabs", Static).update(tabs_line(tab, note))

        self.app.guard(load, doing=f"Loading the {tab.value} tab", group="profile-tab")

    def _switch(self, step: int) -> None:
        self.tab = TABS[(TABS.index(self.tab) + step) % len(TABS)]
        self._load_tab()

    def action_next_tab(self) -> None:
        self._switch(1)

    def action_previous_tab(self) -> None:
        self._switch(-1)

    @on(PostList.NeedMore)
    def _more(self, event: PostList.NeedMore) -> None:
        event.stop()
        if self.older and not self._loading:
            self._load_tab(self.older)

    @on(PostList.Opened)
    def _open(self, event: PostList.Opened) -> None:
        self.open_thread(event.item)

    # ----- the profile -----------------------------------------------------------------------
    def failed(self, error: BaseException) -> None:
        reason = str(error) if isinstance(error, NetworkError) else type(error).__name__
        self.query_one("#profile", Static).update(
            Content.assemble(
                (f"Could not load the profile of {self.who}", "bold $error"),
                "\n",
                reason or type(error).__name__,
                "\n\n",
                ("esc goes back", "$text-muted"),
            )
        )

    def show(self, profile: Profile) -> None:
        self.profile = profile
        self.query_one("#profile", Static).update(render_profile(profile))

    @property
    def text(self) -> str:
        return str(self.query_one("#profile", Static).render())

    def _relate(
        self, what: str, capability: Capability | None, flag: str, duration: int = 0
    ) -> None:
        profile = self.profile
        if profile is None:
            self.app.notify("The profile is not loaded (yet).", severity="warning")
            return
        network = self.app.session.networks.get(self.account)
        if network is None:
            self.app.notify(f"{self.account} is not connected.", severity="warning", markup=False)
            return
        if capability is not None and not network.supports(capability):
            self.app.notify(f"This network cannot {what}.", severity="warning")
            return
        before = profile.relationship or Relationship()
        undo = bool(getattr(before, flag))
        verb = ("un" if undo else "") + what
        # At once: the relationship shown changes now; the server's answer reconciles it.
        guess = replace(before, **{flag: not undo})
        shown = replace(profile, relationship=guess)
        if flag == "following":
            if undo:
                guess = replace(guess, requested=False)
            if profile.followers is not None and before.following == undo:
                shown = replace(profile, followers=max(0, profile.followers + (-1 if undo else 1)))
            shown = replace(shown, relationship=guess)
        self.show(shown)
        who = profile.author.uid or profile.author.handle
        name = profile.author.handle

        from tui.ui.undo import UndoEntry, record

        async def inverse() -> None:  # u, later: the opposite goes to the server
            await getattr(network, what)(who, undo=not undo)

        entry = UndoEntry(f"{verb} of {name}", inverse=inverse)
        record(self.app, entry)

        async def change() -> None:
            try:
                extra = {"duration": duration} if duration else {}
                new = await getattr(network, what)(who, undo=undo, **extra)
            except Exception:
                self.show(profile)  # as it was before the key: the error says it failed
                entry.dead = True  # nothing changed: nothing to undo
                raise
            if flag == "following" and new.requested and not new.following:
                # Awaiting approval: not (yet) one more follower.
                self.show(replace(profile, relationship=new))
            else:
                self.show(replace(self.profile or shown, relationship=new))
            self.app.notify(_done(verb, name, new), markup=False)

        self.app.guard(change, doing=f"Could not {verb} {name} (reverted)", group="relate")

    def action_follow(self) -> None:
        self._relate("follow", None, "following")

    def action_mute(self) -> None:
        from tui.ui.screens.mutes import ask_mute_duration

        ask_mute_duration(
            self, lambda seconds: self._relate("mute", Capability.MUTE, "muting", seconds)
        )

    def action_block(self) -> None:
        self._relate("block", Capability.BLOCK, "blocking")

    def action_back(self) -> None:
        self.dismiss(None)
