"""Labels: which labelers we ask for, and what a post's labels mean for this user.

Bluesky moderation is labels (from labeler services the user subscribes to, and self-labels the
author put on the record) plus the user's preferences saying, per label, ignore / warn / hide.
The outcome for a post is a content warning that names the labels, and "!warn" / "!hide" in
`Post.labels` so the timeline can blur or collapse it. The user's own posts are never hidden,
only warned, as in Bluesky's app.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from tui.networks.bluesky.syntax import is_did
from tui.text import clean_line

# Bluesky's own moderation service: always consulted, and allowed to redact ("!takedown").
DEFAULT_LABELER = "did:plc:ar7c4by46qjdydhdevvrndac"
ACCEPT_LABELERS_HEADER = "atproto-accept-labelers"

HIDE, WARN, IGNORE = "hide", "warn", "ignore"

# Label values every client understands, with Bluesky's defaults. All four content labels are
# "adult": with adult content disabled (the default) they are hidden whatever else is set.
_ADULT_DEFAULTS = {"porn": HIDE, "sexual": WARN, "nudity": IGNORE, "graphic-media": WARN}
_ALIASES = {"gore": "graphic-media", "nsfl": "graphic-media"}
_SYSTEM = {"!hide": HIDE, "!warn": WARN, "!takedown": HIDE, "!suspend": HIDE}
_IGNORED = {"!no-unauthenticated", "!no-promote"}
LABEL_NAMES = {
    "porn": "adult content",
    "sexual": "sexually suggestive",
    "nudity": "non-sexual nudity",
    "graphic-media": "graphic media",
    "!hide": "hidden by moderators",
    "!takedown": "taken down by moderators",
    "!suspend": "suspended by moderators",
    "!warn": "content warning",
}
# Content warnings a user can put on their own post as self-labels.
SELF_LABELS = ("porn", "sexual", "nudity", "graphic-media")


@dataclass(frozen=True, slots=True)
class Verdict:
    hide: bool = False
    warnings: tuple[str, ...] = ()  # human names of the labels that warn or hide
    values: tuple[str, ...] = ()  # every label value that applies, for Post.labels

    @property
    def content_warning(self) -> str:
        return ", ".join(self.warnings)

    @property
    def markers(self) -> tuple[str, ...]:
        if self.hide:
            return ("!hide",)
        return ("!warn",) if self.warnings else ()


@dataclass(frozen=True, slots=True)
class Moderation:
    """The user's labelers and label preferences."""

    labelers: tuple[str, ...] = (DEFAULT_LABELER,)
    prefs: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (labeler|"", val) → vis
    adult_content: bool = False
    # From app.bsky.labeler.getServices: each labeler's name, and the visibility it declares for
    # its own labels when the user has set none.
    names: Mapping[str, str] = field(default_factory=dict)
    defaults: Mapping[tuple[str, str], str] = field(default_factory=dict)

    def with_services(self, services: Any) -> Moderation:
        """This moderation knowing the labelers' names and declared defaults (getServices views)."""
        names = dict(self.names)
        defaults = dict(self.defaults)
        for info in parse_services(services):
            names[info.did] = info.name
            defaults.update(((info.did, val), vis) for val, vis in info.defaults.items())
        return replace(self, names=names, defaults=defaults)

    def visibility(self, labeler: str, val: str) -> str:
        """What the user has chosen for `val` from `labeler` (or what it defaults to)."""
        return self._visibility(labeler, _ALIASES.get(val, val), self_label=False)

    @classmethod
    def build(cls, preferences: Any = None, extra_labelers: Iterable[str] = ()) -> Moderation:
        """From app.bsky.actor.getPreferences' list plus labelers named in the account's config."""
        labelers = [DEFAULT_LABELER]
        prefs: dict[tuple[str, str], str] = {}
        adult = False
        for pref in preferences if isinstance(preferences, list) else []:
            if not isinstance(pref, dict):
                continue
            kind = pref.get("$type")
            if kind == "app.bsky.actor.defs#adultContentPref":
                adult = pref.get("enabled") is True
            elif kind == "app.bsky.actor.defs#contentLabelPref":
                label, vis = pref.get("label"), pref.get("visibility")
                labeler = pref.get("labelerDid") or ""
                if isinstance(label, str) and vis in (HIDE, WARN, IGNORE, "show"):
                    if labeler == "" or (isinstance(labeler, str) and is_did(labeler)):
                        prefs[(labeler, _ALIASES.get(label, label))] = (
                            IGNORE if vis == "show" else vis
                        )
            elif kind == "app.bsky.actor.defs#labelersPref":
                for item in pref.get("labelers") or []:
                    did = item.get("did") if isinstance(item, dict) else None
                    if isinstance(did, str) and is_did(did):
                        labelers.append(did)
        labelers.extend(d for d in extra_labelers if isinstance(d, str) and is_did(d))
        return cls(tuple(dict.fromkeys(labelers)), prefs, adult)

    def header(self) -> str:
        """The `atproto-accept-labelers` value: our labelers, Bluesky's with `redact`."""
        return ", ".join(
            f"{did};redact" if did == DEFAULT_LABELER else did for did in self.labelers
        )

    def _visibility(self, src: str, val: str, self_label: bool) -> str:
        if val in _IGNORED:
            return IGNORE
        if val in _SYSTEM:
            return _SYSTEM[val]
        if val in _ADULT_DEFAULTS:
            if not self.adult_content:
                return HIDE
            return self.prefs.get((src, val)) or self.prefs.get(("", val)) or _ADULT_DEFAULTS[val]
        pref = self.prefs.get((src, val))
        if pref:
            return pref
        if (src, val) in self.defaults:
            return self.defaults[(src, val)]
        # A labeler's own label with no preference: its declared default is usually a warning.
        return IGNORE if self_label else WARN

    def _reason(self, src: str, val: str, vis: str, author_did: str) -> str:
        """How a label is named in the warning: labelers other than Bluesky's are named, and a
        rule the user set for that labeler's label says so."""
        name = LABEL_NAMES.get(val, val)
        if src in (author_did, DEFAULT_LABELER):
            return name
        who = self.names.get(src) or src
        if (src, val) in self.prefs:
            return f"by your rule: label {val} from {who}"
        return f"label {val} from {who}"

    def judge(self, labels: Any, author_did: str, mine: bool = False) -> Verdict:
        """What `labels` (com.atproto.label.defs#label views) mean for this user."""
        now = datetime.now(UTC)
        applied: dict[str, tuple[str, str]] = {}  # (src, val) key → (src, val)
        for label in labels if isinstance(labels, list) else []:
            if not isinstance(label, dict):
                continue
            src, val = label.get("src"), label.get("val")
            if not (isinstance(src, str) and isinstance(val, str) and val):
                continue
            if src != author_did and src not in self.labelers:
                continue
            if _expired(label.get("exp"), now):
                continue
            val = _ALIASES.get(val, val)
            if label.get("neg") is True:
                applied.pop(f"{src} {val}", None)
            else:
                applied[f"{src} {val}"] = (src, val)
        hide = False
        warnings: list[str] = []
        values: list[str] = []
        for src, val in applied.values():
            values.append(val)
            vis = self._visibility(src, val, self_label=src == author_did)
            if vis == IGNORE:
                continue
            hide = hide or (vis == HIDE and not mine)
            name = self._reason(src, val, vis, author_did)
            if name not in warnings:
                warnings.append(name)
        return Verdict(hide, tuple(warnings), tuple(dict.fromkeys(values)))


