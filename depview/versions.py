"""Version ordering, release lines and range satisfaction for npm (SemVer) and PyPI (PEP 440).

Pure and cached. The risk engine uses it to find "the version before it"
(:func:`release_line`, :func:`version_key`), to name the kind of a release
(:func:`bump_kind`) and to check that a suggested pin satisfies what the
dependents asked for (:func:`satisfies`).

npm ranges follow node-semver: ``||`` alternatives, hyphen ranges, x-ranges
(``1.x``, ``*``, ``""``), ``~``, ``^``, comparators (``>=1.2 <2``), and the
prerelease rule (a prerelease version satisfies a comparator set only when one
of its comparators names a prerelease of the same ``major.minor.patch``).
PyPI specifiers use :mod:`packaging` (PEP 440), with Poetry's ``^``/``~``
shorthands translated first.

Release lines (the "same major line" of the contract): the SemVer major for
``>= 1``; every ``0.x`` release forms one line ``0`` (0.x projects bump the
minor routinely, and history-based signals need the releases together). PEP
440: the first release component (``2.31.0`` -> ``2``; calendar versions
``2024.1`` -> ``2024``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

__all__ = [
    "bump_kind",
    "is_prerelease",
    "npm_satisfies",
    "parse_npm",
    "pep440_satisfies",
    "release_line",
    "satisfies",
    "sort_versions",
    "version_facts",
    "version_key",
]

_NPM = re.compile(
    r"^\s*[v=]*\s*(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-?((?:[0-9A-Za-z-]+)(?:\.[0-9A-Za-z-]+)*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?\s*$",
    re.ASCII,
)
_MAX_LEN = 256

# A parsed npm version: (major, minor, patch, prerelease identifiers).
NpmVersion = tuple[int, int, int, tuple[int | str, ...]]


@lru_cache(maxsize=65536)
def parse_npm(text: str) -> NpmVersion | None:
    """``(major, minor, patch, prerelease)`` or None when ``text`` is not SemVer."""
    if len(text) > _MAX_LEN:
        return None
    m = _NPM.match(text)
    if m is None:
        return None
    pre: tuple[int | str, ...] = ()
    if m.group(4):
        pre = tuple(int(p) if p.isdigit() else p for p in m.group(4).split("."))
    return int(m.group(1)), int(m.group(2)), int(m.group(3)), pre


def _pre_key(pre: tuple[int | str, ...]) -> tuple[Any, ...]:
    # No prerelease sorts above any prerelease; numeric identifiers before text ones.
    if not pre:
        return (1,)
    return (0, tuple((0, p, "") if isinstance(p, int) else (1, 0, p) for p in pre))


def _npm_sort_key(v: NpmVersion) -> tuple[Any, ...]:
    return (v[0], v[1], v[2], _pre_key(v[3]))


@lru_cache(maxsize=65536)
def _pep440(text: str) -> Version | None:
    if len(text) > _MAX_LEN:
        return None
    try:
        return Version(text)
    except InvalidVersion:
        return None


#: (sort key, release line, prerelease?) of one version text.
Facts = tuple[Any, str | None, bool]

_NO_FACTS: Facts = (None, None, False)
_STABLE_PRE = (1,)  # the prerelease part of a release's npm key: above every prerelease

# PEP 440 in its canonical spellings (what nearly every release on PyPI uses);
# anything else goes through packaging.
_PEP440_PLAIN = re.compile(
    r"(\d+(?:\.\d+)*)(?:(a|b|rc)(\d+))?(?:\.post(\d+))?(?:\.dev(\d+))?", re.ASCII
)
# The parts of a PEP 440 key (packaging's ``_cmpkey``, as plain tuples that compare in C):
_PRE_DEV_ONLY = (0,)  # no pre/post but a dev release: below every prerelease
_PRE_NONE = (2,)  # not a prerelease: above every one
_POST_NONE = (0,)
_DEV_NONE = (1,)  # not a dev release: above every one
_LOCAL_NONE = (0,)


def _pep440_key(
    epoch: int,
    release: tuple[int, ...],
    pre: tuple[str, int] | None,
    post: int | None,
    dev: int | None,
    local: tuple[int | str, ...] | None,
) -> tuple[Any, ...]:
    """packaging's ordering key of a version, built from plain tuples (see :func:`version_facts`)."""
    end = len(release)
    while end and release[end - 1] == 0:
        end -= 1
    if pre is not None:
        pre_key: tuple[Any, ...] = (1, pre[0], pre[1])
    elif post is None and dev is not None:
        pre_key = _PRE_DEV_ONLY
    else:
        pre_key = _PRE_NONE
    return (
        epoch,
        release[:end],
        pre_key,
        _POST_NONE if post is None else (1, post),
        _DEV_NONE if dev is None else (0, dev),
        _LOCAL_NONE
        if local is None
        else (1, tuple((1, p, "") if isinstance(p, int) else (0, 0, p) for p in local)),
    )


