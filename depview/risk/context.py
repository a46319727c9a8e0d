"""What a signal sees: the locked package, its registry history as of an instant, and settings.

:class:`History` answers the questions every history-based signal asks about
one package name: which releases came before this one, which of them is "the
version before it", since when an account was listed or publishing, which
e-mails it used. It computes each answer on first need (most packages only
need the version before theirs), so it is cheap to make one per judged
package. :class:`PackageContext` bundles one locked package with its history.

"The version before it" (the contract): the highest version published earlier
than this one, in the same release line (:func:`depview.versions.release_line`)
where one exists, else in any line; versions lower than this one are preferred
over higher ones published earlier (a backport is compared with its own
line's previous patch, not with the newest release). Prereleases are no
baseline for a stable version, and unpublished versions are never one.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from itertools import islice
from operator import attrgetter, indexOf
from typing import Any, NamedTuple

from depview.config import Settings
from depview.metadata import (
    Advisory,
    PackageMetadata,
    Person,
    Unavailable,
    VersionInfo,
)
from depview.model import Package
from depview.versions import Facts, release_line, version_facts, version_key

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


@lru_cache(maxsize=65536)
def _folded(raw: str) -> str:
    return raw.strip().lower()


def person_key(person: Person) -> str:
    """:attr:`Person.key`, memoised by the raw text (the same names recur across releases)."""
    return _folded(person.name or person.email or "")


def email_of(person: Person | None) -> str | None:
    """The person's e-mail, stripped and lower-cased (None when empty); memoised by the raw text."""
    if person is None or not person.email:
        return None
    return _folded(person.email) or None


#: Per ecosystem: version text -> its facts, parsed once per process (cleared when full).
_FACTS: dict[str, dict[str, Facts]] = {}
_FACTS_MAX = 262144


def _facts_table(ecosystem: str) -> dict[str, Facts]:
    table = _FACTS.get(ecosystem)
    if table is None:
        table = _FACTS[ecosystem] = {}
    return table


def _facts(ecosystem: str, version: str) -> Facts:
    """(sort key, release line, prerelease?) of a version, computed once per process."""
    table = _facts_table(ecosystem)
    found = table.get(version)
    if found is None:
        if len(table) >= _FACTS_MAX:
            table.clear()
        found = table[version] = version_facts(ecosystem, version)
    return found


_BY_TIME = attrgetter("published")


def _beats(key: Any, time: datetime, best_key: Any, best_time: datetime) -> bool:
    """Does a candidate met earlier in registry order beat the best one of its tier so far?

    The higher version wins; an unparseable one only against another; equal
    versions go to the later publish time (at the same time, the best one so
    far comes later in registry order and stays)."""
    if key is None:
        return best_key is None and time > best_time
    return best_key is None or key > best_key or (key == best_key and time > best_time)


def _backwards(versions: Mapping[str, VersionInfo]) -> Iterable[VersionInfo]:
    """``versions.values()`` from the last entry to the first."""
    if isinstance(versions, dict):
        return reversed(versions.values())
    return reversed(list(versions.values()))


def _candidate(v: VersionInfo, t: datetime, pypi: bool) -> datetime | None:
    """``v``'s publish time when it is a possible "version before" a release of ``t``
    (published before ``t``, live), else None."""
    p = v.published
    if p is not None and p < t and not v.unpublished and not (pypi and not v.files):
        return p
    return None


