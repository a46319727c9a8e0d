"""Incident replays judged end to end through the command line, as outside checks run them.

Each replay (tests/data/replays/<id>) is scanned with

    depview scan <lockfile> --format json --as-of <as_of> --no-cache --fail-on critical --snapshot ../snapshot

and again against a loopback HTTP server serving the same snapshot through the real npm,
PyPI and OSV APIs, once cleanly and once with injected 500s, 429s and truncated bodies.
Passing means what tests/data/replays/README.md says.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from depview.cli import main
from depview.risk.model import Level
from tests.registry_server import Fault, RegistryServer

REPLAYS = Path(__file__).parent / "data" / "replays"
CASES = sorted(p.name for p in REPLAYS.iterdir() if (p / "expected.json").is_file())


def _scan(
    replay: Path, extra: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> tuple[int, dict[str, Any], str]:
    expected = json.loads((replay / "expected.json").read_text())
    lockfile = replay / expected["lockfile"]
    monkeypatch.chdir(lockfile.parent)
    argv = [
        "scan",
        lockfile.name,
        "--format",
        "json",
        "--as-of",
        expected["as_of"],
        "--no-cache",
        "--fail-on",
        "critical",
        *extra,
    ]
    code = main(argv)
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def _check(replay: Path, code: int, report: dict[str, Any]) -> None:
    expected = json.loads((replay / "expected.json").read_text())
    by_purl = {p["purl"]: p for p in report["packages"]}
    assert report["schema"] == "depview/report@1"
    assert len(by_purl) == expected["packages"] == len(report["packages"])
    critical = any(p["level"] == "critical" for p in report["packages"])
    assert code == (1 if critical else 0)
    targets = {t["purl"] for t in expected["targets"]}
    for target in expected["targets"]:
        got = by_purl[target["purl"]]
        kinds = {f["kind"] for f in got["findings"]}
        assert Level.parse(got["level"]) >= Level.parse(target["min_level"]), got
        assert set(target["kinds_all"]) <= kinds, (target["purl"], kinds)
        if target["kinds_any"]:
            assert kinds & set(target["kinds_any"]), (target["purl"], kinds)
        if target.get("suggest") is not None:
            assert got["suggestion"] is not None
            assert got["suggestion"]["version"] == target["suggest"]
    ceiling = Level.parse(expected["benign_max_level"])
    ignored = set(expected.get("ignore", []))
    above = [
        p["purl"]
        for p in report["packages"]
        if p["purl"] not in targets
        and p["purl"] not in ignored
        and Level.parse(p["level"]) > ceiling
    ]
    assert len(above) <= expected["benign_high_budget"], above
    for names in expected["noise"].values():
        for item in names:
            name_version = item.split(" ")[0]
            name, _, version = name_version.rpartition("@")
            match = [p for p in report["packages"] if p["name"] == name and p["version"] == version]
            assert match and Level.parse(match[0]["level"]) <= Level.MEDIUM, (item, match)


@pytest.mark.parametrize("case", CASES)
def test_replay_through_snapshot(case: str, capsys: Any, monkeypatch: Any) -> None:
    replay = REPLAYS / case
    code, report, _err = _scan(
        replay, ["--snapshot", str(replay / "snapshot")], capsys, monkeypatch
    )
    _check(replay, code, report)
    assert report["errors"] == []


@pytest.mark.parametrize("case", CASES)
def test_replay_through_loopback_registry(case: str, capsys: Any, monkeypatch: Any) -> None:
    replay = REPLAYS / case
    with RegistryServer(replay / "snapshot") as server:
        code, report, _err = _scan(
            replay,
            ["--npm-registry", server.url, "--pypi-url", server.url, "--osv-url", server.url],
            capsys,
            monkeypatch,
        )
        assert server.count() > 0
    _check(replay, code, report)
    assert report["errors"] == []


def _registry_path(purl: str) -> str:
    """The registry document's path of a target (``pkg:npm/@s/n@1`` -> ``/@s/n``)."""
    ecosystem, _, rest = purl.removeprefix("pkg:").partition("/")
    name = rest.rpartition("@")[0].replace("%40", "@")
    return f"/pypi/{name}/json" if ecosystem == "pypi" else f"/{name}"


@pytest.mark.parametrize("case", CASES)
def test_replay_survives_injected_faults(case: str, capsys: Any, monkeypatch: Any) -> None:
    """500s, 429 + Retry-After and truncated bodies on the targets' documents (and OSV)
    are retried: the verdicts don't change."""
    replay = REPLAYS / case
    expected = json.loads((replay / "expected.json").read_text())
    snapshot = replay / "snapshot"
    documents = sorted(
        f"/pypi/{doc.stem}/json"
        if folder == "pypi"
        else "/" + str(doc.relative_to(snapshot / folder).with_suffix(""))
        for folder in ("npm", "pypi")
        for doc in (snapshot / folder).rglob("*.json")
    )
    paths = [_registry_path(t["purl"]) for t in expected["targets"]] or documents[:1]
    others = [d for d in documents if d != paths[0]]
    with RegistryServer(snapshot) as server:
        server.add_fault(Fault("500", path=paths[0], times=2))
        server.add_fault(Fault("429", path=others[0], times=1, retry_after="1"))
        server.add_fault(Fault("truncate", path=others[-1], times=1))
        server.add_fault(Fault("500", path="/v1/querybatch", times=1, method="POST"))
        code, report, _err = _scan(
            replay,
            ["--npm-registry", server.url, "--pypi-url", server.url, "--osv-url", server.url],
            capsys,
            monkeypatch,
        )
        assert server.count(paths[0]) >= 3
    _check(replay, code, report)
    assert report["errors"] == []