def _pypi_facts(text: str) -> Facts:
    if len(text) > _MAX_LEN:
        return _NO_FACTS  # as _pep440: no real version is this long (nor parses in bounded time)
    m = _PEP440_PLAIN.fullmatch(text)
    if m is not None:
        release = tuple(map(int, m.group(1).split(".")))
        letter, number, post, dev = m.group(2, 3, 4, 5)
        key = _pep440_key(
            0,
            release,
            None if letter is None else (letter, int(number)),
            None if post is None else int(post),
            None if dev is None else int(dev),
            None,
        )
        return key, str(release[0]), letter is not None or dev is not None
    v = _pep440(text)
    if v is None:
        return _NO_FACTS
    key = _pep440_key(
        v.epoch,
        v.release,
        None if v.pre is None else (v.pre[0], v.pre[1]),
        v.post,
        v.dev,
        tuple(int(p) if p.isdigit() else p for p in v.local.split(".")) if v.local else None,
    )
    return key, str(v.release[0]) if v.release else None, v.is_prerelease


def _npm_facts(text: str) -> Facts:
    parts = text.split(".") if len(text) <= _MAX_LEN else ()
    if len(parts) == 3:  # the plain ``major.minor.patch`` of most releases
        a, b, c = parts
        if (
            a.isdigit()
            and b.isdigit()
            and c.isdigit()
            and text.isascii()
            and (a == "0" or a[0] != "0")
            and (b == "0" or b[0] != "0")
            and (c == "0" or c[0] != "0")
        ):
            return (int(a), int(b), int(c), _STABLE_PRE), a, False
    parsed = parse_npm(text)
    if parsed is None:
        return _NO_FACTS
    return _npm_sort_key(parsed), str(parsed[0]), bool(parsed[3])


def version_facts(ecosystem: str, version: str) -> Facts:
    """(:func:`version_key`, :func:`release_line`, :func:`is_prerelease`) of one version, in
    one parse and without a cache (callers keep their own tables).

    Keys are plain tuples that compare in C: npm ``(major, minor, patch, prerelease
    part)``; PEP 440 the parts of packaging's own ordering key (``Version._key``) with
    its infinities as small tuples, so ``1.0 == 1.0.0`` and ``1.0.dev0 < 1.0a1 < 1.0 <
    1.0.post1``, exactly as :class:`packaging.version.Version` orders them.
    """
    if ecosystem == "pypi":
        return _pypi_facts(version)
    return _npm_facts(version)


@lru_cache(maxsize=65536)
def version_key(ecosystem: str, version: str) -> Any:
    """A sort key comparable among versions of one ecosystem, or None if unparseable."""
    return version_facts(ecosystem, version)[0]


@lru_cache(maxsize=65536)
def is_prerelease(ecosystem: str, version: str) -> bool:
    return version_facts(ecosystem, version)[2]


@lru_cache(maxsize=65536)
def release_line(ecosystem: str, version: str) -> str | None:
    """The release line a version belongs to (see the module docstring), or None."""
    return version_facts(ecosystem, version)[1]


