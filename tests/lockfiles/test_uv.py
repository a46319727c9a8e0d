"""uv.lock reader: conformance with ``uv export`` / ``uv tree`` (uv 0.13.9) and the
OSV-SCALIBR uvlock extractor fixtures, plus the graph's roots, flags and lines."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from depview.errors import LockfileError
from depview.lockfiles import load
from depview.lockfiles._pycommon import lock_details
from depview.lockfiles.uv import READERS, select
from depview.model import EdgeKind, PackageId, SourceKind
from tests.lockfiles.helpers import assert_line_and_commit, norm, osv_packages, requirement_pins

DATA = Path(__file__).resolve().parent.parent / "data" / "python"
APP = DATA / "uv-gen-app"
READER = READERS[0]


def tree_edges(path: Path) -> tuple[set[tuple[str, str]], set[tuple[str, str, str, str]]]:
    """(top-level (name, version)s, parent->child (name, version) edges) of ``uv tree``."""
    top: set[tuple[str, str]] = set()
    edges: set[tuple[str, str, str, str]] = set()
    stack: list[tuple[str, str]] = []
    for line in path.read_text().splitlines():
        m = re.match(r"^((?:[│ ]   )*)(?:[├└]── )?([A-Za-z0-9._-]+)(?:\[[^\]]*\])? v(\S+)", line)
        assert m, line
        depth = len(m.group(1)) // 4 + (1 if m.group(1) or line[0] in "├└" else 0)
        node = (norm(m.group(2)), m.group(3))
        stack = [*stack[:depth], node]
        if depth == 1:
            top.add(node)
        elif depth > 1:
            edges.add((*stack[depth - 1], *node))
    return top, edges


@pytest.fixture(scope="module")
def app_graph():
    return READER.read(APP / "uv.lock", (APP / "uv.lock").read_text())


def test_package_set_matches_uv_export_all_groups_all_extras(app_graph) -> None:
    ours = {(p.name, p.version) for p in app_graph.dependencies()}
    oracle = requirement_pins(APP / "oracle-uv-export-requirements-all-nohashes.txt")
    assert len(oracle) == 63
    assert ours == oracle


def test_select_default_groups_matches_default_export() -> None:
    text = (APP / "uv.lock").read_text()
    chosen = select(APP / "uv.lock", text, groups=["dev"], extras=())
    assert {(p.name, p.version) for p in chosen} == requirement_pins(
        APP / "oracle-uv-export-requirements.txt"
    )
    # No groups, no extras: the pure production set is smaller still.
    prod = select(APP / "uv.lock", text, groups=(), extras=())
    assert prod < chosen
    assert not any(p.name in ("black", "pytest", "mkdocs", "pysocks") for p in prod)


@pytest.mark.parametrize("oracle", ["oracle-uv-tree.txt", "oracle-uv-tree-all-groups.txt"])
def test_edges_cover_uv_tree(app_graph, oracle: str) -> None:
    top, edges = tree_edges(APP / oracle)
    ours = {
        (parent.name, parent.version, e.child.name, e.child.version)
        for parent, es in app_graph.edges.items()
        for e in es
    }
    assert edges, "oracle parsed to nothing"
    assert edges <= ours
    direct = {(p.name, p.version) for p in app_graph.direct()}
    assert top <= direct


def test_root_and_edge_kinds(app_graph) -> None:
    root = app_graph.root
    assert root == PackageId.of("pypi", "depview-py-fixture", "0.1.0")
    assert app_graph.packages[root].source.kind == SourceKind.ROOT
    kinds = {(e.child.name, e.child.version, e.kind) for e in app_graph.children(root)}
    assert ("requests", "2.34.2", EdgeKind.PROD) in kinds
    assert ("requests", "2.34.2", EdgeKind.OPTIONAL) in kinds  # the socks extra
    assert ("pyyaml", "6.0.4", EdgeKind.OPTIONAL) in kinds
    assert ("pyyaml", "6.0.4", EdgeKind.PROD) not in kinds
    assert ("pytest", "9.2.0", EdgeKind.DEV) in kinds
    assert ("mkdocs", "1.6.1", EdgeKind.DEV) in kinds
    # markers are ignored: both forks of click are direct
    assert {("click", "8.1.8", EdgeKind.PROD), ("click", "8.5.1", EdgeKind.PROD)} <= kinds


def test_dev_and_optional_flags(app_graph) -> None:
    pkgs = {(p.name, p.version): p for p in app_graph.dependencies()}
    assert pkgs[("pytest", "9.2.0")].dev and not pkgs[("pytest", "9.2.0")].optional
    assert pkgs[("pysocks", "1.7.1")].optional and not pkgs[("pysocks", "1.7.1")].dev
    # pyyaml is needed by the yaml extra and by the docs group: neither flag alone
    assert not pkgs[("pyyaml", "6.0.4")].dev and not pkgs[("pyyaml", "6.0.4")].optional
    assert not pkgs[("requests", "2.34.2")].dev and not pkgs[("requests", "2.34.2")].optional


def test_integrity_lines_and_all_hashes(app_graph) -> None:
    text = (APP / "uv.lock").read_text().splitlines()
    details = lock_details(app_graph)
    for pkg in app_graph.dependencies():
        assert pkg.line is not None
        assert text[pkg.line - 1] == f'name = "{pkg.name}"'
        assert text[pkg.line] == f'version = "{pkg.version}"'
        assert pkg.integrity is not None and pkg.integrity.startswith("sha256:")
        assert details.hashes[pkg.id][0] == pkg.integrity
    black = PackageId.of("pypi", "black", "26.10.1")
    assert len(details.hashes[black]) > 10
    assert app_graph.format == "uv-lock@1"


def test_load_through_registry_by_directory(tmp_path: Path) -> None:
    shutil.copy(APP / "uv.lock", tmp_path / "uv.lock")
    graph = load(tmp_path)
    assert graph.format == "uv-lock@1"
    assert len(list(graph.dependencies())) == 63


# -- OSV-SCALIBR fixtures ------------------------------------------------------

OSV = DATA / "osv-scalibr-uvlock"
OSV_CASES = json.loads((OSV / "expected.json").read_text())["cases"]
#: Deliberate differences (see tests/data/python/DIFFERENCES.md).
OSV_DIFFERENCES = {"fixtures/empty.lock": "an empty file is a LockfileError"}


@pytest.mark.parametrize("case", OSV_CASES, ids=[c["test"] for c in OSV_CASES])
def test_osv_scalibr_uvlock(case: dict) -> None:
    path = OSV / case["fixture_local"]
    text = path.read_text()
    if case["expect_error"] or case["fixture_local"] in OSV_DIFFERENCES:
        with pytest.raises(LockfileError) as info:
            READER.read(path, text)
        assert str(path) in str(info.value)
        return
    graph = READER.read(path, text)
    for package, pkg in osv_packages(graph, case):
        assert_line_and_commit(package, pkg)


def test_osv_no_packages_fixtures_are_empty_graphs() -> None:
    for name in ("no-packages.lock", "no-dependencies.lock"):
        path = OSV / "fixtures" / name
        graph = READER.read(path, path.read_text())
        assert list(graph.dependencies()) == []
    graph = READER.read(
        OSV / "fixtures/no-dependencies.lock", (OSV / "fixtures/no-dependencies.lock").read_text()
    )
    assert graph.root.name == "uv-lockfiles"


def test_grouped_packages_flags() -> None:
    """OSV's dep_groups there are the project's extras (cli, dev, test): optional."""
    path = OSV / "fixtures" / "grouped-packages.lock"
    graph = READER.read(path, path.read_text())
    pkgs = {p.name: p for p in graph.dependencies()}
    [case] = [c for c in OSV_CASES if c["fixture_local"].endswith("grouped-packages.lock")]
    for want in case["packages"]:
        if want.get("dep_groups"):
            assert pkgs[norm(want["name"])].optional, want
            assert not pkgs[norm(want["name"])].dev, want
    assert not pkgs["emoji"].optional


# -- workspaces and sources ---------------------------------------------------

WORKSPACE_LOCK = """\
version = 1
revision = 3
requires-python = ">=3.12"

