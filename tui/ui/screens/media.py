"""A post's attachments (`a`): type, size and alt text of each; enter opens one with
`[media] opener` (tui/media.py), y copies its link. With `[media] previews` on the images of
this post, and only they, are fetched for thumbnails (sixel ones show as half-blocks here).
InlinePreviews puts thumbnails in the posts of a list, sixel ones drawn after Textual's frame."""

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

from rich.segment import Segment
from textual.geometry import Region
from textual.strip import Strip

from tui.media import (
    KittyImage,
    PreviewCache,
    SixelImage,
    Thumb,
    kitty_transmit,
    plan_open,
    preview_cache,
    sixel_sequence,
)
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


# A sixel thumbnail reserves its cells in the post's text as half-blocks in marker colours: the
# foreground is the image's id, the background (row, column, SIXEL_TAG). render_lines finds them
# in what Textual is about to paint, blanks them, and after the frame the image is drawn there.
SIXEL_TAG = 0xA5


def sixel_cells(image: SixelImage) -> Thumb:
    """The reserved cells of `image`, in marker colours (never shown: blanked when painted)."""
    ident = (image.id >> 16 & 255, image.id >> 8 & 255, image.id & 255)
    return tuple(
        tuple((ident, (row, column, SIXEL_TAG)) for column in range(image.columns))
        for row in range(image.rows)
    )


def _marker(segment: Segment) -> tuple[int, int, int] | None:
    """(image id, row, column) of a reserved sixel cell, None for any other segment."""
    style = segment.style
    if style is None or style.color is None or style.bgcolor is None:
        return None
    fg, bg = style.color.triplet, style.bgcolor.triplet
    if fg is None or bg is None or bg[2] != SIXEL_TAG:
        return None
    ident = fg[0] << 16 | fg[1] << 8 | fg[2]
    return (ident, bg[0], bg[1]) if ident in _sixel_images else None


_sixel_images: dict[int, SixelImage] = {}  # images whose cells are in some post's text


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
            if isinstance(found, SixelImage):
                _sixel_images[found.id] = found
                return sixel_cells(found)
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

    def render_lines(self, crop: Region) -> list[Strip]:
        """Blank the cells reserved for sixel images in what is painted, and note where each
        image goes: it is drawn after this frame, over those cells."""
        lines: list[Strip] = super().render_lines(crop)  # type: ignore[misc]
        if not _sixel_images:
            return lines
        region = self.region  # type: ignore[attr-defined]
        due: dict[tuple[int, int, int], None] = self.__dict__.setdefault("_sixel_due", {})
        at = tuple(self.scroll_offset)  # type: ignore[attr-defined]
        if self.__dict__.get("_sixel_at") != at:  # what was noted before a scroll is stale
            due.clear()
            self.__dict__["_sixel_at"] = at
        out = []
        for y, strip in enumerate(lines):
            x = crop.x
            segments = []
            found = False
            for segment in strip:
                mark = _marker(segment)
                if mark is not None:
                    found = True
                    ident, row, column = mark
                    top, left = region.y + crop.y + y - row, region.x + x - column
                    due[(ident, top, left)] = None
                    segment = Segment(" " * segment.cell_length, self._sixel_blank())
                segments.append(segment)
                x += segment.cell_length
            out.append(Strip(segments, strip.cell_length) if found else strip)
        if due and not self.__dict__.get("_sixel_scheduled"):
            self.__dict__["_sixel_scheduled"] = True
            self.call_after_refresh(self._draw_sixels)  # type: ignore[attr-defined]
        return out

    def _sixel_blank(self) -> Any:
        return self.get_visual_style("item-list--item").rich_style  # type: ignore[attr-defined]

    def _draw_sixels(self) -> None:
        """Draw the images whose cells were just painted, each where its cells are now; not
        while another screen covers this one, nor one cut off by the list's edges."""
        self.__dict__["_sixel_scheduled"] = False
        due: dict[tuple[int, int, int], None] = self.__dict__.setdefault("_sixel_due", {})
        placements = list(due)
        due.clear()
        app = self.app  # type: ignore[attr-defined]
        driver = getattr(app, "_driver", None)
        if driver is None or app.screen is not self.screen:  # type: ignore[attr-defined]
            return
        if self.__dict__.get("_sixel_at") != tuple(self.scroll_offset):  # type: ignore[attr-defined]
            return  # noted for a frame before the list scrolled: the next one draws them
        visible = self.content_region  # type: ignore[attr-defined]
        tmux = bool(os.environ.get("TMUX"))
        for ident, top, left in placements:
            image = _sixel_images.get(ident)
            if image is None:
                continue
            box = Region(left, top, image.columns, image.rows)
            if visible.intersection(box) != box:
                continue
            driver.write(sixel_sequence(image, top, left, tmux=tmux))


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
        if isinstance(thumb, SixelImage):  # a dialog's cells move under it: half-blocks here
            thumb = thumb.thumb
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
