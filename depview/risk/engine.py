"""The risk engine: judge every locked package from its registry history. Pure, sync, fast.

``judge_all`` is the entry point for a whole lockfile: it cuts each package's
metadata to the as-of instant once, builds each name's :class:`History` once,
runs every signal on every locked package (project and workspace nodes are
never judged), applies the policy, scores, and suggests a version to pin for
every package at high or above.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from depview.config import Settings
from depview.metadata import Advisory, PackageMetadata, Unavailable
from depview.model import DependencyGraph, Package, PackageId, SourceKind, normalize_name
from depview.risk.context import History, MetadataLookup, PackageContext, RiskSettings
from depview.risk.model import KINDS, Finding, Level, Suggestion, Verdict
from depview.risk.policy import combine
from depview.risk.scoring import score
from depview.risk.signals import SIGNALS
from depview.risk.suggest import dependents_specs, suggest_version
from depview.risk.text import safe

__all__ = [
    "SUGGEST_AT",
    "Catalog",
    "evaluate",
    "judge_all",
    "judge_package",
]

#: Packages at or above this level get a suggested version to pin.
SUGGEST_AT = Level.HIGH

_KIND_ORDER = {k: i for i, k in enumerate(KINDS)}

Metadata = PackageMetadata | Unavailable


def _sort(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(
        sorted(findings, key=lambda f: (-int(f.severity), _KIND_ORDER.get(f.kind, 99), f.title))
    )


def evaluate(ctx: PackageContext) -> tuple[tuple[Finding, ...], Level, tuple[str, ...]]:
    """Every signal on one context: (findings, level after policy, combination sentences)."""
    findings: list[Finding] = []
    for _kind, signal in SIGNALS:
        findings.extend(signal(ctx))
    ordered = _sort(findings)
    level, combos = combine(ordered)
    return ordered, level, tuple(c.reason for c in combos)


def _resolve(settings: Settings | RiskSettings) -> RiskSettings:
    return settings if isinstance(settings, RiskSettings) else RiskSettings.from_settings(settings)


@dataclass(slots=True)
class Catalog:
    """Every package's metadata cut to as-of, with one :class:`History` per name (built lazily)."""

    settings: RiskSettings
    source: Mapping[tuple[str, str], Metadata]
    _cut: dict[tuple[str, str], Metadata | None] = field(default_factory=dict)
    _history: dict[tuple[str, str], History] = field(default_factory=dict)

    def key(self, ecosystem: str, name: str) -> tuple[str, str]:
        return (ecosystem, normalize_name(ecosystem, name))

    def full(self, ecosystem: str, name: str) -> Metadata | None:
        key = self.key(ecosystem, name)
        found = self.source.get(key)
        if found is None and key[1] != name:
            found = self.source.get((ecosystem, name))
        return found

    def get(self, ecosystem: str, name: str) -> Metadata | None:
        key = self.key(ecosystem, name)
        if key in self._cut:
            return self._cut[key]
        raw = self.full(ecosystem, name)
        cut: Metadata | None = raw
        if isinstance(raw, PackageMetadata) and not (
            raw.modified is not None and raw.modified <= self.settings.as_of
        ):
            cut = raw.as_of(self.settings.as_of)  # nothing to cut when unchanged since as-of
        self._cut[key] = cut
        return cut

    def history(self, ecosystem: str, name: str) -> History | None:
        key = self.key(ecosystem, name)
        hist = self._history.get(key)
        if hist is None:
            meta = self.get(ecosystem, name)
            if not isinstance(meta, PackageMetadata):
                return None
            hist = History(meta)
            self._history[key] = hist
        return hist

    def lookup(self, ecosystem: str) -> MetadataLookup:
        def find(name: str) -> PackageMetadata | Unavailable | None:
            return self.get(ecosystem, name)

        return find


def _context(
    pkg: Package,
    catalog: Catalog,
    advisories: tuple[Advisory, ...] | Unavailable,
    *,
    lockfile_has_hashes: bool,
) -> PackageContext:
    eco = pkg.id.ecosystem
    registry = pkg.source.kind is SourceKind.REGISTRY
    meta = catalog.get(eco, pkg.name) if registry else None
    full = catalog.full(eco, pkg.name) if registry else None
    if registry and meta is None:
        meta = Unavailable(eco, "no registry data was fetched for this package")
    return PackageContext.build(
        pkg,
        meta,
        advisories,
        catalog.settings,
        lookup=catalog.lookup(eco),
        history=catalog.history(eco, pkg.name) if registry else None,
        full=full if isinstance(full, PackageMetadata) else None,
        lockfile_has_hashes=lockfile_has_hashes,
    )


