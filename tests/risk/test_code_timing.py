"""install-script, new-install-script, recent-publish, young-package."""

from __future__ import annotations

import pytest

from depview.risk.context import RiskSettings
from depview.risk.model import Level
from depview.risk.signals.code import install_script, new_install_script
from depview.risk.signals.timing import recent_publish, young_package
from tests.risk.helpers import AS_OF, MALLORY, ago, context, levels, meta, only, run, v

GYP = {"install": "node-gyp rebuild"}


def test_long_standing_install_script_is_low() -> None:
    vs = [v(f"5.0.{i}", ago(1000 - i * 100), scripts=GYP) for i in range(6)]
    ctx = context(meta("native", vs), "5.0.5")
    f = only(run(install_script, ctx))
    assert f.severity is Level.LOW
    assert f.evidence["since"] == "5.0.0"
    assert "node-gyp rebuild" in f.detail
    assert run(new_install_script, ctx) == []


def test_new_install_script_is_high() -> None:
    vs = [v("1.0.0", ago(400)), v("1.0.1", ago(1), scripts={"postinstall": "node setup.js"})]
    ctx = context(meta("p", vs), "1.0.1")
    f = only(run(new_install_script, ctx))
    assert f.severity is Level.HIGH
    assert f.evidence["added"] == {"postinstall": "node setup.js"}
    assert 'postinstall: "node setup.js"' in f.detail
    assert only(run(install_script, ctx)).severity is Level.LOW


def test_extra_hook_is_medium_and_changed_command_is_medium() -> None:
    vs = [
        v("1.0.0", ago(400), scripts=GYP),
        v("1.0.1", ago(1), scripts={**GYP, "postinstall": "node x.js"}),
    ]
    assert only(run(new_install_script, context(meta("p", vs), "1.0.1"))).severity is Level.MEDIUM
    changed = [
        v("1.0.0", ago(400), scripts=GYP),
        v("1.0.1", ago(1), scripts={"install": "node evil.js"}),
    ]
    ctx = context(meta("p", changed), "1.0.1")
    f = only(run(install_script, ctx))
    assert f.severity is Level.MEDIUM and f.title == "install command changed"
    assert run(new_install_script, ctx) == []


def test_install_script_in_young_package_is_high() -> None:
    vs = [
        v("4.2.0", ago(1)),
        v("4.2.1", ago(0, 2), MALLORY, (MALLORY,), scripts={"postinstall": "node setup.js"}),
    ]
    ctx = context(meta("decoy", vs), "4.2.1")
    assert levels(run(install_script, ctx)) == {"install-script": Level.HIGH}
    assert levels(run(young_package, ctx)) == {"young-package": Level.MEDIUM}


def test_lockfile_flag_without_registry_record() -> None:
    ctx = context(None, "1.0.0", name="p", has_install_script=True)
    assert only(run(install_script, ctx)).severity is Level.LOW


def test_manifest_confusion_is_medium() -> None:
    ctx = context(meta("p", [v("1.0.0", ago(300))]), "1.0.0", has_install_script=True)
    f = only(run(install_script, ctx))
    assert f.severity is Level.MEDIUM
    assert f.evidence["lockfile_has_install_script"] is True


def _wheels(version: str, when: float, wheel: bool, **kw: object) -> object:
    files = (
        (f"p-{version}.tar.gz", f"p-{version}-py3-none-any.whl")
        if wheel
        else (f"p-{version}.tar.gz",)
    )
    return v(
        version,
        ago(when),
        None,
        (),
        files=files,
        has_wheel=wheel,
        scripts={} if wheel else {"sdist": "setup.py / build backend runs at install"},
        **kw,
    )


@pytest.mark.parametrize(
    ("history", "expected_install", "expected_new"),
    [
        ([("1.0", 400, False), ("1.1", 100, False)], Level.LOW, None),  # always sdist-only
        (
            [("1.0", 400, True), ("1.1", 100, False)],
            Level.MEDIUM,
            Level.MEDIUM,
        ),  # stopped shipping wheels
        ([("1.0", 400, True), ("1.1", 100, True)], None, None),
    ],
)
def test_pypi_sdist_only(
    history: list, expected_install: Level | None, expected_new: Level | None
) -> None:
    m = meta("p", [_wheels(*h) for h in history], ecosystem="pypi")  # type: ignore[misc]
    ctx = context(m, "1.1", ecosystem="pypi")
    assert levels(run(install_script, ctx)).get("install-script") == expected_install
    assert levels(run(new_install_script, ctx)).get("new-install-script") == expected_new


@pytest.mark.parametrize(
    ("age_hours", "previous_days", "expected", "title"),
    [
        (4, 10, Level.MEDIUM, "published very recently"),
        (30, 10, Level.LOW, "recently published"),
        (72, 400, Level.MEDIUM, "dormant package revived"),
        (24 * 8, 10, None, None),
    ],
)
def test_recent_publish(
    age_hours: float, previous_days: float, expected: Level | None, title: str | None
) -> None:
    vs = [
        v("1.0.0", ago(900)),
        v("1.0.1", ago(previous_days + age_hours / 24)),
        v("1.0.2", ago(0, age_hours)),
    ]
    found = run(recent_publish, context(meta("p", vs), "1.0.2"))
    if expected is None:
        assert found == []
    else:
        f = only(found)
        assert (f.severity, f.title) == (expected, title)
        assert f.evidence["previous_release"] == "1.0.1"


def test_cooldown_is_a_setting() -> None:
    vs = [v("1.0.0", ago(90)), v("1.0.1", ago(10))]
    assert run(recent_publish, context(meta("p", vs), "1.0.1")) == []
    ctx = context(meta("p", vs), "1.0.1", settings=RiskSettings(AS_OF, cooldown_days=14))
    assert only(run(recent_publish, ctx)).severity is Level.LOW


def test_young_package_threshold() -> None:
    assert run(young_package, context(meta("p", [v("1.0.0", ago(31))]), "1.0.0")) == []
    f = only(run(young_package, context(meta("p", [v("1.0.0", ago(29))]), "1.0.0")))
    assert f.severity is Level.MEDIUM and f.evidence["versions"] == 1
    ctx = context(
        meta("p", [v("1.0.0", ago(31))]),
        "1.0.0",
        settings=RiskSettings(AS_OF, young_package_days=60),
    )
    assert only(run(young_package, ctx)).severity is Level.MEDIUM
