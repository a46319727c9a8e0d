"""Normalised registry and advisory records: what the risk engine needs, nothing more.

The sources turn raw documents (npm packuments, PyPI JSON, OSV records) into
these frozen records; the cache stores them (trimmed) instead of raw documents,
and the risk engine reads only these. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

__all__ = [
    "Advisory",
    "AffectedRange",
    "Person",
    "PackageMetadata",
    "Unavailable",
    "VersionInfo",
]


@dataclass(frozen=True, slots=True)
class Person:
    name: str | None = None
    email: str | None = None

    def __str__(self) -> str:
        if self.name and self.email:
            return f"{self.name} <{self.email}>"
        return self.name or (f"<{self.email}>" if self.email else "unknown")

    @property
    def key(self) -> str:
        """Identity used to compare accounts across versions (account name first)."""
        return (self.name or self.email or "").strip().lower()


@dataclass(frozen=True, slots=True)
class VersionInfo:
    """One published (or unpublished) version of a package."""

    version: str
    published: datetime | None = None
    publisher: Person | None = None  # npm _npmUser; PyPI: publisher identity from provenance
    trusted_publisher: str | None = None  # "github", "gitlab", ... (OIDC / trusted publishing)
    provenance: bool = False  # npm dist.attestations provenance / PEP 740 attestation present
    maintainers: tuple[Person, ...] = ()
    install_scripts: Mapping[str, str] = field(default_factory=dict)  # hook -> command
    dependencies: Mapping[str, str] = field(default_factory=dict)  # name -> range (runtime)
    optional_dependencies: Mapping[str, str] = field(default_factory=dict)
    integrity: str | None = None  # npm dist.integrity (or sha1 "shasum" as "sha1-..." base64)
    tarball: str | None = None  # npm dist.tarball
    hashes: tuple[str, ...] = ()  # PyPI: "sha256:<hex>" of every file of the release
    deprecated: str | None = None
    yanked: bool = False
    yanked_reason: str | None = None
    has_wheel: bool | None = None  # PyPI only: None on npm
    files: tuple[str, ...] = ()  # PyPI file names
    unpublished: bool = False  # present in the registry's time map but no longer served
    git_head: str | None = None

    @property
    def has_install_script(self) -> bool:
        return bool(self.install_scripts)


@dataclass(frozen=True, slots=True)
class PackageMetadata:
    """Everything known about one package name from its registry."""

    ecosystem: str
    name: str
    versions: Mapping[str, VersionInfo]
    dist_tags: Mapping[str, str] = field(default_factory=dict)
    maintainers: tuple[Person, ...] = ()  # current package-level maintainers
    created: datetime | None = None
    modified: datetime | None = None
    security_placeholder: bool = False  # npm replaced the package by a security holding package
    description: str | None = None
    source_url: str | None = None
    organization: str | None = None  # PyPI organisation owning the project
    not_found: bool = False  # the registry does not know the name (404 / no snapshot file)

    def as_of(self, instant: datetime) -> PackageMetadata:
        """The package as it looked at ``instant``: later versions do not exist yet.

        Versions with no publish time are kept (nothing says they are later).
        A security placeholder published after ``instant`` is not yet in force.
        """
        kept = {
            v: info
            for v, info in self.versions.items()
            if info.published is None or info.published <= instant
        }
        placeholder = self.security_placeholder and any(
            is_security_placeholder_version(v) for v in kept
        )
        tags = {t: v for t, v in self.dist_tags.items() if v in kept}
        return replace(self, versions=kept, dist_tags=tags, security_placeholder=placeholder)

    def first_published(self) -> datetime | None:
        times = [v.published for v in self.versions.values() if v.published is not None]
        return min(times) if times else self.created


def is_security_placeholder_version(version: str) -> bool:
    """npm's security holding packages are published as ``0.0.1-security(.N)``."""
    return "-security" in version


@dataclass(frozen=True, slots=True)
class AffectedRange:
    """One OSV ``ranges`` entry, kept for local matching."""

    type: str  # SEMVER | ECOSYSTEM | GIT
    events: tuple[tuple[str, str], ...]  # ("introduced"|"fixed"|"last_affected"|"limit", v)


@dataclass(frozen=True, slots=True)
class Advisory:
    """An OSV record reduced to what depview shows and matches."""

    id: str
    summary: str = ""
    details: str = ""
    aliases: tuple[str, ...] = ()
    published: datetime | None = None
    modified: datetime | None = None
    withdrawn: datetime | None = None
    severity: str | None = None  # "CRITICAL", "HIGH", ... or a CVSS vector/score text
    cvss_score: float | None = None
    malicious: bool = False
    fixed: tuple[str, ...] = ()  # fixed versions for the matched package
    references: tuple[str, ...] = ()
    # For local matching (offline db / snapshot): per affected package name.
    ecosystem: str | None = None
    package: str | None = None
    versions: tuple[str, ...] = ()
    ranges: tuple[AffectedRange, ...] = ()
    raw_affected: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class Unavailable:
    """Registry/advisory data that could not be had, with the reason. Never "safe"."""

    source: str  # "npm" | "pypi" | "osv"
    reason: str
