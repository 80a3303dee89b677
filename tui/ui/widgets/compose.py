"""The compose pane: text, targets (cross-posting), live counters, CW, visibility, media, outbox.

Sending goes through `Session.send`, which stores the draft in the outbox before publishing, so a
crash or a failed server loses nothing; the pane shows each target's state (queued, sending, sent,
failed) and ctrl+r retries the failed ones. The draft autosaves to the cache while typing.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Select, SelectionList, Static, TextArea

from tui.model import Draft, MediaUpload, PollDraft, Post
from tui.networks.base import Capability, Network
from tui.ui import keymap

if TYPE_CHECKING:
    from tui.session import Hold, Session
    from tui.store.cache import OutboxEntry

VISIBILITIES = ("public", "unlisted", "private", "direct")
AUTOSAVE_DELAY = 1.0  # seconds of quiet before the draft is written to the cache
_STATE_STYLE = {"queued": "$warning", "sending": "$warning", "sent": "$success", "failed": "$error"}


def from_editor(text: str) -> str:
    """The draft's text as $EDITOR left it: editors end files with a newline the user did not
    mean as part of the post."""
    return text[:-1] if text.endswith("\n") else text


class ComposePane(VerticalScroll):
    """Everything needed to write one post to one or several accounts."""

    BINDINGS = [*keymap.COMPOSE, *keymap.POSTPONE]
    can_focus = False

    class Leave(Message):
        """The user left the composer (esc)."""

    class Resume(Message):
        """Put this draft in the composer and show it (undo send, a postponed draft)."""

        def __init__(self, draft: Draft, draft_id: str = "") -> None:
            super().__init__()
            self.draft = draft
            self.draft_id = draft_id

    class Edited(Message):
        """A published post was edited: `post` is the server's new version."""

        def __init__(self, post: Post) -> None:
            super().__init__()
            self.post = post

    class Sent(Message):
        def __init__(self, entries: list[OutboxEntry]) -> None:
            super().__init__()
            self.entries = entries

    def __init__(self, session: Session, *, id: str | None = None, classes: str = "") -> None:
        super().__init__(id=id, classes=classes)
        self.session = session
        self.reply_to: Post | None = None
        # Edit mode: the published post being edited, and the attachments it keeps.
        self.editing: Post | None = None
        self._kept_media: tuple[MediaUpload, ...] = ()
        self.entries: dict[str, OutboxEntry] = {}
        self._autosave: Timer | None = None
        self._restoring = False
        self._stop_listening: Any = None
        self._offered_labels: set[str] = set()
        # The temporary file $EDITOR edits, while it runs: the draft as the editor last saved
        # it (a signal that ends the app meanwhile saves that as the draft).
        self.editor_path: Path | None = None

    # ----- layout ----------------------------------------------------------------------------
    def compose(self) -> Any:
        config = self.session.config
        defaults = set(config.compose.default_accounts) or {
            a.name for a in self.session.accounts[:1]
        }
        yield Static("Compose", classes="pane-title")
        yield Static("", id="compose-reply", markup=False)
        yield Static("", id="compose-editing", markup=False)
        yield TextArea(id="compose-text", soft_wrap=True, tab_behavior="focus")
        yield Static("", id="compose-counters", markup=False)
        yield Input(placeholder="Content warning (optional)", id="compose-cw", compact=True)
        yield Static("", id="compose-cw-note", markup=False)
        yield SelectionList[str](
            *[(a.name, a.name, a.name in defaults) for a in self.session.accounts],
            id="compose-targets",
        )
        visibility = (
            config.compose.visibility if config.compose.visibility in VISIBILITIES else ("public")
        )
        yield Select(
            [(v, v) for v in VISIBILITIES],
            value=visibility,
            allow_blank=False,
            id="compose-visibility",
            compact=True,
        )
        yield Input(placeholder="Attach: path of an image", id="compose-media", compact=True)
        yield Input(placeholder="Alt text of the attachment", id="compose-alt", compact=True)
        yield from self._poll_fields()
        yield from self._schedule_fields()
        yield Static("", id="compose-outbox", markup=False)

    def on_mount(self) -> None:
        self.query_one("#compose-targets", SelectionList).border_title = "Post to"
        self.query_one("#compose-editing").display = False
        self._restore_draft()
        self._refresh_fields()
        # Accounts connect after the first paint: fields and counters follow what each target
        # turns out to support, and its server's own limits, as they become known.
        self._stop_listening = self.session.on_networks_changed(self._refresh_fields)

    def on_unmount(self) -> None:
        if self._stop_listening is not None:
            self._stop_listening()

    # ----- reading the form ------------------------------------------------------------------
    @property
    def text_area(self) -> TextArea:
        return self.query_one("#compose-text", TextArea)

    @property
    def targets(self) -> list[str]:
        return list(self.query_one("#compose-targets", SelectionList).selected)

    def _target_networks(self) -> list[tuple[str, Network | None]]:
        found: list[tuple[str, Network | None]] = []
        for name in self.targets:
            found.append((name, self.session.networks.get(name)))
        return found

    def _supported(self, capability: Capability) -> bool:
        return any(n is not None and n.supports(capability) for _, n in self._target_networks())

    def draft(self) -> Draft:
        cw = self.query_one("#compose-cw", Input).value.strip()
        media_path = self.query_one("#compose-media", Input).value.strip()
        alt = self.query_one("#compose-alt", Input).value.strip()
        visibility = ""
        if self._supported(Capability.VISIBILITY):
            visibility = str(self.query_one("#compose-visibility", Select).value)
        media = (MediaUpload(os.path.expanduser(media_path), alt),) if media_path else ()
        if self._kept_media:  # editing: the first kept attachment's alt text is in the field
            first = replace(self._kept_media[0], alt=alt)
            media = (first, *self._kept_media[1:], *media)
        return Draft(
            self.text_area.text,
            targets=tuple(self.targets),
            content_warning=cw,
            sensitive=bool(cw),
            visibility=visibility,
            language=self.session.config.compose.language,
            reply_to=self.reply_to,
            media=media,
            poll=self._poll_draft(),
            scheduled_at=self._scheduled_at(),
        )

    def has_unsent_text(self) -> bool:
        return bool(self.text_area.text.strip())

    def add_target(self, name: str) -> None:
        targets = self.query_one("#compose-targets", SelectionList)
        if name not in [
            str(targets.get_option_at_index(i).value) for i in range(targets.option_count)
        ]:
            targets.add_option((name, name, not self.targets))
        self._refresh_fields()

    # ----- live feedback ---------------------------------------------------------------------
    def _refresh_fields(self) -> None:
        self._show("#compose-visibility", self._supported(Capability.VISIBILITY))
        media = self._supported(Capability.MEDIA)
        self._show("#compose-media", media)
        self._show("#compose-alt", media)
        self._show("#compose-cw", True)
        self._refresh_poll_fields()
        self._refresh_schedule_fields()
        self._update_counters()
        self._update_warning_note()

    def _show(self, selector: str, visible: bool) -> None:
        self.query_one(selector).display = visible

    def _update_warning_note(self) -> None:
        """Where a warning cannot be free text (Bluesky), say before sending what happens to it,
        and offer the network's labels (typed, or completed with the right arrow)."""
        cw_input = self.query_one("#compose-cw", Input)
        cw = cw_input.value.strip()
        notes: list[str] = []
        labels: dict[str, None] = {}
        for name, network in self._target_networks():
            if network is None or not network.limits.self_labels:
                continue
            choices = network.limits.self_labels
            labels.update((value, None) for value, _ in choices)
            if cw and network.limits.warning_label(cw) is None:
                offered = ", ".join(value for value, _ in choices)
                notes.append(
                    f"{name}: {network.kind.value.capitalize()} has no free-text warnings, so "
                    f'"CW: {cw}" goes at the top of the post for everyone to read; '
                    f"its labels are {offered}"
                )
        note = self.query_one("#compose-cw-note", Static)
        note.update("\n".join(notes))
        note.display = bool(notes)
        if set(labels) != self._offered_labels:
            self._offered_labels = set(labels)
            cw_input.suggester = (
                SuggestFromList(list(labels), case_sensitive=False) if labels else None
            )

    def _update_counters(self) -> None:
        text = self.text_area.text
        cw = self.query_one("#compose-cw", Input).value
        parts: list[Content | tuple[str, str] | str] = []
        for name, network in self._target_networks():
            if parts:
                parts.append("  ")
            if network is None:
                parts.append((f"{name} –", "$text-muted"))
                continue
            limits = network.limits
            left = limits.max_chars - limits.count(text, cw)
            parts.append((f"{name}: {left} left", "bold $error" if left < 0 else "$text-muted"))
        if not parts:
            parts.append(("choose at least one account below", "$warning"))
        self.query_one("#compose-counters", Static).update(Content.assemble(*parts))

    def counters_text(self) -> str:
        return str(self.query_one("#compose-counters", Static).render())

    @on(TextArea.Changed)
    @on(Input.Changed)
    def _edited(self) -> None:
        self._update_counters()
        self._update_warning_note()
        self._schedule_autosave()

    @on(SelectionList.SelectedChanged)
    def _targets_changed(self) -> None:
        self._refresh_fields()
        self._schedule_autosave()

    # ----- reply context ---------------------------------------------------------------------
    def start_reply(self, post: Post) -> None:
        """Fill the reply context: answer from the account that saw the post, and mention its
        author where the network's replies do that (Mastodon)."""
        shown = post.shown
        self.reply_to = shown
        network = self.session.networks.get(post.account)
        me = network.me if network is not None else None
        handles = [shown.author.handle]
        if shown.reply_to_author:
            handles.append(shown.reply_to_author)
        if network is not None and not network.supports(Capability.REPLY_MENTIONS):
            handles = []
        mentions = [
            f"@{h.lstrip('@')}"
            for h in dict.fromkeys(handles)
            if h and (me is None or h != me.handle)
        ]
        prefix = " ".join(mentions) + (" " if mentions else "")
        area = self.text_area
        if not area.text.startswith(prefix):
            area.text = prefix + area.text
        area.move_cursor(area.document.end)
        targets = self.query_one("#compose-targets", SelectionList)
        targets.deselect_all()
        targets.select(post.account)
        if shown.content_warning:
            self.query_one("#compose-cw", Input).value = shown.content_warning
        self._show_reply()

    def _show_reply(self) -> None:
        label = self.query_one("#compose-reply", Static)
        if self.reply_to is None:
            label.display = False
            return
        first = self.reply_to.content.text.splitlines()[0] if self.reply_to.content.text else ""
        label.update(
            Content.assemble(
                ("↩ replying to ", "$text-muted"),
                (self.reply_to.author.name, "bold"),
                ": ",
                first[:120],
            )
        )
        label.display = True

    def clear(self) -> None:
        self.reply_to = None
        self.text_area.text = ""
        for selector in ("#compose-cw", "#compose-media", "#compose-alt"):
            self.query_one(selector, Input).value = ""
        self._clear_poll()
        self.query_one("#compose-schedule", Input).value = ""
        self._stop_editing()
        self._refresh_schedule_fields()  # hidden while a published post was being edited
        self._show_reply()
        self._delete_saved_draft()

    def focus_editor(self) -> None:
        # At once, not on the next turn of the loop as Widget.focus does: the keys typed right
        # behind the one that opened the composer are routed by the focus they find.
        self.screen.set_focus(self.text_area)

    def fields(self) -> list[Widget]:
        return [
            w for w in self.query("TextArea, Input, SelectionList, Select, Checkbox") if w.display
        ]

    def focus_field(self, step: int) -> bool:
        """Move focus among the composer's fields; False when it would leave the pane."""
        fields = self.fields()
        focused = self.app.focused
        if focused not in fields:
            return False
        index = fields.index(focused) + step
        if not 0 <= index < len(fields):
            return False
        fields[index].focus()
        return True

    # ----- sending ---------------------------------------------------------------------------
    def action_send(self) -> None:
        draft = self.draft()
        if self.editing is not None:
            self._send_edit(self.editing, draft)
            return
        if not draft.text.strip() and not draft.media:
            self.app.notify("Nothing to send yet.", severity="warning")
            return
        if not draft.targets:
            self.app.notify("Choose at least one account to post to.", severity="warning")
            return
        poll_problem = self._poll_problem(draft) or self._schedule_problem()
        problems = [poll_problem] if poll_problem else self.session.check_draft(draft)
        if problems:
            self.app.notify(
                "; ".join(problems), title="Not sent", severity="error", markup=False, timeout=8
            )
            return
        self.save_draft()
        hold = self._undo_window(draft)
        self.app.guard(lambda: self._send(draft, hold), doing="Sending", group="send")

    def _undo_window(self, draft: Draft) -> Hold | None:
        """With `[compose] undo_send_seconds`, the post waits that long, `u` takes it back: the
        form empties at once (the outbox holds the post) and the reader is back in the feed."""
        from tui.session import Hold
        from tui.ui.undo import UndoEntry, record

        seconds = self.session.config.compose.undo_send_seconds
        if seconds <= 0:
            return None
        hold = Hold(seconds)
        record(self.app, UndoEntry("post", hold=hold, cancelled=lambda: self._taken_back(draft)))
        self.clear()
        self._pending(f"Sending in {seconds} s — u to undo")
        self.post_message(self.Leave())
        return hold

    def _taken_back(self, draft: Draft, *, cancelled: bool = True) -> None:
        self._pending("")
        if cancelled:  # nothing was sent: no states to show
            self.entries = {}
            self._draw_outbox()
        self.post_message(self.Resume(draft))

    def _pending(self, text: str) -> None:
        status = getattr(self.app, "status_bar", None)
        if status is not None:
            status.set_pending(text)

    async def _send(self, draft: Draft, hold: Hold | None = None) -> None:
        from tui.session import SendCancelled

        self.entries = {}
        try:
            entries = await self.session.send(draft, on_update=self._on_outbox, hold=hold)
        except SendCancelled:
            return  # taken back with u: the form has it again
        finally:
            if hold is not None:
                self._pending("")
        if hold is not None and any(e.state != "sent" for e in entries):
            # The form was emptied for the undo window: the text comes back with the failure,
            # as it stays there without a window (the outbox keeps it for ctrl+r too).
            self._taken_back(draft, cancelled=False)
        self._finish(entries)

    def _on_outbox(self, entry: OutboxEntry) -> None:
        self.entries[entry.id] = entry
        self._draw_outbox()

    def _finish(self, entries: list[OutboxEntry]) -> None:
        failed = [e for e in entries if e.state != "sent"]
        scheduled = [e for e in entries if e.state == "sent" and e.draft.scheduled_at is not None]
        if scheduled:
            entries = self._scheduled(entries, scheduled, cleared=not failed)
        if not failed:
            if not scheduled:
                names = ", ".join(e.account for e in entries)
                self.clear()
                self.app.notify(f"Sent to {names}.", markup=False)
        else:
            reasons = "; ".join(f"{e.account}: {e.error}" for e in failed)
            self.app.notify(
                f"Not sent to {reasons}. It stays in the outbox: ctrl+r retries.",
                title="Send failed",
                severity="error",
                markup=False,
            )
        self.post_message(self.Sent(entries))

    def action_retry(self) -> None:
        # Every post waiting for a retry, this run's and those an earlier run left behind.
        failed = self.session.retryable()
        if not failed:
            edits = sum(e.needs_edit for e in self.session.pending())
            self.app.notify(
                f"Nothing to retry: {edits} post(s) in the outbox need an edit first."
                if edits
                else "Nothing to retry."
            )
            return

        async def retry() -> None:
            import asyncio

            results = await asyncio.gather(
                *(self.session.retry(e.id, on_update=self._on_outbox) for e in failed)
            )
            self._finish(list(results))

        self.app.guard(retry, doing="Retrying", group="send")

    def _draw_outbox(self) -> None:
        parts: list[Content | tuple[str, str] | str] = []
        for entry in self.entries.values():
            if parts:
                parts.append("\n")
            parts.append((f"{entry.account}: ", "bold"))
            state = "rejected, needs an edit" if entry.needs_edit else entry.state
            if state == "sent" and entry.draft.scheduled_at is not None:
                state = "scheduled"
            parts.append((state, _STATE_STYLE.get(entry.state, "")))
            if entry.error:
                parts.append((f" — {entry.error}", "$text-muted"))
        self.query_one("#compose-outbox", Static).update(Content.assemble(*parts))

    def outbox_text(self) -> str:
        return str(self.query_one("#compose-outbox", Static).render())

    def action_leave(self) -> None:
        self.post_message(self.Leave())

    # ----- $EDITOR ---------------------------------------------------------------------------
    def action_external_editor(self) -> None:
        config_editor = self.session.config.compose.editor
        command = config_editor or os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        argv = shlex.split(command)
        fd, name = tempfile.mkstemp(prefix="murmur-draft-", suffix=".md")
        path = Path(name)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(self.text_area.text)
            self.editor_path = path
            status = self._run_editor([*argv, str(path)])
            if status != 0:
                self.app.notify(
                    f"{argv[0]} exited with status {status}; the draft is unchanged.",
                    severity="warning",
                    markup=False,
                )
                return
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            self.app.report_error(exc, doing=f"Running {argv[0] if argv else 'the editor'}")
            return
        finally:
            self.editor_path = None
            path.unlink(missing_ok=True)
        self.text_area.text = from_editor(text)
        self.text_area.move_cursor(self.text_area.document.end)
        self.focus_editor()

    def _run_editor(self, argv: list[str]) -> int:
        from textual.app import SuspendNotSupported

        from tui.ui.app import child_env

        env = child_env()  # the vault passphrase never reaches the editor
        try:
            with self.app.suspend():
                return subprocess.call(argv, env=env)
        except SuspendNotSupported:
            # Headless (tests, textual-web): no terminal to hand over; run without one.
            return subprocess.call(argv, stdin=subprocess.DEVNULL, env=env)

    # ----- drafts ----------------------------------------------------------------------------
    def action_postpone(self) -> None:
        """Put the draft aside (P lists them) and empty the form for something else."""
        if self.editing is not None:
            self.app.notify(
                "An edit of a published post is not postponed: ctrl+s saves it, esc leaves it.",
                severity="warning",
            )
            return
        if self.postpone() is None:
            self.app.notify("Nothing to postpone yet.", severity="warning")
            return
        self.app.notify("Postponed: P lists postponed drafts.")
        self.post_message(self.Leave())

    def postpone(self) -> str | None:
        """Save the form as a postponed draft and clear it; its id, or None when it was empty."""
        cache = self.session.cache
        draft = self.draft()
        if (
            cache is None
            or self.editing is not None
            or (not draft.text.strip() and not draft.media)
        ):
            return None
        draft_id = cache.postpone(draft)
        self.clear()
        return draft_id

    def _schedule_autosave(self) -> None:
        if self._restoring or self.editing is not None:  # an edit is no draft of a new post
            return
        if self._autosave is not None:
            self._autosave.stop()
        self._autosave = self.set_timer(AUTOSAVE_DELAY, self.save_draft)

    def save_draft(self, text: str | None = None) -> None:
        """Write the form to the cache as the draft (none when it holds no text); `text`, when
        given, stands for the form's text (what $EDITOR has while it runs)."""
        from tui.store.cache import COMPOSE_DRAFT

        cache = self.session.cache
        if cache is None or not self.is_mounted:  # not yet built: the saved draft is its draft
            return
        draft = self.draft()
        if text is not None:
            draft = replace(draft, text=text)
        if draft.text.strip():
            cache.save_draft(COMPOSE_DRAFT, draft)
        else:
            cache.delete_draft()

    def load_draft(self, draft: Draft) -> None:
        """Put `draft` in the form to be edited (from the outbox): text, CW, targets, reply."""
        self._restoring = True
        try:
            self._fill(draft)
        finally:
            self._restoring = False
        self._show_reply()
        self._refresh_fields()
        self.save_draft()

    def _delete_saved_draft(self) -> None:
        if self._autosave is not None:
            self._autosave.stop()
        if self.session.cache is not None:
            self.session.cache.delete_draft()

    def _restore_draft(self) -> None:
        cache = self.session.cache
        draft = cache.load_draft() if cache is not None else None
        if draft is None:
            self._show_reply()
            return
        self._restoring = True
        try:
            self._fill(draft)
        finally:
            self._restoring = False
        self._show_reply()

    def _fill(self, draft: Draft) -> None:
        self.text_area.text = draft.text
        self.query_one("#compose-cw", Input).value = draft.content_warning
        if draft.targets:
            targets = self.query_one("#compose-targets", SelectionList)
            targets.deselect_all()
            for name in draft.targets:
                if any(a.name == name for a in self.session.accounts):
                    targets.select(name)
        if draft.visibility in VISIBILITIES:
            self.query_one("#compose-visibility", Select).value = draft.visibility
        media = draft.media[0] if draft.media else None
        self.query_one("#compose-media", Input).value = media.path if media else ""
        self.query_one("#compose-alt", Input).value = media.alt if media else ""
        self.reply_to = draft.reply_to
        self._fill_poll(draft.poll)
        self._fill_schedule(draft)

    # ----- polls -----------------------------------------------------------------------------
    def _poll_fields(self) -> Any:
        yield Input(
            placeholder="Poll: choices separated by | (optional)", id="compose-poll", compact=True
        )
        yield Input(
            placeholder="Poll closes after (30m, 6h, 1d; default 1d)",
            id="compose-poll-expires",
            compact=True,
        )
        yield Checkbox("Several choices", id="compose-poll-multiple", compact=True)
        yield Checkbox("Hide totals until it closes", id="compose-poll-hide", compact=True)
        yield Static("", id="compose-poll-note", markup=False)

    def _refresh_poll_fields(self) -> None:
        """Poll fields where a target can take a poll, with a note naming the targets that
        cannot; none at all when no target can."""
        able = self._supported(Capability.POLL)
        for selector in (
            "#compose-poll",
            "#compose-poll-expires",
            "#compose-poll-multiple",
            "#compose-poll-hide",
        ):
            self._show(selector, able)
        without = [
            f"{name}: polls are not available on {network.kind.value.capitalize()}"
            for name, network in self._target_networks()
            if network is not None
            and (not network.supports(Capability.POLL) or network.limits.max_poll_options <= 0)
        ]
        # Said where a poll could be written: the targets it would not reach.
        note = self.query_one("#compose-poll-note", Static)
        note.update("\n".join(without))
        note.display = able and bool(without)

    def _poll_draft(self) -> PollDraft | None:
        from tui.polls import DEFAULT, choices, duration

        if not self._supported(Capability.POLL):
            return None
        options = choices(self.query_one("#compose-poll", Input).value)
        if not options:
            return None
        expires = self.query_one("#compose-poll-expires", Input).value.strip() or DEFAULT
        try:
            seconds = duration(expires)
        except ValueError:
            seconds = -1  # refused when sending, with the reason (see _poll_problem)
        return PollDraft(
            tuple(options),
            expires_in=seconds,
            multiple=self.query_one("#compose-poll-multiple", Checkbox).value,
            hide_totals=self.query_one("#compose-poll-hide", Checkbox).value,
        )

    def _poll_problem(self, draft: Draft) -> str:
        poll = draft.poll
        if poll is None:
            return ""
        if len(poll.options) < 2:
            return "A poll needs at least two choices (separate them with |)."
        if poll.expires_in <= 0:
            return "Poll duration: write it as 30m, 6h or 1d."
        return ""

    def _fill_poll(self, poll: PollDraft | None) -> None:
        seconds = poll.expires_in if poll is not None else 86400
        expires = (
            "" if seconds == 86400 else f"{seconds // 60}m" if seconds % 60 == 0 else str(seconds)
        )
        self.query_one("#compose-poll", Input).value = " | ".join(poll.options) if poll else ""
        self.query_one("#compose-poll-expires", Input).value = expires
        self.query_one("#compose-poll-multiple", Checkbox).value = bool(poll and poll.multiple)
        self.query_one("#compose-poll-hide", Checkbox).value = bool(poll and poll.hide_totals)

    def _clear_poll(self) -> None:
        self._fill_poll(None)

    # ----- scheduling (Mastodon) --------------------------------------------------------------
    def _schedule_fields(self) -> Any:
        yield Input(
            placeholder="Schedule: in 2h, tomorrow 09:00, 2026-12-24T09:00 (optional)",
            id="compose-schedule",
            compact=True,
        )
        yield Static("", id="compose-schedule-note", markup=False)

    def _refresh_schedule_fields(self) -> None:
        """The schedule field where a target can schedule (and not while editing a published
        post), with a note naming the targets that cannot: sending to them is refused."""
        able = self._supported(Capability.SCHEDULE) and self.editing is None
        self._show("#compose-schedule", able)
        without = [
            f"{name}: {network.kind.value.capitalize()} has no scheduled posts: a schedule "
            "is refused while this account is chosen"
            for name, network in self._target_networks()
            if network is not None and not network.supports(Capability.SCHEDULE)
        ]
        note = self.query_one("#compose-schedule-note", Static)
        note.update("\n".join(without))
        note.display = able and bool(without)

    def _schedule_text(self) -> str:
        field = self.query_one("#compose-schedule", Input)
        return field.value.strip() if field.display and self.editing is None else ""

    def _scheduled_at(self) -> Any:
        from tui.schedule import parse_when

        text = self._schedule_text()
        if not text:
            return None
        try:
            return parse_when(text)
        except ValueError:
            return None  # refused when sending, with the reason (see _schedule_problem)

    def _schedule_problem(self) -> str:
        from tui.schedule import parse_when

        text = self._schedule_text()
        if not text:
            return ""
        try:
            parse_when(text)
        except ValueError as exc:
            return f"Schedule: {exc}"
        return ""

    def _fill_schedule(self, draft: Draft) -> None:
        at = draft.scheduled_at
        value = at.astimezone().strftime("%Y-%m-%dT%H:%M") if at is not None else ""
        self.query_one("#compose-schedule", Input).value = value

    def _scheduled(
        self, entries: list[OutboxEntry], scheduled: list[OutboxEntry], *, cleared: bool
    ) -> list[OutboxEntry]:
        """Scheduled, not published: say when, let `u` cancel them on their servers, and keep
        them out of the timeline (`:scheduled` lists them)."""
        from tui.schedule import describe
        from tui.ui.undo import UndoEntry, record

        at = scheduled[0].draft.scheduled_at
        assert at is not None
        names = ", ".join(e.account for e in scheduled)
        if cleared:
            self.clear()
        posts = [(e.account, e.post) for e in scheduled if isinstance(e.post, Post)]

        async def cancel() -> None:
            for account, post in posts:
                await self.session.network_for(account).cancel_scheduled(post)

        if posts:
            record(self.app, UndoEntry("scheduled post", inverse=cancel))
        self.app.notify(
            f"Scheduled for {describe(at)} on {names}: :scheduled lists them, u cancels.",
            markup=False,
        )
        return [replace(e, post=None) if e in scheduled else e for e in entries]

    # ----- editing a published post ----------------------------------------------------------
    def start_edit(self, post: Post | None, draft: Draft) -> None:
        """Fill the form with `draft`: editing `post` when given (ctrl+s saves the edit), else
        a new post holding a deleted one's text (delete and redraft)."""
        self.clear()
        self._restoring = True
        try:
            self._fill(draft)
            self._kept_media = tuple(m for m in draft.media if m.remote_id) if post else ()
            if self._kept_media:
                self.query_one("#compose-media", Input).value = ""
        finally:
            self._restoring = False
        self.editing = post
        label = self.query_one("#compose-editing", Static)
        if post is not None:
            label.update(
                Content.assemble(
                    ("✎ editing your post on ", "$text-muted"),
                    (post.account, "bold"),
                    ("  ctrl+s saves the edit, esc leaves it", "$text-muted"),
                )
            )
        label.display = post is not None
        self.query_one("#compose-targets", SelectionList).disabled = post is not None
        self._show_reply()
        self._refresh_fields()
        self.text_area.move_cursor(self.text_area.document.end)
        self.focus_editor()

    def _stop_editing(self) -> None:
        self.editing = None
        self._kept_media = ()
        self.query_one("#compose-editing", Static).display = False
        self.query_one("#compose-targets", SelectionList).disabled = False

    def _send_edit(self, post: Post, draft: Draft) -> None:
        network = self.session.networks.get(post.account)
        if network is None:
            self.app.notify(f"{post.account} is not connected.", severity="warning", markup=False)
            return
        draft = replace(draft, targets=(post.account,), reply_to=None)
        problem = self._poll_problem(draft)
        problems = [problem] if problem else self.session.check_draft(draft)
        if problems:
            self.app.notify(
                "; ".join(problems), title="Not saved", severity="error", markup=False, timeout=8
            )
            return

        async def edit() -> None:
            edited = await network.edit(post, draft)
            self.clear()
            self.app.notify("Edited.")
            self.post_message(self.Edited(edited))

        self.app.guard(
            edit, doing="Could not save the edit (it is still in the composer)", group="send"
        )
