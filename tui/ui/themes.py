"""Colour themes: Textual's own, plus a 16-colour "ansi" theme and a "monochrome" one.

"ansi" uses only the terminal's 16 palette colours, so it follows the user's terminal scheme.
"monochrome" uses no colour at all: the selection is reverse video, emphasis is bold/underline.
NO_COLOR (https://no-color.org) selects monochrome whatever the config says.
"""

from __future__ import annotations

import os

from textual.theme import Theme

ANSI = "ansi"
MONOCHROME = "monochrome"

# Theme variables for the network badges: true colours by default, palette colours in "ansi"
# and the terminal's default colour in "monochrome".
BADGE_COLOURS = {
    "badge-mastodon": "#858afa",
    "badge-bluesky": "#4ba3ff",
    "badge-nostr": "#b77ef0",
}

_ANSI_THEME = Theme(
    name=ANSI,
    ansi=True,
    dark=True,
    primary="ansi_blue",
    secondary="ansi_cyan",
    accent="ansi_magenta",
    warning="ansi_yellow",
    error="ansi_red",
    success="ansi_green",
    foreground="ansi_default",
    background="ansi_default",
    surface="ansi_default",
    panel="ansi_default",
    boost="ansi_default",
    variables={
        "ansi-background": "ansi_black",
        "ansi-foreground": "ansi_white",
        "block-cursor-foreground": "ansi_black",
        "block-cursor-background": "ansi_white",
        "block-cursor-text-style": "bold",
        "border-blurred": "ansi_bright_black",
        "input-cursor-text-style": "reverse",
        "input-selection-background": "ansi_bright_blue",
        "input-selection-foreground": "ansi_black",
        "badge-mastodon": "ansi_bright_blue",
        "badge-bluesky": "ansi_cyan",
        "badge-nostr": "ansi_magenta",
    },
)

_MONOCHROME_THEME = Theme(
    name=MONOCHROME,
    ansi=True,
    dark=True,
    primary="ansi_default",
    secondary="ansi_default",
    accent="ansi_default",
    warning="ansi_default",
    error="ansi_default",
    success="ansi_default",
    foreground="ansi_default",
    background="ansi_default",
    surface="ansi_default",
    panel="ansi_default",
    boost="ansi_default",
    variables={
        "ansi-background": "ansi_default",
        "ansi-foreground": "ansi_default",
        "block-cursor-foreground": "ansi_default",
        "block-cursor-background": "ansi_default",
        "block-cursor-text-style": "reverse bold",
        "block-cursor-blurred-text-style": "reverse",
        "border": "ansi_default",
        "border-blurred": "ansi_default",
        "input-cursor-text-style": "reverse",
        "input-selection-background": "ansi_default",
        "input-selection-foreground": "ansi_default",
        "scrollbar": "ansi_default",
        "scrollbar-background": "ansi_default",
        "badge-mastodon": "ansi_default",
        "badge-bluesky": "ansi_default",
        "badge-nostr": "ansi_default",
    },
)

CUSTOM_THEMES = (_ANSI_THEME, _MONOCHROME_THEME)


def wants_no_color(environ: os._Environ[str] | dict[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    return bool(env.get("NO_COLOR"))


def choose_theme(configured: str, available: set[str], *, no_color: bool) -> tuple[str, str]:
    """The theme to use and, when the configured one is unknown, a warning to show."""
    if no_color:
        return MONOCHROME, ""
    if configured in available:
        return configured, ""
    return "textual-dark", f"unknown theme {configured!r}: using textual-dark"


def is_ansi(theme: str) -> bool:
    return theme in (ANSI, MONOCHROME)
