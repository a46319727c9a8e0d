"""Normalised registry and advisory records: what the risk engine needs, nothing more.

The sources turn raw documents (npm packuments, PyPI JSON, OSV records) into
these frozen records; the cache stores them (trimmed) instead of raw documents,
and the risk engine reads only these. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import islice
from operator import eq
from typing import Any

from depview.versions import version_key

__all__ = [
    "Advisory",
    "AffectedRange",
    "Person",
    "PackageMetadata",
    "Unavailable",
    "VersionIndex",
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
class VersionIndex:
    """What the risk engine would otherwise find by reading every version of a record.

    Built once when a record is made (from the registry, or decoded from the
    cache, which stores it), so judging a package reads a few versions instead
    of its whole history (popular packages have hundreds).
    """

    #: The parseable version texts (keys of ``versions``) in ascending version order;
    #: equal versions (``1.0`` and ``1.0.0`` on PyPI) in the record's order.
    ascending: tuple[str, ...]
    #: The live releases (not unpublished; on PyPI, with files) with a publish time,
    #: oldest first (equal times in the record's order).
    by_time: tuple[str, ...]
    #: The live releases with no publish time, in the record's order.
    untimed: tuple[str, ...]
    #: The earliest publish time of any version (unpublished ones included).
    first_published: datetime | None
    #: The earliest publish time of a live release (not unpublished; on PyPI, with
    #: files) that carries provenance or a trusted publisher.
    first_attested: datetime | None
    #: May two texts stand for one version (``1.0`` and ``1.0.0``; ``1.2.3`` and
    #: ``v1.2.3``)? Readers of ``ascending`` then check neighbours for ties. A record
    #: cut to an instant keeps its record's answer (true at worst: only more checks).
    ties: bool
    #: The versions it was built from (a record whose versions are another object
    #: builds its own: an index is never stale).
    of: Mapping[str, VersionInfo] = field(compare=False, repr=False)

    @classmethod
    def build(cls, ecosystem: str, versions: Mapping[str, VersionInfo]) -> VersionIndex:
        keyed = [(version_key(ecosystem, text), text) for text in versions]
        order = sorted([pair for pair in keyed if pair[0] is not None], key=lambda pair: pair[0])
        pypi = ecosystem == "pypi"
        times = [v.published for v in versions.values() if v.published is not None]
        live = [
            (text, v)
            for text, v in versions.items()
            if not v.unpublished and not (pypi and not v.files)
        ]
        timed = [pair for pair in live if pair[1].published is not None]
        timed.sort(key=lambda pair: pair[1].published)  # type: ignore[arg-type,return-value]
        attested = [
            v.published
            for _text, v in timed
            if (v.provenance or v.trusted_publisher) and v.published is not None
        ]
        keys = [key for key, _text in order]
        return cls(
            tuple([text for _key, text in order]),
            tuple([text for text, _v in timed]),
            tuple([text for text, v in live if v.published is None]),
            min(times) if times else None,
            min(attested) if attested else None,
            any(map(eq, keys, islice(keys, 1, None))),
            versions,
        )

    def as_of(self, instant: datetime, kept: Mapping[str, VersionInfo]) -> VersionIndex:
        """The index of ``kept``: the versions published by ``instant`` (or with no time)."""
        first, attested = self.first_published, self.first_attested
        contains = kept.__contains__
        return VersionIndex(
            tuple(filter(contains, self.ascending)),
            tuple(filter(contains, self.by_time)),
            tuple(filter(contains, self.untimed)),
            first if first is not None and first <= instant else None,
            attested if attested is not None and attested <= instant else None,
            self.ties,
            kept,
        )


@dataclass(frozen=True, slots=True)
class PackageMetadata:
    """Everything known about one package name from its registry.

    ``index`` is built from ``versions`` unless one built from this very
    ``versions`` object is given (as the cache's decoder and :meth:`as_of` do).
    """

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
    index: VersionIndex | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        index = self.index
        if index is None or index.of is not self.versions:
            object.__setattr__(self, "index", VersionIndex.build(self.ecosystem, self.versions))

    @property
    def version_index(self) -> VersionIndex:
        """:attr:`index`, which ``__post_init__`` always sets."""
        index = self.index
        assert index is not None
        return index

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
        return replace(
            self,
            versions=kept,
            dist_tags=tags,
            security_placeholder=placeholder,
            index=self.version_index.as_of(instant, kept),
        )

    def first_published(self) -> datetime | None:
        first = self.version_index.first_published
        return first if first is not None else self.created


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
