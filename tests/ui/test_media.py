"""A post's attachments (`a`): listed with type and alt text; enter opens one with the opener
(hostile URLs stay one argument), over SSH without an opener the link is copied; previews fetch
nothing unless they are turned on."""

from __future__ import annotations

import io
import json
import shlex
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.ui.fakes import FakeNetwork
from tests.ui.pilot import screen_lines, started, toasts
from tui.model import Media, MediaKind
from tui.store.config import MediaConfig, UiConfig
from tui.ui.screens.media import MediaScreen

HOSTILE = "https://evil.example/a.png?x=1;touch PWNED;$(touch PWNED2)`touch PWNED3`'\"&q=\"'"

RECORDER = "import json, sys; open(sys.argv[1], 'w').write(json.dumps(sys.argv[2:]))"


def with_media(media: Media) -> FakeNetwork:
    net = FakeNetwork("masto", posts=3)
    net.posts[0] = replace(net.posts[0], media=(media,))
    return net


async def open_attachments(pilot) -> MediaScreen:
    await started(pilot)
    await pilot.press("a")
    screen = pilot.app.screen
    assert isinstance(screen, MediaScreen)
    return screen


@pytest.fixture
def no_display(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "TMUX", "SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY"):
        monkeypatch.delenv(name, raising=False)


async def test_a_lists_type_and_alt_and_says_when_there_is_none(build_app):
    net = FakeNetwork("masto", posts=3)
    net.posts[0] = replace(
        net.posts[0],
        media=(
            Media(MediaKind.IMAGE, "https://img.example/1.png", "a heron", width=4, height=3),
            Media(MediaKind.AUDIO, "https://img.example/2.mp3"),
        ),
    )
    app = build_app({"masto": net})
    async with app.run_test(size=(100, 30)) as pilot:
        await open_attachments(pilot)
        text = "\n".join(screen_lines(app))
        assert "▣ image 4×3: a heron" in text
        assert "▣ audio: (no description)" in text
        await pilot.press("escape", "j", "a")  # a post without attachments says so
        assert not isinstance(app.screen, MediaScreen)
        assert "This post has no attachments." in toasts(app)


async def run_opener(build_app, opener: str) -> list[str]:
    """Open the hostile attachment with `opener`; the toasts shown meanwhile."""
    net = with_media(Media(MediaKind.IMAGE, HOSTILE, "x", mime="image/png"))
    app = build_app({"masto": net}, media=MediaConfig(opener=opener))
    async with app.run_test(size=(100, 30)) as pilot:
        await open_attachments(pilot)
        await pilot.press("enter")
        await started(pilot)  # the opener's worker waits for it to exit
        return toasts(app)


@pytest.mark.parametrize("field", [" %s", ""])  # no %s: the URL is the last argument
async def test_a_hostile_url_reaches_the_opener_as_one_argument(
    build_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_display, field: str
):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "argv.json"
    python, script = shlex.quote(sys.executable), shlex.quote(RECORDER)
    await run_opener(build_app, f"{python} -c {script} {shlex.quote(str(out))}{field}")
    assert json.loads(out.read_text()) == [HOSTILE]
    assert not list(tmp_path.glob("PWNED*"))


async def test_a_shell_opener_gets_the_hostile_url_as_a_parameter_not_as_code(
    build_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_display
):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "url.txt"
    await run_opener(build_app, f"sh -c 'printf %%s %s > {out}; printf %%s %t > {out}.type'")
    assert out.read_text() == HOSTILE
    assert Path(f"{out}.type").read_text() == "image/png"
    assert not list(tmp_path.glob("PWNED*"))


async def test_over_ssh_without_an_opener_the_link_is_copied(
    build_app, monkeypatch: pytest.MonkeyPatch, no_display
):
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.1 50000 10.0.0.2 22")
    net = with_media(Media(MediaKind.VIDEO, "https://img.example/v.mp4"))
    app = build_app({"masto": net}, ui=UiConfig(opener=""))
    async with app.run_test(size=(100, 30)) as pilot:
        await open_attachments(pilot)
        await pilot.press("enter")
        await started(pilot)
        assert app.clipboard == "https://img.example/v.mp4"
        said = "\n".join(toasts(app))
        assert "Over SSH with no [media] opener set" in said
        assert "clipboard (OSC 52)" in said


async def test_y_copies_the_attachment_link(build_app, no_display):
    net = with_media(Media(MediaKind.IMAGE, "https://img.example/1.png"))
    app = build_app({"masto": net})
    async with app.run_test(size=(100, 30)) as pilot:
        await open_attachments(pilot)
        await pilot.press("y")
        assert app.clipboard == "https://img.example/1.png"