class _Order:
    """:attr:`History.ordered` with its parallel lists (publish times; version facts,
    parsed on first need: most readers only slice by time)."""

    __slots__ = ("_parsed", "ecosystem", "ordered", "times", "untimed")

    def __init__(self, metadata: PackageMetadata) -> None:
        self.ecosystem = metadata.ecosystem
        self._parsed: tuple[list[Any], list[str | None], list[bool]] | None = None
        index = metadata.version_index
        get = metadata.versions.__getitem__
        self.ordered: tuple[VersionInfo, ...] = tuple(map(get, index.by_time))
        self.untimed: tuple[VersionInfo, ...] = tuple(map(get, index.untimed))
        self.times: list[datetime] = list(map(_BY_TIME, self.ordered))

    def facts(self) -> tuple[list[Any], list[str | None], list[bool]]:
        """(sort keys, release lines, prerelease?) of :attr:`ordered`."""
        found = self._parsed
        if found is None:
            eco = self.ecosystem
            get = _facts_table(eco).get
            facts = [get(v.version) or _facts(eco, v.version) for v in self.ordered]
            found = self._parsed = (
                [f[0] for f in facts],
                [f[1] for f in facts],
                [f[2] for f in facts],
            )
        return found

    @property
    def keys(self) -> list[Any]:
        return self.facts()[0]

    @property
    def lines(self) -> list[str | None]:
        return self.facts()[1]