[manifest]
members = ["app", "lib"]

[[package]]
name = "app"
version = "1.0.0"
source = { editable = "." }
dependencies = [
    { name = "lib" },
    { name = "six" },
]

[[package]]
name = "lib"
source = { editable = "packages/lib" }
dependencies = [{ name = "tool", extra = ["fast"] }]

[[package]]
name = "six"
version = "1.17.0"
source = { git = "https://github.com/benjaminp/six?rev=main#abc123" }

[[package]]
name = "tool"
version = "2.0"
source = { url = "https://example.invalid/tool-2.0.tar.gz" }
sdist = { url = "https://example.invalid/tool-2.0.tar.gz", hash = "sha256:aa" }

[package.optional-dependencies]
fast = [{ name = "speedup" }]

[[package]]
name = "speedup"
version = "0.1"
source = { path = "vendor/speedup-0.1-py3-none-any.whl" }
wheels = [{ filename = "speedup-0.1-py3-none-any.whl", hash = "sha256:bb" }]
"""


def test_workspace_members_and_sources(tmp_path: Path) -> None:
    path = tmp_path / "uv.lock"
    graph = READER.read(path, WORKSPACE_LOCK)
    app = PackageId.of("pypi", "app", "1.0.0")
    lib = PackageId.of("pypi", "lib", "")
    assert graph.roots == (app, lib)
    assert graph.packages[lib].source.kind == SourceKind.WORKSPACE
    pkgs = {p.name: p for p in graph.dependencies()}
    assert set(pkgs) == {"six", "tool", "speedup"}
    assert pkgs["six"].source.kind == SourceKind.GIT
    assert pkgs["tool"].source.kind == SourceKind.TARBALL
    assert pkgs["speedup"].source.kind == SourceKind.FILE
    assert pkgs["speedup"].integrity == "sha256:bb"
    # tool is asked for with its "fast" extra by a prod dependency: speedup is prod
    assert not pkgs["speedup"].optional
    assert {e.child.name for e in graph.children(lib)} == {"tool"}
    assert graph.direct() == frozenset({pkgs["six"].id, pkgs["tool"].id})


def test_virtual_workspace_gets_synthetic_root(tmp_path: Path) -> None:
    lock = """\
