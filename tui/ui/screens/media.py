"""A post's attachments (`a`): type, size and alt text of each; enter opens one with
`[media] opener` (tui/media.py), y copies its link. With `[media] previews = "halfblock"` the
images of this post, and only they, are fetched for thumbnails."""

from __future__ import annotations

import os
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from textual import on
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.media import KittyImage, PreviewCache, kitty_transmit, plan_open, preview_cache
from tui.model import Media
from tui.text import link_host
from tui.ui.render import media_line, thumbnail_lines

if TYPE_CHECKING:
    from tui.ui.app import MurmurApp
    from tui.ui.render import View


def send_preview(app: Any, cache: PreviewCache, preview: object) -> None:
    """A kitty image goes to the terminal once, before the cells that show it are drawn."""
    if not isinstance(preview, KittyImage) or preview.id in cache.sent:
        return
    driver = getattr(app, "_driver", None)  # where Textual writes its own OSC 52 copies
    if driver is not None:
        driver.write(kitty_transmit(preview, tmux=bool(os.environ.get("TMUX"))))
        cache.sent.add(preview.id)


class InlinePreviews:
    """For a list of posts (PostList): with `[media] previews` on, the thumbnails of images in
    posts the list draws on screen, fetched then (never for a post off screen, nor for media
    behind a content warning not yet shown: those never ask for a thumbnail)."""

    def preview_view(self, view: View, uid: str) -> View:
        """`view` able to show thumbnails; the ones not loaded yet are noted for `uid`."""
        config = getattr(self.app, "config", None)  # type: ignore[attr-defined]
        if config is None or not preview_cache(config.media).on:
            return view
        cache = preview_cache(config.media)
        wanted: dict[str, list[Media]] = self.__dict__.setdefault("_preview_wanted", {})

        def thumb(media: Media) -> Any:
            found = cache.for_media(media)
            if found is None and not cache.failed(media):
                wanted.setdefault(uid, []).append(media)
            return found

        return replace(view, thumbs=thumb)

    def previews_on_screen(self, uid: str) -> None:
        """The item `uid` is being drawn: fetch the thumbnails it asked for, then redraw it."""
        wanted: dict[str, list[Media]] = self.__dict__.get("_preview_wanted", {})
        media = wanted.pop(uid, None)
        if not media:
            return
        app = self.app  # type: ignore[attr-defined]
        cache = preview_cache(app.config.media)

        async def load() -> None:
            got = [await cache.load(m) for m in media]
            for preview in got:
                send_preview(app, cache, preview)
            index = self.index_of(uid)  # type: ignore[attr-defined]
            if any(got) and index is not None:
                self.replace_item(self._shown[index])  # type: ignore[attr-defined]

        app.guard(load, doing="Loading previews", group="previews")


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
            preview = await cache.load(media)
            if preview is None or not self.is_attached:
                continue
            send_preview(self.app, cache, preview)
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
