"""SARIF 2.1.0 for GitHub code scanning: one rule per finding kind, one result per finding.

Each result points at the lockfile line where the package is declared
(``artifactLocation.uri`` relative to the repository, ``uriBaseId``
``%SRCROOT%``), carries the package purl, a numeric ``security-severity`` and a
stable fingerprint. Findings on packages triaged as accepted or ignored are
kept, with an ``external`` suppression (GitHub shows them as dismissed).

GitHub reads ``security-severity`` from the *rule*; a rule's value is the
kind's typical severity, and each result also carries its own.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from depview import __version__
from depview.config import Settings
from depview.report.json import iso
from depview.report.limits import cap_strings
from depview.report.model import Entry, Report
from depview.risk.model import KINDS, Finding, Level
from depview.textsafe import one_line

__all__ = [
    "RULES",
    "SARIF_SCHEMA",
    "SECURITY_SEVERITY",
    "format_sarif",
    "lockfile_uri",
    "sarif_dict",
    "sarif_level",
]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/depview/"
MESSAGE_LIMIT = 2000

#: severity -> SARIF ``security-severity`` (GitHub: >9 critical, 7-8.9 high, 4-6.9 medium, <4 low).
SECURITY_SEVERITY: dict[Level, str] = {
    Level.CRITICAL: "9.5",
    Level.HIGH: "8.0",
    Level.MEDIUM: "5.5",
    Level.LOW: "3.0",
    Level.INFO: "1.0",
    Level.NONE: "0.0",
}


def sarif_level(severity: Level) -> str:
    """critical/high -> error, medium -> warning, low/info -> note."""
    if severity >= Level.HIGH:
        return "error"
    if severity == Level.MEDIUM:
        return "warning"
    if severity > Level.NONE:
        return "note"
    return "none"


@dataclass(frozen=True, slots=True)
class Rule:
    """What one finding kind means, for the SARIF rule (``reportingDescriptor``)."""

    kind: str
    name: str  # PascalCase, as SARIF rule names usually are
    short: str
    full: str
    help: str
    severity: Level  # typical severity: the rule's default level and security-severity


RULES: dict[str, Rule] = {
    r.kind: r
    for r in (
        Rule(
            "advisory",
            "KnownVulnerability",
            "A known vulnerability affects this version",
            "An OSV / GitHub security advisory lists the locked version as affected.",
            "The locked version is inside the affected range of a published advisory. "
            "Read the advisory (ids and aliases are in the result), then upgrade to a fixed "
            "version or the suggested pin; if the vulnerable code is unreachable, triage the "
            "package as accepted with a note.",
            Level.HIGH,
        ),
        Rule(
            "malware",
            "MaliciousPackage",
            "This version or package is marked malicious",
            "An advisory (OSV MAL-*, GitHub malware advisory) or a registry security placeholder "
            "marks this package or version as malicious.",
            "Malicious packages usually steal credentials or install a backdoor at install time. "
            "Remove the package or pin a version published before the compromise, and treat any "
            "machine that installed it as compromised: rotate the secrets it could read.",
            Level.CRITICAL,
        ),
        Rule(
            "unpublished",
            "UnpublishedVersion",
            "The locked version no longer exists on the registry",
            "The registry no longer serves the locked version (unpublished or removed).",
            "Registries remove versions for security reasons (malware take-downs) or at the "
            "author's request. A fresh install of this lockfile fails or pulls a different "
            "artifact. Move to a version that still exists.",
            Level.HIGH,
        ),
        Rule(
            "install-script",
            "InstallScript",
            "This version runs code at install time",
            "The package declares npm preinstall/install/postinstall scripts, an implicit "
            "node-gyp build, or (PyPI) ships no wheel so installing runs its build backend.",
            "Install scripts run with the installing user's rights before any of your code. "
            "Most are benign native builds; check the command, and install with "
            "--ignore-scripts where you can.",
            Level.LOW,
        ),
        Rule(
            "new-install-script",
            "NewInstallScript",
            "An install script appeared in this version",
            "This version has an install script that the version before it did not.",
            "A newly added install hook is the most common way compromised releases run their "
            "payload (event-stream, ua-parser-js, the 2026 axios compromise). Read the script "
            "before upgrading; pin the previous version if in doubt.",
            Level.HIGH,
        ),
        Rule(
            "recent-publish",
            "RecentPublish",
            "Published very recently",
            "The version was published less than the cooldown (default 7 days) before the "
            "as-of time.",
            "Malicious releases are usually detected and removed within days. Waiting out a "
            "cooldown before adopting new versions avoids most of them; pin the previous version "
            "until this one has aged.",
            Level.MEDIUM,
        ),
        Rule(
            "young-package",
            "YoungPackage",
            "The package itself is new",
            "The package's first release is less than 30 days old.",
            "Brand-new packages have no track record; attackers create them as fresh "
            "dependencies of compromised releases. Check that the dependency is expected.",
            Level.MEDIUM,
        ),
        Rule(
            "publisher-change",
            "PublisherChange",
            "Published by a new account",
            "This version was published by an account that published none of the previous "
            "versions.",
            "A release from an account that never published the package before can mean a "
            "hijacked or newly added maintainer. Compare with the project's announcements "
            "before trusting it.",
            Level.HIGH,
        ),
        Rule(
            "maintainer-change",
            "MaintainerChange",
            "The maintainers changed at this version",
            "The maintainer set, or a maintainer's e-mail address, changed at this version.",
            "Account takeovers often change the maintainer e-mail first. Verify the change "
            "with the project before adopting the release.",
            Level.MEDIUM,
        ),
        Rule(
            "provenance-dropped",
            "ProvenanceDropped",
            "Build provenance disappeared",
            "Earlier releases carried provenance or trusted-publisher evidence and this one "
            "does not.",
            "A release that bypasses the project's usual CI publishing (no provenance "
            "attestation, no trusted publisher) was likely published by hand, possibly with "
            "stolen credentials.",
            Level.HIGH,
        ),
        Rule(
            "new-dependency",
            "NewDependency",
            "A dependency appeared in this version",
            "This version depends on a package that the version before it did not.",
            "Compromised releases often add one small dependency that carries the payload. "
            "Check that the new dependency is expected.",
            Level.LOW,
        ),
        Rule(
            "deprecated",
            "Deprecated",
            "The version is deprecated",
            "The registry marks this version deprecated.",
            "Deprecated versions no longer get fixes; the deprecation message often names the "
            "replacement.",
            Level.LOW,
        ),
        Rule(
            "yanked",
            "Yanked",
            "The release is yanked",
            "The PyPI release is yanked.",
            "Maintainers yank releases that are broken or unsafe; installers skip them unless "
            "pinned exactly. Move to another release.",
            Level.MEDIUM,
        ),
        Rule(
            "typosquat",
            "Typosquat",
            "The name is confusingly close to a popular package",
            "The package name is a near miss of a much more popular package.",
            "Typosquatting packages imitate popular names to be installed by mistake. Check "
            "that this is the package you meant.",
            Level.HIGH,
        ),
        Rule(
            "non-registry-source",
            "NonRegistrySource",
            "Resolved outside the registry",
            "The package is resolved from git, a URL, a tarball or a local path, or has no "
            "integrity hash.",
            "Packages from outside the registry escape its malware scanning and can change "
            "under the same name; without an integrity hash a changed artifact goes unnoticed.",
            Level.MEDIUM,
        ),
        Rule(
            "integrity-mismatch",
            "IntegrityMismatch",
            "The lockfile hash differs from the registry's",
            "The lockfile's integrity hash differs from the registry's hash for that version.",
            "A hash that does not match the registry means the lockfile points at a different "
            "artifact than the registry publishes: a tampered lockfile or a republished "
            "version. Regenerate the entry from the registry.",
            Level.CRITICAL,
        ),
        Rule(
            "metadata-unavailable",
            "MetadataUnavailable",
            "Registry data could not be had",
            "The registry or advisory data for this package could not be fetched, so it was "
            "not judged.",
            "The package is unknown, not safe: rerun with network access, or check it by hand.",
            Level.INFO,
        ),
    )
}


def _pascal(kind: str) -> str:
    return "".join(part.capitalize() for part in kind.replace("_", "-").split("-") if part)


def _rule(kind: str) -> Rule:
    known = RULES.get(kind)
    if known is not None:
        return known
    text = one_line(kind, 60)
    return Rule(text, _pascal(text) or "Finding", text, text, text, Level.MEDIUM)


def _rule_dict(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.kind,
        "name": rule.name,
        "shortDescription": {"text": rule.short},
        "fullDescription": {"text": rule.full},
        "help": {
            "text": rule.help,
            "markdown": f"**{rule.short}.** {rule.full}\n\n{rule.help}",
        },
        "defaultConfiguration": {"level": sarif_level(rule.severity)},
        "properties": {
            "tags": ["security", "supply-chain", rule.kind],
            "precision": "medium",
            "problem.severity": sarif_level(rule.severity).replace("note", "recommendation"),
            "security-severity": SECURITY_SEVERITY[rule.severity],
        },
    }


def _git_root(start: Path) -> Path | None:
    for parent in (start, *start.parents):
        if (parent / ".git").exists():
            return parent
    return None


def lockfile_uri(report: Report, root: Path | None = None) -> tuple[str, str | None]:
    """(uri, uriBaseId) of the lockfile: relative to the repository when it is in one.

    ``root`` is the repository (checkout) root; None finds it by looking for
    ``.git`` above the lockfile. Outside a repository a relative path stays
    relative to the working directory; an absolute one becomes a ``file:`` URI.
    """
    given = Path(report.lockfile_display or report.graph.path)
    try:
        absolute = given.resolve()
    except OSError:  # pragma: no cover - unreadable cwd
        absolute = Path(os.path.abspath(given))
    base = root.resolve() if root is not None else _git_root(absolute.parent)
    if base is not None:
        try:
            rel = absolute.relative_to(base)
        except ValueError:
            rel = None
        if rel is not None:
            return quote(PurePosixPath(*rel.parts).as_posix()), "%SRCROOT%"
    if not given.is_absolute():
        norm = os.path.normpath(given)
        if not norm.startswith(".."):
            return quote(PurePosixPath(*Path(norm).parts).as_posix()), "%SRCROOT%"
    return absolute.as_uri(), None


def _ident(finding: Finding) -> str:
    """What tells two findings of one kind on one package apart (an advisory id)."""
    ev = finding.evidence
    for key in ("id", "ids"):
        value = ev.get(key)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, list | tuple) and value and isinstance(value[0], str):
            return str(value[0])
    return ""


def _result(
    entry: Entry,
    finding: Finding,
    rule_index: int,
    location: dict[str, Any],
) -> dict[str, Any]:
    pkg = entry.package
    purl = pkg.id.purl
    name = one_line(pkg.id.name, 214)
    version = one_line(pkg.id.version, 100)
    ident = one_line(_ident(finding), 200)
    title = one_line(finding.title, 300)
    detail = one_line(finding.detail, MESSAGE_LIMIT)
    text = f"{name}@{version}: {title}"
    if detail and detail != title:
        text += f". {detail}"
    key = f"{purl}#{finding.kind}#{ident}"
    props: dict[str, Any] = {
        "purl": purl,
        "package": name,
        "version": version,
        "ecosystem": pkg.id.ecosystem,
        "kind": finding.kind,
        "severity": finding.severity.label,
        "security-severity": SECURITY_SEVERITY[finding.severity],
        "packageLevel": entry.level.label,
        "direct": entry.direct,
        "dev": pkg.dev,
    }
    if ident:
        props["advisory"] = ident
    if entry.change is not None:
        before = entry.change.from_version
        props["change"] = {
            "from": one_line(before, 100) if before is not None else None,
            "to": one_line(entry.change.to_version, 100),
        }
    if entry.verdict is not None and entry.verdict.suggestion is not None:
        pin = entry.verdict.suggestion.version
        props["suggestedVersion"] = one_line(pin, 100) if pin is not None else None
    result: dict[str, Any] = {
        "ruleId": finding.kind if finding.kind in RULES else _rule(finding.kind).kind,
        "ruleIndex": rule_index,
        "level": sarif_level(finding.severity),
        "message": {"text": one_line(text, MESSAGE_LIMIT)},
        "locations": [
            {
                "physicalLocation": location_for(location, pkg.line),
                "logicalLocations": [{"name": name, "fullyQualifiedName": purl, "kind": "module"}],
            }
        ],
        "partialFingerprints": {
            "packagePurl/v1": one_line(key, 600),
            "depviewFinding/v1": hashlib.sha256(key.encode("utf-8")).hexdigest()[:32],
        },
        "properties": props,
    }
    if entry.suppressed and entry.triage is not None:
        note = one_line(entry.triage.note, 1000)
        result["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": note or f"triaged as {one_line(entry.triage.state, 20)}",
            }
        ]
    return result


def location_for(artifact: dict[str, Any], line: int | None) -> dict[str, Any]:
    loc: dict[str, Any] = {"artifactLocation": dict(artifact)}
    if line is not None and line >= 1:
        loc["region"] = {"startLine": line}
    return loc


def sarif_dict(report: Report, *, root: Path | None = None) -> dict[str, Any]:
    """The SARIF log as a JSON-ready dict."""
    kinds = list(KINDS)
    for entry in report.entries:
        for f in entry.verdict.findings if entry.verdict else ():
            if f.kind not in RULES and _rule(f.kind).kind not in kinds:
                kinds.append(_rule(f.kind).kind)
    rules = [_rule(k) for k in kinds]
    index = {r.kind: i for i, r in enumerate(rules)}

    uri, base = lockfile_uri(report, root)
    artifact: dict[str, Any] = {"uri": uri}
    if base is not None:
        artifact["uriBaseId"] = base

    results: list[dict[str, Any]] = []
    ordered = sorted(report.entries, key=lambda e: (-e.level, e.id))
    for entry in ordered:
        if entry.verdict is None:
            continue
        for f in sorted(entry.verdict.findings, key=lambda f: -f.severity):
            kind = f.kind if f.kind in RULES else _rule(f.kind).kind
            results.append(_result(entry, f, index[kind], artifact))

    notifications = [
        {
            "level": "warning",
            "message": {
                "text": one_line(
                    f"{e.source}: {e.package + ': ' if e.package else ''}{e.message}", 1000
                )
            },
        }
        for e in report.errors
    ]
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    run_props: dict[str, Any] = {
        "asOf": iso(report.as_of),
        "lockfileFormat": one_line(report.graph.format, 60),
        "ecosystem": report.graph.ecosystem,
        "packages": len(report.entries),
        "byLevel": report.by_level(),
    }
    if report.removed:
        run_props["removed"] = [p.purl for p in report.removed]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "depview",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule_dict(r) for r in rules],
                    }
                },
                "invocations": [invocation],
                "artifacts": [{"location": artifact, "roles": ["analysisTarget"]}],
                "results": results,
                "columnKind": "utf16CodeUnits",
                "properties": run_props,
            }
        ],
    }


def format_sarif(report: Report, *, settings: Settings, root: Path | None = None) -> str:
    """SARIF 2.1.0 JSON text (ASCII only, so no raw control bytes reach a terminal)."""
    doc = cap_strings(sarif_dict(report, root=root))
    return json.dumps(doc, indent=2, ensure_ascii=True) + "\n"
