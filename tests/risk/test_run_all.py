"""``run_all`` skips signals that cannot fire; it must always equal running every signal.

Its gates mirror the signals' first early returns. If a signal gains a new way to
fire and its gate is not updated, these tests fail: on the incident replays, on
the synthetic incidents, and on random histories (hypothesis).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from depview.metadata import PackageMetadata, VersionInfo
from depview.risk import engine
from depview.risk.context import PackageContext
from depview.risk.model import Finding
from depview.risk.signals import SIGNALS, run_all
from tests.risk import test_synthetic_incidents
from tests.risk.helpers import context
from tests.risk.test_fuzz import version_infos
from tests.risk.test_replays import CASES, judge_replay


def every_signal(ctx: PackageContext) -> list[Finding]:
    return [finding for _kind, signal in SIGNALS for finding in signal(ctx)]


class Checked:
    def __init__(self) -> None:
        self.contexts = 0
        self.findings = 0

    def __call__(self, ctx: PackageContext) -> list[Finding]:
        fast = run_all(ctx)
        assert fast == every_signal(ctx), ctx.package.id
        self.contexts += 1
        self.findings += len(fast)
        return fast


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> Iterator[Checked]:
    check = Checked()
    monkeypatch.setattr(engine, "run_all", check)
    yield check


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_on_the_incident_replays(case: Path, checked: Checked) -> None:
    expected = json.loads((case / "expected.json").read_text())
    judge_replay(case)
    assert checked.contexts >= expected["packages"] > 0
    assert checked.findings > 0


def test_on_the_synthetic_incidents(checked: Checked) -> None:
    tests = [
        getattr(test_synthetic_incidents, name)
        for name in dir(test_synthetic_incidents)
        if name.startswith("test_")
    ]
    assert len(tests) >= 8
    for test in tests:
        test()
    assert checked.contexts >= len(tests)
    assert checked.findings > 0


@settings(max_examples=150, deadline=None)
@given(
    st.lists(version_infos(), min_size=1, max_size=8),
    st.sampled_from(["npm", "pypi"]),
    st.integers(0, 7),
    st.booleans(),
)
def test_on_random_histories(
    infos: list[VersionInfo], ecosystem: str, which: int, hashed: bool
) -> None:
    meta = PackageMetadata(ecosystem, "pkg", {i.version: i for i in infos})
    info = infos[which % len(infos)]
    integrity = "sha512-other" if hashed else None
    ctx = context(meta, info.version, ecosystem=ecosystem, integrity=integrity)
    assert run_all(ctx) == every_signal(ctx)


def test_the_context_field_order_that_engine_and_run_all_rely_on() -> None:
    # engine._context builds PackageContext by position and run_all unpacks it by
    # position: a field added, removed or moved must be handled in both.
    assert PackageContext._fields == (
        "package",
        "metadata",
        "advisories",
        "settings",
        "lookup",
        "history",
        "info",
        "baseline",
        "live_info",
        "full",
        "lockfile_has_hashes",
        "hypothetical",
    )
