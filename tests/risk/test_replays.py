"""Incident replays: the real lockfile and registry snapshot, judged as of the incident.

Each folder under tests/data/replays (copied from shared/replays) holds a
victim project, the registry evidence and expected.json. Every target must
reach its minimum level with the expected kinds and suggestion; benign
packages may exceed ``benign_max_level`` at most ``benign_high_budget``
times, and every named noise package stays at medium or below.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from depview.config import parse_instant
from depview.lockfiles import load
from depview.metadata import PackageMetadata, Unavailable
from depview.model import DependencyGraph, PackageId
from depview.risk.context import RiskSettings
from depview.risk.engine import judge_all
from depview.risk.model import Level, Verdict
from depview.sources.osv import AdvisoryIndex
from depview.sources.snapshot import SnapshotStore

REPLAYS = Path(__file__).resolve().parent.parent / "data" / "replays"
CASES = sorted(p.parent for p in REPLAYS.glob("*/expected.json"))


def judge_replay(root: Path) -> tuple[dict[str, Any], DependencyGraph, dict[PackageId, Verdict]]:
    expected = json.loads((root / "expected.json").read_text(encoding="utf-8"))
    graph = load(root / expected["lockfile"])
    as_of = parse_instant(expected["as_of"])
    store = SnapshotStore(root / "snapshot")
    metadata: dict[tuple[str, str], PackageMetadata | Unavailable] = {}
    for pkg in graph.dependencies():
        key = (pkg.id.ecosystem, pkg.id.name)
        if key not in metadata:
            metadata[key] = store.metadata(*key)
    index = AdvisoryIndex()
    for doc in store.osv_documents():
        index.add_document(doc)
    advisories = {
        p.id: index.lookup(p.id.ecosystem, p.id.name, p.id.version, as_of)
        for p in graph.dependencies()
    }
    return expected, graph, judge_all(graph, metadata, advisories, RiskSettings(as_of))


@pytest.fixture(scope="module", params=CASES, ids=[c.name for c in CASES])
def replay(
    request: pytest.FixtureRequest,
) -> tuple[dict[str, Any], DependencyGraph, dict[PackageId, Verdict]]:
    return judge_replay(request.param)


def _by_purl(verdicts: dict[PackageId, Verdict]) -> dict[str, Verdict]:
    return {pid.purl: v for pid, v in verdicts.items()}


def test_replays_are_present() -> None:
    assert {c.name for c in CASES} >= {"axios-2026-live", "axios-2026-after", "clean-2026"}


def test_targets(replay: tuple[dict[str, Any], DependencyGraph, dict[PackageId, Verdict]]) -> None:
    expected, _graph, verdicts = replay
    by_purl = _by_purl(verdicts)
    for target in expected["targets"]:
        verdict = by_purl[target["purl"]]
        kinds = verdict.kinds()
        assert verdict.level >= Level.parse(target["min_level"]), (target["purl"], verdict)
        assert set(target["kinds_all"]) <= kinds, (target["purl"], kinds)
        if target.get("kinds_any"):
            assert kinds & set(target["kinds_any"]), (target["purl"], kinds)
        if target.get("suggest") is None and "suggest_any" not in target:
            continue  # no pin is asked for (none exists, or the target is below high)
        assert verdict.suggestion is not None
        if "suggest_any" in target:
            assert verdict.suggestion.version in target["suggest_any"]
        else:
            assert verdict.suggestion.version == target["suggest"], verdict.suggestion


def test_benign_budget_and_noise(
    replay: tuple[dict[str, Any], DependencyGraph, dict[PackageId, Verdict]],
) -> None:
    expected, graph, verdicts = replay
    targets = {t["purl"] for t in expected["targets"]}
    ignore = set(expected.get("ignore", []))
    ceiling = Level.parse(expected["benign_max_level"])
    benign = {
        pid: v for pid, v in verdicts.items() if pid.purl not in targets and pid.purl not in ignore
    }
    above = sorted(f"{pid} {v.level}" for pid, v in benign.items() if v.level > ceiling)
    distribution = Counter(v.level.label for v in verdicts.values())
    print(
        f"\n{expected['id']}: {dict(sorted(distribution.items()))}; benign above {ceiling}: {above}"
    )
    assert len(above) <= expected["benign_high_budget"], above
    assert len(verdicts) == expected["packages"] == sum(1 for _ in graph.dependencies())
    by_name = {f"{pid.name}@{pid.version}": v for pid, v in verdicts.items()}
    for group, names in expected.get("noise", {}).items():
        for entry in names:
            key = entry.split(" ", 1)[0]
            assert key in by_name, key
            assert by_name[key].level <= Level.MEDIUM, (group, key, by_name[key])


def test_every_verdict_is_explained(
    replay: tuple[dict[str, Any], DependencyGraph, dict[PackageId, Verdict]],
) -> None:
    _expected, _graph, verdicts = replay
    for verdict in verdicts.values():
        if verdict.findings:
            assert verdict.level >= max(f.severity for f in verdict.findings)
        if verdict.level > max((f.severity for f in verdict.findings), default=Level.NONE):
            assert verdict.combined  # a raised level always says why
        json.dumps([dict(f.evidence) for f in verdict.findings])  # evidence is JSON-ready
