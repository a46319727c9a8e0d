"""Pipfile.lock reader: conformance with ``pipenv requirements`` (pipenv 2026.10.3)
and the OSV Pipfile.lock fixtures."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from depview.errors import LockfileError
from depview.lockfiles._pycommon import lock_details
from depview.lockfiles.pipfile import READERS
from depview.model import EdgeKind, PackageId, SourceKind
from tests.lockfiles.helpers import norm, osv_packages, requirement_pins

DATA = Path(__file__).resolve().parent.parent / "data" / "python"
CASES = ["pipenv-gen-app", "pipenv-pipenvrepo-examples"]
READER = READERS[0]


def read(path: Path):
    return READER.read(path, path.read_text())


@pytest.mark.parametrize("case", CASES)
def test_default_and_dev_sets_match_pipenv_requirements(case: str) -> None:
    folder = DATA / case
    graph = read(folder / "Pipfile.lock")
    prod = {(p.name, p.version) for p in graph.dependencies() if not p.dev}
    assert prod == requirement_pins(folder / "oracle-pipenv-requirements.txt")
    everything = {(p.name, p.version) for p in graph.dependencies()}
    assert requirement_pins(folder / "oracle-pipenv-requirements-dev.txt") <= everything
    allcats = folder / "oracle-pipenv-requirements-allcats.txt"
    if allcats.exists():
        assert everything == requirement_pins(allcats)
    # flat: every package is a direct dependency of the root
    assert graph.direct() == frozenset(p.id for p in graph.dependencies())


def test_hashes_match_pipenv_hash_export() -> None:
    folder = DATA / "pipenv-gen-app"
    graph = read(folder / "Pipfile.lock")
    details = lock_details(graph)
    exported: dict[str, set[str]] = {}
    current = None
    for line in (folder / "oracle-pipenv-requirements-hash.txt").read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==", line)
        if m:
            current = norm(m.group(1))
            exported.setdefault(current, set())
        for h in re.findall(r"--hash=(\S+)", line):
            if current is not None:
                exported[current].add(h)
    checked = 0
    for pkg in graph.dependencies():
        if pkg.name in exported and not pkg.dev:
            assert set(details.hashes[pkg.id]) == exported[pkg.name]
            assert pkg.integrity == details.hashes[pkg.id][0]
            checked += 1
    assert checked >= 15


def test_categories_and_skipped_entries() -> None:
    graph = read(DATA / "pipenv-gen-app" / "Pipfile.lock")
    pkgs = {p.name: p for p in graph.dependencies()}
    assert pkgs["pytest"].dev  # develop
    assert pkgs["mkdocs"].dev  # custom category "docs"
    assert not pkgs["requests"].dev
    # click is in default and develop: not dev; one node, two edges
    assert not pkgs["click"].dev
    kinds = {e.kind for e in graph.children(graph.root) if e.child.name == "click"}
    assert kinds == {EdgeKind.PROD, EdgeKind.DEV}
    # colorama is locked with version "*": skipped, and said so
    assert "colorama" not in pkgs
    [skip] = lock_details(graph).skipped
    assert "colorama" in skip.text and skip.line is not None
    assert "not an exact == pin" in skip.reason
    assert graph.format == "pipfile-lock@6"
    assert graph.packages[graph.root].source.kind == SourceKind.ROOT
    text = (DATA / "pipenv-gen-app" / "Pipfile.lock").read_text().splitlines()
    for pkg in pkgs.values():
        assert text[pkg.line - 1].strip().startswith(json.dumps(pkg.display_name or pkg.name))


def test_same_name_two_versions_in_two_categories() -> None:
    path = DATA / "osv-scanner-v1.9.2-pipenv" / "fixtures" / "multiple-packages.json"
    graph = read(path)
    pluggy = {p.version: p for p in graph.dependencies() if p.name == "pluggy"}
    assert set(pluggy) == {"1.0.1", "1.0.0"}
    assert pluggy["1.0.0"].dev and not pluggy["1.0.1"].dev


OSV_DIRS = ["osv-scalibr-pipfilelock", "osv-scanner-v1.9.2-pipenv"]
OSV_CASES = [
    (d, c) for d in OSV_DIRS for c in json.loads((DATA / d / "expected.json").read_text())["cases"]
]
#: Deliberate differences (see tests/data/python/DIFFERENCES.md).
OSV_DIFFERENCES = {"fixtures/empty-file": "an empty file is a LockfileError"}


@pytest.mark.parametrize(
    ("folder", "case"), OSV_CASES, ids=[f"{d}:{c['test']}" for d, c in OSV_CASES]
)
def test_osv_pipfile(folder: str, case: dict) -> None:
    path = DATA / folder / case["fixture_local"]
    if case["expect_error"] == "fs.ErrNotExist":
        assert not path.exists()
        return
    if case["expect_error"] or case["fixture_local"] in OSV_DIFFERENCES:
        with pytest.raises(LockfileError):
            read(path)
        return
    graph = read(path)
    for package, pkg in osv_packages(graph, case):
        assert package.dev == ("dev" in pkg.get("dep_groups", []))
        if "line" in pkg:
            assert package.line == pkg["line"]
    if "no-version" in case["fixture_local"]:
        assert len(lock_details(graph).skipped) == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "file is empty"),
        ("[1, 2]", "top level is a list"),
        ('{"name": "x", "lockfileVersion": 3, "packages": {}}', "not a Pipfile.lock"),
        ('{"_meta": 1}', "_meta: expected an object"),
        ('{"_meta": {}, "default": []}', "default: expected an object"),
        ('{"default": {"a": 1}}', "default.a: expected an object"),
        ('{"default": {"a": {"version": 1}}}', "default.a.version"),
        ('{"default": {"a": {"version": "==1", "hashes": "x"}}}', "default.a.hashes"),
        ('{"default": {"a": {"version": "==1", "hashes": [1]}}}', "default.a.hashes"),
        ('{"default": {', "invalid JSON"),
        ("version = 1\n", "invalid JSON"),
        pytest.param("[" * 100000, "nested too deeply", id="deep"),
    ],
)
def test_bad_input_is_a_lockfile_error(text: str, message: str) -> None:
    with pytest.raises(LockfileError) as info:
        READER.read(Path("Pipfile.lock"), text)
    assert message in str(info.value)


def test_json_error_line() -> None:
    with pytest.raises(LockfileError) as info:
        READER.read(Path("Pipfile.lock"), '{\n"default": {\n"a": {,}\n}}')
    assert info.value.line == 3


def test_git_entry_with_version_and_index_url() -> None:
    text = json.dumps(
        {
            "_meta": {"sources": [{"name": "corp", "url": "https://pypi.corp.invalid/simple"}]},
            "default": {
                "a": {"version": "==1.0", "index": "corp", "hashes": ["sha256:ab", "sha256:cd"]},
                "b": {"version": "==2.0", "git": "https://git.invalid/b", "ref": "deadbeef"},
                "C_D": {"version": "===3.0"},
            },
        },
        indent=4,
    )
    graph = READER.read(Path("x/Pipfile.lock"), text)
    a = graph.packages[PackageId.of("pypi", "a", "1.0")]
    assert a.source.url == "https://pypi.corp.invalid/simple"
    assert a.integrity == "sha256:ab"
    b = graph.packages[PackageId.of("pypi", "b", "2.0")]
    assert b.source.kind == SourceKind.GIT and b.source.url == "https://git.invalid/b#deadbeef"
    cd = graph.packages[PackageId.of("pypi", "c-d", "3.0")]
    assert cd.display_name == "C_D"
    assert graph.format == "pipfile-lock"
