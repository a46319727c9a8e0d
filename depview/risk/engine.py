"""The risk engine: judge every locked package from its registry history. Pure, sync, fast.

``judge_all`` is the entry point for a whole lockfile: it cuts each package's
metadata to the as-of instant once, builds each name's :class:`History` once,
runs every signal on every locked package (project and workspace nodes are
never judged), applies the policy, scores, and suggests a version to pin for
every package at high or above.
"""

from __future__ import annotations

import gc
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
    extend = findings.extend
    for signal in _FUNCTIONS:
        extend(signal(ctx))
    if not findings:
        return (), Level.NONE, ()
    ordered = _sort(findings) if len(findings) > 1 else (findings[0],)
    level, combos = combine(ordered)
    return ordered, level, tuple(c.reason for c in combos)


_FUNCTIONS = tuple(fn for _kind, fn in SIGNALS)


def _resolve(settings: Settings | RiskSettings) -> RiskSettings:
    return settings if isinstance(settings, RiskSettings) else RiskSettings.from_settings(settings)


@dataclass(slots=True)
class _Entry:
    full: Metadata | None
    cut: Metadata | None
    history: History | None


@dataclass(slots=True)
class Catalog:
    """Every package's metadata cut to as-of, with one :class:`History` per name (built lazily)."""

    settings: RiskSettings
    source: Mapping[tuple[str, str], Metadata]
    _entries: dict[tuple[str, str], _Entry] = field(default_factory=dict)
    _lookups: dict[str, MetadataLookup] = field(default_factory=dict)

    def entry(self, ecosystem: str, name: str) -> _Entry:
        found = self._entries.get((ecosystem, name))
        if found is not None:
            return found
        key = (ecosystem, normalize_name(ecosystem, name))
        found = self._entries.get(key)
        if found is None:
            raw = self.source.get(key)
            if raw is None and key[1] != name:
                raw = self.source.get((ecosystem, name))
            cut: Metadata | None = raw
            history: History | None = None
            if isinstance(raw, PackageMetadata):
                if raw.modified is None or raw.modified > self.settings.as_of:
                    cut = raw.as_of(self.settings.as_of)  # nothing to cut if unchanged since
                assert isinstance(cut, PackageMetadata)
                history = History(cut)
            found = _Entry(raw, cut, history)
            self._entries[key] = found
        self._entries[(ecosystem, name)] = found
        return found

    def full(self, ecosystem: str, name: str) -> Metadata | None:
        return self.entry(ecosystem, name).full

    def get(self, ecosystem: str, name: str) -> Metadata | None:
        return self.entry(ecosystem, name).cut

    def history(self, ecosystem: str, name: str) -> History | None:
        return self.entry(ecosystem, name).history

    def lookup(self, ecosystem: str) -> MetadataLookup:
        found = self._lookups.get(ecosystem)
        if found is None:

            def find(name: str) -> PackageMetadata | Unavailable | None:
                return self.entry(ecosystem, name).cut

            found = self._lookups[ecosystem] = find
        return found


def _context(
    pkg: Package,
    catalog: Catalog,
    advisories: tuple[Advisory, ...] | Unavailable,
    *,
    lockfile_has_hashes: bool,
) -> PackageContext:
    eco = pkg.id.ecosystem
    if pkg.source.kind is not SourceKind.REGISTRY:
        return PackageContext.build(
            pkg, None, advisories, catalog.settings, lockfile_has_hashes=lockfile_has_hashes
        )
    entry = catalog.entry(eco, pkg.name)
    meta = entry.cut
    if meta is None:
        meta = Unavailable(eco, "no registry data was fetched for this package")
    return PackageContext.build(
        pkg,
        meta,
        advisories,
        catalog.settings,
        lookup=catalog.lookup(eco),
        history=entry.history,
        full=entry.full if isinstance(entry.full, PackageMetadata) else None,
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
    unknown = (
        ctx.package.source.kind is SourceKind.REGISTRY
        and not isinstance(ctx.metadata, PackageMetadata)
    ) or any(f.kind == "metadata-unavailable" for f in findings)
    publisher: str | None = None
    if info is not None and info.publisher is not None:
        publisher = safe(info.publisher.name or info.publisher.email or "", 120) or None
    return Verdict(
        id=ctx.package.id,
        level=level,
        score=score(level, findings, len(combos)) if findings else 0,
        findings=findings,
        suggestion=suggestion,
        published=info.published if info is not None else None,
        publisher=publisher,
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
    # Judging allocates many small acyclic objects; the cyclic collector's passes over
    # them cost about a quarter of the time and free nothing, so it pauses meanwhile.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for pkg in graph.dependencies() if packages is None else packages:
            if packages is not None and graph.is_project_node(pkg.id):
                continue
            ctx = _context(pkg, catalog, advisories.get(pkg.id, ()), lockfile_has_hashes=has_hashes)
            out[pkg.id] = _verdict(ctx, graph=graph, suggest=suggest)
    finally:
        if was_enabled:
            gc.enable()
    return out
