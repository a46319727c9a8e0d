"""The contract's JSON report, ``depview/report@1``.

Bounded whatever the input (:mod:`depview.report.limits`): a path longer than
20 packages keeps its first and last 10 and the entry gains ``path_length``;
no string is longer than 16,384 characters.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from depview import __version__
from depview.report.limits import cap_strings, elide_path
from depview.report.model import Entry, Report
from depview.textsafe import json_safe

__all__ = ["SCHEMA", "format_json", "iso", "report_dict"]

SCHEMA = "depview/report@1"


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _entry(entry: Entry) -> dict[str, Any]:
    pkg = entry.package
    verdict = entry.verdict
    paths: list[list[str]] = []
    path_length = 0
    for i, path in enumerate(entry.paths):
        length = entry.path_length(i)
        head, tail = elide_path(path, length)
        if tail:
            path_length = max(path_length, length)
        paths.append([str(p) for p in (*head, *tail)])
    out: dict[str, Any] = {
        "purl": pkg.id.purl,
        "ecosystem": pkg.id.ecosystem,
        "name": pkg.id.name,
        "version": pkg.id.version,
        "direct": entry.direct,
        "dev": pkg.dev,
        "optional": pkg.optional,
        "paths": paths,
        "level": entry.level.label,
        "score": verdict.score if verdict else 0,
        "published": iso(verdict.published) if verdict else None,
        "publisher": verdict.publisher if verdict else None,
        "findings": [
            {
                "kind": f.kind,
                "severity": f.severity.label,
                "title": f.title,
                "detail": f.detail,
                "evidence": json_safe(f.evidence),
            }
            for f in (verdict.findings if verdict else ())
        ],
        "suggestion": (
            {"version": verdict.suggestion.version, "reason": verdict.suggestion.reason}
            if verdict and verdict.suggestion
            else None
        ),
        "source": {"kind": pkg.source.kind.value, "url": pkg.source.url},
        "line": pkg.line,
        "unknown": bool(verdict.unknown) if verdict else True,
    }
    if path_length:
        # the paths were shortened to their first and last packages: their real length
        out["path_length"] = path_length
    if pkg.has_install_script is not None:
        out["has_install_script"] = pkg.has_install_script
    if entry.triage is not None:
        out["triage"] = {
            "state": entry.triage.state,
            "note": entry.triage.note,
            "expires": iso(entry.triage.expires),
        }
    if entry.change is not None:
        out["change"] = {"from": entry.change.from_version, "to": entry.change.to_version}
    return out


def report_dict(report: Report) -> dict[str, Any]:
    graph = report.graph
    summary: dict[str, Any] = {
        "packages": len(report.entries),
        "by_level": report.by_level(),
    }
    suppressed = [e.id.purl for e in report.entries if e.suppressed]
    if suppressed:
        summary["suppressed"] = suppressed
    if report.removed:
        summary["removed"] = [p.purl for p in report.removed]
    return {
        "schema": SCHEMA,
        "tool": {"name": "depview", "version": __version__},
        "generated_at": iso(report.generated_at),
        "as_of": iso(report.as_of),
        "source": {
            "path": report.lockfile_display or graph.path,
            "format": graph.format,
            "ecosystem": graph.ecosystem,
        },
        "packages": [_entry(e) for e in report.entries],
        "summary": summary,
        "errors": [
            {"source": e.source, "package": e.package, "message": e.message} for e in report.errors
        ],
    }


def format_json(report: Report) -> str:
    doc = cap_strings(json_safe(report_dict(report)))
    return json.dumps(doc, indent=2, ensure_ascii=True) + "\n"
