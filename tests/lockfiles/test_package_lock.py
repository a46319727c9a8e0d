"""The npm package-lock reader: each feature on small hand-made lockfiles and corpus files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from depview.lockfiles import load
from depview.lockfiles.package_lock import PackageLockReader, version_from_tgz
from depview.lockfiles.registry import READERS
from depview.model import DependencyGraph, EdgeKind, PackageId, SourceKind

DATA = Path(__file__).resolve().parent.parent / "data" / "npm"


def pid(name: str, version: str) -> PackageId:
    return PackageId.of("npm", name, version)


def write(tmp_path: Path, lock: dict[str, Any], manifest: dict[str, Any] | None = None) -> Path:
    path = tmp_path / "package-lock.json"
    path.write_text(json.dumps(lock, indent=2) + "\n")
    if manifest is not None:
        (tmp_path / "package.json").write_text(json.dumps(manifest))
    return path


def v3(packages: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {
        "name": "app",
        "version": "1.0.0",
        "lockfileVersion": 3,
        "requires": True,
        **top,
        "packages": packages,
    }


def edges_of(graph: DependencyGraph, node: PackageId) -> set[tuple[str, str]]:
    return {(str(e.child), e.kind.value) for e in graph.children(node)}


def reg(name: str, version: str, **extra: Any) -> dict[str, Any]:
    return {
        "version": version,
        "resolved": f"https://registry.npmjs.org/{name}/-/{name.split('/')[-1]}-{version}.tgz",
        "integrity": f"sha512-{name}{version}",
        **extra,
    }


def test_registered_and_detected(tmp_path: Path) -> None:
    assert "npm-package-lock" in READERS
    reader = READERS["npm-package-lock"]
    assert reader.ecosystem == "npm"
    assert reader.matches(Path("npm-shrinkwrap.json"), "")
    assert reader.matches(Path("lock.json"), '{\n  "name": "x",\n  "lockfileVersion": 3,')
    assert not reader.matches(Path("lock.json"), "# yarn lockfile v1")
    path = tmp_path / "npm-shrinkwrap.json"
    path.write_text(
        json.dumps(v3({"": {"dependencies": {"a": "^1"}}, "node_modules/a": reg("a", "1.0.0")}))
    )
    assert load(tmp_path).format == "npm-package-lock@3"


def test_v3_basic_nested_resolution_and_flags(tmp_path: Path) -> None:
    lock = v3(
        {
            "": {
                "name": "app",
                "version": "1.0.0",
                "dependencies": {"a": "^1", "b": "^1"},
                "devDependencies": {"t": "^1"},
                "optionalDependencies": {"o": "^1"},
                "peerDependencies": {"p": "^1"},
            },
            "node_modules/a": reg("a", "1.0.0", dependencies={"c": "^1", "gone": "^1"}),
            "node_modules/b": reg("b", "1.0.0", dependencies={"c": "^2"}, hasInstallScript=True),
            "node_modules/b/node_modules/c": reg("c", "2.0.0"),
            "node_modules/c": reg("c", "1.0.0"),
            "node_modules/t": reg("t", "1.0.0", dev=True, devDependencies={"never": "1"}),
            "node_modules/o": reg("o", "1.0.0", optional=True),
            "node_modules/p": reg("p", "1.0.0", peer=True),
        }
    )
    g = load(write(tmp_path, lock))
    root = pid("app", "1.0.0")
    assert g.roots == (root,)
    assert edges_of(g, root) == {
        ("a@1.0.0", "prod"),
        ("b@1.0.0", "prod"),
        ("t@1.0.0", "dev"),
        ("o@1.0.0", "optional"),
        ("p@1.0.0", "peer"),
    }
    # node's resolution: b sees its nested c@2, a walks up to the top-level c@1; "gone" is missing
    assert edges_of(g, pid("a", "1.0.0")) == {("c@1.0.0", "prod")}
    assert edges_of(g, pid("b", "1.0.0")) == {("c@2.0.0", "prod")}
    # devDependencies only count for the project and workspaces
    assert edges_of(g, pid("t", "1.0.0")) == set()
    b = g.packages[pid("b", "1.0.0")]
    assert b.has_install_script is True
    assert g.packages[pid("a", "1.0.0")].has_install_script is False
    assert b.integrity == "sha512-b1.0.0"
    assert b.source.kind is SourceKind.REGISTRY
    assert g.packages[pid("t", "1.0.0")].dev and not g.packages[pid("o", "1.0.0")].dev
    assert g.packages[pid("o", "1.0.0")].optional
    text = (tmp_path / "package-lock.json").read_text().splitlines()
    for pkg in g.dependencies():
        assert pkg.line is not None
        assert text[pkg.line - 1].strip().startswith('"node_modules/')
        assert text[pkg.line - 1].strip().endswith(f'/{pkg.name}": {{')
    spec = {e.child.name: e.spec for e in g.children(root)}
    assert spec["a"] == "^1"


def test_same_version_at_several_paths_is_one_node_with_union_of_edges(tmp_path: Path) -> None:
    lock = v3(
        {
            "": {"dependencies": {"x": "^1", "y": "^1"}},
            "node_modules/x": reg("x", "1.0.0", dependencies={"d": "^2"}),
            "node_modules/x/node_modules/d": reg("d", "2.0.0", dependencies={"e": "^1"}),
            "node_modules/y": reg("y", "1.0.0", dependencies={"d": "^2"}),
            "node_modules/y/node_modules/d": reg("d", "2.0.0", dependencies={"e": "^1"}),
            "node_modules/y/node_modules/e": reg("e", "2.0.0"),
            "node_modules/e": reg("e", "1.0.0"),
        }
    )
    g = load(write(tmp_path, lock))
    assert sum(1 for p in g.packages if p.name == "d") == 1
    assert edges_of(g, pid("d", "2.0.0")) == {("e@1.0.0", "prod"), ("e@2.0.0", "prod")}
    # the first location's line is kept
    lines = (tmp_path / "package-lock.json").read_text().splitlines()
    first = lines.index('    "node_modules/x/node_modules/d": {') + 1
    assert g.packages[pid("d", "2.0.0")].line == first


def test_precedence_of_dependency_tables(tmp_path: Path) -> None:
    # npm loads peer, peerOptional, prod, optional, dev: a later table wins for a name
    lock = v3(
        {
            "": {
                "dependencies": {"a": "^1"},
                "optionalDependencies": {"a": "^1"},
                "peerDependencies": {"b": "^1"},
                "peerDependenciesMeta": {"b": {"optional": True}},
                "devDependencies": {"b": "^1"},
            },
            "node_modules/a": reg("a", "1.0.0"),
            "node_modules/b": reg("b", "1.0.0"),
        }
    )
    g = load(write(tmp_path, lock))
    assert edges_of(g, g.root) == {("a@1.0.0", "optional"), ("b@1.0.0", "dev")}


def test_workspaces_links_and_files(tmp_path: Path) -> None:
    lock = v3(
        {
            "": {
                "name": "mono",
                "workspaces": ["packages/*"],
                "dependencies": {
                    "lib": "file:./lib",
                    "odd": "file:vendor/odd-3.0.1.tgz",
                    "g": "github:u/g",
                    "t": "https://example.com/t.tgz",
                },
            },
            "lib": {
                "version": "0.1.0",
                "dependencies": {"c": "^1"},
                "devDependencies": {"d": "^1"},
            },
            "node_modules/lib": {"resolved": "lib", "link": True},
            "node_modules/@m/one": {"resolved": "packages/one", "link": True},
            "node_modules/two": {"resolved": "packages/two", "link": True},
            "packages/one": {
                "name": "@m/one",
                "version": "1.0.0",
                "dependencies": {"two": "*", "c": "^2"},
                "devDependencies": {"d": "^1"},
            },
            "packages/one/node_modules/c": reg("c", "2.0.0"),
            "packages/two": {"version": "2.0.0"},
            "node_modules/c": reg("c", "1.0.0"),
            "node_modules/d": reg("d", "1.0.0", dev=True),
            "node_modules/odd": {
                "version": "3.0.1",
                "resolved": "file:vendor/odd-3.0.1.tgz",
                "integrity": "sha512-x",
            },
            "node_modules/g": {
                "version": "1.2.3",
                "resolved": "git+ssh://git@github.com/u/g.git#abc123",
            },
            "node_modules/t": {"version": "4.0.0", "resolved": "https://example.com/t.tgz"},
        }
    )
    g = load(write(tmp_path, lock))
    one, two = pid("@m/one", "1.0.0"), pid("two", "2.0.0")
    assert g.roots == (pid("mono", "1.0.0"), one, two)
    assert g.packages[one].source.kind is SourceKind.WORKSPACE
    assert g.packages[two].source.kind is SourceKind.WORKSPACE  # name from the folder
    assert edges_of(g, one) == {("two@2.0.0", "prod"), ("c@2.0.0", "prod"), ("d@1.0.0", "dev")}
    lib = pid("lib", "0.1.0")
    assert g.packages[lib].source.kind is SourceKind.LINK
    assert edges_of(g, lib) == {("c@1.0.0", "prod"), ("d@1.0.0", "dev")}
    assert edges_of(g, g.root) >= {("lib@0.1.0", "prod")}
    assert g.packages[pid("odd", "3.0.1")].source.kind is SourceKind.FILE
    git = g.packages[pid("g", "1.2.3")]
    assert (
        git.source.kind is SourceKind.GIT
        and git.source.url is not None
        and git.source.url.endswith("#abc123")
    )
    assert g.packages[pid("t", "4.0.0")].source.kind is SourceKind.TARBALL
    assert g.direct() == {
        pid("lib", "0.1.0"),
        pid("odd", "3.0.1"),
        pid("g", "1.2.3"),
        pid("t", "4.0.0"),
        pid("c", "2.0.0"),
        pid("d", "1.0.0"),
    }


def test_workspace_manifest_on_disk_wins(tmp_path: Path) -> None:
    (tmp_path / "packages" / "w").mkdir(parents=True)
    (tmp_path / "packages" / "w" / "package.json").write_text(
        json.dumps({"name": "w", "version": "9.0.0", "dependencies": {"a": "^1"}})
    )
    lock = v3(
        {
            "": {"workspaces": ["packages/w"]},
            "node_modules/w": {"resolved": "packages/w", "link": True},
            "packages/w": {"version": "1.0.0"},
            "node_modules/a": reg("a", "1.0.0"),
        }
    )
    g = load(write(tmp_path, lock))
    assert pid("w", "9.0.0") in g.roots
    assert edges_of(g, pid("w", "9.0.0")) == {("a@1.0.0", "prod")}
    # without the manifest loader the lockfile's view is kept
    g2 = PackageLockReader(manifests=None).read(
        tmp_path / "package-lock.json", (tmp_path / "package-lock.json").read_text()
    )
    assert pid("w", "1.0.0") in g2.roots


def test_aliases(tmp_path: Path) -> None:
    lock = v3(
        {
            "": {"dependencies": {"lodash3": "npm:lodash@3.10.1", "lodash": "^4"}},
            "node_modules/lodash": reg("lodash", "4.17.21"),
            "node_modules/lodash3": {**reg("lodash", "3.10.1"), "name": "lodash"},
        }
    )
    g = load(write(tmp_path, lock))
    by_alias = {e.alias: e.child for e in g.children(g.root)}
    assert by_alias == {"lodash3": pid("lodash", "3.10.1"), None: pid("lodash", "4.17.21")}


def test_bundled_dependencies(tmp_path: Path) -> None:
    lock = v3(
        {
            "": {"dependencies": {"npm": "^10"}},
            "node_modules/npm": {
                **reg("npm", "10.0.0"),
                "bundleDependencies": ["abbrev"],
                "dependencies": {"abbrev": "^2"},
            },
            "node_modules/npm/node_modules/abbrev": {"version": "2.0.0", "inBundle": True},
        }
    )
    g = load(write(tmp_path, lock))
    assert edges_of(g, pid("npm", "10.0.0")) == {("abbrev@2.0.0", "prod")}


def test_cycles_and_extraneous(tmp_path: Path) -> None:
    lock = v3(
        {
            "": {"dependencies": {"a": "^1"}},
            "node_modules/a": reg("a", "1.0.0", dependencies={"b": "^1"}),
            "node_modules/b": reg("b", "1.0.0", dependencies={"a": "^1"}),
            "node_modules/a/node_modules/junk": {**reg("junk", "1.0.0"), "extraneous": True},
        }
    )
    g = load(write(tmp_path, lock))
    assert edges_of(g, pid("b", "1.0.0")) == {("a@1.0.0", "prod")}
    assert ("junk@1.0.0", "prod") in edges_of(g, pid("a", "1.0.0"))


def test_v1_nested_aliases_files_git(tmp_path: Path) -> None:
    (tmp_path / "local").mkdir()
    (tmp_path / "local" / "package.json").write_text(
        json.dumps({"name": "local", "version": "0.3.0", "dependencies": {"ms": "^2"}})
    )
    lock = {
        "name": "app",
        "version": "1.0.0",
        "lockfileVersion": 1,
        "requires": True,
        "dependencies": {
            "a": {
                **reg("a", "1.0.0"),
                "requires": {"b": "^2"},
                "dependencies": {"b": {**reg("b", "2.0.0"), "requires": {"ms": "^2"}}},
            },
            "b": reg("b", "1.0.0"),
            "ms": reg("ms", "2.1.3"),
            "al": {
                "version": "npm:lodash@3.10.1",
                "resolved": "https://registry.npmjs.org/lodash/-/lodash-3.10.1.tgz",
                "integrity": "sha512-l",
            },
            "local": {"version": "file:local", "requires": {"ms": "^2"}},
            "odd": {"version": "file:vendor/odd-3.0.1.tgz", "integrity": "sha512-o"},
            "g": {"version": "github:u/g#abc", "from": "github:u/g", "dev": True},
            "t": {
                "version": "1.0.0",
                "resolved": "https://example.com/t/-/t-1.0.0.tgz",
                "bundled": True,
                "optional": True,
            },
        },
    }
    manifest = {
        "name": "app",
        "version": "1.0.0",
        "dependencies": {
            "a": "^1",
            "b": "^1",
            "al": "npm:lodash@3.10.1",
            "local": "file:local",
            "odd": "file:vendor/odd-3.0.1.tgz",
        },
        "devDependencies": {"g": "github:u/g"},
        "optionalDependencies": {"t": "^1"},
    }
    g = load(write(tmp_path, lock, manifest))
    assert g.format == "npm-package-lock@1"
    assert edges_of(g, pid("a", "1.0.0")) == {("b@2.0.0", "prod")}
    assert edges_of(g, pid("b", "2.0.0")) == {("ms@2.1.3", "prod")}
    root_edges = {(e.alias, str(e.child), e.kind.value) for e in g.children(g.root)}
    assert (None, "a@1.0.0", "prod") in root_edges
    assert ("al", "lodash@3.10.1", "prod") in root_edges
    assert (None, "local@0.3.0", "prod") in root_edges
    assert (None, "odd@3.0.1", "prod") in root_edges
    assert (None, "g@github:u/g#abc", "dev") in root_edges
    assert (None, "t@1.0.0", "optional") in root_edges
    assert g.packages[pid("local", "0.3.0")].source.kind is SourceKind.LINK
    assert edges_of(g, pid("local", "0.3.0")) == {("ms@2.1.3", "prod")}
    assert g.packages[pid("odd", "3.0.1")].source.kind is SourceKind.FILE
    git = g.packages[pid("g", "github:u/g#abc")]
    assert git.source.kind is SourceKind.GIT and git.dev
    assert g.packages[pid("a", "1.0.0")].has_install_script is None  # v1 does not record it
    lines = (tmp_path / "package-lock.json").read_text().splitlines()
    assert lines[g.packages[pid("b", "2.0.0")].line - 1].strip() == '"b": {'  # type: ignore[operator]
    assert g.packages[pid("b", "1.0.0")].line > g.packages[pid("b", "2.0.0")].line  # type: ignore[operator]


def test_v1_without_package_json_uses_top_level_entries(tmp_path: Path) -> None:
    lock = {
        "lockfileVersion": 1,
        "dependencies": {
            "a": {**reg("a", "1.0.0"), "requires": {"b": "^1"}},
            "b": reg("b", "1.0.0"),
            "d": {**reg("d", "1.0.0"), "dev": True},
        },
    }
    g = load(write(tmp_path, lock))
    assert g.root.name == tmp_path.name
    assert edges_of(g, g.root) == {("a@1.0.0", "prod"), ("b@1.0.0", "prod"), ("d@1.0.0", "dev")}


def test_v2_prefers_packages_over_legacy_dependencies(tmp_path: Path) -> None:
    lock = {
        "lockfileVersion": 2,
        "packages": {"": {"dependencies": {"a": "^1"}}, "node_modules/a": reg("a", "1.0.0")},
        "dependencies": {"a": reg("a", "9.9.9")},
    }
    g = load(write(tmp_path, lock))
    assert {str(p) for p in g.packages} == {f"{tmp_path.name}@", "a@1.0.0"}


def test_empty_lockfiles(tmp_path: Path) -> None:
    g = load(write(tmp_path, {"lockfileVersion": 3, "packages": {}}))
    assert len(g.packages) == 1 and list(g.dependencies()) == []
    g = load(write(tmp_path, {"lockfileVersion": 1, "dependencies": {}}))
    assert list(g.dependencies()) == []


def test_version_from_tgz() -> None:
    assert version_from_tgz("is-odd", "vendor/is-odd-3.0.1.tgz") == ("is-odd", "3.0.1")
    assert version_from_tgz("x", "https://r.example/@s/p/-/p-1.2.3-beta.1.tgz") == (
        "@s/p",
        "1.2.3-beta.1",
    )
    assert version_from_tgz("x", "vendor/x.zip") is None
    assert version_from_tgz("x", "vendor/y-1.0.0.tgz") is None


@pytest.mark.parametrize(
    ("case", "format_", "packages"),
    [
        ("npm-gen-filelink-lv1", "npm-package-lock@1", 8),
        ("npm-gen-filelink-lv3", "npm-package-lock@3", 8),
        ("npm-gen-aliases-lv3", "npm-package-lock@3", 45),
        ("npm-gen-workspaces-lv3", "npm-package-lock@3", 143),
    ],
)
def test_corpus_smoke(case: str, format_: str, packages: int) -> None:
    g = load(DATA / case / "package-lock.json")
    assert g.format == format_
    assert len(g.packages) == packages
    assert g.packages[g.root].source.kind is SourceKind.ROOT
    assert all(e.kind in EdgeKind for out in g.edges.values() for e in out)
