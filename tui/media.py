"""Attachments: how one is described, which program opens it, and previews the user asked for.

Opening never goes through a shell with the URL in it: `[media] opener` is split like a shell
would (shlex) *before* the URL is put in, so `;`, `$()` and quotes in a hostile URL stay inside
one argument. A template that runs a shell itself (`sh -c '... %s'`) gets `"$1"` in its script and
the URL as the shell's first positional parameter.

Previews are off unless `[media] previews` says otherwise: nothing here fetches anything on its
own, and `PreviewCache` refuses to fetch while previews are off (privacy: no request to a media
host the user did not ask for).
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
import shlex
import shutil
import struct
import sys
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tui.model import Media, MediaKind
from tui.text import clean, clean_line, safe_url

PREVIEW_MODES = ("off", "halfblock", "kitty", "sixel")
SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "fish", "busybox"})
_FIELD = re.compile(r"%[%st]")


# ----- describing ------------------------------------------------------------------------------
def human_bytes(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    value = float(n)
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1024
        if value < 1024 or unit == "TB":
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    return f"{n} B"  # pragma: no cover - the loop always returns


def size_label(media: Media) -> str:
    """ "1200×800 · 2.3 MB" from what the network said; "" when it said nothing."""
    parts = []
    if media.width and media.height:
        parts.append(f"{media.width}×{media.height}")
    if media.size:
        parts.append(human_bytes(media.size))
    return " · ".join(parts)


# ----- Nostr NIP-92 imeta ------------------------------------------------------------------------
_MIME_KINDS = {"image": MediaKind.IMAGE, "video": MediaKind.VIDEO, "audio": MediaKind.AUDIO}
_EXTENSIONS = {
    MediaKind.IMAGE: (".jpg", ".jpeg", ".png", ".webp", ".avif", ".heic"),
    MediaKind.GIFV: (".gif",),
    MediaKind.VIDEO: (".mp4", ".webm", ".mov", ".m3u8"),
    MediaKind.AUDIO: (".mp3", ".ogg", ".oga", ".opus", ".wav", ".flac", ".m4a"),
}


def _kind_of(mime: str, url: str) -> MediaKind:
    if mime == "image/gif":
        return MediaKind.GIFV
    if mime:
        return _MIME_KINDS.get(mime.split("/", 1)[0], MediaKind.UNKNOWN)
    path = url.split("?", 1)[0].split("#", 1)[0].lower()
    for kind, endings in _EXTENSIONS.items():
        if path.endswith(endings):
            return kind
    return MediaKind.UNKNOWN


def _positive(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and 0 < len(text) <= 12 else None


def imeta_media(tags: Sequence[Sequence[str]], limit: int = 8) -> tuple[Media, ...]:
    """NIP-92 `imeta` tags ("url X", "m image/jpeg", "dim 1200x800", "size 12345", "alt …",
    "thumb X") → Media; entries without a safe http(s) URL are dropped."""
    found: list[Media] = []
    for tag in tags:
        if not tag or tag[0] != "imeta":
            continue
        fields: dict[str, str] = {}
        for entry in tag[1:]:
            if not isinstance(entry, str):
                continue
            name, _, value = entry.partition(" ")
            fields.setdefault(name, value)
        url = safe_url(fields.get("url", ""))
        if not url:
            continue
        mime = clean_line(fields.get("m", ""), max_len=100).lower()
        if not re.fullmatch(r"[a-z0-9.+-]+/[a-z0-9.+-]+", mime):
            mime = ""
        width = height = None
        dim = re.fullmatch(r"(\d{1,6})x(\d{1,6})", fields.get("dim", ""))
        if dim:
            width, height = int(dim[1]) or None, int(dim[2]) or None
        found.append(
            Media(
                kind=_kind_of(mime, url),
                url=url,
                alt=clean(fields.get("alt", ""), max_len=2000),
                preview_url=safe_url(fields.get("thumb", "")) or "",
                width=width,
                height=height,
                size=_positive(fields.get("size", "")),
                mime=mime,
            )
        )
        if len(found) >= limit:
            break
    return tuple(found)


# ----- opening ---------------------------------------------------------------------------------
def opener_argv(template: str, url: str, mime: str = "") -> list[str]:
    """The argv for a mailcap-style template: `%s` the URL, `%t` the type, `%%` a percent sign;
    without `%s` the URL is the last argument. Raises ValueError for an unbalanced template."""
    words = shlex.split(template)
    if not words:
        raise ValueError("the opener is empty")
    values = {"%s": url, "%t": mime or "application/octet-stream", "%%": "%"}
    shell = next((i for i, w in enumerate(words) if os.path.basename(w) in SHELLS), None)
    flag = None
    if shell is not None:
        flags = range(shell + 1, len(words))
        flag = next((j for j in flags if re.fullmatch(r"-[A-Za-z]*c[A-Za-z]*", words[j])), None)
    if flag is not None and flag == len(words) - 1:  # the URL would be the script: never
        raise ValueError("a shell in the opener needs its script after -c, with %s for the URL")
    if flag is not None:
        at = flag + 1
        script = _FIELD.sub(lambda m: {"%s": '"$1"', "%t": '"$2"', "%%": "%"}[m[0]], words[at])
        rest = [_FIELD.sub(lambda m: values[m[0]], w) for w in words[at + 1 :]]
        return [*words[:at], script, "murmur-media", url, values["%t"], *rest]
    used = any("%s" in w.replace("%%", "") for w in words)
    argv = [_FIELD.sub(lambda m: values[m[0]], w) for w in words]
    return argv if used else [*argv, url]


def has_display(env: Mapping[str, str], platform: str = sys.platform) -> bool:
    return platform == "darwin" or bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def over_ssh(env: Mapping[str, str]) -> bool:
    return bool(env.get("SSH_CONNECTION") or env.get("SSH_CLIENT") or env.get("SSH_TTY"))


@dataclass(frozen=True, slots=True)
class OpenPlan:
    """Run `argv`, or (argv None) copy the URL and tell the user `reason`."""

    argv: list[str] | None
    reason: str = ""


def plan_open(
    media: Media,
    *,
    opener: str = "",
    fallback: str = "",
    env: Mapping[str, str] | None = None,
    platform: str = sys.platform,
    which: Callable[[str], str | None] = shutil.which,
) -> OpenPlan:
    """What opening `media` does: `[media] opener`, else `[ui] opener` (`fallback`), else
    xdg-open/open when there is a display; else the URL is copied."""
    env = os.environ if env is None else env
    template = opener.strip() or fallback.strip()
    if template:
        return OpenPlan(opener_argv(template, media.url, media.mime))
    if has_display(env, platform):
        for name in ("open",) if platform == "darwin" else ("xdg-open",):
            path = which(name)
            if path:
                return OpenPlan([path, media.url])
    if over_ssh(env):
        reason = "Over SSH with no [media] opener set: the attachment's link was copied instead."
    else:
        reason = (
            "No [media] opener set and no display to open the attachment on: its link was "
            "copied instead."
        )
    return OpenPlan(None, reason)


# ----- previews --------------------------------------------------------------------------------
PREVIEW_MAX_BYTES = 2_000_000
PREVIEW_CACHE_BYTES = 8_000_000
PREVIEW_TIMEOUT = 10.0
THUMB_COLUMNS = 16
THUMB_ROWS = 6  # terminal lines; each shows two pixel rows

Rgb = tuple[int, int, int]
Thumb = tuple[tuple[tuple[Rgb, Rgb], ...], ...]  # rows of cells (top pixel, bottom pixel)
Preview = Any  # a Thumb (halfblock), a KittyImage (kitty) or a SixelImage (sixel)


# kitty's graphics protocol with Unicode placeholders: the image is sent once, then shown by
# ordinary text cells (U+10EEEE, a diacritic for the row and one for the column, the image id as
# the foreground colour), so it scrolls and redraws with the text around it.
KITTY_PLACEHOLDER = "\U0010eeee"
KITTY_DIACRITICS = (  # rows and columns 0-15, from kitty's table
    "\u0305\u030d\u030e\u0310\u0312\u033d\u033e\u033f"
    "\u0346\u034a\u034b\u034c\u0350\u0351\u0352\u0357"
)
KITTY_CHUNK = 4096
_kitty_ids = iter(range(0x4D5201, 0xFFFFFF))  # ids of this run's images (24 bits: a colour)


@dataclass(frozen=True, slots=True)
class KittyImage:
    """A thumbnail for kitty: `png` to transmit once, shown in `columns`×`rows` cells."""

    id: int
    columns: int
    rows: int
    png: bytes = field(repr=False)


def kitty_image(data: bytes, columns: int = THUMB_COLUMNS, rows: int = THUMB_ROWS) -> KittyImage:
    """Decode (Pillow) and shrink an image to a small PNG for kitty; ValueError when it is not
    a decodable image. The PNG is re-encoded here: the terminal never sees the host's bytes."""
    import io

    columns, rows = min(columns, len(KITTY_DIACRITICS)), min(rows, len(KITTY_DIACRITICS))
    image = _decoded(data, (columns * 10, rows * 20))  # a cell is about 10×20 pixels
    out = io.BytesIO()
    image.save(out, "PNG")
    width, height = image.size
    used_columns = max(1, min(columns, -(-width // 10)))
    used_rows = max(1, min(rows, -(-height // 20)))
    return KittyImage(next(_kitty_ids), used_columns, used_rows, out.getvalue())


def kitty_transmit(image: KittyImage, *, tmux: bool = False) -> str:
    """The escape sequences that send `image` and place it virtually (a=T, U=1), quietly."""
    payload = base64.standard_b64encode(image.png).decode("ascii")
    chunks = [payload[i : i + KITTY_CHUNK] for i in range(0, len(payload), KITTY_CHUNK)] or [""]
    out = []
    for n, chunk in enumerate(chunks):
        more = int(n < len(chunks) - 1)
        if n == 0:
            keys = f"a=T,U=1,f=100,q=2,i={image.id},c={image.columns},r={image.rows},m={more}"
        else:
            keys = f"m={more}"
        sequence = f"\x1b_G{keys};{chunk}\x1b\\"
        if tmux:  # passed through to the outer terminal (tmux: set -g allow-passthrough on)
            sequence = "\x1bPtmux;" + sequence.replace("\x1b", "\x1b\x1b") + "\x1b\\"
        out.append(sequence)
    return "".join(out)


def kitty_cells(image: KittyImage) -> list[str]:
    """The placeholder text of each row of `image`."""
    return [
        "".join(
            KITTY_PLACEHOLDER + KITTY_DIACRITICS[row] + KITTY_DIACRITICS[column]
            for column in range(image.columns)
        )
        for row in range(image.rows)
    ]


# sixel: the image is drawn at the cursor by the terminal itself, over cells the post reserves
# (tui/ui/screens/media.py writes it after Textual painted those cells).
CELL_PIXELS = (10, 20)  # assumed size of a terminal cell
_sixel_ids = iter(range(0x5E0001, 0xFFFFFF))  # ids of this run's sixel images (24 bits)


@dataclass(frozen=True, slots=True)
class SixelImage:
    """A thumbnail for sixel terminals: `sixel` (a DCS string) covers `columns`×`rows` cells;
    `thumb` is the same image in half-blocks, for places that cannot draw sixels."""

    id: int
    columns: int
    rows: int
    sixel: str = field(repr=False)
    thumb: Thumb = field(repr=False, default=())


def _sixel_runs(row: bytes) -> str:
    """One colour's line of sixel characters, runs of 4 or more as `!n`."""
    out = []
    i = 0
    while i < len(row):
        j = i
        while j < len(row) and row[j] == row[i]:
            j += 1
        char = chr(63 + row[i])
        out.append(f"!{j - i}{char}" if j - i > 3 else char * (j - i))
        i = j
    return "".join(out)


def sixel_encode(image: Any) -> str:
    """A Pillow image as a sixel DCS string: at most 256 colours, bands of six pixel rows,
    runs compressed with `!n`, raster attributes giving the exact size."""
    rgb = image.convert("RGB")
    width, height = rgb.size
    indexed = rgb.quantize(colors=256)
    palette = indexed.getpalette() or []
    pixels = indexed.tobytes()
    used = sorted(set(pixels))
    out = ['\x1bP0;1;0q"1;1;' + f"{width};{height}"]
    for n in used:
        r, g, b = palette[n * 3 : n * 3 + 3]
        out.append(f"#{n};2;{round(r * 100 / 255)};{round(g * 100 / 255)};{round(b * 100 / 255)}")
    for top in range(0, height, 6):
        band = [pixels[y * width : (y + 1) * width] for y in range(top, min(top + 6, height))]
        layers = []
        for n in sorted(set().union(*(set(line) for line in band))):
            bits = bytearray(width)
            for bit, line in enumerate(band):
                for x in range(width):
                    if line[x] == n:
                        bits[x] |= 1 << bit
            layers.append(f"#{n}" + _sixel_runs(bytes(bits)))
        out.append("$".join(layers) + "-")
    return "".join(out) + "\x1b\\"


def sixel_image(data: bytes, columns: int = THUMB_COLUMNS, rows: int = THUMB_ROWS) -> SixelImage:
    """Decode (Pillow) and shrink an image to fit `columns`×`rows` cells, as sixel; ValueError
    when it is not a decodable image. The terminal never sees the host's bytes."""
    cell_width, cell_height = CELL_PIXELS
    image = _decoded(data, (columns * cell_width, rows * cell_height))
    width, height = image.size
    used_columns = max(1, min(columns, -(-width // cell_width)))
    used_rows = max(1, min(rows, -(-height // cell_height)))
    thumb = halfblock(data, columns, rows)
    return SixelImage(next(_sixel_ids), used_columns, used_rows, sixel_encode(image), thumb)


def sixel_sequence(image: SixelImage, row: int, column: int, *, tmux: bool = False) -> str:
    """Draw `image` with its top left corner at screen cell (`row`, `column`), 0-based: save
    the cursor, move there, the sixel (inside tmux's passthrough), restore the cursor."""
    sixel = image.sixel
    if tmux:  # passed through to the outer terminal (tmux: set -g allow-passthrough on)
        sixel = "\x1bPtmux;" + sixel.replace("\x1b", "\x1b\x1b") + "\x1b\\"
    return f"\x1b7\x1b[{row + 1};{column + 1}H{sixel}\x1b8"


class PreviewsOff(Exception):
    """Raised when something asks for a preview while `[media] previews` is "off"."""


class PreviewTooLarge(Exception):
    pass


Fetch = Callable[[str, int, float], Awaitable[bytes]]


async def fetch_capped(url: str, max_bytes: int, timeout: float) -> bytes:
    """GET `url`, at most `max_bytes` (PreviewTooLarge beyond), within `timeout` seconds."""
    import httpx

    async def get() -> bytes:
        async with (
            httpx.AsyncClient(follow_redirects=True, timeout=timeout) as client,
            client.stream("GET", url) as response,
        ):
            response.raise_for_status()
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise PreviewTooLarge(url)
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise PreviewTooLarge(url)
            return bytes(body)

    return await asyncio.wait_for(get(), timeout)


def _decoded(data: bytes, box: tuple[int, int]) -> Any:
    """The image in `data` as RGB, shrunk to fit `box` pixels; ValueError when it is not one."""
    import io

    from PIL import Image

    Image.MAX_IMAGE_PIXELS = 40_000_000  # a decompression bomb fails instead of eating memory
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (box[0] * 4, box[1] * 4))
            rgb = image.convert("RGB")
            rgb.thumbnail(box)
            return rgb
    except (
        OSError,  # UnidentifiedImageError and truncated files among them
        SyntaxError,
        ValueError,
        EOFError,
        IndexError,
        struct.error,
        Image.DecompressionBombError,
    ) as exc:  # a broken or hostile image from a media host: no thumbnail, not a bug of ours
        raise ValueError(f"not an image: {exc}") from None


def halfblock(data: bytes, columns: int = THUMB_COLUMNS, rows: int = THUMB_ROWS) -> Thumb:
    """Decode an image (Pillow) into at most `columns`×`rows` cells of two pixels each.
    Raises ValueError for anything that is not a decodable image."""
    rgb = _decoded(data, (columns, rows * 2))
    width, height = rgb.size
    pixels = rgb.load()
    out = []
    for y in range(0, height - height % 2 or height, 2):
        line = []
        for x in range(width):
            top = pixels[x, y]
            bottom = pixels[x, y + 1] if y + 1 < height else top
            line.append((tuple(top[:3]), tuple(bottom[:3])))
        out.append(tuple(line))
    return tuple(out)  # type: ignore[return-value]


class PreviewCache:
    """Previewnails by URL, in memory, at most `cap` bytes of fetched images accounted for.

    Fetches only while `mode` is not "off"; `get` answers from memory and never fetches."""

    def __init__(
        self,
        mode: str = "off",
        *,
        max_bytes: int = PREVIEW_MAX_BYTES,
        cap: int = PREVIEW_CACHE_BYTES,
        timeout: float = PREVIEW_TIMEOUT,
        fetch: Fetch = fetch_capped,
    ) -> None:
        self.mode = mode
        self.max_bytes = max_bytes
        self.cap = cap
        self.timeout = timeout
        self._fetch = fetch
        self._thumbs: OrderedDict[str, tuple[Preview, int]] = OrderedDict()
        self._failed: set[str] = set()
        self._pending: dict[str, asyncio.Future[Preview | None]] = {}
        self.used = 0
        self.sent: set[int] = set()  # kitty images already sent to the terminal

    @property
    def on(self) -> bool:
        return self.mode != "off"

    def get(self, url: str) -> Preview | None:
        found = self._thumbs.get(url)
        if found is None:
            return None
        self._thumbs.move_to_end(url)
        return found[0]

    def failed(self, media: Media) -> bool:
        """Whether `media` has no thumbnail to come (tried and failed, or not an image)."""
        url = self.source(media)
        return not url or url in self._failed or media.kind not in (MediaKind.IMAGE, MediaKind.GIFV)

    @staticmethod
    def source(media: Media) -> str:
        """The URL a thumbnail of `media` comes from: its preview image first."""
        return safe_url(media.preview_url) or safe_url(media.url) or ""

    def for_media(self, media: Media) -> Preview | None:
        return self.get(self.source(media)) if self.on else None

    async def load(self, media: Media) -> Preview | None:
        """The thumbnail of an image attachment (its preview URL first), fetched once; None for
        other kinds and for images that failed before. Raises PreviewsOff while off."""
        if not self.on:
            raise PreviewsOff("previews are off ([media] previews)")
        if media.kind not in (MediaKind.IMAGE, MediaKind.GIFV):
            return None
        url = self.source(media)
        if not url or url in self._failed:
            return None
        if url in self._thumbs:
            return self.get(url)
        pending = self._pending.get(url)
        if pending is not None:
            return await pending
        future: asyncio.Future[Preview | None] = asyncio.get_running_loop().create_future()
        self._pending[url] = future
        try:
            thumb = await self._load(url)
            future.set_result(thumb)
            return thumb
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters re-raise it themselves
            raise
        finally:
            del self._pending[url]

    async def _load(self, url: str) -> Preview | None:
        import httpx

        try:
            data = await self._fetch(url, self.max_bytes, self.timeout)
            decode = {"kitty": kitty_image, "sixel": sixel_image}.get(self.mode, halfblock)
            thumb = await asyncio.to_thread(decode, data)
        except (PreviewTooLarge, ValueError, TimeoutError, httpx.HTTPError):
            self._failed.add(url)  # no thumbnail: the attachment line still says what it is
            return None
        self._thumbs[url] = (thumb, len(data))
        self.used += len(data)
        while self.used > self.cap and len(self._thumbs) > 1:
            _, (_, size) = self._thumbs.popitem(last=False)
            self.used -= size
        return thumb


_previews: PreviewCache | None = None


def preview_cache(media: Any) -> PreviewCache:
    """The app's one in-memory preview cache for `[media]` (a MediaConfig), rebuilt when the
    settings change."""
    global _previews
    wanted = (media.previews, media.preview_max_bytes, media.preview_cache_bytes)
    if _previews is None or (_previews.mode, _previews.max_bytes, _previews.cap) != wanted:
        _previews = PreviewCache(
            media.previews, max_bytes=media.preview_max_bytes, cap=media.preview_cache_bytes
        )
    return _previews