def bump_kind(ecosystem: str, old: str, new: str) -> str | None:
    """``major`` | ``minor`` | ``patch`` | ``prerelease`` for ``old`` -> ``new``, None if unknown.

    For npm ``0.x`` a minor bump counts as ``major`` and a patch bump as ``patch``
    (the caret's reading: 0.2 -> 0.3 may break). PEP 440 uses the first three
    release components (missing ones are 0).
    """
    if is_prerelease(ecosystem, new):
        return "prerelease"
    if ecosystem == "pypi":
        a, b = _pep440(old), _pep440(new)
        if a is None or b is None:
            return None
        ra = (tuple(a.release) + (0, 0, 0))[:3]
        rb = (tuple(b.release) + (0, 0, 0))[:3]
    else:
        pa, pb = parse_npm(old), parse_npm(new)
        if pa is None or pb is None:
            return None
        ra, rb = pa[:3], pb[:3]
    if ra[0] != rb[0]:
        return "major"
    if ra[1] != rb[1]:
        return "major" if ecosystem != "pypi" and ra[0] == 0 else "minor"
    return "patch"


def sort_versions(ecosystem: str, versions: Iterable[str]) -> list[str]:
    """Versions in ascending order; unparseable ones first, by text."""
    items = list(versions)

    def key(v: str) -> tuple[int, Any]:
        k = version_key(ecosystem, v)
        return (0, v) if k is None else (1, k)

    try:
        return sorted(items, key=key)
    except TypeError:  # pragma: no cover - keys of one ecosystem are comparable
        return sorted(items)


# --------------------------------------------------------------------------- npm ranges

# A comparator: (operator, version tuple); operator in "<", "<=", ">", ">=", "=".
Comparator = tuple[str, NpmVersion]
ComparatorSet = tuple[Comparator, ...]

_PARTIAL = re.compile(
    r"^[v=]*\s*([0-9]+|[xX*])"
    r"(?:\.([0-9]+|[xX*])"
    r"(?:\.([0-9]+|[xX*])"
    r"(?:-?([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
    r"(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)?)?$",
    re.ASCII,
)
_OP_SPACE = re.compile(r"(<=|>=|<|>|=|~>|~|\^)\s+")
_HYPHEN = re.compile(r"^\s*(\S+)\s+-\s+(\S+)\s*$")
_ZERO_PRE: tuple[int | str, ...] = (0,)
_NOTHING: ComparatorSet = (("<", (0, 0, 0, _ZERO_PRE)),)


class _BadRange(ValueError):
    pass


def _partial(text: str) -> tuple[int | None, int | None, int | None, tuple[int | str, ...]]:
    m = _PARTIAL.match(text)
    if m is None:
        raise _BadRange(text)

    def num(s: str | None) -> int | None:
        if s is None or s in ("x", "X", "*"):
            return None
        return int(s)

    major, minor, patch = num(m.group(1)), num(m.group(2)), num(m.group(3))
    if major is None:
        minor = patch = None
    elif minor is None:
        patch = None
    pre: tuple[int | str, ...] = ()
    if m.group(4) and patch is not None:
        pre = tuple(int(p) if p.isdigit() else p for p in m.group(4).split("."))
    return major, minor, patch, pre


def _v(major: int, minor: int, patch: int, pre: tuple[int | str, ...] = ()) -> NpmVersion:
    return (major, minor, patch, pre)


def _tilde(text: str) -> ComparatorSet:
    M, m, p, pre = _partial(text)
    if M is None:
        return ()
    if m is None:
        return ((">=", _v(M, 0, 0)), ("<", _v(M + 1, 0, 0, _ZERO_PRE)))
    if p is None:
        return ((">=", _v(M, m, 0)), ("<", _v(M, m + 1, 0, _ZERO_PRE)))
    return ((">=", _v(M, m, p, pre)), ("<", _v(M, m + 1, 0, _ZERO_PRE)))


