"""Run `murmur` as a user would: a subprocess with its own MURMUR_HOME."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest


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
