"""The package-lock writer: pins in place, removals, new dependencies, nothing else moves."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from depview.lockfiles import load
from depview.model import DependencyGraph, PackageId
from depview.remedy.model import ExportError, FileChange
from depview.remedy.plan import make_plan
from depview.remedy.writers import package_lock
from depview.remedy.writers.package_lock import _Tree, in_node_modules, real_name
from tests.remedy.helpers import (
    AS_OF,
    AXIOS_BAD,
    DATA,
    DEMO_PROJECT,
    GOLDEN,
    PLAIN,
    assert_untouched,
    axios_metadata,
    axios_verdicts,
    copy_project,
    demo_copy,
    ls_versions,
    meta,
    npm_ls,
    verdict,
    vinfo,
)
from tests.remedy.test_plan import _cross_spawn_metadata

DEMO_LOCK = DEMO_PROJECT / "package-lock.json"


def _export(project: Path, verdicts, metadata) -> tuple[DependencyGraph, list[FileChange]]:  # type: ignore[no-untyped-def]
    lock = project / "package-lock.json"
    graph = load(lock)
    plan = make_plan(graph, verdicts, metadata, as_of=AS_OF)
    return graph, package_lock.write(plan, graph, lock, metadata)


def _apply(changes: list[FileChange]) -> None:
    for change in changes:
        change.path.write_text(change.after, encoding="utf-8")


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("DEPVIEW_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"golden {name} differs"


def test_axios_replay_pins_1_14_0_and_drops_plain_crypto_js(tmp_path: Path) -> None:
    project = demo_copy(tmp_path)
    graph, changes = _export(project, axios_verdicts(), axios_metadata())
    (change,) = changes
    assert change.path == project / "package-lock.json"
    before, after = change.before, change.after
    assert before is not None
    data = json.loads(after)
    axios = data["packages"]["node_modules/axios"]
    snapshot = json.loads((DEMO_PROJECT.parent / "snapshot" / "npm" / "axios.json").read_text())
    dist = snapshot["versions"]["1.14.0"]["dist"]
    assert axios["version"] == "1.14.0"
    assert axios["resolved"] == dist["tarball"]
    assert axios["integrity"] == dist["integrity"]
    assert axios["dependencies"] == snapshot["versions"]["1.14.0"]["dependencies"]
    assert "node_modules/plain-crypto-js" not in data["packages"]
    assert "plain-crypto-js" not in after
    assert_untouched(before, after, {"node_modules/axios"}, {"node_modules/plain-crypto-js"})
    # The whole edit is the axios entry and the removed entry: a small diff.
    assert len(before.splitlines()) - len(after.splitlines()) == 8


def test_axios_replay_golden_diff(tmp_path: Path) -> None:
    from depview.remedy.api import ExportResult, unified_diff
    from depview.remedy.model import Plan

    project = demo_copy(tmp_path)
    _graph, changes = _export(project, axios_verdicts(), axios_metadata())
    result = ExportResult(
        "package-lock", project / "package-lock.json", tuple(changes), Plan("npm", 4, AS_OF), ()
    )  # type: ignore[arg-type]
    _golden("axios.package-lock.diff", unified_diff(result))


@pytest.mark.npm
def test_axios_replay_export_is_accepted_by_npm_ls(tmp_path: Path) -> None:
    project = demo_copy(tmp_path)
    _graph, changes = _export(project, axios_verdicts(), axios_metadata())
    _apply(changes)
    done = npm_ls(project, tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    tree = json.loads(done.stdout)
    assert tree["dependencies"]["axios"]["version"] == "1.14.0"
    assert ("axios", "1.14.1") not in ls_versions(tree)
    assert "plain-crypto-js" not in done.stdout
    assert "problems" not in tree


def test_round_trip_reads_back_the_same_graph_but_the_pins(tmp_path: Path) -> None:
    project = demo_copy(tmp_path)
    graph, changes = _export(project, axios_verdicts(), axios_metadata())
    _apply(changes)
    again = load(project / "package-lock.json")
    good = PackageId("npm", "axios", "1.14.0")
    assert set(graph.packages) - set(again.packages) == {AXIOS_BAD, PLAIN}
    assert set(again.packages) - set(graph.packages) == {good}

    def strip(g: DependencyGraph, pid: PackageId):  # type: ignore[no-untyped-def]
        return replace(g.packages[pid], line=None)

    for pid in set(graph.packages) & set(again.packages):
        assert strip(graph, pid) == strip(again, pid)
        if pid in (graph.root,):
            continue
        assert graph.children(pid) == again.children(pid), pid
    old_root = {e.child.name: e for e in graph.children(graph.root)}
    new_root = {e.child.name: e for e in again.children(again.root)}
    assert new_root["axios"].child == good and new_root["axios"].spec == old_root["axios"].spec
    assert {k: v for k, v in old_root.items() if k != "axios"} == {
        k: v for k, v in new_root.items() if k != "axios"
    }
    assert [e.child.name for e in again.children(good)] == [
        "follow-redirects",
        "form-data",
        "proxy-from-env",
    ]


def _ws(tmp_path: Path, version: str = "lv3") -> Path:
    return copy_project(DATA / f"npm-ws-{version}", tmp_path / "project")


def _chalk(version: str = "4.1.1"):  # type: ignore[no-untyped-def]
    bad = PackageId("npm", "chalk", "4.1.2")
    md = {
        ("npm", "chalk"): meta(
            "chalk",
            vinfo(version, {"ansi-styles": "^4.1.0", "supports-color": "^7.1.0"}, tarball=None),
        )
    }
    return {bad: verdict(bad, version)}, md


def test_nested_location_and_workspace_range_become_exact(tmp_path: Path) -> None:
    project = _ws(tmp_path)
    verdicts, md = _chalk()
    _graph, changes = _export(project, verdicts, md)
    lock, member = changes
    assert member.path == project / "packages" / "cli" / "package.json"
    assert json.loads(member.after)["dependencies"]["chalk"] == "4.1.1"
    assert member.before is not None
    assert member.after == member.before.replace('"chalk": "^4.1.2"', '"chalk": "4.1.1"')
    data = json.loads(lock.after)
    assert data["packages"]["packages/cli/node_modules/chalk"]["version"] == "4.1.1"
    assert data["packages"]["packages/cli"]["dependencies"]["chalk"] == "4.1.1"
    assert data["packages"]["node_modules/chalk"]["version"] == "5.6.2"  # the other copy stays
    # The fixture omits `resolved` (omit-lockfile-registry-resolved): so does the rewrite.
    assert "resolved" not in data["packages"]["packages/cli/node_modules/chalk"]
    assert lock.before is not None
    assert_untouched(
        lock.before, lock.after, {"packages/cli/node_modules/chalk", "packages/cli"}, set()
    )
    assert any("does not admit 4.1.1; pinned exactly" in n for n in lock.notes)


@pytest.mark.npm
@pytest.mark.parametrize("version", ["lv2", "lv3"])
def test_workspace_exports_are_accepted_by_npm_ls(tmp_path: Path, version: str) -> None:
    project = _ws(tmp_path, version)
    verdicts, md = _chalk()
    cross = PackageId("npm", "cross-spawn", "7.0.6")
    verdicts[cross] = verdict(cross, "7.0.5")
    md.update(_cross_spawn_metadata())
    _graph, changes = _export(project, verdicts, md)
    _apply(changes)
    done = npm_ls(project, tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    found = ls_versions(json.loads(done.stdout))
    assert {("tiny-new", "1.0.0"), ("which", "1.3.1"), ("chalk", "4.1.1")} <= found
    assert ("cross-spawn", "7.0.6") not in found and ("which", "2.0.2") not in found


def test_new_dependencies_are_placed_and_old_ones_removed(tmp_path: Path) -> None:
    project = _ws(tmp_path)
    cross = PackageId("npm", "cross-spawn", "7.0.6")
    _graph, changes = _export(project, {cross: verdict(cross, "7.0.5")}, _cross_spawn_metadata())
    (lock,) = changes
    pk = json.loads(lock.after)["packages"]
    # which@2.0.2 (hoisted) no longer fits ^1.2.9 and nothing else needs it.
    assert "node_modules/which" not in pk
    nested = pk["node_modules/cross-spawn/node_modules/which"]
    assert nested["version"] == "1.3.1" and nested["dev"] is True
    assert nested["dependencies"] == {"isexe": "^2.0.0"}
    assert pk["node_modules/tiny-new"]["version"] == "1.0.0"
    assert pk["node_modules/tiny-leaf"]["dev"] is True
    assert pk["node_modules/isexe"]["version"] == "2.0.0"
    keys = list(pk)
    assert keys.index("node_modules/tiny-leaf") < keys.index("node_modules/tiny-new")
    assert keys.index("node_modules/cross-spawn") < keys.index(
        "node_modules/cross-spawn/node_modules/which"
    )
    assert lock.before is not None
    assert_untouched(
        lock.before, lock.after,
        {"node_modules/cross-spawn", "node_modules/cross-spawn/node_modules/which",
         "node_modules/tiny-new", "node_modules/tiny-leaf"},
        {"node_modules/which"},
    )  # fmt: skip


def test_lockfile_v2_legacy_tree_follows(tmp_path: Path) -> None:
    project = _ws(tmp_path, "lv2")
    verdicts, md = _chalk()
    cross = PackageId("npm", "cross-spawn", "7.0.6")
    verdicts[cross] = verdict(cross, "7.0.5")
    md.update(_cross_spawn_metadata())
    _graph, changes = _export(project, verdicts, md)
    legacy = json.loads(changes[0].after)["dependencies"]
    assert legacy["@mono/cli"]["dependencies"]["chalk"]["version"] == "4.1.1"
    assert legacy["cross-spawn"]["version"] == "7.0.5"
    assert legacy["cross-spawn"]["requires"]["which"] == "^1.2.9"
    assert legacy["cross-spawn"]["dependencies"]["which"]["version"] == "1.3.1"
    assert "which" not in legacy
    assert legacy["tiny-new"] == {
        "version": "1.0.0",
        "integrity": "sha512-fake-1.0.0==",
        "dev": True,
        "requires": {"tiny-leaf": "*"},
    }
    assert not any("legacy" in n for n in changes[0].notes)


def test_missing_registry_data_drops_integrity_with_a_note(tmp_path: Path) -> None:
    project = demo_copy(tmp_path)
    lock = project / "package-lock.json"
    graph = load(lock)
    plan = make_plan(graph, axios_verdicts(), axios_metadata(), as_of=AS_OF)
    (change,) = package_lock.write(plan, graph, lock, {})
    axios = json.loads(change.after)["packages"]["node_modules/axios"]
    assert axios["version"] == "1.14.0" and "integrity" not in axios
    assert axios["resolved"] == "https://registry.npmjs.org/axios/-/axios-1.14.0.tgz"
    assert any("no registry data; integrity left out" in n for n in change.notes)


def test_v1_lockfiles_are_refused_with_a_hint(tmp_path: Path) -> None:
    project = tmp_path / "v1"
    project.mkdir()
    (project / "package.json").write_text(
        '{"name": "a", "version": "1.0.0", "dependencies": {"x": "^1.0.0"}}\n'
    )
    (project / "package-lock.json").write_text(json.dumps({
        "name": "a", "version": "1.0.0", "lockfileVersion": 1, "requires": True,
        "dependencies": {"x": {"version": "1.0.1", "resolved": "https://r/x/-/x-1.0.1.tgz", "integrity": "sha512-a"}},
    }, indent=2) + "\n")  # fmt: skip
    graph = load(project / "package-lock.json")
    bad = PackageId("npm", "x", "1.0.1")
    plan = make_plan(graph, {bad: verdict(bad, "1.0.0")}, {}, as_of=AS_OF)
    with pytest.raises(ExportError, match="lockfileVersion 1 cannot be rewritten.*npm-overrides"):
        package_lock.write(plan, graph, project / "package-lock.json", {})


def test_not_npm_is_refused() -> None:
    graph = load(DATA / "uv-gen-app" / "uv.lock")
    with pytest.raises(ExportError, match="needs an npm"):
        package_lock.write(
            make_plan(graph, {}, {}, as_of=AS_OF), graph, DATA / "uv-gen-app" / "uv.lock", {}
        )


# -- property: exports never touch unrelated packages ------------------------------

_DEMO_TEXT = DEMO_LOCK.read_text(encoding="utf-8")
_DEMO_DATA = json.loads(_DEMO_TEXT)
_DEMO_GRAPH = load(DEMO_LOCK)
_CANDIDATES = sorted(
    {
        (real_name(loc, e), e["version"]): loc
        for loc, e in _DEMO_DATA["packages"].items()
        if in_node_modules(loc) and "version" in e
    }.items()
)


def _resolutions(data: dict) -> dict[tuple[str, str], str | None]:  # type: ignore[type-arg]
    tree = _Tree(dict(data["packages"].items()))
    out: dict[tuple[str, str], str | None] = {}
    for loc in tree.entries:
        for _table, dep, _spec in tree.dep_specs(loc):
            out[(loc, dep)] = tree.resolve(loc, dep)
    return out


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_exports_never_touch_unrelated_packages(data: st.DataObject) -> None:
    picks = data.draw(st.lists(st.sampled_from(_CANDIDATES), min_size=1, max_size=4, unique=True))
    verdicts = {}
    md = {}
    for (name, version), loc in picks:
        entry = _DEMO_DATA["packages"][loc]
        deps = dict(entry.get("dependencies", {}))
        dropped = data.draw(st.lists(st.sampled_from(sorted(deps)), unique=True)) if deps else []
        for d in dropped:
            deps.pop(d)
        new_version = f"{version.split('-')[0]}-depview.1"
        pid = PackageId("npm", name, version)
        verdicts[pid] = verdict(pid, new_version)
        md[("npm", name)] = meta(name, vinfo(new_version, deps))
    lock = DEMO_LOCK
    plan = make_plan(_DEMO_GRAPH, verdicts, md, as_of=AS_OF)
    (change, *extra) = package_lock.write(plan, _DEMO_GRAPH, lock, md)
    after = json.loads(change.after)
    pinned = {(n, v) for (n, v), _loc in picks}
    changed = {
        loc for loc, e in _DEMO_DATA["packages"].items()
        if in_node_modules(loc) and (real_name(loc, e), e.get("version")) in pinned
    }  # fmt: skip
    removed = set(_DEMO_DATA["packages"]) - set(after["packages"])
    assert_untouched(_DEMO_TEXT, change.after, changed | {""}, removed)
    # Only what the pinned entries pulled in may go, and only when nothing needs it any more.
    old_tree = _Tree(dict(_DEMO_DATA["packages"]))
    assert removed <= old_tree.reachable(changed)
    before_res, after_res = _resolutions(_DEMO_DATA), _resolutions(after)
    for key, target in after_res.items():
        if key in before_res and before_res[key] is not None and key[0] not in changed:
            assert target is not None, f"{key} no longer resolves"
    # Pre-release pins do not satisfy ^ ranges: the project's ranges got exact pins.
    assert all(p.path.name == "package.json" for p in extra)
    assert load_text_roundtrip(change.after)


def load_text_roundtrip(text: str) -> bool:
    json.loads(text)
    return True


def _bundled_project(tmp_path: Path) -> Path:
    project = tmp_path / "bundled"
    project.mkdir()
    (project / "package.json").write_text(
        '{\n  "name": "r",\n  "version": "1.0.0",\n  "dependencies": {\n    "a": "^1.0.0"\n  }\n}\n'
    )
    lock = {
        "name": "r", "version": "1.0.0", "lockfileVersion": 3, "requires": True,
        "packages": {
            "": {"name": "r", "version": "1.0.0", "dependencies": {"a": "^1.0.0"}},
            "node_modules/a": {
                "version": "1.0.1", "resolved": "https://registry.npmjs.org/a/-/a-1.0.1.tgz",
                "integrity": "sha512-a1", "bundleDependencies": ["b"], "dependencies": {"b": "^1.0.0"},
            },
            "node_modules/a/node_modules/b": {"version": "1.0.1", "inBundle": True},
        },
    }  # fmt: skip
    (project / "package-lock.json").write_text(json.dumps(lock, indent=2) + "\n")
    return project


def test_bundled_dependencies_are_not_rewritten_but_kept(tmp_path: Path) -> None:
    project = _bundled_project(tmp_path)
    bundled = PackageId("npm", "b", "1.0.1")
    _graph, (change,) = _export(project, {bundled: verdict(bundled, "1.0.0")}, {})
    assert not change.changed
    assert any("bundled inside its parent's tarball" in n for n in change.notes)
    a = PackageId("npm", "a", "1.0.1")
    md = {("npm", "a"): meta("a", vinfo("1.0.0", {"b": "^1.0.0"}))}
    _graph, (change,) = _export(project, {a: verdict(a, "1.0.0")}, md)
    packages = json.loads(change.after)["packages"]
    assert packages["node_modules/a"]["version"] == "1.0.0"
    assert packages["node_modules/a"]["bundleDependencies"] == [
        "b"
    ]  # carried, not in registry data
    assert "node_modules/a/node_modules/b" in packages  # ships inside a: never "unreachable"


def test_the_registry_tarball_url_is_used_when_known(tmp_path: Path) -> None:
    project = demo_copy(tmp_path)
    mirror = "https://mirror.example/npm/axios/-/axios-1.14.0.tgz"
    md = axios_metadata()
    axios = md[("npm", "axios")]
    assert not isinstance(axios, type(None))
    info = replace(axios.versions["1.14.0"], tarball=mirror)  # type: ignore[union-attr]
    md[("npm", "axios")] = replace(axios, versions={**axios.versions, "1.14.0": info})  # type: ignore[union-attr,arg-type]
    _graph, (change,) = _export(project, axios_verdicts(), md)
    assert json.loads(change.after)["packages"]["node_modules/axios"]["resolved"] == mirror
