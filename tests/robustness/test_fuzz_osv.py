"""The OSV range matcher (``depview.sources.osv.match``) under fuzzing and against an oracle.

1. Arbitrary documents: ``normalize_osv`` and ``match`` never raise, whatever the
   shapes, version strings and event orders.
2. An oracle: ranges built from sorted SemVer (npm) or PEP 440 (PyPI) versions
   as disjoint intervals, their events shuffled; a version is affected exactly
   when it lies in one of the intervals.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.version import Version

from depview.sources.osv import AdvisoryIndex, match, normalize_osv
from tests.robustness.fuzzing import check_osv
from tests.robustness.helpers import time_limit

FAST = settings(max_examples=150, deadline=None, database=None)

# -- versions ---------------------------------------------------------------------------------------

nums = st.integers(0, 30)
ident = st.one_of(
    st.integers(0, 20).map(str), st.sampled_from(["alpha", "beta", "rc", "a1", "x-y"])
)
semvers = st.builds(
    lambda a, b, c, pre: f"{a}.{b}.{c}" + (("-" + ".".join(pre)) if pre else ""),
    nums,
    nums,
    nums,
    st.lists(ident, max_size=2),
)
pep440 = st.builds(
    lambda parts, kind: ".".join(map(str, parts)) + kind,
    st.lists(st.integers(0, 30), min_size=1, max_size=3),
    st.sampled_from(["", "", "a1", "b2", "rc1", ".post1", ".dev3"]),
)
junk_versions = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["0", "*", "", " ", "v1.2.3", "=1.0.0", "1.0", "1", "9" * 400, "1.0.0-",
                     "1.0.0+build", "\x00", "1e5", "latest", "[bold]1.0.0", "../../1.0.0"]),
)  # fmt: skip
any_version = st.one_of(semvers, pep440, junk_versions)


def _semver_key(text: str) -> tuple[Any, ...]:
    """An independent SemVer 2.0 precedence key (the oracle's, not depview's)."""
    core, _, pre = text.partition("-")
    major, minor, patch = (int(x) for x in core.split("."))
    if not pre:
        return (major, minor, patch, 1, ())
    ids = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
    return (major, minor, patch, 0, ids)


# -- 1. never raises --------------------------------------------------------------------------------

json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=10)
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=12,
)
event = st.dictionaries(
    st.sampled_from(["introduced", "fixed", "last_affected", "limit", "other"]),
    st.one_of(any_version, json_value),
    min_size=0,
    max_size=2,
)
osv_range = st.fixed_dictionaries(
    {"type": st.one_of(st.sampled_from(["SEMVER", "ECOSYSTEM", "GIT", "semver", ""]), json_value),
     "events": st.one_of(st.lists(st.one_of(event, json_value), max_size=6), json_value)},
)  # fmt: skip
affected = st.fixed_dictionaries(
    {
        "package": st.one_of(
            st.fixed_dictionaries(
                {"ecosystem": st.sampled_from(["npm", "PyPI", "pypi", "PyPI:3", "Go", "", "NPM"]),
                 "name": st.sampled_from(["pkg", "Pkg", "pkg_x", "pkg-x", "@s/pkg", ""])}
            ),
            json_value,
        ),
        "ranges": st.one_of(st.lists(osv_range, max_size=3), json_value),
        "versions": st.one_of(st.lists(any_version, max_size=4), json_value),
    }
)  # fmt: skip
documents = st.fixed_dictionaries(
    {"id": st.one_of(st.sampled_from(["GHSA-1", "MAL-2", "PYSEC-3"]), json_value),
     "affected": st.one_of(st.lists(st.one_of(affected, json_value), max_size=3), json_value)},
    optional={"summary": json_value, "aliases": json_value, "severity": json_value,
              "withdrawn": json_value, "published": json_value, "database_specific": json_value},
)  # fmt: skip


@FAST
@given(doc=st.one_of(documents, json_value), version=any_version)
def test_arbitrary_records_never_raise(doc: Any, version: str) -> None:
    advisories = normalize_osv(doc)
    for adv in advisories:
        for eco in ("npm", "pypi", "PyPI", "Go", ""):
            for name in ("pkg", "pkg-x", "@s/pkg"):
                assert match(adv, eco, name, version) in (True, False)
    index = AdvisoryIndex(advisories)
    assert isinstance(index.lookup("npm", "pkg", version), tuple)


# -- 2. the oracle ---------------------------------------------------------------------------------


@st.composite
def npm_intervals(draw: st.DrawFn) -> tuple[list[tuple[str, str | None]], list[dict[str, str]]]:
    """Disjoint [introduced, fixed) intervals over sorted distinct SemVer versions, events shuffled."""
    points = sorted(set(draw(st.lists(semvers, min_size=1, max_size=7))), key=_semver_key)
    # distinct by precedence too
    unique: list[str] = []
    for v in points:
        if not unique or _semver_key(v) != _semver_key(unique[-1]):
            unique.append(v)
    intervals: list[tuple[str, str | None]] = [
        (unique[i], unique[i + 1] if i + 1 < len(unique) else None)
        for i in range(0, len(unique), 2)
    ]
    events: list[dict[str, str]] = []
    for start, end in intervals:
        events.append({"introduced": start})
        if end is not None:
            events.append({"fixed": end})
    return intervals, draw(st.permutations(events))


@FAST
@given(data=npm_intervals(), version=semvers, zero=st.booleans())
def test_semver_ranges_match_the_oracle(
    data: tuple[list[tuple[str, str | None]], list[dict[str, str]]], version: str, zero: bool
) -> None:
    intervals, events = data
    if zero:  # "introduced": "0" instead of the first start
        first_start = intervals[0][0]
        events = [{"introduced": "0"} if e == {"introduced": first_start} else e for e in events]
        intervals = [("0.0.0-0", intervals[0][1]), *intervals[1:]]
    doc = {"id": "GHSA-o", "affected": [{"package": {"ecosystem": "npm", "name": "pkg"},
                                         "ranges": [{"type": "SEMVER", "events": events}]}]}  # fmt: skip
    (adv,) = normalize_osv(doc)
    key = _semver_key(version)
    expected = any(
        (start == "0.0.0-0" or _semver_key(start) <= key)
        and (end is None or key < _semver_key(end))
        for start, end in intervals
    )
    assert match(adv, "npm", "pkg", version) is expected, (intervals, version)


@FAST
@given(
    points=st.lists(pep440, min_size=2, max_size=6, unique=True),
    version=pep440,
    last=st.booleans(),
    name=st.sampled_from(["Pkg_X", "pkg.x", "PKG-X"]),
)
def test_pypi_ranges_match_the_oracle(
    points: list[str], version: str, last: bool, name: str
) -> None:
    ordered = sorted({Version(p): p for p in points}.items())
    if len(ordered) < 2:
        return
    (lo_v, lo), (hi_v, hi) = ordered[0], ordered[-1]
    end_kind = "last_affected" if last else "fixed"
    doc = {"id": "PYSEC-o", "affected": [{"package": {"ecosystem": "PyPI", "name": "pkg-x"},
           "ranges": [{"type": "ECOSYSTEM", "events": [{end_kind: hi}, {"introduced": lo}]}]}]}  # fmt: skip
    (adv,) = normalize_osv(doc)
    v = Version(version)
    expected = lo_v <= v and (v <= hi_v if last else v < hi_v)
    assert match(adv, "pypi", name, version) is expected


@FAST
@given(listed=st.lists(semvers, min_size=1, max_size=4), version=semvers)
def test_listed_versions_match_exactly(listed: list[str], version: str) -> None:
    doc = {
        "id": "MAL-o",
        "affected": [{"package": {"ecosystem": "npm", "name": "Pkg"}, "versions": listed}],
    }
    (adv,) = normalize_osv(doc)
    assert match(adv, "npm", "Pkg", version) is (version in listed)
    assert match(adv, "npm", "pkg", listed[0]) is False  # npm names are case-sensitive


def test_unparseable_introduced_never_matches_everything() -> None:
    doc = {"id": "X", "affected": [{"package": {"ecosystem": "npm", "name": "p"},
           "ranges": [{"type": "SEMVER", "events": [{"introduced": "not-a-version"}, {"fixed": "2.0.0"}]}]}]}  # fmt: skip
    (adv,) = normalize_osv(doc)
    assert match(adv, "npm", "p", "1.0.0") is False


REGRESSIONS = Path(__file__).resolve().parents[1] / "data" / "hostile" / "regressions" / "osv"


def _osv_regressions() -> list[Path]:
    return sorted(REGRESSIONS.glob("*.json")) if REGRESSIONS.is_dir() else []


@pytest.mark.parametrize("path", _osv_regressions(), ids=[p.name for p in _osv_regressions()])
def test_osv_regressions(path: Path) -> None:
    """Records that once broke the matcher (saved by bench/fuzz.py or written by hand)."""
    case = json.loads(path.read_text(encoding="utf-8"))
    with time_limit(30):
        check_osv(case["doc"], case["versions"])
