"""`murmur demo`: the app signed in to a real Nostr relay on 127.0.0.1, among neighbours who answer.

`start_demo` starts nostr-sdk's `LocalRelay` (in memory, bound to 127.0.0.1 only), writes a config
and a vault into the demo home (MURMUR_HOME layout), seeds the community described in
`tui/data/demo_community.json` and starts the neighbours: a plain websocket client of the same
relay that replies to and reacts on the user's new notes within seconds and now and then posts
something new, so the timeline and the notifications are live.

The relay keeps events in memory only. Every event it holds is therefore also appended to
`relay-events.jsonl` in the home; a later `--keep DIR` run replays that journal instead of seeding
again, which keeps the user, the community and everything posted since.

The vault passphrase is random per demo home and kept next to the vault in a 0600 file that the
config's `passphrase_command` reads: the vault protects nothing here (the key is a throwaway
identity), but the demo goes through the real vault code, and `MURMUR_HOME=DIR murmur ...` works
against a kept demo without asking.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import shlex
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from nostr_sdk import LocalRelay

from tui.model import Account, NetworkKind
from tui.networks.nostr.event import NostrEvent, sign
from tui.networks.nostr.keys import Keys

from tui.demo.community import CommunityBuilder, load_data, neighbours, user_person
from tui.demo.neighbourhood import Neighbours
from tui.demo.relay import DemoError, Journal, publish_all, start_relay

# Info level only: with no handler configured, warnings would reach the terminal under the app.
log = logging.getLogger(__name__)

ACCOUNT_NAME = "demo"
CONFIG_NAME = "config.toml"  # what tui.store.paths uses under MURMUR_HOME
VAULT_NAME = "vault.bin"
PASSPHRASE_NAME = "demo-passphrase"
STATE_NAME = "demo-state.json"
JOURNAL_NAME = "relay-events.jsonl"


# ----- the demo home: passphrase, vault, config ------------------------------------------------


def _write_private(path: Path, text: str) -> None:
    from tui.store.paths import write_private_file

    write_private_file(path, text.encode("utf-8"))


def _read_state(home: Path) -> dict[str, Any]:
    try:
        state = json.loads((home / STATE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


async def _user_keys(home: Path, passphrase: str) -> Keys:
    """The user's key from the demo's vault, or a new random one stored there."""
    from tui.store.vault import Vault

    vault = await Vault.unlock(home / VAULT_NAME, passphrase)
    stored = vault.get(ACCOUNT_NAME).get("nsec")
    if stored:
        return Keys.parse(stored)
    keys = Keys.generate()
    await vault.set(ACCOUNT_NAME, {"nsec": keys.nsec})
    return keys


def _passphrase(home: Path) -> str:
    path = home / PASSPHRASE_NAME
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    if (home / VAULT_NAME).exists():
        raise DemoError(f"{home} has a vault but no {PASSPHRASE_NAME}: not a demo home")
    passphrase = secrets.token_urlsafe(24)
    _write_private(path, passphrase + "\n")
    return passphrase


def _write_config(home: Path, keys: Keys, relay_url: str) -> Path:
    """config.toml with the demo account on the demo relay; other settings in it are kept."""
    from tui.store.config import Config, VaultConfig, load_config
    from tui.store.config_edit import save_config

    path = home / CONFIG_NAME
    config = load_config(path) if path.exists() else Config(path=path)
    account = Account(
        name=ACCOUNT_NAME,
        network=NetworkKind.NOSTR,
        handle=keys.npub,
        options={"relays": (relay_url,)},
    )
    others = tuple(a for a in config.accounts if a.name != ACCOUNT_NAME)
    command = f"cat {shlex.quote(str(home / PASSPHRASE_NAME))}"
    config = replace(
        config,
        accounts=(account, *others),
        # Nothing may leave 127.0.0.1: the demo relay is also the only default relay.
        nostr=replace(config.nostr, default_relays=(relay_url,)),
        vault=VaultConfig(passphrase_command=command),
        # The passphrase is in a file of the demo's own: no key agent outliving the demo.
        agent=replace(config.agent, enabled=False),
    )
    save_config(config, path)
    return path


# ----- the demo --------------------------------------------------------------------------------


@dataclass
class Demo:
    """A running demo: the relay, the neighbours and the home holding config and vault."""

    home: Path
    relay_url: str
    passphrase: str
    config_path: Path
    user_npub: str
    temporary: bool
    _relay: LocalRelay
    _journal: Journal
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(self.relay_url.rsplit(":", 1)[1].rstrip("/"))

    async def stop(self) -> None:
        """Stop the neighbours and the relay; a temporary home is deleted."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        self._relay.shutdown()
        self._journal.close()
        self.remove_temporary_home()

    def remove_temporary_home(self) -> None:
        if self.temporary:
            shutil.rmtree(self.home, ignore_errors=True)


