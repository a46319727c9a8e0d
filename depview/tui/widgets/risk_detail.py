"""The "why risky" text: findings, evidence, timeline, scripts, advisories. Pure builders.

Each function returns a :class:`rich.text.Text` assembled piece by piece with
explicit styles; registry and lockfile strings pass through
:mod:`depview.textsafe` first and are never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from rich.text import Text

from depview.metadata import Advisory, PackageMetadata, Unavailable
from depview.model import PackageId
from depview.report.limits import elide_path
from depview.risk.model import Finding, Level, Verdict
from depview.textsafe import clean, one_line
from depview.tui.state import Session
from depview.tui.timeline import (
    Release,
    dependency_changes,
    major_of,
    previous_version,
    releases,
)
from depview.tui.view import (
    LEVEL_STYLE,
    LEVEL_SYMBOL,
    Shown,
    badges,
    level_text,
    level_word,
    triage_text,
)

__all__ = [
    "advisories_text",
    "dependency_changes_text",
    "evidence_lines",
    "findings_text",
    "format_value",
    "header_text",
    "install_scripts_text",
    "path_text",
    "preview_text",
    "suggestion_text",
    "timeline_strips",
    "timeline_text",
]

MAX_LIST = 12
TIMELINE_ROWS = 14


def stamp(when: datetime | None) -> str:
    if when is None:
        return "unknown date"
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def format_value(value: Any, limit: int = 400) -> str:
    """A JSON-ish evidence value in words (plain, one line)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return stamp(value)
    if isinstance(value, str):
        return one_line(value, limit)
    if isinstance(value, Mapping):
        items = list(value.items())
        parts = [f"{one_line(k, 80)}: {format_value(v, 120)}" for k, v in items[:MAX_LIST]]
        if len(items) > MAX_LIST:
            parts.append(f"… {len(items) - MAX_LIST} more")
        return one_line("; ".join(parts), limit)
    if isinstance(value, list | tuple | set | frozenset):
        seq = sorted(value, key=str) if isinstance(value, set | frozenset) else list(value)
        parts = [format_value(v, 120) for v in seq[:MAX_LIST]]
        if len(seq) > MAX_LIST:
            parts.append(f"… {len(seq) - MAX_LIST} more")
        return one_line(", ".join(parts) if parts else "none", limit)
    return one_line(str(value), limit)


