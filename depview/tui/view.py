"""How a package reads on screen: level symbols, badges, row labels. Pure (rich.text only).

Every string that came from a lockfile or a registry goes through
:mod:`depview.textsafe` and into a :class:`rich.text.Text` with explicit
styles; nothing here ever builds a markup string.

A row reads without colour: the level is a symbol (``‼ ▲ ● ○ ·``, ``?`` for
unknown, ``…`` while the verdict is still pending) and the badges are short
words (``inst``, ``pub``, ``-prov``, ``+dep``, ``ADV``, ``MAL``, ``age 2h``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import Enum

from rich.text import Text

from depview.model import Package, PackageId, SourceKind
from depview.report.model import TriageMark
from depview.risk.model import Level, Verdict
from depview.textsafe import one_line

__all__ = [
    "BADGE_LEGEND",
    "LEVEL_STYLE",
    "LEVEL_SYMBOL",
    "Shown",
    "badges",
    "format_age",
    "level_text",
    "level_word",
    "row_label",
    "shown_level",
    "sort_rank",
    "triage_text",
]


class Shown(Enum):
    """What the level column shows besides a real :class:`Level`."""

    PENDING = "pending"  # enrichment still running, no verdict yet
    UNKNOWN = "unknown"  # registry data missing: never shown as safe


LEVEL_SYMBOL: Mapping[Level | Shown, str] = {
    Level.CRITICAL: "‼",
    Level.HIGH: "▲",
    Level.MEDIUM: "●",
    Level.LOW: "○",
    Level.INFO: "·",
    Level.NONE: "·",
    Shown.UNKNOWN: "?",
    Shown.PENDING: "…",
}

LEVEL_STYLE: Mapping[Level | Shown, str] = {
    Level.CRITICAL: "bold red",
    Level.HIGH: "bold dark_orange",
    Level.MEDIUM: "yellow",
    Level.LOW: "cyan",
    Level.INFO: "dim",
    Level.NONE: "dim green",
    Shown.UNKNOWN: "bold magenta",
    Shown.PENDING: "dim",
}

#: (badge, meaning) in the order badges appear on a row; the help screen shows this.
BADGE_LEGEND: tuple[tuple[str, str], ...] = (
    ("MAL", "malware advisory or registry security placeholder"),
    ("ADV", "known vulnerability (advisory)"),
    ("gone", "the locked version was unpublished"),
    ("inst", "runs an install script (lockfile or registry)"),
    ("+inst", "install script new in this version"),
    ("pub", "publisher or maintainer changed at this version"),
    ("-prov", "earlier releases had provenance, this one does not"),
    ("+dep", "depends on a package the previous version did not"),
    ("age 2h", "published recently (age of the locked version)"),
    ("new pkg", "the package itself is younger than 30 days"),
    ("typo?", "name close to a popular package"),
    ("git/url/file", "not from the registry"),
    ("hash!", "lockfile hash differs from the registry's"),
    ("depr", "deprecated or yanked"),
    ("?data", "registry data unavailable (unknown, not safe)"),
    ("dev", "development-only dependency"),
)

_BADGE_STYLE = {
    "MAL": "bold white on red",
    "ADV": "bold red",
    "gone": "bold red",
    "inst": "magenta",
    "+inst": "bold magenta",
    "pub": "bold dark_orange",
    "-prov": "bold dark_orange",
    "+dep": "yellow",
    "new pkg": "yellow",
    "typo?": "yellow",
    "hash!": "bold red",
    "depr": "dim",
    "?data": "bold magenta",
    "dev": "dim",
}


def shown_level(verdict: Verdict | None, *, finished: bool) -> Level | Shown:
    """The level a row shows: pending until enrichment ends, then unknown if no verdict."""
    if verdict is None:
        return Shown.UNKNOWN if finished else Shown.PENDING
    if verdict.unknown and (verdict.level <= Level.INFO or _only_no_data(verdict)):
        # Nothing but "no data": say unknown rather than the policy's placeholder level.
        return Shown.UNKNOWN
    return verdict.level


def _only_no_data(verdict: Verdict) -> bool:
    return all(f.kind == "metadata-unavailable" for f in verdict.findings)


def sort_rank(shown: Level | Shown) -> float:
    """Higher is riskier: unknown sits between low and medium, pending last."""
    if shown is Shown.UNKNOWN:
        return 2.5
    if shown is Shown.PENDING:
        return -1.0
    return float(shown)


def level_word(shown: Level | Shown) -> str:
    return shown.value if isinstance(shown, Shown) else shown.label


def level_text(shown: Level | Shown, *, word: bool = True) -> Text:
    """``‼ critical`` (symbol and word) in the level's style."""
    symbol = LEVEL_SYMBOL[shown]
    label = f"{symbol} {level_word(shown)}" if word else symbol
    return Text(label, style=LEVEL_STYLE[shown])


