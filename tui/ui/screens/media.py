"""A post's attachments (`a`): type, size and alt text of each; enter opens one with
`[media] opener` (tui/media.py), y copies its link. With `[media] previews = "halfblock"` the
images of this post, and only they, are fetched for thumbnails."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.media import PreviewCache, plan_open
from tui.model import Media
from tui.text import link_host
from tui.ui.render import media_line, thumbnail_lines

if TYPE_CHECKING:
    from tui.store.config import MediaConfig
    from tui.ui.app import MurmurApp

_previews: PreviewCache | None = None


def preview_cache(media: MediaConfig) -> PreviewCache:
    """The app's one in-memory preview cache, rebuilt when the settings change."""
    global _previews
    wanted = (media.previews, media.preview_max_bytes, media.preview_cache_bytes)
    if _previews is None or (_previews.mode, _previews.max_bytes, _previews.cap) != wanted:
        _previews = PreviewCache(
            media.previews, max_bytes=media.preview_max_bytes, cap=media.preview_cache_bytes
        )
    return _previews


def open_media(app: MurmurApp, media: Media) -> None:
    """Run the opener detached (the URL one argument, never through a shell); with none to
    run, copy the link and say why."""
    from tui.ui.app import run_detached

    host = link_host(media.url) or "the attachment"
    try:
        plan = plan_open(media, opener=app.config.media.opener, fallback=app.config.ui.opener)
    except ValueError as exc:
        app.report_error(f"[media] opener cannot be read: {exc}", doing=f"Opening {host}")
        return
    if plan.argv is None:
        app.notify(plan.reason, markup=False)
        app.copy_text(media.url, what="Attachment link")
        return
    argv = plan.argv

    async def run() -> None:
        status = await run_detached(argv)
        if status:
            app.report_error(f"{argv[0]} exited with status {status}", doing=f"Opening {host}")

    app.notify(f"Opening {host} with {argv[0]}.", markup=False)
    app.guard(run, doing=f"Opening {host}", group="open")


class MediaScreen(ModalScreen[None]):
    app: MurmurApp

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Back", id="media.back", tooltip="Close the list"),
        Binding("y", "copy", "Copy", id="media.copy", tooltip="Copy the attachment's link"),
    ]

    def __init__(self, media: tuple[Media, ...]) -> None:
        super().__init__()
        self.media = media

    def _prompt(self, media: Media) -> Content:
        lines = [media_line(media), Content.styled(media.url, "$text-muted")]
        thumb = preview_cache(self.app.config.media).for_media(media)
        if thumb:
            lines += thumbnail_lines(thumb)
        return Content("\n").join(lines)

    def compose(self) -> Any:
        with Vertical(classes="dialog wide-dialog"):
            yield Static("Attachments", classes="dialog-title")
            yield OptionList(*[Option(self._prompt(m)) for m in self.media], id="media")
            yield Static("enter: open    y: copy the link    esc: back", classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        if preview_cache(self.app.config.media).on:
            self.app.guard(self._load_previews, doing="Loading previews", group="previews")

    async def _load_previews(self) -> None:
        cache = preview_cache(self.app.config.media)
        for i, media in enumerate(self.media):
            if await cache.load(media) is None or not self.is_attached:
                continue
            options = self.query_one(OptionList)
            options.replace_option_prompt_at_index(i, self._prompt(media))

    def highlighted(self) -> Media | None:
        index = self.query_one(OptionList).highlighted
        return None if index is None else self.media[index]

    @on(OptionList.OptionSelected)
    def _open(self, event: OptionList.OptionSelected) -> None:
        open_media(self.app, self.media[event.option_index])

    def action_copy(self) -> None:
        media = self.highlighted()
        if media is not None:
            self.app.copy_text(media.url, what="Attachment link")
