"""The default ``scan`` output: a plain-text table of the risky packages and a summary.

No colour and no markup: the table may be piped or captured in a CI log. Every
string that comes from a lockfile or a registry goes through
:func:`depview.textsafe.one_line`. The helpers here (ordering, one-line reason,
pin text, summary counts) are shared with the Markdown report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from depview.config import Settings
from depview.model import PackageId
from depview.report.model import Entry, Report
from depview.risk.model import Finding, Level
from depview.textsafe import one_line

__all__ = [
    "Summary",
    "change_text",
    "flags",
    "format_table",
    "pin_text",
    "reason",
    "shown_entries",
    "strongest",
    "summarize",
]

REASON_LIMIT = 3  # findings named in the one-line reason
NAME_LIMIT = 80
REMOVED_LIMIT = 20


def shown_entries(report: Report, min_level: Level) -> list[Entry]:
    """Entries at or above ``min_level``, worst first, then by name and version."""
    kept = [e for e in report.entries if e.level >= min_level]
    return sorted(kept, key=lambda e: (-e.level, e.id.name, e.id.version, e.id.ecosystem))


def strongest(findings: Iterable[Finding]) -> list[Finding]:
    """Findings by severity, strongest first (stable for equal severities)."""
    return sorted(findings, key=lambda f: -f.severity)


def reason(entry: Entry, limit: int = REASON_LIMIT) -> str:
    """The strongest findings' titles on one line (``+N more`` when cut)."""
    verdict = entry.verdict
    if verdict is None:
        return "not judged (no registry data)"
    found = strongest(verdict.findings)
    if not found:
        return "unknown (registry data missing)" if verdict.unknown else "no findings"
    titles = list(dict.fromkeys(one_line(f.title, 120) for f in found))
    text = "; ".join(titles[:limit])
    if len(titles) > limit:
        text += f"; +{len(titles) - limit} more"
    return text


def pin_text(entry: Entry) -> str:
    """The suggested pin: a version, ``none safe`` or ``-`` (no change advised)."""
    verdict = entry.verdict
    if verdict is None or verdict.suggestion is None:
        return "-"
    if verdict.suggestion.version is None:
        return "none safe"
    return one_line(verdict.suggestion.version, 40)


def flags(entry: Entry) -> str:
    """``direct``/``dev``/``optional`` markers and the triage state, comma separated."""
    out: list[str] = []
    if entry.direct:
        out.append("direct")
    if entry.package.dev:
        out.append("dev")
    if entry.package.optional:
        out.append("optional")
    if entry.triage is not None:
        out.append(one_line(entry.triage.state, 20))
    return ",".join(out)


def _version_text(version: str) -> str:
    return one_line(version, 40)


def change_text(
    entry: Entry, arrow: str = "->", version: Callable[[str], str] = _version_text
) -> str:
    """``added`` or ``FROM -> TO`` for a diff entry, empty otherwise.

    ``version`` renders each version (one safe line of at most 40 characters by default).
    """
    change = entry.change
    if change is None:
        return ""
    if change.from_version is None:
        return "added"
    if change.from_version == change.to_version:
        return f"{version(change.from_version)} (source changed)"
    return f"{version(change.from_version)} {arrow} {version(change.to_version)}"


def _label(entry: Entry) -> str:
    verdict = entry.verdict
    if verdict is None or (verdict.unknown and entry.level == Level.NONE):
        return "unknown"
    return entry.level.label


@dataclass(frozen=True, slots=True)
class Summary:
    """Counts for the summary line of every human-readable format."""

    packages: int
    by_level: dict[str, int]
    unknown: int
    suppressed: int
    errors: int
    added: int
    changed: int
    removed: tuple[PackageId, ...]
    is_diff: bool


def summarize(report: Report) -> Summary:
    entries = report.entries
    is_diff = bool(report.removed) or any(e.change is not None for e in entries)
    return Summary(
        packages=len(entries),
        by_level={k: v for k, v in report.by_level().items() if v and k != Level.NONE.label},
        unknown=sum(1 for e in entries if e.verdict is None or e.verdict.unknown),
        suppressed=sum(1 for e in entries if e.suppressed),
        errors=len(report.errors),
        added=sum(1 for e in entries if e.change is not None and e.change.from_version is None),
        changed=sum(
            1 for e in entries if e.change is not None and e.change.from_version is not None
        ),
        removed=report.removed,
        is_diff=is_diff or report.extra.get("diff") is True,
    )


