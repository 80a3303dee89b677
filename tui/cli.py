"""Non-interactive commands: the scripting surface of Murmur.

Exit codes: 0 ok; 1 a server or network failed (the message names which and why), or an
unexpected error (written with its traceback to the error log, whose path is printed); 2 usage,
config, storage or passphrase errors. Nothing prints a traceback.

At start `MURMUR_PASSPHRASE` is read once and removed from the environment, so no child process
($EDITOR, $BROWSER, passphrase_command) ever sees it.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
from collections.abc import Callable, Coroutine, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui import __version__

if TYPE_CHECKING:
    from tui.model import Author, Item, NotificationItem
    from tui.networks.base import Prompt
    from tui.session import Session
    from tui.store.config import Config

EXIT_OK, EXIT_NETWORK, EXIT_USAGE = 0, 1, 2
EXIT_UNEXPECTED = 1  # a bug: logged with its traceback, the path printed


class UsageError(Exception):
    """A mistake of the user's: exit 2 with the message."""


class CommandFailed(Exception):
    """A server or network failed: exit 1 with the message."""


# ----- argument parsing ----------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="murmur",
        description="A keyboard-driven terminal client for Mastodon, Bluesky and Nostr. "
        "With no command, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"murmur {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="write more detail to the error log (murmur.log)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", help="the app on an embedded local relay with a sample community")
    demo.add_argument("--port", type=int, help="port for the demo relay (default: a free one)")
    demo.add_argument("--keep", type=Path, metavar="DIR", help="keep the demo's state in DIR")

    login = sub.add_parser("login", help="add an account (mastodon, bluesky or nostr)")
    login_sub = login.add_subparsers(dest="network", metavar="NETWORK", required=True)
    mastodon = login_sub.add_parser("mastodon", help="log in to a Mastodon-API server")
    mastodon.add_argument("server", help="the server, e.g. mastodon.social")
    mastodon.add_argument(
        "--token-stdin", action="store_true", help="read an existing access token from stdin"
    )
    bluesky = login_sub.add_parser("bluesky", help="log in to Bluesky with an app password")
    bluesky.add_argument("handle", help="your handle, e.g. alice.bsky.social")
    bluesky.add_argument("--service", help="the PDS or entryway URL (default: from your handle)")
    bluesky.add_argument(
        "--password-stdin", action="store_true", help="read the app password from stdin"
    )
    nostr = login_sub.add_parser("nostr", help="create or import a Nostr key")
    which = nostr.add_mutually_exclusive_group(required=True)
    which.add_argument("--generate", action="store_true", help="generate a new key")
    which.add_argument(
        "--key-stdin", action="store_true", help="read an nsec, hex or ncryptsec key from stdin"
    )
    nostr.add_argument(
        "--relay", action="append", default=[], metavar="URL", help="a relay (repeatable)"
    )

    accounts = sub.add_parser("accounts", help="list accounts, or remove one")
    accounts.add_argument("--json", action="store_true", help="one JSON object per line")
    accounts_sub = accounts.add_subparsers(dest="action", metavar="ACTION")
    remove = accounts_sub.add_parser("remove", help="forget an account and its secrets")
    remove.add_argument("name")

    post = sub.add_parser("post", help="post to one or several accounts")
    post.add_argument(
        "--account", action="append", default=[], metavar="NAME", help="post from NAME (repeatable)"
    )
    post.add_argument("--cw", default="", metavar="TEXT", help="content warning")
    post.add_argument("--reply-to", metavar="UID", help="the uid of the post to reply to")
    post.add_argument(
        "--visibility",
        default="",
        choices=("public", "unlisted", "private", "direct"),
        help="who may read it; refused where the network has no such visibility",
    )
    post.add_argument(
        "--media", action="append", default=[], metavar="PATH", help="attach a file (repeatable)"
    )
    post.add_argument(
        "--alt", action="append", default=[], metavar="TEXT", help="alt text, one per --media"
    )
    post.add_argument("text", nargs="?", default="-", help="the text, or - to read stdin")

    from tui import cli_outbox

    cli_outbox.add_parser(sub)

    timeline = sub.add_parser("timeline", help="print a timeline")
    timeline.add_argument("--account", metavar="NAME", help="only this account")
    timeline.add_argument(
        "--feed", default="home", help="home|local|public|tag:NAME|list:ID|user:WHO|custom:URI"
    )
    timeline.add_argument("--limit", type=int, default=20)
    timeline.add_argument("--json", action="store_true", help="one JSON object per line")

    notifications = sub.add_parser("notifications", help="print notifications")
    notifications.add_argument("--account", metavar="NAME", help="only this account")
    notifications.add_argument("--limit", type=int, default=20)
    notifications.add_argument("--json", action="store_true", help="one JSON object per line")

    for verb in ("follow", "unfollow"):
        p = sub.add_parser(verb, help=f"{verb} someone")
        p.add_argument("--account", metavar="NAME", help="from this account")
        p.add_argument("who", help="a handle, @user@server, npub or DID")

    sub.add_parser("lock", help="make the key agent forget the vault key")

    config = sub.add_parser("config", help="check the configuration")
    config_sub = config.add_subparsers(dest="action", metavar="ACTION", required=True)
    config_sub.add_parser(
        "check",
        help="load config.toml and report problems (also unknown themes, unknown or clashing "
        "key bindings); exit 2 on any",
    )
    return parser


