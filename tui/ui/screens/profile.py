"""An author's profile: names, bio, fields, counts, relationship; follow/mute/block keys.

Everything here is remote text: it is shown only as Content built from plain strings.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from tui.model import Profile, Relationship
from tui.networks.base import Capability, NetworkError
from tui.ui import keymap

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
            parts.append(("  ✓", "$success"))
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


class ProfileScreen(Screen[None]):
    BINDINGS = [*keymap.BACK, *keymap.PROFILE]
    app: MurmurApp

    def __init__(self, account: str, who: str) -> None:
        super().__init__()
        self.account = account
        self.who = who
        self.profile: Profile | None = None

    def compose(self) -> Any:
        with VerticalScroll(classes="pane", id="profile-pane"):
            yield Static("Profile", classes="pane-title")
            yield Static("Loading…", id="profile", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.app.guard(self._load, doing="Loading the profile", group="profile")

    async def _load(self) -> None:
        try:
            network = self.app.session.network_for(self.account)
            profile = await network.profile(self.who)
        except Exception as exc:
            # The screen says so itself; the error goes on to the app's one route.
            self.failed(exc)
            raise
        self.show(profile)

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
