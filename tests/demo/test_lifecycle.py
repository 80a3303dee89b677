"""Starting and stopping the demo: ports, loopback only, --keep reuse, a temporary home."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import websockets

import tui.demo
from tests.demo.helpers import fetch, publish, verify_with_coincurve, wait_for
from tui.demo import DemoError, start_demo
from tui.networks.nostr.event import sign
from tests.demo.conftest import user_keys
from tests.support import free_port, wait_until

pytestmark = pytest.mark.network  # the demo relay


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on `port`, from /proc/net/tcp{,6} (Linux)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if table.endswith("6") and not Path(table).exists():
            continue  # a kernel without IPv6 has no table for it: nothing listens there
        lines = Path(table).read_text().splitlines()[1:]
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


async def test_the_port_option_is_honoured_and_only_loopback_listens():
    port = free_port()
    demo = await start_demo(port, None)
    try:
        assert demo.relay_url == f"ws://127.0.0.1:{port}"
        assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1, nothing else
        assert await fetch(demo.relay_url, {"kinds": [0], "limit": 1})
    finally:
        await demo.stop()


async def test_stop_shuts_the_relay_and_removes_the_temporary_home():
    demo = await start_demo(None, None)
    home, url = demo.home, demo.relay_url
    assert home.is_dir()
    await demo.stop()
    with pytest.raises(OSError):
        async with websockets.connect(url, open_timeout=5):
            pass
    assert not home.exists()


async def test_a_busy_port_is_a_clear_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        with pytest.raises(DemoError, match="cannot start the demo relay"):
            await start_demo(s.getsockname()[1], None)


async def test_keep_reuses_the_user_and_does_not_seed_twice(tmp_path: Path):
    keep = tmp_path / "kept"
    first = await start_demo(None, keep)
    try:
        npub, port = first.user_npub, first.port
        keys = await user_keys(first)
        seeded = await fetch(first.relay_url, {"kinds": [1], "limit": 5000})
        mine = sign(keys, 1, "Written in the first run ✍️")
        assert (await publish(first.relay_url, mine.to_dict()))[2] is True
        # Wait until the neighbours have answered, so their answers are kept too.
        await wait_for(first.relay_url, {"#e": [mine.id]}, lambda evs: len(evs) >= 2)
        answers = await fetch(first.relay_url, {"#e": [mine.id]})
    finally:
        await first.stop()
    assert keep.is_dir()  # a kept home outlives the demo

    second = await start_demo(None, keep)
    try:
        assert second.user_npub == npub
        assert second.port == port  # the previous port was free again, so it is reused
        notes = await fetch(second.relay_url, {"kinds": [1], "limit": 5000})
        ids = [n["id"] for n in notes]
        assert len(ids) == len(set(ids))
        assert len(notes) == len(seeded) + 1 + len([a for a in answers if a["kind"] == 1])
        assert mine.id in ids
        profiles = await fetch(second.relay_url, {"kinds": [0]})
        assert len(profiles) == len({p["pubkey"] for p in profiles})
    finally:
        await second.stop()


async def test_keep_on_another_port_moves_the_relay_lists(tmp_path: Path):
    keep = tmp_path / "kept"
    first = await start_demo(None, keep)
    await first.stop()
    port = free_port()
    second = await start_demo(port, keep)
    try:
        assert second.relay_url == f"ws://127.0.0.1:{port}"
        relay_lists = await fetch(second.relay_url, {"kinds": [10002]})
        assert relay_lists and all(
            [t for t in e["tags"] if t[0] == "r"] == [["r", second.relay_url]] for e in relay_lists
        )
        config = (keep / "config.toml").read_text()
        assert second.relay_url in config and first.relay_url not in config
    finally:
        await second.stop()


async def test_keep_refuses_a_home_that_is_not_a_demo(tmp_path: Path):
    home = tmp_path / "real"
    home.mkdir(mode=0o700)
    (home / "vault.bin").write_bytes(b"someone's real vault")
    with pytest.raises(DemoError, match="not a demo home"):
        await start_demo(None, home)
    assert (home / "vault.bin").read_bytes() == b"someone's real vault"


async def test_neighbours_post_on_their_own_now_and_then(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(tui.demo.neighbourhood, "CHATTER_EVERY", (0.2, 0.5))
    demo = await start_demo(None, None)
    try:
        since = max(e["created_at"] for e in await fetch(demo.relay_url, {"kinds": [1]}))
        keys = await user_keys(demo)
        fresh = await wait_for(
            demo.relay_url,
            {"kinds": [1], "since": since + 1},
            lambda evs: len([e for e in evs if e["pubkey"] != keys.public_hex]) >= 2,
        )
        assert all(not any(t[0] == "e" for t in e["tags"]) for e in fresh)
        assert all(verify_with_coincurve(e) for e in fresh)
    finally:
        await demo.stop()


def test_closing_the_terminal_removes_the_temporary_home(tmp_path):
    """SIGHUP (the terminal went away) ends the demo as `q` does: its temp home is deleted."""
    import os
    import signal
    import subprocess
    import sys

    from tests.conftest import need_command

    need_command("tmux", "tmux")
    server = f"murmur-hup-{os.getpid()}"
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()

    def tmux(*args: str) -> str:
        cmd = ["tmux", "-L", server, *args]
        return subprocess.run(cmd, capture_output=True, text=True).stdout

    command = f"env -u COLUMNS -u LINES TMPDIR={tmpdir} {sys.executable} -m tui demo"
    subprocess.run(
        ["tmux", "-L", server, "new-session", "-d", "-x", "80", "-y", "24", command], check=True
    )
    try:
        wait_until(lambda: list(tmpdir.glob("murmur-demo-*")), 60, "the demo's temporary home")
        # The app is up when its timeline says it is connected to the demo relay.
        wait_until(lambda: "connected" in tmux("capture-pane", "-p"), 60, "the app on screen")
        pid = tmux("display", "-p", "#{pane_pid}").strip()
        os.kill(int(pid), signal.SIGHUP)
        wait_until(
            lambda: not list(tmpdir.glob("murmur-demo-*")), 30, "the temporary home to be removed"
        )
    finally:
        subprocess.run(["tmux", "-L", server, "kill-server"], capture_output=True)
