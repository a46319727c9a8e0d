"""Pure parts of the TUI: tree model, session navigation, row labels, timeline helpers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from depview.metadata import PackageMetadata, VersionInfo
from depview.model import DependencyGraph, Edge, Package, PackageId, Source, SourceKind, build_graph
from depview.report.model import TriageMark
from depview.risk.model import Finding, Level, Verdict
from depview.tui.state import Session
from depview.tui.timeline import (
    dependency_changes,
    monthly_counts,
    previous_version,
    releases,
    version_key,
)
from depview.tui.treemodel import TreeModel
from depview.tui.view import Shown, badges, format_age, row_label, shown_level, sort_rank
from tests.tui.helpers import AS_OF, SETTINGS, WS, chain_graph, pid, small_graph, verdicts_for

ALPHA, BETA, EVIL, GAMMA = pid("alpha"), pid("beta", "2.0.0"), pid("evil", "6.6.6"), pid("gamma")
SHARED, LEAF, ZETA = pid("shared", "3.1.0"), pid("leaf"), pid("zeta")


def session(graph: DependencyGraph | None = None) -> Session:
    g = graph or small_graph()
    return Session(g, SETTINGS, Path("/p/package-lock.json"), Path("/p/t.toml"), AS_OF)


# -- tree model ------------------------------------------------------------------------


def test_canonical_places_and_dedup() -> None:
    m = TreeModel(small_graph())
    assert [c.pid for c in m.top_level()] == [ALPHA, BETA, EVIL, GAMMA, WS]
    assert m.canonical_location(SHARED) == (ALPHA, SHARED)
    assert m.canonical_location(LEAF) == (ALPHA, SHARED, LEAF)
    assert m.canonical_location(ZETA) == (WS, ZETA)
    under_beta = m.children(BETA)
    assert [(c.pid, c.deduped, c.expandable) for c in under_beta] == [(SHARED, True, False)]
    under_alpha = m.children(ALPHA)
    assert [(c.pid, c.deduped, c.expandable) for c in under_alpha] == [(SHARED, False, True)]
    # gamma -> alpha: alpha's full subtree lives at the top level.
    assert [(c.pid, c.deduped) for c in m.children(GAMMA)] == [(ALPHA, True)]
    # leaves are plain leaves everywhere (nothing is hidden behind them)
    assert [(c.pid, c.deduped, c.expandable) for c in m.children(SHARED)] == [(LEAF, False, False)]
    assert [c.pid for c in m.children(WS)] == [BETA, ZETA]
    assert m.children(WS)[0].deduped


def test_no_dev_hides_dev_only_packages() -> None:
    m = TreeModel(small_graph(), no_dev=True)
    assert GAMMA not in {c.pid for c in m.top_level()}


def test_preorder_visits_each_package_once_in_display_order() -> None:
    m = TreeModel(small_graph())
    assert m.preorder() == [ALPHA, SHARED, LEAF, BETA, EVIL, GAMMA, ZETA]


def test_location_for_path_prefixes_workspace() -> None:
    m = TreeModel(small_graph())
    assert m.location_for_path([ZETA]) == (WS, ZETA)
    assert m.location_for_path([ALPHA, SHARED]) == (ALPHA, SHARED)
    assert m.location_for_path([]) == ()


def test_ancestors_closure() -> None:
    m = TreeModel(small_graph())
    assert m.ancestors_closure([LEAF]) >= {LEAF, SHARED, ALPHA, BETA, GAMMA}
    assert EVIL not in m.ancestors_closure([LEAF])


def test_cycles_do_not_hang() -> None:
    root, a, b = PackageId("npm", "r", "0"), pid("a"), pid("b")
    g = build_graph(
        ecosystem="npm",
        format="x",
        path="/x",
        packages=[Package(root, source=Source(SourceKind.ROOT)), Package(a), Package(b)],
        edges={root: [Edge(a)], a: [Edge(b)], b: [Edge(a)]},
        roots=[root],
    )
    m = TreeModel(g)
    assert m.preorder() == [a, b]
    assert [(c.pid, c.deduped) for c in m.children(b)] == [(a, True)]


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=1, max_value=300), st.integers(min_value=1, max_value=4))
def test_every_package_has_one_canonical_place(n: int, fanout: int) -> None:
    g = chain_graph(n, fanout=fanout, direct=min(n, 7))
    m = TreeModel(g)
    order = m.preorder()
    assert sorted(order) == sorted(p.id for p in g.dependencies() if p.id in m.canonical_parent)
    assert len(order) == len(set(order))
    for target in order:
        loc = m.canonical_location(target)
        assert loc is not None and loc[-1] == target
        # every step of the canonical location is a real, non-deduped edge
        parent = None
        for step in loc:
            specs = {c.pid: c for c in (m.top_level() if parent is None else m.children(parent))}
            assert step in specs and not specs[step].deduped
            parent = step


# -- session ------------------------------------------------------------------------------


def test_session_pending_unknown_and_counts() -> None:
    s = session()
    assert s.shown(EVIL) is Shown.PENDING
    changed = s.add_verdicts({EVIL: verdicts_for(s.graph)[EVIL]})
    assert changed == {EVIL} and s.version == 1
    assert s.add_verdicts({EVIL: verdicts_for(s.graph)[EVIL]}) == set()
    assert s.shown(EVIL) is Level.CRITICAL
    s.finish(failure="boom")
    assert s.shown(ALPHA) is Shown.UNKNOWN
    counts = s.counts()
    assert counts[Level.CRITICAL] == 1 and counts[Shown.UNKNOWN] == 6


def test_session_step_risky_and_filter() -> None:
    s = session()
    s.add_verdicts(verdicts_for(s.graph))
    s.finish()
    assert s.step_risky(None, True) == (BETA, False)
    assert s.step_risky(BETA, True) == (EVIL, False)
    assert s.step_risky(EVIL, True) == (BETA, True)
    assert s.step_risky(BETA, False) == (EVIL, True)
    s.min_level = Level.HIGH
    keep = s.keep_set()
    assert keep is not None and EVIL in keep and not keep & {ALPHA, BETA, GAMMA, SHARED}
    assert s.step_risky(None, True) == (EVIL, False)
    s.min_level = Level.LOW
    keep = s.keep_set()
    assert keep is not None and {BETA, EVIL, WS} <= keep and ALPHA not in keep


def test_session_unknown_always_passes_the_filter() -> None:
    s = session()
    s.finish(failure="offline")
    s.min_level = Level.CRITICAL
    assert s.matches(ALPHA, Level.CRITICAL)


def test_session_search_prefix_first() -> None:
    s = session()
    assert s.search("a")[:1] == [ALPHA]
    assert s.search("ETA") == [BETA, ZETA]
    assert s.search("  ") == []


def test_session_sort_by_risk() -> None:
    s = session()
    s.add_verdicts(verdicts_for(s.graph))
    s.sort_mode = "risk"
    assert [c.pid for c in s.model.top_level(sort=s.sort_key())][:3] == [EVIL, BETA, ALPHA]


# -- view -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0, "0m"),
        (59 * 60, "59m"),
        (99 * 60, "1h39m"),
        (3600 * 12, "12h"),
        (86400 * 3, "3d"),
        (86400 * 30, "4w"),
        (86400 * 800, "2y"),
    ],
)
def test_format_age(seconds: int, expected: str) -> None:
    assert format_age(seconds) == expected


def test_shown_level_and_rank() -> None:
    v = Verdict(ALPHA, Level.INFO, 0, unknown=True)
    assert shown_level(None, finished=False) is Shown.PENDING
    assert shown_level(None, finished=True) is Shown.UNKNOWN
    assert shown_level(v, finished=True) is Shown.UNKNOWN
    no_data = Finding("metadata-unavailable", Level.MEDIUM, "no data", "npm: timed out")
    assert (
        shown_level(Verdict(ALPHA, Level.MEDIUM, 40, (no_data,), unknown=True), finished=True)
        is Shown.UNKNOWN
    )
    script = Finding("install-script", Level.HIGH, "install script", "")
    high = Verdict(ALPHA, Level.HIGH, 0, (no_data, script), unknown=True)
    assert shown_level(high, finished=True) is Level.HIGH
    assert (
        sort_rank(Level.MEDIUM)
        > sort_rank(Shown.UNKNOWN)
        > sort_rank(Level.LOW)
        > sort_rank(Shown.PENDING)
    )


def test_badges_from_lockfile_and_findings() -> None:
    pkg = Package(EVIL, has_install_script=True, dev=True)
    assert badges(pkg, None, AS_OF) == ["inst", "dev"]
    v = Verdict(
        EVIL,
        Level.CRITICAL,
        90,
        findings=tuple(
            Finding(k, Level.HIGH, k, "")
            for k in (
                "malware",
                "new-install-script",
                "maintainer-change",
                "provenance-dropped",
                "new-dependency",
                "recent-publish",
            )
        ),
        published=AS_OF - timedelta(hours=2),
    )
    assert badges(pkg, v, AS_OF) == ["MAL", "+inst", "pub", "-prov", "+dep", "age 2h", "dev"]
    git = Package(ALPHA, source=Source(SourceKind.GIT, "git+https://x"))
    assert "git" in badges(git, None, AS_OF)


def test_row_label_is_plain_text_with_symbol_and_word() -> None:
    nasty = PackageId("npm", "[red]x[/red]", "1.0.0")
    text = row_label(nasty, Package(nasty), Verdict(nasty, Level.HIGH, 70), AS_OF, finished=True)
    assert text.plain == "▲ [red]x[/red] 1.0.0 high"
    mark = TriageMark("accepted", expires=AS_OF - timedelta(days=1))
    text = row_label(nasty, None, None, AS_OF, finished=True, mark=mark, deduped=True)
    assert text.plain == "? [red]x[/red] 1.0.0 unknown [accepted, expired] ↪ deduped"


# -- timeline ---------------------------------------------------------------------------------


def meta(*versions: tuple[str, int], eco: str = "npm") -> PackageMetadata:
    base = datetime(2025, 1, 1, tzinfo=UTC)
    return PackageMetadata(
        eco,
        "x",
        {v: VersionInfo(v, published=base + timedelta(days=d)) for v, d in versions},
    )


def test_previous_version_same_major_line() -> None:
    m = meta(("1.0.0", 0), ("2.0.0", 10), ("1.1.0", 20), ("2.1.0", 30), ("1.2.0", 40))
    assert previous_version(m, "2.1.0") == "2.0.0"
    assert previous_version(m, "1.2.0") == "1.1.0"
    assert previous_version(m, "1.0.0") is None
    assert previous_version(m, "9.9.9") is None


def test_previous_version_other_major_when_first_of_line() -> None:
    m = meta(("1.0.0", 0), ("1.5.0", 10), ("2.0.0", 20))
    assert previous_version(m, "2.0.0") == "1.5.0"


def test_previous_version_pypi() -> None:
    m = meta(("1.0", 0), ("1.0.post1", 5), ("1.1rc1", 8), eco="pypi")
    assert previous_version(m, "1.1rc1") == "1.0.post1"
    assert version_key("pypi", "not a version")[0] == 0


def test_releases_order_and_monthly_counts() -> None:
    m = meta(("1.0.0", 0), ("1.1.0", 31), ("1.2.0", 32))
    rel = releases(m, "1.1.0")
    assert [r.version for r in rel] == ["1.0.0", "1.1.0", "1.2.0"]
    assert [r.locked for r in rel] == [False, True, False]
    counts = monthly_counts(rel, datetime(2025, 2, 15, tzinfo=UTC), months=3)
    assert counts == [0, 1, 2]


def test_dependency_changes() -> None:
    changes = dependency_changes({"a": "^1", "b": "^2"}, {"a": "^1", "b": "^3", "c": "^4"})
    assert [(c.name, c.kind) for c in changes] == [("b", "changed"), ("c", "added")]
    assert [c.kind for c in dependency_changes({"a": "1"}, {})] == ["removed"]
