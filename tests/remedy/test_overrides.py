"""Override-style writers: npm overrides, yarn resolutions, pnpm overrides."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from depview.lockfiles import load
from depview.model import PackageId
from depview.remedy.model import ExportError, FileChange
from depview.remedy.plan import make_plan
from depview.remedy.writers import npm_overrides, pnpm_overrides, yarn_resolutions
from depview.remedy.writers._overrides import override_rules
from tests.registry_server import RegistryServer
from tests.remedy.helpers import (
    AS_OF,
    DATA,
    DEMO_SNAPSHOT,
    GOLDEN,
    axios_metadata,
    axios_verdicts,
    copy_project,
    demo_copy,
    meta,
    npm_env,
    tool,
    verdict,
    vinfo,
)


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("DEPVIEW_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"golden {name} differs"


def _demo(tmp_path: Path, writer, lockfile_name: str = "package-lock.json") -> list[FileChange]:  # type: ignore[no-untyped-def]
    project = demo_copy(tmp_path)
    lock = project / "package-lock.json"
    graph = load(lock)
    plan = make_plan(graph, axios_verdicts(), axios_metadata(), as_of=AS_OF)
    return list(writer(plan, graph, project / lockfile_name, axios_metadata()))


@pytest.mark.parametrize(
    ("writer", "golden"),
    [
        (npm_overrides.write, "axios.npm-overrides.package.json"),
        (pnpm_overrides.write, "axios.pnpm-overrides.package.json"),
        (yarn_resolutions.write, "axios.yarn-resolutions.package.json"),
    ],
)
def test_axios_replay_golden(tmp_path: Path, writer, golden: str) -> None:  # type: ignore[no-untyped-def]
    (change,) = _demo(tmp_path, writer)
    assert change.path.name == "package.json"
    _golden(golden, change.after)
    data = json.loads(change.after)
    # axios is a direct dependency: its own range becomes exact (npm's EOVERRIDE rule).
    assert data["dependencies"]["axios"] == "1.14.0"
    assert change.before is not None
    before_lines = change.before.splitlines()
    after_lines = change.after.splitlines()
    # Everything before the new block is the original line for line (the axios range aside).
    assert after_lines[: len(before_lines) - 2] == [
        line.replace('"axios": "^1.13.0"', '"axios": "1.14.0"') for line in before_lines[:-2]
    ]
    assert change.after.endswith("  }\n}\n")


def test_npm_overrides_block_for_the_replay(tmp_path: Path) -> None:
    (change,) = _demo(tmp_path, npm_overrides.write)
    assert json.loads(change.after)["overrides"] == {"axios": "1.14.0"}
    assert any("npm install" in n for n in change.notes)


def test_pnpm_and_yarn_blocks_for_the_replay(tmp_path: Path) -> None:
    (pnpm,) = _demo(tmp_path / "a", pnpm_overrides.write)
    assert json.loads(pnpm.after)["pnpm"] == {"overrides": {"axios": "1.14.0"}}
    (yarn1,) = _demo(tmp_path / "b", yarn_resolutions.write)
    assert json.loads(yarn1.after)["resolutions"] == {"**/axios": "1.14.0"}
    project = demo_copy(tmp_path / "c")
    (project / "yarn.lock").write_text("__metadata:\n  version: 8\n  cacheKey: 10c0\n")
    graph = load(project / "package-lock.json")
    plan = make_plan(graph, axios_verdicts(), axios_metadata(), as_of=AS_OF)
    (berry,) = yarn_resolutions.write(plan, graph, project / "yarn.lock", {})
    assert json.loads(berry.after)["resolutions"] == {"axios": "1.14.0"}


def _ansi(tmp_path: Path):  # type: ignore[no-untyped-def]
    project = copy_project(DATA / "npm-ws-lv3", tmp_path / "ws")
    graph = load(project / "package-lock.json")
    bad = PackageId("npm", "ansi-styles", "4.3.0")
    md = {("npm", "ansi-styles"): meta("ansi-styles", vinfo("4.2.1", {"color-convert": "^2.0.1"}))}
    plan = make_plan(graph, {bad: verdict(bad, "4.2.1")}, md, as_of=AS_OF)
    return project, graph, plan


def test_only_one_path_changes_so_the_override_is_nested(tmp_path: Path) -> None:
    project, graph, plan = _ansi(tmp_path)
    (rule,) = override_rules(plan, graph)
    assert rule.parent == PackageId("npm", "chalk", "4.1.2") and rule.parent_versioned
    (npm,) = npm_overrides.write(plan, graph, project / "package-lock.json", {})
    assert json.loads(npm.after)["overrides"] == {"chalk@4.1.2": {"ansi-styles": "4.2.1"}}
    (pnpm,) = pnpm_overrides.write(plan, graph, project / "package-lock.json", {})
    assert json.loads(pnpm.after)["pnpm"]["overrides"] == {"chalk@4.1.2>ansi-styles": "4.2.1"}
    (yarn,) = yarn_resolutions.write(plan, graph, project / "package-lock.json", {})
    assert json.loads(yarn.after)["resolutions"] == {"chalk/ansi-styles": "4.2.1"}


def test_workspace_direct_dependency_is_pinned_in_its_own_manifest(tmp_path: Path) -> None:
    project = copy_project(DATA / "npm-ws-lv3", tmp_path / "ws")
    graph = load(project / "package-lock.json")
    bad = PackageId("npm", "chalk", "4.1.2")
    plan = make_plan(graph, {bad: verdict(bad, "4.1.1")}, {}, as_of=AS_OF)
    changes = [
        c for c in npm_overrides.write(plan, graph, project / "package-lock.json", {}) if c.changed
    ]
    (member,) = changes
    assert member.path == project / "packages" / "cli" / "package.json"
    assert json.loads(member.after)["dependencies"]["chalk"] == "4.1.1"


def test_existing_blocks_are_merged_and_formatting_kept(tmp_path: Path) -> None:
    project, graph, plan = _ansi(tmp_path)
    manifest = project / "package.json"
    original = (
        '{\n\t"name": "depview-fixture-monorepo",\n\t"version": "0.0.0",\n\t"private": true,\n'
        '\t"workspaces": ["packages/*", "apps/*"],\n'
        '\t"devDependencies": { "typescript": "^5.4.0", "prettier": "^3.2.0" },\n'
        '\t"overrides": {\n\t\t"chalk@4.1.2": "4.1.2",\n\t\t"left-pad": "1.3.0"\n\t},\n'
        '\t"pnpm": {\n\t\t"neverBuiltDependencies": ["fsevents"]\n\t}\n}'
    )
    manifest.write_text(original)
    (npm,) = npm_overrides.write(plan, graph, project / "package-lock.json", {})
    assert not npm.after.endswith("\n")  # no trailing newline before: none after
    assert json.loads(npm.after)["overrides"] == {
        "chalk@4.1.2": {".": "4.1.2", "ansi-styles": "4.2.1"},
        "left-pad": "1.3.0",
    }
    head = original.split('\t"overrides"')[0]
    assert npm.after.startswith(head)  # inline arrays, key order, tabs: untouched
    assert '\n\t"overrides": {\n\t\t"chalk@4.1.2": {\n\t\t\t".": "4.1.2",' in npm.after
    (pnpm,) = pnpm_overrides.write(plan, graph, project / "package-lock.json", {})
    data = json.loads(pnpm.after)
    assert data["pnpm"] == {
        "neverBuiltDependencies": ["fsevents"],
        "overrides": {"chalk@4.1.2>ansi-styles": "4.2.1"},
    }
    assert list(data) == [
        "name",
        "version",
        "private",
        "workspaces",
        "devDependencies",
        "overrides",
        "pnpm",
    ]
    assert pnpm.after.startswith(original.split('\t"pnpm"')[0])


def test_missing_manifest_and_wrong_ecosystem_are_errors(tmp_path: Path) -> None:
    project = demo_copy(tmp_path)
    graph = load(project / "package-lock.json")
    plan = make_plan(graph, axios_verdicts(), axios_metadata(), as_of=AS_OF)
    (project / "package.json").unlink()
    for writer in (npm_overrides.write, pnpm_overrides.write, yarn_resolutions.write):
        with pytest.raises(ExportError, match="no package.json"):
            writer(plan, graph, project / "package-lock.json", {})
    uv = load(DATA / "uv-gen-app" / "uv.lock")
    with pytest.raises(ExportError, match="needs an npm"):
        npm_overrides.write(plan, uv, DATA / "uv-gen-app" / "uv.lock", {})


@pytest.mark.npm
def test_npm_install_with_the_overrides_drops_the_malicious_versions(tmp_path: Path) -> None:
    """The real npm re-locks the replay through a loopback registry serving the snapshot."""
    npm = tool("npm")
    if npm is None:
        pytest.skip("npm is not on PATH")
    (change,) = _demo(tmp_path, npm_overrides.write)
    change.path.write_text(change.after)
    project = change.path.parent
    with RegistryServer(DEMO_SNAPSHOT) as server:
        env = npm_env(tmp_path)
        env["npm_config_registry"] = server.url + "/"
        done = subprocess.run(
            [npm, "install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund",
             "--registry", server.url + "/"],
            cwd=project, env=env, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        fetched = set(server.counts)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "/axios" in fetched  # the packument came from the loopback registry
    lock = json.loads((project / "package-lock.json").read_text())
    packages = lock["packages"]
    assert packages["node_modules/axios"]["version"] == "1.14.0"
    assert not any(loc.endswith("plain-crypto-js") for loc in packages)
    assert all(e.get("version") != "1.14.1" for loc, e in packages.items() if loc.endswith("axios"))