version = 1

[manifest]
members = ["a"]

[manifest.dependency-groups]
dev = [{ name = "pytest", specifier = ">=8" }]

[[package]]
name = "a"
version = "0.1.0"
source = { editable = "packages/a" }

[[package]]
name = "pytest"
version = "8.0.0"
source = { registry = "https://pypi.org/simple" }
"""
    (tmp_path / "proj").mkdir()
    graph = READER.read(tmp_path / "proj" / "uv.lock", lock)
    assert graph.root.name == "proj"
    assert graph.packages[graph.root].source.kind == SourceKind.ROOT
    assert graph.roots[1] == PackageId.of("pypi", "a", "0.1.0")
    pytest_pkg = graph.packages[PackageId.of("pypi", "pytest", "8.0.0")]
    assert pytest_pkg.dev


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "file is empty"),
        ("# c\n", "no top-level 'version'"),
        ('version = "one"\n', "version: expected an integer"),
        ("[metadata]\nlock-version = '2.0'\n[[package]]\nname='a'\nversion='1'\n", "version"),
        ("version = 1\npackage = 3\n", "package: expected an array"),
        ("version = 1\n[[package]]\nversion = '1'\n", "package[0].name"),
        ("version = 1\n[[package]]\nname = 'a'\n", "missing version"),
        ("version = 1\n[[package]]\nname = 'a'\nversion = 1\n", "package[0].version"),
        (
            "version = 1\n[[package]]\nname = 'a'\nversion = '1'\ndependencies = [{ name = 'zz' }]\n",
            "not in the lockfile",
        ),
        ("version = 1\n[[package]]\nname = 'a'\nversion = '1'\nsource = 'x'\n", "source"),
        ('{"lockfileVersion": 3, "packages": {}}', "TOML"),
        ("version = 1\n[[package]\n", "TOML"),
    ],
)
def test_bad_input_is_a_lockfile_error(text: str, message: str) -> None:
    with pytest.raises(LockfileError) as info:
        READER.read(Path("uv.lock"), text)
    assert message in str(info.value)


def test_toml_error_carries_the_line() -> None:
    with pytest.raises(LockfileError) as info:
        READER.read(Path("uv.lock"), "version = 1\n\n[[package]]\nname = = 'x'\n")
    assert info.value.line == 4


def test_wrong_format_through_load(tmp_path: Path) -> None:
    path = tmp_path / "package-lock.json"
    path.write_text('{"name": "x", "lockfileVersion": 3, "packages": {"": {}}}')
    with pytest.raises(LockfileError):
        load(path, format="uv-lock")


def test_matches() -> None:
    assert READER.matches(Path("uv.lock"), "")
    assert READER.matches(Path("x.lock"), 'version = 1\nrevision = 2\nrequires-python = ">=3"\n')
    assert not READER.matches(Path("x.lock"), 'lock-version = "1.0"\n[[packages]]\n')


def test_content_detection_tells_uv_from_poetry() -> None:
    from depview.lockfiles import detect

    for folder, name in [
        ("uv-gen-app/uv.lock", "uv-lock"),
        ("poetry-gen-lock2.1/poetry.lock", "poetry-lock"),
        ("poetry-poetryrepo-legacy-nolockversion/poetry.lock", "poetry-lock"),
        ("pylock-gen-pip-lock/pylock.toml", "pylock"),
        ("pipenv-gen-app/Pipfile.lock", "pipfile-lock"),
    ]:
        head = (DATA / folder).read_text()[:4096]
        assert detect(Path("renamed.lock"), head).name == name, folder


def test_self_referencing_extras_are_followed_without_a_self_edge(tmp_path: Path) -> None:
    lock = """\
version = 1

[[package]]
name = "me"
version = "1.0"
source = { editable = "." }

[package.optional-dependencies]
all = [{ name = "me", extra = ["fast"] }]
fast = [{ name = "speedup" }]

[[package]]
name = "speedup"
version = "0.1"
source = { registry = "https://pypi.org/simple" }
"""
    graph = READER.read(tmp_path / "uv.lock", lock)
    assert all(e.child != graph.root for e in graph.children(graph.root))
    speedup = graph.packages[PackageId.of("pypi", "speedup", "0.1")]
    assert speedup.optional and not speedup.dev
    assert select(tmp_path / "uv.lock", lock, extras=["all"]) == {speedup.id}
    assert select(tmp_path / "uv.lock", lock, extras=()) == frozenset()
