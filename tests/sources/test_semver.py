"""SemVer 2.0.0 parsing and precedence."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from depview.sources import semver

# The precedence example from semver.org §11, in ascending order.
SPEC_ORDER = [
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
    "1.0.1",
    "1.1.0",
    "2.0.0",
]


def test_spec_precedence_example() -> None:
    parsed = [semver.parse(v) for v in SPEC_ORDER]
    assert all(p is not None for p in parsed)
    for (a, pa), (b, pb) in itertools.combinations(zip(SPEC_ORDER, parsed, strict=True), 2):
        assert pa is not None and pb is not None
        assert pa < pb, (a, b)
        assert semver.compare(a, b) == -1
        assert semver.compare(b, a) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.2.3", (1, 2, 3, (), ())),
        ("v1.2.3", (1, 2, 3, (), ())),
        ("=1.2.3", (1, 2, 3, (), ())),
        (" 1.2.3 ", (1, 2, 3, (), ())),
        ("0.0.1-security.0", (0, 0, 1, ("security", 0), ())),
        ("1.0.0-x.7.z.92", (1, 0, 0, ("x", 7, "z", 92), ())),
        ("1.0.0+20130313144700", (1, 0, 0, (), ("20130313144700",))),
        ("1.0.0-beta+exp.sha.5114f85", (1, 0, 0, ("beta",), ("exp", "sha", "5114f85"))),
        ("1.0.0-0A.is.legal", (1, 0, 0, ("0A", "is", "legal"), ())),
    ],
)
def test_parse_valid(text: str, expected: tuple[object, ...]) -> None:
    v = semver.parse(text)
    assert v is not None
    assert (v.major, v.minor, v.patch, v.prerelease, v.build) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "1",
        "1.2",
        "1.2.3.4",
        "01.2.3",
        "1.02.3",
        "1.2.3-01",
        "1.2.3-",
        "1.2.3+",
        "a.b.c",
        "1.2.3-beta..1",
        "١.٢.٣",
        "1.2.3-" + "a" * 300,
        "latest",
        "^1.2.3",
    ],
)
def test_parse_invalid(text: str) -> None:
    assert semver.parse(text) is None


def test_surrounding_blanks_are_tolerated() -> None:
    assert semver.parse("1.2.3\n") == semver.parse("1.2.3")


def test_build_metadata_is_ignored_for_precedence() -> None:
    assert semver.compare("1.0.0+a", "1.0.0+b") == 0
    assert semver.parse("1.0.0+a") == semver.parse("1.0.0")
    assert hash(semver.parse("1.0.0+a")) == hash(semver.parse("1.0.0"))


def test_compare_unparsable_is_none() -> None:
    assert semver.compare("1.0.0", "banana") is None


# --------------------------------------------------------------------------- properties

ident_num = st.integers(min_value=0, max_value=50)
ident_alpha = st.text(alphabet="abz-", min_size=1, max_size=3)
ident = st.one_of(ident_num, ident_alpha)
versions = st.builds(
    lambda ma, mi, pa, pre: f"{ma}.{mi}.{pa}" + ("-" + ".".join(map(str, pre)) if pre else ""),
    st.integers(0, 3),
    st.integers(0, 3),
    st.integers(0, 3),
    st.lists(ident, max_size=3),
)


def reference_key(text: str) -> tuple[object, ...]:
    """An independent precedence key, written straight from semver.org §11."""
    core, _, pre = text.partition("-")
    nums = tuple(int(x) for x in core.split("."))
    if not pre:
        return (nums, 1, ())
    idents = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
    return (nums, 0, idents)


@settings(max_examples=200, deadline=None)
@given(versions, versions)
def test_order_matches_reference(a: str, b: str) -> None:
    pa, pb = semver.parse(a), semver.parse(b)
    assert pa is not None and pb is not None
    ka, kb = reference_key(a), reference_key(b)
    assert (pa < pb) == (ka < kb)
    assert (pa == pb) == (ka == kb)


@settings(max_examples=100, deadline=None)
@given(st.lists(versions, min_size=3, max_size=8))
def test_sorting_is_total_and_transitive(items: list[str]) -> None:
    parsed = sorted(v for v in (semver.parse(i) for i in items) if v is not None)
    for x, y in itertools.pairwise(parsed):
        assert not y < x
    for x, y, z in itertools.combinations(parsed, 3):
        if x <= y and y <= z:
            assert x <= z


@settings(max_examples=100, deadline=None)
@given(versions)
def test_str_round_trip(text: str) -> None:
    parsed = semver.parse(text)
    assert parsed is not None
    assert str(parsed) == text
