"""What the registry and the advisory databases say outright about a version.

``metadata-unavailable``, ``unpublished``, ``malware``, ``advisory``,
``deprecated`` and ``yanked``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from depview.metadata import Advisory, Unavailable, is_security_placeholder_version
from depview.model import SourceKind
from depview.risk.context import PackageContext
from depview.risk.model import Finding, Level
from depview.risk.signals._common import mentions_security
from depview.risk.text import iso, safe, span

__all__ = [
    "advisory",
    "advisory_level",
    "deprecated",
    "malware",
    "metadata_unavailable",
    "unpublished",
    "yanked",
]


def metadata_unavailable(ctx: PackageContext) -> Iterator[Finding]:
    """Registry or advisory data could not be had: the package is unknown, never safe."""
    if ctx.package.source.kind is not SourceKind.REGISTRY:
        return
    meta = ctx.metadata
    if isinstance(meta, Unavailable) or meta is None:
        source = meta.source if meta is not None else ctx.ecosystem
        reason = meta.reason if meta is not None else "not fetched"
        yield Finding(
            "metadata-unavailable",
            Level.MEDIUM,
            "registry data unavailable",
            f"{safe(source)} metadata for {safe(ctx.package.name)} could not be had "
            f"({safe(reason)}); its history was not checked",
            {"source": source, "reason": safe(reason, 500)},
        )
    elif ctx.info is None and not meta.not_found and ctx.full is not None:
        later = ctx.full.versions.get(ctx.package.version)
        if later is not None and later.published is not None and later.published > ctx.as_of:
            yield Finding(
                "metadata-unavailable",
                Level.MEDIUM,
                "published after as-of",
                f"{safe(ctx.package.version)} was published {iso(later.published)}, "
                f"after the as-of instant {iso(ctx.as_of)}: nothing is known about it then",
                {
                    "source": ctx.ecosystem,
                    "reason": "version published after as-of",
                    "published": iso(later.published),
                    "as_of": iso(ctx.as_of),
                },
            )
    if isinstance(ctx.advisories, Unavailable):
        yield Finding(
            "metadata-unavailable",
            Level.MEDIUM,
            "advisory data unavailable",
            f"known-vulnerability data ({safe(ctx.advisories.source)}) could not be had "
            f"({safe(ctx.advisories.reason)}); advisories were not checked",
            {"source": ctx.advisories.source, "reason": safe(ctx.advisories.reason, 500)},
        )


def _published_after_as_of(ctx: PackageContext) -> bool:
    if ctx.full is None:
        return False
    later = ctx.full.versions.get(ctx.package.version)
    return later is not None and later.published is not None and later.published > ctx.as_of


def unpublished(ctx: PackageContext) -> Iterator[Finding]:
    """The locked version (or the whole package) is gone from the registry."""
    meta = ctx.meta
    if meta is None or ctx.package.source.kind is not SourceKind.REGISTRY:
        return
    if ctx.live_info is not None:
        return  # still served
    version = safe(ctx.package.version, 64)
    name = safe(ctx.package.name)
    if meta.not_found:
        yield Finding(
            "unpublished",
            Level.HIGH,
            "package not on the registry",
            f"the registry does not know {name}: the locked {version} cannot be installed "
            "from it (removed, or a name that only exists elsewhere)",
            {"version": ctx.package.version, "package_found": False},
        )
        return
    info = ctx.info
    if info is None:
        if _published_after_as_of(ctx):
            return  # metadata-unavailable says it
        yield Finding(
            "unpublished",
            Level.HIGH,
            "version not on the registry",
            f"{name} has no version {version} on the registry "
            f"({len(meta.versions)} other versions are listed)",
            {"version": ctx.package.version, "in_time_map": False},
        )
        return
    if not info.unpublished and not (ctx.ecosystem == "pypi" and not info.files):
        return
    evidence: dict[str, Any] = {
        "version": info.version,
        "published": iso(info.published),
        "registry_modified": iso(meta.modified),
    }
    if info.unpublished:
        when = f"published {iso(info.published)}, " if info.published else ""
        extra = ""
        if meta.security_placeholder:
            extra = "; npm replaced the package with a security holding package"
        yield Finding(
            "unpublished",
            Level.HIGH,
            "version unpublished",
            f"{version} was {when}then removed from the registry (its publish time is "
            f"still listed){extra}",
            {**evidence, "in_time_map": True},
        )
    elif ctx.ecosystem == "pypi" and not info.files:
        yield Finding(
            "unpublished",
            Level.HIGH,
            "release files deleted",
            f"the release {version} is listed but all its files were deleted",
            {**evidence, "files": 0},
        )


def _advisory_evidence(adv: Advisory) -> dict[str, Any]:
    return {
        "id": adv.id,
        "aliases": list(adv.aliases),
        "summary": safe(adv.summary, 300),
        "fixed": list(adv.fixed),
        "severity": adv.severity,
        "cvss_score": adv.cvss_score,
        "published": iso(adv.published),
        "modified": iso(adv.modified),
        "references": list(adv.references[:5]),
    }


def _visible(ctx: PackageContext) -> list[Advisory]:
    if isinstance(ctx.advisories, Unavailable):
        return []
    out: list[Advisory] = []
    for adv in ctx.advisories:
        if adv.published is not None and adv.published > ctx.as_of:
            continue
        if adv.withdrawn is not None and adv.withdrawn <= ctx.as_of:
            continue
        out.append(adv)
    return out


def malware(ctx: PackageContext) -> Iterator[Finding]:
    """An advisory marks this version malicious, or npm holds the name as a security placeholder."""
    for adv in _visible(ctx):
        if not adv.malicious:
            continue
        aka = f" ({', '.join(safe(a, 40) for a in adv.aliases[:3])})" if adv.aliases else ""
        yield Finding(
            "malware",
            Level.CRITICAL,
            f"known malicious: {safe(adv.id, 40)}",
            f"{safe(adv.id, 40)}{aka} marks {safe(ctx.package.name)} "
            f"{safe(ctx.package.version, 64)} as malicious: {safe(adv.summary, 200)}",
            _advisory_evidence(adv),
        )
    meta = ctx.meta
    if meta is not None and meta.security_placeholder:
        holders = [v for v in meta.versions.values() if is_security_placeholder_version(v.version)]
        holder = max(holders, key=lambda v: v.published or ctx.as_of, default=None)
        when = f" on {iso(holder.published)}" if holder is not None and holder.published else ""
        yield Finding(
            "malware",
            Level.CRITICAL,
            "replaced by npm's security holding package",
            f"npm's security team took {safe(ctx.package.name)} down and published the "
            f"holding package {safe(holder.version if holder else '0.0.1-security', 64)}{when}: "
            "the code it carried was malicious",
            {
                "placeholder_version": holder.version if holder else None,
                "placeholder_published": iso(holder.published) if holder else None,
                "description": safe(meta.description or "", 200),
            },
        )


def advisory_level(adv: Advisory) -> Level:
    """An advisory's severity as a level (CVSS score first, then the database's word)."""
    if adv.cvss_score is not None:
        s = adv.cvss_score
        if s >= 9.0:
            return Level.CRITICAL
        if s >= 7.0:
            return Level.HIGH
        if s >= 4.0:
            return Level.MEDIUM
        if s > 0:
            return Level.LOW
    word = (adv.severity or "").strip().upper()
    return {
        "CRITICAL": Level.CRITICAL,
        "HIGH": Level.HIGH,
        "MODERATE": Level.MEDIUM,
        "MEDIUM": Level.MEDIUM,
        "LOW": Level.LOW,
    }.get(word, Level.MEDIUM)


def advisory(ctx: PackageContext) -> Iterator[Finding]:
    """A known vulnerability affects this version (severity from the advisory, default medium)."""
    for adv in _visible(ctx):
        if adv.malicious:
            continue
        level = advisory_level(adv)
        fixed = f"; fixed in {', '.join(safe(f, 40) for f in adv.fixed[:4])}" if adv.fixed else ""
        aka = f" ({', '.join(safe(a, 40) for a in adv.aliases[:3])})" if adv.aliases else ""
        sev = f", severity {safe(adv.severity, 60)}" if adv.severity else ""
        yield Finding(
            "advisory",
            level,
            f"known vulnerability {safe(adv.id, 40)}",
            f"{safe(adv.id, 40)}{aka}: {safe(adv.summary or adv.details, 200)}{sev}{fixed}",
            _advisory_evidence(adv),
        )


def deprecated(ctx: PackageContext) -> Iterator[Finding]:
    """The registry marks this version deprecated (older deprecated versions do not count)."""
    info = ctx.live_info
    if info is None or not info.deprecated:
        return
    security = mentions_security(info.deprecated)
    yield Finding(
        "deprecated",
        Level.MEDIUM if security else Level.LOW,
        "deprecated" + (" for a security reason" if security else ""),
        f'the registry marks {safe(info.version, 64)} deprecated: "{safe(info.deprecated, 300)}"',
        {"version": info.version, "message": safe(info.deprecated, 1000), "security": security},
    )


def yanked(ctx: PackageContext) -> Iterator[Finding]:
    """The release is yanked (PyPI)."""
    info = ctx.info
    if info is None or not info.yanked:
        return
    reason = info.yanked_reason or ""
    security = mentions_security(reason)
    age = f" (published {span(ctx.as_of - info.published)} before as-of)" if info.published else ""
    yield Finding(
        "yanked",
        Level.HIGH if security else Level.MEDIUM,
        "yanked release" + (" (security)" if security else ""),
        f"{safe(info.version, 64)} is yanked{age}"
        + (f': "{safe(reason, 300)}"' if reason else " (no reason given)"),
        {"version": info.version, "reason": safe(reason, 1000) or None, "security": security},
    )