def run(argv: Sequence[str]) -> int:
    from tui.store.vault import take_env_passphrase

    take_env_passphrase()  # before anything can start a child process
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    command = args.command or "app"
    handler = COMMANDS[command]
    try:
        _check_text_args(args)
        if args.debug:
            from tui import errorlog

            errorlog.enable_debug()
        return handler(args)
    except UsageError as exc:
        _err(str(exc))
        return EXIT_USAGE
    except CommandFailed as exc:
        _err(str(exc))
        return EXIT_NETWORK
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except Exception as exc:  # noqa: BLE001 - project errors are translated, bugs are logged
        code = _classify(exc)
        if code is None:
            return _unexpected(exc, command)
        _err(str(exc))
        return code


def _unexpected(exc: Exception, command: str) -> int:
    """A bug: its traceback goes to the error log, the terminal gets one line saying where."""
    from tui import errorlog

    try:
        log = errorlog.log_exception(exc, doing=f"murmur {command}")
    except OSError as log_error:  # the log itself cannot be written: still no traceback
        _err(
            f"an unexpected error happened ({type(exc).__name__}: {exc}); "
            f"the error log could not be written either ({log_error})"
        )
        return EXIT_UNEXPECTED
    _err(f"an unexpected error happened ({type(exc).__name__}); details are in {log}")
    return EXIT_UNEXPECTED


def _check_text_args(args: argparse.Namespace) -> None:
    """Arguments must be text: bytes that are not UTF-8 arrive as lone surrogates."""
    for name, value in vars(args).items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and not _is_utf8(item):
                option = "TEXT" if name == "text" else f"--{name.replace('_', '-')}"
                if name in ("server", "handle", "who", "name"):
                    option = name.upper()
                raise UsageError(f"{option}: not UTF-8 text")


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _classify(exc: Exception) -> int | None:
    from tui.networks.base import NetworkError
    from tui.store.config import ConfigError
    from tui.store.paths import StorageError
    from tui.store.vault import VaultError

    if isinstance(exc, (ConfigError, VaultError, StorageError)):
        return EXIT_USAGE
    if isinstance(exc, NetworkError):
        return EXIT_NETWORK
    return None


def _err(message: str) -> None:
    print(f"murmur: {message}", file=sys.stderr)


def _warn(warnings: Iterable[tuple[str, str]]) -> None:
    """What went wrong while pages still came (a relay down, authors not reached), once each."""
    for account, warning in warnings:
        print(f"murmur: warning: {account}: {warning}", file=sys.stderr)


