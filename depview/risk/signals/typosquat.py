"""``typosquat``: the name is confusingly close to a much more popular package.

The reference lists ship as package data (``depview/data/popular-npm.txt``,
``popular-pypi.txt``: the 5,000 most downloaded names, most popular first).
A locked package whose own name is on its list is popular and never flagged.
Otherwise the name is compared with the list by:

- one edit (insertion, deletion, substitution, or swap of two neighbouring
  characters) for names of at least 5 characters;
- the same name up to separators (``-``, ``_``, ``.``) and digit/letter
  look-alikes (``0``/``o``, ``1``/``l``/``i``, ``rn``/``m``, ``vv``/``w``),
  whatever the number of edits that takes (``cross-env``/``crossenv``,
  ``co1ors``/``colors``);
- scope confusion: ``@scope/name`` where a popular package is ``@scop/name``
  (npm scopes are owned: a name under the popular package's own scope is
  never flagged).

Differences only in digits at the end (``split``/``split2``, ``es2015``/
``es2016``) are the usual way families of legitimate packages are named and
are not flagged. Severity: medium; high when the package is young.

Matching is indexed by the deletion neighbourhood of each popular name
(every string one deletion away, built per name length on first need), so
judging a name costs a handful of dictionary look-ups. Before that, a name is
checked against the heads and tails of the popular names of neighbouring
lengths: one edit changes at most two adjacent characters, so a name one
edit away from a popular one keeps that name's first or last
``(len - 3) // 2`` characters; most names share neither and skip the
deletion search (and its index) altogether. A generic two-edit
search is not done: on the 20,000 npm names ranked just below the list it
flagged mostly legitimate packages (``object-path``/``object-hash``) and it
costs a 2-deletion index; the structured forms above cover the multi-edit
tricks seen in real typosquats.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from depview.model import normalize_name
from depview.risk.context import PackageContext
from depview.risk.model import Finding, Level
from depview.risk.signals.code import is_young
from depview.risk.text import safe

__all__ = ["PopularIndex", "Match", "popular_index", "typosquat"]

MIN_LEN = 5

_SEPARATORS = re.compile(r"[-_.]+")
_TRAILING_DIGITS = re.compile(r"\d+$")


@dataclass(frozen=True, slots=True)
class Match:
    """A popular name the candidate resembles, and how."""

    target: str
    rank: int  # 1 = most popular
    how: str  # "one edit", "two edits", "separators", "look-alike characters", "scope", ...
    popularity: int  # downloads a month (npm) or 0 when only the rank is known


def _osa(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (Damerau-Levenshtein without re-edits), capped at limit+1."""
    la, lb = len(a), len(b)
    if abs(la - lb) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(lb + 1))
    for i in range(1, la + 1):
        cur = [i] + [0] * lb
        row_min = cur[0]
        ai = a[i - 1]
        for j in range(1, lb + 1):
            cost = 0 if ai == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ai == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
            row_min = min(row_min, v)
        if row_min > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[lb]


_SKELETON_TABLE = str.maketrans(
    {"0": "o", "1": "l", "i": "l", "5": "s", "3": "e", "-": None, "_": None, ".": None}
)


def _skeleton(name: str) -> str:
    """The name with separators dropped and look-alike characters folded together."""
    return name.lower().replace("rn", "m").replace("vv", "w").translate(_SKELETON_TABLE)


def _within_one(a: str, b: str) -> bool:
    """Are ``a`` and ``b`` at most one insertion, deletion, substitution or adjacent swap apart?"""
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    i = 0
    short = min(la, lb)
    while i < short and a[i] == b[i]:
        i += 1
    j = 0
    while j < short - i and a[la - 1 - j] == b[lb - 1 - j]:
        j += 1
    ra, rb = la - i - j, lb - i - j  # lengths of the differing middles
    if ra <= 1 and rb <= 1:
        return True
    return ra == rb == 2 and a[i] == b[i + 1] and a[i + 1] == b[i]


def _split_scope(name: str) -> tuple[str | None, str]:
    if name.startswith("@") and "/" in name:
        scope, _, bare = name.partition("/")
        return scope, bare
    return None, name


def _digit_variant(a: str, b: str) -> bool:
    """Do ``a`` and ``b`` differ only in trailing digits (``split``/``split2``, ``es2015``/``es2016``)?"""
    return _TRAILING_DIGITS.sub("", a) == _TRAILING_DIGITS.sub("", b)


