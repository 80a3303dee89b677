"""`murmur report`: report a post or a person to its server's moderators (Mastodon reports,
Bluesky's createReport to the account's moderation service, Nostr NIP-56 kind 1984)."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from tui.cli.common import (
    EXIT_OK,
    CommandFailed,
    UsageError,
    _config,
    _failures,
    _pick,
    _run_async,
    _session,
)

if TYPE_CHECKING:
    from tui.model import Author, Post
    from tui.networks.base import Network


def add_parser(sub: Any) -> None:
    report = sub.add_parser(
        "report",
        help="report a post or a person to the moderators",
        description="Report TARGET (a post's uid as `murmur timeline --json` prints it, or a "
        "person: handle, npub or DID) from ACCOUNT. Without TARGET, list the reasons and the "
        "server's rules to choose from.",
    )
    report.add_argument("account", metavar="ACCOUNT", help="the account that reports")
    report.add_argument("target", metavar="TARGET", nargs="?", help="a post uid or a person")
    report.add_argument(
        "--reason", default="", metavar="REASON", help="spam, violation, other... (see the list)"
    )
    report.add_argument("--comment", default="", metavar="TEXT", help="words for the moderators")
    report.add_argument(
        "--rule",
        action="append",
        default=[],
        metavar="ID",
        help="a rule of the server that was broken (Mastodon; repeatable)",
    )
    report.add_argument(
        "--forward",
        action="store_true",
        help="send a copy to the moderators of the reported person's server (Mastodon)",
    )
    report.add_argument("--json", action="store_true", help="the list as one JSON object a line")


def cmd_report(args: argparse.Namespace) -> int:
    async def go() -> int:
        session = await _session(_config())
        try:
            name = _pick(session, args.account)[0]
            failures = _failures(await session.open_all([name]))
            if failures:
                raise CommandFailed("; ".join(failures))
            network = session.network_for(name)
            if args.target is None:
                lines = await _choices(network, as_json=args.json)
            else:
                lines = [await _report(network, args)]
        finally:
            await session.close_all()
        for line in lines:
            print(line)
        return EXIT_OK

    return _run_async(go)


async def _choices(network: Network, *, as_json: bool) -> list[str]:
    rows: list[tuple[str, str, str]] = [("reason", v, label) for v, label in reasons(network)]
    rules = getattr(network, "rules", None)
    if rules is not None:
        rows += [("rule", rule_id, text) for rule_id, text in await rules()]
    if as_json:
        return [json.dumps({"kind": k, "id": i, "text": t}, ensure_ascii=False) for k, i, t in rows]
    return [f"{k}\t{i}\t{t}" for k, i, t in rows]


def reasons(network: Network) -> tuple[tuple[str, str], ...]:
    return network.report_categories


async def _report(network: Network, args: argparse.Namespace) -> str:
    from tui.networks.base import Capability

    if not network.supports(Capability.REPORT):
        raise CommandFailed(f"{network.account.name}: this network has no reports")
    known = dict(reasons(network))
    reason = args.reason or next(iter(known))
    if reason not in known:
        raise UsageError(f"--reason: expected one of {', '.join(known)}")
    extra: dict[str, Any] = {}
    if args.rule or args.forward:
        if not hasattr(network, "rules"):
            raise UsageError("--rule and --forward are for Mastodon accounts")
        extra = {"rule_ids": list(args.rule), "forward": args.forward}
    target = await find_target(network, args.target)
    await network.report(target, args.comment, category=reason, **extra)
    what = "post" if hasattr(target, "content") else "person"
    return f"{network.account.name}\treported\t{what}\t{args.target}"


async def find_target(network: Network, target: str) -> Post | Author:
    """A post by its uid, else a person by handle, npub, DID or uid."""
    from tui.model import Post
    from tui.networks.base import NotFound

    if target.startswith(f"{network.kind.value}:") and ":account:" not in target:
        try:
            item = await network.post(target)
        except NotFound:
            item = None
        if isinstance(item, Post):
            return item
    return (await network.profile(target)).author