def _run_async(factory: Callable[[], Coroutine[Any, Any, int]]) -> int:
    return asyncio.run(factory())


# ----- shared set-up -------------------------------------------------------------------------


def _config() -> Config:
    from tui.store.config import load_config

    return load_config()


async def _session(config: Config, *, need_vault: bool = True, create: bool = False) -> Session:
    """A session with the vault unlocked and the cache open."""
    from tui.session import Session
    from tui.store import paths
    from tui.store.cache import Cache

    cache = Cache(paths.cache_file())
    session = Session(config, cache)
    if need_vault and (config.accounts or create) and not await session.unlock_from_agent():
        passphrase = _passphrase(config, create=create and not paths.vault_file().exists())
        await session.unlock(passphrase)
    return session


def _passphrase(config: Config, *, create: bool = False) -> str:
    from tui.store.vault import resolve_passphrase

    return resolve_passphrase(config.vault, interactive=_has_tty(), confirm=create)


def _has_tty() -> bool:
    """Whether this process has a terminal to ask questions at (stdin may be a pipe)."""
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return False
    os.close(fd)
    return True


def _stdin_text(what: str) -> str:
    """All of standard input as text; bytes that are not UTF-8 are a usage error."""
    if sys.stdin is None or sys.stdin.closed:
        raise UsageError(f"expected {what} on standard input")
    data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read()
    if isinstance(data, str):
        if not _is_utf8(data):
            raise UsageError(f"standard input: expected {what} as UTF-8 text")
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"standard input: expected {what} as UTF-8 text") from None


def _read_stdin(what: str) -> str:
    value = _stdin_text(what).strip()
    if not value:
        raise UsageError(f"expected {what} on standard input, got nothing")
    return value


async def _ask(prompt: Prompt) -> str:
    """Answer a login flow's question at the terminal (works over SSH: no browser needed)."""
    if not _has_tty():
        raise UsageError(f"{prompt.label}: needs a terminal to ask (no tty)")
    if prompt.info:
        print(prompt.info, file=sys.stderr, flush=True)
    ask = getpass.getpass if prompt.secret else _tty_input
    answer = await asyncio.to_thread(ask, f"{prompt.label}: ")
    return answer.strip()


def _tty_input(label: str) -> str:
    """One line typed at the terminal. A terminal cannot seek, so it is opened twice, to write
    and to read, each in text mode (one "r+" text file over it fails: "not seekable")."""
    with (
        open("/dev/tty", "w", encoding="utf-8") as out,
        open("/dev/tty", encoding="utf-8", errors="replace") as typed,
    ):
        out.write(label)
        out.flush()
        return typed.readline()


def _pick(session: Session, name: str | None) -> list[str]:
    if name is None:
        names = list(session.networks)
        if not names and not session.errors:
            raise UsageError("no accounts yet: add one with `murmur login`")
        return names
    if name not in {a.name for a in session.accounts}:
        known = ", ".join(a.name for a in session.accounts) or "none"
        raise UsageError(f"no account named {name!r} (accounts: {known})")
    return [name]


def _failures(results: dict[str, Any]) -> list[str]:
    return [f"{name}: {_reason(r)}" for name, r in results.items() if isinstance(r, Exception)]


def _reason(exc: Exception) -> str:
    from tui.networks.base import NetworkError

    if isinstance(exc, NetworkError):
        return exc.message
    return str(exc) or type(exc).__name__


# ----- commands ------------------------------------------------------------------------------


def cmd_app(args: argparse.Namespace) -> int:
    from tui.session import Session
    from tui.store import paths
    from tui.store.cache import Cache

    config = _config()
    session = Session(config, Cache(paths.cache_file()))
    if config.accounts:
        vault = _agent_vault(config)
        passphrase = _env_passphrase(config) if vault is None else None
        if vault is not None:  # the key agent had the key: no passphrase needed
            session.preset_vault(vault)
        elif passphrase is not None:  # the app unlocks after painting the cached timeline
            session.preset_passphrase(passphrase)
    from tui.ui.app import run as run_app

    return run_app(session, config)


