"""The version to pin instead of a risky one.

Candidates are the package's releases published before as-of that are still
served and are not deprecated, yanked, npm security placeholders, or matched
by any known advisory of the package (matched locally against the advisories'
ranges). A prerelease is a candidate only when the locked version is one.
Each candidate is judged as if it were locked (the same signals, minus the
lockfile-only ones) and must come out at **low** or below.

Preference, first match wins:

1. the newest clean release not newer than the locked one (the last
   known-good) that satisfies every dependent's range;
2. the newest clean release newer than the locked one that is older than the
   cooldown and satisfies every dependent's range;
3. the same two without the ranges (the dependents' ranges must then be
   changed; the reason says so).

No candidate: ``Suggestion(None, reason)`` saying why (the package is held by
npm, every release is flagged, ...).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from depview.metadata import Advisory, Unavailable, VersionInfo, is_security_placeholder_version
from depview.model import DependencyGraph, Package, PackageId, Source, SourceKind
from depview.risk.context import PackageContext, is_live
from depview.risk.model import Finding, Level, Suggestion
from depview.risk.text import person, safe, span
from depview.sources.osv import match as osv_match
from depview.versions import is_prerelease, satisfies, version_key

__all__ = ["ACCEPT_AT_MOST", "dependents_specs", "suggest_version"]

#: A candidate is clean when, judged as if locked, it comes out at this level or below.
ACCEPT_AT_MOST = Level.LOW

Judge = Callable[[PackageContext], tuple[Level, tuple[Finding, ...]]]


def dependents_specs(graph: DependencyGraph | None, node: PackageId) -> list[tuple[str, str]]:
    """(dependent's name, range it asks for) for every edge into ``node``."""
    if graph is None:
        return []
    return [
        (parent.name, edge.spec)
        for parent in graph.parents(node)
        for edge in graph.children(parent)
        if edge.child == node and edge.spec
    ]


def _affects(adv: Advisory, ecosystem: str, name: str, version: str) -> bool:
    if not adv.versions and not adv.ranges:
        # A record with no version data (e.g. a whole-package malware notice) affects every version.
        return adv.package is None or adv.package == name or adv.malicious
    return osv_match(adv, ecosystem, name, version)


def _pipeline(info: VersionInfo) -> str:
    if info.trusted_publisher:
        return f"trusted publishing ({safe(info.trusted_publisher, 40)})"
    if info.provenance:
        return "with provenance"
    return ""


def suggest_version(
    ctx: PackageContext, specs: Sequence[tuple[str, str]], judge: Judge
) -> Suggestion:
    """The version to pin instead of ``ctx.package`` (see the module docstring)."""
    pkg = ctx.package
    eco, name = pkg.id.ecosystem, pkg.name
    meta = ctx.meta
    if pkg.source.kind is not SourceKind.REGISTRY:
        return Suggestion(None, "not installed from the registry: review the source it comes from")
    if meta is None:
        return Suggestion(None, "registry data could not be had, so no version can be vouched for")
    if meta.not_found:
        return Suggestion(None, "the package is not on the registry: remove the dependency")
    if meta.security_placeholder:
        return Suggestion(
            None,
            "npm replaced the package with a security holding package: no release is safe, "
            "remove the dependency (and the one that pulls it in)",
        )
    hist = ctx.history
    if hist is None:  # pragma: no cover - build() always makes one for metadata
        return Suggestion(None, "no release history")
    advisories: tuple[Advisory, ...] = (
        () if isinstance(ctx.advisories, Unavailable) else ctx.advisories
    )
    locked_key = version_key(eco, pkg.version)
    locked_pre = is_prerelease(eco, pkg.version)
    rejected: list[str] = []
    lower: list[VersionInfo] = []
    higher: list[VersionInfo] = []
    for info in hist.ordered:
        v = info.version
        if v == pkg.version or not is_live(eco, info):
            continue
        if is_security_placeholder_version(v) or (is_prerelease(eco, v) and not locked_pre):
            continue
        if info.deprecated or info.yanked:
            continue
        key = version_key(eco, v)
        if key is None:
            continue
        if locked_key is None or key < locked_key:
            lower.append(info)
        elif info.published is not None and ctx.as_of - info.published >= ctx.settings.cooldown:
            higher.append(info)
    lower.sort(key=lambda i: version_key(eco, i.version), reverse=True)
    higher.sort(key=lambda i: version_key(eco, i.version), reverse=True)

    verdicts: dict[str, tuple[bool, str]] = {}

    def clean(info: VersionInfo) -> bool:
        cached = verdicts.get(info.version)
        if cached is not None:
            return cached[0]
        hits = [a for a in advisories if _affects(a, eco, name, info.version)]
        if hits:
            verdicts[info.version] = (False, f"{safe(info.version, 64)}: {safe(hits[0].id, 40)}")
            rejected.append(verdicts[info.version][1])
            return False
        candidate = Package(
            id=replace(pkg.id, version=info.version),
            source=Source(SourceKind.REGISTRY),
            dev=pkg.dev,
            optional=pkg.optional,
        )
        cctx = PackageContext.build(
            candidate,
            ctx.metadata,
            (),  # no advisory matches this candidate (checked above)
            ctx.settings,
            lookup=ctx.lookup,
            history=hist,
            full=ctx.full,
            hypothetical=True,
        )
        level, findings = judge(cctx)
        ok = level <= ACCEPT_AT_MOST
        worst = ", ".join(f"{f.kind} {f.severity}" for f in findings if f.severity > ACCEPT_AT_MOST)
        verdicts[info.version] = (ok, f"{safe(info.version, 64)}: {worst or level.label}")
        if not ok:
            rejected.append(verdicts[info.version][1])
        return ok

    def fits(info: VersionInfo) -> list[str] | None:
        """The dependents' ranges it misses (None: all satisfied or unknown)."""
        missed = [
            f"{safe(spec, 60)} (from {safe(parent, 80)})"
            for parent, spec in specs
            if satisfies(eco, info.version, spec) is False
        ]
        return missed or None

    def describe(info: VersionInfo, where: str, missed: list[str] | None) -> Suggestion:
        age = f"published {span(ctx.as_of - info.published)} before as-of" if info.published else ""
        by = f" by {person(info.publisher)}" if info.publisher else ""
        pipe = _pipeline(info)
        facts = ", ".join(x for x in (age + by, pipe) if x)
        ranges = (
            "; satisfies " + ", ".join(f"{safe(s, 60)} (from {safe(p, 80)})" for p, s in specs[:3])
            if specs and missed is None
            else ""
        )
        needs = (
            f"; the dependents' ranges must be widened: {', '.join(missed[:3])}" if missed else ""
        )
        return Suggestion(
            info.version,
            f"{safe(info.version, 64)}: {where} with no finding above low ({facts}){ranges}{needs}",
        )

    for group, where in (
        (lower, f"the newest release before {safe(pkg.version, 64)}"),
        (higher, f"the newest release after {safe(pkg.version, 64)} older than the cooldown"),
    ):
        for info in group:
            if fits(info) is None and clean(info):
                return describe(info, where, None)
    for group, where in (
        (lower, f"the newest release before {safe(pkg.version, 64)}"),
        (higher, f"the newest release after {safe(pkg.version, 64)} older than the cooldown"),
    ):
        for info in group:
            if clean(info):
                return describe(info, where, fits(info))
    total = len(lower) + len(higher)
    if total == 0:
        return Suggestion(
            None,
            "no other release to pin: every other version is unpublished, deprecated, yanked, "
            "a prerelease, or newer than as-of and inside the cooldown",
        )
    shown = "; ".join(rejected[:4]) + ("; …" if len(rejected) > 4 else "")
    return Suggestion(
        None,
        f"none of the {total} other release(s) is clean when judged as if locked ({shown}): "
        "remove the dependency or review it by hand",
    )
