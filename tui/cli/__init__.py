"""Non-interactive commands: the scripting surface of Murmur.

Exit codes: 0 ok; 1 a server or network failed (the message names which and why), or an
unexpected error (written with its traceback to the error log, whose path is printed); 2 usage,
config, storage or passphrase errors. Nothing prints a traceback.

At start `MURMUR_PASSPHRASE` is read once and removed from the environment, so no child process
($EDITOR, $BROWSER, passphrase_command) ever sees it.
"""

from __future__ import annotations

import argparse
import gc
import importlib
from collections.abc import Callable, Sequence
from pathlib import Path

from tui import __version__

from tui.cli.common import (
    _is_utf8,
    EXIT_NETWORK,
    EXIT_UNEXPECTED,
    EXIT_USAGE,
    CommandFailed,
    UsageError,
    _agent_vault,
    _config,
    _env_passphrase,
    _err,
)


def build_parser() -> argparse.ArgumentParser:
    # Each command's module is imported where it is needed: `murmur` alone (the app) needs none.
    from tui.cli import lists as cli_lists
    from tui.cli import profile as cli_profile
    from tui.cli import report as cli_report
    from tui.cli import requests as cli_requests
    from tui.cli import scheduled as cli_scheduled
    from tui.cli.messages import add_parser as add_messages_parser
    from tui.cli.posting import add_poll_arguments

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
    add_poll_arguments(post)
    cli_scheduled.add_schedule_argument(post)
    post.add_argument("text", nargs="?", default="-", help="the text, or - to read stdin")

    from tui.cli import outbox as cli_outbox

    cli_outbox.add_parser(sub)
    cli_report.add_parser(sub)
    cli_profile.add_parser(sub)

    from tui.cli import export as cli_export

    cli_export.add_parser(sub)
    add_messages_parser(sub)
    cli_lists.add_parser(sub)

    from tui.cli import mutes as cli_mutes

    cli_mutes.add_parser(sub)
    cli_requests.add_parser(sub)
    cli_scheduled.add_parser(sub)

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
    if argv:
        try:
            args = build_parser().parse_args(list(argv))
        except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
            return int(exc.code or 0)
    else:  # `murmur` alone opens the app: building every command's parser costs its start-up
        args = argparse.Namespace(command=None, debug=False)
    command = args.command or "app"
    if command not in ("app", "demo"):  # those turn it on after their first paint
        gc.enable()
    handler = _handler(command)
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


def cmd_demo(args: argparse.Namespace) -> int:
    from tui.demo import main as demo_main

    if args.port is not None and not 0 < args.port < 65536:
        raise UsageError(f"--port: expected a port number from 1 to 65535, got {args.port}")
    return demo_main(args.port, args.keep)


# The function behind each command, as "module:function" (its module is imported when it runs).
COMMANDS: dict[str, str] = {
    "login": "accounts:cmd_login",
    "accounts": "accounts:cmd_accounts",
    "post": "posting:cmd_post",
    "outbox": "posting:cmd_outbox",
    "timeline": "reading:cmd_timeline",
    "notifications": "reading:cmd_notifications",
    "messages": "messages:cmd_messages",
    "lists": "lists:cmd_lists",
    "follow": "reading:cmd_follow",
    "report": "report:cmd_report",
    "profile": "profile:cmd_profile",
    "unfollow": "reading:cmd_follow",
    "config": "accounts:cmd_config",
    "lock": "accounts:cmd_lock",
    "export": "export:cmd_export",
    "mutes": "mutes:cmd_mutes",
    "requests": "requests:cmd_requests",
    "scheduled": "scheduled:cmd_scheduled",
}


def _handler(command: str) -> Callable[[argparse.Namespace], int]:
    if command == "app":
        return cmd_app
    if command == "demo":
        return cmd_demo
    module, function = COMMANDS[command].split(":")
    handler: Callable[[argparse.Namespace], int] = getattr(
        importlib.import_module(f"tui.cli.{module}"), function
    )
    return handler
