"""Command palette entries: each one runs a command line (`tui.ui.commandline`), so everything
the palette offers is also a `:` command."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.ui import commandline

if TYPE_CHECKING:
    from tui.ui.app import MurmurApp


class MurmurCommands(Provider):
    def _entries(self) -> list[commandline.PaletteEntry]:
        app: MurmurApp = self.app  # type: ignore[assignment]
        return commandline.palette_entries(app)

    def _run(self, line: str) -> None:
        commandline.run_line(self.app, line)  # type: ignore[arg-type]

    async def discover(self) -> Hits:
        for entry in self._entries():
            yield DiscoveryHit(
                entry.title, partial(self._run, entry.line), help=f"{entry.help} · :{entry.line}"
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for entry in self._entries():
            score = matcher.match(entry.title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(entry.title),
                    partial(self._run, entry.line),
                    help=f"{entry.help} · :{entry.line}",
                )
