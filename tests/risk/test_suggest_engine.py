"""Suggestions (the version to pin instead) and the engine over a graph."""

from __future__ import annotations

from datetime import timedelta

from depview.metadata import Advisory, AffectedRange, Unavailable, VersionInfo
from depview.model import Edge, Package, PackageId, Source, SourceKind, build_graph
from depview.risk.engine import judge_all
from depview.risk.model import Level
from tests.risk.helpers import ALICE, AS_OF, MALLORY, SETTINGS, ago, judge, meta, tp_release, v

EVIL = {"postinstall": "node setup.js"}


def _hijacked(extra: list[VersionInfo] | None = None) -> list[VersionInfo]:
    return (
        [tp_release(f"1.{i}.0", ago(400 - i * 30)) for i in range(12)]
        + (extra or [])
        + [v("1.12.1", ago(0, 3), MALLORY, (MALLORY,), scripts=EVIL)]
    )


def test_suggests_the_last_known_good() -> None:
    verdict = judge(meta("p", _hijacked()), "1.12.1")
    assert verdict.level >= Level.HIGH
    assert verdict.suggestion is not None and verdict.suggestion.version == "1.11.0"
    assert "newest release before 1.12.1" in verdict.suggestion.reason


def test_skips_deprecated_yanked_and_advisory_matched_versions() -> None:
    vs = _hijacked()
    vs[11] = tp_release("1.11.0", ago(400 - 11 * 30), deprecated="broken")
    vs[10] = tp_release("1.10.0", ago(400 - 10 * 30))
    adv = Advisory(
        id="GHSA-1",
        severity="HIGH",
        ecosystem="npm",
        package="p",
        ranges=(AffectedRange("SEMVER", (("introduced", "1.10.0"), ("fixed", "1.11.0"))),),
    )
    adv2 = Advisory(id="GHSA-2", severity="LOW", ecosystem="npm", package="p", versions=("1.12.1",))
    verdict = judge(meta("p", vs), "1.12.1", advisories=(adv2, adv))
    assert verdict.suggestion is not None and verdict.suggestion.version == "1.9.0"


def test_prefers_versions_inside_the_dependents_ranges() -> None:
    root = PackageId("npm", "app", "1.0.0")
    locked = PackageId("npm", "p", "2.0.1")
    vs = [
        tp_release("1.9.0", ago(500)),
        tp_release("2.0.0", ago(300)),
        v("2.0.1", ago(0, 3), MALLORY, (MALLORY,), scripts=EVIL),
    ]
    graph = build_graph(
        ecosystem="npm",
        format="test",
        path="x",
        packages=[Package(root, Source(SourceKind.ROOT)), Package(locked, integrity="sha512-x")],
        edges={root: [Edge(locked, spec="^2.0.0")]},
        roots=[root],
    )
    verdicts = judge_all(graph, {("npm", "p"): meta("p", vs)}, {}, SETTINGS)
    assert root not in verdicts
    s = verdicts[locked].suggestion
    assert s is not None and s.version == "2.0.0" and "^2.0.0 (from app)" in s.reason


def test_falls_back_to_a_newer_version_older_than_the_cooldown() -> None:
    vs = [
        v("1.0.0", ago(900), deprecated="old"),
        v("1.0.1", ago(800)),
        tp_release("1.0.2", ago(20)),
    ]
    adv = Advisory(
        id="GHSA-3",
        severity="CRITICAL",
        ecosystem="npm",
        package="p",
        ranges=(AffectedRange("SEMVER", (("introduced", "0"), ("fixed", "1.0.2"))),),
    )
    verdict = judge(meta("p", vs), "1.0.1", advisories=(adv,))
    assert verdict.level is Level.CRITICAL
    assert verdict.suggestion is not None and verdict.suggestion.version == "1.0.2"
    assert "older than the cooldown" in verdict.suggestion.reason


def test_no_clean_version_says_why() -> None:
    decoy = meta(
        "decoy",
        [
            v("4.2.0", ago(1), MALLORY, (MALLORY,)),
            v("4.2.1", ago(0, 2), MALLORY, (MALLORY,), scripts=EVIL),
        ],
    )
    verdict = judge(decoy, "4.2.1")
    assert verdict.level >= Level.HIGH
    assert verdict.suggestion is not None and verdict.suggestion.version is None
    assert "4.2.0" in verdict.suggestion.reason and "young-package" in verdict.suggestion.reason
    held = meta(
        "decoy",
        [VersionInfo("4.2.1", ago(2), unpublished=True), v("0.0.1-security.0", ago(1))],
        security_placeholder=True,
    )
    s = judge(held, "4.2.1").suggestion
    assert s is not None and s.version is None and "security holding package" in s.reason


def test_low_packages_get_no_suggestion_and_verdict_fields() -> None:
    verdict = judge(meta("p", [v("1.0.0", ago(300)), v("1.0.1", ago(3))]), "1.0.1")
    assert verdict.level is Level.LOW and verdict.suggestion is None
    assert verdict.published == ago(3) and verdict.publisher == "alice"
    assert verdict.kinds() == {"recent-publish"}
    assert 15 <= verdict.score <= 34


def test_judge_all_unknowns_and_project_nodes() -> None:
    root = PackageId("npm", "app", "1.0.0")
    ws = PackageId("npm", "ws", "0.0.0")
    a = PackageId("npm", "a", "1.0.0")
    b = PackageId("npm", "b", "1.0.0")
    git = PackageId("npm", "g", "1.0.0")
    graph = build_graph(
        ecosystem="npm",
        format="test",
        path="x",
        packages=[
            Package(root, Source(SourceKind.ROOT)),
            Package(ws, Source(SourceKind.WORKSPACE)),
            Package(a, integrity="sha512-x"),
            Package(b, integrity="sha512-x"),
            Package(git, Source(SourceKind.GIT, "git+https://example.invalid/g.git")),
        ],
        edges={root: [Edge(a), Edge(ws), Edge(git)], ws: [Edge(b)]},
        roots=[root, ws],
    )
    metadata = {
        ("npm", "a"): meta("a", [v("1.0.0", ago(400))]),
        ("npm", "b"): Unavailable("npm", "HTTP 503"),
    }
    verdicts = judge_all(graph, metadata, {b: Unavailable("osv", "down")}, SETTINGS)
    assert set(verdicts) == {a, b, git}
    assert verdicts[a].level is Level.NONE and not verdicts[a].unknown
    assert verdicts[b].unknown and verdicts[b].level is Level.MEDIUM
    assert {f.title for f in verdicts[b].findings} == {
        "registry data unavailable",
        "advisory data unavailable",
    }
    assert verdicts[git].kinds() == {"non-registry-source"} and not verdicts[git].unknown


def test_as_of_hides_later_versions_and_placeholder() -> None:
    later = meta(
        "p", [tp_release("1.0.0", ago(300)), tp_release("1.0.1", AS_OF + timedelta(days=2))]
    )
    verdict = judge(later, "1.0.0")
    assert verdict.level is Level.NONE and verdict.findings == ()
    assert ALICE.key == "alice"
