"""new-dependency: a young package by the same accounts is no sibling in a patch release.

The node-ipc/peacenotwar pattern (protestware, or a hijacked account that
publishes its own decoy first): the package's long-standing account adds a
package it created days before, in a patch release. Shared accounts do not
vouch for it there; a monorepo's new package in its own scope, or one added
in a minor or major release, still counts as a sibling.
"""

from __future__ import annotations

import pytest

from depview.metadata import PackageMetadata, Person
from depview.risk.model import Level
from depview.risk.policy import combine
from depview.risk.signals.deps import new_dependency
from tests.risk.helpers import ALICE, BOB, MALLORY, ago, context, judge, meta, only, run, v

CAROL = Person("carol", "carol@example.com")


def _parent(
    name: str,
    base: str,
    new: str,
    dep: str,
    *,
    days: float = 0,
    hours: float = 2,
    publisher: Person = ALICE,
) -> PackageMetadata:
    """``name``: ``base`` by alice 400 days ago, then ``new`` adding ``dep``."""
    return meta(
        name,
        [
            v(base, ago(400)),
            v(new, ago(days, hours), publisher, (ALICE, publisher), deps={dep: "^1.0.0"}),
        ],
    )


def _young(name: str, owner: Person = ALICE, days: float = 7) -> PackageMetadata:
    return meta(name, [v("1.0.0", ago(days), owner, (owner,))])


def _old(name: str, owner: Person = ALICE) -> PackageMetadata:
    return meta(name, [v("1.0.0", ago(3000), owner, (owner,))])


CASES = [
    # id, package, baseline, this version, dependency, its record, expected
    ("young-sibling-patch", "ipc", "9.2.1", "9.2.2", "decoy", _young("decoy"), Level.MEDIUM),
    ("young-sibling-patch-0x", "ipc", "0.3.1", "0.3.2", "decoy", _young("decoy"), Level.MEDIUM),
    (
        "young-sibling-scope-patch",
        "@org/core",
        "1.0.0",
        "1.0.1",
        "@org/helper-y",
        _young("@org/helper-y", BOB),
        Level.LOW,
    ),
    (
        "young-sibling-scope-and-account-patch",
        "@org/core",
        "1.0.0",
        "1.0.1",
        "@org/helper-y",
        _young("@org/helper-y"),
        Level.LOW,
    ),
    ("young-sibling-minor", "ipc", "9.1.0", "9.2.0", "decoy", _young("decoy"), Level.LOW),
    ("young-sibling-major", "ipc", "9.2.1", "10.0.0", "decoy", _young("decoy"), Level.LOW),
    ("young-sibling-0x-minor", "ipc", "0.3.1", "0.4.0", "decoy", _young("decoy"), Level.LOW),
    ("established-patch", "ipc", "9.2.1", "9.2.2", "left-pad", _old("left-pad", BOB), Level.LOW),
    ("established-sibling-patch", "ipc", "9.2.1", "9.2.2", "colors", _old("colors"), Level.INFO),
    ("established-minor", "ipc", "9.1.0", "9.2.0", "left-pad", _old("left-pad", BOB), Level.LOW),
    (
        "young-new-account-patch",
        "ipc",
        "9.2.1",
        "9.2.2",
        "decoy",
        _young("decoy", MALLORY),
        Level.HIGH,
    ),
    (
        "young-new-account-minor",
        "ipc",
        "9.1.0",
        "9.2.0",
        "decoy",
        _young("decoy", MALLORY),
        Level.HIGH,
    ),
    (
        "young-other-scope-patch",
        "@org/core",
        "1.0.0",
        "1.0.1",
        "@evil/helper",
        _young("@evil/helper", MALLORY),
        Level.HIGH,
    ),
]


@pytest.mark.parametrize(
    ("name", "base", "new", "dep", "record", "expected"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_young_sibling_by_bump_and_scope(
    name: str, base: str, new: str, dep: str, record: PackageMetadata, expected: Level
) -> None:
    ctx = context(_parent(name, base, new, dep), new, others={dep: record})
    f = only(run(new_dependency, ctx))
    assert f.severity is expected, f
    discounted = "sibling_discounted" in f.evidence
    assert discounted is (expected is Level.MEDIUM)
    if discounted:  # the user sees why: bump kind and reason in title, detail and evidence
        assert f.evidence["bump"] == "patch"
        assert f.title == f"new dependency {dep} in a patch release"
        assert "a patch release after" in f.detail
        assert "shares accounts alice" in f.detail and "do not vouch" in f.detail
    else:
        assert "patch release," not in f.detail and f.title.endswith(dep)


def test_young_sibling_in_patch_release_counts_even_once_no_longer_young() -> None:
    # 40 days later the dependency is old, but it was 5 days old when the release added it.
    dep = meta("decoy", [v("1.0.0", ago(45), ALICE, (ALICE,))])
    ctx = context(
        _parent("ipc", "9.2.1", "9.2.2", "decoy", days=40), "9.2.2", others={"decoy": dep}
    )
    f = only(run(new_dependency, ctx))
    assert f.severity is Level.MEDIUM and "before this release" in f.detail


def test_a_new_co_maintainer_is_no_sibling() -> None:
    # carol joins with this release and adds her own week-old package: high, as before.
    m = _parent("ipc", "9.2.1", "9.2.2", "decoy", publisher=CAROL)
    f = only(run(new_dependency, context(m, "9.2.2", others={"decoy": _young("decoy", CAROL)})))
    assert f.severity is Level.HIGH and f.evidence["sibling"] == []


@pytest.mark.parametrize(
    ("new", "hours", "expected", "rule"),
    [
        ("9.2.2", 3, Level.HIGH, "recent-and-change"),  # node-ipc 9.2.2: hours old, patch
        ("9.2.2", 24 * 10, Level.MEDIUM, None),  # the same, outside the cooldown
        ("9.3.0", 3, Level.MEDIUM, None),  # minor release: a sibling, low; recent-publish medium
    ],
)
def test_policy_lifts_a_recent_patch_with_a_young_sibling(
    new: str, hours: float, expected: Level, rule: str | None
) -> None:
    m = _parent("ipc", "9.2.1", new, "decoy", hours=hours)
    verdict = judge(m, new, others=[_young("decoy")])
    assert verdict.level is expected, verdict
    assert "new-dependency" in verdict.kinds()
    if rule is None:
        assert not verdict.combined
    else:
        assert any("new-dependency" in c for c in verdict.combined), verdict.combined
        assert verdict.suggestion is not None and verdict.suggestion.version == "9.2.1"
        level, fired = combine(verdict.findings)
        assert level is Level.HIGH and [c.rule for c in fired] == [rule]
