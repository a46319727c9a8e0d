"""Safe-version choice, shared by every export format. Pure: no I/O.

For each package at or above the export level that is not triaged away, the
risk engine's suggestion is the version to pin. When the suggested version
declares dependencies differently from the locked one, each new or changed
range is resolved as well: the version already in the lockfile when one
satisfies it, else the newest version published before as-of that satisfies
it (npm's choice: the ``latest`` tag when it fits, non-deprecated first),
which is then judged by the same rules (``judge``) or flagged "needs review".
Packages that nothing needs any more once the pins apply become removals; a
package with no safe version is either removed that way (plain-crypto-js
disappears when axios is pinned back) or reported with the reason.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from depview.metadata import PackageMetadata, Unavailable, VersionInfo
from depview.model import DependencyGraph, PackageId
from depview.remedy.model import (
    Pin,
    Plan,
    Removal,
    Resolved,
    ResolvedStatus,
)
from depview.report.model import TriageMark
from depview.risk.model import Level, Verdict
from depview.versions import is_prerelease, satisfies, version_key

__all__ = [
    "Judge",
    "MetaKey",
    "Pin",
    "Plan",
    "Removal",
    "Resolved",
    "ResolvedStatus",
    "choose_version",
    "make_plan",
    "split_alias",
]

MetaKey = tuple[str, str]
MetadataMap = Mapping[MetaKey, PackageMetadata | Unavailable]
#: Judges a package that is not in the lockfile yet; None when it cannot be judged.
Judge = Callable[[PackageId], Verdict | None]

MAX_NEW_PACKAGES = 300
SUPPRESSING_STATES = ("accepted", "ignored")
LOCKED = ResolvedStatus.LOCKED
UNRESOLVED = ResolvedStatus.UNRESOLVED


def split_alias(ecosystem: str, name: str, spec: str) -> tuple[str, str]:
    """``(real name, range)`` of a dependency; npm aliases ``npm:real@range`` unwrapped."""
    if ecosystem == "npm" and spec.startswith("npm:"):
        body = spec[4:]
        at = body.rfind("@")
        if at > 0:
            return body[:at], body[at + 1 :] or "*"
        return body, "*"
    return name, spec


def _published_ok(info: VersionInfo, as_of: datetime) -> bool:
    return info.published is None or info.published <= as_of


def choose_version(meta: PackageMetadata, spec: str, as_of: datetime) -> str | None:
    """The version a package manager would pick for ``spec`` as of ``as_of`` (None: none fits).

    npm's rule: the ``latest`` dist-tag when it satisfies the range, else the
    highest satisfying version; non-deprecated versions first.
    """
    eco = meta.ecosystem
    fits = [
        v
        for v, info in meta.versions.items()
        if not info.unpublished
        and not info.yanked
        and _published_ok(info, as_of)
        and satisfies(eco, v, spec) is True
    ]
    if not fits:
        return None
    fresh = [v for v in fits if not meta.versions[v].deprecated] or fits
    latest = meta.dist_tags.get("latest")
    if latest is not None and latest in fresh:
        return latest
    stable = [v for v in fresh if not is_prerelease(eco, v)] or fresh
    known = [v for v in stable if version_key(eco, v) is not None]
    if not known:
        return None
    return max(known, key=lambda v: _sort_key(eco, v))


def _sort_key(ecosystem: str, version: str) -> tuple[int, object]:
    key = version_key(ecosystem, version)
    return (0, version) if key is None else (1, key)


def _deps_of(info: VersionInfo) -> list[tuple[str, str, bool]]:
    """(name, spec, optional) of a version's runtime dependencies, manifest order."""
    out: list[tuple[str, str, bool]] = []
    optional = dict(info.optional_dependencies)
    for name, spec in info.dependencies.items():
        if name not in optional:
            out.append((name, spec, False))
    out.extend((name, spec, True) for name, spec in optional.items())
    return out


