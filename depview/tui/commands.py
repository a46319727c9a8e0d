"""``ctrl+p``: every action as a command, plus "go to package" for names that match.

Package names come from the lockfile, so their hits are built as
:class:`rich.text.Text`-free plain strings passed through ``one_line`` and
highlighted by the matcher (which never parses markup in the candidate).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from depview.risk.model import Level
from depview.textsafe import one_line
from depview.tui.view import level_word

if TYPE_CHECKING:
    from depview.tui.app import DepviewApp

__all__ = ["DepviewCommands", "command_table"]

MAX_PACKAGE_HITS = 40


#: (name, help, main-screen action) of the palette's commands, in the order shown.
_MAIN_ACTIONS: tuple[tuple[str, str, str], ...] = (
    ("Search packages by name", "/ : incremental search", "start_search"),
    ("Next risky package", "n : next package at the filter level", "next_risky"),
    ("Previous risky package", "p : previous package at the filter level", "previous_risky"),
    ("Open details", "enter : findings, timeline, scripts, advisories, paths", "open_detail"),
    ("Triage selected package", "t : accept / ignore / investigate with a note", "triage"),
    ("Export pinned-safe versions", "e : preview the diff, then write", "export"),
    ("Filter: cycle minimum level", "f : all → low → medium → high → critical", "cycle_filter"),
    ("Filter: show all", "no level filter", "set_filter('all')"),
    *(
        (
            f"Filter: {level.label} and above",
            f"only packages at or above {level.label} (and the paths to them)",
            f"set_filter('{level.label}')",
        )
        for level in (Level.LOW, Level.MEDIUM, Level.HIGH, Level.CRITICAL)
    ),
    ("Sort by risk", "riskiest first at every level", "set_sort('risk')"),
    ("Sort by name", "alphabetical", "set_sort('name')"),
    ("Toggle sort", "s : risk ↔ name", "toggle_sort"),
    ("Collapse all", "close every expanded row", "collapse_all"),
)


def command_table(app: DepviewApp) -> list[tuple[str, str, Callable[[], object]]]:
    """(name, help, callback) for every action the app offers."""
    rows: list[tuple[str, str, Callable[[], object]]] = [
        (name, help_, partial(app.run_main, action)) for name, help_, action in _MAIN_ACTIONS
    ]
    rows += [
        ("Help: keys and legend", "? : every key and symbol", app.action_help),
        ("Quit", "q : leave depview", app.action_quit),
    ]
    return rows


class DepviewCommands(Provider):
    """Actions and package names for the command palette."""

    @property
    def _app(self) -> DepviewApp:
        from depview.tui.app import DepviewApp

        app = self.app
        assert isinstance(app, DepviewApp)
        return app

    async def discover(self) -> Hits:
        for name, help_, callback in command_table(self._app):
            yield DiscoveryHit(name, callback, help=help_)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_, callback in command_table(self._app):
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_)
        q = query.strip().lower()
        if len(q) < 2:
            return
        session = self._app.session
        shown = 0
        for pid in session.model.packages():
            if q not in pid.name.lower():
                continue
            label = one_line(f"Go to {pid.name}@{pid.version}", 200)
            score = matcher.match(label) or 0.1
            yield Hit(
                score * 0.9,
                Content(label),
                partial(self._app.go_to_package, pid),
                text=label,
                help=level_word(session.shown(pid)),
            )
            shown += 1
            if shown >= MAX_PACKAGE_HITS:
                break
