"""What a signal sees: the locked package, its registry history as of an instant, and settings.

:class:`History` is built once per package name (it is shared by every locked
version of that name) and answers the questions every history-based signal
asks: which releases came before this one, which of them is "the version
before it", since when an account was listed or publishing, which e-mails it
used. :class:`PackageContext` bundles one locked package with its history.

"The version before it" (the contract): the highest version published earlier
than this one, in the same release line (:func:`depview.versions.release_line`)
where one exists, else in any line; versions lower than this one are preferred
over higher ones published earlier (a backport is compared with its own
line's previous patch, not with the newest release). Prereleases are no
baseline for a stable version, and unpublished versions are never one.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from operator import attrgetter
from typing import Any

from depview.config import Settings
from depview.metadata import Advisory, PackageMetadata, Person, Unavailable, VersionInfo
from depview.model import Package
from depview.versions import is_prerelease, release_line, version_key

__all__ = [
    "History",
    "email_of",
    "is_live",
    "person_key",
    "MetadataLookup",
    "PackageContext",
    "RiskSettings",
]

#: Another package's metadata by name (same ecosystem), already cut to as-of; None: not fetched.
MetadataLookup = Callable[[str], "PackageMetadata | Unavailable | None"]


def _no_lookup(_name: str) -> PackageMetadata | Unavailable | None:
    return None


@dataclass(frozen=True, slots=True)
class RiskSettings:
    """The knobs the risk engine reads (from :class:`depview.config.Settings`)."""

    as_of: datetime
    cooldown_days: float = 7.0
    young_package_days: float = 30.0
    cooldown: timedelta = field(init=False, repr=False, compare=False)
    young: timedelta = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "cooldown", timedelta(days=self.cooldown_days))
        object.__setattr__(self, "young", timedelta(days=self.young_package_days))

    @classmethod
    def from_settings(cls, settings: Settings) -> RiskSettings:
        return cls(
            as_of=settings.instant,
            cooldown_days=settings.cooldown_days,
            young_package_days=settings.young_package_days,
        )


_KEYS: dict[str, str] = {}


def person_key(person: Person) -> str:
    """:attr:`Person.key`, memoised by the raw text (the same names recur across releases)."""
    raw = person.name or person.email or ""
    key = _KEYS.get(raw)
    if key is None:
        if len(_KEYS) > 65536:
            _KEYS.clear()
        key = _KEYS[raw] = raw.strip().lower()
    return key


def email_of(person: Person | None) -> str | None:
    if person is None or not person.email:
        return None
    e = person.email.strip().lower()
    return e or None


@lru_cache(maxsize=131072)
def _facts(ecosystem: str, version: str) -> tuple[Any, str | None, bool]:
    """(sort key, release line, prerelease?) of a version, computed once."""
    return (
        version_key(ecosystem, version),
        release_line(ecosystem, version),
        is_prerelease(ecosystem, version),
    )


_BY_TIME = attrgetter("published")


def _time_or_min(info: VersionInfo) -> datetime:
    assert info.published is not None
    return info.published


class History:
    """One package's releases as of an instant, ordered by publish time. Built once, read often."""

    __slots__ = (
        "_accounts",
        "any_attested",
        "_keys",
        "_lines",
        "_pre",
        "_times",
        "ecosystem",
        "first_release",
        "metadata",
        "ordered",
        "untimed",
    )

    def __init__(self, metadata: PackageMetadata) -> None:
        self.metadata = metadata
        eco = self.ecosystem = metadata.ecosystem
        pypi = eco == "pypi"
        timed: list[VersionInfo] = []
        untimed: list[VersionInfo] = []
        earliest: datetime | None = None  # unpublished versions count for the package's age
        for v in metadata.versions.values():
            if v.unpublished or (pypi and not v.files):
                if v.published is not None and (earliest is None or v.published < earliest):
                    earliest = v.published
            elif v.published is None:
                untimed.append(v)
            else:
                timed.append(v)
        timed.sort(key=_BY_TIME)
        #: Published (not unpublished) releases with a time, oldest first.
        self.ordered: tuple[VersionInfo, ...] = tuple(timed)
        self._times: list[datetime] = [v.published for v in timed]  # type: ignore[misc]
        facts = [_facts(eco, v.version) for v in timed]
        self._keys: list[Any] = [f[0] for f in facts]
        self._lines: list[str | None] = [f[1] for f in facts]
        self._pre: list[bool] = [f[2] for f in facts]
        #: Releases with no publish time (ordered by version only).
        self.untimed: tuple[VersionInfo, ...] = tuple(untimed)
        if self._times and (earliest is None or self._times[0] < earliest):
            earliest = self._times[0]
        #: The package's first release (unpublished ones included), else its creation time.
        self.first_release: datetime | None = earliest or metadata.created
        #: Does any release carry provenance or a trusted publisher?
        self.any_attested = False
        for v in timed:
            if v.provenance or v.trusted_publisher:
                self.any_attested = True
                break
        self._accounts: dict[str, _Account] | None = None

    # -- ordering -----------------------------------------------------------
    def before(self, info: VersionInfo) -> tuple[VersionInfo, ...]:
        """Releases published strictly earlier than ``info`` (oldest first)."""
        if info.published is None:
            key = version_key(self.ecosystem, info.version)
            if key is None:
                return ()
            return tuple(
                v
                for v, k in zip(self.ordered, self._keys, strict=True)
                if k is not None and k < key
            )
        return self.ordered[: bisect_left(self._times, info.published)]

    def previous_release(self, info: VersionInfo) -> VersionInfo | None:
        """The release published last before ``info`` (any line): for dormancy."""
        prior = self.before(info)
        return prior[-1] if prior else None

    def line_before(self, info: VersionInfo) -> tuple[VersionInfo, ...]:
        """Releases published earlier in the same release line (oldest first)."""
        line = release_line(self.ecosystem, info.version)
        if info.published is None:
            eco = self.ecosystem
            return tuple(v for v in self.before(info) if release_line(eco, v.version) == line)
        end = self._end(info)
        return tuple(self.ordered[i] for i in range(end) if self._lines[i] == line)

    def _end(self, info: VersionInfo) -> int:
        """How many of :attr:`ordered` were published before ``info``."""
        if info.published is None:
            key = version_key(self.ecosystem, info.version)
            if key is None:
                return 0
            # Untimed: every timed release of a lower version counts as before it.
            return max(
                (i + 1 for i, k in enumerate(self._keys) if k is not None and k < key), default=0
            )
        return bisect_left(self._times, info.published)

    def baseline(self, info: VersionInfo) -> VersionInfo | None:
        """The version before ``info`` (see the module docstring)."""
        end = self._end(info)
        if end == 0:
            return None
        own, line, pre_self = _facts(self.ecosystem, info.version)
        stable = not pre_self
        keys, lines, pre = self._keys, self._lines, self._pre
        # Best candidate per tier: (same line, lower) > (same line) > (lower) > (any).
        best: list[int | None] = [None, None, None, None]
        for i in range(end - 1, -1, -1):  # newest first: ties go to the latest published
            if stable and pre[i]:
                continue
            k = keys[i]
            lower = own is not None and k is not None and k < own
            tier = (0 if lower else 1) if lines[i] == line else (2 if lower else 3)
            j = best[tier]
            if j is None or (k is not None and (keys[j] is None or k > keys[j])):
                best[tier] = i
        for j in best:
            if j is not None:
                return self.ordered[j]
        return None

    def get(self, version: str) -> VersionInfo | None:
        return self.metadata.versions.get(version)

    # -- accounts -----------------------------------------------------------
    def _index(self) -> dict[str, _Account]:
        if self._accounts is None:
            acc: dict[str, _Account] = {}

            def ident(p: Person) -> tuple[str, str | None]:
                e = p.email.strip().lower() if p.email else None
                return (p.name or p.email or "").strip().lower(), e or None

            for v in self.ordered:
                t = _time_or_min(v)
                if v.publisher is not None:
                    key, email = ident(v.publisher)
                    if key:
                        a = acc.get(key) or acc.setdefault(key, _Account())
                        if a.first_published is None:
                            a.first_published = t
                        a.published_count_times.append(t)
                        if email:
                            a.emails.append((t, email, v.version, "publisher"))
                for m in v.maintainers:
                    key, email = ident(m)
                    if not key:
                        continue
                    a = acc.get(key) or acc.setdefault(key, _Account())
                    if a.first_listed is None:
                        a.first_listed = t
                    if email:
                        a.emails.append((t, email, v.version, "maintainer"))
            self._accounts = acc
        return self._accounts

    def known_account(self, account: str, email: str | None, info: VersionInfo) -> bool:
        """Did ``account`` publish a release before ``info``, and (when ``email`` is given)
        show that e-mail in one? A quick newest-first scan for the common case."""
        published = False
        email_seen = email is None
        for i in range(self._end(info) - 1, -1, -1):
            v = self.ordered[i]
            p = v.publisher
            if p is not None and person_key(p) == account:
                published = True
                if not email_seen and email_of(p) == email:
                    email_seen = True
            if not email_seen:
                for m in v.maintainers:
                    if person_key(m) == account and email_of(m) == email:
                        email_seen = True
                        break
            if published and email_seen:
                return True
        return False

    def published_before(self, account: str, instant: datetime) -> int:
        """How many releases ``account`` published before ``instant``."""
        a = self._index().get(account)
        if a is None:
            return 0
        return bisect_left(a.published_count_times, instant)

    def first_listed(self, account: str) -> datetime | None:
        """The publish time of the first release listing ``account`` as a maintainer."""
        a = self._index().get(account)
        if a is None:
            return None
        times = [t for t in (a.first_listed, a.first_published) if t is not None]
        return min(times) if times else None

    def emails_before(
        self, account: str, instant: datetime
    ) -> list[tuple[datetime, str, str, str]]:
        """(time, e-mail, version, role) of ``account`` in releases published before ``instant``."""
        a = self._index().get(account)
        if a is None:
            return []
        return [e for e in a.emails if e[0] < instant]


