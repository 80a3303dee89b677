"""Typed configuration: `config.toml` read and checked (tomllib).

Every problem is a `ConfigError` that names the file, the dotted key (`accounts[1].network`), what
was expected and, when it can be found, the line. Unknown keys are errors too, with the closest
known key suggested: a typo must never be silently ignored. `config.example.toml` documents every
key. Binding ids in `[keymap]` and theme names are checked by the app and `murmur config check`
(`tui.store.configcheck`), which know them; importing Textual here would slow every CLI command.

Account options are declared by each network next to the code that reads them
(`tui/networks/<net>/options.py`); this module checks `[[accounts]]` tables against them, fills in
the defaults (some from global sections such as `[nostr] default_relays`) and so hands adapters
typed values. Writing the file is `tui.store.config_edit`'s work.
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from tui.columns import Column, parse_columns
from tui.model import Account, FeedKind, FeedRef, FilterAction, FilterRule, NetworkKind
from tui.networks.nostr.options import DEFAULT_RELAYS as DEFAULT_NOSTR_RELAYS
from tui.networks.options import Option, declared
from tui.store import paths

DEFAULT_BLUESKY_SERVER = "https://bsky.social"

VISIBILITIES = ("public", "unlisted", "private", "direct")
FILTER_CONTEXTS = (*(k.value for k in FeedKind), "notifications", "thread")


class ConfigError(Exception):
    """A problem in a config file, saying where and what was expected."""

    def __init__(self, file: Path | str, key: str, expected: str, line: int | None = None):
        super().__init__(file, key, expected, line)
        self.file = file
        self.key = key
        self.expected = expected
        self.line = line

    def __str__(self) -> str:
        where = f"{self.file}, line {self.line}" if self.line else str(self.file)
        if self.key:
            return f"{where}: {self.key}: expected {self.expected}"
        return f"{where}: expected {self.expected}"


@dataclass(frozen=True, slots=True)
class UiConfig:
    theme: str = "textual-dark"  # a Textual theme name, "ansi" (16 colours) or "monochrome"
    relative_time: bool = True
    wide_width: int = 160  # terminal columns from which all three panes show
    show_counts: bool = True
    timeline_limit: int = 40  # posts per page
    opener: str = ""  # command that opens a link (the URL is its last argument); "": a browser


@dataclass(frozen=True, slots=True)
class ComposeConfig:
    default_accounts: tuple[str, ...] = ()  # empty: the first account
    visibility: str = "public"
    language: str = ""
    editor: str = ""  # overrides $EDITOR
    undo_send_seconds: int = 5  # a post waits this long, cancellable with u (0: sent at once)
    require_alt_text: bool = False  # refuse attachments without a description (tui/session.py)


@dataclass(frozen=True, slots=True)
class MediaConfig:  # read by tui/media.py and tui/ui/screens/media.py
    opener: str = ""  # mailcap-style command: %s the URL, %t its type; "": [ui] opener, xdg-open
    previews: str = "off"  # "off" (nothing fetched), "halfblock", "kitty" or "sixel"
    preview_max_bytes: int = 2_000_000  # a larger image is not previewed
    preview_cache_bytes: int = 8_000_000  # in-memory previews, least recently shown dropped


@dataclass(frozen=True, slots=True)
class VaultConfig:
    passphrase_command: str = ""  # e.g. "pass show murmur"; run without a shell


@dataclass(frozen=True, slots=True)
class AgentConfig:
    enabled: bool = True  # leave the derived vault key with the key agent (tui/store/agent.py)
    idle_minutes: int = 30  # forgotten after this long without use


@dataclass(frozen=True, slots=True)
class NostrConfig:
    max_relays_per_author: int = 2
    max_relays_total: int = 30
    default_relays: tuple[str, ...] = DEFAULT_NOSTR_RELAYS


def _empty_keymap() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Config:
    accounts: tuple[Account, ...] = ()
    ui: UiConfig = UiConfig()
    compose: ComposeConfig = ComposeConfig()
    vault: VaultConfig = VaultConfig()
    agent: AgentConfig = AgentConfig()
    nostr: NostrConfig = NostrConfig()
    media: MediaConfig = MediaConfig()
    keymap: Mapping[str, str] = field(default_factory=_empty_keymap)
    filters: tuple[FilterRule, ...] = ()
    columns: tuple[Column, ...] = ()  # [[columns]]: checked and read in tui/columns.py
    path: Path | None = None  # the file this came from (or will be saved to)

    def first_feed(self) -> FeedRef:
        """The feed the timeline starts on: the accounts' `default_feed` when they agree on
        one, else home."""
        wanted = {str(a.options.get("default_feed", "home")) for a in self.accounts}
        return FeedRef.parse(wanted.pop()) if len(wanted) == 1 else FeedRef()

    def account(self, name: str) -> Account:
        for account in self.accounts:
            if account.name == name:
                return account
        known = ", ".join(a.name for a in self.accounts) or "none configured"
        raise KeyError(f"no account named {name!r} (known: {known})")


# --- checking values -------------------------------------------------------------------------

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_PARENT = re.compile(r'(\.(?:"(?:[^"\\]|\\.)*"|[A-Za-z0-9_-]+)|\[\d+\])$|^[^.\[]+$')


def _join(prefix: str, key: str) -> str:
    part = key if _BARE_KEY.fullmatch(key) else json.dumps(key, ensure_ascii=False)
    return f"{prefix}.{part}" if prefix else part


class _Where:
    """Turns a dotted key into a ConfigError with the line it is on, when that can be found."""

    def __init__(self, file: Path | str, lines: Mapping[str, int]):
        self.file = file
        self.lines = lines

    def error(self, key: str, expected: str) -> ConfigError:
        # A missing key has no line of its own: point at the nearest enclosing table instead.
        probe = key
        while probe and probe not in self.lines:
            parent = _PARENT.sub("", probe)
            probe = "" if parent == probe else parent
        return ConfigError(self.file, key, expected, self.lines.get(probe))


def _describe(value: object) -> str:
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"number {value}"
    if isinstance(value, str):
        return f"string {json.dumps(value, ensure_ascii=False)[:60]}"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


Checker = Callable[[_Where, str, object], Any]


def _string(where: _Where, key: str, value: object) -> str:
    if not isinstance(value, str):
        raise where.error(key, f"a string, got {_describe(value)}")
    return value


def _name(where: _Where, key: str, value: object) -> str:
    value = _string(where, key, value)
    if not value.strip() or value != value.strip() or any(c in value for c in "\n\r\t|"):
        raise where.error(key, "a non-empty name without surrounding spaces, tabs, newlines or '|'")
    return value


def _boolean(where: _Where, key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise where.error(key, f"true or false, got {_describe(value)}")
    return value


def _integer(low: int, high: int) -> Checker:
    def check(where: _Where, key: str, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise where.error(key, f"a whole number from {low} to {high}, got {_describe(value)}")
        return value

    return check


def _choice(*choices: str) -> Checker:
    def check(where: _Where, key: str, value: object) -> str:
        if value not in choices:
            options = ", ".join(json.dumps(c) for c in choices)
            raise where.error(key, f"one of {options}, got {_describe(value)}")
        return str(value)

    return check


def _array(item: Checker) -> Checker:
    def check(where: _Where, key: str, value: object) -> tuple[Any, ...]:
        if not isinstance(value, list):
            raise where.error(key, f"an array, got {_describe(value)}")
        return tuple(item(where, f"{key}[{i}]", v) for i, v in enumerate(value))

    return check


_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


def _url(*schemes: str, loopback: tuple[str, ...] = ()) -> Checker:
    """A URL with one of `schemes`; `loopback` schemes are allowed only for this machine."""
    wanted = " or ".join(f"{s}://" for s in schemes)

    def check(where: _Where, key: str, value: object) -> str:
        text = _string(where, key, value)
        try:
            parts = urlsplit(text)
            host = parts.hostname or ""
        except ValueError:
            parts, host = None, ""
        ok = (
            parts is not None
            and bool(host)
            and (parts.scheme in schemes or (parts.scheme in loopback and host in _LOOPBACK))
        )
        if not ok or any(c.isspace() for c in text):
            raise where.error(key, f"a {wanted} URL, got {_describe(value)}")
        return text

    return check


def _did(where: _Where, key: str, value: object) -> str:
    text = _string(where, key, value)
    if not re.fullmatch(r"did:[a-z]+:[A-Za-z0-9._:%-]+", text):
        raise where.error(key, f'a DID such as "did:plc:...", got {_describe(value)}')
    return text


def _language(where: _Where, key: str, value: object) -> str:
    text = _string(where, key, value)
    if text and not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?", text):
        raise where.error(
            key, f'an ISO 639 language code such as "en" or "", got {_describe(value)}'
        )
    return text


def _theme(where: _Where, key: str, value: object) -> str:
    text = _string(where, key, value)
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", text):
        raise where.error(
            key, f'a Textual theme name, "ansi" or "monochrome", got {_describe(value)}'
        )
    return text


def _feed(where: _Where, key: str, value: object) -> str:
    text = _string(where, key, value)
    try:
        FeedRef.parse(text)
    except ValueError as e:
        raise where.error(key, f'a feed such as "home" or "tag:NAME" ({e})') from None
    return text


def _table(where: _Where, key: str, value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise where.error(key, f"a table, got {_describe(value)}")
    return value


def _known_keys(where: _Where, prefix: str, table: Mapping[str, object], known: Any) -> None:
    names = sorted(known)
    for key in table:
        if key not in known:
            close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
            hint = f"did you mean {_join(prefix, close[0])}? " if close else ""
            raise where.error(
                _join(prefix, key), f"a known key ({hint}known keys: {', '.join(names)})"
            )


# --- sections --------------------------------------------------------------------------------

_HTTP_SERVER = _url("https", loopback=("http",))

_SECTIONS: dict[str, tuple[type, dict[str, Checker]]] = {
    "ui": (
        UiConfig,
        {
            "theme": _theme,
            "relative_time": _boolean,
            "wide_width": _integer(40, 1000),
            "show_counts": _boolean,
            "timeline_limit": _integer(1, 100),
            "opener": _string,
        },
    ),
    "compose": (
        ComposeConfig,
        {
            "default_accounts": _array(_name),
            "visibility": _choice(*VISIBILITIES),
            "language": _language,
            "editor": _string,
            "undo_send_seconds": _integer(0, 300),
            "require_alt_text": _boolean,
        },
    ),
    "media": (
        MediaConfig,
        {
            "opener": _string,
            "previews": _choice("off", "halfblock", "kitty", "sixel"),
            "preview_max_bytes": _integer(1024, 50_000_000),
            "preview_cache_bytes": _integer(0, 500_000_000),
        },
    ),
    "vault": (VaultConfig, {"passphrase_command": _string}),
    "agent": (AgentConfig, {"enabled": _boolean, "idle_minutes": _integer(1, 10080)}),
    "nostr": (
        NostrConfig,
        {
            "max_relays_per_author": _integer(1, 20),
            "max_relays_total": _integer(1, 500),
            "default_relays": _array(_url("wss", "ws")),
        },
    ),
}

_ACCOUNT_KEYS: dict[str, Checker] = {
    "name": _name,
    "network": _choice(*(n.value for n in NetworkKind)),
    "server": _string,  # checked per network below
    "handle": _string,
}


def _seconds(low: float, high: float) -> Checker:
    def check(where: _Where, key: str, value: object) -> float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not ok or not low <= value <= high:  # type: ignore[operator]
            raise where.error(
                key, f"a number of seconds from {low:g} to {high:g}, got {_describe(value)}"
            )
        return float(value)  # type: ignore[arg-type]

    return check


def _option_checker(option: Option) -> Checker:
    """The checker for a declared account option (see tui/networks/options.py)."""
    if option.kind == "bool":
        return _boolean
    if option.kind == "int":
        return _integer(int(option.low or 0), int(option.high or 2**31))
    if option.kind == "seconds":
        return _seconds(option.low or 0.0, option.high or 86400.0)
    if option.kind == "url":
        return _url("https", loopback=("http",))
    if option.kind == "relays":
        return _array(_url("wss", "ws"))
    if option.kind == "dids":
        return _array(_did)
    if option.kind == "feed":
        return _feed
    raise AssertionError(f"no checker for option kind {option.kind!r}")


def _declared(network: NetworkKind) -> dict[str, Option]:
    return {o.name: o for o in declared(network.value)}


def _all_option_names() -> dict[str, list[str]]:
    """option name → the networks that declare it."""
    names: dict[str, list[str]] = {}
    for network in NetworkKind:
        for option in declared(network.value):
            names.setdefault(option.name, []).append(network.value)
    return names


def _option_default(option: Option, sections: Mapping[str, object]) -> object:
    if option.default_from:
        section, _, key = option.default_from.partition(".")
        return getattr(sections.get(section) or _SECTIONS[section][0](), key)
    return option.default


_FILTER_KEYS: dict[str, Checker] = {
    "name": _name,
    "match": _string,
    "action": _choice(*(a.value for a in FilterAction)),
    "regex": _boolean,
    "whole_word": _boolean,
    "networks": _array(_choice(*(n.value for n in NetworkKind))),
    "accounts": _array(_name),
    "contexts": _array(_choice(*FILTER_CONTEXTS)),
    "authors": _array(_string),
}

_TOP_KEYS = {*_SECTIONS, "keymap", "accounts", "filters", "columns"}


def _parse_section(where: _Where, name: str, raw: object) -> Any:
    cls, spec = _SECTIONS[name]
    table = _table(where, name, raw)
    _known_keys(where, name, table, spec)
    return cls(**{k: spec[k](where, _join(name, k), v) for k, v in table.items()})


def _parse_account(
    where: _Where, prefix: str, raw: object, sections: Mapping[str, object]
) -> Account:
    table = _table(where, prefix, raw)
    _known_keys(where, prefix, table, {**_ACCOUNT_KEYS, **_all_option_names()})
    for required in ("name", "network"):
        if required not in table:
            raise where.error(_join(prefix, required), f"a value: every account needs a {required}")
    values = {
        k: _ACCOUNT_KEYS[k](where, _join(prefix, k), v)
        for k, v in table.items()
        if k in _ACCOUNT_KEYS
    }
    network = NetworkKind(values["network"])
    server_key = _join(prefix, "server")
    if network is NetworkKind.NOSTR:
        if values.get("server"):
            raise where.error(server_key, "no server for a nostr account (list relays instead)")
    elif network is NetworkKind.MASTODON and "server" not in values:
        raise where.error(server_key, "the https:// URL of the Mastodon server")
    else:
        values.setdefault("server", DEFAULT_BLUESKY_SERVER)
        _HTTP_SERVER(where, server_key, values["server"])
    declared_here = _declared(network)
    everywhere = _all_option_names()
    options: dict[str, object] = {}
    for key, value in table.items():
        if key in _ACCOUNT_KEYS:
            continue
        option = declared_here.get(key)
        if option is None:
            only = " and ".join(everywhere[key])
            raise where.error(
                _join(prefix, key), f"no {key} here: it applies only to {only} accounts"
            )
        options[key] = _option_checker(option)(where, _join(prefix, key), value)
    for option in declared_here.values():
        # An empty list means "the default" too (relays = []: [nostr] default_relays).
        if option.name not in options or options[option.name] == ():
            options[option.name] = _option_default(option, sections)
    return Account(
        name=values["name"],
        network=network,
        server=values.get("server", ""),
        handle=values.get("handle", ""),
        options=MappingProxyType(options),
    )


def _parse_filter(where: _Where, prefix: str, raw: object, accounts: set[str]) -> FilterRule:
    table = _table(where, prefix, raw)
    _known_keys(where, prefix, table, _FILTER_KEYS)
    for required in ("name", "match"):
        if required not in table:
            raise where.error(_join(prefix, required), f"a value: every filter needs a {required}")
    values = {k: _FILTER_KEYS[k](where, _join(prefix, k), v) for k, v in table.items()}
    if not values["match"].strip() and not values.get("authors"):
        raise where.error(_join(prefix, "match"), "a non-empty phrase or pattern")
    if values.get("regex"):
        try:
            re.compile(values["match"])
        except re.error as e:
            raise where.error(_join(prefix, "match"), f"a valid regular expression ({e})") from None
    for i, name in enumerate(values.get("accounts", ())):
        if name not in accounts:
            raise where.error(
                f"{prefix}.accounts[{i}]", f"the name of a configured account, got {name!r}"
            )
    if "action" in values:
        values["action"] = FilterAction(values["action"])
    return FilterRule(**values)


def _parse_keymap(where: _Where, raw: object) -> Mapping[str, str]:
    table = _table(where, "keymap", raw)
    keymap: dict[str, str] = {}
    for binding, keys in table.items():
        key = _join("keymap", binding)
        if not isinstance(keys, str) or not keys.strip():
            raise where.error(
                key, f'a key or comma-separated keys such as "j,down", got {_describe(keys)}'
            )
        keymap[binding] = keys
    return MappingProxyType(keymap)


def _parse(where: _Where, raw: Mapping[str, object], path: Path | None) -> Config:
    _known_keys(where, "", raw, _TOP_KEYS)
    sections = {name: _parse_section(where, name, raw[name]) for name in _SECTIONS if name in raw}
    raw_accounts = raw.get("accounts", [])
    if not isinstance(raw_accounts, list):
        raise where.error("accounts", "an array of tables ([[accounts]])")
    accounts: list[Account] = []
    for i, item in enumerate(raw_accounts):
        account = _parse_account(where, f"accounts[{i}]", item, sections)
        if any(a.name == account.name for a in accounts):
            raise where.error(
                f"accounts[{i}].name", f"a unique name; {account.name!r} is used twice"
            )
        accounts.append(account)
    names = {a.name for a in accounts}
    compose = sections.get("compose", ComposeConfig())
    for i, name in enumerate(compose.default_accounts):
        if name not in names:
            raise where.error(
                f"compose.default_accounts[{i}]", f"the name of a configured account, got {name!r}"
            )
    raw_filters = raw.get("filters", [])
    if not isinstance(raw_filters, list):
        raise where.error("filters", "an array of tables ([[filters]])")
    filters = tuple(
        _parse_filter(where, f"filters[{i}]", f, names) for i, f in enumerate(raw_filters)
    )
    return Config(
        accounts=tuple(accounts),
        keymap=_parse_keymap(where, raw.get("keymap", {})),
        filters=filters,
        columns=parse_columns(where, raw.get("columns", []), names),
        path=path,
        **sections,
    )


# --- finding the line of a key ---------------------------------------------------------------

_ARRAY_HEADER = re.compile(r"\s*\[\[\s*([^\[\]]+?)\s*\]\]\s*(#.*)?")
_TABLE_HEADER = re.compile(r"\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?")
_KEY_LINE = re.compile(r"""\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_.-]+)\s*=""")


def _key_lines(text: str) -> dict[str, int]:
    """Map dotted keys to the line they are set on. Best effort: used only to point at errors."""
    lines: dict[str, int] = {}
    counts: dict[str, int] = {}
    prefix = ""
    for number, line in enumerate(text.splitlines(), start=1):
        if m := _ARRAY_HEADER.fullmatch(line):
            name = m.group(1)
            index = counts[name] = counts.get(name, -1) + 1
            prefix = f"{name}[{index}]"
            lines[prefix] = number
        elif m := _TABLE_HEADER.fullmatch(line):
            prefix = m.group(1)
            lines.setdefault(prefix, number)
        elif m := _KEY_LINE.match(line):
            key = m.group(1)
            if key[0] in "\"'":
                parts = [json.loads(key) if key[0] == '"' else key[1:-1]]
            else:
                parts = key.split(".")  # a dotted key: ui.theme = ... at the top level
            dotted = prefix
            for part in parts:
                dotted = _join(dotted, part)
            lines.setdefault(dotted, number)
    return lines


# --- public API ------------------------------------------------------------------------------


def load_config(path: Path | str | None = None) -> Config:
    """Read and check the config file; a missing file gives the defaults."""
    path = Path(path) if path is not None else paths.config_file()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Config(path=path)
    except OSError as e:
        raise ConfigError(path, "", f"a readable file ({e.strerror})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise ConfigError(path, "", "UTF-8 text", line) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"line (\d+)", str(e))
        raise ConfigError(path, "", f"valid TOML ({e})", int(m.group(1)) if m else None) from None
    return _parse(_Where(path, _key_lines(text)), raw, path)


def key_line(path: Path | str, key: str) -> int | None:
    """The line `key` (dotted, as in errors: `keymap."list.down"`) is set on, if it can be found."""
    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return _Where(path, _key_lines(text)).error(key, "").line