def summary_parts(summary: Summary) -> list[str]:
    """The summary as short phrases (shared by table and Markdown)."""
    parts: list[str] = []
    if summary.is_diff:
        parts.append(
            f"{summary.added} added, {summary.changed} changed, {len(summary.removed)} removed"
        )
    else:
        parts.append(f"{summary.packages} packages")
    levels = [f"{n} {label}" for label, n in summary.by_level.items()]
    parts.append(", ".join(levels) if levels else "no findings")
    parts.append(f"{summary.unknown} unknown")
    parts.append(f"{summary.suppressed} suppressed")
    parts.append(f"{summary.errors} errors" if summary.errors != 1 else "1 error")
    return parts


def _fit(text: str, width: int) -> str:
    if width <= 0 or len(text) <= width:
        return text
    return text[: max(width - 1, 0)] + "…"


def _render_rows(
    header: Sequence[str], rows: Sequence[Sequence[str]], width: int | None
) -> list[str]:
    """Left-aligned columns; the last column is cut to ``width`` when one is given."""
    cols = len(header)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(cols - 1)]
    lines: list[str] = []
    for row in [header, *rows]:
        head = "  ".join(cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=True))
        last = row[-1]
        if width is not None:
            last = _fit(last, max(width - len(head) - 2, 20))
        lines.append(f"{head}  {last}".rstrip())
    return lines


def format_table(
    report: Report,
    *,
    settings: Settings,
    min_level: Level,
    width: int | None = None,
) -> str:
    """The plain-text table: one row per package at or above ``min_level``, then a summary.

    ``width`` (a terminal width) cuts the reason column so rows do not wrap;
    None keeps whole reasons (piped output).
    """
    graph = report.graph
    source = one_line(report.lockfile_display or graph.path, 200)
    lines = [
        f"depview {'diff' if summarize(report).is_diff else 'scan'}: {source} "
        f"({one_line(graph.format, 40)}), as of {report.as_of:%Y-%m-%d %H:%M}Z",
        "",
    ]
    shown = shown_entries(report, min_level)
    is_diff = summarize(report).is_diff
    if shown:
        header = ["LEVEL", "PACKAGE", "FLAGS"]
        if is_diff:
            header.append("CHANGE")
        header += ["PIN", "REASON"]
        rows: list[list[str]] = []
        for e in shown:
            row = [_label(e), one_line(str(e.id), NAME_LIMIT), flags(e) or "-"]
            if is_diff:
                row.append(change_text(e) or "-")
            row += [pin_text(e), reason(e)]
            rows.append(row)
        lines += _render_rows(header, rows, width)
    else:
        lines.append(f"No packages at or above {min_level.label}.")
    summary = summarize(report)
    lines += ["", "Summary: " + " · ".join(summary_parts(summary))]
    if summary.removed:
        names = [one_line(str(p), NAME_LIMIT) for p in summary.removed[:REMOVED_LIMIT]]
        more = len(summary.removed) - REMOVED_LIMIT
        lines.append("Removed: " + ", ".join(names) + (f", +{more} more" if more > 0 else ""))
    suppressed = [e for e in report.entries if e.suppressed]
    if suppressed:
        lines.append(
            "Suppressed (triaged): "
            + ", ".join(
                f"{one_line(str(e.id), NAME_LIMIT)} ({e.triage.state if e.triage else ''})"
                for e in suppressed[:REMOVED_LIMIT]
            )
            + (
                f", +{len(suppressed) - REMOVED_LIMIT} more"
                if len(suppressed) > REMOVED_LIMIT
                else ""
            )
        )
    fail_on = settings.fail_on
    if fail_on > Level.NONE:
        worst = report.worst()
        verdict = "FAIL" if worst >= fail_on else "ok"
        lines.append(f"Result: {verdict} (--fail-on {fail_on.label}; worst counted: {worst.label})")
    return "\n".join(lines) + "\n"
