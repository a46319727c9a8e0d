"""pylock.toml (PEP 751) reader: the uv-exported lock against ``uv export``, pip's
and uv's pylock files, and the OSV-SCALIBR pylock fixtures."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from depview.errors import LockfileError
from depview.lockfiles._pycommon import lock_details
from depview.lockfiles.pylock import READERS
from depview.model import PackageId, SourceKind
from tests.lockfiles.helpers import assert_line_and_commit, norm, osv_packages, requirement_pins

DATA = Path(__file__).resolve().parent.parent / "data" / "python"
READER = READERS[0]


def read(path: Path):
    return READER.read(path, path.read_text())


def test_uv_exported_pylock_matches_uv_export_requirements() -> None:
    graph = read(DATA / "pylock-gen-uv-export" / "pylock.toml")
    oracle = requirement_pins(DATA / "uv-gen-app" / "oracle-uv-export-requirements.txt")
    assert len(oracle) == 44
    assert {(p.name, p.version) for p in graph.dependencies()} == oracle
    # the editable project (directory = ".") is the root
    assert graph.root == PackageId.of("pypi", "depview-py-fixture", "")
    assert graph.packages[graph.root].source.kind == SourceKind.ROOT
    assert graph.direct() == frozenset(p.id for p in graph.dependencies())
    assert lock_details(graph).skipped == ()
    assert graph.format == "pylock@1.0"


@pytest.mark.parametrize(
    "case", ["pylock-gen-pip-lock", "pylock-pydantic-uv", "pylock-gen-uv-export"]
)
def test_every_versioned_entry_is_a_node_with_its_hash_and_line(case: str) -> None:
    path = DATA / case / "pylock.toml"
    doc = tomllib.loads(path.read_text())
    want = {(norm(p["name"]), p["version"]) for p in doc["packages"] if "version" in p}
    graph = read(path)
    assert {(p.name, p.version) for p in graph.dependencies()} == want
    lines = path.read_text().splitlines()
    for pkg in graph.dependencies():
        assert lines[pkg.line - 1] == f'name = "{pkg.name}"'
        assert pkg.integrity is not None and pkg.integrity.startswith("sha256:")
    assert graph.root.name == (case if case != "pylock-gen-uv-export" else "depview-py-fixture")


OSV = DATA / "osv-scalibr-pylock"
OSV_CASES = json.loads((OSV / "expected.json").read_text())["cases"]
#: Deliberate differences (see tests/data/python/DIFFERENCES.md).
OSV_DIFFERENCES = {"fixtures/empty.toml": "an empty file is a LockfileError"}


@pytest.mark.parametrize("case", OSV_CASES, ids=[c["test"] for c in OSV_CASES])
def test_osv_scalibr_pylock(case: dict) -> None:
    path = OSV / case["fixture_local"]
    if case["expect_error"] or case["fixture_local"] in OSV_DIFFERENCES:
        with pytest.raises(LockfileError):
            read(path)
        return
    graph = read(path)
    for package, pkg in osv_packages(graph, case):
        assert_line_and_commit(package, pkg)


def test_recorded_dependencies_become_edges() -> None:
    graph = read(OSV / "fixtures" / "example.toml")
    cattrs = PackageId.of("pypi", "cattrs", "24.1.2")
    attrs = PackageId.of("pypi", "attrs", "25.1.0")
    assert [e.child for e in graph.children(cattrs)] == [attrs]
    # attrs is required by cattrs, so only cattrs and numpy are direct
    assert {p.name for p in graph.direct()} == {"cattrs", "numpy"}


def test_pip_just_self_is_only_the_root() -> None:
    graph = read(OSV / "fixtures" / "pip-just-self.toml")
    assert list(graph.dependencies()) == []
    assert graph.root.name == "hspaans-github-io"


def test_vcs_without_version_is_skipped_with_a_reason(tmp_path: Path) -> None:
    text = """\
lock-version = "1.0"
created-by = "test"

[[packages]]
name = "lib"
vcs = { type = "git", url = "https://git.invalid/lib", commit-id = "abc" }

[[packages]]
name = "arch"
version = "1.0"
archive = { url = "https://x.invalid/arch-1.0.tar.gz", hashes = { md5 = "00", sha256 = "ff" } }
"""
    graph = READER.read(tmp_path / "pylock.toml", text)
    [skip] = lock_details(graph).skipped
    assert skip.text == "lib" and skip.line == 5
    arch = graph.packages[PackageId.of("pypi", "arch", "1.0")]
    assert arch.source.kind == SourceKind.TARBALL
    assert arch.integrity == "sha256:ff"  # sha256 preferred
    assert lock_details(graph).hashes[arch.id] == ("sha256:ff", "md5:00")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "file is empty"),
        ("version = 1\n", "no top-level 'lock-version'"),
        ("lock-version = 1.0\n", "lock-version: expected a string"),
        ('lock-version = "2.0"\n', "unsupported pylock lock-version"),
        ('lock-version = "1.0"\npackages = {}\n', "packages: expected an array"),
        ('lock-version = "1.0"\n[[packages]]\nversion = "1"\n', "packages[0].name"),
        ('lock-version = "1.0"\n[[packages]]\nname = "a"\nversion = 1\n', "version"),
        ('lock-version = "1.0"\n[[packages]]\nname = "a"\nversion = "1"\nwheels = 1\n', "wheels"),
        (
            'lock-version = "1.0"\n[[packages]]\nname = "a"\nversion = "1"\nsdist = { hashes = 1 }\n',
            "hashes",
        ),
        ('lock-version = "1.0"\n[[packages]]\nname = "a"\nversion = "1"\nvcs = "x"\n', "vcs"),
        (
            'lock-version = "1.0"\n[[packages]]\nname = "a"\nversion = "1"\ndependencies = [1]\n',
            "dependencies",
        ),
        ('{"lockfileVersion": 3}', "TOML"),
    ],
)
def test_bad_input_is_a_lockfile_error(text: str, message: str) -> None:
    with pytest.raises(LockfileError) as info:
        READER.read(Path("pylock.toml"), text)
    assert message in str(info.value)


def test_matches_names() -> None:
    assert READER.matches(Path("pylock.toml"), "")
    assert READER.matches(Path("pylock.dev.toml"), "")
    assert not READER.matches(Path("pyproject.toml"), "[project]\nname = 'x'\n")
