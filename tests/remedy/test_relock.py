"""--relock: the real package manager re-locks a temporary copy; the user's folder is never touched."""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from depview.lockfiles import load
from depview.remedy.api import build_export
from depview.remedy.cli import run_export
from depview.remedy.model import ExportError
from depview.remedy.relock import relock, tool_for
from depview.risk.model import Level
from tests.registry_server import RegistryServer
from tests.remedy.helpers import (
    AXIOS_BAD,
    DATA,
    DEMO_SNAPSHOT,
    PLAIN,
    analysis,
    axios_metadata,
    axios_verdicts,
    copy_project,
    demo_copy,
    meta,
    settings,
    tool,
    verdict,
    vinfo,
)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


class FakeRunner:
    """Stands in for the package manager: records the call, writes a lockfile."""

    def __init__(self, lock_name: str, text: str) -> None:
        self.lock_name = lock_name
        self.text = text
        self.calls: list[tuple[list[str], Path, dict[str, bytes]]] = []

    def __call__(
        self, argv: Sequence[str], cwd: Path, env: Mapping[str, str], timeout: float
    ) -> subprocess.CompletedProcess[str]:
        self.calls.append((list(argv), cwd, _snapshot(cwd)))
        (cwd / self.lock_name).write_text(self.text)
        return subprocess.CompletedProcess(list(argv), 0, "", "")


def test_relock_works_in_a_copy_and_reports_what_is_gone(tmp_path: Path) -> None:
    project = demo_copy(tmp_path)
    (project / "node_modules" / "x").mkdir(parents=True)
    (project / "node_modules" / "x" / "index.js").write_text("1")
    lock = project / "package-lock.json"
    graph = load(lock)
    result = build_export(
        graph,
        lock,
        analysis(axios_verdicts(), axios_metadata()),
        settings(npm_registry="http://127.0.0.1:1"),
    )
    untouched = _snapshot(project)
    runner = FakeRunner("package-lock.json", result.files[0].after)
    outcome = relock(
        result,
        graph,
        settings(npm_registry="http://127.0.0.1:1"),
        runner=runner,
        which=lambda n: f"/bin/{n}",
    )
    ((argv, cwd, seen),) = runner.calls
    assert argv[:4] == ["/bin/npm", "install", "--package-lock-only", "--ignore-scripts"]
    assert argv[argv.index("--registry") + 1] == "http://127.0.0.1:1"
    assert argv[argv.index("--before") + 1] == "2026-03-31T02:00:00Z"
    assert not cwd.is_relative_to(project) and not cwd.exists()  # a temp copy, removed afterwards
    assert "node_modules/x/index.js" not in seen
    assert (
        json.loads(seen["package-lock.json"])["packages"]["node_modules/axios"]["version"]
        == "1.14.0"
    )
    assert _snapshot(project) == untouched
    assert outcome.ok and set(outcome.gone) == {AXIOS_BAD, PLAIN}
    assert "gone: axios@1.14.1 (now 1.14.0)" in outcome.summary
    assert "gone: plain-crypto-js@4.2.1 (no longer locked)" in outcome.summary


def test_relock_reports_failures_and_leftovers(tmp_path: Path) -> None:
    project = demo_copy(tmp_path)
    lock = project / "package-lock.json"
    graph = load(lock)
    result = build_export(graph, lock, analysis(axios_verdicts(), axios_metadata()), settings())
    same = FakeRunner("package-lock.json", lock.read_text())
    outcome = relock(result, graph, settings(), runner=same, which=lambda n: n)
    assert not outcome.ok and set(outcome.remaining) == {AXIOS_BAD, PLAIN}
    assert "STILL LOCKED: axios@1.14.1" in outcome.summary

    def failing(argv, cwd, env, timeout):  # type: ignore[no-untyped-def]
        return subprocess.CompletedProcess(
            argv, 1, "", "npm error code E404\nnpm error 404 Not Found - GET /axios\n"
        )

    with pytest.raises(ExportError, match="failed \\(exit 1\\).*404 Not Found"):
        relock(result, graph, settings(), runner=failing, which=lambda n: n)

    def slow(argv, cwd, env, timeout):  # type: ignore[no-untyped-def]
        raise subprocess.TimeoutExpired(argv, timeout)

    with pytest.raises(ExportError, match="did not finish"):
        relock(result, graph, settings(), runner=slow, which=lambda n: n, timeout=1)
    with pytest.raises(ExportError, match="npm is not on PATH"):
        relock(result, graph, settings(), which=lambda n: None)


def test_uv_relock_adds_constraint_dependencies_to_the_copy(tmp_path: Path) -> None:
    project = copy_project(DATA / "uv-gen-app", tmp_path / "app")
    lock = project / "uv.lock"
    graph = load(lock)
    bad = next(p for p in graph.packages if p.name == "annotated-types" and p.version == "0.8.0")
    md = {
        ("pypi", "annotated-types"): meta(
            "annotated-types", vinfo("0.7.0", hashes=("sha256:ab",)), ecosystem="pypi"
        )
    }
    result = build_export(
        graph,
        lock,
        analysis({bad: verdict(bad, "0.7.0")}, md),
        settings(pypi_url="http://127.0.0.1:2"),
    )
    assert tool_for(result) == "uv"
    relocked = lock.read_text().replace('version = "0.8.0"', 'version = "0.7.0"')
    runner = FakeRunner("uv.lock", relocked)
    outcome = relock(
        result, graph, settings(pypi_url="http://127.0.0.1:2"), runner=runner, which=lambda n: n
    )
    ((argv, _cwd, seen),) = runner.calls
    assert argv == [
        "uv",
        "lock",
        "--default-index",
        "http://127.0.0.1:2/simple",
        "--exclude-newer",
        "2026-03-31T02:00:00Z",
    ]
    assert 'constraint-dependencies = ["annotated-types==0.7.0"]' in seen["pyproject.toml"].decode()
    assert "constraints.txt" in seen
    assert not (project / "constraints.txt").exists()
    assert outcome.gone == (bad,)