class PopularIndex:
    """The popular names of one ecosystem, indexed for near-miss look-ups.

    Indexes are built lazily: a name on the list needs only a set look-up, and
    the index of names by their ends is built per name length when a name of
    that length is first judged.
    """

    __slots__ = ("_by_len", "_ends", "_shapes", "ecosystem", "names")

    def __init__(self, ecosystem: str, entries: list[tuple[str, int]]) -> None:
        self.ecosystem = ecosystem
        #: name -> (rank, popularity)
        self.names: dict[str, tuple[int, int]] = {}
        for rank, (name, pop) in enumerate(entries, start=1):
            self.names.setdefault(name, (rank, pop))
        self._by_len: dict[int, list[str]] = {}
        for name in self.names:
            self._by_len.setdefault(len(name), []).append(name)
        self._ends: dict[int, tuple[dict[str, list[str]], dict[str, list[str]]]] = {}
        self._shapes: tuple[dict[str, list[str]], dict[str, list[str]]] | None = None

    def __contains__(self, name: str) -> bool:
        return name in self.names

    def _ends_index(self, n: int) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        """The popular names of ``n - 1`` to ``n + 1`` characters by their first and by
        their last ``size = (n - 3) // 2`` characters."""
        found = self._ends.get(n)
        if found is None:
            size = (n - 3) // 2
            heads: dict[str, list[str]] = {}
            tails: dict[str, list[str]] = {}
            for length in (n - 1, n, n + 1):
                for t in self._by_len.get(length, ()):
                    heads.setdefault(t[:size], []).append(t)
                    tails.setdefault(t[-size:], []).append(t)
            found = self._ends[n] = (heads, tails)
        return found

    def _one_edit_candidates(self, name: str) -> set[str]:
        """Every popular name that can be one edit away from ``name`` (``len >= MIN_LEN``).

        An insertion, deletion, substitution or swap of neighbours touches at most
        two adjacent characters, so with ``size = (len - 3) // 2`` (the two ends
        and the change do not overlap, whatever the other name's length) the other
        name starts with ``name``'s first ``size`` characters or ends with its
        last ``size`` ones. Few names share either, and most share neither.
        """
        n = len(name)
        size = (n - 3) // 2
        heads, tails = self._ends_index(n)
        return {*heads.get(name[:size], ()), *tails.get(name[-size:], ())}

    def prepare(self) -> None:
        """Build every index now (they are otherwise built on first need, per name length)."""
        self._shape_index()
        for n in range(MIN_LEN, max(self._by_len, default=0) + 2):
            self._ends_index(n)

    def _shape_index(
        self,
    ) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        """(skeleton, bare name of scoped) -> popular names."""
        if self._shapes is None:
            skeletons: dict[str, list[str]] = {}
            bare_names: dict[str, list[str]] = {}
            for name in self.names:
                skeletons.setdefault(_skeleton(name), []).append(name)
                scope, bare = _split_scope(name)
                if scope is not None:
                    bare_names.setdefault(bare, []).append(name)
            self._shapes = (skeletons, bare_names)
        return self._shapes

    def _ok(self, candidate: str, target: str) -> bool:
        """Is ``target`` a fair comparison for ``candidate`` (not the same owner or a family name)?"""
        if target == candidate:
            return False
        cs, cb = _split_scope(candidate)
        ts, tb = _split_scope(target)
        if cs is not None and cs == ts:
            return False  # the same (owned) scope
        return not _digit_variant(candidate, target) and not _digit_variant(cb, tb)

    def _match(self, target: str, how: str) -> Match:
        rank, pop = self.names[target]
        return Match(target, rank, how, pop)

    def lookup(self, name: str) -> Match | None:
        """The most popular name ``name`` is confusingly close to, or None."""
        if name in self.names or not name:
            return None
        found: list[Match] = []
        skeletons, bare_names = self._shapes or self._shape_index()
        scope, bare = _split_scope(name) if name[0] == "@" else (None, name)
        # Scope confusion: @type/node vs @types/node.
        if scope is not None:
            for target in bare_names.get(bare, ()):
                tscope, _ = _split_scope(target)
                limit = 1 if len(scope) < 7 else 2
                if tscope is not None and tscope != scope and _osa(scope, tscope, limit) <= limit:
                    found.append(self._match(target, "scope"))
        for target in skeletons.get(_skeleton(name), ()):
            if self._ok(name, target):
                plain = _SEPARATORS.sub("", name.lower()) == _SEPARATORS.sub("", target.lower())
                found.append(
                    self._match(target, "separators" if plain else "look-alike characters")
                )
        # Popular names are short: no longer name is one edit away.
        if MIN_LEN <= len(name) <= 256:
            found.extend(
                self._match(target, "one edit")
                for target in self._one_edit_candidates(name)
                if _within_one(name, target) and self._ok(name, target)
            )
        if not found:
            return None
        return min(found, key=lambda m: m.rank)


def _read_list(ecosystem: str) -> list[tuple[str, int]]:
    try:
        text = (
            resources.files("depview.data")
            .joinpath(f"popular-{ecosystem}.txt")
            .read_text(encoding="utf-8")
        )
    except (FileNotFoundError, ModuleNotFoundError, OSError):
        return []
    out: list[tuple[str, int]] = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, _, count = line.partition("\t")
        try:
            pop = int(count) if count.strip() and ecosystem == "npm" else 0
        except ValueError:
            pop = 0
        out.append((normalize_name(ecosystem, name.strip()), pop))
    return out


@lru_cache(maxsize=4)
def popular_index(ecosystem: str) -> PopularIndex:
    """The shipped popular list of ``ecosystem``, indexed (built once per process)."""
    return PopularIndex(ecosystem, _read_list(ecosystem))


def typosquat(ctx: PackageContext) -> Iterator[Finding]:
    name = ctx.package.name
    index = popular_index(ctx.ecosystem)
    match = index.lookup(name)
    if match is None:
        return
    young = is_young(ctx)
    popular = (
        f"{match.popularity:,} downloads a month"
        if match.popularity and ctx.ecosystem == "npm"
        else f"#{match.rank} by downloads"
    )
    yield Finding(
        "typosquat",
        Level.HIGH if young else Level.MEDIUM,
        f"looks like {safe(match.target, 80)}",
        f"{safe(name, 120)} differs from the popular {safe(match.target, 120)} ({popular}) by "
        f"{match.how}, and is not itself among the {len(index.names):,} most downloaded "
        f"{ctx.ecosystem} packages" + ("; the package is new" if young else ""),
        {
            "name": safe(name, 214),
            "similar_to": match.target,
            "how": match.how,
            "similar_rank": match.rank,
            "similar_downloads_a_month": match.popularity or None,
            "young_package": young,
        },
    )
