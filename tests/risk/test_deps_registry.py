"""new-dependency, and what the registry/advisories say (malware, advisory, unpublished, ...)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from depview.metadata import Advisory, AffectedRange, PackageMetadata, Unavailable, VersionInfo
from depview.risk.model import Level
from depview.risk.signals.deps import new_dependency
from depview.risk.signals.registry import (
    advisory,
    deprecated,
    malware,
    metadata_unavailable,
    unpublished,
    yanked,
)
from tests.risk.helpers import ALICE, AS_OF, BOB, MALLORY, ago, context, levels, meta, only, run, v

OLD_DEP = meta("left-pad", [v("1.0.0", ago(3000), BOB, (BOB,))])
NEW_DEP = meta("plain-thing", [v("4.2.0", ago(1), MALLORY, (MALLORY,))])


def _adding(
    dep: str, new_version: str = "1.0.1", base: str = "1.0.0", **kw: object
) -> PackageMetadata:
    return meta("p", [v(base, ago(400)), v(new_version, ago(0, 2), deps={dep: "^1.0.0"}, **kw)])


# --------------------------------------------------------------------------- new-dependency


def test_young_dependency_in_patch_release_is_high() -> None:
    ctx = context(_adding("plain-thing"), "1.0.1", others={"plain-thing": NEW_DEP})
    f = only(run(new_dependency, ctx))
    assert f.severity is Level.HIGH
    assert f.evidence["dependency"] == "plain-thing" and f.evidence["bump"] == "patch"
    assert "mallory" in f.detail


@pytest.mark.parametrize(
    ("new_version", "expected"), [("1.0.1", Level.LOW), ("1.1.0", Level.LOW), ("2.0.0", Level.INFO)]
)
def test_established_dependency(new_version: str, expected: Level) -> None:
    ctx = context(_adding("left-pad", new_version), new_version, others={"left-pad": OLD_DEP})
    assert only(run(new_dependency, ctx)).severity is expected


def test_young_sibling_in_own_scope_is_low() -> None:
    sib = meta("@org/new-helper", [v("1.0.0", ago(2))])
    m = meta(
        "@org/core", [v("1.0.0", ago(400)), v("1.1.0", ago(1), deps={"@org/new-helper": "1.0.0"})]
    )
    ctx = context(m, "1.1.0", others={"@org/new-helper": sib})
    assert only(run(new_dependency, ctx)).severity is Level.LOW


def test_young_dependency_sharing_a_maintainer_is_low_in_a_minor_release() -> None:
    # In a patch release it is medium: see test_sibling_dependency.py.
    sib = meta("helper", [v("1.0.0", ago(2), ALICE, (ALICE,))])
    ctx = context(_adding("helper", "1.1.0"), "1.1.0", others={"helper": sib})
    assert only(run(new_dependency, ctx)).severity is Level.LOW


def test_dependency_held_by_npm_is_critical_and_missing_is_high() -> None:
    held = meta("plain-thing", [v("0.0.1-security.0", ago(1))], security_placeholder=True)
    assert (
        only(
            run(
                new_dependency,
                context(_adding("plain-thing"), "1.0.1", others={"plain-thing": held}),
            )
        ).severity
        is Level.CRITICAL
    )
    gone = meta("plain-thing", [], not_found=True)
    assert (
        only(
            run(
                new_dependency,
                context(_adding("plain-thing"), "1.0.1", others={"plain-thing": gone}),
            )
        ).severity
        is Level.HIGH
    )


def test_unknown_dependency_depends_on_bump() -> None:
    assert only(run(new_dependency, context(_adding("x"), "1.0.1"))).severity is Level.MEDIUM
    assert (
        only(
            run(
                new_dependency,
                context(
                    _adding("x", "1.1.0"), "1.1.0", others={"x": Unavailable("npm", "timeout")}
                ),
            )
        ).severity
        is Level.LOW
    )


def test_no_new_dependency_and_optional_dependencies() -> None:
    same = meta("p", [v("1.0.0", ago(400), deps={"a": "1"}), v("1.0.1", ago(1), deps={"a": "2"})])
    assert run(new_dependency, context(same, "1.0.1")) == []
    opt = meta(
        "p", [v("1.0.0", ago(400)), v("1.0.1", ago(1), optional_dependencies={"plain-thing": "*"})]
    )
    assert (
        only(run(new_dependency, context(opt, "1.0.1", others={"plain-thing": NEW_DEP}))).severity
        is Level.HIGH
    )


# --------------------------------------------------------------------------- registry state


def test_metadata_unavailable_is_medium() -> None:
    ctx = context(Unavailable("npm", "HTTP 500"), "1.0.0", name="p")
    f = only(run(metadata_unavailable, ctx))
    assert f.severity is Level.MEDIUM and f.evidence["reason"] == "HTTP 500"
    ctx2 = context(
        meta("p", [v("1.0.0", ago(5))]), "1.0.0", advisories=Unavailable("osv", "HTTP 429")
    )
    assert only(run(metadata_unavailable, ctx2)).title == "advisory data unavailable"


def test_version_published_after_as_of_is_unknown_not_unpublished() -> None:
    m = meta("p", [v("1.0.0", ago(100)), v("1.0.1", AS_OF + timedelta(hours=1))])
    ctx = context(m, "1.0.1")
    assert run(unpublished, ctx) == []
    assert only(run(metadata_unavailable, ctx)).title == "published after as-of"


def test_unpublished_variants() -> None:
    gone = meta("p", [v("1.0.0", ago(100)), VersionInfo("1.0.1", ago(1), unpublished=True)])
    f = only(run(unpublished, context(gone, "1.0.1")))
    assert f.severity is Level.HIGH and f.evidence["in_time_map"] is True
    absent = only(run(unpublished, context(meta("p", [v("1.0.0", ago(100))]), "9.9.9")))
    assert absent.evidence["in_time_map"] is False
    missing = only(run(unpublished, context(meta("p", [], not_found=True), "1.0.0")))
    assert missing.title == "package not on the registry"
    pypi = meta("p", [v("1.0", ago(10), files=())], ecosystem="pypi")
    assert (
        only(run(unpublished, context(pypi, "1.0", ecosystem="pypi"))).title
        == "release files deleted"
    )
    assert run(unpublished, context(meta("p", [v("1.0.0", ago(100))]), "1.0.0")) == []


MAL = Advisory(
    id="MAL-2026-1",
    summary="Malicious code in p",
    malicious=True,
    aliases=("GHSA-x",),
    published=ago(1),
    ecosystem="npm",
    package="p",
    versions=("1.0.1",),
)


def test_malware_advisory_and_placeholder_are_critical() -> None:
    m = meta("p", [v("1.0.0", ago(100)), v("1.0.1", ago(2))])
    f = only(run(malware, context(m, "1.0.1", advisories=(MAL,))))
    assert f.severity is Level.CRITICAL and f.evidence["aliases"] == ["GHSA-x"]
    held = meta(
        "p",
        [VersionInfo("1.0.1", ago(2), unpublished=True), v("0.0.1-security.0", ago(1))],
        security_placeholder=True,
    )
    f2 = only(run(malware, context(held, "1.0.1")))
    assert (
        f2.severity is Level.CRITICAL and f2.evidence["placeholder_version"] == "0.0.1-security.0"
    )


def test_placeholder_published_after_as_of_is_not_yet_in_force() -> None:
    held = meta(
        "p",
        [v("1.0.1", ago(2)), v("0.0.1-security.0", AS_OF + timedelta(hours=3))],
        security_placeholder=True,
    )
    assert run(malware, context(held, "1.0.1")) == []


def test_advisories_after_as_of_or_withdrawn_are_ignored() -> None:
    m = meta("p", [v("1.0.1", ago(2))])
    later = Advisory(id="MAL-2", malicious=True, published=AS_OF + timedelta(minutes=8))
    withdrawn = Advisory(id="GHSA-w", severity="HIGH", published=ago(10), withdrawn=ago(1))
    assert run(malware, context(m, "1.0.1", advisories=(later,))) == []
    assert run(advisory, context(m, "1.0.1", advisories=(withdrawn,))) == []


@pytest.mark.parametrize(
    ("severity", "score", "expected"),
    [
        ("CRITICAL", None, Level.CRITICAL),
        ("HIGH", None, Level.HIGH),
        ("MODERATE", None, Level.MEDIUM),
        ("LOW", None, Level.LOW),
        (None, None, Level.MEDIUM),
        ("CVSS:3.1/AV:N", 9.8, Level.CRITICAL),
        (None, 5.3, Level.MEDIUM),
        (None, 2.0, Level.LOW),
        ("HIGH", 7.5, Level.HIGH),
    ],
)
def test_advisory_severity(severity: str | None, score: float | None, expected: Level) -> None:
    adv = Advisory(
        id="GHSA-1",
        summary="Prototype pollution",
        severity=severity,
        cvss_score=score,
        fixed=("4.17.21",),
        ranges=(AffectedRange("SEMVER", (("introduced", "0"), ("fixed", "4.17.21"))),),
    )
    f = only(
        run(advisory, context(meta("p", [v("4.17.20", ago(900))]), "4.17.20", advisories=(adv,)))
    )
    assert f.severity is expected
    assert f.evidence["fixed"] == ["4.17.21"] and "fixed in 4.17.21" in f.detail


def test_deprecated_only_for_the_locked_version() -> None:
    m = meta("p", [v("1.0.0", ago(300), deprecated="use 2.x"), v("1.0.1", ago(100))])
    assert run(deprecated, context(m, "1.0.1")) == []
    assert only(run(deprecated, context(m, "1.0.0"))).severity is Level.LOW
    sec = meta("p", [v("1.0.0", ago(300), deprecated="critical security vulnerability, upgrade")])
    assert only(run(deprecated, context(sec, "1.0.0"))).severity is Level.MEDIUM


def test_yanked() -> None:
    plain = meta(
        "p",
        [v("1.0", ago(10), files=("p.whl",), yanked=True, yanked_reason="broken build")],
        ecosystem="pypi",
    )
    assert only(run(yanked, context(plain, "1.0", ecosystem="pypi"))).severity is Level.MEDIUM
    bad = meta(
        "p",
        [
            v(
                "1.0",
                ago(10),
                files=("p.whl",),
                yanked=True,
                yanked_reason="Compromised release, contains malware",
            )
        ],
        ecosystem="pypi",
    )
    assert only(run(yanked, context(bad, "1.0", ecosystem="pypi"))).severity is Level.HIGH
    assert (
        levels(
            run(
                yanked,
                context(
                    meta("p", [v("1.0", ago(10), files=("x",))], ecosystem="pypi"),
                    "1.0",
                    ecosystem="pypi",
                ),
            )
        )
        == {}
    )


def test_detail_of_registry_text_is_inert() -> None:
    m = meta(
        "p",
        [
            v(
                "1.0.0",
                ago(300),
                deprecated="\x1b]8;;http://evil\x07click\x1b]8;;\x07 [red]x[/red]\u202e",
            )
        ],
    )
    f = only(run(deprecated, context(m, "1.0.0")))
    assert "\x1b" not in f.detail and "\u202e" not in f.detail
