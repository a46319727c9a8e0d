"""The seams between the I/O shell and the pure core.

A metadata source answers, for one package name, everything its registry knows
(``PackageMetadata``) or why it could not (``Unavailable``); it never raises for
a network or data problem. An advisory source answers, for many locked
packages at once, the advisories that affect each one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from depview.metadata import Advisory, PackageMetadata, Unavailable
from depview.model import PackageId

__all__ = [
    "AdvisorySource",
    "MetadataSource",
    "Progress",
    "ProgressEvent",
    "SourceError",
]


@dataclass(frozen=True, slots=True)
class SourceError:
    """One failure, as the report's ``errors`` lists it."""

    source: str  # "npm" | "pypi" | "osv"
    package: str | None  # purl, or None for a failure not tied to one package
    message: str


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    done: int
    total: int
    bytes: int = 0
    errors: int = 0
    label: str = ""


Progress = Callable[[ProgressEvent], None]


class MetadataSource(Protocol):
    ecosystem: str

    async def fetch(self, name: str) -> PackageMetadata | Unavailable: ...


class AdvisorySource(Protocol):
    async def query(
        self, packages: Sequence[PackageId]
    ) -> Mapping[PackageId, tuple[Advisory, ...] | Unavailable]: ...
