"""poetry.lock reader: conformance with ``poetry show`` / ``poetry show --tree`` /
``poetry export`` (Poetry 2.5.1; 1.1.15 for the pre-1.0 lock) and the OSV fixtures."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from depview.errors import LockfileError
from depview.lockfiles._pycommon import lock_details
from depview.lockfiles.poetry import READERS, poetry_constraint
from depview.model import EdgeKind, PackageId, SourceKind
from tests.lockfiles.helpers import assert_line_and_commit, norm, osv_packages

DATA = Path(__file__).resolve().parent.parent / "data" / "python"
CASES = sorted(p.name for p in DATA.glob("poetry-*") if p.is_dir())
READER = READERS[0]


def show_pins(path: Path) -> set[tuple[str, str]]:
    out = set()
    for line in path.read_text().splitlines():
        parts = line.replace("(!)", "").split()
        if len(parts) >= 2:
            out.add((norm(parts[0]), parts[1]))
    return out


def export_pins(path: Path) -> tuple[set[tuple[str, str]], set[str]]:
    """(name, version) pins and names of ``name @ url`` lines of a poetry export."""
    pins, urls = set(), set()
    for line in path.read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==([^ ;\\]+)", line)
        if m:
            pins.add((norm(m.group(1)), m.group(2)))
        m = re.match(r"^([A-Za-z0-9._-]+)(?:\[[^\]]*\])? @ ", line)
        if m:
            urls.add(norm(m.group(1)))
    return pins, urls


def tree(path: Path) -> tuple[set[str], set[tuple[str, str]]]:
    """Top-level names and parent->child name edges of ``poetry show --tree``."""
    top: set[str] = set()
    edges: set[tuple[str, str]] = set()
    stack: list[str] = []
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        m = re.match(r"^((?:[│|] {3}| {4})*)(?:[├└]── |[|`]-- )?(\S+)", line)
        assert m, line
        if line[0] not in "│|`├└ ":
            depth = 0
            top.add(norm(m.group(2)))
        else:
            depth = len(m.group(1)) // 4 + 1
        stack = [*stack[:depth], norm(m.group(2))]
        if depth:
            edges.add((stack[depth - 1], stack[depth]))
    return top, edges


def read(folder: Path):
    path = folder / "poetry.lock"
    return READER.read(path, path.read_text())


@pytest.mark.parametrize("case", CASES)
def test_package_set_matches_poetry_show_and_export(case: str) -> None:
    folder = DATA / case
    graph = read(folder)
    ours = {(p.name, p.version) for p in graph.dependencies()}
    pins, url_names = export_pins(folder / "oracle-poetry-export.txt")
    shown = show_pins(folder / "oracle-poetry-show.txt")
    oracle = pins | shown
    # every package poetry shows or exports is ours, with the same version
    assert oracle <= ours
    # ...and everything else we read is a URL/git requirement in the export
    assert {name for name, _ in ours - oracle} <= url_names
    toml_count = (folder / "poetry.lock").read_text().count("[[package]]")
    assert len(ours) == toml_count


@pytest.mark.parametrize("case", CASES)
def test_edges_match_poetry_show_tree(case: str) -> None:
    folder = DATA / case
    graph = read(folder)
    top, edges = tree(folder / "oracle-poetry-show-tree.txt")
    locked = {p.name for p in graph.dependencies()}
    ours = {(parent.name, e.child.name) for parent, es in graph.edges.items() for e in es}
    # Poetry also prints dependencies that are not locked (setuptools in the
    # 2019 lock, the project itself as a plugin's dependency): no node, no edge.
    expected = {(a, b) for a, b in edges if b in locked}
    assert expected <= ours
    assert top == {p.name for p in graph.direct()}


@pytest.mark.parametrize("case", CASES)
def test_root_is_the_pyproject_project(case: str) -> None:
    folder = DATA / case
    graph = read(folder)
    text = (folder / "pyproject.toml").read_text()
    name = re.search(r'^name = "([^"]+)"', text, re.M)
    assert name is not None
    assert graph.root.name == norm(name.group(1))
    assert graph.packages[graph.root].source.kind == SourceKind.ROOT


def test_lock_2_1_flags_groups_and_hashes() -> None:
    graph = read(DATA / "poetry-gen-lock2.1")
    pkgs = {p.name: p for p in graph.dependencies()}
    assert pkgs["black"].dev and not pkgs["black"].optional
    assert pkgs["mkdocs"].dev  # optional group "docs"
    assert not pkgs["click"].dev  # main + dev + docs
    assert not pkgs["pysocks"].dev and not pkgs["pysocks"].optional  # requests[socks] is main
    assert pkgs["pyyaml"].optional is False or pkgs["pyyaml"].dev is False
    details = lock_details(graph)
    for pkg in pkgs.values():
        assert pkg.integrity is not None and pkg.integrity.startswith("sha256:")
        assert details.hashes[pkg.id][0] == pkg.integrity
    kinds = {(e.child.name, e.kind) for e in graph.children(graph.root)}
    assert ("requests", EdgeKind.PROD) in kinds
    assert ("pyyaml", EdgeKind.OPTIONAL) in kinds
    assert ("pytest", EdgeKind.DEV) in kinds
    assert graph.format == "poetry-lock@2.1"
    lines = (DATA / "poetry-gen-lock2.1" / "poetry.lock").read_text().splitlines()
    for pkg in pkgs.values():
        assert lines[pkg.line - 1].startswith("name = ")


def test_legacy_lock_without_lock_version() -> None:
    graph = read(DATA / "poetry-poetryrepo-legacy-nolockversion")
    assert graph.format == "poetry-lock"
    pkgs = {p.name: p for p in graph.dependencies()}
    assert pkgs["appdirs"].dev  # category = "dev"
    assert not pkgs["asn1crypto"].dev
    # hashes come from [metadata.files]
    assert pkgs["appdirs"].integrity == (
        "sha256:d8b24664561d0d34ddfaec54636d502d7cea6e29c3eaf68f3df6180863e2166e"
    )
    # names keep their spelling for display
    assert pkgs["aspy-yaml"].display_name == "aspy.yaml"
    lines = (DATA / "poetry-poetryrepo-legacy-nolockversion" / "poetry.lock").read_text()
    assert lines.splitlines()[pkgs["appdirs"].line - 1] == 'name = "appdirs"'


def test_lock_1_1_hashes_from_metadata_files() -> None:
    graph = read(DATA / "poetry-poetryrepo-lock1.1")
    attrs = next(p for p in graph.dependencies() if p.name == "attrs")
    assert (
        attrs.integrity == "sha256:86efa402f67bf2df34f51a335487cf46b1ec130d02b8d39fd248abfd30da551c"
    )


def test_git_source() -> None:
    graph = read(DATA / "poetry-poetryrepo-lock2.1")
    core = next(p for p in graph.dependencies() if p.name == "poetry-core")
    assert core.source.kind == SourceKind.GIT
    assert core.source.url is not None
    assert core.source.url.endswith("#e3998b0e111dc03e4aa721fd054c48e5c7de6fc5")


def test_without_pyproject_unrequired_packages_are_direct(tmp_path: Path) -> None:
    shutil.copy(DATA / "poetry-gen-lock2.1" / "poetry.lock", tmp_path / "poetry.lock")
    graph = read(tmp_path)
    assert graph.root.name == norm(tmp_path.name)
    direct = {p.name for p in graph.direct()}
    top, _ = tree(DATA / "poetry-gen-lock2.1" / "oracle-poetry-show-tree.txt")
    # colorama, click and pyyaml are also dependencies of other locked packages
    # (click, black/mkdocs, mkdocs): only pyproject.toml says the project asks for
    # them directly, so the heuristic sees a subset of poetry's top level.
    assert direct == top - {"colorama", "click", "pyyaml"}
    kinds = {(e.child.name, e.kind) for e in graph.children(graph.root)}
    assert ("black", EdgeKind.DEV) in kinds
    assert ("requests", EdgeKind.PROD) in kinds
    # every package is reachable
    assert len(graph.paths_index().depth) == len(list(graph.dependencies()))


def test_several_versions_of_one_name_follow_the_constraint(tmp_path: Path) -> None:
    lock = """\