@dataclass(slots=True)
class _Builder:
    graph: DependencyGraph
    metadata: MetadataMap
    as_of: datetime
    level: Level
    judge: Judge | None
    notes: list[str] = field(default_factory=list)
    resolved: list[Resolved] = field(default_factory=list)
    new_children: dict[PackageId, list[PackageId]] = field(default_factory=dict)
    added: set[PackageId] = field(default_factory=set)
    _by_name: dict[str, list[PackageId]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for pid in self.graph.packages:
            if not self.graph.is_project_node(pid):
                self._by_name.setdefault(pid.name, []).append(pid)

    @property
    def eco(self) -> str:
        return self.graph.ecosystem

    def meta(self, name: str) -> PackageMetadata | None:
        found = self.metadata.get((self.eco, name))
        if isinstance(found, PackageMetadata) and not found.not_found:
            return found
        return None

    def info(self, name: str, version: str) -> VersionInfo | None:
        meta = self.meta(name)
        return meta.versions.get(version) if meta is not None else None

    def locked_match(self, name: str, spec: str, skip: frozenset[PackageId]) -> PackageId | None:
        fits = [
            p
            for p in self._by_name.get(name, ())
            if p not in skip and satisfies(self.eco, p.version, spec) is True
        ]
        if not fits:
            return None
        return max(fits, key=lambda p: _sort_key(self.eco, p.version))

    def judge_new(self, pid: PackageId) -> tuple[ResolvedStatus, Level | None, str]:
        if self.judge is None:
            return ResolvedStatus.NEEDS_REVIEW, None, "not judged (needs review)"
        verdict = self.judge(pid)
        if verdict is None or verdict.unknown:
            return ResolvedStatus.NEEDS_REVIEW, None, "could not be judged (needs review)"
        if verdict.level >= self.level:
            kinds = ", ".join(sorted(verdict.kinds())) or "no findings"
            return (
                ResolvedStatus.NEEDS_REVIEW,
                verdict.level,
                f"judged {verdict.level.label} ({kinds}): needs review",
            )
        return ResolvedStatus.NEW, verdict.level, f"judged {verdict.level.label}"

    def record(
        self, parent: PackageId, name: str, spec: str, optional: bool,
        version: str | None, status: ResolvedStatus, why: str,
    ) -> None:  # fmt: skip
        self.resolved.append(Resolved(parent, name, spec, version, status, why, optional))

    def resolve_deps(
        self,
        parent: PackageId,
        info: VersionInfo,
        old: PackageId | None,
        skip: frozenset[PackageId],
    ) -> list[PackageId]:
        """Children of ``parent`` (a pinned or new version); records what had to be resolved."""
        old_edges = {}
        if old is not None:
            old_edges = {(e.alias or e.child.name): e for e in self.graph.children(old)}
        children: list[PackageId] = []
        queue_new: list[tuple[PackageId, VersionInfo]] = []
        for dep, spec, optional in _deps_of(info):
            real, rng = split_alias(self.eco, dep, spec)

            record = partial(self.record, parent, real, spec, optional)

            edge = old_edges.get(dep)
            if (
                edge is not None
                and edge.child not in skip
                and satisfies(self.eco, edge.child.version, rng) is True
            ):
                children.append(edge.child)
                if edge.spec != spec:
                    record(edge.child.version, LOCKED, f"the locked {edge.child} satisfies {spec}")
                continue
            locked = self.locked_match(real, rng, skip)
            if locked is not None:
                children.append(locked)
                record(locked.version, LOCKED, f"the locked {locked} satisfies {spec}")
                continue
            meta = self.meta(real)
            if meta is None:
                record(None, UNRESOLVED, f"no registry data for {real}")
                continue
            version = choose_version(meta, rng, self.as_of)
            if version is None:
                why = f"no version of {real} published before as-of satisfies {spec}"
                record(None, UNRESOLVED, why)
                continue
            pid = PackageId(self.eco, real, version)
            children.append(pid)
            if pid in self.added:
                continue
            status, lvl, why = self.judge_new(pid)
            self.resolved.append(Resolved(parent, real, spec, version, status, why, optional, lvl))
            self.added.add(pid)
            new_info = meta.versions.get(version)
            if new_info is not None:
                queue_new.append((pid, new_info))
        for pid, new_info in queue_new:
            if len(self.added) > MAX_NEW_PACKAGES:
                self.notes.append(
                    f"more than {MAX_NEW_PACKAGES} new packages needed: stopped resolving "
                    "(use --relock to let the package manager resolve them)"
                )
                break
            if pid not in self.new_children:
                self.new_children[pid] = []  # cycle guard
                self.new_children[pid] = self.resolve_deps(pid, new_info, None, skip)
        return children


def _suppressed(mark: TriageMark | None, instant: datetime) -> bool:
    return mark is not None and mark.state in SUPPRESSING_STATES and mark.active(instant)


def _reachable(
    roots: Iterable[PackageId], children: Callable[[PackageId], Iterable[PackageId]]
) -> set[PackageId]:
    seen: set[PackageId] = set()
    queue: deque[PackageId] = deque(roots)
    while queue:
        node = queue.popleft()
        if node in seen:
            continue
        seen.add(node)
        queue.extend(c for c in children(node) if c not in seen)
    return seen


def _pin_for(
    b: _Builder, pid: PackageId, verdict: Verdict, paths: tuple[tuple[PackageId, ...], ...]
) -> Pin | None:
    graph = b.graph
    s = verdict.suggestion
    if s is None:
        why = "the risk engine suggests no version; review it by hand"
        return Pin(pid, None, why, paths, verdict.level)
    if s.version is None:
        return Pin(pid, None, s.reason or "no safe version", paths, verdict.level)
    if s.version == pid.version:
        b.notes.append(f"{pid}: the suggested version is the locked one; nothing to pin")
        return None
    info = b.info(pid.name, s.version)
    reason = s.reason or f"pinned back from {pid.version}"
    if info is None:
        b.notes.append(f"{pid.name}@{s.version}: not in the registry data; check it exists")
    elif info.published is not None and info.published > b.as_of:
        b.notes.append(f"{pid.name}@{s.version}: published after as-of; check it")
    conflicts: list[tuple[PackageId, str]] = []
    for parent in graph.parents(pid):
        for edge in graph.children(parent):
            if edge.child != pid or edge.spec is None:
                continue
            _, rng = split_alias(b.eco, edge.alias or pid.name, edge.spec)
            if satisfies(b.eco, s.version, rng) is False:
                conflicts.append((parent, edge.spec))
    return Pin(pid, s.version, reason, paths, verdict.level, tuple(conflicts))


def make_plan(
    graph: DependencyGraph,
    verdicts: Mapping[PackageId, Verdict],
    metadata: MetadataMap,
    *,
    as_of: datetime,
    level: Level = Level.HIGH,
    triage: Mapping[PackageId, TriageMark] | None = None,
    judge: Judge | None = None,
) -> Plan:
    """The pins, resolved dependencies and removals that make the graph safe at ``level``."""
    b = _Builder(graph, metadata, as_of, level, judge)
    index = graph.paths_index()
    pins: list[Pin] = []
    for pid in sorted(verdicts):
        verdict = verdicts[pid]
        if verdict.level < level or pid not in graph.packages or graph.is_project_node(pid):
            continue
        mark = triage.get(pid) if triage else None
        if _suppressed(mark, as_of):
            assert mark is not None
            b.notes.append(f"{pid}: skipped, triaged as {mark.state}")
            continue
        paths = tuple(tuple(p) for p in index.paths(pid, 5))
        pin = _pin_for(b, pid, verdict, paths)
        if pin is not None:
            pins.append(pin)

    pinned = frozenset(p.package for p in pins)
    unknown_deps: list[str] = []
    for pin in pins:
        target = pin.target
        if target is None:
            continue
        info = b.info(pin.name, target.version)
        if info is None or (b.eco == "pypi" and not info.dependencies):
            unknown_deps.append(str(target))
            b.new_children[pin.package] = [e.child for e in graph.children(pin.package)]
            continue
        b.new_children[pin.package] = b.resolve_deps(target, info, pin.package, pinned)
    if unknown_deps:
        if b.eco == "pypi":
            what = "PyPI does not publish per-version dependencies"
        else:
            what = "no registry data for the pinned version"
        b.notes.append(
            f"dependencies of {', '.join(unknown_deps)} assumed unchanged ({what}); "
            "the package manager resolves them when it applies the pins"
        )

    # Removals: reachable before, not after, and not one of the pinned packages.
    def before(node: PackageId) -> Iterable[PackageId]:
        return (e.child for e in graph.children(node))

    def after(node: PackageId) -> Iterable[PackageId]:
        if node in b.new_children:
            return b.new_children[node]
        return before(node)

    roots = [p for p in graph.packages if graph.is_project_node(p)] or list(graph.roots)
    was = _reachable(roots, before)
    now = _reachable(roots, after)
    replaced = frozenset(p.package for p in pins if p.to_version is not None)
    gone = sorted((was - now) - replaced - {p for p in graph.packages if graph.is_project_node(p)})
    subtree = {pin.package: _reachable([pin.package], before) for pin in pins if pin.to_version}
    removals: list[Removal] = []
    by_removed: dict[PackageId, Removal] = {}
    target_of = {p.package: p.to_version for p in pins if p.to_version}
    for pid in gone:
        culprits = tuple(k for k, sub in subtree.items() if pid in sub)
        names = ", ".join(f"{c.name} is pinned to {target_of[c]}" for c in culprits)
        reason = f"nothing depends on it once {names}" if names else "no longer reachable"
        removal = Removal(pid, reason, culprits)
        removals.append(removal)
        by_removed[pid] = removal

    final_pins: list[Pin] = []
    for pin in pins:
        if pin.to_version is None and pin.package in by_removed:
            removal = by_removed[pin.package]
            why = f"no safe version ({pin.reason}); removed: {removal.reason}"
            by_removed[pin.package] = Removal(pin.package, why, removal.because_of)
            continue
        if pin.to_version is None:
            needed_by = [str(p) for p in graph.parents(pin.package) if p not in replaced]
            if any(graph.is_project_node(p) for p in graph.parents(pin.package)):
                hint = "it is a direct dependency: remove it from the manifest"
            elif needed_by:
                hint = (
                    f"still needed by {', '.join(needed_by[:3])}: remove or replace that dependency"
                )
            else:
                hint = "remove or replace the dependency on it by hand"
            b.notes.append(f"{pin.package}: no safe version ({pin.reason}); {hint}")
        final_pins.append(pin)
    removals = [by_removed[r.package] for r in removals]

    for r in b.resolved:
        if r.status is ResolvedStatus.UNRESOLVED:
            b.notes.append(f"{r.parent} needs {r.name}@{r.spec}: {r.reason} (needs review)")
        elif r.status is ResolvedStatus.NEEDS_REVIEW:
            b.notes.append(
                f"{r.parent} needs {r.name}@{r.spec}: new {r.name}@{r.version} {r.reason}"
            )
    return Plan(
        ecosystem=graph.ecosystem,
        level=level,
        as_of=as_of,
        pins=tuple(final_pins),
        resolved=tuple(b.resolved),
        removals=tuple(removals),
        notes=tuple(dict.fromkeys(b.notes)),
    )