def _agent_vault(config: Config) -> Any:
    """The vault opened with the key agent's key, or None (the app then unlocks as usual)."""
    from tui.store import paths
    from tui.store.vault import Vault, VaultError

    if not config.agent.enabled:
        return None
    try:
        return Vault.from_agent(paths.vault_file())
    except VaultError:
        return None  # a damaged or unsafe vault: the usual unlock reports it in the app


def _env_passphrase(config: Config) -> str | None:
    """The passphrase from MURMUR_PASSPHRASE or passphrase_command, or None."""
    from tui.store.vault import PassphraseUnavailable, resolve_passphrase

    try:
        return resolve_passphrase(config.vault, interactive=False)
    except PassphraseUnavailable:
        return None


def cmd_demo(args: argparse.Namespace) -> int:
    from tui.demo import main as demo_main

    if args.port is not None and not 0 < args.port < 65536:
        raise UsageError(f"--port: expected a port number from 1 to 65535, got {args.port}")
    return demo_main(args.port, args.keep)


def cmd_login(args: argparse.Namespace) -> int:
    from tui.model import NetworkKind

    params: dict[str, str] = {}
    if args.network == "mastodon":
        params["server"] = args.server
        if args.token_stdin:
            params["token"] = _read_stdin("an access token")
        elif not _has_tty():  # before the server is asked to register an app
            raise UsageError("no terminal to ask for the authorization code: use --token-stdin")
    elif args.network == "bluesky":
        params["handle"] = args.handle
        if args.service:
            params["service"] = args.service
        if args.password_stdin:
            params["password"] = _read_stdin("an app password")
        elif not _has_tty():
            raise UsageError("no terminal to ask for the app password: use --password-stdin")
        else:
            params["password"] = getpass.getpass("App password: ")
    else:
        if args.generate:
            params["generate"] = "1"
        else:
            params["key"] = _read_stdin("a key (nsec, hex or ncryptsec)")
        if args.relay:
            params["relays"] = ",".join(args.relay)
    kind = NetworkKind(args.network)

    async def go() -> int:
        from tui.networks.base import login

        config = _config()
        session = await _session(config, create=True)
        try:
            result = await login(kind, params, _ask)
            if result.account.name in {a.name for a in config.accounts}:
                raise UsageError(
                    f"an account named {result.account.name!r} exists: "
                    f"remove it first with `murmur accounts remove {result.account.name}`"
                )
            await session.add_account(result)
        finally:
            await session.close_all()
        print(f"logged in as {result.account.name} ({kind.value})")
        if kind is NetworkKind.NOSTR and result.account.handle:
            print(f"public key: {result.account.handle}")
        return EXIT_OK

    return _run_async(go)


def cmd_accounts(args: argparse.Namespace) -> int:
    config = _config()
    if args.action == "remove":
        return _remove_account(config, args.name)
    for account in config.accounts:
        if args.json:
            print(
                json.dumps(
                    {
                        "name": account.name,
                        "network": account.network.value,
                        "server": account.server,
                        "handle": account.handle,
                    },
                    ensure_ascii=False,
                )
            )
        else:
            where = f" on {account.server}" if account.server else ""
            print(f"{account.name}\t{account.network.value}{where}")
    if not config.accounts and not args.json:
        print("no accounts yet: add one with `murmur login`", file=sys.stderr)
    return EXIT_OK


def _remove_account(config: Config, name: str) -> int:
    from tui.store.config_edit import remove_account, update_config

    if name not in {a.name for a in config.accounts}:
        raise UsageError(f"no account named {name!r}")

    async def go() -> int:
        session = await _session(config)
        try:
            if session.vault is not None:
                await session.vault.remove(name)
        finally:
            await session.close_all()
        update_config(lambda c: remove_account(c, name), config.path)
        print(f"removed {name}")
        return EXIT_OK

    return _run_async(go)


