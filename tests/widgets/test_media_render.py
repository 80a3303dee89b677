"""Attachment lines: type, size where the network gave it, alt text (sanitised) or "no
description"; and what each adapter puts into Media from what its server sends."""

from __future__ import annotations

import io

import pytest

from tests.feed.factories import T0, post
from tui.media import imeta_media
from tui.model import Media, MediaKind
from tui.networks.bluesky.parse import _media_embed
from tui.networks.mastodon.parse import Parser
from tui.ui.render import View, media_line, render_item


def shown(media: Media) -> str:
    return render_item(post("p", 1, "look", media=(media,)), View(80, T0)).plain


def test_type_dimensions_bytes_and_alt_are_shown():
    image = Media(MediaKind.IMAGE, "https://img.example/1.jpg", "a cat", None, 1200, 800, 2_400_000)
    assert "▣ image 1200×800 · 2.3 MB: a cat" in shown(image)


def test_each_kind_names_itself_and_a_missing_alt_says_so():
    for kind in MediaKind:
        line = media_line(Media(kind, "https://img.example/x")).plain
        assert line == f"▣ {kind.value}: (no description)"


def test_alt_text_is_cleaned_and_markup_stays_literal():
    hostile = "[bold]x[/bold]\x1b]52;c;cHduZWQ=\x07\nsecond line"
    line = media_line(Media(MediaKind.IMAGE, "https://img.example/1.png", hostile))
    assert line.plain.startswith("▣ image: [bold]x[/bold]")
    assert "\x1b" not in line.plain and "\x07" not in line.plain and "\n" not in line.plain
    assert not line.spans or all("bold" not in str(s.style) for s in line.spans[1:])


def test_mastodon_fills_type_dimensions_and_description():
    parser = Parser("me@x.test", "x.test")
    media = parser.media(
        {
            "id": "1",
            "type": "gifv",
            "url": "https://files.x.test/a.mp4",
            "preview_url": "https://files.x.test/a.png",
            "description": "a dancing cat",
            "meta": {"original": {"width": 640, "height": 360, "size": "640x360"}},
        }
    )
    assert media == Media(
        MediaKind.GIFV,
        "https://files.x.test/a.mp4",
        "a dancing cat",
        "https://files.x.test/a.png",
        640,
        360,
    )


def test_bluesky_images_and_video_carry_their_aspect_ratio():
    images, _ = _media_embed(
        {
            "$type": "app.bsky.embed.images#view",
            "images": [
                {
                    "thumb": "https://cdn.bsky.app/t.jpg",
                    "fullsize": "https://cdn.bsky.app/f.jpg",
                    "alt": "a heron",
                    "aspectRatio": {"width": 4, "height": 3},
                }
            ],
        }
    )
    video, _ = _media_embed(
        {
            "$type": "app.bsky.embed.video#view",
            "cid": "bafy",
            "playlist": "https://video.bsky.app/p.m3u8",
            "aspectRatio": {"width": 16, "height": 9},
        }
    )
    assert [(m.kind, m.alt, m.width, m.height) for m in images] == [
        (MediaKind.IMAGE, "a heron", 4, 3)
    ]
    assert [(m.kind, m.width, m.height) for m in video] == [(MediaKind.VIDEO, 16, 9)]
    assert "▣ video 16×9: (no description)" == media_line(video[0]).plain


def test_nostr_imeta_tags_become_media_with_size_type_and_alt():
    tags = [
        ["p", "ab" * 32],
        [
            "imeta",
            "url https://nostr.build/i/a.jpg",
            "m image/jpeg",
            "dim 3024x4032",
            "size 1536000",
            "alt a mountain\x1b[2J at dawn",
            "x " + "0" * 64,
        ],
        ["imeta", "url javascript:alert(1)", "m image/png"],
        ["imeta", "url https://void.cat/v.mp4", "dim 0x0", "size -5"],
    ]
    media = imeta_media(tags)
    assert [(m.kind, m.url, m.width, m.height, m.size, m.mime) for m in media] == [
        (MediaKind.IMAGE, "https://nostr.build/i/a.jpg", 3024, 4032, 1_536_000, "image/jpeg"),
        (MediaKind.VIDEO, "https://void.cat/v.mp4", None, None, None, ""),
    ]
    assert "\x1b" not in media[0].alt
    assert media_line(media[0]).plain.startswith("▣ image 3024×4032 · 1.5 MB: a mountain")