def evidence_lines(evidence: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [
        (one_line(str(key), 60).replace("_", " "), format_value(value))
        for key, value in evidence.items()
    ]


def header_text(session: Session, pid: PackageId) -> Text:
    """``‼ axios 1.14.1  critical · score 98`` and the lockfile facts under it."""
    pkg = session.package(pid)
    verdict = session.verdicts.get(pid)
    shown = session.shown(pid)
    text = Text()
    text.append(LEVEL_SYMBOL[shown] + " ", style=LEVEL_STYLE[shown])
    text.append(one_line(pid.name, 200), style="bold")
    text.append(" ")
    text.append(one_line(pid.version, 80), style="bold")
    text.append("  ")
    text.append(level_word(shown), style=LEVEL_STYLE[shown])
    if verdict is not None:
        text.append(f" · score {verdict.score}", style="dim")
    mark = session.marks.get(pid)
    if mark is not None:
        text.append("  ")
        text.append_text(triage_text(mark, session.instant))
    facts: list[str] = []
    facts.append("direct dependency" if pid in session.graph.direct() else "transitive dependency")
    if pkg is not None:
        if pkg.dev:
            facts.append("development only")
        if pkg.optional:
            facts.append("optional")
        facts.append(f"source: {pkg.source.kind.value}")
        if pkg.source.url:
            facts.append(one_line(pkg.source.url, 120))
        if pkg.has_install_script:
            facts.append("lockfile records an install script")
        if pkg.integrity is None:
            facts.append("no integrity hash in the lockfile")
        if pkg.line is not None:
            facts.append(f"lockfile line {pkg.line}")
    if verdict is not None and (verdict.published or verdict.publisher):
        pub = f"published {stamp(verdict.published)}"
        if verdict.publisher:
            pub += f" by {one_line(verdict.publisher, 120)}"
        facts.append(pub)
    text.append("\n")
    text.append(" · ".join(facts), style="dim")
    chips = badges(pkg, verdict, session.instant)
    if chips:
        text.append("\nbadges: ", style="dim")
        text.append(" ".join(chips))
    return text


def _sorted_findings(verdict: Verdict) -> list[Finding]:
    return sorted(verdict.findings, key=lambda f: -int(f.severity))


def findings_text(session: Session, pid: PackageId) -> Text:
    verdict = session.verdicts.get(pid)
    text = Text()
    if verdict is None:
        if session.failure is not None:
            text.append("unknown: ", style=LEVEL_STYLE[Shown.UNKNOWN])
            text.append(f"enrichment failed ({one_line(session.failure, 300)}); ")
            text.append("nothing is known about this package, which is not the same as safe.")
        elif session.finished:
            text.append("unknown: ", style=LEVEL_STYLE[Shown.UNKNOWN])
            text.append("no verdict was produced for this package (see errors below).")
        elif pid in session.judged:
            text.append("waiting for registry data…", style="dim italic")
        else:
            text.append(
                "not judged (development dependency left out, or project node)", style="dim"
            )
        return text
    if verdict.unknown:
        text.append("? registry data unavailable: ", style=LEVEL_STYLE[Shown.UNKNOWN])
        text.append("the facts below are what could be checked; the rest is unknown, not safe.\n\n")
    if not verdict.findings:
        text.append(
            "no findings: nothing in the lockfile or the registry data raised a signal.",
            style="green",
        )
        return text
    for i, finding in enumerate(_sorted_findings(verdict)):
        if i:
            text.append("\n\n")
        text.append_text(level_text(finding.severity))
        text.append("  ")
        text.append(one_line(finding.kind, 40), style="bold")
        text.append(" — ")
        text.append(one_line(finding.title, 300), style="bold")
        if finding.detail:
            text.append("\n")
            text.append(clean(finding.detail, 2000))
        pairs = [(k, v) for k, v in evidence_lines(finding.evidence) if v not in ("—", "none", "")]
        if pairs:
            text.append("\n")
            text.append("evidence ", style="dim italic")
            for j, (key, value) in enumerate(pairs):
                if j:
                    text.append(" · ", style="dim")
                text.append(f"{key}: ", style="dim")
                text.append(value)
    return text


def suggestion_text(session: Session, pid: PackageId) -> Text:
    verdict = session.verdicts.get(pid)
    text = Text()
    if verdict is None or verdict.suggestion is None:
        if verdict is not None and verdict.level >= Level.HIGH:
            text.append("no suggestion was produced", style="dim")
        else:
            text.append("no change advised", style="dim")
        return text
    sug = verdict.suggestion
    if sug.version is None:
        text.append("no safe version to pin: ", style="bold red")
    else:
        text.append("pin ", style="bold")
        text.append(f"{one_line(pid.name, 200)}@{one_line(sug.version, 80)}", style="bold green")
        text.append(" — ")
    text.append(clean(sug.reason, 1000))
    return text


def path_text(path: Sequence[PackageId]) -> Text:
    """``a@1 › b@2 › c@3``; a long path as its first and last packages around ``… N more …``."""
    head, tail = elide_path(path)
    text = Text(no_wrap=True, overflow="ellipsis")
    shown = len(head) + len(tail)
    for i, pid in enumerate((*head, *tail)):
        if i:
            text.append(" › ", style="dim")
        if tail and i == len(head):
            text.append(f"… {len(path) - shown:,} more …", style="dim italic")
            text.append(" › ", style="dim")
        text.append(one_line(pid.name, 120), style="bold" if i == shown - 1 else "")
        text.append("@" + one_line(pid.version, 60), style="dim")
    return text


def _meta(session: Session, pid: PackageId) -> PackageMetadata | Unavailable | None:
    return session.metadata(pid)


def _unavailable_text(meta: PackageMetadata | Unavailable | None, session: Session) -> Text | None:
    if meta is None:
        if session.finished:
            return Text("no registry data for this package", style="dim")
        return Text("waiting for registry data…", style="dim italic")
    if isinstance(meta, Unavailable):
        text = Text("registry data unavailable: ", style=LEVEL_STYLE[Shown.UNKNOWN])
        text.append(f"{one_line(meta.source, 20)}: {one_line(meta.reason, 300)}")
        return text
    if meta.not_found:
        return Text("the registry does not know this name", style="bold red")
    return None


def _window(rel: list[Release], rows: int) -> tuple[list[Release], int]:
    """The last ``rows`` releases, or a window around the locked one; (window, skipped-before)."""
    if len(rel) <= rows:
        return rel, 0
    idx = next((i for i, r in enumerate(rel) if r.locked), len(rel) - 1)
    end = min(len(rel), max(idx + 4, rows))
    start = max(0, end - rows)
    return rel[start:end], start


def _provenance_of(r: Release) -> bool:
    return bool(r.info.provenance or r.info.trusted_publisher)


def timeline_strips(session: Session, pid: PackageId, width: int = 48) -> Text | None:
    """One character per release (oldest left): provenance, publisher, install script."""
    meta = _meta(session, pid)
    if not isinstance(meta, PackageMetadata) or meta.not_found:
        return None
    rel = [r for r in releases(meta, pid.version) if not r.info.unpublished]
    if not rel:
        return None
    major = major_of(meta.ecosystem, pid.version)
    line = [r for r in rel if major is not None and major_of(meta.ecosystem, r.version) == major]
    scope = "all releases"
    if len(line) >= 3 and len(line) < len(rel):
        rel = line
        scope = f"the {one_line(str(major), 20)}.x line"
    window, _ = _window(rel, width)
    publishers: dict[str, str] = {}
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    names: dict[str, str] = {}
    for r in window:
        who = _publisher(r)
        if who not in publishers:
            publishers[who] = letters[len(publishers)] if len(publishers) < len(letters) else "*"
            names[publishers[who]] = who
    text = Text()
    text.append(f"{scope}: last {len(window)} releases, oldest → newest; ")
    text.append("▼", style="bold reverse")
    text.append(" = the locked version\n")
    text.append("             ")
    for r in window:
        text.append("▼" if r.locked else " ", style="bold")
    text.append("\nprovenance   ")
    for r in window:
        ok = _provenance_of(r)
        style = ("green" if ok else "bold red") + (" reverse" if r.locked else "")
        text.append("■" if ok else "□", style=style)
    text.append("   ■ provenance / trusted publishing  □ none", style="dim")
    text.append("\npublisher    ")
    for r in window:
        letter = publishers[_publisher(r)]
        text.append(letter, style="bold reverse" if r.locked else "")
    text.append("\ninstall      ")
    for r in window:
        has = r.info.has_install_script
        text.append(
            "!" if has else "·",
            style=("bold magenta" if has else "dim") + (" reverse" if r.locked else ""),
        )
    text.append("   ! install script", style="dim")
    for letter, who in sorted(names.items()):
        text.append(f"\n  {letter} = ")
        text.append(one_line(who, 160))
    return text


def _publisher(r: Release) -> str:
    info = r.info
    if info.publisher is not None:
        who = str(info.publisher)
    else:
        who = "unknown publisher"
    if info.trusted_publisher:
        who += f" (trusted: {info.trusted_publisher})"
    return one_line(who, 160)


def timeline_text(session: Session, pid: PackageId) -> Text:
    meta = _meta(session, pid)
    missing = _unavailable_text(meta, session)
    if missing is not None:
        return missing
    assert isinstance(meta, PackageMetadata)
    rel = releases(meta, pid.version)
    if not rel:
        return Text("no releases known before the as-of instant", style="dim")
    window, skipped = _window(rel, TIMELINE_ROWS)
    width = max(len(one_line(r.version, 40)) for r in window)
    text = Text(no_wrap=True, overflow="ellipsis")
    if skipped:
        text.append(f"… {skipped} earlier releases\n", style="dim")
    for i, r in enumerate(window):
        if i:
            text.append("\n")
        info = r.info
        text.append(stamp(info.published)[:16].ljust(16), style="dim")
        text.append("  ")
        text.append(
            one_line(r.version, 40).ljust(width), style="bold reverse" if r.locked else "bold"
        )
        text.append(" ◀ locked" if r.locked else "         ", style="bold")
        text.append("  ")
        if _provenance_of(r):
            text.append("prov ✓", style="green")
        else:
            text.append("prov ✗", style="bold red" if r.locked else "red")
        text.append("  ")
        text.append("inst" if info.has_install_script else "    ", style="bold magenta")
        if info.unpublished:
            text.append("  unpublished", style="bold red")
        if info.deprecated:
            text.append("  deprecated", style="dim")
        if info.yanked:
            text.append("  yanked", style="dim")
        text.append("  ")
        text.append(_publisher(r))
    after = len(rel) - skipped - len(window)
    if after > 0:
        text.append(f"\n… {after} later releases", style="dim")
    return text


def dependency_changes_text(session: Session, pid: PackageId) -> Text:
    meta = _meta(session, pid)
    missing = _unavailable_text(meta, session)
    if missing is not None:
        return missing
    assert isinstance(meta, PackageMetadata)
    this = meta.versions.get(pid.version)
    if this is None:
        return Text("this version is not in the registry data", style="bold red")
    prev = previous_version(meta, pid.version)
    if prev is None:
        return Text("no earlier version to compare with", style="dim")
    before_info = meta.versions[prev]
    before = {**before_info.dependencies, **before_info.optional_dependencies}
    after = {**this.dependencies, **this.optional_dependencies}
    changes = dependency_changes(before, after)
    text = Text()
    text.append("versus ")
    text.append(one_line(prev, 60), style="bold")
    text.append(": ")
    if not changes:
        text.append("no dependency changes", style="dim")
        return text
    for change in changes:
        text.append("\n")
        name = one_line(change.name, 200)
        if change.kind == "added":
            text.append("+ ", style="bold green")
            text.append(name, style="bold")
            text.append(f" {one_line(change.after, 80)}  (new dependency)")
        elif change.kind == "removed":
            text.append("- ", style="bold red")
            text.append(name)
            text.append(f" {one_line(change.before, 80)}  (removed)", style="dim")
        else:
            text.append("~ ", style="yellow")
            text.append(name)
            text.append(f" {one_line(change.before, 80)} → {one_line(change.after, 80)}")
    return text


def install_scripts_text(session: Session, pid: PackageId) -> Text:
    meta = _meta(session, pid)
    pkg = session.package(pid)
    text = Text()
    scripts: Mapping[str, str] = {}
    if isinstance(meta, PackageMetadata) and pid.version in meta.versions:
        scripts = meta.versions[pid.version].install_scripts
    if not scripts:
        verdict = session.verdicts.get(pid)
        for f in verdict.findings if verdict is not None else ():
            raw = (
                f.evidence.get("scripts")
                if f.kind in ("install-script", "new-install-script")
                else None
            )
            if isinstance(raw, Mapping):
                scripts = {str(k): str(v) for k, v in raw.items()}
                break
    if scripts:
        for i, (hook, command) in enumerate(sorted(scripts.items())):
            if i:
                text.append("\n")
            text.append(f"{one_line(hook, 40)}: ", style="bold magenta")
            # Verbatim, but inert: escapes and control characters removed.
            text.append(clean(command, 4000))
        return text
    if pkg is not None and pkg.has_install_script:
        text.append("the lockfile records an install script", style="magenta")
        if not isinstance(meta, PackageMetadata):
            text.append("; its commands arrive with the registry data", style="dim")
        return text
    text.append("none", style="dim")
    return text


def _advisory_block(text: Text, adv: Advisory) -> None:
    text.append("■ " if adv.malicious else "● ", style="bold red" if adv.malicious else "yellow")
    text.append(one_line(adv.id, 80), style="bold")
    if adv.aliases:
        text.append(f"  ({format_value(list(adv.aliases), 200)})", style="dim")
    if adv.malicious:
        text.append("  MALWARE", style="bold white on red")
    if adv.severity or adv.cvss_score is not None:
        sev = one_line(adv.severity or "", 80)
        if adv.cvss_score is not None:
            sev = f"{sev} {adv.cvss_score:.1f}".strip()
        text.append(f"  severity {sev}", style="bold")
    if adv.summary:
        text.append("\n  ")
        text.append(one_line(adv.summary, 400))
    text.append("\n  fixed in: ", style="dim")
    text.append(format_value(list(adv.fixed)) if adv.fixed else "no fixed version")
    for ref in adv.references[:5]:
        text.append("\n  ")
        text.append(one_line(ref, 300), style="underline")
    if len(adv.references) > 5:
        text.append(f"\n  … {len(adv.references) - 5} more links", style="dim")


def advisories_text(session: Session, pid: PackageId) -> Text:
    found = session.advisories(pid)
    text = Text()
    if isinstance(found, Unavailable):
        text.append("advisory data unavailable: ", style=LEVEL_STYLE[Shown.UNKNOWN])
        text.append(one_line(found.reason, 300))
        return text
    if found:
        for i, adv in enumerate(found):
            if i:
                text.append("\n")
            _advisory_block(text, adv)
        return text
    verdict = session.verdicts.get(pid)
    fromfindings = [
        f for f in (verdict.findings if verdict else ()) if f.kind in ("advisory", "malware")
    ]
    if fromfindings:
        for i, f in enumerate(fromfindings):
            if i:
                text.append("\n")
            text.append("● ", style="yellow")
            text.append(one_line(f.title, 300), style="bold")
            for key, value in evidence_lines(f.evidence):
                text.append(f"\n  {key}: ", style="dim")
                text.append(value)
        return text
    if found is None and not session.finished:
        text.append("waiting for advisory data…", style="dim italic")
    else:
        text.append("none known", style="dim")
    return text


def errors_text(session: Session, pid: PackageId) -> Text | None:
    errs = session.errors_for(pid)
    if not errs and session.failure is None:
        return None
    text = Text()
    if session.failure is not None:
        text.append("enrichment failed: ", style="bold red")
        text.append(one_line(session.failure, 400))
    for err in errs[:10]:
        if text:
            text.append("\n")
        text.append(f"{one_line(err.source, 20)}: ", style="bold")
        text.append(one_line(err.message, 400))
    return text


def preview_text(session: Session, pid: PackageId) -> Text:
    """The side pane: header, finding titles and the suggestion, compactly."""
    text = header_text(session, pid)
    verdict = session.verdicts.get(pid)
    text.append("\n\n")
    if verdict is None:
        text.append_text(findings_text(session, pid))
    elif not verdict.findings:
        text.append("no findings", style="green")
    else:
        for i, f in enumerate(_sorted_findings(verdict)):
            if i:
                text.append("\n")
            text.append(LEVEL_SYMBOL[f.severity] + " ", style=LEVEL_STYLE[f.severity])
            text.append(one_line(f.title, 200))
            if f.detail:
                text.append("\n  ")
                text.append(one_line(f.detail, 240), style="dim")
    if verdict is not None and verdict.suggestion is not None:
        text.append("\n\n")
        text.append_text(suggestion_text(session, pid))
    mark = session.marks.get(pid)
    if mark is not None and mark.note:
        text.append("\n\nnote: ", style="dim")
        text.append(one_line(mark.note, 300))
    text.append("\n\nenter: full details · t: triage", style="dim italic")
    return text
