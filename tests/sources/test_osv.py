"""OSV normalisation and the local range matcher (checked against a reference)."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.version import Version

from depview.metadata import Advisory, AffectedRange
from depview.sources import semver
from depview.sources.osv import (
    AdvisoryIndex,
    cvss3_base_score,
    match,
    normalize_osv,
    visible_as_of,
)
from tests.sources.helpers import load


def test_replay_mal_record() -> None:
    [adv] = normalize_osv(load("osv/MAL-2026-2307.json"))
    assert adv.id == "MAL-2026-2307"
    assert adv.malicious
    assert adv.aliases == ("GHSA-fw8c-xr5c-95f9",)
    assert adv.ecosystem == "npm" and adv.package == "axios"
    assert adv.versions == ("0.30.4", "1.14.1")
    assert adv.published == datetime(2026, 3, 31, 3, 15, 49, tzinfo=UTC)
    assert match(adv, "npm", "axios", "1.14.1")
    assert match(adv, "npm", "axios", "0.30.4")
    assert not match(adv, "npm", "axios", "1.14.0")
    assert not match(adv, "npm", "axioss", "1.14.1")
    assert not match(adv, "pypi", "axios", "1.14.1")


def test_ghsa_record_with_ranges_and_severity() -> None:
    [adv] = normalize_osv(load("osv/GHSA-gl0b-test-0001.json"))
    assert adv.severity == "MEDIUM"  # GHSA's MODERATE
    assert not adv.malicious
    assert adv.fixed == ("7.1.0",)
    assert adv.ranges == (
        AffectedRange(
            "SEMVER",
            (
                ("introduced", "0"),
                ("fixed", "7.1.0"),
                ("introduced", "8.0.0"),
                ("last_affected", "8.0.3"),
            ),
        ),
    )
    cases = {
        "6.0.1": True,
        "7.1.0": False,
        "7.2.3": False,
        "8.0.0": True,
        "8.0.3": True,
        "8.0.4": False,
        "0.0.1-alpha": True,
        "8.0.3-rc.1": True,
        "not-a-version": False,
    }
    for version, expected in cases.items():
        assert match(adv, "npm", "glob", version) is expected, version


def test_pypi_record_uses_pep440_and_pep503() -> None:
    [adv] = normalize_osv(load("osv/PYSEC-2025-1.json"))
    assert adv.ecosystem == "pypi"
    assert adv.cvss_score == 9.8 and adv.severity == "CRITICAL"
    assert match(adv, "PyPI", "tinylib", "1.1.0")
    assert match(adv, "pypi", "Tiny_Lib".replace("_", ""), "1.1")  # 1.1 == 1.1.0 in PEP 440
    assert match(adv, "pypi", "tinylib", "1.1.0rc1")  # inside [0, 1.2.0)
    assert not match(adv, "pypi", "tinylib", "1.2.0")
    assert not match(adv, "pypi", "tinylib", "2.0")


@pytest.mark.parametrize(
    ("doc", "malicious"),
    [
        ({"id": "MAL-2025-1"}, True),
        ({"id": "GHSA-aaaa-bbbb-cccc", "aliases": ["MAL-2025-9"]}, True),
        ({"id": "GHSA-aaaa-bbbb-cccc", "database_specific": {"cwe_ids": ["CWE-506"]}}, True),
        ({"id": "GHSA-aaaa-bbbb-cccc", "summary": "Malicious code in foo (npm)"}, True),
        ({"id": "X-1", "database_specific": {"malicious-packages-origins": []}}, True),
        ({"id": "GHSA-aaaa-bbbb-cccc", "summary": "Prototype pollution in foo"}, False),
        ({"id": "GHSA-aaaa-bbbb-cccc", "database_specific": {"cwe_ids": ["CWE-79"]}}, False),
    ],
)
def test_malicious_detection(doc: dict[str, Any], malicious: bool) -> None:
    doc = {
        **doc,
        "affected": [{"package": {"ecosystem": "npm", "name": "foo"}, "versions": ["1.0.0"]}],
    }
    [adv] = normalize_osv(doc)
    assert adv.malicious is malicious


def test_one_advisory_per_affected_entry_and_withdrawn_kept() -> None:
    doc = {
        "id": "GHSA-two",
        "withdrawn": "2025-01-02T00:00:00Z",
        "affected": [
            {"package": {"ecosystem": "npm", "name": "a"}, "versions": ["1.0.0"]},
            {"package": {"ecosystem": "npm", "name": "b"}, "versions": ["2.0.0"]},
            "garbage",
        ],
    }
    advs = normalize_osv(doc)
    assert [a.package for a in advs] == ["a", "b"]
    assert all(a.withdrawn == datetime(2025, 1, 2, tzinfo=UTC) for a in advs)
    assert visible_as_of(advs, None) == []  # withdrawn advisories are not shown
    assert visible_as_of(advs, datetime(2025, 1, 1, tzinfo=UTC)) == advs


def test_as_of_hides_later_advisories() -> None:
    index = AdvisoryIndex()
    index.add_document(load("osv/GHSA-late-test-0002.json"))
    before = datetime(2026, 4, 1, 12, tzinfo=UTC)
    assert index.lookup("npm", "axios", "1.14.0", before) == ()
    assert [a.id for a in index.lookup("npm", "axios", "1.14.0", None)] == ["GHSA-late-test-0002"]


@pytest.mark.parametrize(
    ("vector", "score"),
    [
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
        ("CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", 5.5),
        ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0),
        ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9),
        ("CVSS:4.0/AV:N/AC:L", None),
        ("CVSS:3.1/AV:X", None),
    ],
)
def test_cvss3(vector: str, score: float | None) -> None:
    assert cvss3_base_score(vector) == score


@pytest.mark.parametrize(
    "doc",
    [
        None,
        [],
        "x",
        {"id": 5},
        {"id": "A", "affected": {"x": 1}},
        {"id": "A", "affected": [{"ranges": [{"type": "SEMVER", "events": [1, {"fixed": 2}]}]}]},
        {"id": "A", "severity": [{"score": 9}], "references": "x", "aliases": [1, None]},
    ],
)
def test_hostile_records_do_not_raise(doc: Any) -> None:
    for adv in normalize_osv(doc):
        assert isinstance(adv, Advisory)
        assert not match(adv, "npm", "x", "1.0.0")


# --------------------------------------------------------------------------- reference matcher

NPM_POOL = [
    "0.0.1",
    "0.1.0",
    "1.0.0-alpha",
    "1.0.0-beta.2",
    "1.0.0",
    "1.0.1",
    "1.2.0-rc.1",
    "1.2.0",
    "1.10.0",
    "2.0.0",
    "2.0.1",
    "3.0.0-0",
    "3.0.0",
    "10.0.0",
]
PYPI_POOL = [
    "0.1",
    "0.9",
    "1.0a1",
    "1.0rc1",
    "1.0",
    "1.0.post1",
    "1.1",
    "1.2.dev1",
    "1.2",
    "2.0",
    "2!0.5",
    "10.0",
]


def _key(ecosystem: str, version: str) -> Any:
    return semver.parse(version) if ecosystem == "npm" else Version(version)


@st.composite
def ranges(
    draw: st.DrawFn, ecosystem: str
) -> tuple[list[tuple[str | None, str | None, str]], str | None, str]:
    pool = NPM_POOL if ecosystem == "npm" else PYPI_POOL
    pool = sorted(pool, key=lambda v: _key(ecosystem, v))
    bounds = sorted(draw(st.sets(st.integers(0, len(pool) - 1), max_size=6)))
    intervals: list[tuple[str | None, str | None, str]] = []
    start_zero = draw(st.booleans())
    points = [None, *[pool[i] for i in bounds]] if start_zero else [pool[i] for i in bounds]
    for lo_i in range(0, len(points), 2):
        lo = points[lo_i]
        hi = points[lo_i + 1] if lo_i + 1 < len(points) else None
        kind = draw(st.sampled_from(["fixed", "last_affected"]))
        intervals.append((lo, hi, kind))
    limit = draw(st.one_of(st.none(), st.sampled_from(pool)))
    target = draw(st.sampled_from(pool))
    return intervals, limit, target


def reference(
    ecosystem: str,
    intervals: list[tuple[str | None, str | None, str]],
    limit: str | None,
    target: str,
) -> bool:
    x = _key(ecosystem, target)
    if limit is not None and not x < _key(ecosystem, limit):
        return False
    for lo, hi, kind in intervals:
        above = lo is None or x >= _key(ecosystem, lo)
        if hi is None:
            below = True
        elif kind == "fixed":
            below = x < _key(ecosystem, hi)
        else:
            below = x <= _key(ecosystem, hi)
        if above and below:
            return True
    return False


def _advisory(
    ecosystem: str,
    intervals: list[tuple[str | None, str | None, str]],
    limit: str | None,
    seed: int,
) -> Advisory:
    events: list[dict[str, str]] = []
    for lo, hi, kind in intervals:
        events.append({"introduced": lo if lo is not None else "0"})
        if hi is not None:
            events.append({kind: hi})
    if limit is not None:
        events.append({"limit": limit})
    random.Random(seed).shuffle(events)  # evaluation must not depend on the listed order
    kind = "SEMVER" if ecosystem == "npm" else "ECOSYSTEM"
    doc = {
        "id": "TEST-1",
        "affected": [
            {
                "package": {"ecosystem": "npm" if ecosystem == "npm" else "PyPI", "name": "pkg"},
                "ranges": [{"type": kind, "events": events}],
            }
        ],
    }
    [adv] = normalize_osv(doc)
    return adv


@settings(max_examples=200, deadline=None)
@given(ranges("npm"), st.integers(0, 1000))
def test_npm_ranges_match_reference(case: Any, seed: int) -> None:
    intervals, limit, target = case
    adv = _advisory("npm", intervals, limit, seed)
    assert match(adv, "npm", "pkg", target) is reference("npm", intervals, limit, target)


@settings(max_examples=200, deadline=None)
@given(ranges("pypi"), st.integers(0, 1000))
def test_pypi_ranges_match_reference(case: Any, seed: int) -> None:
    intervals, limit, target = case
    adv = _advisory("pypi", intervals, limit, seed)
    assert match(adv, "pypi", "pkg", target) is reference("pypi", intervals, limit, target)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(NPM_POOL), max_size=5), st.sampled_from(NPM_POOL))
def test_versions_list_is_exact_membership(listed: list[str], target: str) -> None:
    doc = {
        "id": "T",
        "affected": [{"package": {"ecosystem": "npm", "name": "p"}, "versions": listed}],
    }
    [adv] = normalize_osv(doc)
    assert match(adv, "npm", "p", target) is (target in listed)