def cmd_post(args: argparse.Namespace) -> int:
    from tui.model import Draft, MediaUpload
    from tui.session import DraftRefused

    text = _stdin_text("the text to post") if args.text == "-" else args.text
    text = text.rstrip("\n")
    if not text.strip() and not args.media:
        raise UsageError("nothing to post: give TEXT, or - and text on standard input")
    if len(args.alt) > len(args.media):
        raise UsageError("--alt given without a --media for it")
    media = []
    for i, path in enumerate(args.media):
        if not Path(path).is_file():
            raise UsageError(f"--media: no such file {path!r}")
        alt = args.alt[i] if i < len(args.alt) else ""
        media.append(MediaUpload(str(Path(path).resolve()), alt))

    async def go() -> int:
        config = _config()
        session = await _session(config)
        try:
            targets = [n for a in args.account for n in _pick(session, a)] or _pick(session, None)
            if not args.account:
                defaults = list(config.compose.default_accounts)
                targets = defaults or targets[:1]
            reply_to = None
            if args.reply_to:
                reply_to = await _find_post(session, targets[0], args.reply_to)
            draft = Draft(
                text=text,
                targets=tuple(targets),
                content_warning=args.cw,
                visibility=args.visibility,
                language=config.compose.language,
                reply_to=reply_to,
                media=tuple(media),
            )
            try:
                entries = await session.send(draft)
            except DraftRefused as exc:
                raise UsageError(f"not sent: {exc}") from None
        finally:
            await session.close_all()
        failed = [e for e in entries if e.state != "sent"]
        for entry in entries:
            if entry.state == "sent":
                print(f"{entry.account}\tsent\t{entry.remote_uid}")
        if failed:
            details = "; ".join(f"{e.account}: {e.error}" for e in failed)
            raise CommandFailed(f"not sent (kept in the outbox to retry): {details}")
        return EXIT_OK

    return _run_async(go)


def cmd_outbox(args: argparse.Namespace) -> int:
    from tui import cli_outbox
    from tui.session import DraftRefused

    async def go() -> int:
        config = _config()
        retrying = getattr(args, "action", None) == "retry"
        session = await _session(config, need_vault=retrying)
        try:
            lines, failures = await cli_outbox.run(args, session)
        except DraftRefused as exc:
            raise UsageError(str(exc)) from None
        finally:
            await session.close_all()
        for line in lines:
            print(line)
        if failures:
            raise CommandFailed("not sent (still in the outbox): " + "; ".join(failures))
        return EXIT_OK

    return _run_async(go)


async def _find_post(session: Session, account: str, uid: str) -> Any:
    from tui.model import Post

    network = session.network_for(account)
    await session.open_all([account])
    item = await network.post(uid)
    if not isinstance(item, Post):
        raise CommandFailed(f"{account}: cannot reply to {uid}: {getattr(item, 'reason', '')}")
    return item


def cmd_timeline(args: argparse.Namespace) -> int:
    from tui.model import FeedRef

    try:
        feed = FeedRef.parse(args.feed)
    except ValueError as exc:
        raise UsageError(f"--feed: {exc}") from None
    if args.limit < 1:
        raise UsageError("--limit: expected a positive number")

    async def go() -> int:
        from tui.reader import PAGE_SIZE, post_pager

        session = await _session(_config())
        try:
            names = _pick(session, args.account)
            pager = post_pager(session, feed, names, min(args.limit, PAGE_SIZE))
            items, errors = await pager.collect(args.limit)
        finally:
            await session.close_all()
        for item in items:
            print(_post_json(item) if args.json else _post_line(item))
        _warn(pager.warnings)
        failures = _failures(errors)
        if failures:
            raise CommandFailed("; ".join(failures))
        return EXIT_OK

    return _run_async(go)


