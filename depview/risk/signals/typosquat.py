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

One-edit matching needs no index of near misses: one edit changes at most
two adjacent characters, so a name one edit away from a popular one keeps
that name's first or last ``(len - 3) // 2`` characters. Those ends of the
popular names of neighbouring lengths are kept in two sets per name length
(built on first need); most names share neither and are settled by two set
look-ups, and the few that do find their candidates by bisection in the
popular names of each length sorted (and, reversed, sorted again). A generic
two-edit search is not done: on the 20,000 npm names ranked just below the
list it flagged mostly legitimate packages (``object-path``/``object-hash``)
and it costs a 2-deletion index; the structured forms above cover the
multi-edit tricks seen in real typosquats.
"""

from __future__ import annotations

import re
from bisect import bisect_left
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
# The same folding for ASCII text, as bytes: a str translation looks each distinct
# character up in a dictionary (and raises and clears a KeyError for most of them).
_SKELETON_BYTES = bytes.maketrans(b"01i53", b"ollse")
_SKELETON_DROPPED = b"-_."


def _skeleton(name: str) -> str:
    """The name with separators dropped and look-alike characters folded together."""
    folded = name.lower().replace("rn", "m").replace("vv", "w")
    if folded.isascii():
        return folded.encode().translate(_SKELETON_BYTES, _SKELETON_DROPPED).decode()
    return folded.translate(_SKELETON_TABLE)


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


def _starting_with(ordered: list[str], prefix: str) -> list[str]:
    """The run of the sorted ``ordered`` that starts with ``prefix``."""
    start = end = bisect_left(ordered, prefix)
    while end < len(ordered) and ordered[end].startswith(prefix):
        end += 1
    return ordered[start:end]


class PopularIndex:
    """The popular names of one ecosystem, indexed for near-miss look-ups.

    Indexes are built lazily: a name on the list needs only a set look-up; the
    skeletons on the first look-up; the ends of the names of neighbouring lengths
    when a name of that length is first judged (the sorted names when one shares
    an end); the scoped names by their bare name when a scoped name is judged.
    """

    __slots__ = ("_bare_names", "_by_len", "_ends", "_skeletons", "_sorted", "ecosystem", "names")

    def __init__(self, ecosystem: str, entries: list[tuple[str, int]]) -> None:
        self.ecosystem = ecosystem
        #: name -> (rank, popularity)
        self.names: dict[str, tuple[int, int]] = {}
        for rank, (name, pop) in enumerate(entries, start=1):
            self.names.setdefault(name, (rank, pop))
        self._by_len: dict[int, list[str]] = {}
        for name in self.names:
            self._by_len.setdefault(len(name), []).append(name)
        self._ends: dict[int, tuple[set[str], set[str]]] = {}
        self._sorted: dict[int, tuple[list[str], list[str]]] = {}
        self._skeletons: dict[str, str | tuple[str, ...]] | None = None
        self._bare_names: dict[str, list[str]] | None = None

    def __contains__(self, name: str) -> bool:
        return name in self.names

    def _ends_index(self, n: int) -> tuple[set[str], set[str]]:
        """The first and the last ``size = (n - 3) // 2`` characters of every popular
        name of ``n - 1`` to ``n + 1`` characters."""
        found = self._ends.get(n)
        if found is None:
            size = (n - 3) // 2
            by_len = self._by_len
            names = by_len.get(n - 1, []) + by_len.get(n, []) + by_len.get(n + 1, [])
            found = self._ends[n] = ({t[:size] for t in names}, {t[-size:] for t in names})
        return found

    def _sorted_index(self, length: int) -> tuple[list[str], list[str]]:
        """The popular names of ``length`` characters sorted, and the same names reversed,
        sorted: the names that start (end) with a text are a run of the first (second)."""
        found = self._sorted.get(length)
        if found is None:
            names = self._by_len.get(length, [])
            found = self._sorted[length] = (sorted(names), sorted([t[::-1] for t in names]))
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
        head, tail = name[:size], name[-size:]
        heads, tails = self._ends_index(n)
        found: set[str] = set()
        if head not in heads and tail not in tails:
            return found  # the usual case
        for length in (n - 1, n, n + 1):
            names, reversed_names = self._sorted_index(length)
            if head in heads:
                found.update(_starting_with(names, head))
            if tail in tails:
                for reversed_name in _starting_with(reversed_names, tail[::-1]):
                    found.add(reversed_name[::-1])
        return found

    def prepare(self) -> None:
        """Build every index now (they are otherwise built on first need, per name length)."""
        self._skeleton_index()
        self._scope_index()
        for n in range(MIN_LEN, max(self._by_len, default=0) + 2):
            self._ends_index(n)
        for length in self._by_len:
            self._sorted_index(length)

    def _skeleton_index(self) -> dict[str, str | tuple[str, ...]]:
        """Skeleton -> the popular name with it (the names, most popular first, when
        several share it)."""
        found = self._skeletons
        if found is None:
            names = list(self.names)
            # All skeletons at once: the folding works character by character, and
            # its two-letter forms (rn, vv) cannot span a line break.
            joined = "\n".join(names)
            shapes = _skeleton(joined).split("\n") if joined.isascii() else []
            if len(shapes) != len(names):  # a name with a line break, or not ASCII
                shapes = [_skeleton(name) for name in names]
            # Names, not lists of them: nothing for the garbage collector to track.
            found = self._skeletons = dict(zip(shapes, names, strict=True))
            if len(found) < len(names):  # a shared skeleton kept its last name only
                shared: dict[str, list[str]] = {}
                for name in self.names.keys() - found.values():
                    shared.setdefault(_skeleton(name), []).append(name)
                for shape, group in shared.items():
                    kept = found[shape]  # a name: each shared skeleton is regrouped once
                    if isinstance(kept, str):
                        group.append(kept)
                    found[shape] = tuple(sorted(group, key=self.names.__getitem__))
        return found

    def _scope_index(self) -> dict[str, list[str]]:
        """Bare name -> the scoped popular names with it (``@types/node`` under ``node``)."""
        found = self._bare_names
        if found is None:
            found = self._bare_names = {}
            for name in self.names:
                scope, bare = _split_scope(name) if name[:1] == "@" else (None, name)
                if scope is not None:
                    found.setdefault(bare, []).append(name)
        return found

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
        scope, bare = _split_scope(name) if name[0] == "@" else (None, name)
        # Scope confusion: @type/node vs @types/node.
        if scope is not None:
            for target in self._scope_index().get(bare, ()):
                tscope, _ = _split_scope(target)
                limit = 1 if len(scope) < 7 else 2
                if tscope is not None and tscope != scope and _osa(scope, tscope, limit) <= limit:
                    found.append(self._match(target, "scope"))
        alike = (self._skeletons or self._skeleton_index()).get(_skeleton(name), ())
        for target in (alike,) if isinstance(alike, str) else alike:
            if self._ok(name, target):
                plain = _SEPARATORS.sub("", name.lower()) == _SEPARATORS.sub("", target.lower())
                found.append(
                    self._match(target, "separators" if plain else "look-alike characters")
                )
        # Popular names are short: no longer name is one edit away.
        candidates = self._one_edit_candidates(name) if MIN_LEN <= len(name) <= 256 else ()
        if candidates:
            found.extend(
                self._match(target, "one edit")
                for target in candidates
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
    counted = ecosystem == "npm"
    out: list[tuple[str, int]] = []
    for line in text.splitlines():
        if not line or line[0] == "#" or line.isspace():
            continue
        name, _, count = line.partition("\t")
        pop = 0
        if counted and count:
            try:
                pop = int(count)
            except ValueError:
                pop = 0
        out.append((normalize_name(ecosystem, name.strip()), pop))
    return out


@lru_cache(maxsize=4)
def popular_index(ecosystem: str) -> PopularIndex:
    """The shipped popular list of ``ecosystem``, indexed (built once per process)."""
    return PopularIndex(ecosystem, _read_list(ecosystem))


def typosquat(ctx: PackageContext) -> Iterator[Finding]:
    pid = ctx.package.id
    name = pid.name
    index = popular_index(pid.ecosystem)
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
