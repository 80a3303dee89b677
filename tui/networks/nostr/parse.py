"""Verified Nostr events → Murmur's network-neutral model (Post, Author, Notification, Profile).

All remote strings pass `tui.text` here. Only verified events reach these functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tui import jsonsafe, text
from tui.media import imeta_media
from tui.model import (
    Author,
    Counts,
    MyState,
    NetworkKind,
    Notification,
    NotificationKind,
    Poll,
    PollOption,
    Post,
    Profile,
    ProfileField,
    Relationship,
    RichText,
    Span,
    SpanKind,
    Verification,
    VerificationState,
)
from tui.networks.nostr import nip19
from tui.networks.nostr.event import InvalidEvent, NostrEvent, verify_event
from tui.networks.nostr.keys import short_npub

NOSTR = NetworkKind.NOSTR
PROFILE_FIELDS = ("name", "display_name", "about", "picture", "nip05", "website", "lud16", "banner")
_URI_RE = re.compile(
    r"nostr:(npub1|nprofile1|note1|nevent1|naddr1)[02-9ac-hj-np-z]+", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class ProfileInfo:
    pubkey: str
    created_at: int
    name: str = ""
    display_name: str = ""
    about: str = ""
    picture: str = ""
    nip05: str = ""
    website: str = ""
    lud16: str = ""
    banner: str = ""


def parse_profile(ev: NostrEvent) -> ProfileInfo | None:
    """kind 0: a JSON object whose known fields are strings; anything else is ignored whole."""
    if ev.kind != 0:
        return None
    try:
        doc = jsonsafe.loads(ev.content)
    except ValueError:
        return None
    if not isinstance(doc, dict):
        return None
    values: dict[str, str] = {}
    for key in PROFILE_FIELDS:
        v = doc.get(key)
        if v is None:
            continue
        if not isinstance(v, str):
            return None
        values[key] = v
    if not values.get("display_name") and isinstance(doc.get("displayName"), str):
        values["display_name"] = doc["displayName"]
    return ProfileInfo(ev.pubkey, ev.created_at, **values)


@dataclass
class Context:
    """What conversion needs to know: who is looking, names, verified NIP-05 domains."""

    account: str
    me: str = ""
    profiles: dict[str, ProfileInfo] = field(default_factory=dict)
    nip05: dict[str, str] = field(default_factory=dict)  # pubkey → verified identifier
    nip05_failed: dict[str, str] = field(default_factory=dict)  # pubkey → unconfirmed one
    events: dict[str, NostrEvent] = field(default_factory=dict)  # id → event (reposts, quotes)
    counts: dict[str, Counts] = field(default_factory=dict)  # note id → replies/reposts/likes
    mine: dict[str, MyState] = field(default_factory=dict)  # note id → did I like/repost it
    # NIP-88: poll id → (option id → voters), and poll id → the option ids I chose.
    votes: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    my_votes: dict[str, tuple[str, ...]] = field(default_factory=dict)


def when(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def author(ctx: Context, pubkey: str) -> Author:
    prof = ctx.profiles.get(pubkey)
    verified = ctx.nip05.get(pubkey, "")
    # The full npub (or verified NIP-05): abbreviating it for display is the UI's business, and
    # `--json` must carry something a script can use.
    handle = text.clean_line(verified, 200) if verified else nip19.npub(pubkey)
    display = ""
    if prof is not None:
        display = text.clean_line(prof.display_name or prof.name, 100)
    picture = prof.picture if prof is not None else ""
    return Author(
        network=NOSTR,
        account=ctx.account,
        uid="nostr:" + pubkey,
        handle=handle,
        display_name=display,
        url="nostr:" + nip19.npub(pubkey),
        avatar_url=text.safe_url(picture) or "" if picture else "",
        verified_domain=text.clean_line(verified.partition("@")[2], 200) if verified else "",
    )


def short_name(ctx: Context, pubkey: str) -> str:
    """How a person is named inline ("replying to @x", NIP-27 mentions), without the "@".

    A verified NIP-05 identifier first (an unverified one could claim anybody's name), then the
    profile's name, then the short npub.
    """
    verified = ctx.nip05.get(pubkey, "")
    if verified:
        local, _, domain = verified.partition("@")
        return text.clean_line(domain if local == "_" else verified, 200)
    prof = ctx.profiles.get(pubkey)
    name = text.clean_line(prof.name or prof.display_name, 60) if prof else ""
    name = "_".join(name.split()).lstrip("@")
    return name or short_npub(pubkey)


def mention_name(ctx: Context, pubkey: str) -> str:
    return "@" + short_name(ctx, pubkey)


def mentioned_pubkeys(content: str, cap: int = 20) -> list[str]:
    """Pubkeys named by NIP-27 `nostr:npub…`/`nprofile…` URIs in a note, at most `cap`."""
    found: list[str] = []
    for m in _URI_RE.finditer(content):
        if len(found) >= cap:
            break
        if m.group(1).lower() in ("npub1", "nprofile1"):
            try:
                found.append(nip19.decode(m.group(0)).hex)
            except ValueError:
                continue
    return found


def thread_refs(ev: NostrEvent) -> tuple[str | None, str | None]:
    """NIP-10 (root, parent) ids: marked `e` tags first, else the deprecated positional form."""
    etags = [t for t in ev.tags if len(t) > 1 and t[0] == "e" and len(t[1]) == 64]
    root = next((t[1] for t in etags if len(t) > 3 and t[3] == "root"), None)
    reply = next((t[1] for t in etags if len(t) > 3 and t[3] == "reply"), None)
    if root or reply:
        return root or reply, reply or root
    positional = [t for t in etags if not (len(t) > 3 and t[3] == "mention")]
    if not positional:
        return None, None
    return positional[0][1], positional[-1][1]


def parent_pubkey(ctx: Context, ev: NostrEvent, parent: str | None) -> str:
    """Who wrote the note `ev` replies to: the parent event when known, else the pubkey in its
    marked `e` tag, else the first `p` tag (NIP-10 puts the parent's author there)."""
    if not parent:
        return ""
    parent_ev = ctx.events.get(parent)
    if parent_ev is not None:
        return parent_ev.pubkey
    marked = next((t for t in ev.tags if len(t) > 4 and t[0] == "e" and t[1] == parent), None)
    pk = marked[4] if marked else next(iter(ev.tag_values("p")), "")
    return pk if len(pk) == 64 else ""


def render(ctx: Context, content: str) -> RichText:
    """NIP-27: `nostr:npub…`/`nprofile…` become @names with mention spans; links and tags too."""
    cleaned = text.clean(content)
    out: list[str] = []
    spans: list[Span] = []
    pos = 0
    length = 0
    for m in _URI_RE.finditer(cleaned):
        try:
            entity = nip19.decode(m.group(0))
        except ValueError:
            continue
        before = cleaned[pos : m.start()]
        out.append(before)
        length += len(before)
        if entity.kind in ("npub", "nprofile"):
            shown = mention_name(ctx, entity.hex)
            spans.append(
                Span(
                    length, length + len(shown), SpanKind.MENTION, "nostr:" + nip19.npub(entity.hex)
                )
            )
        else:
            body = m.group(0)[6:]
            shown = f"nostr:{body[:14]}…" if len(body) > 20 else m.group(0)
        out.append(shown)
        length += len(shown)
        pos = m.end()
    out.append(cleaned[pos:])
    rendered = "".join(out)
    rich = text.plain_to_rich(rendered)
    if not spans:
        return rich
    if rich.text != rendered:  # cleaning changed the text: keep the generic spans only
        return rich
    taken = [(s.start, s.end) for s in spans]
    others = [s for s in rich.spans if not any(s.start < e and b < s.end for b, e in taken)]
    return text.rich_from_spans(rendered, sorted(spans + others, key=lambda s: s.start))


def content_warning(ev: NostrEvent) -> tuple[str, bool]:
    tag = ev.first_tag("content-warning")
    if tag is None:
        return "", False
    reason = text.clean_line(tag[1], 200) if len(tag) > 1 else ""
    return reason or "content warning", True


def _ref(ev: NostrEvent, root: str | None) -> dict[str, str]:
    ref = {"id": ev.id, "pubkey": ev.pubkey, "kind": str(ev.kind)}
    if root:
        ref["root"] = root
    ptags = [p for p in ev.tag_values("p") if len(p) == 64]
    if ptags:
        ref["p"] = ",".join(dict.fromkeys(ptags))
    return ref


def embedded_repost(ev: NostrEvent) -> NostrEvent | None:
    """The reposted event carried in a kind 6's content, verified; None if absent or invalid."""
    if not ev.content.strip():
        return None
    try:
        inner = verify_event(jsonsafe.loads(ev.content))
    except (ValueError, InvalidEvent):
        return None
    return inner if inner.kind == 1 else None


def repost_target(ev: NostrEvent) -> str | None:
    ids = [v for v in ev.tag_values("e") if len(v) == 64]
    return ids[0] if ids else None


def reaction_target(ev: NostrEvent) -> str | None:
    """NIP-25: the reacted-to note is the last `e` tag."""
    return next((v for v in reversed(ev.tag_values("e")) if len(v) == 64), None)


def references(ev: NostrEvent) -> set[str]:
    """Ids of the events needed to show `ev`: what it reposts, reacts to, replies to, quotes."""
    if ev.kind == 6:
        inner = embedded_repost(ev)
        if inner is not None:
            return references(inner)
        target = repost_target(ev)
        return {target} if target else set()
    if ev.kind == 7:
        target = reaction_target(ev)
        return {target} if target else set()
    wanted = {p for p in thread_refs(ev)[1:] if p}
    q = ev.first_tag("q")
    if q is not None and len(q) > 1 and len(q[1]) == 64:
        wanted.add(q[1])
    return wanted


def shown_id(ev: NostrEvent) -> str | None:
    """The id of the note shown, with its counts, for `ev`: the original of a repost, the note
    reacted to (in notifications), else the note itself."""
    if ev.kind == 6:
        inner = embedded_repost(ev)
        return inner.id if inner is not None else repost_target(ev)
    if ev.kind == 7:
        return reaction_target(ev)
    return ev.id if ev.kind in (1, POLL_KIND) else None


def tally(ctx: Context, ids: list[str], events: list[NostrEvent]) -> None:
    """Record counts and my own state for notes `ids` from the events referencing them.

    Replies are direct replies (NIP-10 parent); reposts and likes count people, so one account
    reacting twice counts once. A "-" reaction is a dislike and is not counted.
    """
    wanted = set(ids)
    replies: dict[str, set[str]] = {i: set() for i in ids}
    reposters: dict[str, set[str]] = {i: set() for i in ids}
    likers: dict[str, set[str]] = {i: set() for i in ids}
    for ev in events:
        if ev.kind == 1:
            parent = thread_refs(ev)[1]
            if parent in wanted:
                replies[parent].add(ev.id)
        elif ev.kind == 6:
            target = repost_target(ev)
            if target in wanted:
                reposters[target].add(ev.pubkey)
        elif ev.kind == 7 and ev.content != "-":
            target = reaction_target(ev)
            if target in wanted:
                likers[target].add(ev.pubkey)
    for i in ids:
        ctx.counts[i] = Counts(len(replies[i]), len(reposters[i]), len(likers[i]))
        ctx.mine[i] = MyState(liked=ctx.me in likers[i], reposted=ctx.me in reposters[i])
    polls = [i for i in ids if i in ctx.events and ctx.events[i].kind == POLL_KIND]
    tally_votes(ctx, polls, events)


POLL_KIND = 1068  # NIP-88 poll
VOTE_KIND = 1018  # NIP-88 response
MAX_POLL_OPTIONS = 20


def poll_options(ev: NostrEvent) -> list[tuple[str, str]]:
    """A poll's (option id, label) pairs, in order; ids repeated or empty are dropped."""
    found: dict[str, str] = {}
    for tag in ev.tags:
        if len(tag) >= 3 and tag[0] == "option" and tag[1] and tag[1] not in found:
            found[text.clean_line(tag[1], 64)] = text.clean_line(tag[2], 200)
        if len(found) >= MAX_POLL_OPTIONS:
            break
    return list(found.items())


def poll_ends(ev: NostrEvent) -> int | None:
    tag = ev.first_tag("endsAt")
    if tag is None or len(tag) < 2 or not tag[1].isdigit():
        return None
    return int(tag[1])


def poll_multiple(ev: NostrEvent) -> bool:
    tag = ev.first_tag("polltype")
    return tag is not None and len(tag) > 1 and tag[1] == "multiplechoice"


def tally_votes(ctx: Context, poll_ids: list[str], events: list[NostrEvent]) -> None:
    """Count NIP-88 responses: one vote per person (their latest before the poll ended); a
    single-choice poll takes the first response tag, a multiple-choice one each option once."""
    latest: dict[tuple[str, str], NostrEvent] = {}
    wanted = set(poll_ids)
    for ev in events:
        if ev.kind != VOTE_KIND:
            continue
        target = ev.first_tag("e")
        poll_id = target[1] if target is not None and len(target) > 1 else ""
        if poll_id not in wanted:
            continue
        ends = poll_ends(ctx.events[poll_id])
        if ends is not None and ev.created_at > ends:
            continue
        key = (poll_id, ev.pubkey)
        if key not in latest or ev.created_at > latest[key].created_at:
            latest[key] = ev
    for poll_id in poll_ids:
        poll = ctx.events[poll_id]
        ids = {option_id for option_id, _ in poll_options(poll)}
        multiple = poll_multiple(poll)
        counted: dict[str, set[str]] = {i: set() for i in ids}
        mine: tuple[str, ...] = ()
        for (pid, voter), ev in latest.items():
            if pid != poll_id:
                continue
            chosen = [v for v in ev.tag_values("response") if v in ids]
            chosen = list(dict.fromkeys(chosen)) if multiple else chosen[:1]
            for option_id in chosen:
                counted[option_id].add(voter)
            if voter == ctx.me:
                mine = tuple(chosen)
        ctx.votes[poll_id] = counted
        ctx.my_votes[poll_id] = mine


def to_poll(ctx: Context, ev: NostrEvent) -> Poll:
    options = poll_options(ev)
    counted = ctx.votes.get(ev.id)
    mine = ctx.my_votes.get(ev.id, ())
    ends = poll_ends(ev)
    voters = set().union(*counted.values()) if counted else set()
    return Poll(
        id=ev.id,
        options=tuple(
            PollOption(label, len(counted.get(oid, ())) if counted is not None else None)
            for oid, label in options
        ),
        expires_at=when(ends) if ends is not None else None,
        expired=ends is not None and ends <= int(datetime.now(UTC).timestamp()),
        multiple=poll_multiple(ev),
        voters=len(voters) if counted is not None else None,
        voted=bool(mine),
        own_votes=tuple(n for n, (oid, _) in enumerate(options) if oid in mine),
    )


def to_post(ctx: Context, ev: NostrEvent, relay: str = "") -> Post | None:
    """kind 1 → Post; kind 6 → a repost Post wrapping the original (None when it is unknown)."""
    if ev.kind == 6:
        inner = embedded_repost(ev)
        target = repost_target(ev)
        if inner is None and target:
            inner = ctx.events.get(target)
        if inner is None or (target and inner.id != target):
            return None
        original = to_post(ctx, inner, relay)
        if original is None:
            return None
        return Post(
            network=NOSTR,
            account=ctx.account,
            uid="nostr:" + ev.id,
            created_at=when(ev.created_at),
            author=author(ctx, ev.pubkey),
            key=ev.id,
            url="nostr:" + nip19.note(ev.id),
            repost_of=original,
            mine=original.mine,  # the app toggles a listed repost by the wrapper's state
            ref=_ref(ev, None),
        )
    if ev.kind == POLL_KIND:
        if len(poll_options(ev)) < 2:
            return None
        return Post(
            network=NOSTR,
            account=ctx.account,
            uid="nostr:" + ev.id,
            created_at=when(ev.created_at),
            author=author(ctx, ev.pubkey),
            content=render(ctx, ev.content),
            key=ev.id,
            url="nostr:" + nip19.nevent(ev.id, (relay,) if relay else (), author=ev.pubkey),
            poll=to_poll(ctx, ev),
            counts=ctx.counts.get(ev.id, Counts()),
            mine=ctx.mine.get(ev.id, MyState()),
            ref={
                **_ref(ev, None),
                "poll_options": ",".join(oid for oid, _ in poll_options(ev)),
                "poll_relays": " ".join(ev.tag_values("relay")[:5]),
                **({"relay": relay} if relay else {}),
            },
        )
    if ev.kind != 1:
        return None
    root, parent = thread_refs(ev)
    cw, sensitive = content_warning(ev)
    parent_pk = parent_pubkey(ctx, ev, parent)
    parent_author = short_name(ctx, parent_pk) if parent_pk else ""
    quote = None
    q = ev.first_tag("q")
    if q is not None and len(q) > 1 and q[1] in ctx.events and q[1] != ev.id:
        quoted = ctx.events[q[1]]
        quote = to_post(ctx, quoted) if quoted.kind == 1 else None
    hints = (relay,) if relay else ()
    return Post(
        network=NOSTR,
        account=ctx.account,
        uid="nostr:" + ev.id,
        created_at=when(ev.created_at),
        author=author(ctx, ev.pubkey),
        content=render(ctx, ev.content),
        key=ev.id,
        url="nostr:" + nip19.nevent(ev.id, hints, author=ev.pubkey, kind=ev.kind),
        content_warning=cw,
        sensitive=sensitive,
        reply_to="nostr:" + parent if parent else None,
        reply_to_author=parent_author,
        quote=quote,
        media=imeta_media(ev.tags),  # NIP-92
        counts=ctx.counts.get(ev.id, Counts()),
        mine=ctx.mine.get(ev.id, MyState()),
        ref={**_ref(ev, root), **({"relay": relay} if relay else {})},
    )


def to_notification(ctx: Context, ev: NostrEvent) -> Notification | None:
    """Replies, quotes, mentions, reactions and reposts of my notes; None for anything else."""
    if ev.pubkey == ctx.me:
        return None
    kind: NotificationKind
    post: Post | None
    if ev.kind == 7:
        if ev.content == "-":
            return None
        target = reaction_target(ev)
        mine = ctx.events.get(target) if target else None
        if mine is None or mine.pubkey != ctx.me:
            return None
        kind, post = NotificationKind.LIKE, to_post(ctx, mine)
    elif ev.kind == 6:
        target = repost_target(ev)
        mine = ctx.events.get(target) if target else embedded_repost(ev)
        if mine is None or mine.pubkey != ctx.me:
            return None
        kind, post = NotificationKind.REPOST, to_post(ctx, mine)
    elif ev.kind == 1:
        _root, parent = thread_refs(ev)
        parent_ev = ctx.events.get(parent) if parent else None
        q = ev.first_tag("q")
        quoted = ctx.events.get(q[1]) if q is not None and len(q) > 1 else None
        if parent_ev is not None and parent_ev.pubkey == ctx.me:
            kind = NotificationKind.REPLY
        elif quoted is not None and quoted.pubkey == ctx.me:
            kind = NotificationKind.QUOTE
        else:
            kind = NotificationKind.MENTION
        post = to_post(ctx, ev)
    else:
        return None
    return Notification(
        network=NOSTR,
        account=ctx.account,
        uid="nostr:" + ev.id,
        kind=kind.value,
        created_at=when(ev.created_at),
        actors=(author(ctx, ev.pubkey),),
        post=post,
        group_key=f"{kind.value}:{post.key if post else ev.id}",
    )


def to_profile(ctx: Context, pubkey: str, follows: set[str], mutes: set[str]) -> Profile:
    prof = ctx.profiles.get(pubkey)
    fields: list[ProfileField] = []
    if prof is not None:
        if prof.website and text.safe_url(prof.website):
            fields.append(ProfileField("website", text.plain_to_rich(prof.website, 500)))
        if prof.lud16:
            fields.append(ProfileField("lightning", RichText(text.clean_line(prof.lud16, 200))))
        if prof.nip05:
            verified = ctx.nip05.get(pubkey) == prof.nip05
            fields.append(
                ProfileField("nip05", RichText(text.clean_line(prof.nip05, 200)), verified)
            )
    relationship = None
    if pubkey != ctx.me:
        relationship = Relationship(following=pubkey in follows, muting=pubkey in mutes)
    nip05 = prof.nip05 if prof is not None else ""
    claim = text.clean_line(nip05, 200)
    state: VerificationState | None = None  # not looked up (yet): nothing is said
    if not claim:
        state = VerificationState.NONE
    elif ctx.nip05.get(pubkey) == nip05:
        state = VerificationState.VERIFIED
    elif ctx.nip05_failed.get(pubkey) == nip05:
        state = VerificationState.FAILED
    return Profile(
        verification=(Verification("nip05", state, claim),) if state is not None else (),
        author=author(ctx, pubkey),
        bio=text.plain_to_rich(prof.about) if prof else RichText(),
        fields=tuple(fields),
        relationship=relationship,
        header_url=(text.safe_url(prof.banner) or "") if prof and prof.banner else "",
    )
