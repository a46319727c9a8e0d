"""History and "the version before it" (depview.risk.context)."""

from __future__ import annotations

from datetime import timedelta

from depview.config import Settings
from depview.metadata import VersionInfo
from depview.risk.context import History, RiskSettings
from tests.risk.helpers import ALICE, AS_OF, BOB, ago, context, meta, v


def _base(m_versions: list[VersionInfo], version: str, ecosystem: str = "npm") -> str | None:
    m = meta("p", m_versions, ecosystem=ecosystem)
    ctx = context(m, version, ecosystem=ecosystem)
    return ctx.baseline.version if ctx.baseline else None


def test_baseline_is_previous_in_same_major_line() -> None:
    vs = [v("1.0.0", ago(100)), v("2.0.0", ago(50)), v("1.0.1", ago(40)), v("2.0.1", ago(10))]
    assert _base(vs, "2.0.1") == "2.0.0"
    assert _base(vs, "1.0.1") == "1.0.0"  # the backport compares with its own line, not 2.0.0


def test_baseline_falls_back_to_another_line() -> None:
    vs = [v("1.9.0", ago(100)), v("2.0.0", ago(10))]
    assert _base(vs, "2.0.0") == "1.9.0"


def test_zero_x_is_one_line() -> None:
    vs = [v("0.2.16", ago(100)), v("0.3.0", ago(10))]
    assert _base(vs, "0.3.0") == "0.2.16"


def test_prereleases_are_no_baseline_for_stable() -> None:
    vs = [v("1.0.0", ago(100)), v("1.1.0-rc.1", ago(20)), v("1.1.0", ago(10))]
    assert _base(vs, "1.1.0") == "1.0.0"
    vs2 = [v("1.1.0-rc.1", ago(20)), v("1.1.0-rc.2", ago(10))]
    assert _base(vs2, "1.1.0-rc.2") == "1.1.0-rc.1"


def test_unpublished_versions_are_no_baseline() -> None:
    vs = [
        v("1.0.0", ago(100)),
        VersionInfo("1.0.1", ago(50), unpublished=True),
        v("1.0.2", ago(10)),
    ]
    assert _base(vs, "1.0.2") == "1.0.0"


def test_only_versions_published_earlier_count() -> None:
    vs = [v("1.0.0", ago(100)), v("1.0.2", ago(10)), v("1.0.1", ago(5))]
    assert _base(vs, "1.0.2") == "1.0.0"  # 1.0.1 came later
    assert _base(vs, "1.0.0") is None


def test_versions_after_as_of_do_not_exist() -> None:
    vs = [v("1.0.0", ago(100)), v("1.0.1", AS_OF + timedelta(days=1))]
    m = meta("p", vs)
    ctx = context(m, "1.0.1")
    assert ctx.info is None and ctx.full is not None
    assert "1.0.1" not in History(m.as_of(AS_OF)).metadata.versions


def test_pypi_lines_and_untimed_versions() -> None:
    vs = [v("2.30.0", ago(100), files=("a.whl",)), v("2.31.0", ago(10), files=("b.whl",))]
    assert _base(vs, "2.31.0", "pypi") == "2.30.0"
    untimed = [v("1.0", ago(100), files=("x",)), v("1.1", None, files=("y",))]
    assert _base(untimed, "1.1", "pypi") == "1.0"


def test_account_index() -> None:
    vs = [
        v("1.0.0", ago(400), ALICE, (ALICE, BOB)),
        v("1.0.1", ago(300), BOB, (ALICE, BOB)),
        v("1.0.2", ago(10), ALICE, (ALICE,)),
    ]
    h = History(meta("p", vs))
    assert h.published_before("bob", ago(0)) == 1
    assert h.published_before("bob", ago(350)) == 0
    assert h.first_listed("bob") == ago(400)
    assert [e[1] for e in h.emails_before("alice", ago(350))] == ["alice@example.com"] * 2


def test_risk_settings_from_settings() -> None:
    rs = RiskSettings.from_settings(Settings(as_of=AS_OF, cooldown_days=3, young_package_days=10))
    assert rs.as_of == AS_OF and rs.cooldown == timedelta(days=3) and rs.young == timedelta(days=10)
