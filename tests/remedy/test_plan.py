"""Safe-version choice: pins, resolved dependencies, removals, notes."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from depview.lockfiles import load
from depview.model import PackageId
from depview.remedy.model import ResolvedStatus
from depview.remedy.plan import choose_version, make_plan, split_alias
from depview.report.model import TriageMark
from depview.risk.model import Level, Suggestion, Verdict
from tests.remedy.helpers import (
    AS_OF,
    AXIOS_BAD,
    DATA,
    DEMO_PROJECT,
    PLAIN,
    axios_metadata,
    axios_verdicts,
    meta,
    verdict,
    vinfo,
)

WS = DATA / "npm-ws-lv3" / "package-lock.json"


@pytest.fixture(scope="module")
def demo_graph():  # type: ignore[no-untyped-def]
    return load(DEMO_PROJECT / "package-lock.json")


@pytest.fixture(scope="module")
def ws_graph():  # type: ignore[no-untyped-def]
    return load(WS)


def test_axios_is_pinned_back_and_plain_crypto_js_removed(demo_graph) -> None:  # type: ignore[no-untyped-def]
    plan = make_plan(demo_graph, axios_verdicts(), axios_metadata(), as_of=AS_OF)
    assert [(p.package, p.to_version) for p in plan.pins] == [(AXIOS_BAD, "1.14.0")]
    pin = plan.pins[0]
    assert pin.level is Level.CRITICAL
    assert pin.paths == ((AXIOS_BAD,),)
    assert pin.conflicts == ()
    assert [r.package for r in plan.removals] == [PLAIN]
    removal = plan.removals[0]
    assert removal.because_of == (AXIOS_BAD,)
    assert "no safe version" in removal.reason
    assert "axios is pinned to 1.14.0" in removal.reason
    assert plan.unsafe == ()
    assert plan.resolved == ()  # 1.14.0 declares the same ranges minus plain-crypto-js


def test_level_and_triage_filter(demo_graph) -> None:  # type: ignore[no-untyped-def]
    verdicts = axios_verdicts()
    assert (
        make_plan(demo_graph, verdicts, axios_metadata(), as_of=AS_OF, level=Level.CRITICAL)
        .pins[0]
        .package
        == AXIOS_BAD
    )
    critical_only = make_plan(
        demo_graph, {PLAIN: verdicts[PLAIN]}, axios_metadata(), as_of=AS_OF, level=Level.CRITICAL
    )
    assert critical_only.pins == () and critical_only.removals == ()
    triage = {AXIOS_BAD: TriageMark("accepted", "known")}
    plan = make_plan(demo_graph, verdicts, axios_metadata(), as_of=AS_OF, triage=triage)
    assert all(p.package != AXIOS_BAD for p in plan.pins)
    assert any("triaged as accepted" in n for n in plan.notes)
    # plain-crypto-js stays: nothing removes it, so it is reported as unsafe with the reason.
    assert [p.package for p in plan.unsafe] == [PLAIN]
    assert any(
        "plain-crypto-js@4.2.1: no safe version" in n and "still needed by axios@1.14.1" in n
        for n in plan.notes
    )
    expired = {AXIOS_BAD: TriageMark("ignored", "", expires=AS_OF - timedelta(days=1))}
    plan = make_plan(demo_graph, verdicts, axios_metadata(), as_of=AS_OF, triage=expired)
    assert plan.pins[0].package == AXIOS_BAD


def test_no_suggestion_same_version_and_unknown_version(demo_graph) -> None:  # type: ignore[no-untyped-def]
    md = axios_metadata()
    none = {AXIOS_BAD: Verdict(AXIOS_BAD, Level.HIGH, 80, suggestion=None)}
    plan = make_plan(demo_graph, none, md, as_of=AS_OF)
    assert plan.pins[0].to_version is None and "review it by hand" in plan.pins[0].reason
    assert any("direct dependency" in n for n in plan.notes)
    same = {AXIOS_BAD: verdict(AXIOS_BAD, "1.14.1")}
    assert make_plan(demo_graph, same, md, as_of=AS_OF).pins == ()
    later = {AXIOS_BAD: verdict(AXIOS_BAD, "9.9.9")}
    plan = make_plan(demo_graph, later, md, as_of=AS_OF)
    assert plan.pins[0].to_version == "9.9.9"
    assert any("axios@9.9.9: not in the registry data" in n for n in plan.notes)


def test_conflicting_dependent_ranges_are_recorded(demo_graph) -> None:  # type: ignore[no-untyped-def]
    plan = make_plan(
        demo_graph, {AXIOS_BAD: verdict(AXIOS_BAD, "0.30.0")}, axios_metadata(), as_of=AS_OF
    )
    (pin,) = plan.pins
    assert pin.conflicts == ((demo_graph.root, "^1.13.0"),)


def test_choose_version_follows_npm() -> None:
    m = meta(
        "x",
        vinfo("1.0.0"),
        vinfo("1.1.0"),
        vinfo("1.2.0", deprecated="broken"),
        vinfo("1.3.0-beta.1"),
        vinfo("1.4.0", days_before=-1),  # after as-of: does not exist yet
        vinfo("2.0.0"),
        latest="1.0.0",
    )
    assert choose_version(m, "^1.0.0", AS_OF) == "1.0.0"  # latest tag fits: npm takes it
    m2 = replace(m, dist_tags={"latest": "2.0.0"})
    assert choose_version(m2, "^1.0.0", AS_OF) == "1.1.0"  # highest non-deprecated, no prerelease
    assert choose_version(m2, "^1.2.0", AS_OF) == "1.2.0"  # deprecated only when nothing else fits
    assert choose_version(m2, ">=1.3.0-beta.0 <1.3.0", AS_OF) == "1.3.0-beta.1"
    assert choose_version(m2, "^3", AS_OF) is None
    assert choose_version(m2, "^1.4.0", AS_OF) is None


def test_split_alias() -> None:
    assert split_alias("npm", "lodash3", "npm:lodash@^3.10.1") == ("lodash", "^3.10.1")
    assert split_alias("npm", "a", "npm:@s/b@1") == ("@s/b", "1")
    assert split_alias("npm", "a", "^1") == ("a", "^1")
    assert split_alias("pypi", "a", "npm:x@1") == ("a", "npm:x@1")


def _cross_spawn_metadata():  # type: ignore[no-untyped-def]
    return {
        ("npm", "cross-spawn"): meta(
            "cross-spawn",
            vinfo(
                "7.0.5",
                {
                    "path-key": "^3.1.0",
                    "shebang-command": "^2.0.0",
                    "which": "^1.2.9",
                    "tiny-new": "^1.0.0",
                },
            ),
            vinfo("7.0.6", {"path-key": "^3.1.0", "shebang-command": "^2.0.0", "which": "^2.0.1"}),
        ),
        ("npm", "which"): meta(
            "which",
            vinfo("1.3.1", {"isexe": "^2.0.0"}),
            vinfo("2.0.2", {"isexe": "^2.0.0"}),
            latest="2.0.2",
        ),
        ("npm", "tiny-new"): meta("tiny-new", vinfo("1.0.0", {"tiny-leaf": "*"}), latest="1.0.0"),
        ("npm", "tiny-leaf"): meta("tiny-leaf", vinfo("0.1.0"), latest="0.1.0"),
    }


def test_changed_dependencies_are_resolved_and_judged(ws_graph) -> None:  # type: ignore[no-untyped-def]
    bad = PackageId("npm", "cross-spawn", "7.0.6")
    judged: list[PackageId] = []

    def judge(pid: PackageId) -> Verdict | None:
        judged.append(pid)
        if pid.name == "tiny-leaf":
            return None
        level = Level.HIGH if pid.name == "tiny-new" else Level.LOW
        return Verdict(pid, level, 10, suggestion=Suggestion(None, ""))

    plan = make_plan(
        ws_graph, {bad: verdict(bad, "7.0.5")}, _cross_spawn_metadata(), as_of=AS_OF, judge=judge
    )
    by_name = {r.name: r for r in plan.resolved}
    assert by_name["which"].version == "1.3.1"
    assert by_name["which"].status is ResolvedStatus.NEW and by_name["which"].level is Level.LOW
    assert by_name["isexe"].status is ResolvedStatus.LOCKED and by_name["isexe"].version == "2.0.0"
    assert by_name["tiny-new"].status is ResolvedStatus.NEEDS_REVIEW
    assert "judged high" in by_name["tiny-new"].reason
    assert by_name["tiny-leaf"].status is ResolvedStatus.NEEDS_REVIEW
    assert {p.name for p in judged} == {"which", "tiny-new", "tiny-leaf"}
    assert {r.name for r in plan.added()} == {"which", "tiny-new", "tiny-leaf"}
    # which@2.0.2 was only needed by cross-spawn@7.0.6.
    assert [r.package for r in plan.removals] == [PackageId("npm", "which", "2.0.2")]
    assert any("tiny-new@1.0.0" in n and "needs review" in n for n in plan.notes)


def test_unresolvable_dependencies_are_reported(ws_graph) -> None:  # type: ignore[no-untyped-def]
    bad = PackageId("npm", "debug", "4.4.3")
    md = {("npm", "debug"): meta("debug", vinfo("4.4.1", {"ms": "^2.1.3", "ghost": "^1.0.0", "old": "^9"})),
          ("npm", "old"): meta("old", vinfo("1.0.0"))}  # fmt: skip
    plan = make_plan(ws_graph, {bad: verdict(bad, "4.4.1")}, md, as_of=AS_OF)
    statuses = {r.name: (r.status, r.reason) for r in plan.resolved}
    assert statuses["ghost"] == (ResolvedStatus.UNRESOLVED, "no registry data for ghost")
    assert statuses["old"][0] is ResolvedStatus.UNRESOLVED
    assert "satisfies ^9" in statuses["old"][1]
    assert any("debug@4.4.1 needs ghost@^1.0.0" in n for n in plan.notes)
    assert plan.removals == ()


def test_missing_metadata_keeps_the_dependencies(demo_graph) -> None:  # type: ignore[no-untyped-def]
    plan = make_plan(demo_graph, axios_verdicts(), {}, as_of=AS_OF)
    assert plan.pins[0].to_version == "1.14.0"
    assert plan.removals == ()  # unknown deps: nothing is assumed gone
    assert any("assumed unchanged" in n for n in plan.notes)
    assert any("plain-crypto-js@4.2.1: no safe version" in n for n in plan.notes)


def test_pypi_dependencies_are_left_to_the_resolver() -> None:
    graph = load(DATA / "uv-gen-app" / "uv.lock")
    pid = next(p for p in graph.packages if p.name == "annotated-types" and p.version == "0.8.0")
    md = {
        ("pypi", "annotated-types"): meta(
            "annotated-types", vinfo("0.7.0"), vinfo("0.8.0"), ecosystem="pypi"
        )
    }
    plan = make_plan(graph, {pid: verdict(pid, "0.7.0")}, md, as_of=AS_OF)
    assert plan.pin_map() == {pid: "0.7.0"}
    assert plan.removals == ()
    assert any("PyPI does not publish per-version dependencies" in n for n in plan.notes)