[[package]]
name = "app-dep"
version = "1.0"
optional = false
python-versions = "*"
groups = ["main"]

[package.dependencies]
six = "^1.16"

[[package]]
name = "old"
version = "1.0"
optional = false
python-versions = "*"
groups = ["main"]

[package.dependencies]
six = [{version = "<1.10", markers = "python_version < '3'"}]

[[package]]
name = "six"
version = "1.9.0"
optional = false
python-versions = "*"
groups = ["main"]

[[package]]
name = "six"
version = "1.17.0"
optional = false
python-versions = "*"
groups = ["main"]

[metadata]
lock-version = "2.1"
python-versions = "*"
content-hash = "x"
"""
    graph = READER.read(tmp_path / "poetry.lock", lock)
    app = PackageId.of("pypi", "app-dep", "1.0")
    old = PackageId.of("pypi", "old", "1.0")
    assert [e.child.version for e in graph.children(app)] == ["1.17.0"]
    assert [e.child.version for e in graph.children(old)] == ["1.9.0"]
    assert graph.children(app)[0].spec == "^1.16"


@pytest.mark.parametrize(
    ("constraint", "yes", "no"),
    [
        ("^1.2.3", ["1.2.3", "1.9"], ["2.0", "1.2.2"]),
        ("^0.2.3", ["0.2.9"], ["0.3.0"]),
        ("^0.0.3", ["0.0.3"], ["0.0.4"]),
        ("~1.2.3", ["1.2.9"], ["1.3.0"]),
        ("~1", ["1.9"], ["2.0"]),
        ("*", ["0.1", "99"], []),
        (">=1.5.6,<1.5.7 || >1.5.7", ["1.5.6", "1.6"], ["1.5.7"]),
        (">=2 <3", ["2.5"], ["3.0"]),
        ("1.2.*", ["1.2.7"], ["1.3"]),
        ("1.4", ["1.4"], ["1.4.1"]),
    ],
)
def test_poetry_constraints(constraint: str, yes: list[str], no: list[str]) -> None:
    alts = poetry_constraint(constraint)
    for v in yes:
        assert any(s.contains(v, prereleases=True) for s in alts), v
    for v in no:
        assert not any(s.contains(v, prereleases=True) for s in alts), v


# -- OSV fixtures -------------------------------------------------------------

OSV_DIRS = ["osv-scalibr-poetrylock", "osv-scanner-v1.9.2-poetry"]
OSV_CASES = [
    (d, c) for d in OSV_DIRS for c in json.loads((DATA / d / "expected.json").read_text())["cases"]
]
#: Deliberate differences (see tests/data/python/DIFFERENCES.md).
OSV_DIFFERENCES = {"fixtures/empty-file.lock": "an empty file is a LockfileError"}


@pytest.mark.parametrize(
    ("folder", "case"), OSV_CASES, ids=[f"{d}:{c['test']}" for d, c in OSV_CASES]
)
def test_osv_poetry(folder: str, case: dict) -> None:
    path = DATA / folder / case["fixture_local"]
    if case["expect_error"] == "fs.ErrNotExist":
        assert not path.exists()
        return
    text = path.read_text()
    if case["expect_error"] or case["fixture_local"] in OSV_DIFFERENCES:
        with pytest.raises(LockfileError):
            READER.read(path, text)
        return
    graph = READER.read(path, text)
    for package, pkg in osv_packages(graph, case):
        groups = pkg.get("dep_groups", [])
        assert package.optional == ("optional" in groups)
        assert package.dev == ("dev" in groups)
        assert_line_and_commit(package, pkg)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "file is empty"),
        ("# nothing\n", "not a poetry.lock"),
        (
            "version = 1\n[[package]]\nname = 'a'\nversion = '1'\nsource = { registry = 'x' }\n",
            "not a poetry.lock",
        ),
        ("[metadata]\nlock-version = 2\n", "metadata.lock-version"),
        ("[metadata]\n[[package]]\nname = 1\nversion = '1'\n", "package[0].name"),
        ("[metadata]\n[[package]]\nname = 'a'\n", "version"),
        ("[metadata]\n[[package]]\nname = 'a'\nversion = '1'\ngroups = 'main'\n", "groups"),
        ("[metadata]\n[[package]]\nname = 'a'\nversion = '1'\noptional = 'no'\n", "optional"),
        ("[metadata]\n[[package]]\nname = 'a'\nversion = '1'\ndependencies = 1\n", "dependencies"),
        (
            "[metadata]\n[[package]]\nname = 'a'\nversion = '1'\n[package.dependencies]\nb = 1\n",
            "dependencies.b",
        ),
        ("[metadata]\n[[package]]\nname = 'a'\nversion = '1'\nfiles = [1]\n", "files[0]"),
        (
            "[metadata]\n[[package]]\nname = 'a'\nversion = '1'\n[[package]]\nname = 'a'\nversion = '1'\n",
            "locked twice",
        ),
        ("[metadata]\nfiles = 3\n", "metadata.files"),
        ('{"_meta": {}}', "TOML"),
    ],
)
def test_bad_input_is_a_lockfile_error(text: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(LockfileError) as info:
        READER.read(tmp_path / "poetry.lock", text)
    assert message in str(info.value)


def test_schema_error_names_the_package_line(tmp_path: Path) -> None:
    text = "[[package]]\nname = 'a'\nversion = '1'\n\n[[package]]\nname = 'b'\nversion = 2\n\n[metadata]\n"
    with pytest.raises(LockfileError) as info:
        READER.read(tmp_path / "poetry.lock", text)
    assert info.value.line == 6


def test_broken_pyproject_falls_back_to_heuristic(tmp_path: Path) -> None:
    shutil.copy(DATA / "poetry-gen-lock1.1" / "poetry.lock", tmp_path / "poetry.lock")
    (tmp_path / "pyproject.toml").write_text("[tool.poetry\nname = ")
    graph = read(tmp_path)
    assert graph.direct()
    assert len(graph.paths_index().depth) == len(list(graph.dependencies()))