def test_cli_relock_prints_the_summary_after_the_diff(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import depview.remedy.relock as relock_module

    project = demo_copy(tmp_path)
    lock = project / "package-lock.json"
    untouched = _snapshot(project)
    graph = load(lock)
    expected = build_export(
        graph, lock, analysis(axios_verdicts(), axios_metadata()), settings(), fmt="npm-overrides"
    )
    relocked = build_export(graph, lock, analysis(axios_verdicts(), axios_metadata()), settings())
    runner = FakeRunner("package-lock.json", relocked.files[0].after)
    real = relock_module.relock
    monkeypatch.setattr(
        relock_module,
        "relock",
        lambda result, graph, conf: real(result, graph, conf, runner=runner, which=lambda n: n),
    )
    ns = argparse.Namespace(format="npm-overrides", output=None, level=Level.HIGH, dry_run=True,
                            apply=False, relock=True)  # fmt: skip
    out, err = io.StringIO(), io.StringIO()
    code = run_export(ns, lockfile=lock, graph=graph, settings=settings(),
                      analysis=analysis(axios_verdicts(), axios_metadata()), stdout=out, stderr=err)  # fmt: skip
    assert code == 0, err.getvalue()
    text = out.getvalue()
    assert text.startswith("--- a/package.json")  # the dry-run diff, then the relock summary
    ((argv, _cwd, seen),) = runner.calls
    assert json.loads(seen["package.json"]) == json.loads(
        expected.files[0].after
    )  # overrides applied in the copy
    assert (
        "npm re-locked a temporary copy: npm install --package-lock-only --ignore-scripts" in text
    )
    assert "gone: axios@1.14.1 (now 1.14.0)" in text
    assert "gone: plain-crypto-js@4.2.1 (no longer locked)" in text
    assert "STILL LOCKED" not in text
    assert _snapshot(project) == untouched


def test_nothing_to_relock_when_nothing_is_pinned(tmp_path: Path) -> None:
    project = demo_copy(tmp_path)
    lock = project / "package-lock.json"
    out, err = io.StringIO(), io.StringIO()
    quiet = {AXIOS_BAD: replace(verdict(AXIOS_BAD, "1.14.0"), level=Level.LOW)}
    ns = argparse.Namespace(
        format=None, output=None, level=Level.HIGH, dry_run=False, apply=False, relock=True
    )
    code = run_export(ns, lockfile=lock, graph=load(lock), settings=settings(),
                      analysis=analysis(quiet, axios_metadata()), stdout=out, stderr=err)  # fmt: skip
    assert code == 0 and out.getvalue() == ""
    assert "nothing to pin" in err.getvalue()
    assert sorted(p.name for p in project.iterdir()) == ["package-lock.json", "package.json"]


def _without_resolved(text: str) -> dict[str, dict[str, object]]:
    packages = json.loads(text)["packages"]
    return {loc: {k: v for k, v in e.items() if k != "resolved"} for loc, e in packages.items()}


@pytest.mark.npm
def test_npm_relocking_the_rewritten_lockfile_changes_nothing(tmp_path: Path) -> None:
    """npm install --package-lock-only keeps the export as it is: it is what npm would write."""
    npm = tool("npm")
    if npm is None:
        pytest.skip("npm is not on PATH")
    project = demo_copy(tmp_path)
    lock = project / "package-lock.json"
    graph = load(lock)
    old_cache = os.environ.get("npm_config_cache")
    os.environ["npm_config_cache"] = str(tmp_path / ".npm-cache")
    try:
        with RegistryServer(DEMO_SNAPSHOT) as server:
            conf = settings(npm_registry=server.url + "/")
            result = build_export(graph, lock, analysis(axios_verdicts(), axios_metadata()), conf)
            outcome = relock(result, graph, conf)
            assert server.count() == 0  # nothing to resolve: the lockfile was complete
    finally:
        if old_cache is None:
            os.environ.pop("npm_config_cache", None)
        else:
            os.environ["npm_config_cache"] = old_cache
    assert outcome.ok
    # npm drops `resolved` for a non-default registry; everything else is what we wrote.
    assert _without_resolved(outcome.lockfile_text) == _without_resolved(result.files[0].after)


@pytest.mark.parametrize(
    "pyproject",
    [
        '[project]\nname = "x"\n',
        '[project]\nname = "x"\n\n[tool.uv]  # settings\ndev-dependencies = []\n\n[tool.other]\na = 1\n',
        '[project]\r\nname = "x"\r\n\r\n[tool.uv]\r\npackage = false\r\n',
    ],
)
def test_constraint_dependencies_go_into_the_copys_tool_uv_table(
    tmp_path: Path, pyproject: str
) -> None:
    import tomllib

    from depview.remedy.relock import _add_uv_constraints

    path = tmp_path / "pyproject.toml"
    path.write_bytes(pyproject.encode())
    _add_uv_constraints(path, ["a==1", 'b==2 ; python_version < "3.10"'])
    data = tomllib.loads(path.read_text())
    assert data["tool"]["uv"]["constraint-dependencies"] == [
        "a==1",
        'b==2 ; python_version < "3.10"',
    ]
    assert data["project"]["name"] == "x"
    with pytest.raises(ExportError, match="already has constraint-dependencies"):
        _add_uv_constraints(path, ["a==1"])