@dataclass(frozen=True, slots=True)
class LabelerInfo:
    """A labeler service as app.bsky.labeler.getServices (detailed) describes it."""

    did: str
    name: str
    labels: tuple[str, ...]  # the label values it publishes, in its order
    defaults: Mapping[str, str] = field(default_factory=dict)  # val → declared visibility
    descriptions: Mapping[str, str] = field(default_factory=dict)  # val → its own words


def parse_services(body: Any) -> list[LabelerInfo]:
    """getServices' `views` (detailed or not) as LabelerInfo; anything malformed is skipped."""
    views = body.get("views") if isinstance(body, dict) else None
    out: list[LabelerInfo] = []
    for view in views if isinstance(views, list) else []:
        creator = view.get("creator") if isinstance(view, dict) else None
        did = creator.get("did") if isinstance(creator, dict) else None
        if not (isinstance(did, str) and is_did(did)):
            continue
        name = creator.get("displayName") or creator.get("handle") or did
        policies = view.get("policies") if isinstance(view.get("policies"), dict) else {}
        values = policies.get("labelValues") if isinstance(policies, dict) else None
        labels = [clean_line(v, max_len=128) for v in values or [] if isinstance(v, str) and v]
        defaults: dict[str, str] = {}
        descriptions: dict[str, str] = {}
        for item in policies.get("labelValueDefinitions") or []:
            if not isinstance(item, dict) or not isinstance(item.get("identifier"), str):
                continue
            ident = clean_line(item["identifier"], max_len=128)
            setting = item.get("defaultSetting")
            if setting in (HIDE, WARN, IGNORE):
                defaults[ident] = setting
            locales = item.get("locales")
            first = locales[0] if isinstance(locales, list) and locales else None
            if isinstance(first, dict) and isinstance(first.get("description"), str):
                descriptions[ident] = clean_line(first["description"], max_len=300)
        out.append(
            LabelerInfo(
                did,
                clean_line(name, max_len=100) if isinstance(name, str) else did,
                tuple(dict.fromkeys(labels)),
                defaults,
                descriptions,
            )
        )
    return out


def _expired(exp: Any, now: datetime) -> bool:
    if not isinstance(exp, str):
        return False
    try:
        when = datetime.fromisoformat(exp)
    except ValueError:
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when <= now


def self_label_for(content_warning: str) -> str | None:
    """The self-label a content warning names ("Nudity", "graphic media"...), or None."""
    wanted = content_warning.strip().lower().replace(" ", "-").replace("_", "-")
    wanted = _ALIASES.get(wanted, wanted)
    if wanted in SELF_LABELS:
        return wanted
    for value in SELF_LABELS:
        if wanted == LABEL_NAMES[value].replace(" ", "-"):
            return value
    return None