def test_broken_and_oversized_images_give_no_thumbnail_instead_of_failing():
    import io
    import struct
    import zlib

    import pytest
    from PIL import Image

    from tui.media import halfblock

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    bomb = (  # a PNG header claiming 100000×100000 pixels
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0))
        + chunk(b"IEND", b"")
    )
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (0, 128, 255)).save(buffer, "PNG")
    truncated = buffer.getvalue()[:60]
    for data in (b"", b"<html>not an image</html>", bomb, truncated):
        with pytest.raises(ValueError):
            halfblock(data)
    cells = halfblock(buffer.getvalue(), columns=16, rows=6)
    assert len(cells) == 4 and len(cells[0]) == 16  # 16×8 pixels: four rows of two
    assert cells[0][0] == ((0, 128, 255), (0, 128, 255))


def test_a_nostr_note_with_imeta_tags_becomes_a_post_with_its_attachments():
    from tui.networks.nostr.event import sign
    from tui.networks.nostr.keys import Keys
    from tui.networks.nostr.parse import Context, to_post

    note = sign(
        Keys.generate(),
        1,
        "sunrise https://nostr.build/i/a.jpg",
        [["imeta", "url https://nostr.build/i/a.jpg", "m image/jpeg", "dim 800x600", "alt dawn"]],
    )
    post = to_post(Context(account="me"), note)
    assert post is not None
    assert [(m.kind, m.url, m.width, m.height, m.alt) for m in post.media] == [
        (MediaKind.IMAGE, "https://nostr.build/i/a.jpg", 800, 600, "dawn")
    ]


def test_kitty_transmission_is_chunked_and_wrapped_for_tmux():
    from tui.media import KITTY_DIACRITICS, KITTY_PLACEHOLDER, KittyImage, kitty_cells
    from tui.media import kitty_transmit
    from tui.ui.render import thumbnail_lines

    image = KittyImage(0x4D5201, 3, 2, b"\x89PNG" + bytes(5000))
    sent = kitty_transmit(image)
    parts = sent.split("\x1b\\")[:-1]
    assert len(parts) == 2  # 6.7 kB of base64: two chunks of at most 4096
    assert parts[0].startswith("\x1b_Ga=T,U=1,f=100,q=2,i=5067265,c=3,r=2,m=1;")
    assert parts[1].startswith("\x1b_Gm=0;")
    wrapped = kitty_transmit(image, tmux=True)
    assert wrapped.startswith("\x1bPtmux;\x1b\x1b_Ga=T") and wrapped.count("\x1bPtmux;") == 2
    rows = kitty_cells(image)
    assert rows[1] == "".join(
        KITTY_PLACEHOLDER + KITTY_DIACRITICS[1] + KITTY_DIACRITICS[c] for c in range(3)
    )
    lines = thumbnail_lines(image)
    assert [line.plain for line in lines] == rows
    assert lines[0].spans[0].style.foreground.rgb == (0x4D, 0x52, 0x01)


# ----- sixel ------------------------------------------------------------------------------------
def _imagemagick() -> list[str] | None:
    """A real ImageMagick that reads sixel (`magick` or `convert`), else None."""
    import shutil
    import subprocess

    for argv in (["magick"], ["convert"], ["/usr/bin/convert"]):
        found = shutil.which(argv[0])
        if found is None:
            continue
        version = subprocess.run([found, "-version"], capture_output=True, text=True, check=False)
        if "ImageMagick" in version.stdout:
            return [found]
    return None


