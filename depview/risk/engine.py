"""The risk engine: judge every locked package from its registry history. Pure, sync, fast.

``judge_all`` is the entry point for a whole lockfile: it cuts each package's
metadata to the as-of instant (once per name, and only when the record
changed after it), reads each locked package's :class:`History` (computed
lazily: most packages need only the version before theirs), runs the signals
that can fire on it (project and workspace nodes are never judged), applies
the policy, scores, and suggests a version to pin for every package at high
or above.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from depview.config import Settings
from depview.metadata import Advisory, PackageMetadata, Unavailable, VersionInfo
from depview.model import DependencyGraph, Package, PackageId, SourceKind, normalize_name
from depview.records import positional_constructor, promote_young_objects
from depview.risk.context import History, MetadataLookup, PackageContext, RiskSettings
from depview.risk.model import KINDS, Finding, Level, Suggestion, Verdict
from depview.risk.policy import combine
from depview.risk.scoring import score
from depview.risk.signals import run_all
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

# Enum members as module constants: reading one from its class costs about as much
# as a small function call (the enum metaclass has a ``__getattr__``).
_REGISTRY = SourceKind.REGISTRY
_NONE = Level.NONE

_TUPLE_NEW = tuple.__new__  # PackageContext(...) by position, without its __new__

Metadata = PackageMetadata | Unavailable


def _sort(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(
        sorted(findings, key=lambda f: (-int(f.severity), _KIND_ORDER.get(f.kind, 99), f.title))
    )


def evaluate(ctx: PackageContext) -> tuple[tuple[Finding, ...], Level, tuple[str, ...]]:
    """Every signal on one context: (findings, level after policy, combination sentences)."""
    return _judged(run_all(ctx))


def _judged(findings: list[Finding]) -> tuple[tuple[Finding, ...], Level, tuple[str, ...]]:
    """(findings in report order, level after policy, combination sentences)."""
    if not findings:
        return (), _NONE, ()
    ordered = _sort(findings) if len(findings) > 1 else (findings[0],)
    level, combos = combine(ordered)
    return ordered, level, tuple([c.reason for c in combos]) if combos else ()


def _resolve(settings: Settings | RiskSettings) -> RiskSettings:
    return settings if isinstance(settings, RiskSettings) else RiskSettings.from_settings(settings)


def _cut(
    cuts: dict[tuple[str, str], PackageMetadata],
    source: Mapping[tuple[str, str], Metadata],
    as_of: datetime,
    ecosystem: str,
    name: str,
) -> tuple[Metadata | None, Metadata | None]:
    """``name``'s record (as fetched, cut to ``as_of``); a record that changed after ``as_of``
    is cut once and kept in ``cuts``."""
    key = (ecosystem, normalize_name(ecosystem, name) if ecosystem == "pypi" else name)
    raw = source.get(key)
    if raw is None and key[1] != name:
        raw = source.get((ecosystem, name))
    if not isinstance(raw, PackageMetadata) or (raw.modified is not None and raw.modified <= as_of):
        return raw, raw  # nothing to cut if unchanged since
    cut = cuts.get(key)
    if cut is None:
        cut = cuts[key] = raw.as_of(as_of)
    return raw, cut


@dataclass(slots=True)
class Catalog:
    """Every package's metadata cut to as-of (each record once, when it changed after it).

    Histories are not kept: one is made per judged package (it computes only
    what its signals ask for), so a judged lockfile leaves nothing long-lived
    behind but its verdicts. The look-up functions it hands out share its cuts
    but not the catalog itself (no reference cycle).
    """

    settings: RiskSettings
    source: Mapping[tuple[str, str], Metadata]
    _cuts: dict[tuple[str, str], PackageMetadata] = field(default_factory=dict)
    _lookups: dict[str, MetadataLookup] = field(default_factory=dict)

    def lookup(self, ecosystem: str) -> MetadataLookup:
        found = self._lookups.get(ecosystem)
        if found is None:
            cuts, source, as_of = self._cuts, self.source, self.settings.as_of

            def find(name: str) -> PackageMetadata | Unavailable | None:
                return _cut(cuts, source, as_of, ecosystem, name)[1]

            found = self._lookups[ecosystem] = find
        return found


def _context(
    pkg: Package,
    catalog: Catalog,
    advisories: tuple[Advisory, ...] | Unavailable,
    lockfile_has_hashes: bool,
) -> PackageContext:
    """What :meth:`PackageContext.build` makes, from the catalog's cut records (the hot path)."""
    pid = pkg.id
    eco = pid.ecosystem
    settings = catalog.settings
    if pkg.source.kind is not _REGISTRY:
        return PackageContext.build(
            pkg, None, advisories, settings, lockfile_has_hashes=lockfile_has_hashes
        )
    full, meta = _cut(catalog._cuts, catalog.source, settings.as_of, eco, pid.name)
    history: History | None = None
    info: VersionInfo | None = None
    live: VersionInfo | None = None
    baseline: VersionInfo | None = None
    if isinstance(meta, PackageMetadata):
        history = History(meta)
        info = meta.versions.get(pid.version)
        # Live: still served (not unpublished; a PyPI release with files), as in ``is_live``.
        if info is not None and not info.unpublished and (eco != "pypi" or info.files):
            live = info
            baseline = history.baseline(info)
    elif meta is None:
        meta = Unavailable(eco, "no registry data was fetched for this package")
    # PackageContext(...) with every field, without its generated __new__ (a Python call).
    return _TUPLE_NEW(
        PackageContext,
        (
            pkg,
            meta,
            advisories,
            settings,
            catalog.lookup(eco),
            history,
            info,
            baseline,
            live,
            full if isinstance(full, PackageMetadata) else None,
            lockfile_has_hashes,
            False,  # hypothetical
        ),
    )


