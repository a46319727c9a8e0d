"""``depview export`` end to end on the bundled axios replay (the whole pipeline, offline)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from depview.cli import main
from tests.remedy.helpers import AS_OF, DEMO_SNAPSHOT, demo_copy


def _pipeline_problem() -> str | None:
    """Why the scan pipeline outside depview.remedy cannot run yet (None: it runs)."""
    try:
        import asyncio

        from depview.lockfiles import load
        from depview.model import PackageId
        from depview.service import analyze
        from tests.remedy.helpers import DEMO_PROJECT, settings

        graph = load(DEMO_PROJECT / "package-lock.json")
        keep = {PackageId("npm", "axios", "1.14.1"), PackageId("npm", "plain-crypto-js", "4.2.1")}
        small = replace(
            graph,
            packages={k: v for k, v in graph.packages.items() if k in keep or k in graph.roots},
        )
        conf = replace(settings(), snapshot=DEMO_SNAPSHOT)
        asyncio.run(analyze(small, conf, project_dir=DEMO_PROJECT))
    except Exception as exc:
        return f"the scan pipeline is not ready: {type(exc).__name__}: {exc}"[:300]
    return None


_PROBLEM = _pipeline_problem()
pytestmark = pytest.mark.skipif(_PROBLEM is not None, reason=_PROBLEM or "")


def _args(project: Path, *extra: str) -> list[str]:
    return [
        "export", str(project), "--snapshot", str(DEMO_SNAPSHOT),
        "--as-of", AS_OF.strftime("%Y-%m-%dT%H:%M:%SZ"), "--no-cache", *extra,
    ]  # fmt: skip


def test_export_dry_run_on_the_replay(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = demo_copy(tmp_path)
    before = (project / "package-lock.json").read_bytes()
    assert main(_args(project, "--dry-run")) == 0
    out, err = capsys.readouterr()
    assert out.startswith("--- a/package-lock.json\n+++ b/package-lock.json\n")
    assert '+      "version": "1.14.0",' in out
    assert '-    "node_modules/plain-crypto-js": {' in out
    assert "pin axios@1.14.1 -> 1.14.0" in err
    assert "remove plain-crypto-js@4.2.1" in err
    assert (project / "package-lock.json").read_bytes() == before
    assert not (project / "package-lock.depview.json").exists()


def test_export_writes_beside_the_lockfile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = demo_copy(tmp_path)
    assert main(_args(project)) == 0
    written = json.loads((project / "package-lock.depview.json").read_text())
    assert written["packages"]["node_modules/axios"]["version"] == "1.14.0"
    assert "node_modules/plain-crypto-js" not in written["packages"]
    assert "wrote" in capsys.readouterr().err


def test_export_npm_overrides(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = demo_copy(tmp_path)
    assert main(_args(project, "--format", "npm-overrides")) == 0
    data = json.loads((project / "package.depview.json").read_text())
    assert data["overrides"] == {"axios": "1.14.0"}
    assert data["dependencies"]["axios"] == "1.14.0"