async def start_demo(port: int | None, keep: Path | None) -> Demo:
    """Start the relay, seed (or replay) the community, write config and vault, start neighbours."""
    from tui.store.paths import ensure_private_dir

    if keep is None:
        home = Path(tempfile.mkdtemp(prefix="murmur-demo-"))
    else:
        home = ensure_private_dir(Path(keep).expanduser().resolve())
    try:
        return await _start(home, port, temporary=keep is None)
    except BaseException:
        if keep is None:
            shutil.rmtree(home, ignore_errors=True)
        raise


async def _start(home: Path, port: int | None, *, temporary: bool) -> Demo:
    state = _read_state(home)
    passphrase = _passphrase(home)
    user = await _user_keys(home, passphrase)
    relay, url = await _relay_for(port, state.get("port"))
    journal = None
    try:
        journal = Journal(home / JOURNAL_NAME)
        started = int(time.time())
        data = load_data()
        if journal.events:
            # Some may be refused (a replaceable event superseded later in the journal): fine.
            await publish_all(url, journal.events)
            if state.get("relay_url") != url:
                # The relay moved: relay lists and config must name the new address.
                await publish_all(url, [e.to_dict() for e in _relay_lists(data, user, url)])
        else:
            seed = [e.to_dict() for e in CommunityBuilder(data, user, url, started).build()]
            refused = await publish_all(url, seed)
            if refused:
                raise DemoError(f"the demo relay refused {refused} of the seed events")
            for event in seed:
                journal.add(event)
        config_path = _write_config(home, user, url)
        _write_private(
            home / STATE_NAME, json.dumps({"port": int(url.rsplit(":", 1)[1]), "relay_url": url})
        )
        neighbours_ = Neighbours(url, user.public_hex, data, journal, since=started - 5)
        demo = Demo(home, url, passphrase, config_path, user.npub, temporary, relay, journal)
        demo._tasks.append(asyncio.create_task(neighbours_.run()))
        return demo
    except BaseException:
        if journal is not None:
            journal.close()
        relay.shutdown()
        raise


async def _relay_for(port: int | None, previous: object) -> tuple[LocalRelay, str]:
    """The relay on `port`; else on the kept demo's previous port if still free; else any."""
    if port is None and isinstance(previous, int):
        with contextlib.suppress(DemoError):
            return await start_relay(previous)
    return await start_relay(port)


def _relay_lists(data: dict[str, Any], user: Keys, relay_url: str) -> list[NostrEvent]:
    people = [*neighbours(data), user_person(data, user)]
    return [sign(p.keys, 10002, "", [["r", relay_url]]) for p in people]


def _end_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def main(port: int | None, keep: Path | None) -> int:
    """`murmur demo`: run the app against the demo until the user quits."""
    # Until the app takes these over, a closed terminal or a kill still unwinds through the
    # `finally` blocks that stop the relay and remove a temporary home.
    for sig in (signal.SIGHUP, signal.SIGTERM):
        signal.signal(sig, _end_on_signal)
    try:
        return asyncio.run(_run_app(port, keep))
    except DemoError as exc:
        print(f"murmur: demo: {exc}", file=sys.stderr)
        return 2


async def _run_app(port: int | None, keep: Path | None) -> int:
    """The relay, the neighbours and the app share this one asyncio loop.

    LocalRelay needs a running loop to start (it then serves from nostr-sdk's own threads) and
    the neighbours are a task of this loop. `tui.ui.app.run` would start a second loop through
    `App.run()`, so the app runs here with `App.run_async()`, which is what `App.run()` awaits.
    """
    from tui.session import Session
    from tui.store import paths
    from tui.store.cache import Cache
    from tui.store.config import load_config
    from tui.ui.app import MurmurApp, Terminator

    demo = await start_demo(port, keep)
    cache = None
    try:
        os.environ[paths.HOME_ENV] = str(demo.home)
        gone = " (deleted on exit)" if demo.temporary else ""
        print(f"Demo relay on {demo.relay_url} — state in {demo.home}{gone}", flush=True)
        config = load_config(demo.config_path)
        cache = Cache(paths.cache_file())
        session = Session(config, cache)
        await session.unlock(demo.passphrase)
        app = MurmurApp(
            session,
            config=config,
            status_note=f"demo relay {demo.relay_url}",
            home_is_temporary=demo.temporary,
        )
        # Closing the terminal (SIGHUP) or a kill (SIGTERM) ends the app normally, so the
        # temporary home is removed and the relay stopped as on `q`; while suspended for
        # $EDITOR (or when a normal exit hangs) the process ends at once, the home removed.
        app.terminator = Terminator(app, cleanup=demo.remove_temporary_home)
        app.terminator.install()
        result = await app.run_async()
        return int(result or 0) if app.return_code in (None, 0) else int(app.return_code)
    finally:
        if cache is not None:
            cache.close()
        await demo.stop()
