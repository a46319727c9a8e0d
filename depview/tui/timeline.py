"""Release history of one package for the detail screen: rows, strips, dependency changes. Pure.

Works on :class:`~depview.metadata.PackageMetadata` already cut to the as-of
instant. "The version before it" follows the contract: the highest version
published earlier than this one, in the same major line where one exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from depview.metadata import PackageMetadata, VersionInfo

__all__ = [
    "DepChange",
    "Release",
    "dependency_changes",
    "major_of",
    "monthly_counts",
    "previous_version",
    "releases",
    "version_key",
]


def version_key(ecosystem: str, version: str) -> tuple[int, Any]:
    """A sort key by the ecosystem's precedence; unparsable versions sort first, by text."""
    if ecosystem == "pypi":
        from packaging.version import InvalidVersion, Version

        try:
            return (1, Version(version))
        except InvalidVersion:
            return (0, version)
    from depview.sources.semver import parse

    parsed = parse(version)
    return (1, parsed) if parsed is not None else (0, version)


def major_of(ecosystem: str, version: str) -> object:
    """The major release number (None when the version does not parse)."""
    key = version_key(ecosystem, version)
    if key[0] == 0:
        return None
    value = key[1]
    if ecosystem == "pypi":
        return value.release[0] if value.release else None
    return value.major


@dataclass(frozen=True, slots=True)
class Release:
    version: str
    info: VersionInfo
    locked: bool  # the version in the lockfile

    @property
    def published(self) -> datetime | None:
        return self.info.published


def releases(meta: PackageMetadata, locked: str) -> list[Release]:
    """Every known release, oldest first (by publish time, then version)."""
    items = list(meta.versions.items())

    def key(item: tuple[str, VersionInfo]) -> tuple[int, float, tuple[int, Any]]:
        v, info = item
        stamp = info.published.timestamp() if info.published else float("-inf")
        return (0 if info.published is None else 1, stamp, version_key(meta.ecosystem, v))

    try:
        items.sort(key=key)
    except TypeError:  # mixed parsable/unparsable keys of different types
        items.sort(key=lambda it: (it[1].published.timestamp() if it[1].published else 0.0, it[0]))
    return [Release(v, info, v == locked) for v, info in items]


def previous_version(meta: PackageMetadata, version: str) -> str | None:
    """The highest version published before ``version``, same major line where one exists."""
    this = meta.versions.get(version)
    if this is None:
        return None
    eco = meta.ecosystem
    cutoff = this.published
    this_key = version_key(eco, version)
    candidates: list[str] = []
    for v, info in meta.versions.items():
        if v == version or info.unpublished:
            continue
        if cutoff is not None and info.published is not None and info.published >= cutoff:
            continue
        if cutoff is None or info.published is None:
            try:
                if not version_key(eco, v) < this_key:
                    continue
            except TypeError:
                continue
        candidates.append(v)
    if not candidates:
        return None
    major = major_of(eco, version)
    same = [v for v in candidates if major is not None and major_of(eco, v) == major]
    pool = same or candidates
    try:
        return max(pool, key=lambda v: version_key(eco, v))
    except TypeError:
        return max(pool)


@dataclass(frozen=True, slots=True)
class DepChange:
    name: str
    before: str | None  # None: added
    after: str | None  # None: removed

    @property
    def kind(self) -> str:
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "changed"


def dependency_changes(before: Mapping[str, str], after: Mapping[str, str]) -> list[DepChange]:
    """Added, removed and re-ranged dependencies, by name."""
    out: list[DepChange] = []
    for name in sorted(set(before) | set(after)):
        b, a = before.get(name), after.get(name)
        if b != a:
            out.append(DepChange(name, b, a))
    return out


def monthly_counts(rel: list[Release], until: datetime, months: int = 24) -> list[int]:
    """Releases per calendar month over the last ``months`` months up to ``until``."""
    counts = [0] * months
    end_index = until.year * 12 + (until.month - 1)
    for r in rel:
        if r.published is None:
            continue
        idx = r.published.year * 12 + (r.published.month - 1)
        offset = end_index - idx
        if 0 <= offset < months:
            counts[months - 1 - offset] += 1
    return counts
