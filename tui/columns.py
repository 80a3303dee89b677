"""`[[columns]]` in config.toml: the feeds the wide layout shows side by side (tabs when narrow).

Each column is a feed (`home`, `tag:python`, `list:ID`, `user:@someone@example.social`…) or
`notifications`, from one account or, without `account`, from every account merged. The columns
show from `[ui] wide_width` terminal columns on; narrower, they become tabs. Read and checked here,
next to the code that uses them (`tui.ui.widgets.columns`); `tui.store.config` calls `parse_columns`
so an unknown key or account is reported with its line like every other config problem. Pure: no
Textual, nothing slow to import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tui.model import FeedRef

if TYPE_CHECKING:
    from tui.feed import FeedSelection
    from tui.store.config import _Where

NOTIFICATIONS = "notifications"
MAX_COLUMNS = 12


@dataclass(frozen=True, slots=True)
class Column:
    feed: str = "home"  # a feed as FeedRef.parse reads it, or "notifications"
    account: str = ""  # "": every account
    title: str = ""  # "": made from the feed and account

    @property
    def notifications(self) -> bool:
        return self.feed == NOTIFICATIONS

    @property
    def selection(self) -> FeedSelection:
        """The posts this column merges (for a feed column)."""
        from tui.feed import FeedSelection

        return FeedSelection.one_feed(FeedRef.parse(self.feed), self.account or None)

    @property
    def label(self) -> str:
        if self.title:
            return self.title
        what = "notifications" if self.notifications else FeedRef.parse(self.feed).title
        what = what[:1].upper() + what[1:]
        return f"{what} · {self.account}" if self.account else what

    def table(self) -> dict[str, str]:
        """The `[[columns]]` table for this column, defaults left out."""
        table = {"feed": self.feed}
        if self.account:
            table["account"] = self.account
        if self.title:
            table["title"] = self.title
        return table


def column_from(spec: str, account: str = "") -> Column:
    """A column from what a user types ("tag:python", "notifications"); ValueError says why."""
    feed = spec.strip()
    if feed.lower() == NOTIFICATIONS:
        return Column(NOTIFICATIONS, account)
    return Column(str(FeedRef.parse(feed)), account)


def parse_columns(where: _Where, raw: object, accounts: set[str]) -> tuple[Column, ...]:
    """The checked `[[columns]]` array; every problem names the key and its line."""
    from tui.store.config import _feed, _known_keys, _name, _string, _table

    if not isinstance(raw, list):
        raise where.error("columns", "an array of tables ([[columns]])")
    if len(raw) > MAX_COLUMNS:
        raise where.error("columns", f"at most {MAX_COLUMNS} columns, got {len(raw)}")
    checkers: dict[str, Any] = {"feed": _string, "account": _name, "title": _string}
    columns: list[Column] = []
    for i, item in enumerate(raw):
        prefix = f"columns[{i}]"
        table = _table(where, prefix, item)
        _known_keys(where, prefix, table, checkers)
        if "feed" not in table:
            raise where.error(f"{prefix}.feed", 'a value: every column needs a feed ("home"…)')
        values = {k: checkers[k](where, f"{prefix}.{k}", v) for k, v in table.items()}
        if values["feed"].strip().lower() != NOTIFICATIONS:
            _feed(where, f"{prefix}.feed", values["feed"])
        if values.get("account", "") and values["account"] not in accounts:
            raise where.error(
                f"{prefix}.account", f"the name of a configured account, got {values['account']!r}"
            )
        columns.append(column_from(values["feed"], values.get("account", "")))
        if values.get("title"):
            columns[-1] = Column(columns[-1].feed, columns[-1].account, values["title"])
    return tuple(columns)