def _caret(text: str) -> ComparatorSet:
    M, m, p, pre = _partial(text)
    if M is None:
        return ()
    if m is None:
        return ((">=", _v(M, 0, 0)), ("<", _v(M + 1, 0, 0, _ZERO_PRE)))
    if p is None:
        if M == 0:
            return ((">=", _v(0, m, 0)), ("<", _v(0, m + 1, 0, _ZERO_PRE)))
        return ((">=", _v(M, m, 0)), ("<", _v(M + 1, 0, 0, _ZERO_PRE)))
    low = _v(M, m, p, pre)
    if M == 0:
        if m == 0:
            return ((">=", low), ("<", _v(0, 0, p + 1, _ZERO_PRE)))
        return ((">=", low), ("<", _v(0, m + 1, 0, _ZERO_PRE)))
    return ((">=", low), ("<", _v(M + 1, 0, 0, _ZERO_PRE)))


def _primitive(op: str, text: str) -> ComparatorSet:
    M, m, p, pre = _partial(text)
    if op == "=":
        op = ""
    if M is None:
        return _NOTHING if op in ("<", ">") else ()
    if m is not None and p is not None:
        return (((op or "="), _v(M, m, p, pre)),)
    # Partial version with a comparator (node-semver's replaceXRange).
    if not op:
        if m is None:
            return ((">=", _v(M, 0, 0)), ("<", _v(M + 1, 0, 0, _ZERO_PRE)))
        return ((">=", _v(M, m, 0)), ("<", _v(M, m + 1, 0, _ZERO_PRE)))
    if op == ">":
        return ((">=", _v(M + 1, 0, 0)),) if m is None else ((">=", _v(M, m + 1, 0)),)
    if op == ">=":
        return ((">=", _v(M, m or 0, 0)),)
    if op == "<":
        return (("<", _v(M, m or 0, 0, _ZERO_PRE)),)
    # "<="
    if m is None:
        return (("<", _v(M + 1, 0, 0, _ZERO_PRE)),)
    return (("<", _v(M, m + 1, 0, _ZERO_PRE)),)


def _hyphen(low: str, high: str) -> ComparatorSet:
    M, m, p, pre = _partial(low)
    out: list[Comparator] = []
    if M is not None:
        out.append((">=", _v(M, m or 0, p or 0, pre if p is not None else ())))
    M2, m2, p2, pre2 = _partial(high)
    if M2 is not None:
        if m2 is None:
            out.append(("<", _v(M2 + 1, 0, 0, _ZERO_PRE)))
        elif p2 is None:
            out.append(("<", _v(M2, m2 + 1, 0, _ZERO_PRE)))
        else:
            out.append(("<=", _v(M2, m2, p2, pre2)))
    return tuple(out)


_TOKEN = re.compile(r"^(<=|>=|<|>|=|~>|~|\^)?(.*)$")


def _simple(token: str) -> ComparatorSet:
    m = _TOKEN.match(token)
    if m is None:  # pragma: no cover - the pattern matches any string
        raise _BadRange(token)
    op, rest = m.group(1) or "", m.group(2)
    if op in ("~", "~>"):
        return _tilde(rest)
    if op == "^":
        return _caret(rest)
    return _primitive(op, rest)


@lru_cache(maxsize=8192)
def _parse_range(spec: str) -> tuple[ComparatorSet, ...] | None:
    if len(spec) > 1024:
        return None
    out: list[ComparatorSet] = []
    try:
        for alt in spec.split("||"):
            alt = alt.strip()
            hyphen = _HYPHEN.match(alt)
            if hyphen:
                out.append(_hyphen(hyphen.group(1), hyphen.group(2)))
                continue
            alt = _OP_SPACE.sub(r"\1", alt)
            comps: list[Comparator] = []
            for token in alt.split():
                comps.extend(_simple(token))
            out.append(tuple(comps))
    except (_BadRange, ValueError):
        return None
    return tuple(out)


def _cmp(a: NpmVersion, b: NpmVersion) -> int:
    ka, kb = _npm_sort_key(a), _npm_sort_key(b)
    return (ka > kb) - (ka < kb)


