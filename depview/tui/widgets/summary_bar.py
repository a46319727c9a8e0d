"""The header: lockfile, ecosystem, counts by level, enrichment progress, view state."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from depview.risk.model import Level
from depview.textsafe import one_line
from depview.tui.state import Session
from depview.tui.view import LEVEL_STYLE, LEVEL_SYMBOL, Shown

__all__ = ["SummaryBar", "summary_text"]

#: Below this many columns the header uses symbols and numbers only.
COMPACT_BELOW = 100

_ORDER: tuple[tuple[Level | Shown, str], ...] = (
    (Level.CRITICAL, "critical"),
    (Level.HIGH, "high"),
    (Level.MEDIUM, "medium"),
    (Level.LOW, "low"),
    (Level.NONE, "none"),
    (Shown.UNKNOWN, "unknown"),
    (Shown.PENDING, "pending"),
)


def _bar(done: int, total: int, width: int = 12) -> str:
    if total <= 0:
        return "─" * width
    filled = min(width, round(width * done / total))
    return "━" * filled + "─" * (width - filled)


def lockfile_display(session: Session) -> str:
    if session.demo:
        return "package-lock.json (demo: axios compromise)"
    lf = session.lockfile
    shown = f"{lf.parent.name}/{lf.name}" if lf.parent.name else lf.name
    return one_line(shown, 120)


def summary_text(session: Session, *, compact: bool = False) -> Text:
    """Two lines; ``compact`` (narrow terminals) drops the words after the numbers."""
    text = Text()
    text.append("depview ", style="bold")
    if compact:
        text.append(one_line(session.lockfile.name, 60))
        if session.demo:
            text.append(" (demo)")
        text.append(f" · {one_line(session.graph.ecosystem, 20)}", style="dim")
        text.append(f" · {session.total_packages():,} pkgs", style="dim")
    else:
        text.append(lockfile_display(session))
        text.append(
            f" · {one_line(session.graph.ecosystem, 20)} ({one_line(session.graph.format, 40)})",
            style="dim",
        )
        text.append(f" · {session.total_packages():,} packages", style="dim")
    if session.settings.as_of is not None and not compact:
        text.append(f" · as of {session.instant.strftime('%Y-%m-%d %H:%MZ')}", style="dim")
    text.append("\n")
    counts = session.counts()
    first = True
    for key, word in _ORDER:
        n = counts.get(key, 0)
        if n == 0 and key in (Level.NONE, Shown.UNKNOWN, Shown.PENDING):
            continue
        if not first:
            text.append("  ")
        first = False
        label = f"{LEVEL_SYMBOL[key]}{n}" if compact else f"{LEVEL_SYMBOL[key]} {n} {word}"
        text.append(label, style=LEVEL_STYLE[key] if n else "dim")
    text.append("  │ ", style="dim")
    prog = session.progress
    if session.failure is not None:
        text.append("enrichment failed: ", style="bold red")
        text.append(one_line(session.failure, 80))
    elif session.finished:
        text.append("enriched ✓", style="green")
        if prog.total and not compact:
            text.append(f" {prog.total:,}", style="dim")
    else:
        text.append("" if compact else "enriching ", style="bold")
        text.append(_bar(prog.done, prog.total, 6 if compact else 12), style="cyan")
        text.append(f" {prog.done:,}/{prog.total:,}" if prog.total else " starting…")
    if session.errors:
        text.append(f"  {len(session.errors)} errors", style="bold red")
    text.append("  │ ", style="dim")
    level = session.min_level
    if compact:
        text.append(f"≥{level.label}" if level is not None else "all")
        text.append(f" · {session.sort_mode}")
        return text
    text.append("filter " + (f"≥ {level.label}" if level is not None else "all"))
    text.append(f" · sort {session.sort_mode}")
    return text


class SummaryBar(Widget):
    """Two lines at the top of the main screen (fixed height: updates never re-layout)."""

    DEFAULT_CSS = """
    SummaryBar {
        height: 2;
    }
    """

    def __init__(self, session: Session, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.session = session

    def refresh_summary(self) -> None:
        self.refresh()

    def render(self) -> Text:
        width = self.content_size.width or self.app.size.width
        text = summary_text(self.session, compact=width < COMPACT_BELOW)
        lines = text.split("\n")
        for line in lines:
            line.no_wrap = True
            line.overflow = "ellipsis"
            line.truncate(width, overflow="ellipsis")
        return Text("\n").join(lines[:2])