class History:
    """One package's releases as of an instant.

    Everything is computed on first need and kept: most packages only ask for
    the version before the locked one (:meth:`baseline`, read from the record's
    :class:`~depview.metadata.VersionIndex`) and the first release; the
    time-ordered list (:attr:`ordered`) and an account's record are built only
    for the signals that read them.
    """

    __slots__ = ("_accounts", "_first", "_order", "ecosystem", "metadata")

    def __init__(self, metadata: PackageMetadata) -> None:
        self.metadata = metadata
        self.ecosystem = metadata.ecosystem
        self._first: tuple[datetime | None] | None = None
        self._order: _Order | None = None
        self._accounts: dict[str, _Account | None] | None = None

    # -- lazily computed facts ----------------------------------------------
    def _sorted(self) -> _Order:
        order = self._order
        if order is None:
            order = self._order = _Order(self.metadata)
        return order

    @property
    def ordered(self) -> tuple[VersionInfo, ...]:
        """Published (not unpublished) releases with a time, oldest first."""
        return self._sorted().ordered

    @property
    def untimed(self) -> tuple[VersionInfo, ...]:
        """Releases with no publish time (ordered by version only)."""
        return self._sorted().untimed

    @property
    def first_release(self) -> datetime | None:
        """The package's first release (unpublished ones included), else its creation time."""
        first = self._first
        if first is None:
            first = self._first = (self.metadata.first_published(),)
        return first[0]

    def attested_before(self, moment: datetime) -> bool:
        """Was a live release with provenance or a trusted publisher published before
        ``moment``? (from the index)"""
        first = self.metadata.version_index.first_attested
        return first is not None and first < moment

    # -- ordering -----------------------------------------------------------
    def before(self, info: VersionInfo) -> tuple[VersionInfo, ...]:
        """Releases published strictly earlier than ``info`` (oldest first)."""
        order = self._sorted()
        if info.published is None:
            key = version_key(self.ecosystem, info.version)
            if key is None:
                return ()
            return tuple(
                v
                for v, k in zip(order.ordered, order.keys, strict=True)
                if k is not None and k < key
            )
        return order.ordered[: bisect_left(order.times, info.published)]

    def previous_release(self, info: VersionInfo) -> VersionInfo | None:
        """The release published last before ``info`` (any line): for dormancy."""
        t = info.published
        if t is not None:
            # Read from the index: ``info``'s place in publish order, then back past
            # releases of the same instant (without building the ordered list).
            by_time = self.metadata.version_index.by_time
            try:
                j = by_time.index(info.version) - 1
            except ValueError:
                pass  # not a live release: the general way below
            else:
                versions = self.metadata.versions
                while j >= 0:
                    v = versions[by_time[j]]
                    if v.published is not None and v.published < t:
                        return v
                    j -= 1
                return None
        prior = self.before(info)
        return prior[-1] if prior else None

    def line_before(self, info: VersionInfo) -> tuple[VersionInfo, ...]:
        """Releases published earlier in the same release line (oldest first)."""
        line = release_line(self.ecosystem, info.version)
        if info.published is None:
            eco = self.ecosystem
            return tuple(v for v in self.before(info) if release_line(eco, v.version) == line)
        end = self._end(info)
        order = self._sorted()
        ordered, lines = order.ordered, order.lines
        return tuple(ordered[i] for i in range(end) if lines[i] == line)

    def _end(self, info: VersionInfo) -> int:
        """How many of :attr:`ordered` were published before ``info``."""
        order = self._sorted()
        if info.published is None:
            key = version_key(self.ecosystem, info.version)
            if key is None:
                return 0
            # Untimed: every timed release of a lower version counts as before it.
            return max(
                (i + 1 for i, k in enumerate(order.keys) if k is not None and k < key), default=0
            )
        return bisect_left(order.times, info.published)

    def baseline(self, info: VersionInfo) -> VersionInfo | None:
        """The version before ``info`` (see the module docstring).

        Candidates are the live releases published before ``info``. The best one
        per tier: (same line, lower) > (same line) > (lower) > (any); within a tier
        the highest version, ties to the one published last (as in :attr:`ordered`:
        by time, then registry order); unparseable versions only when nothing else.

        One pass, newest entries of the registry's record first (where the version
        before it usually is): a tier is not tracked once a better one has a
        candidate. A release is placed in its tier from its version's facts alone
        and only then, if it would beat that tier's best so far, checked for being
        a candidate (published before ``info``, live). Once the first tier has one,
        the rest of the pass looks only for a higher version of it: most releases
        are passed over after a comparison or two.
        """
        t = info.published
        if t is None:
            return self._baseline_untimed(info)
        eco = self.ecosystem
        pypi = eco == "pypi"
        # Each version's facts: a KeyError (once per version text and process) parses them.
        facts = _FACTS.get(eco) or _facts_table(eco)
        own, line, pre_self = _facts(eco, info.version)
        stable = not pre_self
        comparable = own is not None  # an unparseable version has no "lower" ones
        if stable and comparable and (not pypi or own[0] == 0):
            found = self._baseline_indexed(info.version, own, line, t, pypi)
            if found is not None:
                return found
        b0 = b1 = b2 = b3 = None
        k0 = k1 = k2 = k3 = None
        t0 = t1 = t2 = t3 = t
        # Backwards through the registry's order: of two candidates with the same
        # version and time, the one met first is the later one in `ordered`.
        versions = self.metadata.versions
        backwards = iter(_backwards(versions))
        for v in backwards:
            try:
                k, v_line, v_pre = facts[v.version]
            except KeyError:
                k, v_line, v_pre = _facts(eco, v.version)
            if v_pre and stable:
                continue
            if v_line == line:
                if comparable and k is not None and k < own:
                    tier = 0
                else:
                    tier = 1
            elif b1 is not None:
                continue
            elif b2 is not None:
                if k is None or k < k2 or not k < own:
                    continue
                tier = 2
            elif comparable and k is not None and k < own:
                tier = 2
            else:
                tier = 3
            p = _candidate(v, t, pypi)
            if p is None:
                continue
            if tier == 0:
                b0, k0, t0 = v, k, p
                break  # the best tier has a candidate: only a better one of it counts now
            if tier == 1:
                if b1 is None or _beats(k, p, k1, t1):
                    b1, k1, t1 = v, k, p
            elif tier == 2:
                if b2 is None or k != k2 or p > t2:
                    b2, k2, t2 = v, k, p
            elif b3 is None or _beats(k, p, k3, t3):
                b3, k3, t3 = v, k, p
        else:
            if b1 is not None:
                return b1
            return b2 if b2 is not None else b3
        # Lower than this version, in its line: the higher one wins, then the later one.
        for v in backwards:
            try:
                k, v_line, v_pre = facts[v.version]
            except KeyError:
                k, v_line, v_pre = _facts(eco, v.version)
            if v_line != line or k is None or k < k0 or not k < own or (v_pre and stable):
                continue
            p = _candidate(v, t, pypi)
            if p is not None and (k != k0 or p > t0):
                b0, k0, t0 = v, k, p
        return b0

    def _baseline_indexed(
        self, text: str, own: Any, line: str | None, t: datetime, pypi: bool
    ) -> VersionInfo | None:
        """:meth:`baseline` of a stable release (epoch 0 on PyPI) read from the record's
        version-ordered index: ``text``'s place in it, then a walk down its line
        (and, when its line has nothing lower, up its line, then down the lines below).
        Reads a few versions instead of all of them. None: undecided here (two
        releases of one version, or only higher lines or unparseable versions left), and
        the full pass decides.

        Below ``own`` in the index, its own line is one run (npm keys start with the
        major, PEP 440 keys with the epoch then the release, whose first part is the line).
        """
        meta = self.metadata
        index = meta.version_index
        ascending = index.ascending
        versions = meta.versions
        eco = self.ecosystem
        get = _facts_table(eco).get
        ties = index.ties  # two texts of one version somewhere (rare): check neighbours
        if pypi and ascending and _facts(eco, ascending[-1])[0][0]:
            return None  # a later epoch: its releases may share own's line (the full pass)
        try:
            # In C, from the top (where locked versions usually are).
            lo = len(ascending) - 1 - indexOf(reversed(ascending), text)
        except ValueError:  # pragma: no cover - own is a parseable version of the record
            return None
        # Tier 0: the highest stable candidate lower than own in its line.
        i = lo - 1
        while i >= 0:
            v_text = ascending[i]
            k, v_line, v_pre = get(v_text) or _facts(eco, v_text)
            if v_line != line:
                break
            if not v_pre and _candidate(v := versions[v_text], t, pypi) is not None:
                if ties and (k == own or (i and _facts(eco, ascending[i - 1])[0] == k)):
                    return None  # two texts of one version: the full pass places them
                return v
            i -= 1
        below = i  # the highest index in a lower line (or -1)
        if ties:
            return None  # the rarer tiers: the full pass
        # Tier 1: own's line, not lower (own itself is no candidate: not before itself).
        best: VersionInfo | None = None
        for v_text in islice(ascending, lo + 1, None):
            k, v_line, v_pre = get(v_text) or _facts(eco, v_text)
            if v_line != line:
                break
            if not v_pre and _candidate(v := versions[v_text], t, pypi) is not None:
                best = v  # the highest so far (no ties: ``ties`` is false)
        if best is not None:
            return best
        # Tier 2: the highest stable candidate in a lower line.
        while below >= 0:
            v_text = ascending[below]
            if not (get(v_text) or _facts(eco, v_text))[2] and (
                _candidate(v := versions[v_text], t, pypi) is not None
            ):
                return v
            below -= 1
        return None  # tier 3 (higher lines, unparseable versions) or nothing: the full pass

    def _baseline_untimed(self, info: VersionInfo) -> VersionInfo | None:
        """:meth:`baseline` of a release with no publish time (a newest-first scan of :attr:`ordered`)."""
        end = self._end(info)
        if end == 0:
            return None
        own, line, pre_self = _facts(self.ecosystem, info.version)
        stable = not pre_self
        order = self._sorted()
        keys, lines, pre = order.facts()
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
                return order.ordered[j]
        return None

    def get(self, version: str) -> VersionInfo | None:
        return self.metadata.versions.get(version)

    # -- accounts -----------------------------------------------------------
    def _account(self, account: str) -> _Account | None:
        """What :attr:`ordered` shows of ``account`` (None: it appears in no release)."""
        accounts = self._accounts
        if accounts is None:
            accounts = self._accounts = {}
        elif account in accounts:
            return accounts[account]
        found: _Account | None = None
        if account:
            fold = _folded
            order = self._sorted()
            for v, t in zip(order.ordered, order.times, strict=True):
                p = v.publisher
                if p is not None and fold(p.name or p.email or "") == account:
                    if found is None:
                        found = _Account()
                    if found.first_published is None:
                        found.first_published = t
                    found.published_count_times.append(t)
                    email = email_of(p)
                    if email:
                        found.emails.append((t, email, v.version, "publisher"))
                for m in v.maintainers:
                    if fold(m.name or m.email or "") != account:
                        continue
                    if found is None:
                        found = _Account()
                    if found.first_listed is None:
                        found.first_listed = t
                    email = email_of(m)
                    if email:
                        found.emails.append((t, email, v.version, "maintainer"))
        accounts[account] = found
        return found

    def known_account(self, account: str, email: str | None, info: VersionInfo) -> bool:
        """Did ``account`` publish a release before ``info``, and (when ``email`` is given)
        show that e-mail in one? One pass over the releases published before it."""
        t = info.published
        if t is None:  # untimed: every release up to the last one of a lower version
            candidates: Iterable[VersionInfo] = self._sorted().ordered[: self._end(info)]
        else:
            candidates = self.metadata.versions.values()
        pypi = self.ecosystem == "pypi"
        fold = _folded
        published = False
        email_seen = email is None
        last: Person | None = None  # releases in a row usually share their publisher
        by_account = False
        for v in candidates:
            p = v.publisher
            if p is not last:
                last = p
                by_account = p is not None and fold(p.name or p.email or "") == account
            if email_seen and not by_account:
                continue  # nothing left to learn from a release by another account
            if t is not None and _candidate(v, t, pypi) is None:
                continue
            if by_account:
                published = True
                if not email_seen and email_of(p) == email:
                    email_seen = True
            if not email_seen:
                for m in v.maintainers:
                    key = fold(m.name or m.email or "")
                    if key == account and email_of(m) == email:
                        email_seen = True
                        break
            if published and email_seen:
                return True
        return False

    def published_before(self, account: str, instant: datetime) -> int:
        """How many releases ``account`` published before ``instant``."""
        a = self._account(account)
        if a is None:
            return 0
        return bisect_left(a.published_count_times, instant)

    def first_listed(self, account: str) -> datetime | None:
        """The publish time of the first release listing ``account`` as a maintainer
        (or published by it)."""
        return self.first_seen((account,)).get(account)

    def first_seen(self, accounts: Iterable[str]) -> dict[str, datetime]:
        """The publish time of the first release naming each account (as maintainer or
        publisher); an account no release names is left out. One pass, stopping early."""
        missing = {a for a in accounts if a}
        out: dict[str, datetime] = {}
        if not missing:
            return out
        fold = _folded
        order = self._sorted()
        for v, t in zip(order.ordered, order.times, strict=True):
            p = v.publisher
            if p is not None:
                key = fold(p.name or p.email or "")
                if key in missing:
                    out[key] = t
                    missing.discard(key)
            for m in v.maintainers:
                key = fold(m.name or m.email or "")
                if key in missing:
                    out[key] = t
                    missing.discard(key)
            if not missing:
                break
        return out

    def emails_before(
        self, account: str, instant: datetime
    ) -> list[tuple[datetime, str, str, str]]:
        """(time, e-mail, version, role) of ``account`` in releases published before ``instant``."""
        a = self._account(account)
        if a is None:
            return []
        return [e for e in a.emails if e[0] < instant]


@dataclass(slots=True)
class _Account:
    first_published: datetime | None = None
    first_listed: datetime | None = None
    published_count_times: list[datetime] = field(default_factory=list)
    emails: list[tuple[datetime, str, str, str]] = field(default_factory=list)


class PackageContext(NamedTuple):
    """Everything one signal may look at for one locked package. Pure, immutable data.

    Build it with :meth:`build`, which also finds the locked version's record
    (``info``) and the version before it (``baseline``). A named tuple rather
    than a frozen dataclass: one is made per locked package and per suggestion
    candidate, and a frozen dataclass's ``__init__`` (an ``object.__setattr__``
    call per field) costs about four times as much.

    ``engine._context`` builds it and ``signals.run_all`` unpacks it by position
    (tests/risk/test_run_all.py pins the field order).
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