@dataclass(slots=True)
class _Account:
    first_published: datetime | None = None
    first_listed: datetime | None = None
    published_count_times: list[datetime] = field(default_factory=list)
    emails: list[tuple[datetime, str, str, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PackageContext:
    """Everything one signal may look at for one locked package. Pure data.

    Build it with :meth:`build`, which also finds the locked version's record
    (``info``) and the version before it (``baseline``).
    """

    package: Package
    metadata: PackageMetadata | Unavailable | None  # cut to as-of; None: not fetched at all
    advisories: tuple[Advisory, ...] | Unavailable
    settings: RiskSettings
    lookup: MetadataLookup = _no_lookup
    history: History | None = None
    #: The locked version's registry record (None: unknown; may be an unpublished stub).
    info: VersionInfo | None = None
    #: The version before it (None: first release, or unknown).
    baseline: VersionInfo | None = None
    #: :attr:`info` when the version is still served (not unpublished; a PyPI release with files).
    live_info: VersionInfo | None = None
    #: The uncut metadata (to tell "published after as-of" from "unpublished").
    full: PackageMetadata | None = None
    #: False when the lockfile records no hashes at all (requirements.txt without --hash).
    lockfile_has_hashes: bool = True
    #: Set when judging a candidate version for a suggestion: skip lockfile-only signals.
    hypothetical: bool = False

    @classmethod
    def build(
        cls,
        package: Package,
        metadata: PackageMetadata | Unavailable | None,
        advisories: tuple[Advisory, ...] | Unavailable,
        settings: RiskSettings,
        *,
        lookup: MetadataLookup | None = None,
        history: History | None = None,
        full: PackageMetadata | None = None,
        lockfile_has_hashes: bool = True,
        hypothetical: bool = False,
    ) -> PackageContext:
        """A context; ``metadata`` must already be cut to ``settings.as_of``."""
        info: VersionInfo | None = None
        live: VersionInfo | None = None
        baseline: VersionInfo | None = None
        if isinstance(metadata, PackageMetadata):
            if history is None:
                history = History(metadata)
            info = metadata.versions.get(package.version)
            if info is not None and is_live(metadata.ecosystem, info):
                live = info
                baseline = history.baseline(info)
        return cls(
            package=package,
            metadata=metadata,
            advisories=advisories,
            settings=settings,
            lookup=lookup or _no_lookup,
            history=history,
            info=info,
            baseline=baseline,
            live_info=live,
            full=full,
            lockfile_has_hashes=lockfile_has_hashes,
            hypothetical=hypothetical,
        )

    @property
    def ecosystem(self) -> str:
        return self.package.id.ecosystem

    @property
    def as_of(self) -> datetime:
        return self.settings.as_of

    @property
    def meta(self) -> PackageMetadata | None:
        return self.metadata if isinstance(self.metadata, PackageMetadata) else None

    @property
    def age(self) -> timedelta | None:
        info = self.info
        if info is None or info.published is None:
            return None
        return self.as_of - info.published


def is_live(ecosystem: str, info: VersionInfo) -> bool:
    """Still served by the registry (not unpublished; a PyPI release still has files)."""
    if info.unpublished:
        return False
    return not (ecosystem == "pypi" and not info.files)
