"""What the app knows at any moment: graph, verdicts so far, triage, view settings. No Textual.

The app owns one :class:`Session`; widgets read from it and the enrichment
messages write verdicts into it. Navigation (next risky, search, filter) is
answered here, over the whole graph, so it works on nodes the lazy tree has
not built yet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

from rich.text import Text

from depview.config import Settings
from depview.metadata import Advisory, PackageMetadata, Unavailable
from depview.model import DependencyGraph, Package, PackageId, PathsIndex
from depview.report.model import TriageMark
from depview.risk.model import Level, Verdict
from depview.service import Enrichment, judged_packages
from depview.sources.interface import SourceError
from depview.tui.treemodel import Location, SortKey, TreeModel, name_key
from depview.tui.view import Shown, row_label, shown_level, sort_rank

__all__ = ["FILTER_CYCLE", "Progress", "Session", "SortMode"]

SortMode = Literal["risk", "name"]

#: ``f`` steps through these minimum levels (None: everything).
FILTER_CYCLE: tuple[Level | None, ...] = (
    None,
    Level.LOW,
    Level.MEDIUM,
    Level.HIGH,
    Level.CRITICAL,
)


def _count_key(shown: Level | Shown) -> Level | Shown:
    return Level.NONE if shown is Level.INFO else shown


@dataclass(slots=True)
class Progress:
    done: int = 0
    total: int = 0
    errors: int = 0


@dataclass(slots=True)
class Session:
    """The state behind the screens."""

    graph: DependencyGraph
    settings: Settings
    lockfile: Path
    triage_file: Path
    instant: datetime
    demo: bool = False
    model: TreeModel = field(init=False)
    verdicts: dict[PackageId, Verdict] = field(default_factory=dict)
    marks: dict[PackageId, TriageMark] = field(default_factory=dict)
    triage_error: str | None = None  # the triage file could not be read: saving is refused
    enrichment: Enrichment | None = None
    errors: list[SourceError] = field(default_factory=list)
    finished: bool = False
    failure: str | None = None  # enrichment crashed: every pending package is unknown
    progress: Progress = field(default_factory=Progress)
    sort_mode: SortMode = "name"
    min_level: Level | None = None
    version: int = 0  # bumped whenever verdicts, marks or view settings change
    # Bumped when the tree's shape must be recomputed: sort or filter changed, or
    # enrichment finished. Streaming verdicts do not bump it, so n/p and search
    # keep a stable order while the registry data arrives.
    layout_epoch: int = 0
    judged: frozenset[PackageId] = field(init=False)
    _paths: PathsIndex | None = field(default=None, init=False)
    _preorder: tuple[tuple[object, ...], list[PackageId]] | None = field(default=None, init=False)
    _keep: tuple[tuple[object, ...], frozenset[PackageId]] | None = field(default=None, init=False)
    _counts: dict[Level | Shown, int] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.model = TreeModel(self.graph, no_dev=self.settings.no_dev)
        self.judged = frozenset(p.id for p in judged_packages(self.graph, self.settings))
        self._recount()

    def _recount(self) -> None:
        out: dict[Level | Shown, int] = {}
        for pid in self.judged:
            key = _count_key(self.shown(pid))
            out[key] = out.get(key, 0) + 1
        self._counts = out

    # -- verdicts --------------------------------------------------------------
    def add_verdicts(self, batch: Mapping[PackageId, Verdict]) -> set[PackageId]:
        """Store a batch; returns the ids whose verdict actually changed."""
        changed: set[PackageId] = set()
        counts = self._counts
        judged = self.judged
        for pid, verdict in batch.items():
            old = self.verdicts.get(pid)
            if old == verdict:
                continue
            changed.add(pid)
            if pid in judged:
                before = _count_key(shown_level(old, finished=self.finished))
                counts[before] = counts.get(before, 0) - 1
                after = _count_key(shown_level(verdict, finished=self.finished))
                counts[after] = counts.get(after, 0) + 1
            self.verdicts[pid] = verdict
        if changed:
            self.version += 1
        return changed

    def finish(
        self,
        *,
        errors: Iterable[SourceError] = (),
        enrichment: Enrichment | None = None,
        failure: str | None = None,
    ) -> None:
        self.finished = True
        self.failure = failure
        self.errors = list(errors)
        if enrichment is not None:
            self.enrichment = enrichment
        self.version += 1
        self.layout_epoch += 1
        self._recount()

    def shown(self, pid: PackageId) -> Level | Shown:
        if pid not in self.judged:
            # Not judged (dev package with --no-dev, project nodes): nothing to say.
            return Level.NONE
        return shown_level(self.verdicts.get(pid), finished=self.finished)

    def package(self, pid: PackageId) -> Package | None:
        return self.graph.packages.get(pid)

    def label(self, pid: PackageId, *, deduped: bool = False) -> Text:
        return row_label(
            pid,
            self.package(pid),
            self.verdicts.get(pid),
            self.instant,
            finished=self.finished or pid not in self.judged,
            mark=self.marks.get(pid),
            deduped=deduped,
        )

    def counts(self) -> dict[Level | Shown, int]:
        """Judged packages by the level shown (info counts as none); kept up to date."""
        return {k: v for k, v in self._counts.items() if v}

    def mark_active(self, pid: PackageId) -> TriageMark | None:
        mark = self.marks.get(pid)
        return mark if mark is not None and mark.active(self.instant) else None

    # -- filtering, sorting, navigation ----------------------------------------------
    def matches(self, pid: PackageId, threshold: Level) -> bool:
        """At or above ``threshold``; unknown always matches (never hidden as safe)."""
        s = self.shown(pid)
        if s is Shown.UNKNOWN:
            return True
        return isinstance(s, Level) and s >= threshold

    def view_changed(self) -> None:
        """Sort or filter changed: the tree's shape is recomputed."""
        self.version += 1
        self.layout_epoch += 1

    def sort_key(self) -> SortKey | None:
        if self.sort_mode == "name":
            return None  # the model's children are already by name

        def key(pid: PackageId) -> tuple[object, ...]:
            return (-sort_rank(self.shown(pid)), *name_key(pid))

        return key

    def keep_set(self) -> frozenset[PackageId] | None:
        """Packages the filter keeps: matches and every package on a path to one."""
        if self.min_level is None:
            return None
        stamp = (self.layout_epoch, self.min_level)
        if self._keep is not None and self._keep[0] == stamp:
            return self._keep[1]
        targets = [pid for pid in self.model.packages() if self.matches(pid, self.min_level)]
        keep = frozenset(self.model.ancestors_closure(targets))
        self._keep = (stamp, keep)
        return keep

    def keep(self, pid: PackageId) -> bool:
        keep = self.keep_set()
        return keep is None or pid in keep

    def keep_callable(self) -> Callable[[PackageId], bool] | None:
        return None if self.min_level is None else self.keep

    def preorder(self) -> list[PackageId]:
        """Packages in the order the (sorted, filtered) tree shows them in full."""
        stamp = (self.layout_epoch, self.sort_mode, self.min_level)
        if self._preorder is not None and self._preorder[0] == stamp:
            return self._preorder[1]
        keep = None if self.min_level is None else self.keep
        order = self.model.preorder(sort=self.sort_key(), keep=keep)
        self._preorder = (stamp, order)
        return order

    def nav_threshold(self) -> Level:
        """``n``/``p`` stop at the filter level; unfiltered, at medium and up (low is noise)."""
        return self.min_level if self.min_level is not None else Level.MEDIUM

    def step_risky(self, current: PackageId | None, forward: bool) -> tuple[PackageId | None, bool]:
        """The next (or previous) package at the filter level; (pid, wrapped)."""
        order = self.preorder()
        if not order:
            return None, False
        threshold = self.nav_threshold()
        start = order.index(current) if current in order else (-1 if forward else len(order))
        n = len(order)
        step = 1 if forward else -1
        for i in range(1, n + 1):
            raw = start + step * i
            idx = raw % n
            pid = order[idx]
            if pid in self.judged and self.matches(pid, threshold):
                wrapped = raw >= n if forward else raw < 0
                return pid, wrapped
        return None, False

    def search(self, query: str) -> list[PackageId]:
        """Packages whose name contains ``query`` (case-insensitive), prefix matches first."""
        q = query.strip().lower()
        if not q:
            return []
        order = self.preorder()
        prefix = [p for p in order if p.name.lower().startswith(q)]
        inner = [p for p in order if q in p.name.lower() and not p.name.lower().startswith(q)]
        return prefix + inner

    def location(self, pid: PackageId) -> Location | None:
        return self.model.canonical_location(pid)

    def why_paths(self, pid: PackageId, limit: int = 5) -> list[list[PackageId]]:
        if self._paths is None:
            self._paths = self.graph.paths_index()
        return self._paths.paths(pid, limit)

    # -- registry data ---------------------------------------------------------
    def metadata(self, pid: PackageId) -> PackageMetadata | Unavailable | None:
        """The registry record of ``pid``'s name as of the instant (None: not fetched yet)."""
        if self.enrichment is None:
            return None
        meta = self.enrichment.metadata.get((pid.ecosystem, pid.name))
        if isinstance(meta, PackageMetadata):
            return meta.as_of(self.instant)
        return meta

    def advisories(self, pid: PackageId) -> tuple[Advisory, ...] | Unavailable | None:
        if self.enrichment is None:
            return None
        return self.enrichment.advisories.get(pid)

    def errors_for(self, pid: PackageId) -> list[SourceError]:
        purl = pid.purl
        return [e for e in self.errors if e.package in (purl, None)]

    def total_packages(self) -> int:
        return len(self.judged)
