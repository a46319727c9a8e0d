"""The report every output format renders: one entry per locked package."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from depview.model import DependencyGraph, Package, PackageId
from depview.risk.model import Level, Verdict
from depview.sources.interface import SourceError

__all__ = ["Change", "Entry", "Report", "TriageMark"]


@dataclass(frozen=True, slots=True)
class Change:
    """``diff`` only: ``from_version`` is None for an added package."""

    from_version: str | None
    to_version: str


@dataclass(frozen=True, slots=True)
class TriageMark:
    """A user's decision on a package (from ``.depview-triage.toml``)."""

    state: str  # "accepted" | "ignored" | "investigate"
    note: str = ""
    expires: datetime | None = None
    author: str | None = None

    def active(self, instant: datetime) -> bool:
        return self.expires is None or instant < self.expires


@dataclass(frozen=True, slots=True)
class Entry:
    package: Package
    direct: bool
    paths: tuple[tuple[PackageId, ...], ...]
    verdict: Verdict | None = None  # None: not judged (offline with no data)
    change: Change | None = None
    triage: TriageMark | None = None
    # The real length of each path when long paths were kept as their first and last
    # packages only (depview.report.limits.elide_path); empty when every path is whole.
    path_lengths: tuple[int, ...] = ()

    @property
    def id(self) -> PackageId:
        return self.package.id

    def path_length(self, index: int) -> int:
        """How many packages ``paths[index]`` really has (it may be shown shortened)."""
        if index < len(self.path_lengths):
            return self.path_lengths[index]
        return len(self.paths[index])

    @property
    def level(self) -> Level:
        return self.verdict.level if self.verdict is not None else Level.NONE

    @property
    def suppressed(self) -> bool:
        """Triaged as accepted or ignored (and not expired): not counted for --fail-on."""
        return self.triage is not None and self.triage.state in ("accepted", "ignored")


@dataclass(frozen=True, slots=True)
class Report:
    graph: DependencyGraph
    as_of: datetime
    generated_at: datetime
    entries: tuple[Entry, ...]
    errors: tuple[SourceError, ...] = ()
    removed: tuple[PackageId, ...] = ()  # diff only
    lockfile_display: str | None = None  # path as the user gave it
    extra: Mapping[str, object] = field(default_factory=dict)

    def by_level(self) -> dict[str, int]:
        counts = Counter(e.level for e in self.entries)
        return {lv.label: counts[lv] for lv in sorted(counts, reverse=True)}

    def counted(self) -> list[Entry]:
        """Entries that count for --fail-on (triaged-away ones do not)."""
        return [e for e in self.entries if not e.suppressed]

    def worst(self) -> Level:
        return max((e.level for e in self.counted()), default=Level.NONE)

    def exit_code(self, fail_on: Level) -> int:
        return 1 if fail_on > Level.NONE and self.worst() >= fail_on else 0