# ----- previews: a local media host that counts requests ----------------------------------------
def png(colour: tuple[int, int, int]) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), colour).save(buffer, "PNG")
    return buffer.getvalue()


class MediaHost:
    def __init__(self) -> None:
        self.requests: list[str] = []
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                host.requests.append(self.path)
                body = png((255, 0, 0)) if self.path.startswith("/small") else b"\0" * 300_000
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> MediaHost:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def media_host() -> Iterator[MediaHost]:
    with MediaHost() as host:
        yield host


@pytest.fixture(autouse=True)
def _fresh_previews(monkeypatch: pytest.MonkeyPatch) -> None:
    from tui import media

    monkeypatch.setattr(media, "_previews", None)


def hosted(host: MediaHost, name: str) -> Media:
    return Media(MediaKind.IMAGE, f"{host.url}/{name}.png", "red", f"{host.url}/{name}-t.png")


@pytest.mark.network
async def test_no_request_reaches_the_media_host_while_previews_are_off(
    build_app, media_host: MediaHost
):
    net = with_media(hosted(media_host, "small"))
    app = build_app({"masto": net})
    async with app.run_test(size=(100, 30)) as pilot:
        await open_attachments(pilot)
        await started(pilot)
        await pilot.press("escape")
        await started(pilot)
    assert media_host.requests == []


@pytest.mark.network
async def test_halfblock_previews_fetch_the_shown_image_once(build_app, media_host: MediaHost):
    net = with_media(hosted(media_host, "small"))
    app = build_app({"masto": net}, media=MediaConfig(previews="halfblock"))
    async with app.run_test(size=(100, 30)) as pilot:
        await open_attachments(pilot)
        await started(pilot)
        assert any("▀▀▀▀▀▀▀▀" in line for line in screen_lines(app))
        await pilot.press("escape", "a")
        await started(pilot)
        assert any("▀▀▀▀▀▀▀▀" in line for line in screen_lines(app))
    assert media_host.requests == ["/small-t.png"]  # the preview image, once


@pytest.mark.network
async def test_an_image_over_the_byte_limit_is_not_previewed(build_app, media_host: MediaHost):
    net = with_media(hosted(media_host, "big"))
    app = build_app(
        {"masto": net}, media=MediaConfig(previews="halfblock", preview_max_bytes=100_000)
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await open_attachments(pilot)
        await started(pilot)
        assert not any("▀" in line for line in screen_lines(app))
        assert "▣ image: red" in "\n".join(screen_lines(app))
    assert media_host.requests == ["/big-t.png"]


# ----- [compose] require_alt_text ---------------------------------------------------------------
async def test_the_composer_refuses_an_attachment_without_alt_text_when_required(
    build_app, networks, tmp_path: Path
):
    from textual.widgets import Input

    from tests.ui.conftest import make_config

    image = tmp_path / "cat.png"
    image.write_bytes(png((0, 0, 255)))
    compose = replace(make_config(networks).compose, require_alt_text=True)
    app = build_app(networks, compose=compose)
    async with app.run_test(size=(160, 48)) as pilot:
        await started(pilot)
        await pilot.press("c")
        composer = app.main_screen.query_one("#compose-pane")
        composer.text_area.text = "my cat"
        composer.query_one("#compose-media", Input).value = str(image)
        await pilot.press("ctrl+s")
        await started(pilot)
        assert any("1 attachment without alt text" in t for t in toasts(app))
        assert not [c for c in networks["masto"].calls if c[0] == "publish"]
        composer.query_one("#compose-alt", Input).value = "a blue cat"
        await pilot.press("ctrl+s")
        await started(pilot)
        assert [c for c in networks["masto"].calls if c[0] == "publish"]


# ----- inline previews in the timeline ----------------------------------------------------------
def timeline_with(host: MediaHost) -> FakeNetwork:
    net = FakeNetwork("masto", posts=30)
    net.posts[0] = replace(net.posts[0], media=(hosted(host, "small"),))
    net.posts[1] = replace(
        net.posts[1], content_warning="spoilers", media=(hosted(host, "small-cw"),)
    )
    net.posts[2] = replace(net.posts[2], content_warning="", media=())
    net.posts[29] = replace(net.posts[29], media=(hosted(host, "small-far"),))
    return net


@pytest.mark.network
async def test_the_timeline_fetches_nothing_while_previews_are_off(
    build_app, media_host: MediaHost
):
    app = build_app({"masto": timeline_with(media_host)})
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot)
        await pilot.press("j", "v", "G")
        await started(pilot)
    assert media_host.requests == []