def _verdict(
    ctx: PackageContext,
    *,
    graph: DependencyGraph | None = None,
    suggest: bool = True,
) -> Verdict:
    findings, level, combos = evaluate(ctx)
    info = ctx.info
    suggestion: Suggestion | None = None
    if suggest and level >= SUGGEST_AT:
        specs = dependents_specs(graph, ctx.package.id) if graph is not None else []
        suggestion = suggest_version(ctx, specs, evaluate_level)
    unknown = any(f.kind == "metadata-unavailable" for f in findings) or (
        ctx.package.source.kind is SourceKind.REGISTRY
        and not isinstance(ctx.metadata, PackageMetadata)
    )
    return Verdict(
        id=ctx.package.id,
        level=level,
        score=score(level, findings, len(combos)),
        findings=findings,
        suggestion=suggestion,
        published=info.published if info is not None else None,
        publisher=safe(info.publisher.name or info.publisher.email or "", 120) or None
        if info is not None and info.publisher is not None
        else None,
        unknown=unknown,
        combined=combos,
    )


def evaluate_level(ctx: PackageContext) -> tuple[Level, tuple[Finding, ...]]:
    findings, level, _combos = evaluate(ctx)
    return level, findings


def judge_package(
    pkg: Package,
    metadata: Metadata | None,
    advisories: tuple[Advisory, ...] | Unavailable,
    settings: Settings | RiskSettings,
    *,
    lookup: Mapping[tuple[str, str], Metadata] | None = None,
    graph: DependencyGraph | None = None,
    suggest: bool = True,
    lockfile_has_hashes: bool = True,
) -> Verdict:
    """One package's verdict. ``metadata`` is the uncut registry record (cut here to as-of);
    ``lookup`` holds other packages' records (for judging new dependencies)."""
    rs = _resolve(settings)
    source: dict[tuple[str, str], Metadata] = dict(lookup or {})
    if metadata is not None:
        source[(pkg.id.ecosystem, pkg.id.name)] = metadata
    catalog = Catalog(rs, source)
    ctx = _context(pkg, catalog, advisories, lockfile_has_hashes=lockfile_has_hashes)
    return _verdict(ctx, graph=graph, suggest=suggest)


_HASHES: dict[int, tuple[DependencyGraph, bool]] = {}


def _records_hashes(graph: DependencyGraph) -> bool:
    """Does the lockfile record an integrity hash for any package? (cached per graph)"""
    hit = _HASHES.get(id(graph))
    if hit is not None and hit[0] is graph:
        return hit[1]
    found = any(p.integrity for p in graph.dependencies())
    if len(_HASHES) > 8:
        _HASHES.clear()
    _HASHES[id(graph)] = (graph, found)
    return found


def judge_all(
    graph: DependencyGraph,
    metadata_by_name: Mapping[tuple[str, str], Metadata],
    advisories: Mapping[PackageId, tuple[Advisory, ...] | Unavailable],
    settings: Settings | RiskSettings,
    *,
    packages: Iterable[Package] | None = None,
    suggest: bool = True,
) -> dict[PackageId, Verdict]:
    """Judge every locked package of ``graph`` (project/workspace nodes excluded).

    ``packages`` limits the judging to those packages (e.g. without dev-only
    ones, or the few whose metadata just arrived); the whole graph is still
    used for dependents' ranges and the lockfile's hash coverage.

    ``metadata_by_name`` maps ``(ecosystem, normalised name)`` to the registry
    record as fetched (not cut; this cuts it to ``settings``' as-of). A
    package with no entry is judged "unknown" (metadata-unavailable).
    ``advisories`` maps each locked package to the advisories matched to it;
    a package with no entry is taken to have none.
    """
    rs = _resolve(settings)
    catalog = Catalog(rs, metadata_by_name)
    has_hashes = _records_hashes(graph)
    out: dict[PackageId, Verdict] = {}
    for pkg in graph.dependencies() if packages is None else packages:
        if graph.is_project_node(pkg.id):
            continue
        ctx = _context(pkg, catalog, advisories.get(pkg.id, ()), lockfile_has_hashes=has_hashes)
        out[pkg.id] = _verdict(ctx, graph=graph, suggest=suggest)
    return out
