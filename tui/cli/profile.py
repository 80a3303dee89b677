"""`murmur profile WHO`: a person's profile as one account sees it: names, counts, fields (a
verified link with its domain), identity checks (NIP-05, Bluesky handle, Mastodon links)."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from tui.cli.common import EXIT_OK, CommandFailed, _config, _failures, _pick, _run_async, _session
from tui.cli.output import _author_json, _iso

if TYPE_CHECKING:
    from tui.model import Profile


def add_parser(sub: Any) -> None:
    profile = sub.add_parser(
        "profile",
        help="show someone's profile: fields, counts, verification",
        description="Show WHO (a handle, @user@server, npub, NIP-05 name or DID) as ACCOUNT "
        "sees it (the first account when not given).",
    )
    profile.add_argument("who", metavar="WHO", help="a handle, @user@server, npub or DID")
    profile.add_argument("--account", metavar="NAME", help="look from this account")
    profile.add_argument("--json", action="store_true", help="one JSON object")


def cmd_profile(args: argparse.Namespace) -> int:
    async def go() -> int:
        session = await _session(_config())
        try:
            names = _pick(session, args.account)[:1]
            failures = _failures(await session.open_all(names))
            if failures:
                raise CommandFailed("; ".join(failures))
            profile = await session.network_for(names[0]).profile(args.who)
        finally:
            await session.close_all()
        print(json.dumps(as_dict(profile), ensure_ascii=False) if args.json else as_text(profile))
        return EXIT_OK

    return _run_async(go)


def _count(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def as_text(profile: Profile) -> str:
    """Lines of already sanitised text (model strings pass `tui.text`)."""
    author = profile.author
    lines = [f"{author.name} (@{author.handle.lstrip('@')}) [{author.network.value}]"]
    if author.bot:
        lines[0] += " bot"
    lines.append(
        f"{_count(profile.posts)} posts · {_count(profile.following)} following · "
        f"{_count(profile.followers)} followers"
    )
    lines += [v.text for v in profile.verification if v.method != "link" and v.text]
    if profile.bio:
        lines += ["", *profile.bio.text.splitlines()]
    if profile.fields:
        lines.append("")
    for field in profile.fields:
        mark = f"  ✓ {field.domain}" if field.verified and field.domain else ""
        mark = mark or ("  ✓" if field.verified else "")
        lines.append(f"{field.name}: {field.value.text.replace(chr(10), ' ')}{mark}")
    if author.url:
        lines += ["", author.url]
    return "\n".join(lines)


def as_dict(profile: Profile) -> dict[str, Any]:
    rel = profile.relationship
    return {
        "author": _author_json(profile.author),
        "network": profile.author.network.value,
        "url": profile.author.url,
        "bot": profile.author.bot,
        "bio": profile.bio.text,
        "counts": {
            "posts": profile.posts,
            "following": profile.following,
            "followers": profile.followers,
        },
        "fields": [
            {
                "name": f.name,
                "value": f.value.text,
                "verified": f.verified,
                "verified_at": _iso(f.verified_at) if f.verified_at else None,
                "domain": f.domain,
            }
            for f in profile.fields
        ],
        "verification": [
            {"method": v.method, "state": v.state.value, "claim": v.claim, "text": v.text}
            for v in profile.verification
        ],
        "relationship": None
        if rel is None
        else {
            k: getattr(rel, k)
            for k in ("following", "followed_by", "requested", "muting", "blocking", "blocked_by")
        },
        "created_at": _iso(profile.created_at) if profile.created_at else None,
    }