# A verdict per judged package: Verdict(...) positionally, for a third of the cost.
_new_verdict = positional_constructor(Verdict)


@lru_cache(maxsize=4096)
def _publisher_label(text: str) -> str | None:
    """A publisher's name (else e-mail) as a verdict shows it; memoised (accounts recur)."""
    return safe(text, 120) or None


def _verdict(
    ctx: PackageContext,
    graph: DependencyGraph | None = None,
    suggest: bool = True,
) -> Verdict:
    info = ctx.info
    package = ctx.package
    publisher: str | None = None
    if info is not None:
        person = info.publisher
        if person is not None:
            publisher = _publisher_label(person.name or person.email or "")
    unknown = package.source.kind is _REGISTRY and not isinstance(ctx.metadata, PackageMetadata)
    found = run_all(ctx)
    if not found:  # the usual case
        published = info.published if info is not None else None
        return _new_verdict(package.id, _NONE, 0, (), None, published, publisher, unknown, ())
    findings, level, combos = _judged(found)
    suggestion: Suggestion | None = None
    if suggest and level >= SUGGEST_AT:
        specs = dependents_specs(graph, package.id) if graph is not None else []
        suggestion = suggest_version(ctx, specs, evaluate_level)
    return _new_verdict(
        package.id,
        level,
        score(level, findings, len(combos)),
        findings,
        suggestion,
        info.published if info is not None else None,
        publisher,
        unknown or "metadata-unavailable" in [f.kind for f in findings],
        combos,
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
    ctx = _context(pkg, catalog, advisories, lockfile_has_hashes)
    return _verdict(ctx, graph, suggest)


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
    out: dict[PackageId, Verdict] = {}
    with _collector_paused():
        rs = _resolve(settings)
        catalog = Catalog(rs, metadata_by_name)
        has_hashes = _records_hashes(graph)
        for pkg in graph.dependencies() if packages is None else packages:
            pid = pkg.id
            if packages is not None and graph.is_project_node(pid):
                continue
            found = advisories.get(pid, ()) if advisories else ()
            out[pid] = _verdict(_context(pkg, catalog, found, has_hashes), graph, suggest)
    return out


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while judging: a lockfile's judging allocates
    a few hundred thousand short-lived, acyclic objects, and with the registry records
    of a large lockfile in memory (millions of objects) the collections they trigger
    cost more than the judging. What survives (the verdicts, the cut records) is
    promoted to the oldest generation when it is turned back on, so the collection
    that would then run has nothing young to walk. Left as found when the caller had
    it off."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        promote_young_objects()
        gc.enable()
