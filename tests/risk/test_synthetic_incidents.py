"""Other incidents of the replayed families, built by hand, to show the rules are general.

- a dormant package revived after three years by a new account with a new postinstall;
- a maintainer handover that adds a brand-new dependency in a patch release
  (event-stream / flatmap-stream, 2018);
- a PyPI release that drops trusted publishing and ships only an sdist
  (built from PyPI JSON, Simple and Integrity documents through the real normaliser);
- a compromise through the trusted pipeline itself: same publisher, provenance kept,
  but a new install hook (ultralytics-style, 2024).

Each also has its benign twin, which must stay at low or below.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from depview.metadata import Person
from depview.model import normalize_name
from depview.risk.model import Level
from depview.sources.pypi import normalize_pypi
from tests.risk.helpers import ALICE, AS_OF, BOB, GHA, ago, judge, meta, tp_release, v

NEWCOMER = Person("helpful-dev", "helpful.dev@tutanota.com")


# --------------------------------------------------------------------------- dormant package revived


def _dormant(last: Any) -> Any:
    old = [
        v(
            f"1.{i}.0",
            datetime(2019 + i // 2, 1 + (i % 2) * 6, 1, tzinfo=AS_OF.tzinfo),
            ALICE,
            (ALICE,),
        )
        for i in range(6)
    ]
    return meta("left-thing", [*old, last])


def test_dormant_package_revived_by_new_account_with_postinstall() -> None:
    revived = v(
        "1.5.1", ago(2), NEWCOMER, (NEWCOMER,), scripts={"postinstall": "node lib/install.js"}
    )
    verdict = judge(_dormant(revived), "1.5.1")
    assert verdict.level is Level.CRITICAL
    assert {
        "recent-publish",
        "publisher-change",
        "maintainer-change",
        "new-install-script",
    } <= verdict.kinds()
    recent = next(f for f in verdict.findings if f.kind == "recent-publish")
    assert recent.title == "dormant package revived" and recent.evidence["dormant"]
    assert verdict.suggestion is not None and verdict.suggestion.version == "1.5.0"


def test_benign_twin_long_time_maintainer_returns_after_years() -> None:
    verdict = judge(_dormant(v("1.5.1", ago(2), ALICE, (ALICE,))), "1.5.1")
    assert verdict.level is Level.MEDIUM  # a dormant package revived is worth a look, not an alarm
    assert verdict.kinds() == {"recent-publish"}


# --------------------------------------------------------------------------- event-stream


def _event_stream(
    new_publisher: Person, dep_owner: Person, dep_age_at_release: float
) -> tuple[Any, Any]:
    release = ago(60)
    history = [
        v(f"3.3.{i}", ago(1500 - i * 200), ALICE, (ALICE,), deps={"through": "~2.3.1"})
        for i in range(6)
    ]
    handover = v(
        "3.3.6",
        release,
        new_publisher,
        (ALICE, new_publisher),
        deps={"through": "~2.3.1", "flatmap-stream": "^0.1.0"},
    )
    dep = meta(
        "flatmap-stream",
        [v("0.1.0", release - timedelta(days=dep_age_at_release), dep_owner, (dep_owner,))],
    )
    return meta("event-stream", [*history, handover]), dep


def test_handover_adding_new_dependency_in_patch_release() -> None:
    es, dep = _event_stream(NEWCOMER, NEWCOMER, dep_age_at_release=5)
    verdict = judge(es, "3.3.6", others=[dep])
    assert verdict.level >= Level.HIGH  # two months later: not recent any more, still high
    assert {"new-dependency", "publisher-change", "maintainer-change"} <= verdict.kinds()
    newdep = next(f for f in verdict.findings if f.kind == "new-dependency")
    assert newdep.severity is Level.HIGH and newdep.evidence["bump"] == "patch"
    assert newdep.evidence["sibling"] == []  # the newcomer's own package is no sibling
    assert verdict.suggestion is not None and verdict.suggestion.version == "3.3.5"


def test_benign_twin_maintainer_adds_established_dependency() -> None:
    es, dep = _event_stream(ALICE, BOB, dep_age_at_release=2000)
    verdict = judge(es, "3.3.6", others=[dep])
    assert verdict.level <= Level.LOW


# --------------------------------------------------------------------------- PyPI: trusted publishing dropped, sdist only


def _pypi_docs(releases: list[tuple[str, datetime, bool, bool]]) -> Any:
    """PyPI JSON + Simple + Integrity documents for (version, time, wheel, attested) releases."""
    json_releases: dict[str, list[dict[str, Any]]] = {}
    simple_files: list[dict[str, Any]] = []
    provenance: dict[str, dict[str, Any]] = {}
    for i, (version, when, wheel, attested) in enumerate(releases):
        stamp = when.isoformat().replace("+00:00", "Z")
        names = [f"fastthing-{version}.tar.gz"] + (
            [f"fastthing-{version}-py3-none-any.whl"] if wheel else []
        )
        json_releases[version] = []
        for j, filename in enumerate(names):
            digest = f"{i:02x}{j:02x}".ljust(64, "0")
            json_releases[version].append(
                {
                    "filename": filename,
                    "digests": {"sha256": digest},
                    "upload_time_iso_8601": stamp,
                    "packagetype": "bdist_wheel" if filename.endswith(".whl") else "sdist",
                    "yanked": False,
                }
            )
            entry: dict[str, Any] = {
                "filename": filename,
                "hashes": {"sha256": digest},
                "upload-time": stamp,
            }
            if attested:
                entry["provenance"] = (
                    f"https://pypi.example/integrity/fastthing/{version}/{filename}/provenance"
                )
                provenance[filename] = {
                    "attestation_bundles": [
                        {
                            "publisher": {
                                "kind": "GitHub",
                                "repository": "fastorg/fastthing",
                                "workflow": "release.yml",
                            }
                        }
                    ]
                }
            simple_files.append(entry)
    doc = {"info": {"name": "fastthing", "version": releases[-1][0]}, "releases": json_releases}
    return normalize_pypi(doc, {"name": "fastthing", "files": simple_files}, provenance)


def _fastthing(last_wheel: bool, last_attested: bool) -> Any:
    history = [(f"2.{i}.0", ago(400 - i * 60), True, True) for i in range(6)]
    return _pypi_docs([*history, ("2.5.1", ago(0, 3), last_wheel, last_attested)])


def test_pypi_release_drops_trusted_publishing_and_wheels() -> None:
    m = _fastthing(last_wheel=False, last_attested=False)
    assert m.name == normalize_name("pypi", "fastthing")
    verdict = judge(m, "2.5.1")
    assert verdict.level is Level.CRITICAL
    assert {
        "provenance-dropped",
        "install-script",
        "new-install-script",
        "recent-publish",
    } <= verdict.kinds()
    dropped = next(f for f in verdict.findings if f.kind == "provenance-dropped")
    assert dropped.severity is Level.HIGH and dropped.evidence["last_attested"] == "2.5.0"
    assert verdict.suggestion is not None and verdict.suggestion.version == "2.5.0"


def test_pypi_benign_twin_usual_pipeline() -> None:
    verdict = judge(_fastthing(last_wheel=True, last_attested=True), "2.5.1")
    assert verdict.level is Level.MEDIUM  # only "published very recently" (3 hours)
    assert verdict.kinds() == {"recent-publish"}


def test_pypi_integrity_of_the_locked_file_is_checked() -> None:
    m = _fastthing(last_wheel=True, last_attested=True)
    good = m.versions["2.5.1"].hashes[0]
    assert "integrity-mismatch" not in judge(m, "2.5.1", integrity=good).kinds()
    assert "integrity-mismatch" in judge(m, "2.5.1", integrity="sha256:" + "f" * 64).kinds()


# --------------------------------------------------------------------------- compromise through the pipeline


def _pipeline(last_scripts: dict[str, str]) -> Any:
    history = [
        tp_release(f"8.3.{i}", ago(200 - i * 15), maintainers=(ALICE, BOB)) for i in range(12)
    ]
    last = tp_release("8.3.12", ago(0, 10), maintainers=(ALICE, BOB), scripts=last_scripts)
    return meta("ultra-thing", [*history, last])


def test_trusted_pipeline_publishes_a_new_install_hook() -> None:
    verdict = judge(_pipeline({"postinstall": "node ./scripts/postinstall.js"}), "8.3.12")
    assert verdict.level >= Level.HIGH
    assert {"new-install-script", "recent-publish"} <= verdict.kinds()
    assert not verdict.kinds() & {"publisher-change", "provenance-dropped"}  # nothing else to see
    assert verdict.publisher == GHA.name
    assert verdict.suggestion is not None and verdict.suggestion.version == "8.3.11"


def test_benign_twin_pipeline_release() -> None:
    verdict = judge(_pipeline({}), "8.3.12")
    assert verdict.level is Level.MEDIUM and verdict.kinds() == {"recent-publish"}


# --------------------------------------------------------------------------- PyPI: a dormant project taken over (ctx, 2022)


def _sdist_project(last_age_days: float, gap_days: float) -> Any:
    releases = [
        (f"0.1.{i}", ago(last_age_days + gap_days + 300 * (3 - i)), False, False) for i in range(3)
    ]
    return _pypi_docs([*releases, ("0.2.2", ago(last_age_days), False, False)])


def test_pypi_dormant_project_revived_with_sdist() -> None:
    verdict = judge(_sdist_project(last_age_days=1, gap_days=8 * 365), "0.2.2")
    assert verdict.level >= Level.HIGH
    assert {"recent-publish", "install-script"} <= verdict.kinds()
    assert any("dormant" in c for c in verdict.combined)
    assert verdict.suggestion is not None and verdict.suggestion.version == "0.1.2"


def test_pypi_benign_twin_active_sdist_project() -> None:
    verdict = judge(_sdist_project(last_age_days=3, gap_days=40), "0.2.2")
    assert verdict.level <= Level.MEDIUM
