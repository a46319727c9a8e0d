"""Policy combinations and the score."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from depview.risk.model import KINDS, Finding, Level
from depview.risk.policy import combine
from depview.risk.scoring import BANDS, score


def f(kind: str, level: Level, **evidence: object) -> Finding:
    return Finding(kind, level, kind, kind, evidence)


@pytest.mark.parametrize(
    ("findings", "expected", "rule"),
    [
        (
            [f("recent-publish", Level.LOW), f("publisher-change", Level.MEDIUM)],
            Level.HIGH,
            "recent-and-change",
        ),
        ([f("recent-publish", Level.LOW), f("provenance-dropped", Level.HIGH)], Level.HIGH, None),
        ([f("recent-publish", Level.LOW), f("publisher-change", Level.LOW)], Level.LOW, None),
        (
            [f("recent-publish", Level.MEDIUM), f("maintainer-change", Level.LOW)],
            Level.MEDIUM,
            None,
        ),
        (
            [f("young-package", Level.MEDIUM), f("install-script", Level.LOW)],
            Level.HIGH,
            "young-with-install-script",
        ),
        (
            [f("typosquat", Level.MEDIUM), f("install-script", Level.LOW)],
            Level.HIGH,
            "typosquat-with-code-or-newness",
        ),
        (
            [f("maintainer-change", Level.MEDIUM), f("new-dependency", Level.MEDIUM)],
            Level.HIGH,
            "control-and-payload",
        ),
        (
            [f("publisher-change", Level.MEDIUM), f("maintainer-change", Level.MEDIUM)],
            Level.MEDIUM,
            None,
        ),
        (
            [
                f("recent-publish", Level.MEDIUM),
                f("publisher-change", Level.MEDIUM),
                f("new-install-script", Level.HIGH),
            ],
            Level.CRITICAL,
            "three-independent-signals",
        ),
        (
            [
                f("metadata-unavailable", Level.MEDIUM),
                f("deprecated", Level.MEDIUM),
                f("typosquat", Level.MEDIUM),
            ],
            Level.MEDIUM,
            None,
        ),
        ([f("malware", Level.CRITICAL)], Level.CRITICAL, None),
        ([], Level.NONE, None),
    ],
)
def test_combinations(findings: list[Finding], expected: Level, rule: str | None) -> None:
    level, fired = combine(findings)
    assert level is expected
    if rule is not None:
        assert rule in {c.rule for c in fired}
    if level == max((x.severity for x in findings), default=Level.NONE):
        assert fired == ()  # only rules that raised the level are reported


def test_dormant_wording() -> None:
    _, fired = combine(
        [f("recent-publish", Level.MEDIUM, dormant=True), f("maintainer-change", Level.MEDIUM)]
    )
    assert "dormant package revived" in fired[0].reason


findings_st = st.lists(
    st.builds(f, st.sampled_from(KINDS), st.sampled_from(list(Level)[1:])), max_size=8
)


@settings(max_examples=200, deadline=None)
@given(findings_st, findings_st)
def test_level_and_score_are_monotone(a: list[Finding], extra: list[Finding]) -> None:
    la, ca = combine(a)
    lb, cb = combine(a + extra)
    assert lb >= la
    sa, sb = score(la, a, len(ca)), score(lb, a + extra, len(cb))
    assert sb >= sa
    low, high = BANDS[la]
    assert low <= sa <= high


def test_score_bands_are_ordered() -> None:
    levels = list(Level)
    for lower, upper in zip(levels, levels[1:], strict=False):
        assert BANDS[lower][1] < BANDS[upper][0]
    assert score(Level.NONE, []) == 0
    assert score(Level.CRITICAL, [f("malware", Level.CRITICAL)] * 10, 3) == 100
