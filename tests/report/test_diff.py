"""``diff_graphs`` and ``load_old_graph`` on hand-made graphs, real lockfile pairs and a git repo."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from depview.errors import UsageError
from depview.lockfiles import load
from depview.model import DependencyGraph, Package, PackageId, Source, SourceKind, build_graph
from depview.report.diff import _hashes, diff_graphs, load_old_graph
from depview.report.model import Change
from tests.report.fixtures import DATA
from tests.report.gitrepo import NPM_AFTER, NPM_BEFORE, copy_side, git, make_repo, needs_git

ROOT = PackageId.of("npm", "app", "1.0.0")


def npm(name: str, version: str) -> PackageId:
    return PackageId.of("npm", name, version)


def graph(*packages: Package) -> DependencyGraph:
    return build_graph(
        ecosystem="npm",
        format="npm-package-lock@3",
        path="package-lock.json",
        packages=[Package(ROOT, Source(SourceKind.ROOT)), *packages],
        edges={ROOT: []},
        roots=[ROOT],
    )


def pkg(name: str, version: str, **kw: Any) -> Package:
    return Package(npm(name, version), **kw)


def test_added_changed_removed() -> None:
    old = graph(pkg("a", "1.0.0"), pkg("b", "1.0.0"), pkg("gone", "0.1.0"), pkg("same", "2.0.0"))
    new = graph(pkg("a", "1.1.0"), pkg("b", "1.0.0"), pkg("c", "3.0.0"), pkg("same", "2.0.0"))
    changes, removed = diff_graphs(old, new)
    assert changes == {
        npm("a", "1.1.0"): Change("1.0.0", "1.1.0"),
        npm("c", "3.0.0"): Change(None, "3.0.0"),
    }
    assert removed == [npm("gone", "0.1.0")]


def test_version_set_change_picks_the_replaced_version() -> None:
    old = graph(pkg("x", "1.2.0"), pkg("x", "2.0.0"))
    new = graph(pkg("x", "1.3.0"), pkg("x", "2.0.0"), pkg("x", "3.0.0"))
    changes, removed = diff_graphs(old, new)
    # 1.3.0 replaced the old 1.2.0 (the version that went away); 3.0.0 came from it as well.
    assert changes[npm("x", "1.3.0")] == Change("1.2.0", "1.3.0")
    assert changes[npm("x", "3.0.0")].from_version == "1.2.0"
    assert npm("x", "2.0.0") not in changes
    assert removed == []


def test_downgrade_and_semver_order() -> None:
    old = graph(pkg("y", "1.10.0"))
    new = graph(pkg("y", "1.9.0"))
    changes, removed = diff_graphs(old, new)
    assert changes == {npm("y", "1.9.0"): Change("1.10.0", "1.9.0")}
    assert removed == []


def test_same_version_repointed_is_a_change() -> None:
    old = graph(pkg("ms", "2.1.2", integrity="sha512-AAAA"))
    tarball = graph(
        pkg("ms", "2.1.2", source=Source(SourceKind.TARBALL, "https://evil.example/ms.tgz"))
    )
    rehashed = graph(pkg("ms", "2.1.2", integrity="sha512-BBBB"))
    for new in (tarball, rehashed):
        changes, _ = diff_graphs(old, new)
        assert changes == {npm("ms", "2.1.2"): Change("2.1.2", "2.1.2")}


def test_format_changes_are_not_moves() -> None:
    # npm v1 kept a resolved URL, v3 may not; yarn 3 -> 4 changes the cache checksum key.
    old = graph(
        pkg(
            "a",
            "1.0.0",
            integrity="sha512-AAAA sha1-XXXX",
            source=Source(SourceKind.REGISTRY, "https://registry.npmjs.org/a/-/a-1.0.0.tgz"),
        ),
        pkg("b", "1.0.0", integrity="8/abcdef"),
        pkg("c", "1.0.0", integrity="5d36d289"),
    )
    new = graph(
        pkg("a", "1.0.0", integrity="sha512-AAAA"),
        pkg("b", "1.0.0", integrity="10c0/012345"),
        pkg("c", "1.0.0", integrity="10c0/5d36d2"),
    )
    assert diff_graphs(old, new) == ({}, [])
    assert _hashes("sha512-AA sha1-BB") == {"sha512": "AA", "sha1": "BB"}
    assert _hashes("sha256:ff") == {"sha256": "ff"}


def test_real_npm_upgrade_pair() -> None:
    """Both lockfiles written by the real npm from two package.json versions."""
    changes, removed = diff_graphs(load(NPM_BEFORE), load(NPM_AFTER))
    assert changes == {
        npm("debug", "4.3.4"): Change("2.6.9", "4.3.4"),
        npm("is-odd", "3.0.1"): Change(None, "3.0.1"),
        npm("ms", "2.1.2"): Change("2.0.0", "2.1.2"),
    }
    assert removed == [npm("left-pad", "1.3.0")]


def test_real_npm_pair_with_an_injected_tarball(tmp_path: Path) -> None:
    """A hand-edited copy: ms keeps its version but resolves from an attacker's tarball."""
    copy_side(NPM_AFTER, tmp_path)
    lock = tmp_path / "package-lock.json"
    data = json.loads(lock.read_text())
    data["packages"]["node_modules/ms"]["resolved"] = "https://evil.example/ms-2.1.2.tgz"
    data["packages"]["node_modules/ms"]["integrity"] = "sha512-" + "A" * 86 + "=="
    lock.write_text(json.dumps(data, indent=2))
    changes, _ = diff_graphs(load(NPM_AFTER), load(lock))
    assert changes == {npm("ms", "2.1.2"): Change("2.1.2", "2.1.2")}


