"""Labels: which labelers we ask for, and what a post's labels mean for this user.

Bluesky moderation is labels (from labeler services the user subscribes to, and self-labels the
author put on the record) plus the user's preferences saying, per label, ignore / warn / hide.
The outcome for a post is a content warning that names the labels, and "!warn" / "!hide" in
`Post.labels` so the timeline can blur or collapse it. The user's own posts are never hidden,
only warned, as in Bluesky's app.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tui.networks.bluesky.syntax import is_did

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
        # A labeler's own label with no preference: its declared default is usually a warning.
        return IGNORE if self_label else WARN

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
            name = LABEL_NAMES.get(val, val)
            if name not in warnings:
                warnings.append(name)
        return Verdict(hide, tuple(warnings), tuple(dict.fromkeys(values)))


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
