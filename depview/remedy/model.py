"""The export's data: a plan of pins and removals, and the file changes that carry it out.

Pure, frozen values. :mod:`depview.remedy.plan` builds a :class:`Plan` from the
risk engine's verdicts; each writer in :mod:`depview.remedy.writers` turns the
plan into :class:`FileChange` values; :mod:`depview.remedy.api` previews
(unified diff) and writes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from depview.errors import DepviewError
from depview.model import PackageId
from depview.risk.model import Level

__all__ = [
    "ExportError",
    "FileChange",
    "Pin",
    "Plan",
    "Removal",
    "Resolved",
    "ResolvedStatus",
]


class ExportError(DepviewError):
    """An export that cannot be produced (unsupported lockfile, missing package.json, ...)."""


@dataclass(frozen=True, slots=True)
class Pin:
    """Replace ``package`` by ``to_version`` everywhere it is locked.

    ``to_version`` None: no safe version exists (``reason`` says why) and the
    package stays unless a :class:`Removal` drops it. ``paths`` are the
    shortest "why is it here" paths (direct dependency first). ``conflicts``
    lists dependents whose declared range does not admit ``to_version``.
    """

    package: PackageId
    to_version: str | None
    reason: str
    paths: tuple[tuple[PackageId, ...], ...] = ()
    level: Level = Level.NONE
    conflicts: tuple[tuple[PackageId, str], ...] = ()

    @property
    def name(self) -> str:
        return self.package.name

    @property
    def target(self) -> PackageId | None:
        if self.to_version is None:
            return None
        return PackageId(self.package.ecosystem, self.package.name, self.to_version)


class ResolvedStatus(StrEnum):
    LOCKED = "locked"  # a version already in the lockfile satisfies the range
    NEW = "new"  # a version not in the lockfile, judged below the export level
    NEEDS_REVIEW = "needs-review"  # new and judged at or above the level, or not judged at all
    UNRESOLVED = "unresolved"  # no version could be chosen (no metadata, no match, not a range)


@dataclass(frozen=True, slots=True)
class Resolved:
    """A dependency that a pinned version declares differently from the locked one."""

    parent: PackageId  # the pinned package at its new version (or a newly added package)
    name: str
    spec: str
    version: str | None  # None when unresolved
    status: ResolvedStatus
    reason: str
    optional: bool = False
    level: Level | None = None  # the judged level of a new version; None: not judged

    @property
    def id(self) -> PackageId | None:
        if self.version is None:
            return None
        return PackageId(self.parent.ecosystem, self.name, self.version)


@dataclass(frozen=True, slots=True)
class Removal:
    """A locked package that nothing needs any more once the pins are applied."""

    package: PackageId
    reason: str
    because_of: tuple[PackageId, ...] = ()  # the pinned packages that used to pull it in


@dataclass(frozen=True, slots=True)
class Plan:
    """Which packages change, to what, and why. Shared by every export format."""

    ecosystem: str
    level: Level
    as_of: datetime
    pins: tuple[Pin, ...] = ()
    resolved: tuple[Resolved, ...] = ()
    removals: tuple[Removal, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def actionable(self) -> tuple[Pin, ...]:
        """Pins with a version to move to."""
        return tuple(p for p in self.pins if p.to_version is not None)

    @property
    def unsafe(self) -> tuple[Pin, ...]:
        """Pins with no safe version that no removal takes care of."""
        return tuple(p for p in self.pins if p.to_version is None)

    def pin_map(self) -> dict[PackageId, str]:
        """Locked package -> the version it moves to."""
        return {p.package: p.to_version for p in self.pins if p.to_version is not None}

    def added(self) -> tuple[Resolved, ...]:
        """Dependencies of pinned versions that are not in the lockfile yet."""
        return tuple(
            r
            for r in self.resolved
            if r.version is not None
            and r.status in (ResolvedStatus.NEW, ResolvedStatus.NEEDS_REVIEW)
        )

    @property
    def empty(self) -> bool:
        return not self.actionable and not self.removals


@dataclass(frozen=True, slots=True)
class FileChange:
    """One file the export changes (``before`` None: the file does not exist yet).

    ``path`` is the file the change is *for* (the original package.json,
    package-lock.json, constraints.txt); where it is written is decided by
    :func:`depview.remedy.api.write_export` (beside it unless ``--apply``).
    ``notes`` carry what the writer could not express in the file.
    """

    path: Path
    before: str | None
    after: str
    notes: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return self.before != self.after
