"""`murmur login mastodon SERVER` as a person runs it: in a real pseudo-terminal that is the
process's controlling terminal, against the contract server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys

import httpx
import pytest

pytestmark = pytest.mark.network

# Make the pty the controlling terminal of a new session, then become murmur.
_SPAWN = (
    "import fcntl, os, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
    "os.execv(sys.executable, [sys.executable, '-m', 'tui', *sys.argv[1:]])"
)


class Terminal:
    """A command in a pseudo-terminal: what it writes, and keys typed into it."""

    def __init__(self, *args: str) -> None:
        master, slave = os.openpty()
        self.master = master
        self.output = b""
        self.proc = asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _SPAWN,
            *args,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=dict(os.environ),
            start_new_session=True,
        )
        self._slave = slave

    async def __aenter__(self) -> Terminal:
        self.process = await self.proc
        os.close(self._slave)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        os.close(self.master)

    def _readable(self) -> asyncio.Future[None]:
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        loop.add_reader(self.master, wake)
        ready.add_done_callback(lambda _: loop.remove_reader(self.master))
        return ready

    def _read(self) -> bool:
        """Take what the command wrote; False once its side of the terminal is closed."""
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # EIO: the other side has closed
            return False
        self.output += chunk
        return bool(chunk)

    async def expect(self, pattern: bytes, timeout: float = 60.0) -> re.Match[bytes]:
        """Wait until the output matches `pattern`; fail with the output after `timeout` s."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not (found := re.search(pattern, self.output)):
            left = deadline - loop.time()
            if left <= 0:
                pytest.fail(f"no {pattern!r} after {timeout} s in:\n{self.output.decode()}")
            ready = self._readable()
            try:
                await asyncio.wait_for(ready, left)
            except TimeoutError:
                continue
            if not self._read():
                pytest.fail(f"ended without {pattern!r}:\n{self.output.decode()}")
        return found

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())

    async def exit_code(self, timeout: float = 60.0) -> int:
        """Wait for the command to end, reading what it writes meanwhile."""
        exited = asyncio.ensure_future(self.process.wait())
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not exited.done():
            left = deadline - loop.time()
            if left <= 0:
                pytest.fail(f"still running after {timeout} s:\n{self.output.decode()}")
            ready = self._readable()
            await asyncio.wait({ready, exited}, timeout=left, return_when=asyncio.FIRST_COMPLETED)
            if ready.done() and not self._read():
                break
            ready.cancel()
        return await exited


async def _browser_code(url: str) -> str:
    """What a person does in a browser: open the address, log in, copy the code shown."""
    async with httpx.AsyncClient() as client:
        page = (await client.get(url)).text
    found = re.search(r"<code id='code'>([^<]+)</code>", page)
    assert found, page
    return found.group(1)


async def _log_in_at_the_terminal(server) -> tuple[str, bytes]:
    async with Terminal("login", "mastodon", server.url) as term:
        url = (await term.expect(rb"(http://127\.0\.0\.1:\d+/oauth/authorize\?\S+)")).group(1)
        await term.expect(rb"Authorization code: ")
        term.type(await _browser_code(url.decode()) + "\r")
        await term.expect(rb"logged in as (\S+)")
        code = await term.exit_code()
    assert code == 0, term.output.decode()
    assert b"Traceback" not in term.output
    return url.decode(), term.output


async def test_login_with_the_code_typed_at_the_terminal(amurmur, server):
    url, output = await _log_in_at_the_terminal(server)
    assert b"logged in as alice@murmur.test" in output
    listed = await amurmur("accounts", "--json")
    rows = [json.loads(line) for line in listed.out.splitlines()]
    assert rows == [
        {
            "name": "alice@murmur.test",
            "network": "mastodon",
            "server": server.url,
            "handle": "alice@murmur.test",
        }
    ]
    timeline = await amurmur("timeline", "--limit", "3")
    assert timeline.code == 0, timeline.err


async def test_logging_in_again_reuses_the_registered_app(amurmur, server):
    first, _ = await _log_in_at_the_terminal(server)
    removed = await amurmur("accounts", "remove", "alice@murmur.test")
    assert removed.code == 0, removed.err
    again, _ = await _log_in_at_the_terminal(server)
    assert [r.path for r in server.received].count("/api/v1/apps") == 1
    client_id = re.search(r"client_id=([^&]+)", first).group(1)
    assert re.search(r"client_id=([^&]+)", again).group(1) == client_id


async def test_without_a_terminal_no_app_is_registered(amurmur, server):
    result = await amurmur("login", "mastodon", server.url)
    assert result.code == 2
    assert "--token-stdin" in result.err
    assert "Traceback" not in result.err
    assert not [r for r in server.received if r.path == "/api/v1/apps"]