def _decoded_sixel(sixel: str, tmp_path) -> object:
    import subprocess

    from PIL import Image

    magick = _imagemagick()
    if magick is None:
        pytest.skip("ImageMagick with sixel support is not installed")
    source, out = tmp_path / "image.six", tmp_path / "image.png"
    source.write_text(sixel, encoding="ascii")
    subprocess.run([*magick, f"sixel:{source}", str(out)], check=True, capture_output=True)
    return Image.open(out).convert("RGB")


def _gradient(width: int, height: int) -> bytes:
    from PIL import Image

    image = Image.new("RGB", (width, height))
    for x in range(width):
        for y in range(height):
            image.putpixel((x, y), (x * 255 // width, y * 255 // height, 128))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def test_a_sixel_decodes_to_the_thumbnail_size_with_close_colours(tmp_path):
    from PIL import Image

    from tui.media import THUMB_COLUMNS, sixel_image

    data = _gradient(640, 480)
    image = sixel_image(data)
    # 640×480 into 16×6 cells of 10×20 px (160×120 px): 160×120, all 16 columns, 6 rows
    assert (image.columns, image.rows) == (THUMB_COLUMNS, 6)
    assert image.sixel.startswith("\x1bP") and image.sixel.endswith("\x1b\\")
    assert "!" in image.sixel  # runs are compressed
    decoded = _decoded_sixel(image.sixel, tmp_path)
    assert decoded.size == (160, 120)
    source = Image.open(io.BytesIO(data)).convert("RGB").resize((160, 120))
    for x, y in [(0, 0), (80, 60), (159, 119), (20, 100), (140, 10)]:
        want, got = source.getpixel((x, y)), decoded.getpixel((x, y))
        assert all(abs(a - b) <= 24 for a, b in zip(want, got, strict=True)), (x, y, want, got)


def test_a_sixel_covers_only_the_cells_a_small_image_needs(tmp_path):
    from tui.media import sixel_image

    image = sixel_image(_gradient(32, 24))
    assert (image.columns, image.rows) == (4, 2)
    assert _decoded_sixel(image.sixel, tmp_path).size == (32, 24)


def test_a_sixel_keeps_at_most_256_colours(tmp_path):
    import re

    from tui.media import sixel_image

    image = sixel_image(_gradient(400, 300))
    registers = set(re.findall(r"#(\d+);2;", image.sixel))
    assert 0 < len(registers) <= 256 and max(int(n) for n in registers) < 256


def test_not_an_image_gives_no_sixel():
    from tui.media import sixel_image

    with pytest.raises(ValueError):
        sixel_image(b"<html>not an image</html>")


def test_the_sixel_is_placed_at_its_cell_and_wrapped_for_tmux():
    from tui.media import sixel_image, sixel_sequence

    image = sixel_image(_gradient(32, 24))
    plain = sixel_sequence(image, 5, 2)
    assert plain == f"\x1b7\x1b[6;3H{image.sixel}\x1b8"
    wrapped = sixel_sequence(image, 5, 2, tmux=True)
    inner = image.sixel.replace("\x1b", "\x1b\x1b")
    assert wrapped == f"\x1b7\x1b[6;3H\x1bPtmux;{inner}\x1b\\\x1b8"
    # inside the passthrough every ESC is doubled: no lone ESC ends it early
    body = wrapped[len("\x1b7\x1b[6;3H\x1bPtmux;") : -len("\x1b\\\x1b8")]
    assert "\x1b" not in body.replace("\x1b\x1b", "")


def test_sixel_is_a_preview_mode_of_the_config(tmp_path):
    from tui.store.config import load_config

    path = tmp_path / "config.toml"
    path.write_text('[media]\npreviews = "sixel"\n')
    assert load_config(path).media.previews == "sixel"