def format_age(delta_seconds: float) -> str:
    """Compact age: ``45m``, ``1h39m``, ``3d``, ``5w``, ``2y``."""
    secs = max(0, int(delta_seconds))
    minutes = secs // 60
    if minutes < 60:
        return f"{minutes}m"
    hours, mins = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{mins:02d}m" if mins and hours < 10 else f"{hours}h"
    days = hours // 24
    if days < 14:
        return f"{days}d"
    if days < 365:
        return f"{days // 7}w"
    return f"{days // 365}y"


def badges(
    pkg: Package | None,
    verdict: Verdict | None,
    instant: datetime,
) -> list[str]:
    """Badge words for a row, in :data:`BADGE_LEGEND` order.

    Lockfile-only facts (install script, non-registry source, dev) show before
    any verdict arrives.
    """
    kinds = verdict.kinds() if verdict is not None else frozenset()
    out: list[str] = []
    if "malware" in kinds:
        out.append("MAL")
    if "advisory" in kinds:
        out.append("ADV")
    if "unpublished" in kinds:
        out.append("gone")
    if "new-install-script" in kinds:
        out.append("+inst")
    elif "install-script" in kinds or (pkg is not None and pkg.has_install_script):
        out.append("inst")
    if kinds & {"publisher-change", "maintainer-change"}:
        out.append("pub")
    if "provenance-dropped" in kinds:
        out.append("-prov")
    if "new-dependency" in kinds:
        out.append("+dep")
    if "recent-publish" in kinds and verdict is not None and verdict.published is not None:
        out.append(f"age {format_age((instant - verdict.published).total_seconds())}")
    elif "recent-publish" in kinds:
        out.append("recent")
    if "young-package" in kinds:
        out.append("new pkg")
    if "typosquat" in kinds:
        out.append("typo?")
    if pkg is not None and pkg.source.kind in (SourceKind.GIT, SourceKind.TARBALL):
        out.append("git" if pkg.source.kind is SourceKind.GIT else "url")
    elif pkg is not None and pkg.source.kind in (SourceKind.FILE, SourceKind.LINK):
        out.append("file")
    elif "non-registry-source" in kinds:
        out.append("url")
    if "integrity-mismatch" in kinds:
        out.append("hash!")
    if kinds & {"deprecated", "yanked"}:
        out.append("depr")
    if (
        verdict is not None
        and verdict.unknown
        and verdict.level > Level.INFO
        and not _only_no_data(verdict)
    ):
        out.append("?data")
    if pkg is not None and pkg.dev:
        out.append("dev")
    return out


def _badge_style(badge: str) -> str:
    if badge.startswith("age ") or badge == "recent":
        return "yellow"
    return _BADGE_STYLE.get(badge, "")


def triage_text(mark: TriageMark | None, instant: datetime) -> Text:
    """``[accepted]``, ``[ignored]``, ``[investigate]`` or ``[accepted, expired]``."""
    if mark is None:
        return Text()
    if not mark.active(instant):
        return Text(f"[{mark.state}, expired]", style="dim strike")
    style = {"accepted": "green", "ignored": "dim", "investigate": "bold cyan"}.get(mark.state, "")
    return Text(f"[{mark.state}]", style=style)


def row_label(
    pid: PackageId,
    package: Package | None,
    verdict: Verdict | None,
    instant: datetime,
    *,
    finished: bool,
    mark: TriageMark | None = None,
    deduped: bool = False,
) -> Text:
    """One tree row: ``‼ axios 1.14.1 critical  pub -prov +dep age 1h39m  [investigate]``."""
    shown = shown_level(verdict, finished=finished)
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(LEVEL_SYMBOL[shown], style=LEVEL_STYLE[shown])
    text.append(" ")
    name = one_line(package.display_name if package and package.display_name else pid.name, 120)
    text.append(name, style="bold" if not deduped else "")
    text.append(" ")
    text.append(one_line(pid.version, 60), style="dim" if deduped else "")
    if (
        isinstance(shown, Shown)
        and shown is Shown.UNKNOWN
        or (isinstance(shown, Level) and shown >= Level.MEDIUM)
    ):
        text.append(" ")
        text.append(level_word(shown), style=LEVEL_STYLE[shown])
    marks = badges(package, verdict, instant)
    if marks:
        text.append(" ")
        for i, badge in enumerate(marks):
            if i:
                text.append(" ")
            text.append(badge, style=_badge_style(badge))
    if mark is not None:
        text.append(" ")
        text.append_text(triage_text(mark, instant))
    if deduped:
        text.append(" ↪ deduped", style="dim italic")
    return text
