"""CycloneDX 1.6 JSON, built with the maintained ``cyclonedx-python-lib``.

Components are the locked packages (purl, name, version; scope ``optional``
for development and optional dependencies, else ``required``), the project and
its workspaces are the metadata component and ``application`` components, the
dependency graph comes from the lockfile's edges, and every ``advisory`` and
``malware`` finding becomes a vulnerability (id, source, aliases as
references, a rating from its severity) that affects the package.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from depview import __version__
from depview.config import Settings
from depview.model import Package, PackageId
from depview.report.limits import cap_strings
from depview.report.model import Entry, Report
from depview.risk.model import Finding, Level
from depview.textsafe import clean, one_line

__all__ = ["VULNERABILITY_KINDS", "bom_for", "format_cyclonedx"]

VULNERABILITY_KINDS = frozenset({"advisory", "malware"})

_SEVERITY = {
    Level.CRITICAL: "critical",
    Level.HIGH: "high",
    Level.MEDIUM: "medium",
    Level.LOW: "low",
    Level.INFO: "info",
    Level.NONE: "none",
}


def _purl(pid: PackageId) -> Any:
    from packageurl import PackageURL

    try:
        return PackageURL.from_string(pid.purl)
    except ValueError:
        return None


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list | tuple | set | frozenset):
        return [str(v) for v in value if isinstance(v, str) and v]
    return []


def _ids(finding: Finding) -> list[str]:
    ev = finding.evidence
    ids = _strings(ev.get("ids")) + _strings(ev.get("id"))
    return list(dict.fromkeys(one_line(i, 100) for i in ids))


def _aliases(finding: Finding) -> list[str]:
    return [one_line(a, 100) for a in _strings(finding.evidence.get("aliases"))]


def _fixed(finding: Finding) -> list[str]:
    ev = finding.evidence
    out = _strings(ev.get("fixed")) + _strings(ev.get("fixed_versions"))
    return list(dict.fromkeys(one_line(v, 60) for v in out))


def _score(finding: Finding) -> Decimal | None:
    for key in ("cvss_score", "score"):
        value = finding.evidence.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 10:
            try:
                return Decimal(str(value))
            except InvalidOperation:  # pragma: no cover - str(float) is always a decimal
                return None
    return None


def _source_of(vuln_id: str) -> tuple[str, str | None]:
    """(source name, URL) for an advisory id."""
    if vuln_id.startswith("GHSA-"):
        return "GitHub", f"https://github.com/advisories/{vuln_id}"
    if vuln_id.startswith("CVE-"):
        return "NVD", f"https://nvd.nist.gov/vuln/detail/{vuln_id}"
    if vuln_id.startswith("depview:"):
        return "depview", None
    return "OSV", f"https://osv.dev/vulnerability/{vuln_id}"


@dataclass(slots=True)
class _Vuln:
    """One advisory, possibly affecting several packages of the lockfile."""

    id: str
    kind: str
    severity: Level
    title: str
    detail: str
    aliases: list[str] = field(default_factory=list)
    fixed: list[str] = field(default_factory=list)
    score: Decimal | None = None
    affects: dict[str, str] = field(default_factory=dict)  # bom-ref -> version


def _collect(entries: Iterable[Entry]) -> list[_Vuln]:
    found: dict[str, _Vuln] = {}
    for entry in entries:
        if entry.verdict is None:
            continue
        for f in entry.verdict.findings:
            if f.kind not in VULNERABILITY_KINDS:
                continue
            ids = _ids(f) or [f"depview:{f.kind}:{entry.id.purl}"]
            main, *others = ids
            vuln = found.get(main)
            if vuln is None:
                vuln = found[main] = _Vuln(
                    id=main,
                    kind=f.kind,
                    severity=f.severity,
                    title=one_line(f.title, 300),
                    detail=clean(f.detail, 4000),
                    score=_score(f),
                )
            vuln.severity = max(vuln.severity, f.severity)
            if f.kind == "malware":
                vuln.kind = "malware"
            for alias in [*others, *_aliases(f)]:
                if alias != main and alias not in vuln.aliases:
                    vuln.aliases.append(alias)
            for v in _fixed(f):
                if v not in vuln.fixed:
                    vuln.fixed.append(v)
            vuln.affects[entry.id.purl] = one_line(entry.id.version, 100)
    return sorted(found.values(), key=lambda v: (-v.severity, v.id))


def _ref(pkg: Package, graph_roots: Mapping[PackageId, int]) -> str:
    if pkg.id in graph_roots:
        return f"project:{graph_roots[pkg.id]}:{one_line(pkg.id.name, 200) or 'root'}"
    return pkg.id.purl


def bom_for(report: Report) -> Any:
    """The :class:`cyclonedx.model.bom.Bom` for ``report``."""
    from cyclonedx.model import Property, XsUri
    from cyclonedx.model.bom import Bom, BomMetaData
    from cyclonedx.model.bom_ref import BomRef
    from cyclonedx.model.component import Component, ComponentScope, ComponentType
    from cyclonedx.model.dependency import Dependency
    from cyclonedx.model.impact_analysis import ImpactAnalysisAffectedStatus
    from cyclonedx.model.tool import ToolRepository
    from cyclonedx.model.vulnerability import (
        BomTarget,
        BomTargetVersionRange,
        Vulnerability,
        VulnerabilityRating,
        VulnerabilityReference,
        VulnerabilityScoreSource,
        VulnerabilitySeverity,
        VulnerabilitySource,
    )

    graph = report.graph
    roots = {pid: i for i, pid in enumerate(graph.roots)}
    refs: dict[PackageId, BomRef] = {}

    def project_component(pid: PackageId) -> Component:
        pkg = graph.packages.get(pid) or Package(pid)
        ref = BomRef(_ref(pkg, roots))
        refs[pid] = ref
        return Component(
            type=ComponentType.APPLICATION,
            name=one_line(pid.name, 214) or "project",
            version=one_line(pid.version, 100) or None,
            bom_ref=ref,
        )

    main = project_component(graph.roots[0]) if graph.roots else None
    workspaces = [project_component(pid) for pid in graph.roots[1:]]

    components: list[Component] = list(workspaces)
    for entry in report.entries:
        pkg = entry.package
        ref = BomRef(pkg.id.purl)
        refs[pkg.id] = ref
        props = [Property(name="depview:level", value=entry.level.label)]
        if entry.verdict is not None:
            props.append(Property(name="depview:score", value=str(entry.verdict.score)))
            kinds = sorted({f.kind for f in entry.verdict.findings})
            if kinds:
                props.append(Property(name="depview:findings", value=",".join(kinds)))
            if entry.verdict.unknown:
                props.append(Property(name="depview:unknown", value="true"))
        if entry.direct:
            props.append(Property(name="depview:direct", value="true"))
        if pkg.dev and pkg.id.ecosystem == "npm":
            props.append(Property(name="cdx:npm:package:development", value="true"))
        if entry.change is not None:
            props.append(
                Property(
                    name="depview:change:from", value=one_line(entry.change.from_version or "")
                )
            )
        if entry.triage is not None:
            props.append(Property(name="depview:triage", value=one_line(entry.triage.state, 20)))
        components.append(
            Component(
                type=ComponentType.LIBRARY,
                name=one_line(pkg.id.name, 214) or "unnamed",
                version=one_line(pkg.id.version, 100),
                purl=_purl(pkg.id),
                bom_ref=ref,
                scope=ComponentScope.OPTIONAL
                if pkg.dev or pkg.optional
                else ComponentScope.REQUIRED,
                properties=props,
            )
        )

    dependencies: list[Dependency] = []
    for pid, ref in refs.items():
        children = [
            refs[e.child] for e in graph.children(pid) if e.child in refs and e.child != pid
        ]
        dependencies.append(
            Dependency(ref=ref, dependencies=[Dependency(ref=c) for c in dict.fromkeys(children)])
        )

    vulnerabilities: list[Vulnerability] = []
    rated_by = VulnerabilitySource(name="depview")  # the severity is depview's policy
    for v in _collect(report.entries):
        name, url = _source_of(v.id)
        source = VulnerabilitySource(name=name, url=XsUri(url) if url else None)
        references = []
        for alias in v.aliases:
            alias_name, alias_url = _source_of(alias)
            references.append(
                VulnerabilityReference(
                    id=alias,
                    source=VulnerabilitySource(
                        name=alias_name, url=XsUri(alias_url) if alias_url else None
                    ),
                )
            )
        recommendation = (
            f"Upgrade to a fixed version: {', '.join(v.fixed)}"
            if v.fixed
            else (
                "Remove the package or pin a version from before the compromise."
                if v.kind == "malware"
                else None
            )
        )
        vulnerabilities.append(
            Vulnerability(
                bom_ref=f"vulnerability:{v.id}",
                id=v.id,
                source=source,
                references=references,
                ratings=[
                    VulnerabilityRating(
                        source=rated_by,
                        severity=VulnerabilitySeverity(_SEVERITY[v.severity]),
                        score=v.score,
                        method=VulnerabilityScoreSource.OTHER,
                    )
                ],
                description=v.title or None,
                detail=v.detail or None,
                recommendation=recommendation,
                affects=[
                    BomTarget(
                        ref=ref,
                        versions=[
                            BomTargetVersionRange(
                                version=version, status=ImpactAnalysisAffectedStatus.AFFECTED
                            )
                        ],
                    )
                    for ref, version in sorted(v.affects.items())
                ],
                properties=[Property(name="depview:kind", value=v.kind)],
            )
        )

    tool = Component(type=ComponentType.APPLICATION, name="depview", version=__version__)
    meta_props = [
        Property(name="depview:as-of", value=_iso(report)),
        Property(name="depview:lockfile", value=one_line(report.lockfile_display or graph.path)),
        Property(name="depview:lockfile-format", value=one_line(graph.format, 60)),
    ]
    if report.removed:
        meta_props += [Property(name="depview:removed", value=p.purl) for p in report.removed]
    seed = "\n".join([report.generated_at.isoformat(), *(str(r) for r in refs.values())])
    bom = Bom(
        serial_number=uuid.uuid5(uuid.NAMESPACE_URL, "depview:" + seed),
        metadata=BomMetaData(
            tools=ToolRepository(components=[tool]),
            component=main,
            timestamp=report.generated_at,
            properties=meta_props,
        ),
        components=components,
        dependencies=dependencies,
        vulnerabilities=vulnerabilities,
    )
    _fast_register(bom, {str(r) for r in refs.values()})
    return bom


def _fast_register(bom: Any, registered: set[str]) -> None:
    """Skip the library's linear search for dependency entries we already made.

    ``Bom.validate`` (run by every outputter) calls ``register_dependency`` once per
    component, and each call scans all dependency entries: quadratic, minutes for
    5,000 packages. Every component already has its entry here, so those calls are
    no-ops; anything else still goes to the library.
    """
    original = bom.register_dependency

    def register(target: Any, depends_on: Any = None) -> None:
        if depends_on is None and str(target.bom_ref) in registered:
            return
        original(target, depends_on)

    bom.register_dependency = register


def _iso(report: Report) -> str:
    from depview.report.json import iso

    return iso(report.as_of) or ""


def format_cyclonedx(report: Report, *, settings: Settings) -> str:
    """CycloneDX 1.6 JSON text (ASCII only)."""
    from cyclonedx.output.json import JsonV1Dot6

    text = JsonV1Dot6(bom_for(report)).output_as_string(indent=2)
    # Re-encode as ASCII so no raw control or bidi character reaches a terminal.
    return json.dumps(cap_strings(json.loads(text)), indent=2, ensure_ascii=True) + "\n"