def _test(op: str, v: NpmVersion, target: NpmVersion) -> bool:
    c = _cmp(v, target)
    if op == "=":
        return c == 0
    if op == ">":
        return c > 0
    if op == ">=":
        return c >= 0
    if op == "<":
        return c < 0
    return c <= 0


def _test_set(comps: ComparatorSet, v: NpmVersion) -> bool:
    if not all(_test(op, v, target) for op, target in comps):
        return False
    if v[3]:
        # A prerelease only matches when some comparator names a prerelease of the same tuple.
        return any(t[3] and t[:3] == v[:3] for _op, t in comps)
    return True


def npm_satisfies(version: str, spec: str) -> bool | None:
    """Does ``version`` satisfy the npm range ``spec``? None when either is not understood.

    Specs that are not ranges (tags such as ``latest``, ``git+…``, ``file:``,
    ``npm:`` aliases, URLs, ``workspace:``) give None.
    """
    v = parse_npm(version)
    if v is None:
        return None
    raw = spec.strip()
    if raw.startswith("npm:"):
        _, _, rest = raw[4:].rpartition("@")
        raw = rest.strip()
    if ":" in raw or "/" in raw:
        return None
    sets = _parse_range(raw)
    if sets is None:
        return None
    return any(_test_set(s, v) for s in sets)


# --------------------------------------------------------------------------- PEP 440

_POETRY_CARET = re.compile(r"^\^\s*([0-9][0-9A-Za-z.!+-]*)$")
_POETRY_TILDE = re.compile(r"^~(?!=)\s*([0-9][0-9A-Za-z.!+-]*)$")


def _poetry_clause(clause: str) -> str:
    """Poetry's ``^1.2`` / ``~1.2`` / ``*`` as PEP 440 specifiers."""
    c = clause.strip()
    if c in ("*", ""):
        return ""
    m = _POETRY_CARET.match(c)
    if m:
        v = _pep440(m.group(1))
        if v is None:
            raise InvalidSpecifier(c)
        parts = list(v.release) + [0] * (3 - len(v.release))
        idx = next((i for i, p in enumerate(parts) if p != 0), len(v.release) - 1)
        idx = min(idx, len(v.release) - 1)
        upper = parts[: idx + 1]
        upper[idx] += 1
        return f">={v},<{'.'.join(str(p) for p in upper)}"
    m = _POETRY_TILDE.match(c)
    if m:
        v = _pep440(m.group(1))
        if v is None:
            raise InvalidSpecifier(c)
        rel = list(v.release)
        upper = [rel[0] + 1] if len(rel) == 1 else [rel[0], rel[1] + 1]
        return f">={v},<{'.'.join(str(p) for p in upper)}"
    if c[0].isdigit():
        return f"=={c}"
    return c


@lru_cache(maxsize=8192)
def _specifier(spec: str) -> SpecifierSet | None:
    raw = spec.split(";", 1)[0].strip()
    # "name (>=1.0)" / "(>=1.0)" forms: keep only the specifier part.
    if "(" in raw and raw.endswith(")"):
        raw = raw[raw.index("(") + 1 : -1]
    raw = raw.strip()
    try:
        parts = [_poetry_clause(c) for c in raw.split(",")]
        return SpecifierSet(",".join(p for p in parts if p))
    except (InvalidSpecifier, ValueError):
        return None


def pep440_satisfies(version: str, spec: str) -> bool | None:
    """Does ``version`` satisfy the PEP 440 (or Poetry) specifier ``spec``? None if not understood."""
    v = _pep440(version)
    if v is None:
        return None
    specifier = _specifier(spec)
    if specifier is None:
        return None
    try:
        return specifier.contains(v, prereleases=True if v.is_prerelease else None)
    except ValueError:  # a bound packaging parses only now (e.g. over 4,300 digits)
        return None


def satisfies(ecosystem: str, version: str, spec: str | None) -> bool | None:
    """``version`` against a dependent's ``spec`` in ``ecosystem``; None: cannot tell."""
    if spec is None:
        return None
    if ecosystem == "pypi":
        return pep440_satisfies(version, spec)
    return npm_satisfies(version, spec)
