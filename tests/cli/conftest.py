"""Run `murmur` as a user would: a subprocess with its own MURMUR_HOME."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

# Real servers from the other test areas, reused here to drive the CLI against them.
from tests.bluesky.conftest import bsky  # noqa: F401
from tests.mastodon.conftest import server  # noqa: F401
from tests.nostr.conftest import local_relay  # noqa: F401


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def murmur(murmur_home: Path):
    def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> Result:
        full_env = dict(os.environ)
        full_env.update(env or {})
        proc = subprocess.run(
            [sys.executable, "-m", "tui", *args],
            input=stdin if stdin is not None else "",
            capture_output=True,
            text=True,
            env=full_env,
            timeout=180,
            start_new_session=True,  # no controlling tty: prompts must not hang
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    return run


@pytest.fixture
def amurmur(murmur_home: Path):
    """Run `murmur` without blocking the event loop the in-process relay lives on."""

    async def run(*args: str, stdin: str = "") -> Result:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tui",
            *args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=dict(os.environ),
            start_new_session=True,
        )
        out, err = await asyncio.wait_for(proc.communicate(stdin.encode()), 120)
        return Result(proc.returncode or 0, out.decode(), err.decode())

    return run
