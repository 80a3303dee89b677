"""shared/hostile inputs through the whole app: timeline, notifications, profile, toasts, status.

Remote strings are built into model objects the way adapters build them (through `tui.text`); the
check is on what the compositor would write to the terminal: no ESC but Textual's own CSI and
http(s) OSC 8 sequences, no C1/BEL/BS/CR, and markup-looking text shown literally.
"""

from __future__ import annotations

import re
from datetime import timedelta
from dataclasses import replace

from tests.ui.fakes import NOW, FakeNetwork
from tests.ui.pilot import started, toasts
from tui import text
from tui.model import (
    Author,
    Media,
    MediaKind,
    Notification,
    Profile,
    ProfileField,
    Relationship,
)
from tests import support
from tui.networks.base import Transient
from tui.ui.screens.profile import ProfileScreen

CSI = re.compile(r"\x1b\[[0-9;:?<=>]*[ -/]*[@-~]")
OSC8 = re.compile(r"\x1b\]8;[^\x1b\x07]*;([^\x1b\x07]*)\x1b\\")
FORBIDDEN = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
WIDE = (160, 48)


def hostile_strings() -> list[str]:
    """Every case of shared/hostile: the strings, then the HTML."""
    return [value for _, value in (*support.hostile_strings(), *support.hostile_html())]


def hostile_author(net: FakeNetwork, value: str, n: int) -> Author:
    line = text.clean_line(value)
    return Author(net.kind, net.account.name, f"evil:{n}", line[:100] or "x", line)


def poison(net: FakeNetwork) -> None:
    values = hostile_strings()
    base = net.posts[0]
    net.posts = [
        replace(
            base,
            uid=f"evil:{n}",
            key=f"evil:{n}",
            created_at=NOW - timedelta(seconds=n),
            author=hostile_author(net, value, n),
            content=text.html_to_rich(value)
            if value.lstrip().startswith("<")
            else text.plain_to_rich(value),
            content_warning=text.clean_line(value) if n % 3 == 1 else "",
            media=(Media(MediaKind.IMAGE, "https://img.example/x.png", text.clean(value)),),
        )
        for n, value in enumerate(values)
    ]
    net.notes = [
        Notification(
            net.kind,
            net.account.name,
            f"evil-note:{n}",
            "mention",
            NOW,
            (hostile_author(net, value, n),),
            post=net.posts[n],
            text=text.clean(value),
        )
        for n, value in enumerate(values[:12])
    ]
    value = values[0] + values[14]  # OSC 52 + click markup

    async def profile(who: str) -> Profile:
        return Profile(
            hostile_author(net, value, 0),
            bio=text.html_to_rich(values[-7]),
            fields=tuple(ProfileField(text.clean_line(v), text.plain_to_rich(v)) for v in values),
            relationship=Relationship(),
        )

    net.profile = profile  # type: ignore[method-assign]


def terminal_output(app) -> str:
    update = app.screen._compositor.render_update(full=True)
    return update.render_segments(app.console)


def assert_harmless(output: str) -> None:
    for url in OSC8.findall(output):
        assert url == "" or url.startswith(("http://", "https://")), url
    stripped = OSC8.sub("", CSI.sub("", output))
    bad = FORBIDDEN.search(stripped)
    near = stripped[bad.start() - 30 : bad.end() + 30] if bad else ""
    assert bad is None, f"{bad.group()!r} reached the terminal near {near!r}"
    for payload in ("]52;", "]0;", "evil.example\x1b", "[2J", "[21t", "Ptmux"):
        assert "\x1b" + payload not in output


async def test_hostile_timeline_notifications_and_toasts_are_harmless(build_app):
    net = FakeNetwork("masto")
    poison(net)
    net.fail["search"] = Transient(text.clean(hostile_strings()[0] + " [bold]x[/]"))
    app = build_app({"masto": net})
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        outputs = []
        for _ in range(len(net.posts)):
            outputs.append(terminal_output(app))
            await pilot.press("v", "j")
        await pilot.press("tab")
        for _ in range(len(net.notes)):
            outputs.append(terminal_output(app))
            await pilot.press("j")
        await pilot.press("S", *"x", "enter")
        await started(pilot)
        outputs.append(terminal_output(app))
        for output in outputs:
            assert_harmless(output)
        assert app.is_running
        seen = CSI.sub("", "".join(outputs))
        assert "[bold red on white blink]IMPORTANT[/]" in seen
        assert any("[bold]x[/]" in t for t in toasts(app))  # shown as text, not markup
        assert "[bold]x[/]" in app.main_screen.query_one("#status").text


async def test_hostile_profile_screen_is_harmless_and_literal(build_app):
    net = FakeNetwork("masto")
    poison(net)
    app = build_app({"masto": net})
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        app.push_screen(ProfileScreen("masto", "evil:0"))
        await started(pilot)
        assert "[@click=app.screenshot('x.svg','.')]Read more[/]" in app.screen.text
        for _ in range(6):
            assert_harmless(terminal_output(app))
            await pilot.press("pagedown")
            app.screen.query_one("#profile-pane").scroll_page_down(animate=False)
            await pilot.pause()