def cmd_notifications(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise UsageError("--limit: expected a positive number")

    async def go() -> int:
        from tui.reader import PAGE_SIZE, notification_pager

        session = await _session(_config())
        try:
            names = _pick(session, args.account)
            pager = notification_pager(session, names, min(args.limit, PAGE_SIZE))
            items, errors = await pager.collect(args.limit)
        finally:
            await session.close_all()
        for item in items:
            print(_notification_json(item) if args.json else _notification_line(item))
        _warn(pager.warnings)
        failures = _failures(errors)
        if failures:
            raise CommandFailed("; ".join(failures))
        return EXIT_OK

    return _run_async(go)


def cmd_follow(args: argparse.Namespace) -> int:
    undo = args.command == "unfollow"

    async def go() -> int:
        session = await _session(_config())
        try:
            names = _pick(session, args.account)[:1]
            results = await session.open_all(names)
            failures = _failures(results)
            if failures:
                raise CommandFailed("; ".join(failures))
            network = session.network_for(names[0])
            await network.follow(args.who, undo=undo)
        finally:
            await session.close_all()
        print(f"{names[0]}: {'unfollowed' if undo else 'following'} {args.who}")
        return EXIT_OK

    return _run_async(go)


def cmd_config(args: argparse.Namespace) -> int:
    from tui.store import paths

    config = _config()
    path = config.path or paths.config_file()
    exists = Path(path).exists()
    problems = _app_problems(config) if exists else []
    for problem in problems:
        print(f"murmur: {problem}", file=sys.stderr)
    if problems:
        return EXIT_USAGE
    print(
        f"{path}: ok ({len(config.accounts)} accounts, {len(config.filters)} filters)"
        if exists
        else f"{path}: not found, using defaults"
    )
    return EXIT_OK


def _app_problems(config: Config) -> list[str]:
    """What the app reports at start: an unknown theme, unknown or clashing [keymap] bindings."""
    from textual.theme import BUILTIN_THEMES

    from tui.store.config import key_line
    from tui.ui import keymap, themes

    path = config.path

    def at(key: str, message: str) -> str:
        line = key_line(path, key) if path is not None else None
        where = f"{path}, line {line}" if line else str(path)
        return f"{where}: {key}: {message}"

    problems: list[str] = []
    names = {*BUILTIN_THEMES, *(t.name for t in themes.CUSTOM_THEMES)}
    if config.ui.theme not in names:
        problems.append(
            at("ui.theme", f"unknown theme {config.ui.theme!r} (known: {', '.join(sorted(names))})")
        )
    unknown = set(keymap.unknown_ids(config.keymap))
    for binding_id in config.keymap:
        if binding_id in unknown:
            message = f"unknown binding id {binding_id!r} (press ? in Murmur to see them)"
            problems.append(at(_keymap_key(binding_id), message))
    problems += [at(_keymap_key(b), m) for b, m in _clashes(config.keymap, unknown)]
    return problems


def _keymap_key(binding_id: str) -> str:
    return f"keymap.{json.dumps(binding_id)}" if "." in binding_id else f"keymap.{binding_id}"


def _clashes(overrides: Any, unknown: set[str]) -> list[tuple[str, str]]:
    """Rebound ids whose key another binding uses where both apply (same place, or everywhere)."""
    from tui.ui import keymap

    sections = [
        (name, [b for b in map(keymap._as_binding, entries) if b is not None and b.id])
        for name, entries in keymap._sections()
    ]
    everywhere = sections[0][1]

    def keys(binding: Any) -> set[str]:
        return {k.strip() for k in overrides.get(binding.id, binding.key).split(",") if k.strip()}

    found: list[tuple[str, str]] = []
    for binding_id in overrides:
        if binding_id in unknown:
            continue
        for _name, bindings in sections:
            mine = [b for b in bindings if b.id == binding_id]
            if not mine:
                continue
            wanted = keys(mine[0])
            scope = bindings if bindings is everywhere else [*bindings, *everywhere]
            if binding_id in {b.id for b in everywhere}:
                scope = [b for _n, bs in sections for b in bs]
            for other in scope:
                if other.id != binding_id and wanted & keys(other):
                    shared = ", ".join(sorted(wanted & keys(other)))
                    message = f"key {shared} is also bound to {other.id!r}"
                    if (binding_id, message) not in found:
                        found.append((binding_id, message))
    return found


def cmd_lock(args: argparse.Namespace) -> int:
    from tui.store import agent

    if agent.lock():
        print("locked: the key agent forgot the vault key")
    else:
        print("nothing to lock: no key agent is running")
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "app": cmd_app,
    "demo": cmd_demo,
    "login": cmd_login,
    "accounts": cmd_accounts,
    "post": cmd_post,
    "outbox": cmd_outbox,
    "timeline": cmd_timeline,
    "notifications": cmd_notifications,
    "follow": cmd_follow,
    "unfollow": cmd_follow,
    "config": cmd_config,
    "lock": cmd_lock,
}


