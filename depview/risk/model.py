"""Levels, findings, verdicts: the risk engine's output. Pure data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from typing import Any

from depview.model import PackageId

__all__ = ["KINDS", "Finding", "Level", "Suggestion", "Verdict"]


class Level(IntEnum):
    """``none`` < ``info`` < ``low`` < ``medium`` < ``high`` < ``critical``."""

    NONE = 0
    INFO = 1
    LOW = 2
    MEDIUM = 3
    HIGH = 4
    CRITICAL = 5

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Level:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(
                f"unknown level {text!r} (one of {', '.join(lv.label for lv in cls)})"
            ) from None

    def __str__(self) -> str:
        return self.label


#: The contract's finding kinds, in the order reports list rules.
KINDS: tuple[str, ...] = (
    "advisory",
    "malware",
    "unpublished",
    "install-script",
    "new-install-script",
    "recent-publish",
    "young-package",
    "publisher-change",
    "maintainer-change",
    "provenance-dropped",
    "new-dependency",
    "deprecated",
    "yanked",
    "typosquat",
    "non-registry-source",
    "integrity-mismatch",
    "metadata-unavailable",
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One signal that fired, with the evidence behind it.

    ``title`` is a short phrase; ``detail`` explains it in words a reviewer can
    check ("published 1 h 39 min before as-of by ..."); ``evidence`` holds the
    facts as JSON-ready values (keys depend on ``kind``).
    """

    kind: str
    severity: Level
    title: str
    detail: str
    evidence: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """The version to pin instead (``version`` None: none is safe; ``reason`` says why)."""

    version: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class Verdict:
    """The risk engine's judgement of one package."""

    id: PackageId
    level: Level
    score: int  # 0-100
    findings: tuple[Finding, ...] = ()
    suggestion: Suggestion | None = None
    published: datetime | None = None
    publisher: str | None = None
    unknown: bool = False  # registry data missing: shown as unknown, never as safe
    #: Policy combinations that raised the level above the highest finding, one sentence each.
    combined: tuple[str, ...] = ()

    def kinds(self) -> frozenset[str]:
        return frozenset(f.kind for f in self.findings)