@pytest.mark.network
async def test_the_timeline_previews_only_posts_on_screen_and_not_behind_a_warning(
    build_app, media_host: MediaHost
):
    app = build_app({"masto": timeline_with(media_host)}, media=MediaConfig(previews="halfblock"))
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot)
        assert media_host.requests == ["/small-t.png"]  # the far and the warned ones: not asked
        assert any("▀▀▀▀▀▀▀▀" in line for line in screen_lines(app))
        await pilot.press("j", "v")  # the reader shows what the warning hid
        await started(pilot)
        assert media_host.requests == ["/small-t.png", "/small-cw-t.png"]
        await pilot.press("G")
        await started(pilot)
        assert media_host.requests[-1] == "/small-far-t.png"


@pytest.mark.network
async def test_kitty_previews_send_the_image_once_and_draw_placeholder_cells(
    build_app, media_host: MediaHost, monkeypatch: pytest.MonkeyPatch
):
    from tui.media import KITTY_PLACEHOLDER

    monkeypatch.delenv("TMUX", raising=False)
    net = with_media(hosted(media_host, "small"))
    app = build_app({"masto": net}, media=MediaConfig(previews="kitty"))
    async with app.run_test(size=(100, 30)) as pilot:
        written: list[str] = []
        monkeypatch.setattr(app._driver, "write", written.append)
        await started(pilot)
        sent = [w for w in written if w.startswith("\x1b_G")]
        assert len(sent) == 1 and "a=T,U=1,f=100,q=2,i=" in sent[0]
        assert sent[0].endswith("\x1b\\")
        cells = [line for line in screen_lines(app) if KITTY_PLACEHOLDER in line]
        assert cells, "\n".join(screen_lines(app))
        await pilot.press("a")  # the attachment list shows the same image: not sent again
        await started(pilot)
        assert any(KITTY_PLACEHOLDER in line for line in screen_lines(app))
        assert len([w for w in written if w.startswith("\x1b_G")]) == 1
    assert media_host.requests == ["/small-t.png"]


def test_an_opener_never_hands_the_url_to_a_shell_as_code():
    from tui.media import opener_argv

    url = "https://evil.example/$(reboot);'\""
    assert opener_argv("feh %s", url) == ["feh", url]
    assert opener_argv("mpv --title=%%s", url) == ["mpv", "--title=%s", url]
    assert opener_argv("sh -c 'open %s'", url, "image/png") == [
        "sh",
        "-c",
        'open "$1"',
        "murmur-media",
        url,
        "image/png",
    ]
    assert opener_argv("env bash -ec 'x %s'", url)[3:5] == ['x "$1"', "murmur-media"]
    for template in ("sh -c", "env sh -c", "bash -lc"):
        with pytest.raises(ValueError, match="needs its script after -c"):
            opener_argv(template, url)


async def test_a_shell_opener_without_a_script_is_refused_with_a_sentence(
    build_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_display
):
    monkeypatch.chdir(tmp_path)
    said = await run_opener(build_app, "sh -c")
    assert said == [
        "Opening evil.example: [media] opener cannot be read: a shell in the opener needs its "
        "script after -c, with %s for the URL"
    ]
    assert not list(tmp_path.glob("PWNED*"))


def sixels(written: list[str]) -> list[str]:
    return [w for w in written if "\x1bP0;1;0q" in w]


FRAME = "<frame>"