# ----- output --------------------------------------------------------------------------------


def _author_json(author: Author | None) -> dict[str, str] | None:
    """An author as scripts need it: full identifiers, never the display's abbreviations."""
    if author is None:
        return None
    from tui.model import NetworkKind

    handle, extra = author.handle, {}
    if author.network is NetworkKind.NOSTR and author.uid.startswith("nostr:"):
        from tui.networks.nostr import nip19

        try:
            npub = nip19.npub(author.uid.removeprefix("nostr:"))
        except ValueError:
            npub = ""
        if npub:
            extra = {"npub": npub}
            if "…" in handle:  # the short npub shown on screen when no NIP-05 name is verified
                handle = npub
    return {"handle": handle, "display_name": author.display_name, "uid": author.uid, **extra}


def _iso(dt: Any) -> str:
    return dt.isoformat().replace("+00:00", "Z")


def _post_dict(item: Item) -> dict[str, Any]:
    from tui.model import Post

    if not isinstance(item, Post):
        return {
            "uid": item.uid,
            "network": item.network.value,
            "account": item.account,
            "placeholder": item.reason,
            "created_at": _iso(item.created_at),
        }
    shown = item.shown
    return {
        "uid": item.uid,
        "network": item.network.value,
        "account": item.account,
        "author": _author_json(item.author),
        "created_at": _iso(item.created_at),
        "text": shown.content.text,
        "content_warning": shown.content_warning,
        "url": shown.url,
        "reply_to": shown.reply_to,
        "repost_of": item.repost_of.uid if item.repost_of is not None else None,
    }


def _post_json(item: Item) -> str:
    return json.dumps(_post_dict(item), ensure_ascii=False)


def _post_line(item: Item) -> str:
    from tui.model import Post

    if not isinstance(item, Post):
        return f"[{item.network.value}] (unreadable item: {item.reason})"
    shown = item.shown
    head = f"[{item.network.value}] {shown.author.name} (@{shown.author.handle})"
    if item.repost_of is not None:
        head = f"{head} — reposted by {item.author.name}"
    when = item.created_at.strftime("%Y-%m-%d %H:%M")
    body = f"CW: {shown.content_warning}" if shown.content_warning else shown.content.text
    body = body.replace("\n", "\n    ")
    return f"{head} · {when}\n    {body}\n    {item.uid}"


def _notification_json(item: NotificationItem) -> str:
    from tui.model import Notification

    if not isinstance(item, Notification):
        return json.dumps(
            {"uid": item.uid, "kind": "placeholder", "placeholder": item.reason}, ensure_ascii=False
        )
    return json.dumps(
        {
            "uid": item.uid,
            "network": item.network.value,
            "account": item.account,
            "kind": item.kind,
            "actor": _author_json(item.actor),
            "created_at": _iso(item.created_at),
            "post": _post_dict(item.post) if item.post is not None else None,
        },
        ensure_ascii=False,
    )


def _notification_line(item: NotificationItem) -> str:
    from tui.model import Notification

    if not isinstance(item, Notification):
        return f"[{item.network.value}] (unreadable notification: {item.reason})"
    who = item.actor.name if item.actor else "someone"
    about = f": {item.post.content.text[:80]}" if item.post is not None else ""
    return f"[{item.network.value}] {item.kind} from {who}{about}".replace("\n", " ")
