"""Writing config.toml: under a lock, changing only what changed, keeping the user's layout.

Every edit (a login, removing an account) re-reads the file under `config.toml.lock`, applies the
change to the parsed document with tomlkit (comments, order and table style stay), checks the
result loads as the expected Config, and replaces the file atomically. Two logins at once both
keep their accounts.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from tui.model import Account, FilterRule
from tui.networks.options import declared
from tui.store import paths
from tui.store.config import (
    _SECTIONS,
    Config,
    ConfigError,
    _key_lines,
    _option_default,
    _parse,
    _parse_account,
    _Where,
    load_config,
)


def _plain(value: object) -> object:
    """Model values → plain TOML values (enums as their value, tuples as arrays)."""
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _non_default(obj: object, default: object) -> dict[str, object]:
    return {
        f.name: _plain(getattr(obj, f.name))
        for f in fields(obj)  # type: ignore[arg-type]
        if getattr(obj, f.name) != getattr(default, f.name)
    }


def _filter_table(rule: FilterRule) -> dict[str, object]:
    return {
        "name": rule.name,
        "match": rule.match,
        **_non_default(rule, FilterRule(rule.name, rule.match)),
    }


def _sections_of(config: Config) -> dict[str, object]:
    return {name: getattr(config, name) for name in _SECTIONS}


def _account_table(
    account: Account, sections: Mapping[str, object] | None = None
) -> dict[str, object]:
    """The table for `account`: options equal to their default (given `sections`) left out."""
    table: dict[str, object] = {"name": account.name, "network": account.network.value}
    if account.server:
        table["server"] = account.server
    if account.handle:
        table["handle"] = account.handle
    defaults = {o.name: _option_default(o, sections or {}) for o in declared(account.network.value)}
    for key, value in account.options.items():
        if key in defaults and _same(value, defaults[key]):
            continue
        table[key] = _plain(value)
    return table


def _same(a: object, b: object) -> bool:
    return _plain(a) == _plain(b)


def to_toml(config: Config) -> str:
    """The TOML text for `config`, with only the values that differ from the defaults."""
    import tomlkit

    doc = tomlkit.document()
    _apply(doc, Config(), config)
    return tomlkit.dumps(doc)


# --- editing the file in place ---------------------------------------------------------------


def _tomlkit_table(values: Mapping[str, object]) -> Any:
    import tomlkit

    table = tomlkit.table()
    for key, value in values.items():
        table.add(key, value)
    return table


def _sync_table(table: Any, old: Mapping[str, object], new: Mapping[str, object]) -> None:
    """Make `table` (a tomlkit table holding `old`) hold `new`, touching only changed keys."""
    for key in [k for k in old if k not in new]:
        if key in table:
            del table[key]
    for key, value in new.items():
        if key not in old or not _same(old[key], value) or key not in table:
            table[key] = value


def _append_table(tables: Any, values: Mapping[str, object], at: int | None = None) -> None:
    """Add a [[table]] to `tables` (at the end, or at index `at`), set off by blank lines."""
    import tomlkit

    table = _tomlkit_table(values)
    before = len(tables) if at is None else at
    if before == 0 or not tables[before - 1].as_string().endswith("\n\n"):
        table.trivia.indent = "\n"
    table.add(tomlkit.nl())
    if at is None or at >= len(tables):
        tables.append(table)
    else:
        tables.insert(at, table)


def _array_of_tables(doc: Any, name: str) -> Any:
    """`doc[name]` as an array of tables: `[[name]]` blocks, never an inline `name = [...]`
    (an inline array, as tomlkit leaves one emptied, cannot take tables)."""
    import tomlkit
    from tomlkit.items import AoT

    current = doc.get(name)
    if current is not None and not isinstance(current, AoT):
        rows = [dict(row) for row in current]
        del doc[name]
        current = None
        doc.append(name, tomlkit.aot())
        for row in rows:
            doc[name].append(_tomlkit_table(row))
    if current is None and name not in doc:
        doc.append(name, tomlkit.aot())
    return doc[name]


def _drop_if_empty(doc: Any, name: str) -> None:
    if name in doc and not len(doc[name]):
        del doc[name]


def _apply(doc: Any, old: Config, new: Config) -> None:
    """Change `doc` (which holds `old`) so that it holds `new`, keeping everything else."""
    for name, (cls, _spec) in _SECTIONS.items():
        before, after = getattr(old, name), getattr(new, name)
        if before == after:
            continue
        default = cls()
        for f in fields(after):
            value = getattr(after, f.name)
            if getattr(before, f.name) == value:
                continue
            if name not in doc:
                doc[name] = _tomlkit_table({})
            if f.name in doc[name] or value != getattr(default, f.name):
                doc[name][f.name] = _plain(value)
    if dict(old.keymap) != dict(new.keymap):
        if "keymap" not in doc:
            doc["keymap"] = _tomlkit_table({})
        _sync_table(doc["keymap"], dict(old.keymap), dict(new.keymap))
    old_sections, new_sections = _sections_of(old), _sections_of(new)
    if old.accounts != new.accounts:
        tables = _array_of_tables(doc, "accounts")
        wanted = {a.name: a for a in new.accounts}
        for i in reversed(range(len(old.accounts))):
            account = old.accounts[i]
            if account.name not in wanted:
                del tables[i]
            elif wanted[account.name] != account:
                _sync_table(
                    tables[i],
                    _account_table(account, old_sections),
                    _account_table(wanted[account.name], new_sections),
                )
        known = {a.name for a in old.accounts}
        for index, account in enumerate(new.accounts):  # in place, so the order is kept
            if account.name not in known:
                _append_table(tables, _account_table(account, new_sections), at=index)
        _drop_if_empty(doc, "accounts")
    if old.filters != new.filters:
        tables = _array_of_tables(doc, "filters")
        ident = {(f.name, f.match): f for f in new.filters}
        for i in reversed(range(len(old.filters))):
            rule = old.filters[i]
            target = ident.get((rule.name, rule.match))
            if target is None:
                del tables[i]
            elif target != rule:
                _sync_table(tables[i], _filter_table(rule), _filter_table(target))
        known_rules = {(f.name, f.match) for f in old.filters}
        for rule in new.filters:
            if (rule.name, rule.match) not in known_rules:
                _append_table(tables, _filter_table(rule))
        _drop_if_empty(doc, "filters")
    if old.columns != new.columns:  # a column added from the app: the others stay as written
        tables = _array_of_tables(doc, "columns")
        same = 0
        while same < min(len(old.columns), len(new.columns)) and (
            old.columns[same] == new.columns[same]
        ):
            same += 1
        for i in reversed(range(same, len(old.columns))):
            del tables[i]
        for column in new.columns[same:]:
            _append_table(tables, column.table())
        _drop_if_empty(doc, "columns")


def _normal(config: Config, path: Path) -> Config:
    """`config` as loading it from a file gives it (account options checked, defaults in)."""
    text = to_toml(config)
    return _parse(_Where(path, _key_lines(text)), tomllib.loads(text), path)


def _read_document(path: Path) -> tuple[Any, Config]:
    """The file as a tomlkit document and as a checked Config (empty ones when missing)."""
    import tomlkit

    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return tomlkit.document(), Config(path=path)
    except UnicodeDecodeError:
        return tomlkit.document(), load_config(path)  # raises the ConfigError naming the line
    config = load_config(path)  # raises a ConfigError naming the file and line
    return tomlkit.parse(text), config


def _write(path: Path, doc: Any, expected: Config) -> Config:
    import tomlkit

    text = tomlkit.dumps(doc)
    # Never write a file that we would refuse to load, or one that says something else.
    written = _parse(_Where(path, _key_lines(text)), tomllib.loads(text), path)
    if written != _normal(expected, path):
        raise ConfigError(path, "", "an edit that keeps the file's meaning (this is a bug)")
    paths.write_private_file(path, text.encode("utf-8"))
    return written


def save_config(config: Config, path: Path | str | None = None) -> Path:
    """Write `config` atomically (temp file, fsync, rename), mode 0600, under the file's lock.

    Only the keys that differ from the file on disk change: comments, order and table style stay.
    """
    target = Path(path) if path is not None else (config.path or paths.config_file())
    with paths.locked(target):
        doc, current = _read_document(target)
        _apply(doc, current, config)
        _write(target, doc, config)
    return target


def update_config(change: Callable[[Config], Config], path: Path | str | None = None) -> Config:
    """Read the file, apply `change` and write it back, all under its lock.

    This is how every edit (a login, removing an account) is made: two processes editing at once
    each see the other's change, and the user's comments and layout are kept.
    """
    target = Path(path) if path is not None else paths.config_file()
    with paths.locked(target):
        doc, current = _read_document(target)
        changed = change(current)
        _apply(doc, current, changed)
        return _write(target, doc, changed)


def add_account(config: Config, account: Account) -> Config:
    """A copy of `config` with `account` appended, checked like the file would be."""
    index = len(config.accounts)
    where = _Where(config.path or "config", {})
    sections = _sections_of(config)
    checked = _parse_account(
        where, f"accounts[{index}]", _account_table(account, sections), sections
    )
    if any(a.name == checked.name for a in config.accounts):
        raise where.error(f"accounts[{index}].name", f"a unique name; {checked.name!r} is taken")
    return replace(config, accounts=config.accounts + (checked,))


def remove_account(config: Config, name: str) -> Config:
    """A copy of `config` without account `name`, and without references to it."""
    config.account(name)  # KeyError naming the known accounts
    filters = tuple(
        replace(f, accounts=tuple(a for a in f.accounts if a != name))
        for f in config.filters
        # A rule limited to only this account would otherwise start applying to all of them.
        if not (f.accounts and set(f.accounts) == {name})
    )
    compose = replace(
        config.compose,
        default_accounts=tuple(a for a in config.compose.default_accounts if a != name),
    )
    return replace(
        config,
        accounts=tuple(a for a in config.accounts if a.name != name),
        compose=compose,
        filters=filters,
    )
