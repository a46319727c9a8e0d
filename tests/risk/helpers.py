"""Builders for hand-made registry histories (risk engine tests)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from depview.metadata import Advisory, PackageMetadata, Person, Unavailable, VersionInfo
from depview.model import Package, PackageId, Source, SourceKind
from depview.risk.context import PackageContext, RiskSettings
from depview.risk.engine import judge_package
from depview.risk.model import Finding, Level, Verdict

AS_OF = datetime(2026, 3, 31, 2, 0, tzinfo=UTC)
SETTINGS = RiskSettings(AS_OF)

ALICE = Person("alice", "alice@example.com")
BOB = Person("bob", "bob@example.com")
MALLORY = Person("mallory", "mallory@proton.me")
GHA = Person("GitHub Actions", "npm-oidc-no-reply@github.com")


def ago(days: float = 0, hours: float = 0) -> datetime:
    return AS_OF - timedelta(days=days, hours=hours)


def v(
    version: str,
    published: datetime | None,
    publisher: Person | None = ALICE,
    maintainers: Iterable[Person] = (ALICE,),
    *,
    tp: str | None = None,
    prov: bool = False,
    scripts: Mapping[str, str] | None = None,
    deps: Mapping[str, str] | None = None,
    **kw: Any,
) -> VersionInfo:
    return VersionInfo(
        version=version,
        published=published,
        publisher=publisher,
        trusted_publisher=tp,
        provenance=prov,
        maintainers=tuple(maintainers),
        install_scripts=dict(scripts or {}),
        dependencies=dict(deps or {}),
        **kw,
    )


def tp_release(version: str, published: datetime, **kw: Any) -> VersionInfo:
    """A release from GitHub Actions trusted publishing with provenance."""
    return v(version, published, GHA, kw.pop("maintainers", (ALICE,)), tp="github", prov=True, **kw)


def series(
    versions: Iterable[str],
    first: datetime,
    every_days: float = 30,
    **kw: Any,
) -> list[VersionInfo]:
    out = []
    for i, ver in enumerate(versions):
        out.append(v(ver, first + timedelta(days=every_days * i), **kw))
    return out


def meta(
    name: str, versions: Iterable[VersionInfo], ecosystem: str = "npm", **kw: Any
) -> PackageMetadata:
    vs = {x.version: x for x in versions}
    return PackageMetadata(ecosystem=ecosystem, name=name, versions=vs, **kw)


def pkg(name: str, version: str, ecosystem: str = "npm", **kw: Any) -> Package:
    """A locked registry package (with an integrity hash unless told otherwise)."""
    kw.setdefault("integrity", "sha512-AAAA")
    return Package(id=PackageId.of(ecosystem, name, version), **kw)


def context(
    m: PackageMetadata | Unavailable | None,
    version: str,
    *,
    name: str | None = None,
    ecosystem: str = "npm",
    advisories: tuple[Advisory, ...] | Unavailable = (),
    others: Mapping[str, PackageMetadata | Unavailable] | None = None,
    settings: RiskSettings = SETTINGS,
    **pkgkw: Any,
) -> PackageContext:
    """A context for ``version`` of ``m`` (cut to as-of), with ``others`` for dependency look-ups."""
    pname = name or (m.name if isinstance(m, PackageMetadata) else "pkg")
    cut = m.as_of(settings.as_of) if isinstance(m, PackageMetadata) else m
    table = {
        k: (x.as_of(settings.as_of) if isinstance(x, PackageMetadata) else x)
        for k, x in (others or {}).items()
    }
    return PackageContext.build(
        pkg(pname, version, ecosystem, **pkgkw),
        cut,
        advisories,
        settings,
        lookup=table.get,
        full=m if isinstance(m, PackageMetadata) else None,
    )


def judge(
    m: PackageMetadata,
    version: str,
    *,
    advisories: tuple[Advisory, ...] = (),
    others: Iterable[PackageMetadata] = (),
    settings: RiskSettings = SETTINGS,
    **pkgkw: Any,
) -> Verdict:
    lookup = {(o.ecosystem, o.name): o for o in others}
    return judge_package(
        pkg(m.name, version, m.ecosystem, **pkgkw), m, advisories, settings, lookup=lookup
    )


def run(signal: Any, ctx: PackageContext) -> list[Finding]:
    return list(signal(ctx))


def only(findings: list[Finding], kind: str | None = None) -> Finding:
    chosen = [f for f in findings if kind is None or f.kind == kind]
    assert len(chosen) == 1, findings
    return chosen[0]


def levels(findings: Iterable[Finding]) -> dict[str, Level]:
    out: dict[str, Level] = {}
    for f in findings:
        out[f.kind] = max(out.get(f.kind, Level.NONE), f.severity)
    return out


def registry_source() -> Source:
    return Source(SourceKind.REGISTRY)
