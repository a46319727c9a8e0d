"""A compact Markdown report for a pull-request comment.

A title and summary counts, a table of the packages at or above the threshold
(level, package, one-line reason, suggested pin; the change for ``diff``), then
one collapsible ``<details>`` section per package with every finding.

Registry and lockfile strings are attacker-controlled. Prose goes through
:func:`md_text` (every Markdown/HTML special backslash-escaped, so nothing
becomes a link, an image, HTML, emphasis or a table cell break); identifiers go
through :func:`md_code` (a code span, where nothing is interpreted); the
``<summary>`` line is raw HTML, so its text goes through :func:`html_text`.
The whole comment stays under GitHub's 65,536-character limit.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from depview.config import Settings
from depview.model import PackageId
from depview.report.limits import elide_path
from depview.report.model import Entry, Report
from depview.report.table import (
    change_text,
    pin_text,
    reason,
    shown_entries,
    strongest,
    summarize,
    summary_parts,
)
from depview.risk.model import Level
from depview.textsafe import one_line

__all__ = ["format_markdown", "html_text", "md_code", "md_text"]

#: GitHub rejects comments over 65,536 characters; keep room for a wrapper.
DEFAULT_BUDGET = 60_000
PATHS_SHOWN = 3
REMOVED_SHOWN = 50

# Every ASCII punctuation character that means something to CommonMark, GFM
# (tables, strikethrough, autolinks: ``:`` ``@`` ``.``), GitHub math (``$``) or HTML.
_SPECIAL = re.compile(r"""([\\`*_{}\[\]()<>#+\-.!|~&:@$^"'=])""")
_BACKTICKS = re.compile(r"`+")

_ICON = {
    Level.CRITICAL: "🔴",
    Level.HIGH: "🟠",
    Level.MEDIUM: "🟡",
    Level.LOW: "🔵",
    Level.INFO: "⚪",
    Level.NONE: "⚪",
}


def md_text(text: object, limit: int | None = 300) -> str:
    """One line of inert Markdown prose: every special character backslash-escaped."""
    return _SPECIAL.sub(r"\\\1", one_line(text, limit))


def md_code(text: object, limit: int | None = 120, *, in_table: bool = False) -> str:
    """A code span holding ``text`` verbatim (fence longer than any backtick run in it)."""
    s = one_line(text, limit)
    if not s:
        return ""
    longest = max((len(m.group()) for m in _BACKTICKS.finditer(s)), default=0)
    fence = "`" * (longest + 1)
    if s.startswith(("`", " ")) or s.endswith(("`", " ")):
        s = f" {s} "
    if in_table:
        s = s.replace("|", "\\|")  # GFM splits cells before code spans are parsed
    return f"{fence}{s}{fence}"


def html_text(text: object, limit: int | None = 200) -> str:
    """Text for a raw-HTML context (``<summary>``): entities for ``< > & " '``."""
    return html.escape(one_line(text, limit), quote=True)


def _level(entry: Entry) -> str:
    verdict = entry.verdict
    if verdict is None or (verdict.unknown and entry.level == Level.NONE):
        return "❔ unknown"
    return f"{_ICON[entry.level]} {entry.level.label}"


def _package_cell(entry: Entry) -> str:
    cell = md_code(str(entry.id), in_table=True)
    marks = []
    if entry.direct:
        marks.append("direct")
    if entry.package.dev:
        marks.append("dev")
    if entry.triage is not None:
        marks.append(md_text(entry.triage.state, 20))
    return f"{cell} ({', '.join(marks)})" if marks else cell


def _table_code(version: str) -> str:
    return md_code(version, 40, in_table=True)


def _change_cell(entry: Entry) -> str:
    return change_text(entry, "→", _table_code)


def _pin_cell(entry: Entry) -> str:
    text = pin_text(entry)
    if entry.verdict is None or entry.verdict.suggestion is None:
        return "–"
    if entry.verdict.suggestion.version is None:
        return md_text(text)
    return md_code(text, 60, in_table=True)


def _details(entry: Entry) -> str:
    verdict = entry.verdict
    findings = strongest(verdict.findings) if verdict else []
    label = entry.level.label if verdict is not None and not verdict.unknown else "unknown"
    change = change_text(entry, "→")
    head = f"{html_text(str(entry.id))} · {html_text(label)}"
    if change:
        head += f" · {html_text(change)}"
    head += f" · {len(findings)} finding{'s' if len(findings) != 1 else ''}"
    lines = [f"<details><summary>{head}</summary>", ""]
    if not findings:
        lines.append("- " + md_text(reason(entry)))
    for f in findings:
        line = f"- **{f.severity.label}** {md_text(f.kind, 40)}: {md_text(f.title, 200)}"
        detail = one_line(f.detail, 1000)
        if detail and detail != one_line(f.title, 200):
            line += f" — {md_text(detail, 1000)}"
        lines.append(line)
    lines.append("")
    if entry.paths:
        shown = [
            _path_text(path, entry.path_length(i))
            for i, path in enumerate(entry.paths[:PATHS_SHOWN])
        ]
        lines.append("Why it is here: " + "; ".join(shown))
        lines.append("")
    if verdict is not None and verdict.suggestion is not None:
        pin = verdict.suggestion
        target = md_code(pin.version, 60) if pin.version else "no safe version"
        lines.append(f"Suggested pin: {target} — {md_text(pin.reason, 400)}")
        lines.append("")
    if entry.triage is not None:
        note = md_text(entry.triage.note, 400) if entry.triage.note else "no note"
        lines.append(f"Triage: **{md_text(entry.triage.state, 20)}** — {note}")
        lines.append("")
    lines.append("</details>")
    return "\n".join(lines)


def _path_text(path: Sequence[PackageId], length: int) -> str:
    """``a › b › c``; a long path as its first and last packages around ``… N more …``."""
    head, tail = elide_path(path, length)
    parts = [md_code(str(p), 80) for p in head]
    if tail:
        parts.append(f"… {length - len(head) - len(tail)} more …")
        parts.extend(md_code(str(p), 80) for p in tail)
    return " › ".join(parts)


def format_markdown(
    report: Report,
    *,
    settings: Settings,
    min_level: Level,
    budget: int = DEFAULT_BUDGET,
) -> str:
    """The PR-comment report; rows and details are cut (with a note) to fit ``budget``."""
    summary = summarize(report)
    source = md_code(report.lockfile_display or report.graph.path, 200)
    kind = "diff" if summary.is_diff else "scan"
    shown = shown_entries(report, min_level)
    fail_on = settings.fail_on
    worst = report.worst()

    head: list[str] = [f"### depview {kind}: {source}", ""]
    head.append(
        f"{md_text(report.graph.format, 40)} · {md_text(report.graph.ecosystem, 10)} · "
        f"as of {report.as_of:%Y-%m-%d %H:%M} UTC"
    )
    head.append("")
    head.append("**Summary:** " + " · ".join(md_text(p, 200) for p in summary_parts(summary)))
    head.append("")
    if fail_on > Level.NONE:
        if worst >= fail_on:
            head.append(f"❌ **Fails** `--fail-on {fail_on.label}` (worst counted: {worst.label})")
        else:
            head.append(f"✅ Nothing at or above `{fail_on.label}` (worst counted: {worst.label})")
        head.append("")
    if summary.removed:
        names = [md_code(str(p), 80) for p in summary.removed[:REMOVED_SHOWN]]
        more = len(summary.removed) - REMOVED_SHOWN
        head.append("**Removed:** " + ", ".join(names) + (f", +{more} more" if more > 0 else ""))
        head.append("")
    suppressed = [e for e in report.entries if e.suppressed]
    if suppressed:
        names = [
            f"{md_code(str(e.id), 80)} ({md_text(e.triage.state if e.triage else '', 20)})"
            for e in suppressed[:REMOVED_SHOWN]
        ]
        more = len(suppressed) - REMOVED_SHOWN
        head.append(
            "**Suppressed (triaged):** "
            + ", ".join(names)
            + (f", +{more} more" if more > 0 else "")
        )
        head.append("")

    if not shown:
        head.append(f"No packages at or above **{min_level.label}**.")
        return "\n".join(head) + "\n"

    is_diff = summary.is_diff
    columns = ["Level", "Package"] + (["Change"] if is_diff else []) + ["Reason", "Suggested pin"]
    table = [
        f"**{len(shown)} package{'s' if len(shown) != 1 else ''} at or above {min_level.label}:**",
        "",
        "| " + " | ".join(columns) + " |",
        "|" + "---|" * len(columns),
    ]
    rows: list[str] = []
    for e in shown:
        cells = [_level(e), _package_cell(e)]
        if is_diff:
            cells.append(_change_cell(e))
        cells += [md_text(reason(e), 300), _pin_cell(e)]
        rows.append("| " + " | ".join(cells) + " |")

    out = "\n".join(head).rstrip("\n")
    used = len(out) + sum(len(x) + 1 for x in table) + 200
    kept_rows: list[str] = []
    for row in rows:
        if used + len(row) + 1 > budget * 0.6:
            break
        kept_rows.append(row)
        used += len(row) + 1
    parts = [out, "\n".join(table + kept_rows)]
    if len(kept_rows) < len(rows):
        parts.append(
            f"_{len(rows) - len(kept_rows)} more rows not shown (comment size limit); "
            "see the SARIF or JSON report._"
        )
    details: list[str] = []
    for e in shown[: len(kept_rows)]:
        block = _details(e)
        if used + len(block) + 2 > budget:
            break
        details.append(block)
        used += len(block) + 2
    if details:
        parts.append("#### Details\n\n" + "\n\n".join(details))
    if len(details) < len(kept_rows):
        parts.append(f"_Details of {len(kept_rows) - len(details)} more packages not shown._")
    return "\n\n".join(parts) + "\n"
