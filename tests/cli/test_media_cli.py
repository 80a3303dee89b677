"""`murmur post --media` with `[compose] require_alt_text = true`, run in a real terminal against
the Mastodon contract server: an attachment without alt text is refused with a sentence."""

from __future__ import annotations

import pytest

from tests.cli.test_login_pty import Terminal
from tui.store import paths

pytestmark = pytest.mark.network


async def login(amurmur, server) -> None:
    result = await amurmur("login", "mastodon", server.url, "--token-stdin", stdin="test-token\n")
    assert result.code == 0, result.err


def require_alt_text() -> None:
    config = paths.config_file()
    text = config.read_text(encoding="utf-8")
    if "[compose]" in text:
        text = text.replace("[compose]", "[compose]\nrequire_alt_text = true", 1)
    else:
        text = "[compose]\nrequire_alt_text = true\n\n" + text
    config.write_text(text, encoding="utf-8")


async def test_post_refuses_media_without_alt_text_when_required(amurmur, server, tmp_path):
    await login(amurmur, server)
    require_alt_text()
    image = tmp_path / "cat.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    before = len(server.world.statuses)
    async with Terminal("post", "--media", str(image), "my cat") as term:
        await term.expect(rb"without alt text")
        code = await term.exit_code()
    said = term.output.decode()
    assert code == 2, said
    assert "1 attachment without alt text" in said and "require_alt_text" in said
    assert "Traceback" not in said
    assert len(server.world.statuses) == before
    sent = await amurmur("post", "--media", str(image), "--alt", "a cat asleep", "my cat")
    assert sent.code == 0, sent.err
    assert len(server.world.statuses) == before + 1