def record_writes(app, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the app writes to the terminal besides its frames, with FRAME where one was
    painted (Textual's headless driver paints none itself)."""
    written: list[str] = []
    display = app._display

    def frame(screen, renderable) -> None:
        if renderable is not None:
            written.append(FRAME)
        display(screen, renderable)

    monkeypatch.setattr(app._driver, "write", written.append)
    monkeypatch.setattr(app, "_display", frame)
    return written


def draws_per_frame(written: list[str]) -> list[int]:
    """How many sixels were written after each frame, before the next."""
    counts: list[int] = []
    for entry in written:
        if entry == FRAME:
            counts.append(0)
        elif "\x1bP0;1;0q" in entry:
            assert counts, "a sixel written before any frame was painted"
            counts[-1] += 1
    return counts


@pytest.mark.network
async def test_sixel_previews_are_drawn_once_per_placement_over_blank_cells(
    build_app, media_host: MediaHost, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("TMUX", raising=False)
    net = with_media(hosted(media_host, "small"))
    app = build_app({"masto": net}, media=MediaConfig(previews="sixel"))
    async with app.run_test(size=(100, 30)) as pilot:
        written = record_writes(app, monkeypatch)
        await started(pilot)
        await pilot.pause()
        at_start = list(written)
        lines = screen_lines(app)  # renders the screen again, as if painted: a draw follows
        await pilot.pause()
        written.clear()
        row = next(i for i, line in enumerate(lines) if "▣ image: red" in line)
        column = lines[row].index("▣")
        # the 32×24 px image takes 4×2 cells under the attachment line, blank in the text
        assert lines[row + 1][column : column + 4] == "    "
        assert lines[row + 2][column : column + 4] == "    "
        drawn = sixels(at_start)
        assert drawn and set(drawn) == {drawn[0]}  # where the cells are, after each repaint
        assert max(draws_per_frame(at_start)) == 1  # once per placement and frame
        assert drawn[0].startswith(f"\x1b7\x1b[{row + 2};{column + 1}H\x1bP0;1;0q")
        assert drawn[0].endswith("\x1b\\\x1b8")
        await pilot.press("a")  # a screen covers the cells: nothing drawn over it
        await started(pilot)
        assert isinstance(app.screen, MediaScreen)
        before = len(sixels(written))  # the list may repaint as it loses focus, before that
        app.main_screen.refresh()  # the timeline under the dialog is painted again
        await pilot.pause()
        await started(pilot)
        assert len(sixels(written)) == before
        await pilot.press("escape")  # the timeline is painted again: so is the image, there
        await started(pilot)
        await pilot.pause()
        again = sixels(written)[before:]
        assert again and set(again) == {drawn[0]}
        assert max(draws_per_frame(written)) == 1
    assert media_host.requests == ["/small-t.png"]


@pytest.mark.network
async def test_sixel_previews_fetch_nothing_off_screen_nor_while_off(
    build_app, media_host: MediaHost
):
    app = build_app({"masto": timeline_with(media_host)}, media=MediaConfig(previews="sixel"))
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot)
        assert media_host.requests == ["/small-t.png"]  # the far and the warned ones: not asked
    off = build_app({"masto": timeline_with(media_host)}, media=MediaConfig(previews="off"))
    async with off.run_test(size=(100, 30)) as pilot:
        await started(pilot)
        await pilot.press("j", "v", "G")
        await started(pilot)
    assert media_host.requests == ["/small-t.png"]


@pytest.mark.network
async def test_a_sixel_moves_with_its_post_and_is_not_drawn_half_off_the_list(
    build_app, media_host: MediaHost, monkeypatch: pytest.MonkeyPatch
):
    from tui.ui.widgets.timeline import PostList

    monkeypatch.delenv("TMUX", raising=False)
    net = FakeNetwork("masto", posts=30)
    net.posts[1] = replace(net.posts[1], content_warning="", media=(hosted(media_host, "small"),))
    app = build_app({"masto": net}, media=MediaConfig(previews="sixel"))
    async with app.run_test(size=(100, 30)) as pilot:
        written = record_writes(app, monkeypatch)
        await started(pilot)
        await pilot.pause()
        at_start = list(written)
        lines = screen_lines(app)  # renders the screen again, as if painted: a draw follows
        await pilot.pause()
        written.clear()
        row = next(i for i, line in enumerate(lines) if "▣ image: red" in line)
        column = lines[row].index("▣")
        first = sixels(at_start)
        assert first and set(first) == {first[0]}
        assert max(draws_per_frame(at_start)) == 1
        assert first[0].startswith(f"\x1b7\x1b[{row + 2};{column + 1}H\x1bP")
        timeline = app.main_screen.query_one("#timeline", PostList)
        top = timeline.content_region.y
        timeline.scroll_to(y=row + 1 - top, animate=False)  # the image's first row at the top
        await pilot.pause()
        await started(pilot)
        moved = [w for w in sixels(written) if w.startswith(f"\x1b7\x1b[{top + 1};")]
        assert moved and moved[-1].startswith(f"\x1b7\x1b[{top + 1};{column + 1}H")
        count = len(sixels(written))
        screen_lines(app)  # a frame at this scroll offset is rendered; its draw is due...
        timeline.scroll_to(y=row + 2 - top, animate=False)  # ...as its first row leaves the list
        await pilot.pause()
        await started(pilot)
        assert len(sixels(written)) == count
        assert max(draws_per_frame(written)) == 1
