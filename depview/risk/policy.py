"""Policy: a package's level from its findings, raised when independent signals combine.

A package's level is the highest severity among its findings. One signal on its
own is usually explainable (a fresh release, a new maintainer, a new
dependency); attacks show several at once. The rules below raise the level
when that happens. Each rule that fires is reported (``Verdict.combined``) so a
reviewer sees why the level is above the highest finding. See
``README-policy.md`` for the table and worked examples.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from depview.risk.model import Finding, Level

__all__ = ["FAMILIES", "Combination", "combine", "family"]

#: Independent families of evidence: two findings of one family count once.
FAMILIES: dict[str, str] = {
    "malware": "known-bad",
    "advisory": "vulnerability",
    "unpublished": "registry-state",
    "deprecated": "registry-state",
    "yanked": "registry-state",
    "install-script": "install-code",
    "new-install-script": "install-code",
    "recent-publish": "timing",
    "young-package": "newness",
    "typosquat": "name",
    "publisher-change": "account",
    "maintainer-change": "account",
    "provenance-dropped": "pipeline",
    "new-dependency": "dependencies",
    "non-registry-source": "lockfile",
    "integrity-mismatch": "lockfile",
    "metadata-unavailable": "unknown",
}

#: Families that do not count as independent evidence of an attack.
_NOT_EVIDENCE = frozenset({"unknown"})


def family(kind: str) -> str:
    return FAMILIES.get(kind, kind)


@dataclass(frozen=True, slots=True)
class Combination:
    """A policy rule that raised (or would raise) the level."""

    rule: str  # stable id, e.g. "recent-and-change"
    level: Level  # the level the rule asks for at least
    reason: str  # one sentence for a reviewer


def _max(findings: Iterable[Finding], *kinds: str) -> Level:
    best = Level.NONE
    for f in findings:
        if f.kind in kinds and f.severity > best:
            best = f.severity
    return best


def _dormant(findings: Sequence[Finding]) -> bool:
    return any(f.kind == "recent-publish" and f.evidence.get("dormant") for f in findings)


def combine(findings: Sequence[Finding]) -> tuple[Level, tuple[Combination, ...]]:
    """The package level and the combination rules that fired (only those that raised it)."""
    if len(findings) < 2:  # one signal alone is never raised (malware is critical already)
        return (findings[0].severity if findings else Level.NONE), ()
    base = max(f.severity for f in findings)
    rules: list[Combination] = []
    kinds = {f.kind for f in findings}

    # 1. Recent release + a change of account, pipeline, install code or dependencies.
    if "recent-publish" in kinds:
        changes = [
            k
            for k in (
                "publisher-change",
                "maintainer-change",
                "provenance-dropped",
                "new-install-script",
                "new-dependency",
            )
            if _max(findings, k) >= Level.MEDIUM
        ]
        if changes:
            what = "dormant package revived" if _dormant(findings) else "recent release"
            rules.append(
                Combination(
                    "recent-and-change",
                    Level.HIGH,
                    f"{what} together with {', '.join(changes)}",
                )
            )

    # 1b. A dormant package revived with code that runs at install.
    if _dormant(findings) and kinds & {"install-script", "new-install-script"}:
        rules.append(
            Combination(
                "dormant-with-install-script",
                Level.HIGH,
                "dormant package revived with code that runs at install",
            )
        )

    # 2. A new package that runs code at install.
    if "young-package" in kinds and kinds & {"install-script", "new-install-script"}:
        rules.append(
            Combination(
                "young-with-install-script",
                Level.HIGH,
                "a package less than the young-package threshold old that runs code at install",
            )
        )

    # 3. A look-alike name that is new or runs code at install.
    if "typosquat" in kinds and kinds & {"young-package", "install-script", "new-install-script"}:
        rules.append(
            Combination(
                "typosquat-with-code-or-newness",
                Level.HIGH,
                "a look-alike name that is new or runs code at install",
            )
        )

    # 4. An account/pipeline change together with new install code or a new dependency.
    control = [
        k
        for k in ("publisher-change", "maintainer-change", "provenance-dropped")
        if _max(findings, k) >= Level.MEDIUM
    ]
    payload = [
        k for k in ("new-install-script", "new-dependency") if _max(findings, k) >= Level.MEDIUM
    ]
    if control and payload:
        rules.append(
            Combination(
                "control-and-payload",
                Level.HIGH,
                f"{', '.join(control)} together with {', '.join(payload)}",
            )
        )

    # 5. Three or more independent families at medium or above.
    strong: dict[str, Level] = {}
    for f in findings:
        fam = family(f.kind)
        if fam in _NOT_EVIDENCE or f.severity < Level.MEDIUM:
            continue
        strong[fam] = max(strong.get(fam, Level.NONE), f.severity)
    if len(strong) >= 3:
        rules.append(
            Combination(
                "three-independent-signals",
                Level.CRITICAL,
                f"{len(strong)} independent signals at medium or above ({', '.join(sorted(strong))})",
            )
        )

    # 6. Known malicious: always critical (the finding already is; kept for the explanation).
    if "malware" in kinds:
        rules.append(Combination("malware", Level.CRITICAL, "marked malicious"))

    level = base
    fired: list[Combination] = []
    for rule in rules:
        if rule.level > base:
            fired.append(rule)
        level = max(level, rule.level)
    return level, tuple(fired)