def test_real_poetry_upgrade_pair() -> None:
    """poetry's own lockfile at two commits 18 months apart (corpus)."""
    base = DATA / "poetry-upgrade"
    changes, removed = diff_graphs(load(base / "before"), load(base / "after"))

    def pypi(name: str, version: str) -> PackageId:
        return PackageId.of("pypi", name, version)

    assert changes[pypi("cryptography", "47.0.0")] == Change("43.0.3", "47.0.0")
    assert changes[pypi("httpx", "0.28.1")] == Change(None, "0.28.1")
    assert changes[pypi("build", "1.5.0")] == Change("1.2.2.post1", "1.5.0")
    assert sum(1 for c in changes.values() if c.from_version is None) == 12
    assert len(changes) == 68
    assert removed == [pypi("httpretty", "1.1.4"), pypi("setuptools", "75.6.0")]


# -- load_old_graph ------------------------------------------------------------


def test_old_as_a_path(tmp_path: Path) -> None:
    g = load_old_graph(str(NPM_BEFORE / "package-lock.json"), NPM_AFTER / "package-lock.json", None)
    assert npm("left-pad", "1.3.0") in g.packages
    g2 = load_old_graph(str(NPM_BEFORE), NPM_AFTER / "package-lock.json", None)  # a directory
    assert set(g2.packages) == set(g.packages)


@needs_git
def test_old_as_a_git_revision(tmp_path: Path) -> None:
    project = make_repo(tmp_path / "repo")
    old = load_old_graph("HEAD~1", project / "package-lock.json", None)
    assert set(old.packages) == set(load(NPM_BEFORE).packages)
    changes, removed = diff_graphs(old, load(project))
    assert npm("debug", "4.3.4") in changes and removed == [npm("left-pad", "1.3.0")]


@needs_git
def test_git_revision_in_a_subdirectory_with_manifests(tmp_path: Path) -> None:
    root = tmp_path / "mono"
    project = make_repo(root, sub="web/app")
    old = load_old_graph("main~1", project / "package-lock.json", None)
    assert npm("debug", "2.6.9") in old.packages
    # The old package.json came along too (readers may consult it): same root name.
    assert old.root.name == "depview-diff-fixture"


@needs_git
def test_bad_revision_is_one_line_usage_error(tmp_path: Path) -> None:
    project = make_repo(tmp_path / "repo")
    for rev in ("no-such-branch", "HEAD~9", "--output=/tmp/x", "a b"):
        with pytest.raises(UsageError) as info:
            load_old_graph(rev, project / "package-lock.json", None)
        assert "\n" not in info.value.one_line()


def test_not_a_repository(tmp_path: Path) -> None:
    copy_side(NPM_AFTER, tmp_path / "p")
    with pytest.raises(UsageError, match="not in a git repository|not a git revision"):
        load_old_graph("HEAD~1", tmp_path / "p" / "package-lock.json", None)


@needs_git
def test_revision_without_the_lockfile_means_everything_is_added(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "README").write_text("x")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "first")
    copy_side(NPM_AFTER, root)
    warnings: list[str] = []
    old = load_old_graph("HEAD", root / "package-lock.json", None, warn=warnings.append)
    changes, removed = diff_graphs(old, load(root))
    assert all(c.from_version is None for c in changes.values())
    assert len(changes) == 4 and removed == []
    assert warnings and "does not exist" in warnings[0]
